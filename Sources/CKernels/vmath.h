// Vector math on 16 floats (one AVX-512 register; clang splits it on narrower machines).
// Polynomial exp/log/erf, branch-free: the lanes of a vector take the same instruction path.
#ifndef CKERNELS_VMATH_H
#define CKERNELS_VMATH_H

#include <stdint.h>
#include <string.h>

// a·b + c written in the source is one fused multiply-add here (one rounding, and the speed the
// kernels were measured at); the Swift references round twice and the tests allow for it.
#pragma clang fp contract(fast)

typedef float vf __attribute__((ext_vector_type(16)));
typedef int32_t vi __attribute__((ext_vector_type(16)));
typedef float vf_half __attribute__((ext_vector_type(8)));
typedef float vf_unaligned __attribute__((ext_vector_type(16), aligned(4)));

static inline vf vload(const float *p) { return *(const vf_unaligned *)p; }
static inline void vstore(float *p, vf v) { *(vf_unaligned *)p = v; }
static inline vf vsplat(float x) { return (vf)x; }
// Lanes of a where m is true (all ones), of b elsewhere.
static inline vf vselect(vi m, vf a, vf b) { return (vf)(((vi)a & m) | ((vi)b & ~m)); }
static inline float vsum(vf v) {
    vf_half lo = v.lo + v.hi;
    float s = 0;
    for (int i = 0; i < 8; i++) s += lo[i];
    return s;
}

// The first n (< 16) lanes from p, the rest zero; and the store of the first n lanes.
static inline vf vload_part(const float *p, long n) { float t[16] = {0}; memcpy(t, p, (size_t)n * 4); return vload(t); }
static inline void vstore_part(float *p, vf v, long n) { float t[16]; vstore(t, v); memcpy(p, t, (size_t)n * 4); }

// eˣ: x = n·ln2 + r with |r| ≤ ½ln2 (ln2 split in two so n·ln2_hi is exact), e^r by its Taylor
// series to r⁷ (relative error < 2e-7 on that interval), 2ⁿ built in the exponent bits.
static inline vf vexp(vf x) {
    x = __builtin_elementwise_min(__builtin_elementwise_max(x, vsplat(-87.3f)), vsplat(88.7f));
    const vf magic = vsplat(12582912.0f);                 // 1.5·2²³: adding it rounds to an integer
    vf t = x * 1.44269504088896341f + magic;
    vf n = t - magic;
    vf r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    vf p = vsplat(1.0f / 5040);
    p = p * r + 1.0f / 720;
    p = p * r + 1.0f / 120;
    p = p * r + 1.0f / 24;
    p = p * r + 1.0f / 6;
    p = p * r + 0.5f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
    vi ni = (vi)t - 0x4B400000;                           // n, from the low bits of t's pattern
    vf scale = (vf)((ni + 127) << 23);
    return p * scale;
}

// log x for x > 0: x = m·2ᵏ, m in [√½, √2), log m = 2·atanh(s), s = (m−1)/(m+1), odd series to s¹¹.
static inline vf vlog(vf x) {
    vi bits = (vi)x;
    vi k = (bits >> 23) - 127;
    vf m = (vf)((bits & 0x007FFFFF) | 0x3F800000);        // [1, 2)
    vi big = m > 1.41421356f;
    m = vselect(big, m * 0.5f, m);
    k = k - big;                                          // big is −1 where true
    vf s = (m - 1.0f) / (m + 1.0f), s2 = s * s;
    vf p = vsplat(1.0f / 11);
    p = p * s2 + 1.0f / 9;
    p = p * s2 + 1.0f / 7;
    p = p * s2 + 1.0f / 5;
    p = p * s2 + 1.0f / 3;
    p = p * s2 + 1.0f;
    return 2.0f * s * p + __builtin_convertvector(k, vf) * 0.693147180559945309f;
}

// erf by Abramowitz & Stegun 7.1.26 (absolute error ≤ 1.5e-7):
// erf(|x|) = 1 − (a₁t + a₂t² + a₃t³ + a₄t⁴ + a₅t⁵)·e^(−x²), t = 1/(1 + p|x|).
static inline vf verf(vf x) {
    vf ax = __builtin_elementwise_abs(x);
    vf t = 1.0f / (1.0f + 0.3275911f * ax);
    vf p = vsplat(1.061405429f);
    p = p * t - 1.453152027f;
    p = p * t + 1.421413741f;
    p = p * t - 0.284496736f;
    p = p * t + 0.254829592f;
    p = p * t;
    vf y = 1.0f - p * vexp(-(ax * ax));
    return __builtin_elementwise_copysign(y, x);
}

static inline vf vgelu(vf x) { return 0.5f * x * (1.0f + verf(x * 0.70710678118654752f)); }
static inline vf vsilu(vf x) { return x / (1.0f + vexp(-x)); }

// softplus with PyTorch's threshold: x above 20, else log1p(eˣ), as log(u)·e/(u−1) with u = 1 + e:
// u − 1 is exact, so the factor undoes the rounding of 1 + e that log(1 + e) would keep.
static inline vf vsoftplus(vf x) {
    vf e = vexp(x);
    vf u = 1.0f + e;
    vf d = u - 1.0f;
    vf y = vlog(u) * (e / d);
    y = vselect(d == 0.0f, e, y);
    return vselect(x > 20.0f, x, y);
}

static inline vf vact(vf y, int act) {
    switch (act) {
    case 1: return __builtin_elementwise_max(y, vsplat(0.0f));
    case 2: return vgelu(y);
    case 3: return vsilu(y);
    default: return y;
    }
}

#endif
