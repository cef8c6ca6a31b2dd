// The core's fp32 FMA peak, measured: the "floor" of `vcview bench` (a forward's multiply-adds × 2
// over this) and the pool's yardstick for how long a region's arithmetic takes.
//
// Twelve independent chains of 16-lane fused multiply-adds held in registers: enough chains to
// cover the FMA latency on both FMA ports of an AVX-512 core (tools/bench/fma_peak.c is the same
// loop as a stand-alone program). A burst is short (a fraction of a millisecond), and the probe
// keeps the best of several, so a busy moment on a shared machine lowers at most some bursts.
#include "ckernels.h"
#include "vmath.h"
#include <pthread.h>
#include <time.h>

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

enum { CHAINS = 12 };
static volatile float sink;

// GFLOP/s of one burst of `iterations` × CHAINS × 16 FMAs.
static double burst(long iterations) {
    vf acc[CHAINS];
    const vf m = vsplat(0.999999f), c = vsplat(1e-7f);
    for (int i = 0; i < CHAINS; i++) acc[i] = vsplat((float)i);
    long t0 = now_ns();
    for (long k = 0; k < iterations; k++) {
#pragma clang loop unroll(full)
        for (int i = 0; i < CHAINS; i++) acc[i] = acc[i] * m + c;
    }
    long t = now_ns() - t0;
    // The chains' values are used, so the loop cannot be dropped (they depend on every step).
    vf sum = vsplat(0);
    for (int i = 0; i < CHAINS; i++) sum += acc[i];
    sink = vsum(sum);
    return t > 0 ? iterations * (double)CHAINS * 16 * 2 / t : 0;
}

double vck_fma_peak(long bursts, long burst_us) {
    // ~4 cycles per iteration at peak on a ~3 GHz core: 750 iterations per microsecond.
    long iterations = burst_us * 750 > 1000 ? burst_us * 750 : 1000;
    burst(iterations / 4);   // wakes the core's 512-bit units (they start at reduced throughput)
    double best = 0;
    for (long b = 0; b < bursts; b++) {
        double g = burst(iterations);
        if (g > best) best = g;
    }
    return best;
}

static double rate;
static pthread_once_t rate_once = PTHREAD_ONCE_INIT;
static void measure_rate(void) { rate = vck_fma_peak(8, 50); if (rate <= 0) rate = 100; }

double vck_flops_per_ns(void) {
    pthread_once(&rate_once, measure_rate);
    return rate;
}
