// Matrix products against weights packed once at load, computed by OpenBLAS's own kernels.
//
// Every 1×1 convolution is C(T×N) = X(T×K)·Wᵀ with W fixed for the life of the model. cblas_sgemm
// re-packs W into its panel format on every call, which is most of what separates it from its
// kernel's speed when the weights outweigh the tokens (stages 3 and 4: 196 or 49 tokens against up
// to 2048×512 weights; measured 1.07 → 0.70 ms for 49×2048×512 on one core).
//
// A DYNAMIC_ARCH OpenBLAS exports the routines its level-3 driver (driver/level3/level3.c) is made
// of, per core family: sgemm_incopy_<CORE> packs a panel of a transposed A, sgemm_oncopy_<CORE> a
// panel of a plain B, and sgemm_kernel_<CORE>(m, n, k, alpha, packedA, packedB, C, ldc) adds
// alpha·A·B to a column-major C. Here, in OpenBLAS's column-major terms, A is W (N×K, stored as
// its transpose) and B is Xᵀ: W is packed once into panels of KC × MC with the library's own
// routine, and a product packs only X, chunk by chunk, and runs the library's kernel on each
// (weight panel, token chunk) pair. The arithmetic is OpenBLAS's; the blocking loop is ours.
//
// Those routines are internal to OpenBLAS, so little is assumed about them: they are looked up by
// name (for the AVX-512 or AVX2 family this CPU runs; see discover()), and before first use they
// must reproduce cblas_sgemm bit for bit on awkward shapes (integer-valued inputs, so every
// summation order gives the same sums) without writing past the sizes this file gives them.
// Anything missing or different leaves the engine on cblas_sgemm.
#define _GNU_SOURCE
#include "ckernels.h"
#include "vmath.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

typedef int (*copy_fn)(long m, long n, const float *a, long lda, float *b);
typedef int (*kernel_fn)(long m, long n, long k, float alpha, const float *a, const float *b, float *c, long ldc);
typedef void (*cblas_sgemm_fn)(int order, int transa, int transb, int m, int n, int k, float alpha,
                               const float *a, int lda, const float *b, int ldb, float beta, float *c, int ldc);

// Panel sizes. KC: depth of one pass (every K up to 512 in one; deeper ones, the MLPs' fc2 in
// stages 3 and 4, in equal passes). MC: output channels per weight panel (512×64 floats, 128 KB,
// stays in L2 while a thread runs it over its token chunks; small enough that two threads split
// 320 channels evenly). NC: tokens per packed chunk of X (512×192 floats, 384 KB).
enum { KC = 512, MC = 64, NC = 192, SLACK = 64 };

static struct {
    pthread_once_t once;
    int available;
    copy_fn incopy, oncopy;
    kernel_fn kernel;
    char core[32];
} G = { PTHREAD_ONCE_INIT, 0, 0, 0, 0, "" };

struct vck_packed {
    long n, k;          // W is n × k (out × in), row-major as PyTorch stores it
    long nk, nm;        // passes over K, panels over N
    long *kb, *mb;      // pass and panel boundaries: nk + 1 and nm + 1 entries
    float **panel;      // nk × nm packed panels, pass-major
    float *data;
};

static long round_up(long v, long m) { return (v + m - 1) / m * m; }

static float *aligned_floats(long count) {
    void *p = NULL;
    if (posix_memalign(&p, 64, (size_t)round_up(count * 4, 64))) return NULL;
    return p;
}

// Splits total into parts of at most cap, as even as possible; boundaries on multiples of align
// except the last. An even number of panels (when there are several) halves evenly for two threads.
static long split(long total, long cap, long align, int even, long *bounds) {
    long parts = (total + cap - 1) / cap;
    if (parts < 1) parts = 1;
    if (even && parts > 1 && parts % 2) parts++;
    long count = 0;
    bounds[0] = 0;
    for (long i = 1; i <= parts; i++) {
        long b = i == parts ? total : (total * i / parts + align / 2) / align * align;
        if (b <= bounds[count] || b > total) continue;
        bounds[++count] = b;
    }
    if (bounds[count] != total) bounds[++count] = total;
    return count;
}

