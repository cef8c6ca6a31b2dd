// Depthwise k×k convolution, channels-last, with the epilogue applied in registers.
#include "ckernels.h"
#include "vmath.h"

// Sixteen channels of one output pixel accumulate in one register across all k·k taps and are
// written once (re-reading and re-writing the output row for every tap was most of the time).

// Any k (the Mamba mixer's 7×7, and 3×3 when channels are not a multiple of 16): for each block
// of one register's channels (`vn`: 16 with AVX-512, 8 with AVX2, so that the eight accumulators
// below stay in registers on either; at 16 lanes on Zen 3 they spilled, and S's Mamba 7×7 took
// 136 µs instead of 77) the rows this call needs are first copied into a zero-padded tile, so that every
// pixel runs all k·k taps without a bounds check; eight adjacent output pixels accumulate in eight
// registers, and each tap's weight vector is loaded once for the eight. (Pixel by pixel with
// bounds checks, the accumulators lived on the stack and the 7×7 ran at a tenth of the FMA rate.)
// The padded taps add 0·w, which leaves every sum unchanged.
__attribute__((always_inline)) static inline void rows_tiled(const float *src, long h, long w, long c, long k, const float *weight,
                        const float *bias, const float *scale, const float *shift, int act, float *dst,
                        long r0, long r1, long cb, long ce, vn_unaligned *tile) {
    long pad = k / 2;
    long tw = (w + 7) / 8 * 8 + k - 1, th = r1 - r0 + k - 1;
    for (long c0 = cb; c0 < ce; c0 += VN) {
        long n = c - c0 < VN ? c - c0 : VN;
        for (long ty = 0; ty < th; ty++) {
            long iy = r0 - pad + ty;
            for (long tx = 0; tx < tw; tx++) {
                long ix = tx - pad;
                if (iy < 0 || iy >= h || ix < 0 || ix >= w) { tile[ty * tw + tx] = vn_splat(0); continue; }
                const float *sp = src + (iy * w + ix) * c + c0;
                tile[ty * tw + tx] = n == VN ? vn_load(sp) : vn_load_part(sp, n);
            }
        }
        vn b = n == VN ? vn_load(bias + c0) : vn_load_part(bias + c0, n);
        vn sc = n == VN ? vn_load(scale + c0) : vn_load_part(scale + c0, n);
        vn sh = n == VN ? vn_load(shift + c0) : vn_load_part(shift + c0, n);
        for (long i = r0; i < r1; i++) {
            for (long j0 = 0; j0 < w; j0 += 8) {
                vn acc[8];
                for (long jj = 0; jj < 8; jj++) acc[jj] = b;
                for (long ky = 0; ky < k; ky++) {
                    const vn_unaligned *trow = tile + (i - r0 + ky) * tw + j0;
                    const float *wrow = weight + ky * k * c + c0;
                    for (long kx = 0; kx < k; kx++) {
                        vn wv = n == VN ? vn_load(wrow + kx * c) : vn_load_part(wrow + kx * c, n);
                        for (long jj = 0; jj < 8; jj++) acc[jj] += trow[kx + jj] * wv;
                    }
                }
                long nj = w - j0 < 8 ? w - j0 : 8;
                for (long jj = 0; jj < nj; jj++) {
                    float *dp = dst + (i * w + j0 + jj) * c + c0;
                    vn y = vn_act(acc[jj] * sc + sh, act);
                    if (n == VN) vn_store(dp, y); else vn_store_part(dp, y, n);
                }
            }
        }
    }
}

