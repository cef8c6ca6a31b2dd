// The reverse of the four-direction selective scan (vck_scan4), sixteen channels at a time.
// The Swift loop `SelectiveScan.backwardReference` is the readable form and what this is tested
// against; the recurrences are spelled out in Sources/VCEngine/Kernels/SelectiveScanBackward.swift.
#include "ckernels.h"
#include "vmath.h"

// One block of 16 channels: exp(Δ_t·A) once into `dec` (L·N vectors, shared by the four scans),
// then per scan the states h_t recomputed into `hs` ((L + 1)·N vectors, hs[0] = 0) and the reverse
// walk with the state gradient in registers. The sums over channels (dB, dC, d direction_Bs) are
// horizontal sums of the block's lanes, written to the block's own rows; lanes past `lanes` load
// as zeros (Δ = 0, u = 0, dy = 0), so their states and gradients stay 0 and add nothing.
__attribute__((always_inline)) static inline void scan_back_block(
        long L, long E, const long NN, const float *u, const float *delta, const float *A,
        const float *Bdir, const float *C, const float *D, const int32_t *orders, const int32_t *dirs,
        const int32_t *enabled, const float *dy, float *du, float *ddelta, float *dD,
        float *gB, float *gC, float *gDir, vf_unaligned *dec, long c0, long lanes) {
    vf_unaligned *hs = dec + L * NN;
    vf a[NN];
    for (long n = 0; n < NN; n++) {
        float col[16] = {0};
        for (long l = 0; l < lanes; l++) col[l] = A[(c0 + l) * NN + n];
        a[n] = vload(col);
    }
    #define LOAD(p) (lanes == 16 ? vload(p) : vload_part(p, lanes))
    #define STORE(p, v) do { if (lanes == 16) vstore(p, v); else vstore_part(p, v, lanes); } while (0)
    vf d = LOAD(D + c0);
    for (long t = 0; t < L; t++) {
        vf dt = LOAD(delta + t * E + c0);
        for (long n = 0; n < NN; n++) dec[t * NN + n] = vexp(dt * a[n]);
    }
    long blk = c0 / 16;
    float *bB = gB + blk * L * NN, *bC = gC + blk * L * NN, *bDir = gDir + blk * 5 * NN;
    for (long i = 0; i < L * NN; i++) { bB[i] = 0; bC[i] = 0; }
    for (long i = 0; i < 5 * NN; i++) bDir[i] = 0;
    vf dDv = vsplat(0);
    for (long k = 0; k < 4; k++) {
        if (!enabled[k]) continue;
        const int32_t *order = orders + k * L, *dk = dirs + k * L;
        for (long n = 0; n < NN; n++) hs[n] = vsplat(0);
        for (long t = 0; t < L; t++) {
            long p = order[t];
            vf dtu = LOAD(delta + t * E + c0) * LOAD(u + p * E + c0);
            const float *bk = Bdir + (k * L + t) * NN;
            for (long n = 0; n < NN; n++) hs[(t + 1) * NN + n] = dec[t * NN + n] * hs[t * NN + n] + dtu * bk[n];
        }
        vf gh[NN];
        for (long n = 0; n < NN; n++) gh[n] = vsplat(0);
        for (long t = L - 1; t >= 0; t--) {
            long p = order[t];
            vf ut = LOAD(u + p * E + c0), dt = LOAD(delta + t * E + c0), yb = LOAD(dy + (k * L + p) * E + c0);
            vf dtu = dt * ut;
            const float *bk = Bdir + (k * L + t) * NN, *ck = C + t * NN;
            vf duAcc = vsplat(0), ddAcc = vsplat(0);
            vf cB[NN], cC[NN];
            for (long n = 0; n < NN; n++) {
                vf at = dec[t * NN + n];
                vf gv = gh[n] + yb * ck[n];
                cC[n] = yb * hs[(t + 1) * NN + n];
                duAcc += gv * bk[n];
                ddAcc += gv * (a[n] * at * hs[t * NN + n] + bk[n] * ut);
                cB[n] = gv * dtu;
                gh[n] = at * gv;
            }
            float *rowB = bB + t * NN, *rowC = bC + t * NN, *rowD = bDir + dk[t] * NN;
            if (NN == 16) {
                vf sB = vsum16x16(cB), sC = vsum16x16(cC);
                vstore(rowB, vload(rowB) + sB);
                vstore(rowC, vload(rowC) + sC);
                vstore(rowD, vload(rowD) + sB);
            } else {
                for (long n = 0; n < NN; n++) {
                    float sB = vsum(cB[n]);
                    rowB[n] += sB; rowC[n] += vsum(cC[n]); rowD[n] += sB;
                }
            }
            STORE(du + p * E + c0, LOAD(du + p * E + c0) + d * yb + duAcc * dt);
            STORE(ddelta + t * E + c0, LOAD(ddelta + t * E + c0) + ddAcc);
            dDv += yb * ut;
        }
    }
    STORE(dD + c0, LOAD(dD + c0) + dDv);
    #undef LOAD
    #undef STORE
}

__attribute__((noinline)) static void scan_back_blocks16(long L, long E, const float *u, const float *delta,
        const float *A, const float *Bdir, const float *C, const float *D, const int32_t *orders, const int32_t *dirs,
        const int32_t *enabled, const float *dy, float *du, float *ddelta, float *dD, float *gB, float *gC,
        float *gDir, vf_unaligned *dec, long e0, long e1) {
    for (long c0 = e0; c0 < e1; c0 += 16)
        scan_back_block(L, E, 16, u, delta, A, Bdir, C, D, orders, dirs, enabled, dy, du, ddelta, dD, gB, gC, gDir,
                        dec, c0, e1 - c0 < 16 ? e1 - c0 : 16);
}

__attribute__((noinline)) static void scan_back_blocks(long L, long E, long N, const float *u, const float *delta,
        const float *A, const float *Bdir, const float *C, const float *D, const int32_t *orders, const int32_t *dirs,
        const int32_t *enabled, const float *dy, float *du, float *ddelta, float *dD, float *gB, float *gC,
        float *gDir, vf_unaligned *dec, long e0, long e1) {
    for (long c0 = e0; c0 < e1; c0 += 16)
        scan_back_block(L, E, N, u, delta, A, Bdir, C, D, orders, dirs, enabled, dy, du, ddelta, dD, gB, gC, gDir,
                        dec, c0, e1 - c0 < 16 ? e1 - c0 : 16);
}

void vck_scan4_backward(long L, long E, long N, const float *u, const float *delta, const float *A,
                        const float *Bdir, const float *C, const float *D,
                        const int32_t *orders, const int32_t *dirs, const int32_t *enabled, const float *dy,
                        float *du, float *ddelta, float *dD, float *gB, float *gC, float *gDir, float *scratch,
                        long e0, long e1) {
    vf_unaligned *dec = (vf_unaligned *)scratch;
    if (N == 16) scan_back_blocks16(L, E, u, delta, A, Bdir, C, D, orders, dirs, enabled, dy, du, ddelta, dD, gB, gC, gDir, dec, e0, e1);
    else scan_back_blocks(L, E, N, u, delta, A, Bdir, C, D, orders, dirs, enabled, dy, du, ddelta, dD, gB, gC, gDir, dec, e0, e1);
}