static const float SENTINEL = -7777.0f;

// W packed into panels. With `sentinel` the panels' memory is filled first, so that the self-check
// can see whether the packing routine wrote past a panel.
static vck_packed *pack_with(const float *w, long n, long k, int sentinel) {
    vck_packed *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->n = n; p->k = k;
    p->kb = malloc(sizeof(long) * (k / KC + 3));
    p->mb = malloc(sizeof(long) * (n / MC + 4));
    if (!p->kb || !p->mb) { vck_packed_free(p); return NULL; }
    p->nk = split(k, KC, 1, 0, p->kb);
    p->nm = split(n, MC, 16, 1, p->mb);
    p->panel = malloc(sizeof(float *) * p->nk * p->nm);
    long total = 0;
    for (long l = 0; l < p->nk; l++)
        for (long i = 0; i < p->nm; i++)
            total += round_up((p->kb[l + 1] - p->kb[l]) * (p->mb[i + 1] - p->mb[i]), 16) + SLACK;
    p->data = aligned_floats(total);
    if (!p->panel || !p->data) { vck_packed_free(p); return NULL; }
    if (sentinel) for (long i = 0; i < total; i++) p->data[i] = SENTINEL;
    float *at = p->data;
    for (long l = 0; l < p->nk; l++) {
        long k0 = p->kb[l], kl = p->kb[l + 1] - k0;
        for (long i = 0; i < p->nm; i++) {
            long m0 = p->mb[i], mi = p->mb[i + 1] - m0;
            // W row-major (n × k) is column-major k × n: A stored transposed, as level3.c's
            // ICOPY_OPERATION for a transposed A passes it to GEMM_INCOPY.
            G.incopy(kl, mi, w + k0 + m0 * k, k, at);
            p->panel[l * p->nm + i] = at;
            at += round_up(kl * mi, 16) + SLACK;
        }
    }
    return p;
}

long vck_packed_panels(const vck_packed *p) { return p->nm; }

// The packing buffer for X (384 KB), then a tile of up to (MC + 16) × NC products (60 KB; a
// panel can be up to 16 channels over MC where split() rounds its bounds), see gemm_with.
enum { TILE = KC * NC + SLACK, SCRATCH = TILE + (MC + 16) * NC + SLACK };

// Each thread's scratch, allocated on its first product and freed when the thread ends:
// allocating it per call cost page faults on every product.
static pthread_key_t scratch_key;
static pthread_once_t scratch_once = PTHREAD_ONCE_INIT;
static void scratch_key_init(void) { pthread_key_create(&scratch_key, free); }

static float *thread_scratch(void) {
    pthread_once(&scratch_once, scratch_key_init);
    float *s = pthread_getspecific(scratch_key);
    if (!s) {
        s = aligned_floats(SCRATCH);
        if (!s) { fprintf(stderr, "vcview: out of memory (444 KB of packing scratch for a matrix product)\n"); abort(); }
        pthread_setspecific(scratch_key, s);
    }
    return s;
}