// 3×3: the nine weight vectors of a 16-channel block stay in registers across the whole row
// (with AVX-512; with AVX2 they are memory operands, and the two 8-lane halves of every vector are
// independent chains: written on 8-lane `vn` it was 5–10% slower on Zen 3, latency-bound).
// The taps that exist (row above/below, left/right neighbour) are compile-time flags of each
// specialised loop, so the interior pixels run without a branch.
__attribute__((always_inline)) static inline vf tap3(const float *up, const float *mid, const float *dn, long o, long c,
                                                     const vf *wv, vf acc, int hasUp, int hasDown, int left, int right) {
    // Taps in (ky, kx) order, as in the generic loop and `reference`.
    if (hasUp) {
        if (left) acc += vload(up + o - c) * wv[0];
        acc += vload(up + o) * wv[1];
        if (right) acc += vload(up + o + c) * wv[2];
    }
    if (left) acc += vload(mid + o - c) * wv[3];
    acc += vload(mid + o) * wv[4];
    if (right) acc += vload(mid + o + c) * wv[5];
    if (hasDown) {
        if (left) acc += vload(dn + o - c) * wv[6];
        acc += vload(dn + o) * wv[7];
        if (right) acc += vload(dn + o + c) * wv[8];
    }
    return acc;
}

__attribute__((always_inline)) static inline void row3v(const float *src, long w, long c, const float *weight, const float *bias,
                 const float *scale, const float *shift, int act, float *dst, long i, int hasUp, int hasDown,
                 long cb, long ce) {
    for (long c0 = cb; c0 < ce; c0 += 16) {   // c is a multiple of 16 here
        vf wv[9];
        for (int t = 0; t < 9; t++) wv[t] = vload(weight + t * c + c0);
        vf b = vload(bias + c0), sc = vload(scale + c0), sh = vload(shift + c0);
        const float *mid = src + (i * w) * c + c0;
        const float *up = hasUp ? mid - w * c : mid, *dn = hasDown ? mid + w * c : mid;
        float *out = dst + (i * w) * c + c0;
        if (w == 1) {
            vstore(out, vact(tap3(up, mid, dn, 0, c, wv, b, hasUp, hasDown, 0, 0) * sc + sh, act));
            continue;
        }
        vstore(out, vact(tap3(up, mid, dn, 0, c, wv, b, hasUp, hasDown, 0, 1) * sc + sh, act));
        long j = 1;
        // Four pixels at once: each pixel's nine taps form one chain of dependent multiply-adds
        // (~40 cycles of latency), so one pixel at a time left the FMA units idle.
        for (; j + 4 < w; j += 4) {
            long o = j * c;
            vf a0 = tap3(up, mid, dn, o, c, wv, b, hasUp, hasDown, 1, 1);
            vf a1 = tap3(up, mid, dn, o + c, c, wv, b, hasUp, hasDown, 1, 1);
            vf a2 = tap3(up, mid, dn, o + 2 * c, c, wv, b, hasUp, hasDown, 1, 1);
            vf a3 = tap3(up, mid, dn, o + 3 * c, c, wv, b, hasUp, hasDown, 1, 1);
            vstore(out + o, vact(a0 * sc + sh, act));
            vstore(out + o + c, vact(a1 * sc + sh, act));
            vstore(out + o + 2 * c, vact(a2 * sc + sh, act));
            vstore(out + o + 3 * c, vact(a3 * sc + sh, act));
        }
        for (; j + 1 < w; j++)
            vstore(out + j * c, vact(tap3(up, mid, dn, j * c, c, wv, b, hasUp, hasDown, 1, 1) * sc + sh, act));
        vstore(out + (w - 1) * c, vact(tap3(up, mid, dn, (w - 1) * c, c, wv, b, hasUp, hasDown, 1, 0) * sc + sh, act));
    }
}

