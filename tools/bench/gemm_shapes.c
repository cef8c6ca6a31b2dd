// The engine's matrix products, one core, three ways: the engine's own path (OpenBLAS's SKYLAKEX
// micro-kernel on weights packed at load, Sources/CKernels/packed_gemm.c compiled in as is),
// cblas_sgemm, and oneDNN (dnnl_sgemm, and a matmul primitive whose weights are reordered once
// into the layout it picks, the fairest oneDNN counterpart of weights packed at load; and the
// engine's own oneDNN path, Sources/CKernels/onednn_gemm.c, which runs that primitive on chunks of
// at most 192 tokens).
//
// Every product is C(T×N) = X(T×K)·Wᵀ, row-major, W the PyTorch weight (N × K). The shapes are read
// from stdin, one "T N K epilogue count" per line ('#' lines skipped; count: how often a forward
// pass runs that shape, to weight the totals; the epilogue column is not timed here):
// tools/bench/gemm_shapes/{S,M,B}.txt are the products of a 224² forward, traced. Prints
// GFLOP/s and % of the core's FMA peak (the probe of `vcview bench`) per shape and method, best of
// `rounds` interleaved rounds (by this thread's CPU time), and the forward's product time per method.
//
//     clang -O3 -march=native -mprefer-vector-width=512 -Wno-psabi -ISources/CKernels/include -ISources/CKernels -o /tmp/gemm_shapes \
//        tools/bench/gemm_shapes.c Sources/CKernels/packed_gemm.c Sources/CKernels/onednn_gemm.c \
//        Sources/CKernels/fma_probe.c Sources/CKernels/activations.c Sources/CKernels/tally.c Sources/CKernels/engine_gemm.c Sources/CKernels/thread_buffer.c \
//         $(pkg-config --cflags --libs openblas) -ldnnl -ldl -lm -lpthread
//     /tmp/gemm_shapes [rounds [seconds per measurement]] < tools/bench/gemm_shapes/B.txt
//
// OpenBLAS picks its SSE3 kernels on this CPU unless OPENBLAS_CORETYPE is set, and oneDNN's OpenMP
// would use every core: the program re-executes itself with OPENBLAS_CORETYPE=SKYLAKEX (HASWELL without AVX-512),
// OPENBLAS_NUM_THREADS=1, OMP_NUM_THREADS=1 (as vcview does) and VCVIEW_GEMM=onednn when they are
// not set. Needs libdnnl-dev (scripts/setup installs it).
#define _GNU_SOURCE
#include "ckernels.h"
#include <cblas.h>
#include <oneapi/dnnl/dnnl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>
#include <unistd.h>

extern char **environ;

// This thread's CPU time: on a shared machine the time other programs hold the core is left out
// (their cache pollution still counts). Everything here runs on this one thread.
static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

#define CHECK(call) do { dnnl_status_t s_ = (call); if (s_ != dnnl_success) { fprintf(stderr, "gemm_shapes: %s failed (%d)\n", #call, (int)s_); exit(1); } } while (0)

typedef struct {
    long t, n, k, count;
    float *x, *w, *c, *ref;
    vck_packed *packed;
    dnnl_primitive_t matmul;
    dnnl_memory_t mx, mw, mc;
    vck_onednn *onednn;
    vck_egemm *egemm;
    double best[6];   // seconds per product: packed, cblas, dnnl_sgemm, dnnl matmul, the engine's oneDNN path, its own kernel
} shape;

enum { METHODS_ALL = 6 };
static int METHODS = 5;   // 6 where the engine's own kernel is built (AVX2 or AVX-512)
static const char *names[METHODS_ALL] = { "engine (OpenBLAS kernel, packed W)", "cblas_sgemm", "dnnl_sgemm", "dnnl matmul (W reordered once)",
                                          "engine, VCVIEW_GEMM=onednn", "engine's own kernel" };

static dnnl_engine_t eng;
static dnnl_stream_t stream;