// The epilogue on rows j0 ≤ t < j0 + nc, channels m0 ≤ ch < m0 + mi of c (also onednn_gemm.c's).
void vck_tile_epilogue(const vck_epilogue *e, float *c, long ldc, long j0, long nc, long m0, long mi) {
    if (e->residual) {
        for (long j = j0; j < j0 + nc; j++)
            vck_residual_row(e->residual + j * e->ldr + m0, c + j * ldc + m0, mi, e->scale + m0, e->shift + m0,
                             e->gain ? e->gain + m0 : NULL);
        return;
    }
    // One loop per activation, as in vck_affine_act.
    switch (e->act) {
    case VCK_ACT_NONE: for (long j = j0; j < j0 + nc; j++) vck_affine_row(c + j * ldc + m0, mi, e->scale + m0, e->shift + m0, VCK_ACT_NONE); break;
    case VCK_ACT_RELU: for (long j = j0; j < j0 + nc; j++) vck_affine_row(c + j * ldc + m0, mi, e->scale + m0, e->shift + m0, VCK_ACT_RELU); break;
    case VCK_ACT_GELU: for (long j = j0; j < j0 + nc; j++) vck_affine_row(c + j * ldc + m0, mi, e->scale + m0, e->shift + m0, VCK_ACT_GELU); break;
    case VCK_ACT_SILU: for (long j = j0; j < j0 + nc; j++) vck_affine_row(c + j * ldc + m0, mi, e->scale + m0, e->shift + m0, VCK_ACT_SILU); break;
    }
}

// The epilogue on a finished tile held apart from C (rows ldt apart), written to rows
// j0 ≤ t < j0 + nc, channels m0 ≤ ch < m0 + mi of c; with a residual, c is not written at all.
void vck_tile_epilogue_from(const vck_epilogue *e, const float *tile, long ldt, float *c, long ldc,
                                long j0, long nc, long m0, long mi) {
    if (e->residual) {
        for (long j = 0; j < nc; j++)
            vck_residual_row(e->residual + (j0 + j) * e->ldr + m0, tile + j * ldt, mi, e->scale + m0, e->shift + m0,
                             e->gain ? e->gain + m0 : NULL);
        return;
    }
    float *out = c + j0 * ldc + m0;
    switch (e->act) {
    case VCK_ACT_NONE: for (long j = 0; j < nc; j++) vck_affine_row_to(out + j * ldc, tile + j * ldt, mi, e->scale + m0, e->shift + m0, VCK_ACT_NONE); break;
    case VCK_ACT_RELU: for (long j = 0; j < nc; j++) vck_affine_row_to(out + j * ldc, tile + j * ldt, mi, e->scale + m0, e->shift + m0, VCK_ACT_RELU); break;
    case VCK_ACT_GELU: for (long j = 0; j < nc; j++) vck_affine_row_to(out + j * ldc, tile + j * ldt, mi, e->scale + m0, e->shift + m0, VCK_ACT_GELU); break;
    case VCK_ACT_SILU: for (long j = 0; j < nc; j++) vck_affine_row_to(out + j * ldc, tile + j * ldt, mi, e->scale + m0, e->shift + m0, VCK_ACT_SILU); break;
    }
}

// rows × n floats, rows ldc apart, set to 0 in registers' width: as a memset per row of 64
// floats (what the compiler turns this loop into unless told not to) the calls showed up as 4%
// of a forward.
__attribute__((no_builtin("memset"))) static void zero_rows(float *c, long ldc, long rows, long n) {
    vf z = vsplat(0);
    for (long j = 0; j < rows; j++) {
        float *r = c + j * ldc;
        long ch = 0;
        for (; ch + 16 <= n; ch += 16) vstore(r + ch, z);
        if (ch < n) vstore_part(r + ch, z, n - ch);
    }
}

