// The Mamba mixer's Δ from x_proj's dt columns, a few tokens at a time, in registers.
#include "ckernels.h"
#include "vmath.h"

// dt_proj is a product with only r = dt_rank inputs (18 for VCMamba-S, 32 for B): too few for a
// GEMM's blocking (oneDNN took ~18 µs for S's 49 × 576 × 18, whose arithmetic is ~4 µs), and its
// output was then read twice more by Swift loops adding nn.Linear's bias and the selective scan's
// delta_bias (the same bias again) and by softplus. Here four tokens × 64 outputs accumulate in
// sixteen registers over the r inputs in order (one multiply-add each), so that each weight
// vector loaded serves four tokens (one token at a time, the loads of the weights from L1/L2 were
// the limit: 14 µs for S's shape); the bias is added as they are stored; then each token's row,
// still in L1, gets the bias again and softplus.
__attribute__((always_inline)) static inline vf wload(const float *p, long n) { return n >= 16 ? vload(p) : vload_part(p, n); }
__attribute__((always_inline)) static inline void wstore(float *p, vf v, long n) { if (n >= 16) vstore(p, v); else vstore_part(p, v, n); }

// Tokens t .. t + T − 1 (T ≤ 4), outputs e0 .. e0 + 63 (n0 = e − e0 of them are real, ≥ 1).
__attribute__((always_inline)) static inline void block(const float *x, long ldx, long r, const float *wt, const float *bias,
                                                        long e, float *dtp, long t, const int T, long e0) {
    vf a[4][4];
    for (int i = 0; i < T; i++) for (int q = 0; q < 4; q++) a[i][q] = vsplat(0);
    long n0 = e - e0;
    for (long k = 0; k < r; k++) {
        const float *wp = wt + k * e + e0;
        vf w[4];
        for (int q = 0; q < 4; q++) w[q] = n0 >= 16 * (q + 1) ? vload(wp + 16 * q) : n0 > 16 * q ? vload_part(wp + 16 * q, n0 - 16 * q) : vsplat(0);
        for (int i = 0; i < T; i++) {
            vf xv = vsplat(x[(t + i) * ldx + k]);
            for (int q = 0; q < 4; q++) a[i][q] += xv * w[q];
        }
    }
    for (int q = 0; q < 4 && n0 > 16 * q; q++) {
        long n = n0 - 16 * q;
        vf b = wload(bias + e0 + 16 * q, n);
        for (int i = 0; i < T; i++) wstore(dtp + (t + i) * e + e0 + 16 * q, a[i][q] + b, n);
    }
}

void vck_dt_proj(const float *x, long ldx, long r, const float *wt, const float *bias, long e,
                 float *dtp, float *pre, float *delta, long t0, long t1) {
    long t = t0;
    for (; t + 4 <= t1; t += 4) for (long e0 = 0; e0 < e; e0 += 64) block(x, ldx, r, wt, bias, e, dtp, t, 4, e0);
    for (; t < t1; t++) for (long e0 = 0; e0 < e; e0 += 64) block(x, ldx, r, wt, bias, e, dtp, t, 1, e0);
    for (t = t0; t < t1; t++) {
        for (long e0 = 0; e0 < e; e0 += 16) {
            long n = e - e0, o = t * e + e0;
            vf p = wload(dtp + o, n) + wload(bias + e0, n);
            wstore(delta + o, vsoftplus(p), n);
            if (pre) wstore(pre + o, p, n);
        }
    }
}