static void setup_matmul(shape *s) {
    dnnl_memory_desc_t xd, wd_any, wd_plain, cd;
    dnnl_dims_t xdims = { s->t, s->k }, wdims = { s->k, s->n }, cdims = { s->t, s->n };
    CHECK(dnnl_memory_desc_init_by_tag(&xd, 2, xdims, dnnl_f32, dnnl_ab));
    CHECK(dnnl_memory_desc_init_by_tag(&wd_any, 2, wdims, dnnl_f32, dnnl_format_tag_any));
    CHECK(dnnl_memory_desc_init_by_tag(&wd_plain, 2, wdims, dnnl_f32, dnnl_ba));   // W (N×K) row-major is Wᵀ (K×N) column-major
    CHECK(dnnl_memory_desc_init_by_tag(&cd, 2, cdims, dnnl_f32, dnnl_ab));
    dnnl_matmul_desc_t md;
    CHECK(dnnl_matmul_desc_init(&md, &xd, &wd_any, NULL, &cd));
    dnnl_primitive_desc_t pd;
    CHECK(dnnl_primitive_desc_create(&pd, &md, NULL, eng, NULL));
    const dnnl_memory_desc_t *wd = dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
    CHECK(dnnl_primitive_create(&s->matmul, pd));
    // W once into the primitive's layout.
    dnnl_memory_t plain;
    CHECK(dnnl_memory_create(&plain, &wd_plain, eng, s->w));
    CHECK(dnnl_memory_create(&s->mw, wd, eng, DNNL_MEMORY_ALLOCATE));
    dnnl_primitive_desc_t rpd;
    CHECK(dnnl_reorder_primitive_desc_create(&rpd, &wd_plain, eng, wd, eng, NULL));
    dnnl_primitive_t reorder;
    CHECK(dnnl_primitive_create(&reorder, rpd));
    dnnl_exec_arg_t rargs[2] = { { DNNL_ARG_FROM, plain }, { DNNL_ARG_TO, s->mw } };
    CHECK(dnnl_primitive_execute(reorder, stream, 2, rargs));
    CHECK(dnnl_stream_wait(stream));
    dnnl_primitive_destroy(reorder); dnnl_primitive_desc_destroy(rpd); dnnl_memory_destroy(plain);
    CHECK(dnnl_memory_create(&s->mx, &xd, eng, s->x));
    CHECK(dnnl_memory_create(&s->mc, &cd, eng, s->c));
    dnnl_primitive_desc_destroy(pd);
}

static void run(shape *s, int method) {
    switch (method) {
    case 0: vck_packed_gemm(s->packed, s->x, s->k, s->c, s->n, 0, s->t, 0, vck_packed_panels(s->packed), 0, NULL); break;
    case 1: cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, (int)s->t, (int)s->n, (int)s->k, 1, s->x, (int)s->k,
                        s->w, (int)s->k, 0, s->c, (int)s->n); break;
    case 2: dnnl_sgemm('N', 'T', s->t, s->n, s->k, 1, s->x, s->k, s->w, s->k, 0, s->c, s->n); break;
    case 3: {
        dnnl_exec_arg_t args[3] = { { DNNL_ARG_SRC, s->mx }, { DNNL_ARG_WEIGHTS, s->mw }, { DNNL_ARG_DST, s->mc } };
        dnnl_primitive_execute(s->matmul, stream, 3, args);
        dnnl_stream_wait(stream);
        break;
    }
    case 4: vck_onednn_gemm(s->onednn, s->x, s->k, s->c, s->n, 0, s->t, 0, NULL); break;
    case 5: vck_egemm_gemm(s->egemm, s->x, s->k, s->c, s->n, 0, s->t, 0, vck_egemm_panels(s->egemm), 0, NULL); break;
    }
}

// Largest relative difference from the cblas result (all four compute the same sums in different orders).
static double max_rel_diff(const shape *s) {
    double worst = 0, scale = 0;
    for (long i = 0; i < s->t * s->n; i++) scale = fmax(scale, fabs(s->ref[i]));
    for (long i = 0; i < s->t * s->n; i++) worst = fmax(worst, fabs(s->c[i] - s->ref[i]));
    return scale > 0 ? worst / scale : worst;
}