// The same row with the channel blocks innermost: four pixels × one 16-channel block at a time,
// the three input rows' six vectors each loaded once into registers and used by the pixels they
// touch. Walking the pixels innermost (row3v), a pixel is c floats from the next, and when c·4
// bytes is a multiple of 2 KB (M's and B's 512 and B's 2048 hidden channels) all the pixels of a
// block fall in one or two L1 sets, and with the band buffers of MlpBands (the same offset in
// their 4 KB pages) its loads alias the stores just made: on Zen 4, B's stage-2 map ran at
// 0.80–0.86 ns per value against 0.40 at 128 channels; this way, 0.42–0.52. Each pixel's taps
// keep their (ky, kx) order, so the sums are the same bits.
__attribute__((always_inline)) static inline void row3c(const float *src, long w, long c, const float *weight, const float *bias,
                 const float *scale, const float *shift, int act, float *dst, long i, int hasUp, int hasDown,
                 long cb, long ce) {
    const float *mid0 = src + (i * w) * c;
    const float *up0 = hasUp ? mid0 - w * c : mid0, *dn0 = hasDown ? mid0 + w * c : mid0;
    float *out0 = dst + (i * w) * c;
    if (w < 6) {   // too narrow for a group of four inside the row
        row3v(src, w, c, weight, bias, scale, shift, act, dst, i, hasUp, hasDown, cb, ce);
        return;
    }
    const float *rows[3] = { up0, mid0, dn0 };
    int has[3] = { hasUp, 1, hasDown };
    for (long j = 0; j < w; ) {
        if (j == 0 || j + 4 >= w) {   // the edge pixels, and what is left before the last one
            int left = j > 0, right = j + 1 < w;
            for (long c0 = cb; c0 < ce; c0 += 16) {
                vf wv[9];
                for (int t = 0; t < 9; t++) wv[t] = vload(weight + t * c + c0);
                vf a = tap3(up0 + c0, mid0 + c0, dn0 + c0, j * c, c, wv, vload(bias + c0), hasUp, hasDown, left, right);
                vstore(out0 + j * c + c0, vact(a * vload(scale + c0) + vload(shift + c0), act));
            }
            j++;
            continue;
        }
        // Pixels j .. j + 3, all with both neighbours.
        for (long c0 = cb; c0 < ce; c0 += 16) {
            vf b = vload(bias + c0);
            vf a0 = b, a1 = b, a2 = b, a3 = b;
            for (int r = 0; r < 3; r++) {
                if (!has[r]) continue;
                const float *p = rows[r] + (j - 1) * c + c0;
                vf x0 = vload(p), x1 = vload(p + c), x2 = vload(p + 2 * c), x3 = vload(p + 3 * c);
                vf x4 = vload(p + 4 * c), x5 = vload(p + 5 * c);
                vf w0 = vload(weight + (3 * r) * c + c0), w1 = vload(weight + (3 * r + 1) * c + c0),
                   w2 = vload(weight + (3 * r + 2) * c + c0);
                a0 += x0 * w0; a1 += x1 * w0; a2 += x2 * w0; a3 += x3 * w0;
                a0 += x1 * w1; a1 += x2 * w1; a2 += x3 * w1; a3 += x4 * w1;
                a0 += x2 * w2; a1 += x3 * w2; a2 += x4 * w2; a3 += x5 * w2;
            }
            vf sc = vload(scale + c0), sh = vload(shift + c0);
            float *o = out0 + j * c + c0;
            vstore(o, vact(a0 * sc + sh, act));
            vstore(o + c, vact(a1 * sc + sh, act));
            vstore(o + 2 * c, vact(a2 * sc + sh, act));
            vstore(o + 3 * c, vact(a3 * sc + sh, act));
        }
        j += 4;
    }
}

__attribute__((always_inline)) static inline void row3(const float *src, long h, long w, long c, const float *weight, const float *bias,
                 const float *scale, const float *shift, int act, float *dst, long i, long cb, long ce) {
    int hasUp = i > 0, hasDown = i + 1 < h;
#if defined(__AVX512F__)
    // Channel blocks innermost (row3c) with 32 registers; with AVX2's 16 the six inputs, three
    // weights and four accumulators of its groups would not fit, and row3v was kept there.
    if (hasUp && hasDown) row3c(src, w, c, weight, bias, scale, shift, act, dst, i, 1, 1, cb, ce);
    else if (hasUp) row3c(src, w, c, weight, bias, scale, shift, act, dst, i, 1, 0, cb, ce);
    else if (hasDown) row3c(src, w, c, weight, bias, scale, shift, act, dst, i, 0, 1, cb, ce);
    else row3c(src, w, c, weight, bias, scale, shift, act, dst, i, 0, 0, cb, ce);
#else
    if (hasUp && hasDown) row3v(src, w, c, weight, bias, scale, shift, act, dst, i, 1, 1, cb, ce);
    else if (hasUp) row3v(src, w, c, weight, bias, scale, shift, act, dst, i, 1, 0, cb, ce);
    else if (hasDown) row3v(src, w, c, weight, bias, scale, shift, act, dst, i, 0, 1, cb, ce);
    else row3v(src, w, c, weight, bias, scale, shift, act, dst, i, 0, 0, cb, ce);
#endif
}