static void gemm_with(const vck_packed *p, const float *x, long ldx, float *c, long ldc,
                      long t0, long t1, long p0, long p1, int accumulate, const vck_epilogue *epilogue,
                      float *scratch) {
    if (t1 <= t0 || p1 <= p0) return;
    // With an epilogue and one pass over K, each tile is computed in a small buffer of its own
    // (in L1/L2) and the epilogue writes C from there: C is written once instead of zeroed, added
    // to and rewritten, and not at all when the epilogue adds into a residual. Same sums, same
    // per-element epilogue, so the same bits.
    float *tile = epilogue && !accumulate && p->nk == 1 ? scratch + TILE : NULL;
    long chunks = (t1 - t0 + NC - 1) / NC;
    for (long q = 0; q < chunks; q++) {
        long j0 = t0 + (t1 - t0) * q / chunks, nc = t0 + (t1 - t0) * (q + 1) / chunks - j0;
        for (long l = 0; l < p->nk; l++) {
            long k0 = p->kb[l], kl = p->kb[l + 1] - k0;
            // Xᵀ is column-major k × T with leading dimension ldx: a plain B (GEMM_ONCOPY).
            G.oncopy(kl, nc, x + j0 * ldx + k0, ldx, scratch);
            for (long i = p0; i < p1; i++) {
                long m0 = p->mb[i], mi = p->mb[i + 1] - m0;
                if (tile) {
                    long ldt = round_up(mi, 16);
                    zero_rows(tile, ldt, nc, mi);
                    G.kernel(mi, nc, kl, 1.0f, p->panel[i], scratch, tile, ldt);
                    vck_tile_epilogue_from(epilogue, tile, ldt, c, ldc, j0, nc, m0, mi);
                    continue;
                }
                float *out = c + j0 * ldc + m0;
                // The kernel adds to C: start the tile at zero just before its first pass.
                if (l == 0 && !accumulate) zero_rows(out, ldc, nc, mi);
                G.kernel(mi, nc, kl, 1.0f, p->panel[l * p->nm + i], scratch, out, ldc);
                if (l == p->nk - 1 && epilogue) vck_tile_epilogue(epilogue, c, ldc, j0, nc, m0, mi);
            }
        }
    }
}

void vck_packed_gemm(const vck_packed *p, const float *x, long ldx, float *c, long ldc,
                     long t0, long t1, long p0, long p1, int accumulate, const vck_epilogue *epilogue) {
    gemm_with(p, x, ldx, c, ldc, t0, t1, p0, p1, accumulate, epilogue, thread_scratch());
}

void vck_packed_free(vck_packed *p) {
    if (!p) return;
    free(p->kb); free(p->mb); free(p->panel); free(p->data);
    free(p);
}

// ---- discovery and self-check ----

// One product on integer-valued data through both paths; 1 when they agree exactly and the packed
// buffers were not written past their sizes.
static int check_shape(cblas_sgemm_fn sgemm, long t, long k, long n, int threads_split) {
    int ok = 0;
    float *x = malloc(sizeof(float) * t * k), *w = malloc(sizeof(float) * n * k);
    float *want = malloc(sizeof(float) * t * n), *got = malloc(sizeof(float) * t * n);
    float *scratch = aligned_floats(SCRATCH + SLACK);
    vck_packed *p = NULL;
    if (!x || !w || !want || !got || !scratch) goto done;
    unsigned s = 12345u + (unsigned)(t * 31 + k * 7 + n);
    for (long i = 0; i < t * k; i++) { s = s * 1103515245u + 12345u; x[i] = (float)((int)(s >> 16) % 9 - 4); }
    for (long i = 0; i < n * k; i++) { s = s * 1103515245u + 12345u; w[i] = (float)((int)(s >> 16) % 7 - 3); }
    sgemm(101 /* row-major */, 111 /* no trans */, 112 /* trans */, (int)t, (int)n, (int)k,
          1.0f, x, (int)k, w, (int)k, 0.0f, want, (int)n);
    p = pack_with(w, n, k, 1);
    if (!p) goto done;
    // Nothing written past a panel's k·n floats, nor past the largest chunk of X packed below.
    for (long l = 0; l < p->nk; l++)
        for (long i = 0; i < p->nm; i++) {
            long size = (p->kb[l + 1] - p->kb[l]) * (p->mb[i + 1] - p->mb[i]);
            const float *panel = p->panel[l * p->nm + i];
            for (long j = size; j < round_up(size, 16) + SLACK; j++) if (panel[j] != SENTINEL) goto done;
        }
    for (long i = 0; i < SCRATCH + SLACK; i++) scratch[i] = SENTINEL;
    for (long i = 0; i < t * n; i++) got[i] = 1e9f;
    if (threads_split) {
        // As two threads would split it: tokens in halves, then panels in halves of an accumulate.
        gemm_with(p, x, k, got, n, 0, t / 2, 0, p->nm, 0, NULL, scratch);
        gemm_with(p, x, k, got, n, t / 2, t, 0, p->nm / 2, 0, NULL, scratch);
        gemm_with(p, x, k, got, n, t / 2, t, p->nm / 2, p->nm, 0, NULL, scratch);
    } else {
        gemm_with(p, x, k, got, n, 0, t, 0, p->nm, 0, NULL, scratch);
    }
    long used = 0;
    for (long l = 0; l < p->nk; l++) { long kl = p->kb[l + 1] - p->kb[l], nc = t < NC ? t : NC; if (kl * nc > used) used = kl * nc; }
    for (long i = used; i < SCRATCH + SLACK; i++) if (scratch[i] != SENTINEL) goto done;
    ok = memcmp(want, got, sizeof(float) * t * n) == 0;
done:
    vck_packed_free(p);
    free(x); free(w); free(want); free(got); free(scratch);
    return ok;
}