int main(int argc, char **argv) {
    if (!getenv("OPENBLAS_CORETYPE") || !getenv("OMP_NUM_THREADS")) {
        setenv("OPENBLAS_CORETYPE", __builtin_cpu_supports("avx512f") ? "SKYLAKEX" : "HASWELL", 0);
        setenv("OPENBLAS_NUM_THREADS", "1", 0);
        setenv("OMP_NUM_THREADS", "1", 0);
        setenv("VCVIEW_GEMM", "onednn", 0);
        execve("/proc/self/exe", argv, environ);
        perror("gemm_shapes: re-exec");
        return 1;
    }
    int rounds = argc > 1 ? atoi(argv[1]) : 5;
    double budget = argc > 2 ? atof(argv[2]) : 0.004;   // seconds per (shape, method, round)
    if (!vck_packed_available()) { fprintf(stderr, "gemm_shapes: the packed OpenBLAS path is not available here (%s)\n", vck_packed_core()); return 1; }
    CHECK(dnnl_engine_create(&eng, dnnl_cpu, 0));
    CHECK(dnnl_stream_create(&stream, eng, dnnl_stream_default_flags));

    shape *shapes = NULL;
    long count = 0, cap = 0;
    long t, n, k, e, c;
    char line[256];
    while (fgets(line, sizeof line, stdin)) {
        if (line[0] == '#' || sscanf(line, "%ld %ld %ld %ld %ld", &t, &n, &k, &e, &c) != 5) continue;
        if (count == cap) { cap = cap ? cap * 2 : 16; shapes = realloc(shapes, sizeof *shapes * cap); }
        shape *s = &shapes[count++];
        memset(s, 0, sizeof *s);
        s->t = t; s->n = n; s->k = k; s->count = c;
        s->x = malloc(sizeof(float) * t * k); s->w = malloc(sizeof(float) * n * k);
        s->c = malloc(sizeof(float) * t * n); s->ref = malloc(sizeof(float) * t * n);
        unsigned r = 1u + (unsigned)(t * 131 + n * 17 + k);
        for (long i = 0; i < t * k; i++) { r = r * 1664525u + 1013904223u; s->x[i] = (float)(r >> 8) / 16777216.0f - 0.5f; }
        for (long i = 0; i < n * k; i++) { r = r * 1664525u + 1013904223u; s->w[i] = (float)(r >> 8) / 16777216.0f - 0.5f; }
        s->packed = vck_pack(s->w, n, k);
        s->onednn = vck_onednn_prepare(s->w, n, k);
        s->egemm = vck_egemm_prepare(s->w, n, k);
        if (s->egemm) METHODS = 6;
        if (!s->onednn) { fprintf(stderr, "gemm_shapes: the engine's oneDNN path is not available: %s\n", vck_onednn_status()); return 1; }
        setup_matmul(s);
        for (int m = 0; m < METHODS_ALL; m++) s->best[m] = 1e9;
    }
    if (count == 0) { fprintf(stderr, "gemm_shapes: no shapes on stdin (lines of \"T N K epilogue count\")\n"); return 1; }

    // Agreement first (the engine's and oneDNN's sums against cblas_sgemm's).
    double worst[METHODS_ALL] = { 0 };
    for (long i = 0; i < count; i++) {
        shape *s = &shapes[i];
        run(s, 1);
        memcpy(s->ref, s->c, sizeof(float) * s->t * s->n);
        for (int m = 0; m < METHODS; m++) { memset(s->c, 0, sizeof(float) * s->t * s->n); run(s, m); worst[m] = fmax(worst[m], max_rel_diff(s)); }
    }
    double peak = vck_fma_peak(4, 250);
    for (int round = 0; round < rounds; round++)
        for (long i = 0; i < count; i++)
            for (int m = 0; m < METHODS; m++) {
                shape *s = &shapes[i];
                run(s, m);   // warm
                long iters = 0;
                double t0 = now(), el;
                do { run(s, m); iters++; el = now() - t0; } while (el < budget);
                if (el / iters < s->best[m]) s->best[m] = el / iters;
            }
    double peak2 = vck_fma_peak(4, 250);
    if (peak2 > peak) peak = peak2;

    printf("FMA peak (probe): %.1f GFLOP/s; best of %d rounds; GFLOP/s (%% of peak)\n", peak, rounds);
    printf("%6s %5s %5s %5s |", "T", "N", "K", "count");
    for (int m = 0; m < METHODS; m++) printf(" %-20.20s|", names[m]);
    printf("\n");
    double total[METHODS_ALL] = { 0 }, macs = 0;
    for (long i = 0; i < count; i++) {
        shape *s = &shapes[i];
        double f = 2.0 * s->t * s->n * s->k;
        printf("%6ld %5ld %5ld %5ld |", s->t, s->n, s->k, s->count);
        for (int m = 0; m < METHODS; m++) {
            double g = f / s->best[m] / 1e9;
            printf(" %7.1f (%5.1f%%)     |", g, 100 * g / peak);
            total[m] += s->best[m] * s->count;
        }
        printf("\n");
        macs += f / 2 * s->count;
    }
    printf("all products of the list: %.3f GMACs, floor %.2f ms\n", macs / 1e9, 2 * macs / peak / 1e6);
    for (int m = 0; m < METHODS; m++)
        printf("  %-36s %7.2f ms  %5.1f%% of peak  (max rel. diff from cblas %.1e)\n", names[m], total[m] * 1e3,
               100 * 2 * macs / total[m] / 1e9 / peak, worst[m]);
    return 0;
}
