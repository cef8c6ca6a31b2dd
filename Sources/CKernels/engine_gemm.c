// The engine's own matrix-product kernel, for AVX2 + FMA machines and for AVX-512 ones.
//
// Every output is one chain of fused multiply-adds over k in order, starting from zero, whatever
// the tile, the call, the thread or the vector width: a token gets the same bits in any position,
// so any split of the tokens or the channels (threads, MLP bands) gives the same result, and the
// AVX2 and AVX-512 builds give the same bits as each other.
//
// Why not the libraries. On AVX2, OpenBLAS's HASWELL kernel and oneDNN's AVX2 sgemm round a
// token's sums differently depending on where the token falls in the call (OpenBLAS: its position
// modulo the kernel's 12-token block, and the tail; oneDNN: the tail of a 96-token block), so one
// thread and two, band by band and layer by layer, gave different bits (PoolTests,
// MlpBandsTests); and on Zen 3 this kernel was also the fastest. On AVX-512 oneDNN's brgemm keeps
// the bits and runs at 95% of the FMA peak on weights that are already in cache; but in a forward
// pass every weight comes from DRAM once (VCMamba-B's are ~120 MB, L3 32 MB), and there its
// products at 49 tokens ran 9–12% slower than hot (docs/performance.md, Stop 25). Here the weights
// of the next panel are prefetched while the current one is in use, spread over the panel's
// tiles, so that DRAM is read at an even rate rather than in a burst per panel.
//
// Layout: W packed once at load into panels of PW output channels, k-major (PW floats per k,
// zero-padded past the last channel; on AVX-512 a narrow last panel is 16 wide). A tile of up to
// RMAX tokens × PW channels keeps its accumulators in registers across the whole K: per k, two
// vector loads of W, RMAX broadcasts of X (read in place, row-major) and 2·RMAX FMAs — the
// register tile of BLIS's Haswell kernel (6 × 16, twelve ymm) on AVX2, of its SkylakeX kernel
// (14 × 32, twenty-eight zmm) on AVX-512. X is walked in as few blocks of tokens as stay in L2
// while every panel of the call passes over them; the epilogue runs once per block over all its
// channels on the raw product in C (per 6 × 16 tile its calls cost more than the K = 32 products
// themselves on Zen 3; per 14 × 32 tile, while in L1, it measured no faster on Zen 4).
#include "ckernels.h"
#include "vmath.h"
#include <stdlib.h>
#include <string.h>

#if defined(__AVX512F__)
enum { PW = 32, RMAX = 14, XBLOCK_KB = 768 };
#elif defined(__AVX2__) && defined(__FMA__)
enum { PW = 16, RMAX = 6, XBLOCK_KB = 384 };
#else
enum { PW = 16, RMAX = 6, XBLOCK_KB = 384 };
#endif

struct vck_egemm {
    long n, k, panels;
    float *w;   // panels × k × PW
};

#if defined(__AVX512F__) || (defined(__AVX2__) && defined(__FMA__))
#include <immintrin.h>

// The floats per k of panel q: PW, except that on AVX-512 a last panel of at most 16 channels is
// packed 16 wide and runs a one-vector tile (S's 144 channels: 4.5 panels of 32, and 10% of the
// multiply-adds of its stage-3 products went to zeros).
static long panel_width(const vck_egemm *p, long q) {
#if defined(__AVX512F__)
    if (q == p->panels - 1 && p->n - q * PW <= 16) return 16;
#else
    (void)p; (void)q;
#endif
    return PW;
}

int vck_egemm_available(void) {
#if defined(__AVX512F__)
    return __builtin_cpu_supports("avx512f");
#else
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
}

