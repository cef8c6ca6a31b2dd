// The core's fp32 FMA peak, measured: the "floor" of `vcview bench` (a forward's multiply-adds × 2
// over this) and the pool's yardstick for how long a region's arithmetic takes.
//
// Twelve independent chains of fused multiply-adds, one register wide, held in registers: enough
// chains to cover the FMA latency on both FMA ports (tools/bench/fma_peak.c is the same loop as a
// stand-alone program). A burst is short (a fraction of a millisecond), and the probe keeps the best
// of several, so a busy moment on a shared machine lowers at most some bursts.
//
// The chains are as wide as the machine's vector registers: 16 lanes with AVX-512, 8 with AVX2.
// Twelve 16-lane chains on an AVX2 core are 24 ymm registers of the 16 there are; the spilled ones
// went through memory and the probe read 80 GFLOP/s on a Zen 3 core whose FMAs give 95, a floor 17%
// too long (every `time ÷ floor` that flattering).
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
#if defined(__AVX512F__)
typedef vf chain;
enum { LANES = 16 };
#else
typedef vf_half chain;
enum { LANES = 8 };
#endif
static volatile float sink;

// GFLOP/s of one burst of `iterations` × CHAINS × LANES FMAs.
static double burst(long iterations) {
    chain acc[CHAINS];
    const chain m = (chain)0.999999f, c = (chain)1e-7f;
    for (int i = 0; i < CHAINS; i++) acc[i] = (chain)(float)i;
    long t0 = now_ns();
    for (long k = 0; k < iterations; k++) {
#pragma clang loop unroll(full)
        for (int i = 0; i < CHAINS; i++) acc[i] = acc[i] * m + c;
    }
    long t = now_ns() - t0;
    // The chains' values are used, so the loop cannot be dropped (they depend on every step).
    chain sum = (chain)0.0f;
    for (int i = 0; i < CHAINS; i++) sum += acc[i];
    float total = 0;
    for (int i = 0; i < LANES; i++) total += sum[i];
    sink = total;
    return t > 0 ? iterations * (double)CHAINS * LANES * 2 / t : 0;
}

double vck_fma_peak(long bursts, long burst_us) {
    // 750 iterations per microsecond asked: an iteration (12 FMAs on two ports) takes ~6 cycles at
    // peak, so a burst runs ~1.5× `burst_us` on a 3 GHz core, the same with either width.
    long iterations = burst_us * 750 > 1000 ? burst_us * 750 : 1000;
    burst(iterations / 4);   // wakes the core's wide units (they start at reduced throughput)
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
