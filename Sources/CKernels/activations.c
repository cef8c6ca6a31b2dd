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