static void discover(void) {
    if (getenv("VCVIEW_PACKED_GEMM") && strcmp(getenv("VCVIEW_PACKED_GEMM"), "0") == 0) {
        snprintf(G.core, sizeof G.core, "off");
        return;
    }
    cblas_sgemm_fn sgemm = (cblas_sgemm_fn)dlsym(RTLD_DEFAULT, "cblas_sgemm");
    if (!sgemm) return;
    // The kernel family by what this CPU (and OS) can run, not by the core OpenBLAS picked for
    // itself: Debian's 0.3.21 picks its SSE3 Prescott kernels on recent Xeons unless
    // OPENBLAS_CORETYPE says otherwise, and those kernels do not run from a loop like this one
    // (sgemm_kernel_PRESCOTT faults on these panels). The two families here were checked.
    __builtin_cpu_init();
    if (__builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512bw") &&
        __builtin_cpu_supports("avx512dq") && __builtin_cpu_supports("avx512vl"))
        snprintf(G.core, sizeof G.core, "SKYLAKEX");
    else if (__builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"))
        snprintf(G.core, sizeof G.core, "HASWELL");
    else
        return;
    char sym[96];
    snprintf(sym, sizeof sym, "sgemm_incopy_%s", G.core); G.incopy = (copy_fn)dlsym(RTLD_DEFAULT, sym);
    snprintf(sym, sizeof sym, "sgemm_oncopy_%s", G.core); G.oncopy = (copy_fn)dlsym(RTLD_DEFAULT, sym);
    snprintf(sym, sizeof sym, "sgemm_kernel_%s", G.core); G.kernel = (kernel_fn)dlsym(RTLD_DEFAULT, sym);
    if (!G.incopy || !G.oncopy || !G.kernel) return;
    // Tails in every dimension, K over several passes, tokens over several chunks, split calls.
    static const long shapes[][4] = {
        {37, 19, 23, 0}, {1, 7, 1, 0}, {5, 1100, 70, 0}, {400, 33, 130, 1}, {49, 600, 200, 1}, {3, 64, 17, 1},
    };
    for (unsigned i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        if (!check_shape(sgemm, shapes[i][0], shapes[i][1], shapes[i][2], (int)shapes[i][3])) return;
    G.available = 1;
}

int vck_packed_available(void) {
    pthread_once(&G.once, discover);
    return G.available;
}

const char *vck_packed_core(void) {
    pthread_once(&G.once, discover);
    return G.core;
}

vck_packed *vck_pack(const float *w, long n, long k) {
    if (!vck_packed_available() || n <= 0 || k <= 0) return NULL;
    return pack_with(w, n, k, 0);
}
