// ckernels: the engine's hot elementwise, depthwise and scan loops, written with clang vector
// extensions so that their code generation (FMA, 512-bit registers, inlining) is under our control.
// Every function here has a plain Swift reference beside its caller that the tests compare with.
#ifndef CKERNELS_H
#define CKERNELS_H

#include <stdint.h>

// Activations applied after an affine epilogue (the values match EpilogueActivation in Swift).
enum { VCK_ACT_NONE = 0, VCK_ACT_RELU = 1, VCK_ACT_GELU = 2, VCK_ACT_SILU = 3 };

// In place over n floats.
void vck_exp(float *p, long n);
void vck_gelu(float *p, long n);        // x·½(1 + erf(x/√2)), erf by Abramowitz & Stegun 7.1.26
void vck_gelu_backward(const float *pre, float *g, long n);   // g ⊙ (Φ(x) + x·φ(x)), x = pre
void vck_silu(float *p, long n);        // x / (1 + e^−x)
void vck_softplus(float *p, long n);    // PyTorch's: x above 20, else log1p(eˣ)

// d[r][ch] = act(d[r][ch]·scale[ch] + shift[ch]) for rows r0 ≤ r < r1 of a (rows, c) map.
void vck_affine_act(float *d, long c, const float *scale, const float *shift, int act, long r0, long r1);

// x[r][ch] += gain[ch]·(acc[r][ch]·scale[ch] + shift[ch]) (gain may be NULL: 1) for r0 ≤ r < r1.
void vck_residual(float *x, const float *acc, long c, const float *scale, const float *shift,
                  const float *gain, long r0, long r1);

// Depthwise k×k convolution, stride 1, zero padding k/2, channels-last (h, w, c), output rows
// r0 ≤ i < r1 and channels c0 ≤ ch < c1 (c0 a multiple of 16, c1 one too or c):
// dst = act((conv(src) + bias)·scale + shift). weight is (k, k, c).
// scratch holds vck_depthwise_scratch(w, c, k, r1 − r0) floats (none for 3×3 when c is a
// multiple of 16), 64-byte aligned.
void vck_depthwise(const float *src, long h, long w, long c, long k, const float *weight,
                   const float *bias, const float *scale, const float *shift, int act,
                   float *dst, long r0, long r1, long c0, long c1, float *scratch);
long vck_depthwise_scratch(long w, long c, long k, long rows);

// dst[ch·l + p] = src[p·c + ch]·scale[ch] + shift[ch] (two roundings) for tokens t0 ≤ p < t1 and
// channels c0 ≤ ch < c1: channels-last (l, c) to channels-first (nchw.c).
void vck_nchw(const float *src, long l, long c, const float *scale, const float *shift, float *dst,
              long t0, long t1, long c0, long c1);

// The Mamba mixer's dt_proj with what follows it (dt_proj.c), tokens t0 ≤ t < t1: x rows ldx apart
// (x_proj's output; its first r columns are dt), wt = dt_proj.weight transposed (r × e), and per
// token dtp = x·wtᵀ + bias (dt_proj's output), pre = dtp + bias (softplus's input; skipped when
// NULL) and delta = softplus(pre), each (t, e) row-major.
void vck_dt_proj(const float *x, long ldx, long r, const float *wt, const float *bias, long e,
                 float *dtp, float *pre, float *delta, long t0, long t1);

// LayerNorm in place over each of `rows` rows of c values: (x − mean)·(var + eps)^−½·weight + bias,
// biased variance (torch.nn.LayerNorm).
void vck_layernorm(float *d, long rows, long c, const float *weight, const float *bias, float eps);

// A dense k×k convolution (stride, zero padding pad) of a channels-last (h, w, cin) map with few
// input channels, computed directly: for output rows oy0 ≤ oy < oy1 of width wo,
// dst[oy][ox][o] = Σ src[iy][ix][ci]·wt[((ky·k + kx)·cin + ci)·cout + o] (no bias), then, when
// scale is not NULL, act(dst·scale[o] + shift[o]) as in vck_affine_act.
void vck_conv_direct(const float *src, long h, long w, long cin, long k, long stride, long pad, const float *wt,
                     long cout, float *dst, long wo, long oy0, long oy1, const float *scale, const float *shift, int act);

// im2col for a k×k convolution (stride, zero padding pad) of a channels-last (h, w, c) map:
// for output rows oy0 ≤ oy < oy1 of width wo, dst[(oy·wo + ox)][(ky·k + kx)·c + ch], zeros outside.
void vck_im2col(const float *src, long h, long w, long c, long k, long stride, long pad,
                long wo, float *dst, long oy0, long oy1);

