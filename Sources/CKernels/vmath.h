// Vector math on 16 floats (one AVX-512 register; clang splits it on narrower machines).
// Polynomial exp/log/erf, branch-free: the lanes of a vector take the same instruction path.
#ifndef CKERNELS_VMATH_H
#define CKERNELS_VMATH_H

#include <stdint.h>
#include <string.h>
#if defined(__AVX512F__) || defined(__AVX2__)
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

// The first n (< 16) lanes from p, the rest zero; and the store of the first n lanes. With
// AVX-512 one masked load or store (the lanes past n are not touched, so reading past the end of
// a buffer cannot fault); otherwise through a copy on the stack.
static inline vf vload_part(const float *p, long n) {
#if defined(__AVX512F__)
    return (vf)_mm512_maskz_loadu_ps((__mmask16)((1u << n) - 1), p);
#else
    float t[16] = {0}; memcpy(t, p, (size_t)n * 4); return vload(t);
#endif
}
static inline void vstore_part(float *p, vf v, long n) {
#if defined(__AVX512F__)
    _mm512_mask_storeu_ps(p, (__mmask16)((1u << n) - 1), (__m512)v);
#else
    float t[16]; vstore(t, v); memcpy(p, t, (size_t)n * 4);
#endif
}

// The machine's own vector, one register: 16 lanes with AVX-512, 8 with AVX2. `vf` is 16 lanes
// everywhere (clang splits it in two on AVX2), which suits streaming kernels; kernels that keep a
// register file's worth of values live (the k×k depthwise convolution's eight accumulators) are
// written on `vn`, so that what fits in AVX-512's 32 × 16 lanes is not spilled from AVX2's 16 × 8.
#if defined(__AVX512F__)
typedef vf vn;
typedef vf_unaligned vn_unaligned;
enum { VN = 16 };
static inline vn vn_load_part(const float *p, long n) { return vload_part(p, n); }
static inline void vn_store_part(float *p, vn v, long n) { vstore_part(p, v, n); }
#else
typedef vf_half vn;
typedef float vn_unaligned __attribute__((ext_vector_type(8), aligned(4)));
enum { VN = 8 };
static inline vn vn_load_part(const float *p, long n) {
    float t[8] = {0}; memcpy(t, p, (size_t)n * 4); return *(const vn_unaligned *)t;
}
static inline void vn_store_part(float *p, vn v, long n) {
    float t[8]; *(vn_unaligned *)t = v; memcpy(p, t, (size_t)n * 4);
}
#endif
static inline vn vn_load(const float *p) { return *(const vn_unaligned *)p; }
static inline void vn_store(float *p, vn v) { *(vn_unaligned *)p = v; }
static inline vn vn_splat(float x) { return (vn)x; }

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