vck_egemm *vck_egemm_prepare(const float *w, long n, long k) {
    if (!vck_egemm_available() || n <= 0 || k <= 0) return NULL;
    vck_egemm *p = calloc(1, sizeof *p);
    if (!p) return NULL;
    p->n = n; p->k = k; p->panels = (n + PW - 1) / PW;
    void *mem = NULL;
    if (posix_memalign(&mem, 64, (size_t)(p->panels * k * PW) * 4)) { free(p); return NULL; }
    p->w = mem;
    for (long q = 0; q < p->panels; q++) {
        long pw = panel_width(p, q);
        for (long kk = 0; kk < k; kk++)
            for (long l = 0; l < pw; l++) {
                long ch = q * PW + l;
                p->w[q * k * PW + kk * pw + l] = ch < n ? w[ch * k + kk] : 0.0f;
            }
    }
    return p;
}

#if defined(__AVX512F__)
// R tokens × the V·16 channels of one panel over all k (V = 2; 1 for a narrow last panel), into t
// (R rows, ldt apart: C itself when the panel is whole, else a tile on the stack); token r's
// inputs are x + r·xr. While it runs, `pfn` lines of the next panel's weights from `pf` are
// prefetched, at most two per k.
__attribute__((always_inline)) static inline void tile(const int R, const int V, const float *x, long xr, const float *wp,
                                                       long k, float *t, long ldt, const char *pf, long pfn) {
    __m512 a0[RMAX], a1[RMAX];
    for (int r = 0; r < R; r++) { a0[r] = _mm512_setzero_ps(); a1[r] = _mm512_setzero_ps(); }
    for (long kk = 0; kk < k; kk++) {
        if (pfn > 0) {
            _mm_prefetch(pf, _MM_HINT_T0); pf += 64; pfn--;
            if (pfn > k - kk - 1) { _mm_prefetch(pf, _MM_HINT_T0); pf += 64; pfn--; }
        }
        __m512 w0 = _mm512_load_ps(wp + kk * 16 * V), w1 = V == 2 ? _mm512_load_ps(wp + kk * 32 + 16) : w0;
        for (int r = 0; r < R; r++) {
            __m512 b = _mm512_set1_ps(x[r * xr + kk]);
            a0[r] = _mm512_fmadd_ps(b, w0, a0[r]);
            if (V == 2) a1[r] = _mm512_fmadd_ps(b, w1, a1[r]);
        }
    }
    for (int r = 0; r < R; r++) {
        _mm512_storeu_ps(t + r * ldt, a0[r]);
        if (V == 2) _mm512_storeu_ps(t + r * ldt + 16, a1[r]);
    }
}

#define TILE_CASE(n) case n: if (pw == 32) tile(n, 2, x, xr, wp, k, t, ldt, pf, pfn); else tile(n, 1, x, xr, wp, k, t, ldt, pf, pfn); break;
__attribute__((noinline)) static void tile_any(int r, long pw, const float *x, long xr, const float *wp, long k,
                                               float *t, long ldt, const char *pf, long pfn) {
    switch (r) {
    TILE_CASE(14) TILE_CASE(13) TILE_CASE(12) TILE_CASE(11) TILE_CASE(10) TILE_CASE(9) TILE_CASE(8)
    TILE_CASE(7) TILE_CASE(6) TILE_CASE(5) TILE_CASE(4) TILE_CASE(3) TILE_CASE(2)
    default: TILE_CASE(1)
    }
}
#undef TILE_CASE

