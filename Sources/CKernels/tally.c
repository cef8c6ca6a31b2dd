// A running count of the multiply-adds the engine's products and convolutions perform, so that
// `vcview bench` can put a forward pass against the arithmetic floor without a second, hand-kept
// model of where the multiply-adds are. One relaxed atomic add per product (a few hundred per
// forward pass), from whichever thread ran it.
#include "ckernels.h"
#include <stdatomic.h>

static _Atomic long macs = 0;

void vck_tally_macs(long n) { atomic_fetch_add_explicit(&macs, n, memory_order_relaxed); }
long vck_macs_tallied(void) { return atomic_load_explicit(&macs, memory_order_relaxed); }
