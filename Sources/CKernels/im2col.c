// im2col for the dense k×k convolutions (stem and downsampling layers), channels-last.
#include "ckernels.h"
#include <string.h>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

// n floats from s to d (s NULL: zeros). The stem's 3-channel input copies 9 floats at a time, and
// a memcpy call per 36 bytes cost more than the copying; up to 16 floats are one masked load and
// store.
static inline void copy_floats(float *d, const float *s, long n) {
#if defined(__AVX512F__)
    if (n <= 16) {
        __mmask16 m = (__mmask16)((1u << n) - 1);
        _mm512_mask_storeu_ps(d, m, s ? _mm512_maskz_loadu_ps(m, s) : _mm512_setzero_ps());
        return;
    }
#endif
    if (s) memcpy(d, s, (size_t)n * 4);
    else memset(d, 0, (size_t)n * 4);
}

// For a fixed output pixel and kernel row, the k taps read k adjacent input pixels (stride 1)
// or k pixels of a run of k·c floats (any stride when the taps are contiguous: kx steps by one
// input pixel), and the patch row stores them as (kx, c) contiguous: so one copy of k·c floats
// per (pixel, kernel row) where the row is inside the map, instead of one per float (3.4% of a
// forward in the stem's 3-channel input, copied three floats at a time).
void vck_im2col(const float *src, long h, long w, long c, long k, long stride, long pad,
                long wo, float *dst, long oy0, long oy1) {
    long kk = k * k * c;
    for (long oy = oy0; oy < oy1; oy++) {
        for (long ox = 0; ox < wo; ox++) {
            float *row = dst + (oy * wo + ox) * kk;
            long ix0 = ox * stride - pad;
            for (long ky = 0; ky < k; ky++) {
                long iy = oy * stride + ky - pad;
                float *d = row + ky * k * c;
                if (iy < 0 || iy >= h) { copy_floats(d, NULL, k * c); continue; }
                const float *s = src + iy * w * c;
                if (ix0 >= 0 && ix0 + k <= w) { copy_floats(d, s + ix0 * c, k * c); continue; }
                for (long kx = 0; kx < k; kx++) {
                    long ix = ix0 + kx;
                    copy_floats(d + kx * c, ix < 0 || ix >= w ? NULL : s + ix * c, c);
                }
            }
        }
    }
}
