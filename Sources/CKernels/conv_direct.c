// Dense k×k convolution of a map with few input channels (the stem's RGB input, and up to 16),
// channels-last, straight from the input: no im2col.
#include "ckernels.h"
#include "vmath.h"

// Through im2col + GEMM, the stem's first convolution (3 → 16–32 channels, K = 27) gathered a
// 1.4 MB patch matrix (as long as the product itself) and then ran the product at 70% of the FMA
// peak (K = 27 and N = 16 are below the GEMM kernels' blocking). Here sixteen output channels are
// one register, and each of the k·k·cin taps of a pixel is one broadcast of the input value times
// the tap's weight vector, for eight adjacent output pixels at once (four with AVX2; eight
// independent chains of multiply-adds either way, enough to cover their latency). Rows of taps
// above or below the map are skipped; pixels whose taps cross the left or right edge take the
// checked loop.

__attribute__((always_inline)) static inline vf finish(vf acc, const float *scale, const float *shift, long c0, long n, int act) {
    if (!scale) return acc;
    vf sc = n == 16 ? vload(scale + c0) : vload_part(scale + c0, n);
    vf sh = n == 16 ? vload(shift + c0) : vload_part(shift + c0, n);
    return vact(acc * sc + sh, act);
}

__attribute__((always_inline)) static inline void put(float *p, vf v, long n) {
    if (n == 16) vstore(p, v); else vstore_part(p, v, n);
}

// PIX adjacent output pixels ox .. ox + PIX − 1 of row oy, all of whose taps lie inside the map's
// columns, for the n ≤ 16 output channels from c0 (fewer in the last block of 24 or 40: masked
// lanes). Eight pixels with AVX-512 (eight 16-lane accumulators of its 32 registers); four with
// AVX2, where a 16-lane vector is two registers: eight pixels' accumulators were all 16 of them
// and spilled, and an 8-channel block broadcast each input value for one FMA instead of two (60%
// slower, tools/bench/kernel_ab). Four pixels × two halves are still eight independent chains.
#if defined(__AVX512F__)
enum { PIX = 8 };
#else
enum { PIX = 4 };
#endif
__attribute__((always_inline)) static inline void pixels(const float *src, long h, long w, const long cin, const long k,
        const long stride, long pad, const float *wt, long cout, float *dst, long wo, long oy, long ox, long c0, long n,
        const float *scale, const float *shift, int act) {
    vf a[PIX];
    for (int j = 0; j < PIX; j++) a[j] = vsplat(0);
    for (long ky = 0; ky < k; ky++) {
        long iy = oy * stride - pad + ky;
        if (iy < 0 || iy >= h) continue;
        const float *row = src + (iy * w + ox * stride - pad) * cin;
        const float *wrow = wt + ky * k * cin * cout + c0;
        for (long t = 0; t < k * cin; t++) {            // t = kx·cin + ci: one run of k·cin floats
            vf wv = n == 16 ? vload(wrow + t * cout) : vload_part(wrow + t * cout, n);
            const long ps = stride * cin;               // floats from one output pixel's taps to the next's
            for (int j = 0; j < PIX; j++) a[j] += row[t + j * ps] * wv;
        }
    }
    float *d = dst + (oy * wo + ox) * cout + c0;
    for (int j = 0; j < PIX; j++) put(d + j * cout, finish(a[j], scale, shift, c0, n, act), n);
}

// One output pixel, every tap checked against the map's edges.
static void pixel_checked(const float *src, long h, long w, long cin, long k, long stride, long pad, const float *wt,
                          long cout, float *dst, long wo, long oy, long ox, long c0, long n,
                          const float *scale, const float *shift, int act) {
    vf acc = vsplat(0);
    for (long ky = 0; ky < k; ky++) {
        long iy = oy * stride - pad + ky;
        if (iy < 0 || iy >= h) continue;
        for (long kx = 0; kx < k; kx++) {
            long ix = ox * stride - pad + kx;
            if (ix < 0 || ix >= w) continue;
            for (long ci = 0; ci < cin; ci++) {
                const float *wp = wt + ((ky * k + kx) * cin + ci) * cout + c0;
                acc += src[(iy * w + ix) * cin + ci] * (n == 16 ? vload(wp) : vload_part(wp, n));
            }
        }
    }
    put(dst + (oy * wo + ox) * cout + c0, finish(acc, scale, shift, c0, n, act), n);
}

__attribute__((always_inline)) static inline void rows_direct(const float *src, long h, long w, const long cin, const long k,
        const long stride, long pad, const float *wt, long cout, float *dst, long wo, long oy0, long oy1,
        const float *scale, const float *shift, int act) {
    // Output columns whose taps all lie inside the map: lo ≤ ox < hi.
    long lo = (pad + stride - 1) / stride;
    long hi = w - k + pad >= 0 ? (w - k + pad) / stride + 1 : 0;
    if (hi > wo) hi = wo;
    if (lo > hi) lo = hi;
    for (long oy = oy0; oy < oy1; oy++) {
        for (long c0 = 0; c0 < cout; c0 += 16) {
            long n = cout - c0 < 16 ? cout - c0 : 16;
            long ox = 0;
            for (; ox < lo; ox++) pixel_checked(src, h, w, cin, k, stride, pad, wt, cout, dst, wo, oy, ox, c0, n, scale, shift, act);
            for (; ox + PIX <= hi; ox += PIX) pixels(src, h, w, cin, k, stride, pad, wt, cout, dst, wo, oy, ox, c0, n, scale, shift, act);
            for (; ox < wo; ox++) pixel_checked(src, h, w, cin, k, stride, pad, wt, cout, dst, wo, oy, ox, c0, n, scale, shift, act);
        }
    }
}

void vck_conv_direct(const float *src, long h, long w, long cin, long k, long stride, long pad, const float *wt,
                     long cout, float *dst, long wo, long oy0, long oy1, const float *scale, const float *shift, int act) {
    // The stem's shape with its sizes known to the compiler, so the 27 taps unroll.
    if (cin == 3 && k == 3 && stride == 2)
        rows_direct(src, h, w, 3, 3, 2, pad, wt, cout, dst, wo, oy0, oy1, scale, shift, act);
    else
        rows_direct(src, h, w, cin, k, stride, pad, wt, cout, dst, wo, oy0, oy1, scale, shift, act);
}
