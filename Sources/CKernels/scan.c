// The four-direction selective scan of PlainMamba2D, sixteen channels at a time.
#include "ckernels.h"
#include "vmath.h"

// For one block of 16 channels everything a step needs is a few registers: h (N vectors, in a
// small array that stays in L1), Δ_t and u_{o(t)} (one vector each), and the scalars B_t, C_t.
// exp(Δ_t·A) depends only on t (Δ is shared by the four scans), so it is computed once per block
// into `scratch` (L·N vectors) and read by all four directions.
void vck_scan4(long L, long E, long N, const float *u, const float *delta, const float *A,
               const float *B, const float *C, const float *D, const float *dirB,
               const int32_t *orders, const int32_t *dirs, const int32_t *enabled,
               float *ysum, float *out, float *hidden, float *hnorm2, float *decay_means, float *scratch,
               long e0, long e1) {
    vf h[N], a[N];
    float bt[N];
    for (long c0 = e0; c0 < e1; c0 += 16) {
        long lanes = e1 - c0 < 16 ? e1 - c0 : 16;
        // A for these channels, transposed to one vector per state index.
        for (long n = 0; n < N; n++) {
            float col[16] = {0};
            for (long l = 0; l < lanes; l++) col[l] = A[(c0 + l) * N + n];
            a[n] = vload(col);
        }
        vf d = lanes == 16 ? vload(D + c0) : vload_part(D + c0, lanes);
        vf_unaligned *dec = (vf_unaligned *)scratch;
        for (long t = 0; t < L; t++) {
            vf dt = lanes == 16 ? vload(delta + t * E + c0) : vload_part(delta + t * E + c0, lanes);
            for (long n = 0; n < N; n++) dec[t * N + n] = vexp(dt * a[n]);
            if (decay_means) {
                float *dm = decay_means + (c0 / 16) * N * L;
                for (long n = 0; n < N; n++) {
                    vf v = dec[t * N + n];
                    if (lanes < 16) { float tmp[16]; vstore(tmp, v); for (long l = lanes; l < 16; l++) tmp[l] = 0; v = vload(tmp); }
                    dm[n * L + t] = vsum(v) / (float)E;
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
                if (hnorm2) for (long t = 0; t < L; t++) for (long n = 0; n < N; n++) hnorm2[(c0 / 16) * 4 * L * N + (k * L + t) * N + n] = 0;
                continue;
            }
            for (long n = 0; n < N; n++) h[n] = vsplat(0);
            const int32_t *order = orders + k * L, *dir = dirs + k * L;
            for (long t = 0; t < L; t++) {
                long p = order[t];
                const float *dbk = dirB + (long)dir[t] * N, *bk = B + t * N, *ck = C + t * N;
                vf ut = lanes == 16 ? vload(u + p * E + c0) : vload_part(u + p * E + c0, lanes);
                vf dt = lanes == 16 ? vload(delta + t * E + c0) : vload_part(delta + t * E + c0, lanes);
                vf du = dt * ut;
                for (long n = 0; n < N; n++) bt[n] = bk[n] + dbk[n];
                // Σₙ C·h in two interleaved partial sums: one chain of N dependent adds would
                // make every step wait N multiply-add latencies.
                vf y0 = vsplat(0), y1 = vsplat(0);
                long n = 0;
                for (; n + 2 <= N; n += 2) {
                    vf v0 = dec[t * N + n] * h[n] + du * bt[n];
                    vf v1 = dec[t * N + n + 1] * h[n + 1] + du * bt[n + 1];
                    h[n] = v0; h[n + 1] = v1;
                    y0 += ck[n] * v0;
                    y1 += ck[n + 1] * v1;
                }
                if (n < N) {
                    vf v = dec[t * N + n] * h[n] + du * bt[n];
                    h[n] = v;
                    y0 += ck[n] * v;
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
                    float *base = hidden + ((k * L + t) * E + c0) * N;
                    for (long n = 0; n < N; n++) {
                        float tmp[16];
                        vstore(tmp, h[n]);
                        for (long l = 0; l < lanes; l++) base[l * N + n] = tmp[l];
                    }
                }
                if (hnorm2) {
                    float *row = hnorm2 + (c0 / 16) * 4 * L * N + (k * L + t) * N;
                    for (long n = 0; n < N; n++) row[n] = vsum(h[n] * h[n]);
                }
            }
        }
    }
}
