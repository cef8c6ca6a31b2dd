// The core's fp32 FMA peak, for docs/performance.md's floor arithmetic: twelve independent chains of
// fused multiply-adds, one register wide (512 bits with AVX-512, 256 with AVX2), on registers only
// (enough chains to cover the FMA latency on both FMA ports), best of five runs.
//
//     cc -O2 -march=native -o /tmp/fma_peak tools/bench/fma_peak.c && /tmp/fma_peak
#include <immintrin.h>
#include <stdio.h>
#include <time.h>

#if defined(__AVX512F__)
typedef __m512 chain;
enum { LANES = 16 };
#define SPLAT _mm512_set1_ps
#define FMA _mm512_fmadd_ps
#define STORE _mm512_storeu_ps
#else
typedef __m256 chain;
enum { LANES = 8 };
#define SPLAT _mm256_set1_ps
#define FMA _mm256_fmadd_ps
#define STORE _mm256_storeu_ps
#endif

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

int main(void) {
    enum { CHAINS = 12 };
    chain acc[CHAINS];
    const chain m = SPLAT(0.999999f), c = SPLAT(1e-7f);
    for (int i = 0; i < CHAINS; i++) acc[i] = SPLAT((float)i);
    const long iterations = 200000000;
    double best = 1e9;
    for (int run = 0; run < 5; run++) {
        double t0 = now();
        for (long k = 0; k < iterations; k++) {
#pragma GCC unroll 12
            for (int i = 0; i < CHAINS; i++) acc[i] = FMA(acc[i], m, c);
        }
        double t = now() - t0;
        if (t < best) best = t;
    }
    float sink = 0, lanes[LANES];   // keeps the chains alive
    for (int i = 0; i < CHAINS; i++) {
        STORE(lanes, acc[i]);
        for (int j = 0; j < LANES; j++) sink += lanes[j];
    }
    printf("fp32 FMA peak: %.1f GFLOP/s per core (%.3f s for %ld x %d x %d FMAs) [%g]\n",
           iterations * (double)CHAINS * LANES * 2 / best / 1e9, best, iterations, CHAINS, LANES, sink);
    return 0;
}