// The lines of the next panel that tile `ti` of `tiles` prefetches: an even share each, so that
// DRAM is read at a steady rate across the panel (all in the first tile would ask, at 49 tokens
// and K = 2048, for 256 KB within a quarter of the panel's time).
static void prefetch_share(const float *next, long nextWidth, long k, long ti, long tiles, const char **pf, long *pfn) {
    long lines = next ? k * nextWidth / 16 : 0;
    long l0 = lines * ti / tiles, l1 = lines * (ti + 1) / tiles;
    *pf = next ? (const char *)next + l0 * 64 : 0;
    *pfn = l1 - l0;
}
#else
// R tokens (rows of x, ldx apart) × the 16 channels of one panel over all k, into t (R rows, ldt
// apart: C itself when the panel is whole, else a tile on the stack). R is a constant in each
// instance, so the accumulators are registers. `pfn` lines of the next panel from `pf`, one per k.
__attribute__((always_inline)) static inline void tile(const int R, const float *x, long xr, const float *wp, long k,
                                                       float *t, long ldt, const char *pf, long pfn) {
    __m256 a0[RMAX], a1[RMAX];
    for (int r = 0; r < R; r++) { a0[r] = _mm256_setzero_ps(); a1[r] = _mm256_setzero_ps(); }
    for (long kk = 0; kk < k; kk++) {
        if (pfn) _mm_prefetch(pf + kk * 64, _MM_HINT_T0);
        __m256 w0 = _mm256_load_ps(wp + kk * 16), w1 = _mm256_load_ps(wp + kk * 16 + 8);
        for (int r = 0; r < R; r++) {
            __m256 b = _mm256_broadcast_ss(x + r * xr + kk);
            a0[r] = _mm256_fmadd_ps(b, w0, a0[r]);
            a1[r] = _mm256_fmadd_ps(b, w1, a1[r]);
        }
    }
    for (int r = 0; r < R; r++) { _mm256_storeu_ps(t + r * ldt, a0[r]); _mm256_storeu_ps(t + r * ldt + 8, a1[r]); }
}

__attribute__((noinline)) static void tile_any(int r, long pw, const float *x, long xr, const float *wp, long k,
                                               float *t, long ldt, const char *pf, long pfn) {
    (void)pw;
    // The first tile of a panel also asks for the next panel's weights, one line per k: whole
    // tiles and one-token products (the other sizes only end a block, and go without).
    if (pfn && r == 6) { tile(6, x, xr, wp, k, t, ldt, pf, pfn); return; }
    if (pfn && r == 1) { tile(1, x, xr, wp, k, t, ldt, pf, pfn); return; }
    switch (r) {
    case 6: tile(6, x, xr, wp, k, t, ldt, 0, 0); break;
    case 5: tile(5, x, xr, wp, k, t, ldt, 0, 0); break;
    case 4: tile(4, x, xr, wp, k, t, ldt, 0, 0); break;
    case 3: tile(3, x, xr, wp, k, t, ldt, 0, 0); break;
    case 2: tile(2, x, xr, wp, k, t, ldt, 0, 0); break;
    default: tile(1, x, xr, wp, k, t, ldt, 0, 0); break;
    }
}

// On AVX2 the first tile of a panel prefetches all of the next panel (spreading it measured no
// better on Zen 3), one line per k.
static void prefetch_share(const float *next, long nextWidth, long k, long ti, long tiles, const char **pf, long *pfn) {
    (void)nextWidth; (void)k; (void)tiles;
    *pf = ti == 0 && next ? (const char *)next : 0;
    *pfn = *pf != 0;
}
#endif

// The tile t (r tokens from j0, channels m0 .. m0 + mi, rows ldt apart) stored into C, or added to it.
static void put(const float *t, long ldt, int r, float *c, long ldc, long j0, long m0, long mi, int accumulate) {
    for (int j = 0; j < r; j++) {
        float *row = c + (j0 + j) * ldc + m0;
        if (accumulate) for (long l = 0; l < mi; l++) row[l] += t[j * ldt + l];
        else for (long l = 0; l < mi; l++) row[l] = t[j * ldt + l];
    }
}