// The four-direction selective scan of PlainMamba2D for channels e0 ≤ e < e1 (e0 a multiple of
// 16). Shapes: u, delta (L, E); A (E, N); Bdir (4, L, N) = B_t + direction_Bs[d_k[t]] for scan k
// at step t; C (L, N); D (E); orders (4, L); enabled (4); ysum (L, E) = out₁ + out₂ + out₃ + out₄
// in that order. Optional outputs (NULL to skip): out (4, L, E) each scan's output; hidden
// (4, L, E, N); and per block of 16 channels b (E/16 rounded up of them): hnorm2 (b, 4, L, N) = Σ
// over the block's channels of h², and decay_means (b, N, L) = Σ over the block's channels of
// exp(Δ·A) / E. The caller adds the blocks up in order, so the sums do not depend on how blocks
// were split over threads. scratch holds L·N·16 floats, 64-byte aligned.
void vck_scan4(long L, long E, long N, const float *u, const float *delta, const float *A,
               const float *Bdir, const float *C, const float *D,
               const int32_t *orders, const int32_t *enabled,
               float *ysum, float *out, float *hidden, float *hnorm2, float *decay_means, float *scratch,
               long e0, long e1);

// The reverse of vck_scan4 for channels e0 ≤ e < e1 (e0 a multiple of 16), given dy (4, L, E) =
// dL/d(each scan's output) and dirs (4, L) the direction codes d_k[t]: du, ddelta (L, E) and dD (E)
// are added to for these channels; per block of 16 channels b, gB and gC (b, L, N) and gDir (b, 5, N)
// are overwritten with that block's share of dL/dB, dL/dC and dL/d direction_Bs (the caller adds
// the blocks up in order). scratch holds (2L + 1)·N·16 floats, 64-byte aligned.
void vck_scan4_backward(long L, long E, long N, const float *u, const float *delta, const float *A,
                        const float *Bdir, const float *C, const float *D,
                        const int32_t *orders, const int32_t *dirs, const int32_t *enabled, const float *dy,
                        float *du, float *ddelta, float *dD, float *gB, float *gC, float *gDir, float *scratch,
                        long e0, long e1);

// Weights packed once for products C(T×N) = X(T×K)·Wᵀ computed by OpenBLAS's own packing
// routines and micro-kernel (see packed_gemm.c). vck_packed_available: whether that path passed
// its self-check against cblas_sgemm (vck_packed_core names the kernel family used, "off" when
// VCVIEW_PACKED_GEMM=0, "" when this CPU has none of the families it uses). vck_pack returns NULL when it is not available.
typedef struct vck_packed vck_packed;
int vck_packed_available(void);
const char *vck_packed_core(void);
vck_packed *vck_pack(const float *w, long n, long k);      // w: (n, k) row-major, copied
void vck_packed_free(vck_packed *p);
long vck_packed_panels(const vck_packed *p);               // weight panels along N
// What a packed product applies to each finished tile of C while it is still in cache (NULL:
// nothing): with residual NULL, c = act(c·scale + shift) in place; otherwise
// residual[t][ch] += gain[ch]·(c·scale + shift) (gain may be NULL: 1), c left as the raw product.
// scale, shift and gain are indexed by output channel; residual rows are ldr apart.
typedef struct {
    const float *scale, *shift;
    int act;
    float *residual;
    const float *gain;
    long ldr;
} vck_epilogue;
// c[t][·] = x[t][·]·Wᵀ (or += when accumulate) for tokens t0 ≤ t < t1 and the output channels of
// panels p0 ≤ i < p1, then the epilogue on those. Packing scratch is per thread, kept for reuse.
void vck_packed_gemm(const vck_packed *p, const float *x, long ldx, float *c, long ldc,
                     long t0, long t1, long p0, long p1, int accumulate, const vck_epilogue *epilogue);
// The epilogue on rows j0 ≤ t < j0 + nc, channels m0 ≤ ch < m0 + mi of c, in place; or from a raw
// tile held apart (rows ldt apart, tile row 0 = row j0), writing c (not at all with a residual).
// Shared by both product paths so that the same raw product gives the same bits.
void vck_tile_epilogue(const vck_epilogue *e, float *c, long ldc, long j0, long nc, long m0, long mi);
void vck_tile_epilogue_from(const vck_epilogue *e, const float *tile, long ldt, float *c, long ldc,
                            long j0, long nc, long m0, long mi);

// This thread's buffer for one purpose, at least `floats` long, 64-byte aligned (thread_buffer.c);
// `what` names it in the out-of-memory message.
enum { VCK_BUF_ONEDNN = 0, VCK_BUF_SPACED_TOKENS = 1, VCK_BUF_SLOTS = 2 };
float *vck_thread_floats(int which, long floats, const char *what);

