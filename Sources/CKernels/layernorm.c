// LayerNorm over the channels of each token, channels-last.
#include "ckernels.h"
#include "vmath.h"

// The mean and the variance as sixteen lane sums each (two registers, so consecutive adds do not
// wait on each other), then one horizontal sum. Summed one channel after another, as the Swift
// loop did, each token's two reductions were chains of c dependent adds: ~60 µs per Mamba layer
// of VCMamba-S (49 tokens × 576 channels), about what its 1×1 convolutions take.
// Two passes: a first mean m₀, then Σ(x − m₀) and Σ(x − m₀)² together, so that rows far from zero
// mean keep their precision (mean = m₀ + Σ(x − m₀)/c, var = Σ(x − m₀)²/c − (Σ(x − m₀)/c)²).
static inline void row_sums(const float *x, long c, float m0, float *sum, float *squares) {
    vf s0 = vsplat(0), s1 = vsplat(0), q0 = vsplat(0), q1 = vsplat(0);
    vf m = vsplat(m0);
    long ch = 0;
    for (; ch + 32 <= c; ch += 32) {
        vf a = vload(x + ch) - m, b = vload(x + ch + 16) - m;
        s0 += a; s1 += b;
        q0 += a * a; q1 += b * b;
    }
    for (; ch + 16 <= c; ch += 16) {
        vf a = vload(x + ch) - m;
        s0 += a; q0 += a * a;
    }
    if (ch < c) {
        // Lanes past c must stay zero: the load's zeros minus m₀ would not be.
        float t[16] = {0};
        for (long i = 0; i < c - ch; i++) t[i] = x[ch + i] - m0;
        vf a = vload(t);
        s1 += a; q1 += a * a;
    }
    *sum = vsum(s0 + s1);
    *squares = vsum(q0 + q1);
}

void vck_layernorm(float *d, long rows, long c, const float *weight, const float *bias, float eps) {
    for (long p = 0; p < rows; p++) {
        float *x = d + p * c;
        float s, q;
        row_sums(x, c, 0, &s, &q);
        float m0 = s / (float)c;
        row_sums(x, c, m0, &s, &q);
        float dm = s / (float)c;
        float var = q / (float)c - dm * dm;
        // x − mean as (x − m₀) − dm: m₀ + dm rounded to a float would lose what dm adds.
        vf inv = vsplat(1.0f / __builtin_sqrtf(var + eps)), m = vsplat(m0), dmv = vsplat(dm);
        long ch = 0;
        for (; ch + 16 <= c; ch += 16)
            vstore(x + ch, ((vload(x + ch) - m) - dmv) * inv * vload(weight + ch) + vload(bias + ch));
        if (ch < c) {
            long n = c - ch;
            vstore_part(x + ch, ((vload_part(x + ch, n) - m) - dmv) * inv * vload_part(weight + ch, n) + vload_part(bias + ch, n), n);
        }
    }
}
