// Elementwise activations and the fused per-row epilogues of GEMMs.
#include "ckernels.h"
#include "vmath.h"

// One loop per function, so each is inlined into its own loop.
#define VCK_APPLY(name, f)                                              \
    void name(float *p, long n) {                                       \
        long i = 0;                                                     \
        for (; i + 16 <= n; i += 16) vstore(p + i, f(vload(p + i)));    \
        if (i < n) vstore_part(p + i, f(vload_part(p + i, n - i)), n - i); \
    }

VCK_APPLY(vck_exp, vexp)
VCK_APPLY(vck_gelu, vgelu)
VCK_APPLY(vck_silu, vsilu)
VCK_APPLY(vck_softplus, vsoftplus)

// g ⊙ gelu′(x) in one pass: Φ(x) + x·φ(x), with Φ from the forward's erf and φ(x) = e^(−x²/2)/√(2π).
static inline vf vgelu_grad(vf x) {
    return 0.5f * (1.0f + verf(x * 0.70710678118654752f)) + x * 0.39894228040143268f * vexp(-0.5f * x * x);
}

void vck_gelu_backward(const float *pre, float *g, long n) {
    long i = 0;
    for (; i + 16 <= n; i += 16) vstore(g + i, vload(g + i) * vgelu_grad(vload(pre + i)));
    if (i < n) vstore_part(g + i, vload_part(g + i, n - i) * vgelu_grad(vload_part(pre + i, n - i)), n - i);
}

void vck_affine_act(float *d, long c, const float *scale, const float *shift, int act, long r0, long r1) {
    // The switch sits outside the loops: one specialised loop per activation.
    switch (act) {
    case VCK_ACT_NONE: for (long r = r0; r < r1; r++) vck_affine_row(d + r * c, c, scale, shift, VCK_ACT_NONE); break;
    case VCK_ACT_RELU: for (long r = r0; r < r1; r++) vck_affine_row(d + r * c, c, scale, shift, VCK_ACT_RELU); break;
    case VCK_ACT_GELU: for (long r = r0; r < r1; r++) vck_affine_row(d + r * c, c, scale, shift, VCK_ACT_GELU); break;
    case VCK_ACT_SILU: for (long r = r0; r < r1; r++) vck_affine_row(d + r * c, c, scale, shift, VCK_ACT_SILU); break;
    }
}

void vck_residual(float *x, const float *acc, long c, const float *scale, const float *shift,
                  const float *gain, long r0, long r1) {
    for (long r = r0; r < r1; r++) vck_residual_row(x + r * c, acc + r * c, c, scale, shift, gain);
}
