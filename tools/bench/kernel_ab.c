// The engine's C kernels at two commits, timed side by side in one process: each commit's
// Sources/CKernels built into its own shared library, both opened with dlopen (RTLD_LOCAL, so the
// same symbol names do not collide), and every kernel called alternately from the two, best of
// many rounds by this thread's CPU time. On a shared machine whose speed drifts from minute to
// minute, alternating within one process is what makes a few percent visible (whole passes of
// `vcview bench` move ±10% between runs).
//
//     tools/bench/kernel_ab REV            # REV (e.g. HEAD~3) against the working tree
//
// Prints per kernel: old µs, new µs, new ÷ old, and the largest relative difference between their
// outputs (the kernels are allowed to differ in rounding, never in meaning). A kernel missing
// from either library is skipped.
#define _GNU_SOURCE
#include <dlfcn.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <time.h>

static double now(void) {
    struct timespec t;
    clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t);
    return t.tv_sec + t.tv_nsec * 1e-9;
}

static float *filled(long n, float lo, float hi, unsigned seed) {
    float *p = aligned_alloc(64, (size_t)((n * 4 + 63) / 64 * 64));
    srand(seed);
    for (long i = 0; i < n; i++) p[i] = lo + (hi - lo) * (rand() / (float)RAND_MAX);
    return p;
}

static float max_rel_diff(const float *a, const float *b, long n) {
    float worst = 0;
    for (long i = 0; i < n; i++) {
        float d = fabsf(a[i] - b[i]) / fmaxf(1.0f, fabsf(b[i]));
        if (d > worst || isnan(d)) worst = isnan(d) ? INFINITY : d;
    }
    return worst;
}

typedef void (*apply_fn)(float *, long);
typedef void (*scan_fn)(long, long, long, const float *, const float *, const float *, const float *, const float *,
                        const float *, const int32_t *, const int32_t *, float *, float *, float *, float *, float *,
                        float *, long, long);
typedef void (*dw_fn)(const float *, long, long, long, long, const float *, const float *, const float *, const float *,
                      int, float *, long, long, long, long, float *);
typedef long (*dw_scratch_fn)(long, long, long, long);
typedef void (*conv_fn)(const float *, long, long, long, long, long, long, const float *, long, float *, long, long, long,
                        const float *, const float *, int);
typedef void (*ln_fn)(float *, long, long, const float *, const float *, float);

static void *lib[2];
static void *sym(int v, const char *name) { return dlsym(lib[v], name); }

// Runs body(v, out) for v = 0 (old) and 1 (new) alternately, `rounds` times `reps` calls, and prints
// the best time of each and the difference of their last outputs (n floats).
#define AB(label, n, reps, body)                                                                     \
    do {                                                                                             \
        float *out_[2] = { malloc((size_t)(n) * 4), malloc((size_t)(n) * 4) };                     \
        double best_[2] = { 1e9, 1e9 };                                                              \
        for (int r_ = 0; r_ < 60; r_++)                                                              \
            for (int v = 0; v < 2; v++) {                                                            \
                float *out = out_[v];                                                                \
                double t0_ = now();                                                                  \
                for (int i_ = 0; i_ < (reps); i_++) { body; }                                        \
                double d_ = (now() - t0_) / (reps);                                                  \
                if (d_ < best_[v]) best_[v] = d_;                                                    \
            }                                                                                        \
        printf("%-34s %9.2f %9.2f   %.3f   %.1e\n", label, best_[0] * 1e6, best_[1] * 1e6,         \
               best_[1] / best_[0], max_rel_diff(out_[1], out_[0], n));                              \
        free(out_[0]); free(out_[1]);                                                                \
    } while (0)

