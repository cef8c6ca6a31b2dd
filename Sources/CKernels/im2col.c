// im2col for the dense k×k convolutions (stem and downsampling layers), channels-last.
#include "ckernels.h"
#include <string.h>

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
                if (iy < 0 || iy >= h) { memset(d, 0, (size_t)(k * c) * 4); continue; }
                const float *s = src + iy * w * c;
                if (ix0 >= 0 && ix0 + k <= w) { memcpy(d, s + ix0 * c, (size_t)(k * c) * 4); continue; }
                for (long kx = 0; kx < k; kx++) {
                    long ix = ix0 + kx;
                    if (ix < 0 || ix >= w) memset(d + kx * c, 0, (size_t)c * 4);
                    else memcpy(d + kx * c, s + ix * c, (size_t)c * 4);
                }
            }
        }
    }
}
