// Vector math on 16 floats (one AVX-512 register; clang splits it on narrower machines).
// Polynomial exp/log/erf, branch-free: the lanes of a vector take the same instruction path.
#ifndef CKERNELS_VMATH_H
#define CKERNELS_VMATH_H

#include <stdint.h>
#include <string.h>
#if defined(__AVX512F__)
#include <immintrin.h>
#endif

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

// Sixteen horizontal sums at once: lane n of the result is the sum of the lanes of v[n]. A tree of
// shuffles and adds (15 adds in all) instead of sixteen separate reductions; used for the per-step
// hidden-state norms, which otherwise doubled the scan's cost when observed.
static inline vf vsum16x16(const vf *v) {
    vf s1[8], s2[4], s3[2];
    for (int i = 0; i < 8; i++)
        s1[i] = __builtin_shufflevector(v[2 * i], v[2 * i + 1], 0, 1, 2, 3, 4, 5, 6, 7, 16, 17, 18, 19, 20, 21, 22, 23)
              + __builtin_shufflevector(v[2 * i], v[2 * i + 1], 8, 9, 10, 11, 12, 13, 14, 15, 24, 25, 26, 27, 28, 29, 30, 31);
    for (int i = 0; i < 4; i++)
        s2[i] = __builtin_shufflevector(s1[2 * i], s1[2 * i + 1], 0, 1, 2, 3, 8, 9, 10, 11, 16, 17, 18, 19, 24, 25, 26, 27)
              + __builtin_shufflevector(s1[2 * i], s1[2 * i + 1], 4, 5, 6, 7, 12, 13, 14, 15, 20, 21, 22, 23, 28, 29, 30, 31);
    for (int i = 0; i < 2; i++)
        s3[i] = __builtin_shufflevector(s2[2 * i], s2[2 * i + 1], 0, 1, 4, 5, 8, 9, 12, 13, 16, 17, 20, 21, 24, 25, 28, 29)
              + __builtin_shufflevector(s2[2 * i], s2[2 * i + 1], 2, 3, 6, 7, 10, 11, 14, 15, 18, 19, 22, 23, 26, 27, 30, 31);
    return __builtin_shufflevector(s3[0], s3[1], 0, 2, 4, 6, 8, 10, 12, 14, 16, 18, 20, 22, 24, 26, 28, 30)
         + __builtin_shufflevector(s3[0], s3[1], 1, 3, 5, 7, 9, 11, 13, 15, 17, 19, 21, 23, 25, 27, 29, 31);
}

// The first n (< 16) lanes from p, the rest zero; and the store of the first n lanes.
static inline vf vload_part(const float *p, long n) { float t[16] = {0}; memcpy(t, p, (size_t)n * 4); return vload(t); }
static inline void vstore_part(float *p, vf v, long n) { float t[16]; vstore(t, v); memcpy(p, t, (size_t)n * 4); }

// 1/x. A 512-bit division occupies the divider for ~16 cycles (it was half of GELU's time); the
// 14-bit hardware estimate refined by one Newton step (relative error ~2⁻²⁸, below a float ulp)
// costs three cheap instructions.
static inline vf vrcp(vf x) {
#if defined(__AVX512F__)
    vf r = (vf)_mm512_rcp14_ps((__m512)x);
    return r * (2.0f - x * r);
#else
    return 1.0f / x;
#endif
}

// eˣ: x = n·ln2 + r with |r| ≤ ½ln2 (ln2 split in two so n·ln2_hi is exact), e^r by its Taylor
// series to r⁷ (relative error < 2e-7 on that interval), 2ⁿ built in the exponent bits.
static inline vf vexp(vf x) {
    // Clamped so that 2ⁿ stays a finite normal float (n ≤ 127): e^88.3 ≈ 2.1e38 is the largest
    // result, never ∞, which keeps 1/(1 + eˣ) in SiLU well defined through vrcp.
    x = __builtin_elementwise_min(__builtin_elementwise_max(x, vsplat(-87.3f)), vsplat(88.3f));
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
    vf s = (m - 1.0f) * vrcp(m + 1.0f), s2 = s * s;
    vf p = vsplat(1.0f / 11);
    p = p * s2 + 1.0f / 9;
    p = p * s2 + 1.0f / 7;
    p = p * s2 + 1.0f / 5;
    p = p * s2 + 1.0f / 3;
    p = p * s2 + 1.0f;
    return 2.0f * s * p + __builtin_convertvector(k, vf) * 0.693147180559945309f;
}

// erf by Abramowitz & Stegun 7.1.28 (absolute error ≤ 3e-7):
// erf(|x|) = 1 − 1/(1 + a₁x + a₂x² + … + a₆x⁶)¹⁶. No exponential and one reciprocal: half the
// instructions of 7.1.26 (1 − poly(t)·e^(−x²), t = 1/(1 + p|x|)).
static inline vf verf(vf x) {
    // erf(4) rounds to 1 in float; the clamp keeps the power finite (vrcp(∞) would be NaN).
    vf ax = __builtin_elementwise_min(__builtin_elementwise_abs(x), vsplat(4.0f));
    vf p = vsplat(0.0000430638f);
    p = p * ax + 0.0002765672f;
    p = p * ax + 0.0001520143f;
    p = p * ax + 0.0092705272f;
    p = p * ax + 0.0422820123f;
    p = p * ax + 0.0705230784f;
    p = p * ax + 1.0f;
    p = p * p; p = p * p; p = p * p; p = p * p;      // ¹⁶
    vf y = 1.0f - vrcp(p);
    return __builtin_elementwise_copysign(y, x);
}

