// Depthwise k×k convolution, channels-last, with the epilogue applied in registers.
#include "ckernels.h"
#include "vmath.h"

// Sixteen channels of one output pixel accumulate in one register across all k·k taps and are
// written once (re-reading and re-writing the output row for every tap was most of the time).

// Any k: eight adjacent output pixels of one 16-channel block accumulate together, so each tap's
// weight vector is loaded once for eight multiply-adds (one pixel at a time, the 7×7 convolution
// of the Mamba mixer loaded two vectors per multiply-add and ran at a tenth of the FMA rate).
// Taps are added in (ky, kx) order for every pixel, as in `reference`.
__attribute__((always_inline)) static inline void row_generic(const float *src, long h, long w, long c, long k, const float *weight,
                        const float *bias, const float *scale, const float *shift, int act, float *dst, long i) {
    long pad = k / 2;
    long ky0 = i < pad ? pad - i : 0, ky1 = k < h + pad - i ? k : h + pad - i;
    for (long c0 = 0; c0 < c; c0 += 16) {
        long n = c - c0 < 16 ? c - c0 : 16;
        vf b = n == 16 ? vload(bias + c0) : vload_part(bias + c0, n);
        vf sc = n == 16 ? vload(scale + c0) : vload_part(scale + c0, n);
        vf sh = n == 16 ? vload(shift + c0) : vload_part(shift + c0, n);
        for (long j0 = 0; j0 < w; j0 += 8) {
            long nj = w - j0 < 8 ? w - j0 : 8;
            vf acc[8];
            for (long jj = 0; jj < 8; jj++) acc[jj] = b;
            for (long ky = ky0; ky < ky1; ky++) {
                const float *srow = src + (i + ky - pad) * w * c + c0;
                for (long kx = 0; kx < k; kx++) {
                    const float *wp = weight + (ky * k + kx) * c + c0;
                    vf wv = n == 16 ? vload(wp) : vload_part(wp, n);
                    // Pixels whose tap kx falls inside the row: ix = j0 + jj + kx − pad in [0, w).
                    long lo = pad - kx - j0, hi = w + pad - kx - j0;
                    if (lo < 0) lo = 0;
                    if (hi > nj) hi = nj;
                    const float *sp = srow + (j0 + kx - pad) * c;
                    if (n == 16) { for (long jj = lo; jj < hi; jj++) acc[jj] += vload(sp + jj * c) * wv; }
                    else { for (long jj = lo; jj < hi; jj++) acc[jj] += vload_part(sp + jj * c, n) * wv; }
                }
            }
            for (long jj = 0; jj < nj; jj++) {
                float *dp = dst + (i * w + j0 + jj) * c + c0;
                vf y = vact(acc[jj] * sc + sh, act);
                if (n == 16) vstore(dp, y); else vstore_part(dp, y, n);
            }
        }
    }
}

// 3×3: the nine weight vectors of a 16-channel block stay in registers across the whole row.
// The taps that exist (row above/below, left/right neighbour) are compile-time flags of each
// specialised loop, so the interior pixels run without a branch.
__attribute__((always_inline)) static inline vf tap3(const float *up, const float *mid, const float *dn, long o, long c,
                                                     const vf *wv, vf acc, int hasUp, int hasDown, int left, int right) {
    // Taps in (ky, kx) order, as in the generic loop and `reference`.
    if (hasUp) {
        if (left) acc += vload(up + o - c) * wv[0];
        acc += vload(up + o) * wv[1];
        if (right) acc += vload(up + o + c) * wv[2];
    }
    if (left) acc += vload(mid + o - c) * wv[3];
    acc += vload(mid + o) * wv[4];
    if (right) acc += vload(mid + o + c) * wv[5];
    if (hasDown) {
        if (left) acc += vload(dn + o - c) * wv[6];
        acc += vload(dn + o) * wv[7];
        if (right) acc += vload(dn + o + c) * wv[8];
    }
    return acc;
}

__attribute__((always_inline)) static inline void row3v(const float *src, long w, long c, const float *weight, const float *bias,
                 const float *scale, const float *shift, int act, float *dst, long i, int hasUp, int hasDown) {
    for (long c0 = 0; c0 < c; c0 += 16) {   // c is a multiple of 16 here
        vf wv[9];
        for (int t = 0; t < 9; t++) wv[t] = vload(weight + t * c + c0);
        vf b = vload(bias + c0), sc = vload(scale + c0), sh = vload(shift + c0);
        const float *mid = src + (i * w) * c + c0;
        const float *up = hasUp ? mid - w * c : mid, *dn = hasDown ? mid + w * c : mid;
        float *out = dst + (i * w) * c + c0;
        if (w == 1) {
            vstore(out, vact(tap3(up, mid, dn, 0, c, wv, b, hasUp, hasDown, 0, 0) * sc + sh, act));
            continue;
        }
        vstore(out, vact(tap3(up, mid, dn, 0, c, wv, b, hasUp, hasDown, 0, 1) * sc + sh, act));
        for (long j = 1; j + 1 < w; j++)
            vstore(out + j * c, vact(tap3(up, mid, dn, j * c, c, wv, b, hasUp, hasDown, 1, 1) * sc + sh, act));
        vstore(out + (w - 1) * c, vact(tap3(up, mid, dn, (w - 1) * c, c, wv, b, hasUp, hasDown, 1, 0) * sc + sh, act));
    }
}

__attribute__((always_inline)) static inline void row3(const float *src, long h, long w, long c, const float *weight, const float *bias,
                 const float *scale, const float *shift, int act, float *dst, long i) {
    int hasUp = i > 0, hasDown = i + 1 < h;
    if (hasUp && hasDown) row3v(src, w, c, weight, bias, scale, shift, act, dst, i, 1, 1);
    else if (hasUp) row3v(src, w, c, weight, bias, scale, shift, act, dst, i, 1, 0);
    else if (hasDown) row3v(src, w, c, weight, bias, scale, shift, act, dst, i, 0, 1);
    else row3v(src, w, c, weight, bias, scale, shift, act, dst, i, 0, 0);
}

void vck_depthwise(const float *src, long h, long w, long c, long k, const float *weight,
                   const float *bias, const float *scale, const float *shift, int act,
                   float *dst, long r0, long r1) {
    for (long i = r0; i < r1; i++) {
        if (k == 3 && c % 16 == 0) {
            switch (act) {   // one specialised loop per activation
            case VCK_ACT_NONE: row3(src, h, w, c, weight, bias, scale, shift, VCK_ACT_NONE, dst, i); break;
            case VCK_ACT_RELU: row3(src, h, w, c, weight, bias, scale, shift, VCK_ACT_RELU, dst, i); break;
            case VCK_ACT_GELU: row3(src, h, w, c, weight, bias, scale, shift, VCK_ACT_GELU, dst, i); break;
            default:           row3(src, h, w, c, weight, bias, scale, shift, VCK_ACT_SILU, dst, i); break;
            }
        } else {
            switch (act) {
            case VCK_ACT_NONE: row_generic(src, h, w, c, k, weight, bias, scale, shift, VCK_ACT_NONE, dst, i); break;
            case VCK_ACT_RELU: row_generic(src, h, w, c, k, weight, bias, scale, shift, VCK_ACT_RELU, dst, i); break;
            case VCK_ACT_GELU: row_generic(src, h, w, c, k, weight, bias, scale, shift, VCK_ACT_GELU, dst, i); break;
            default:           row_generic(src, h, w, c, k, weight, bias, scale, shift, VCK_ACT_SILU, dst, i); break;
            }
        }
    }
}
