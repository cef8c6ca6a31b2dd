// The four-direction selective scan of PlainMamba2D, sixteen channels at a time.
#include "ckernels.h"
#include "vmath.h"

// For one block of 16 channels everything a step needs is a few registers: h (N vectors),
// Δ_t and u_{o(t)} (one vector each), and the scalars B_t + direction_Bs[d] (from `btab`) and C_t.
// exp(Δ_t·A) depends only on t (Δ is shared by the four scans), so it is computed once per block
// into `dec` (L·N vectors) and read by all four directions. `NN` is a compile-time 16 for the
// models' d_state, so h stays in registers (with a run-time N it lived on the stack and every
// step loaded and stored it); other state sizes take the same code with NN = N.
__attribute__((always_inline)) static inline void scan_block(
        long L, long E, const long NN, const float *u, const float *delta, const float *A,
        const float *C, const float *D, const float *btab, const int32_t *orders, const int32_t *enabled,
        float *ysum, float *out, float *hidden, float *hnorm2, float *decay_means, vf_unaligned *dec,
        long c0, long lanes) {
    vf a[NN], h[NN];
    // A for these channels, transposed to one vector per state index.
    for (long n = 0; n < NN; n++) {
        float col[16] = {0};
        for (long l = 0; l < lanes; l++) col[l] = A[(c0 + l) * NN + n];
        a[n] = vload(col);
    }
    vf d = lanes == 16 ? vload(D + c0) : vload_part(D + c0, lanes);
    for (long t = 0; t < L; t++) {
        vf dt = lanes == 16 ? vload(delta + t * E + c0) : vload_part(delta + t * E + c0, lanes);
        for (long n = 0; n < NN; n++) dec[t * NN + n] = vexp(dt * a[n]);
        if (decay_means) {
            float *dm = decay_means + (c0 / 16) * NN * L;
            vf v[NN];
            for (long n = 0; n < NN; n++) {
                v[n] = dec[t * NN + n];
                if (lanes < 16) { float tmp[16]; vstore(tmp, v[n]); for (long l = lanes; l < 16; l++) tmp[l] = 0; v[n] = vload(tmp); }
            }
            if (NN == 16) {
                float sums[16];
                vstore(sums, vsum16x16(v));
                for (long n = 0; n < 16; n++) dm[n * L + t] = sums[n] / (float)E;
            } else {
                for (long n = 0; n < NN; n++) dm[n * L + t] = vsum(v[n]) / (float)E;
            }
        }
    }
    for (long k = 0; k < 4; k++) {
        float *ok = out ? out + k * L * E : 0;
        if (!enabled[k]) {
            // A disabled scan contributes zeros (and y = 0 + … keeps the sum's order).
            for (long t = 0; t < L; t++) for (long l = 0; l < lanes; l++) {
                if (ok) ok[t * E + c0 + l] = 0;
                if (k == 0) ysum[t * E + c0 + l] = 0;
            }
            if (hnorm2) for (long t = 0; t < L; t++) for (long n = 0; n < NN; n++) hnorm2[(c0 / 16) * 4 * L * NN + (k * L + t) * NN + n] = 0;
            continue;
        }
        for (long n = 0; n < NN; n++) h[n] = vsplat(0);
        const int32_t *order = orders + k * L;
        for (long t = 0; t < L; t++) {
            long p = order[t];
            const float *bk = btab + (k * L + t) * NN, *ck = C + t * NN;
            vf ut = lanes == 16 ? vload(u + p * E + c0) : vload_part(u + p * E + c0, lanes);
            vf dt = lanes == 16 ? vload(delta + t * E + c0) : vload_part(delta + t * E + c0, lanes);
            vf du = dt * ut;
            // Σₙ C·h in two interleaved partial sums: one chain of N dependent adds would make
            // every step wait N multiply-add latencies.
            vf y0 = vsplat(0), y1 = vsplat(0);
            for (long n = 0; n < NN; n++) {
                vf v = dec[t * NN + n] * h[n] + du * bk[n];
                h[n] = v;
                if (n % 2 == 0) y0 += ck[n] * v; else y1 += ck[n] * v;
            }
            vf y = (y0 + y1) + d * ut;
            float *sp = ysum + p * E + c0;
            if (lanes == 16) {
                if (ok) vstore(ok + p * E + c0, y);
                vstore(sp, k == 0 ? y : vload(sp) + y);
            } else {
                if (ok) vstore_part(ok + p * E + c0, y, lanes);
                vstore_part(sp, k == 0 ? y : vload_part(sp, lanes) + y, lanes);
            }
            if (hidden) {
                float *base = hidden + ((k * L + t) * E + c0) * NN;
                for (long n = 0; n < NN; n++) {
                    float tmp[16];
                    vstore(tmp, h[n]);
                    for (long l = 0; l < lanes; l++) base[l * NN + n] = tmp[l];
                }
            }
            if (hnorm2) {
                float *row = hnorm2 + (c0 / 16) * 4 * L * NN + (k * L + t) * NN;
                if (NN == 16) {
                    vf sq[16];
                    for (long n = 0; n < 16; n++) sq[n] = h[n] * h[n];
                    vstore(row, vsum16x16(sq));
                } else {
                    for (long n = 0; n < NN; n++) row[n] = vsum(h[n] * h[n]);
                }
            }
        }
    }
}

__attribute__((noinline)) static void scan_blocks16(long L, long E, const float *u, const float *delta, const float *A,
        const float *C, const float *D, const float *btab, const int32_t *orders, const int32_t *enabled,
        float *ysum, float *out, float *hidden, float *hnorm2, float *decay_means, vf_unaligned *dec, long e0, long e1) {
    for (long c0 = e0; c0 < e1; c0 += 16)
        scan_block(L, E, 16, u, delta, A, C, D, btab, orders, enabled, ysum, out, hidden, hnorm2, decay_means, dec,
                   c0, e1 - c0 < 16 ? e1 - c0 : 16);
}

__attribute__((noinline)) static void scan_blocks(long L, long E, long N, const float *u, const float *delta, const float *A,
        const float *C, const float *D, const float *btab, const int32_t *orders, const int32_t *enabled,
        float *ysum, float *out, float *hidden, float *hnorm2, float *decay_means, vf_unaligned *dec, long e0, long e1) {
    for (long c0 = e0; c0 < e1; c0 += 16)
        scan_block(L, E, N, u, delta, A, C, D, btab, orders, enabled, ysum, out, hidden, hnorm2, decay_means, dec,
                   c0, e1 - c0 < 16 ? e1 - c0 : 16);
}

void vck_scan4(long L, long E, long N, const float *u, const float *delta, const float *A,
               const float *Bdir, const float *C, const float *D,
               const int32_t *orders, const int32_t *enabled,
               float *ysum, float *out, float *hidden, float *hnorm2, float *decay_means, float *scratch,
               long e0, long e1) {
    vf_unaligned *dec = (vf_unaligned *)scratch;
    if (N == 16) scan_blocks16(L, E, u, delta, A, C, D, Bdir, orders, enabled, ysum, out, hidden, hnorm2, decay_means, dec, e0, e1);
    else scan_blocks(L, E, N, u, delta, A, C, D, Bdir, orders, enabled, ysum, out, hidden, hnorm2, decay_means, dec, e0, e1);
}
