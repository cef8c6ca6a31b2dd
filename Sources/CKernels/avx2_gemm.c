// The engine's own matrix-product kernel for machines with AVX2 and FMA but no AVX-512.
//
// Why not the libraries there: OpenBLAS's HASWELL kernel and oneDNN's AVX2 sgemm round a token's
// sums differently depending on where the token falls in the call (OpenBLAS: its position modulo
// the kernel's 12-token block, and the tail; oneDNN: the tail of a 96-token block). On AVX-512 both
// libraries give a token the same bits wherever it is; on AVX2 the same forward pass gave
// different bits on one thread and on two, band by band and layer by layer, observed and not
// (PoolTests, MlpBandsTests). Here every output is one chain of fused multiply-adds over k in order,
// starting from zero, whatever the tile, the call or the thread: the same bits for a token in any
// position, so any split of the tokens or the channels gives the same result.
//
// It is also the faster path on Zen 3 (docs/performance.md): W is packed once at load into panels
// of 16 output channels, k-major (16 floats per k, zero-padded past the last channel), and a tile of
// up to six tokens × 16 channels keeps its twelve accumulators in registers across the whole K: per
// k, two loads of W, six broadcasts of X (read in place, row-major: no packing per call) and twelve
// FMAs, the register tile of BLIS's Haswell kernel. X is walked in as few blocks of tokens as stay
// in L2 while every panel of the call passes over them, and the epilogue runs once per block over
// all its channels on the raw product in C (per 6 × 16 tile, its calls cost more than the K = 32
// products themselves).
#include "ckernels.h"
#include "vmath.h"
#include <stdlib.h>

struct vck_avx2 {
    long n, k, panels;
    float *w;   // panels × k × 16
};

#if defined(__AVX2__) && defined(__FMA__) && !defined(__AVX512F__)
#include <immintrin.h>

