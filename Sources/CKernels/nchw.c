// Channels-last (L, C) to channels-first (C, L) with a per-channel affine map on the way: the
// layout observers and dumps get (PyTorch's NCHW).
#include "ckernels.h"
#include "vmath.h"

// x·scale + shift as two roundings, as the Swift loop this replaced computed it, so observers see
// the same bits as before (vmath.h asks for fused multiply-adds; not here).
#pragma clang fp contract(off)

// Read with a stride of C floats, written contiguously, the loop in Swift spent ~1–2 ns per value
// (an observer of every block output of VCMamba-B, 2.1 M values a pass, cost +26% of a two-thread
// pass). Here 16 tokens × 16 channels are loaded as 16 vectors, mapped, and transposed in
// registers by four rounds of interleaving row i with row i + 8 (each round rotates the bits of
// the (row, column) index left by one; four rotations swap row and column), then stored as 16
// contiguous runs of 16 tokens. Tiles at the ragged edges take the plain loop.
static inline void tile16(const float *src, long l, long c, const float *scale, const float *shift, float *dst, long p0, long c0) {
    vf r[16], a[16];
    vf s = vload(scale + c0), t = vload(shift + c0);
    for (int i = 0; i < 16; i++) r[i] = vload(src + (p0 + i) * c + c0) * s + t;
    for (int round = 0; round < 4; round++) {
        for (int j = 0; j < 8; j++) {
            a[2 * j] = __builtin_shufflevector(r[j], r[j + 8], 0, 16, 1, 17, 2, 18, 3, 19, 4, 20, 5, 21, 6, 22, 7, 23);
            a[2 * j + 1] = __builtin_shufflevector(r[j], r[j + 8], 8, 24, 9, 25, 10, 26, 11, 27, 12, 28, 13, 29, 14, 30, 15, 31);
        }
        for (int i = 0; i < 16; i++) r[i] = a[i];
    }
    for (int i = 0; i < 16; i++) vstore(dst + (c0 + i) * l + p0, r[i]);
}

void vck_nchw(const float *src, long l, long c, const float *scale, const float *shift, float *dst,
              long t0, long t1, long c0, long c1) {
    long tf = t0 + (t1 - t0) / 16 * 16, cf = c0 + (c1 - c0) / 16 * 16;
    for (long p0 = t0; p0 < tf; p0 += 16)
        for (long ch = c0; ch < cf; ch += 16) tile16(src, l, c, scale, shift, dst, p0, ch);
    // The ragged edges: tokens past the last whole tile (all channels), channels past it (the
    // whole tiles' tokens).
    for (long ch = c0; ch < c1; ch++) {
        float s = scale[ch], t = shift[ch];
        float *row = dst + ch * l;
        for (long p = ch < cf ? tf : t0; p < t1; p++) row[p] = src[p * c + ch] * s + t;
    }
}