// Products through the engine's own kernel (engine_gemm.c), built for AVX2 + FMA or for AVX-512:
// W packed at load into panels of output channels (16 with AVX2, 32 with AVX-512; vck_egemm_panels
// counts them); every output one chain of FMAs over k in order, so a token's bits do not depend on
// where it falls in a call, nor on the vector width. vck_egemm_prepare returns NULL where the
// kernel is not built or the CPU lacks what it was built for.
typedef struct vck_egemm vck_egemm;
int vck_egemm_available(void);
vck_egemm *vck_egemm_prepare(const float *w, long n, long k);   // w: (n, k) row-major, copied
long vck_egemm_panels(const vck_egemm *p);
void vck_egemm_free(vck_egemm *p);
// c[t][·] = x[t][·]·Wᵀ (or += when accumulate) for tokens t0 ≤ t < t1 and the channels of panels
// p0 ≤ q < p1, then the epilogue on those.
void vck_egemm_gemm(const vck_egemm *p, const float *x, long ldx, float *c, long ldc,
                    long t0, long t1, long p0, long p1, int accumulate, const vck_epilogue *epilogue);
// 1 when the kernels were compiled for AVX-512 (-march=native on such a machine).
int vck_avx512_build(void);

// Products through oneDNN's matmul on weights reordered once (onednn_gemm.c), where libdnnl.so.2
// can be opened (on first use) and passes its self-check; GemmWeight asks for it on VCVIEW_GEMM=onednn. vck_onednn_status: the implementation's
// name when available, otherwise why not. vck_onednn_prepare returns NULL when not available.
typedef struct vck_onednn vck_onednn;
int vck_onednn_available(void);
const char *vck_onednn_status(void);
vck_onednn *vck_onednn_prepare(const float *w, long n, long k);   // w: (n, k) row-major, copied
void vck_onednn_free(vck_onednn *w);
// c[t][·] = x[t][·]·Wᵀ (or += when accumulate) for tokens t0 ≤ t < t1, then the epilogue.
void vck_onednn_gemm(vck_onednn *w, const float *x, long ldx, float *c, long ldc,
                     long t0, long t1, int accumulate, const vck_epilogue *epilogue);

// Runs fn(ctx, i) for 0 ≤ i < count on the calling thread and up to threads − 1 of the pool's
// workers (started on first use, at most one per other core), each claiming the next chunk when it
// is free, and returns when all are done. flops: the region's arithmetic, for the cost model — a
// region that takes less than a few hand-offs at the core's FMA rate runs on the caller alone.
// Runs alone too while the pool backs off after a stall (a participant lost its core mid-chunk),
// and when another thread is using the pool. See pool.c.
typedef void (*vck_task)(void *ctx, long index);
void vck_parallel(long count, long threads, double flops, vck_task fn, void *ctx);
// What the pool did since the last reset: regions asked for, run alone because small, run alone
// while backing off, split; chunks of the split ones and how many the caller ran; lopsided split
// regions (the caller ran nearly every chunk); stalls and the time lost waiting in them; the wall
// time of the split regions, of the caller's waits at their ends (all of them, stalls or not),
// and of the regions run alone.
typedef struct {
    long regions, small, backed_off, split, chunks, caller_chunks, lopsided, stalls, stall_ns;
    long split_ns, wait_ns, alone_ns;
} vck_pool_stats;
vck_pool_stats vck_pool_stats_read(void);
void vck_pool_reset(void);               // statistics to zero, back-off forgotten
double vck_handoff_ns(void);             // the measured hand-off (−1 on one core)
// Whether a region of this much arithmetic is worth splitting at all (the cost model alone; for
// callers whose work is cheaper as one call than as chunks run one after another). A region it
// keeps whole counts in the statistics as run alone because small.
int vck_parallel_pays(double flops);
// Tests: with on, every region of two or more chunks is split, however small, and stalls cause no
// back-off (so that a split's results can be compared with one thread's whatever the load).
void vck_pool_force_split(int on);
// Tests: a worker woken from its sleep spins ns before it looks for work, as a thread on a vCPU
// that the hypervisor resumes late.
void vck_pool_test_slow_wake(long ns);
// Tests: the other cores looked at again at the next use, and taken as busy until then.
void vck_pool_test_look_again(void);

// The core's fp32 FMA peak in GFLOP/s: best of `bursts` bursts of about burst_us microseconds
// each of register-only fused multiply-adds (fma_probe.c). vck_flops_per_ns: a quick one, once.
double vck_fma_peak(long bursts, long burst_us);
double vck_flops_per_ns(void);

// Multiply-adds performed by the engine's products and convolutions so far (tally.c).
void vck_tally_macs(long n);
long vck_macs_tallied(void);
// GELU values the MLPs evaluated, and state updates of the selective scan (one per channel,
// state, step and enabled scan), so far.
void vck_tally_gelu(long n);
long vck_gelu_tallied(void);
void vck_tally_scan(long n);
long vck_scan_tallied(void);

#endif