int vck_avx2_available(void) { return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma"); }

vck_avx2 *vck_avx2_prepare(const float *w, long n, long k) {
    if (!vck_avx2_available() || n <= 0 || k <= 0) return NULL;
    vck_avx2 *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->n = n; p->k = k; p->panels = (n + 15) / 16;
    void *mem = NULL;
    if (posix_memalign(&mem, 64, (size_t)(p->panels * k * 16) * 4)) { free(p); return NULL; }
    p->w = mem;
    for (long q = 0; q < p->panels; q++)
        for (long kk = 0; kk < k; kk++)
            for (long l = 0; l < 16; l++) {
                long ch = q * 16 + l;
                p->w[(q * k + kk) * 16 + l] = ch < n ? w[ch * k + kk] : 0.0f;
            }
    return p;
}

// R tokens (rows of x, ldx apart) × the 16 channels of one panel over all k, into t (R rows, ldt
// apart: C itself when the panel is whole, else a tile on the stack). R is a
// constant in each instance, so the accumulators are registers.
__attribute__((always_inline)) static inline void tile(const int R, const float *x, long ldx, const float *wp, long k,
                                                       float *t, long ldt, const float *next) {
    __m256 a0[6], a1[6];
    for (int r = 0; r < R; r++) { a0[r] = _mm256_setzero_ps(); a1[r] = _mm256_setzero_ps(); }
    for (long kk = 0; kk < k; kk++) {
        if (next) _mm_prefetch((const char *)(next + kk * 16), _MM_HINT_T0);
        __m256 w0 = _mm256_load_ps(wp + kk * 16), w1 = _mm256_load_ps(wp + kk * 16 + 8);
        for (int r = 0; r < R; r++) {
            __m256 b = _mm256_broadcast_ss(x + r * ldx + kk);
            a0[r] = _mm256_fmadd_ps(b, w0, a0[r]);
            a1[r] = _mm256_fmadd_ps(b, w1, a1[r]);
        }
    }
    for (int r = 0; r < R; r++) { _mm256_storeu_ps(t + r * ldt, a0[r]); _mm256_storeu_ps(t + r * ldt + 8, a1[r]); }
}

__attribute__((noinline)) static void tile_any(int r, const float *x, long ldx, const float *wp, long k, float *t, long ldt,
                                               const float *next) {
    // The first tile of a panel also asks for the next panel's weights, one line per k: whole
    // tiles and one-token products (the other sizes only end a block, and go without).
    if (next && r == 6) { tile(6, x, ldx, wp, k, t, ldt, next); return; }
    if (next && r == 1) { tile(1, x, ldx, wp, k, t, ldt, next); return; }
    switch (r) {
    case 6: tile(6, x, ldx, wp, k, t, ldt, 0); break;
    case 5: tile(5, x, ldx, wp, k, t, ldt, 0); break;
    case 4: tile(4, x, ldx, wp, k, t, ldt, 0); break;
    case 3: tile(3, x, ldx, wp, k, t, ldt, 0); break;
    case 2: tile(2, x, ldx, wp, k, t, ldt, 0); break;
    default: tile(1, x, ldx, wp, k, t, ldt, 0); break;
    }
}

// The tile t (r tokens from j0, channels m0 .. m0 + mi, rows 16 apart) stored into C, or added to it.
static void put(const float *t, int r, float *c, long ldc, long j0, long m0, long mi, int accumulate) {
    for (int j = 0; j < r; j++) {
        float *row = c + (j0 + j) * ldc + m0;
        if (accumulate) for (long l = 0; l < mi; l++) row[l] += t[j * 16 + l];
        else for (long l = 0; l < mi; l++) row[l] = t[j * 16 + l];
    }
}

void vck_avx2_gemm(const vck_avx2 *p, const float *x, long ldx, float *c, long ldc,
                   long t0, long t1, long p0, long p1, int accumulate, const vck_epilogue *epilogue) {
    if (t1 <= t0 || p1 <= p0) return;
    long m0 = p0 * 16, m1 = p1 * 16 < p->n ? p1 * 16 : p->n;
    // Tokens per block: the block's rows of X (block × k floats) within ~384 KB, so that X stays in
    // L2 while every panel passes over it, and the blocks as even as whole tiles allow. Each block
    // streams all the call's weights again (from DRAM, in a pass), so there are as few as that
    // allows: with blocks capped at 192 KB of X and of C as well, B's 49 × 2048 × 512 ran in blocks
    // of 24, 24 and 1 tokens and read its 4 MB of weights three times.
    long tokens = t1 - t0, byX = 384 * 1024 / 4 / p->k;
    if (byX < 6) byX = 6;
    long blocks = (tokens + byX - 1) / byX;
    long block = ((tokens + blocks - 1) / blocks + 5) / 6 * 6;
    float t[6 * 16] __attribute__((aligned(32)));
    for (long b0 = t0; b0 < t1; b0 += block) {
        long b1 = b0 + block < t1 ? b0 + block : t1;
        for (long q = p0; q < p1; q++) {
            const float *wp = p->w + q * p->k * 16;
            long c0 = q * 16, mi = p->n - c0 < 16 ? p->n - c0 : 16;
            const float *next = q + 1 < p1 ? wp + p->k * 16 : 0;
            for (long j0 = b0; j0 < b1; j0 += 6) {
                int r = b1 - j0 < 6 ? (int)(b1 - j0) : 6;
                const float *pf = j0 == b0 ? next : 0;
                if (mi == 16 && !accumulate) {
                    tile_any(r, x + j0 * ldx, ldx, wp, p->k, c + j0 * ldc + c0, ldc, pf);
                } else {
                    tile_any(r, x + j0 * ldx, ldx, wp, p->k, t, 16, pf);
                    put(t, r, c, ldc, j0, c0, mi, accumulate);
                }
            }
        }
        // The raw product of the block is in C; the epilogue in place (with a residual, C keeps the
        // raw product and the residual takes the result), the same per-row code as the other paths.
        if (epilogue) vck_tile_epilogue(epilogue, c, ldc, b0, b1 - b0, m0, m1 - m0);
    }
}

#else

int vck_avx2_available(void) { return 0; }
vck_avx2 *vck_avx2_prepare(const float *w, long n, long k) { (void)w; (void)n; (void)k; return NULL; }
void vck_avx2_gemm(const vck_avx2 *p, const float *x, long ldx, float *c, long ldc,
                   long t0, long t1, long p0, long p1, int accumulate, const vck_epilogue *epilogue) {
    (void)p; (void)x; (void)ldx; (void)c; (void)ldc; (void)t0; (void)t1; (void)p0; (void)p1; (void)accumulate; (void)epilogue;
}

#endif

long vck_avx2_panels(const vck_avx2 *p) { return p ? p->panels : 0; }

int vck_avx512_build(void) {
#if defined(__AVX512F__)
    return 1;
#else
    return 0;
#endif
}

void vck_avx2_free(vck_avx2 *p) {
    if (!p) return;
    free(p->w);
    free(p);
}