void vck_egemm_gemm(const vck_egemm *p, const float *x, long ldx, float *c, long ldc,
                    long t0, long t1, long p0, long p1, int accumulate, const vck_epilogue *epilogue) {
    if (t1 <= t0 || p1 <= p0) return;
    long m0 = p0 * PW, m1 = p1 * PW < p->n ? p1 * PW : p->n;
    // Tokens per block: the block's rows of X (block × k floats) within XBLOCK_KB, so that X stays
    // in L2 while every panel passes over it, and the blocks as even as whole tiles allow. Each
    // block streams all the call's weights again (from DRAM, in a pass), so there are as few as
    // that allows: with blocks capped at 192 KB of X and of C as well, B's 49 × 2048 × 512 ran in
    // blocks of 24, 24 and 1 tokens on Zen 3 and read its 4 MB of weights three times.
    long tokens = t1 - t0, byX = XBLOCK_KB * 1024 / 4 / p->k;
    if (byX < RMAX) byX = RMAX;
    long blocks = (tokens + byX - 1) / byX;
    long block = ((tokens + blocks - 1) / blocks + RMAX - 1) / RMAX * RMAX;
#if defined(__AVX512F__)
    // Rows of X a multiple of 4 KB apart (K = 1024, 2048: B's stage 4) put a tile's fourteen
    // tokens in the same L1 set, more than its eight ways: their lines evicted each other and
    // 49 × 512 × 2048 ran at 91 GFLOP/s against 114 at K = 512. Such a block is first copied
    // with its rows 64 bytes further apart (a memcpy per row; packing each tile k-major instead
    // cost a quarter of B's 49 × 64 × 1024 x_proj).
    long ldp = (ldx * 4) % 4096 == 0 ? p->k + 16 : 0;
#else
    long ldp = 0;
#endif
    float *xp = ldp ? vck_thread_floats(VCK_BUF_SPACED_TOKENS, block * ldp + 16, "re-spaced tokens") : 0;
    float t[RMAX * PW] __attribute__((aligned(64)));
    for (long b0 = t0; b0 < t1; b0 += block) {
        long b1 = b0 + block < t1 ? b0 + block : t1, tiles = (b1 - b0 + RMAX - 1) / RMAX;
        if (ldp)
            for (long j = b0; j < b1; j++) memcpy(xp + (j - b0) * ldp, x + j * ldx, (size_t)p->k * 4);
        for (long q = p0; q < p1; q++) {
            const float *wp = p->w + q * p->k * PW;
            long c0 = q * PW, mi = p->n - c0 < PW ? p->n - c0 : PW, pw = panel_width(p, q);
            const float *next = q + 1 < p1 ? wp + p->k * PW : 0;
            long nextWidth = q + 1 < p1 ? panel_width(p, q + 1) : 0;
            long ti = 0;
            for (long j0 = b0; j0 < b1; j0 += RMAX, ti++) {
                int r = b1 - j0 < RMAX ? (int)(b1 - j0) : RMAX;
                const float *xt = ldp ? xp + (j0 - b0) * ldp : x + j0 * ldx;
                long xr = ldp ? ldp : ldx;
                const char *pf; long pfn;
                prefetch_share(next, nextWidth, p->k, ti, tiles, &pf, &pfn);
                if (mi == pw && !accumulate) {
                    tile_any(r, pw, xt, xr, wp, p->k, c + j0 * ldc + c0, ldc, pf, pfn);
                } else {
                    tile_any(r, pw, xt, xr, wp, p->k, t, pw, pf, pfn);
                    put(t, pw, r, c, ldc, j0, c0, mi, accumulate);
                }
            }
        }
        // The raw product of the block is in C; the epilogue in place (with a residual, C keeps the
        // raw product and the residual takes the result), the same per-row code as the other paths.
        if (epilogue) vck_tile_epilogue(epilogue, c, ldc, b0, b1 - b0, m0, m1 - m0);
    }
}

#else

int vck_egemm_available(void) { return 0; }
vck_egemm *vck_egemm_prepare(const float *w, long n, long k) { (void)w; (void)n; (void)k; return NULL; }
void vck_egemm_gemm(const vck_egemm *p, const float *x, long ldx, float *c, long ldc,
                    long t0, long t1, long p0, long p1, int accumulate, const vck_epilogue *epilogue) {
    (void)p; (void)x; (void)ldx; (void)c; (void)ldc; (void)t0; (void)t1; (void)p0; (void)p1; (void)accumulate; (void)epilogue;
}

#endif

long vck_egemm_panels(const vck_egemm *p) { return p ? p->panels : 0; }

int vck_avx512_build(void) {
#if defined(__AVX512F__)
    return 1;
#else
    return 0;
#endif
}

void vck_egemm_free(vck_egemm *p) {
    if (!p) return;
    free(p->w);
    free(p);
}
