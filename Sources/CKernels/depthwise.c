// Depthwise k×k convolution, channels-last, with the epilogue applied in registers.
#include "ckernels.h"
#include "vmath.h"

// Sixteen channels of one output pixel accumulate in one register across all k·k taps and are
// written once (re-reading and re-writing the output row for every tap was most of the time).
// The 3×3 case keeps its nine weight vectors in registers across a whole output row.
static inline void pixel16(const float *src, long w, long c, long k, const float *weight, long c0,
                           long i, long j, long ky0, long ky1, vf acc, vf *out) {
    long pad = k / 2;
    long kx0 = j < pad ? pad - j : 0, kx1 = k < w + pad - j ? k : w + pad - j;
    for (long ky = ky0; ky < ky1; ky++) {
        const float *s = src + ((i + ky - pad) * w + (j - pad)) * c + c0;
        const float *wt = weight + ky * k * c + c0;
        for (long kx = kx0; kx < kx1; kx++) acc += vload(s + kx * c) * vload(wt + kx * c);
    }
    *out = acc;
}

__attribute__((always_inline)) static inline void row_generic(const float *src, long h, long w, long c, long k, const float *weight,
                        const float *bias, const float *scale, const float *shift, int act, float *dst, long i) {
    long pad = k / 2;
    long ky0 = i < pad ? pad - i : 0, ky1 = k < h + pad - i ? k : h + pad - i;
    for (long c0 = 0; c0 < c; c0 += 16) {
        long n = c - c0 < 16 ? c - c0 : 16;
        if (n == 16) {
            vf b = vload(bias + c0), sc = vload(scale + c0), sh = vload(shift + c0);
            for (long j = 0; j < w; j++) {
                vf acc;
                pixel16(src, w, c, k, weight, c0, i, j, ky0, ky1, b, &acc);
                vstore(dst + (i * w + j) * c + c0, vact(acc * sc + sh, act));
            }
        } else {
            // The last channels, fewer than 16: the same sums lane by lane.
            for (long j = 0; j < w; j++) {
                long kx0 = j < pad ? pad - j : 0, kx1 = k < w + pad - j ? k : w + pad - j;
                float acc[16] = {0};
                for (long ch = 0; ch < n; ch++) acc[ch] = bias[c0 + ch];
                for (long ky = ky0; ky < ky1; ky++)
                    for (long kx = kx0; kx < kx1; kx++) {
                        const float *s = src + ((i + ky - pad) * w + (j + kx - pad)) * c + c0;
                        const float *wt = weight + (ky * k + kx) * c + c0;
                        for (long ch = 0; ch < n; ch++) acc[ch] += s[ch] * wt[ch];
                    }
                vf y = vload(acc) * vload_part(scale + c0, n) + vload_part(shift + c0, n);
                vstore_part(dst + (i * w + j) * c + c0, vact(y, act), n);
            }
        }
    }
}

// 3×3 with all of the row's taps inside the map vertically: weights held in registers.
__attribute__((always_inline)) static inline void row3(const float *src, long w, long c, const float *weight, const float *bias,
                 const float *scale, const float *shift, int act, float *dst, long i, long ky0, long ky1) {
    long c0 = 0;
    for (; c0 < c; c0 += 16) {   // c is a multiple of 16 here
        vf w00 = vload(weight + 0 * c + c0), w01 = vload(weight + 1 * c + c0), w02 = vload(weight + 2 * c + c0);
        vf w10 = vload(weight + 3 * c + c0), w11 = vload(weight + 4 * c + c0), w12 = vload(weight + 5 * c + c0);
        vf w20 = vload(weight + 6 * c + c0), w21 = vload(weight + 7 * c + c0), w22 = vload(weight + 8 * c + c0);
        vf b = vload(bias + c0), sc = vload(scale + c0), sh = vload(shift + c0);
        int hasUp = ky0 == 0, hasDown = ky1 == 3;
        const float *mid = src + (i * w) * c + c0;
        const float *up = hasUp ? mid - w * c : mid, *dn = hasDown ? mid + w * c : mid;
        for (long j = 0; j < w; j++) {
            vf acc = b;
            long o = j * c;
            int left = j > 0, right = j + 1 < w;
            // Tap order (ky, kx) as in the generic loop, so both paths round the same way.
            if (hasUp) {
                if (left) acc += vload(up + o - c) * w00;
                acc += vload(up + o) * w01;
                if (right) acc += vload(up + o + c) * w02;
            }
            if (left) acc += vload(mid + o - c) * w10;
            acc += vload(mid + o) * w11;
            if (right) acc += vload(mid + o + c) * w12;
            if (hasDown) {
                if (left) acc += vload(dn + o - c) * w20;
                acc += vload(dn + o) * w21;
                if (right) acc += vload(dn + o + c) * w22;
            }
            vstore(dst + (i * w + j) * c + c0, vact(acc * sc + sh, act));
        }
    }
}

void vck_depthwise(const float *src, long h, long w, long c, long k, const float *weight,
                   const float *bias, const float *scale, const float *shift, int act,
                   float *dst, long r0, long r1) {
    for (long i = r0; i < r1; i++) {
        if (k == 3 && c % 16 == 0) {
            long ky0 = i < 1 ? 1 : 0, ky1 = i + 1 < h ? 3 : 2;
            switch (act) {   // one specialised loop per activation
            case VCK_ACT_NONE: row3(src, w, c, weight, bias, scale, shift, VCK_ACT_NONE, dst, i, ky0, ky1); break;
            case VCK_ACT_RELU: row3(src, w, c, weight, bias, scale, shift, VCK_ACT_RELU, dst, i, ky0, ky1); break;
            case VCK_ACT_GELU: row3(src, w, c, weight, bias, scale, shift, VCK_ACT_GELU, dst, i, ky0, ky1); break;
            default:           row3(src, w, c, weight, bias, scale, shift, VCK_ACT_SILU, dst, i, ky0, ky1); break;
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