int main(int argc, char **argv) {
    if (argc != 3) { fprintf(stderr, "usage: kernel_ab OLD.so NEW.so (tools/bench/kernel_ab builds them)\n"); return 2; }
    for (int v = 0; v < 2; v++)
        if (!(lib[v] = dlopen(argv[1 + v], RTLD_NOW | RTLD_LOCAL))) { fprintf(stderr, "kernel_ab: %s\n", dlerror()); return 1; }
    printf("%-34s %9s %9s   %s   %s\n", "kernel", "old µs", "new µs", "new/old", "max rel diff");

    const long n = 4096;   // 16 KB: in L1, so the arithmetic is what is timed
    float *x = filled(n, -6, 6, 1), *xe = filled(n, -20, 0, 2);
    const char *applies[] = { "vck_gelu", "vck_exp", "vck_silu", "vck_softplus" };
    for (int a = 0; a < 4; a++) {
        apply_fn f[2] = { (apply_fn)sym(0, applies[a]), (apply_fn)sym(1, applies[a]) };
        if (!f[0] || !f[1]) continue;
        const float *in = a == 1 ? xe : x;
        char label[64];
        snprintf(label, sizeof label, "%s (4096 values)", applies[a]);
        AB(label, n, 200, { memcpy(out, in, n * 4); f[v](out, n); });
    }

    scan_fn scan[2] = { (scan_fn)sym(0, "vck_scan4"), (scan_fn)sym(1, "vck_scan4") };
    if (scan[0] && scan[1]) {
        long shapes[][2] = { { 49, 576 }, { 49, 1024 } };   // VCMamba-S and -B's stage 4
        for (int s = 0; s < 2; s++) {
            long L = shapes[s][0], E = shapes[s][1], N = 16;
            float *u = filled(L * E, -1, 1, 3), *dl = filled(L * E, 0.01f, 2, 4), *A = filled(E * N, -8, -0.5f, 5);
            float *Bd = filled(4 * L * N, -1, 1, 6), *C = filled(L * N, -1, 1, 7), *D = filled(E, 0, 1, 8);
            float *scratch = aligned_alloc(64, (size_t)(L * N * 16 * 4));
            int32_t *orders = malloc(4 * L * 4), enabled[4] = { 1, 1, 1, 1 };
            for (int k = 0; k < 4; k++) for (long t = 0; t < L; t++) orders[k * L + t] = (int32_t)(k % 2 ? L - 1 - t : t);
            char label[64];
            snprintf(label, sizeof label, "vck_scan4 (%ld tokens × %ld)", L, E);
            AB(label, L * E, 20, scan[v](L, E, N, u, dl, A, Bd, C, D, orders, enabled, out, 0, 0, 0, 0, scratch, 0, E));
        }
    }

    dw_fn dw[2] = { (dw_fn)sym(0, "vck_depthwise"), (dw_fn)sym(1, "vck_depthwise") };
    dw_scratch_fn dws0 = (dw_scratch_fn)sym(0, "vck_depthwise_scratch"), dws1 = (dw_scratch_fn)sym(1, "vck_depthwise_scratch");
    if (dw[0] && dw[1] && dws0 && dws1) {
        struct { long h, w, c, k; int act; const char *what; } shapes[] = {
            { 56, 56, 128, 3, 2, "3×3 + GELU, S stage 1" }, { 14, 14, 576, 3, 2, "3×3 + GELU, S stage 3" },
            { 28, 28, 512, 3, 2, "3×3 + GELU, B stage 2" }, { 7, 7, 2048, 3, 2, "3×3 + GELU, B stage 4" },
            { 7, 7, 576, 7, 3, "7×7 + SiLU, S Mamba" }, { 7, 7, 1024, 7, 3, "7×7 + SiLU, B Mamba" } };
        for (int s = 0; s < (int)(sizeof shapes / sizeof shapes[0]); s++) {
            long h = shapes[s].h, w = shapes[s].w, c = shapes[s].c, k = shapes[s].k;
            float *src = filled(h * w * c, -2, 2, 9), *wt = filled(k * k * c, -0.3f, 0.3f, 10), *b = filled(c, -0.1f, 0.1f, 11);
            float *sc = filled(c, 0.5f, 1.5f, 12), *sh = filled(c, -0.1f, 0.1f, 13);
            // Each commit sizes its own scratch (the tile's lanes follow the vector width): the larger.
            long need = dws0(w, c, k, h) > dws1(w, c, k, h) ? dws0(w, c, k, h) : dws1(w, c, k, h);
            float *scratch = aligned_alloc(64, (size_t)((need + 16) * 4 + 63) / 64 * 64);
            char label[64];
            snprintf(label, sizeof label, "vck_depthwise %s", shapes[s].what);
            AB(label, h * w * c, 20, dw[v](src, h, w, c, k, wt, b, sc, sh, shapes[s].act, out, 0, h, 0, c, scratch));
        }
    }

    conv_fn cv[2] = { (conv_fn)sym(0, "vck_conv_direct"), (conv_fn)sym(1, "vck_conv_direct") };
    if (cv[0] && cv[1]) {
        // S's stem: 3 → 16 channels at 224² and 16 → 32 at 112², both 3×3 with stride 2, BN + ReLU.
        struct { long h, cin, cout; const char *what; } shapes[] = {
            { 224, 3, 16, "3×3/2, S stem 3 → 16" }, { 112, 16, 32, "3×3/2, S stem 16 → 32" } };
        for (int s = 0; s < 2; s++) {
            long h = shapes[s].h, cin = shapes[s].cin, cout = shapes[s].cout, ho = h / 2;
            float *src = filled(h * h * cin, -2, 2, 17), *wt = filled(9 * cin * cout, -0.3f, 0.3f, 18);
            float *sc = filled(cout, 0.5f, 1.5f, 19), *sh = filled(cout, -0.1f, 0.1f, 20);
            char label[64];
            snprintf(label, sizeof label, "vck_conv_direct %s", shapes[s].what);
            AB(label, ho * ho * cout, 5, cv[v](src, h, h, cin, 3, 2, 1, wt, cout, out, ho, 0, ho, sc, sh, 1));
        }
    }

    ln_fn ln[2] = { (ln_fn)sym(0, "vck_layernorm"), (ln_fn)sym(1, "vck_layernorm") };
    if (ln[0] && ln[1]) {
        long l = 49, c = 576;
        float *in = filled(l * c, -2, 2, 14), *g = filled(c, 0.5f, 1.5f, 15), *b = filled(c, -0.1f, 0.1f, 16);
        AB("vck_layernorm (49 × 576)", l * c, 50, { memcpy(out, in, l * c * 4); ln[v](out, l, c, g, b, 1e-5f); });
    }
    return 0;
}