// One out-of-line loop per (kernel path, activation): inlined all together they made one huge
// function whose accumulators spilled to the stack.
#define VCK_DEPTHWISE_LOOPS(suffix, ACT)                                                                 \
    __attribute__((noinline)) static void rows3_##suffix(const float *src, long h, long w, long c,        \
            const float *weight, const float *bias, const float *scale, const float *shift, float *dst,  \
            long r0, long r1, long cb, long ce) {                                                        \
        for (long i = r0; i < r1; i++) row3(src, h, w, c, weight, bias, scale, shift, ACT, dst, i, cb, ce); \
    }                                                                                                    \
    __attribute__((noinline)) static void rowsk_##suffix(const float *src, long h, long w, long c, long k, \
            const float *weight, const float *bias, const float *scale, const float *shift, float *dst,  \
            long r0, long r1, long cb, long ce, vn_unaligned *tile) {                                    \
        rows_tiled(src, h, w, c, k, weight, bias, scale, shift, ACT, dst, r0, r1, cb, ce, tile);          \
    }

VCK_DEPTHWISE_LOOPS(none, VCK_ACT_NONE)
VCK_DEPTHWISE_LOOPS(relu, VCK_ACT_RELU)
VCK_DEPTHWISE_LOOPS(gelu, VCK_ACT_GELU)
VCK_DEPTHWISE_LOOPS(silu, VCK_ACT_SILU)

void vck_depthwise(const float *src, long h, long w, long c, long k, const float *weight,
                   const float *bias, const float *scale, const float *shift, int act,
                   float *dst, long r0, long r1, long c0, long c1, float *scratch) {
    if (k == 3 && c % 16 == 0) {
        switch (act) {
        case VCK_ACT_NONE: rows3_none(src, h, w, c, weight, bias, scale, shift, dst, r0, r1, c0, c1); break;
        case VCK_ACT_RELU: rows3_relu(src, h, w, c, weight, bias, scale, shift, dst, r0, r1, c0, c1); break;
        case VCK_ACT_GELU: rows3_gelu(src, h, w, c, weight, bias, scale, shift, dst, r0, r1, c0, c1); break;
        default:           rows3_silu(src, h, w, c, weight, bias, scale, shift, dst, r0, r1, c0, c1); break;
        }
    } else {
        vn_unaligned *tile = (vn_unaligned *)scratch;
        switch (act) {
        case VCK_ACT_NONE: rowsk_none(src, h, w, c, k, weight, bias, scale, shift, dst, r0, r1, c0, c1, tile); break;
        case VCK_ACT_RELU: rowsk_relu(src, h, w, c, k, weight, bias, scale, shift, dst, r0, r1, c0, c1, tile); break;
        case VCK_ACT_GELU: rowsk_gelu(src, h, w, c, k, weight, bias, scale, shift, dst, r0, r1, c0, c1, tile); break;
        default:           rowsk_silu(src, h, w, c, k, weight, bias, scale, shift, dst, r0, r1, c0, c1, tile); break;
        }
    }
}

long vck_depthwise_scratch(long w, long c, long k, long rows) {
    if (k == 3 && c % 16 == 0) return 0;
    return ((w + 7) / 8 * 8 + k - 1) * (rows + k - 1) * VN;   // the tile of rows_tiled, in floats
}
