// Running counts of the multiply-adds the engine's products and convolutions perform, and of the
// two kinds of work beside them that every pass must do (GELU evaluations and the selective
// scan's state updates), so that `vcview bench` can put a forward pass against the arithmetic
// floor without a second, hand-kept model of where the work is. One relaxed atomic add per
// product, MLP or scan (a few hundred per forward pass), from whichever thread ran it.
#include "ckernels.h"
#include <stdatomic.h>

static _Atomic long macs = 0;

void vck_tally_macs(long n) { atomic_fetch_add_explicit(&macs, n, memory_order_relaxed); }
long vck_macs_tallied(void) { return atomic_load_explicit(&macs, memory_order_relaxed); }

static _Atomic long gelus = 0, scan_updates = 0;

void vck_tally_gelu(long n) { atomic_fetch_add_explicit(&gelus, n, memory_order_relaxed); }
long vck_gelu_tallied(void) { return atomic_load_explicit(&gelus, memory_order_relaxed); }
void vck_tally_scan(long n) { atomic_fetch_add_explicit(&scan_updates, n, memory_order_relaxed); }
long vck_scan_tallied(void) { return atomic_load_explicit(&scan_updates, memory_order_relaxed); }