// eˣ: x = n·ln2 + r with |r| ≤ ½ln2 (ln2 split in two so n·ln2_hi is exact), e^r by a degree-6
// polynomial (near-minimax on that interval: relative error 1.7e-8 with its float coefficients,
// printed by tools/exp_poly.py), times 2ⁿ. With AVX-512, n is rounded by vrndscaleps and 2ⁿ
// applied by vscalefps: 13 operations instead of the 17 of degree-7 Taylor and building 2ⁿ in the
// exponent bits (the selective scan's exp(Δ·A), one per channel, state and step, is most of its
// work).
static inline vf vexp(vf x) {
    // Clamped so that 2ⁿ stays a finite normal float (n ≤ 127): e^88.3 ≈ 2.1e38 is the largest
    // result, never ∞, which keeps 1/(1 + eˣ) in SiLU well defined through vrcp.
    x = __builtin_elementwise_min(__builtin_elementwise_max(x, vsplat(-87.3f)), vsplat(88.3f));
#if defined(__AVX512F__)
    vf n = (vf)_mm512_roundscale_ps((__m512)(x * 1.44269504088896341f), _MM_FROUND_TO_NEAREST_INT | _MM_FROUND_NO_EXC);
#else
    const vf magic = vsplat(12582912.0f);                 // 1.5·2²³: adding it rounds to an integer
    vf t = x * 1.44269504088896341f + magic;
    vf n = t - magic;
#endif
    vf r = x - n * 0.693359375f;
    r = r - n * -2.12194440e-4f;
    vf p = vsplat(0.00138368458f);
    p = p * r + 0.00837481581f;
    p = p * r + 0.0416682251f;
    p = p * r + 0.166664198f;
    p = p * r + 0.499999911f;
    p = p * r + 1.0f;
    p = p * r + 1.0f;
#if defined(__AVX512F__)
    return (vf)_mm512_scalef_ps((__m512)p, (__m512)n);
#else
    vi ni = (vi)t - 0x4B400000;                           // n, from the low bits of t's pattern
    return p * (vf)((ni + 127) << 23);
#endif
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

// GELU(x) = x·Φ(x), with Φ(x) = 1 − T(|x|) for x ≥ 0 and T(|x|) below, T(a) = Φ(−a) = ½erfc(a/√2).
// T is a table of 32 cubics, one per interval of width h = 5.2/31.5 centred on a = j·h: j is a
// rounded to the nearest multiple of h, f = a/h − j ∈ [−½, ½], T ≈ c₀[j] + f(c₁[j] + f(c₂[j] + f·c₃[j])).
// Each coefficient column is 32 floats, two registers, looked up for all 16 lanes by one
// two-table permute (vpermt2ps reads only the index's low 5 bits, which are j's bits in the
// rounding trick's pattern). The permutes share a pipe with the multiply-adds on Zen 4, so each
// column costs: quartics on [0, 6] (stops 20–22) took 0.98 µs per 4096 values, these cubics 0.84,
// and the 3×3 depthwise + GELU on S's stage-1 map 179 → 158 µs (tools/bench/kernel_ab). Error:
// max |error| / max(1, |x|) 1.7e-7 against double erfc (the quartics' 7e-8; A&S 7.1.28's 1/P(a)¹⁶,
// before stop 20, 5.2e-7), ~3 float ulps near x = 1 and far inside the model's 1e-4. It is the
// most evaluated function of a forward pass: twice per MLP hidden value.
// Coefficients: the minimax fit of each interval's GELU error, in double, rounded to float
// (tools/gelu_table.py prints these tables and says how).
// Above a = 5.2 (j = 31 is clamped to a ≤ 31.49h ≈ 5.198) T is below 1e-7, so x − x·T is x to
// 1e-7·x; below −5.2 the product uses the clamped |x|, ~−5e-7, the 0 it should be within the same
// bound (|x|·T at the clamp would grow with |x|). x = ±0, +∞ and NaN come out as themselves, −∞ as
// ≈ −5e-7.
static const float gelu_c0[32] = {0.5f, 0.434440792f, 0.370640099f, 0.310216159f, 0.254525185f, 0.204573303f, 0.160970822f, 0.123931594f, 0.0933116302f, 0.0686773956f, 0.0493903682f, 0.0346949175f, 0.0237982832f, 0.01593519f, 0.0104133235f, 0.00663960073f, 0.00412976416f, 0.00250529218f, 0.00148206891f, 0.000854848942f, 0.000480686227f, 0.00026347005f, 0.000140750155f, 7.32773697e-05f, 3.7175203e-05f, 1.8376466e-05f, 8.85037571e-06f, 4.15260956e-06f, 1.89806633e-06f, 8.4509611e-07f, 3.66505731e-07f, 1.54814913e-07f};
static const float gelu_c1[32] = {-0.065857105f, -0.0649657026f, -0.0623636693f, -0.0582564697f, -0.0529567897f, -0.0468450934f, -0.0403247662f, -0.0337788239f, -0.0275347922f, -0.0218415782f, -0.0168597493f, -0.0126643572f, -0.00925720949f, -0.0065847896f, -0.00455793925f, -0.00307015306f, -0.0020124095f, -0.00128362293f, -0.000796752283f, -0.000481253519f, -0.000282871537f, -0.000161796546f, -9.00562591e-05f, -4.87779071e-05f, -2.57096999e-05f, -1.31866782e-05f, -6.58170393e-06f, -3.19672836e-06f, -1.51090637e-06f, -6.94918299e-07f, -3.1102428e-07f, -1.35462528e-07f};
static const float gelu_c2[32] = {1.47982902e-07f, 0.000883798639f, 0.00169673935f, 0.00237764278f, 0.00288209156f, 0.00318727572f, 0.00329293776f, 0.0032187507f, 0.00299928128f, 0.00267723226f, 0.00229688012f, 0.00189846999f, 0.0015144113f, 0.00116744323f, 0.000870619959f, 0.000628605776f, 0.000439715717f, 0.000298156432f, 0.000196060151f, 0.000125074948f, 7.74328073e-05f, 4.65340527e-05f, 2.71524586e-05f, 1.53860638e-05f, 8.46842158e-06f, 4.52794393e-06f, 2.35224479e-06f, 1.18740627e-06f, 5.82503162e-07f, 2.77728958e-07f, 1.28708024e-07f, 5.79809765e-08f};
static const float gelu_c3[32] = {0.000298433326f, 0.000285792979f, 0.000251323829f, 0.000198860565f, 0.000135053589f, 6.74595067e-05f, 3.46614002e-06f, -5.11898434e-05f, -9.2771319e-05f, -0.000119498487f, -0.000131869077f, -0.000131972163f, -0.000122836151f, -0.000107776643f, -8.98646904e-05f, -7.1582137e-05f, -5.46698502e-05f, -4.01380457e-05f, -2.83843983e-05f, -1.93629658e-05f, -1.2756962e-05f, -8.12491453e-06f, -5.00637725e-06f, -2.98634927e-06f, -1.72545595e-06f, -9.66076755e-07f, -5.2436485e-07f, -2.76004386e-07f, -1.40924413e-07f, -6.98161173e-08f, -3.35677726e-08f, -1.56665632e-08f};
#if defined(__AVX2__) && !defined(__AVX512F__)
// AVX2's GELU: the same T(|x|) with 8 quintics on [0, 5.2] (h = 5.2/7.5), so that each coefficient
// column is 8 floats, one register, looked up by one vpermps (its index's low 3 bits are j's);
// AVX2 has no two-table permute, and the 32 cubics would take four permutes and three blends per
// column. Fit 1.1e-7 (tools/gelu_table.py), the cubics' bound. vminps and vmaxps take their second
// operand on NaN and on ±0 as in the AVX-512 path, so NaN, ±0 and +∞ come out as themselves.
// Until stop 24, AVX2 machines ran A&S 7.1.28's erf (below), 5.2e-7 off: VectorMathTests failed
// there. The speed is the same on Zen 3 (2.2 µs per 4096 values; the permutes and the
// multiply-adds share two pipes).
static const float gelu8_c0[8] = {0.5f, 0.244050324f, 0.0827717111f, 0.0187626984f, 0.00277425745f, 0.000263487367f, 1.59155134e-05f, 6.07406719e-07f};
static const float gelu8_c1[8] = {-0.276600718f, -0.21750313f, -0.105757765f, -0.0317969732f, -0.00591136701f, -0.000679559191f, -4.83091826e-05f, -2.12397845e-06f};
static const float gelu8_c2[8] = {5.47969194e-06f, 0.0522673056f, 0.0508393161f, 0.0229326375f, 0.00568373408f, 0.00081596052f, 6.9436348e-05f, 3.54423219e-06f};
static const float gelu8_c3[8] = {0.0221514236f, 0.00903659873f, -0.00781590864f, -0.00847509876f, -0.00317008607f, -0.000599764986f, -6.29892456e-05f, -3.81601467e-06f};
static const float gelu8_c4[8] = {-2.70386226e-05f, -0.00515119731f, -0.00219908147f, 0.00116610224f, 0.00106407655f, 0.000302663946f, 4.23175916e-05f, 3.23698691e-06f};
static const float gelu8_c5[8] = {-0.00151675113f, -0.000107819462f, 0.000960247766f, 0.000266455027f, -0.000175692476f, -9.92358837e-05f, -1.92529205e-05f, -1.84114856e-06f};
static inline vf_half vgelu8(vf_half x) {
    vf_half ax = __builtin_elementwise_abs(x);
    vf_half az = (vf_half)_mm256_min_ps((__m256)ax, _mm256_set1_ps(5.193066667f));
    const vf_half magic = (vf_half)12582912.0f;
    vf_half t = az * 1.442307692f + magic;
    vf_half f = az * 1.442307692f - (t - magic);
    __m256i j = (__m256i)t;
#define VGELU8_COLUMN(c) ((vf_half)_mm256_permutevar8x32_ps(_mm256_loadu_ps(c), j))
    vf_half p = VGELU8_COLUMN(gelu8_c5);
    p = p * f + VGELU8_COLUMN(gelu8_c4);
    p = p * f + VGELU8_COLUMN(gelu8_c3);
    p = p * f + VGELU8_COLUMN(gelu8_c2);
    p = p * f + VGELU8_COLUMN(gelu8_c1);
    vf_half tail = p * f + VGELU8_COLUMN(gelu8_c0);
#undef VGELU8_COLUMN
    return (vf_half)_mm256_max_ps(_mm256_setzero_ps(), (__m256)x) - az * tail;
}
#endif
static inline vf vgelu(vf x) {
#if defined(__AVX512F__)
    vf ax = __builtin_elementwise_abs(x);
    // vminps returns its second operand when either is NaN: NaN takes the clamp and stays a
    // finite index (the NaN comes back through x below).
    vf az = (vf)_mm512_min_ps((__m512)ax, (__m512)vsplat(5.198349206f));
    const vf magic = vsplat(12582912.0f);                 // 1.5·2²³: adding it rounds to an integer
    vf t = az * 6.057692308f + magic;                     // 1/h = 31.5 / 5.2
    vf f = az * 6.057692308f - (t - magic);
    __m512i j = (__m512i)t;
#define VGELU_COLUMN(c) ((vf)_mm512_permutex2var_ps((__m512)vload(c), j, (__m512)vload((c) + 16)))
    vf p = VGELU_COLUMN(gelu_c3);
    p = p * f + VGELU_COLUMN(gelu_c2);
    p = p * f + VGELU_COLUMN(gelu_c1);
    vf tail = p * f + VGELU_COLUMN(gelu_c0);
#undef VGELU_COLUMN
    // x·Φ(x) = max(x, 0) − |x|·T(|x|) on both sides of 0, one multiply-add: x ≥ 0 gives
    // x − x·T = x·(1 − T), x < 0 gives x·T. vmaxps returns x (its second operand) when x is NaN
    // or ±0, so NaN stays NaN and −0 stays −0.
    return (vf)_mm512_max_ps((__m512)vsplat(0.0f), (__m512)x) - az * tail;
#elif defined(__AVX2__)
    return __builtin_shufflevector(vgelu8(x.lo), vgelu8(x.hi), 0, 1, 2, 3, 4, 5, 6, 7, 8, 9, 10, 11, 12, 13, 14, 15);
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

// vact on one register: with AVX2 the 8 lanes go through the 16-lane code twice over (the same
// lanes in both halves), which the compiler folds into one; the bits are vact's.
static inline vn vn_act(vn y, int act) {
#if defined(__AVX512F__)
    return vact(y, act);
#else
    vf w = __builtin_shufflevector(y, y, 0, 1, 2, 3, 4, 5, 6, 7, 0, 1, 2, 3, 4, 5, 6, 7);
    return vact(w, act).lo;
#endif
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
