// The core's fp32 FMA peak, for docs/performance.md's floor arithmetic: twelve independent chains of
// 512-bit fused multiply-adds on registers only (enough chains to cover the FMA latency on both
// FMA ports), best of five runs.
//
//     cc -O2 -mavx512f -o /tmp/fma_peak tools/bench/fma_peak.c && /tmp/fma_peak
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
    enum { CHAINS = 12 };
    __m512 acc[CHAINS];
    const __m512 m = _mm512_set1_ps(0.999999f), c = _mm512_set1_ps(1e-7f);
    for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_set1_ps((float)i);
    const long iterations = 200000000;
    double best = 1e9;
    for (int run = 0; run < 5; run++) {
        double t0 = now();
        for (long k = 0; k < iterations; k++) {
#pragma GCC unroll 12
            for (int i = 0; i < CHAINS; i++) acc[i] = _mm512_fmadd_ps(acc[i], m, c);
        }
        double t = now() - t0;
        if (t < best) best = t;
    }
    float sink = 0;   // keeps the chains alive
    for (int i = 0; i < CHAINS; i++) sink += _mm512_reduce_add_ps(acc[i]);
    printf("fp32 FMA peak: %.1f GFLOP/s per core (%.3f s for %ld x %d x 16 FMAs) [%g]\n",
           iterations * (double)CHAINS * 16 * 2 / best / 1e9, best, iterations, CHAINS, sink);
    return 0;
}