// GELU(x) = x·Φ(x), Φ(x) = 1 − ½erfc(|x|/√2) for x ≥ 0 and ½erfc(|x|/√2) below, with the erfc of
// 7.1.28 above, 1/P(|x|/√2)¹⁶: the 1/√2 is folded into P's coefficients and the ½ into them too
// (each × 2^(1/16), so the sixteenth power doubles). The same approximation as
// 0.5·x·(1 + verf(x/√2)) with fewer multiplies (no scaling of x, no sign transfer; 13 on the
// multiply pipes against 15, which is what bounds it), and negative inputs keep their significant
// bits instead of losing them to 1 + erf's cancellation. It is the most evaluated function of a
// forward pass: twice per MLP hidden value. x = ±0 and NaN come out as themselves, −∞ as ≈ −0.
static inline vf vgelu(vf x) {
#if defined(__AVX512F__)
    vf ax = __builtin_elementwise_abs(x);
    // vminps returns its second operand when either is NaN: min(|x|, 8√2) keeps P¹⁶ finite
    // (P(8)¹⁶ ≈ 1e24, where the tail is 0 in float) for large |x|, ±∞ and NaN alike.
    vf az = (vf)_mm512_min_ps((__m512)ax, (__m512)vsplat(11.3137085f));
    // aₖ/√2ᵏ · 2^(1/16), k = 6 … 1, then 2^(1/16) for the constant term.
    vf p = vsplat(0.0000430638f * 0.125f * 1.0442737824f);
    p = p * az + 0.0002765672f * 0.1767766953f * 1.0442737824f;
    p = p * az + 0.0001520143f * 0.25f * 1.0442737824f;
    p = p * az + 0.0092705272f * 0.3535533906f * 1.0442737824f;
    p = p * az + 0.0422820123f * 0.5f * 1.0442737824f;
    p = p * az + 0.0705230784f * 0.7071067812f * 1.0442737824f;
    p = p * az + 1.0442737824f;
    p = p * p; p = p * p; p = p * p; p = p * p;      // 2·P¹⁶
    vf tail = vrcp(p);                               // ½erfc(|x|/√2) = Φ(−|x|)
    // Below −8√2 the product would be x times a tail that stops shrinking at the clamp (−1e30
    // would give −1e6): max(−8√2, x) there (vmaxps also returns x when x is NaN), so the result
    // is ~1e-23, the 0 it should be.
    vf xc = (vf)_mm512_max_ps((__m512)vsplat(-11.3137085f), (__m512)x);
    return xc * vselect(x < 0.0f, tail, 1.0f - tail);
#else
    return 0.5f * x * (1.0f + verf(x * 0.70710678118654752f));
#endif
}

static inline vf vsilu(vf x) { return x * vrcp(1.0f + vexp(-x)); }

// softplus with PyTorch's threshold: x above 20, else log1p(eˣ), as log(u)·e/(u−1) with u = 1 + e:
// u − 1 is exact, so the factor undoes the rounding of 1 + e that log(1 + e) would keep.
static inline vf vsoftplus(vf x) {
    vf e = vexp(x);
    vf u = 1.0f + e;
    vf d = u - 1.0f;
    vf y = vlog(u) * (e * vrcp(d));
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

// The per-row epilogues, shared by the separate passes (activations.c) and the ones fused into
// the packed GEMM's tiles (packed_gemm.c): one expression per element in both, so a forward
// with observers (separate passes) and one without (fused) give the same bits.

// dst[ch] = act(src[ch]·scale[ch] + shift[ch]) for 0 ≤ ch < c (dst may be src).
static inline void vck_affine_row_to(float *dst, const float *src, long c, const float *scale, const float *shift, int act) {
    long ch = 0;
    for (; ch + 16 <= c; ch += 16)
        vstore(dst + ch, vact(vload(src + ch) * vload(scale + ch) + vload(shift + ch), act));
    if (ch < c) {
        long n = c - ch;
        vstore_part(dst + ch, vact(vload_part(src + ch, n) * vload_part(scale + ch, n) + vload_part(shift + ch, n), act), n);
    }
}

// The same in place.
static inline void vck_affine_row(float *row, long c, const float *scale, const float *shift, int act) {
    vck_affine_row_to(row, row, c, scale, shift, act);
}

// x[ch] += gain[ch]·(acc[ch]·scale[ch] + shift[ch]) (gain NULL: 1) for 0 ≤ ch < c.
static inline void vck_residual_row(float *x, const float *acc, long c, const float *scale, const float *shift,
                                    const float *gain) {
    long ch = 0;
    for (; ch + 16 <= c; ch += 16) {
        vf y = vload(acc + ch) * vload(scale + ch) + vload(shift + ch);
        vstore(x + ch, gain ? vload(x + ch) + vload(gain + ch) * y : vload(x + ch) + y);
    }
    if (ch < c) {
        long n = c - ch;
        vf y = vload_part(acc + ch, n) * vload_part(scale + ch, n) + vload_part(shift + ch, n);
        vstore_part(x + ch, gain ? vload_part(x + ch, n) + vload_part(gain + ch, n) * y : vload_part(x + ch, n) + y, n);
    }
}

#endif
