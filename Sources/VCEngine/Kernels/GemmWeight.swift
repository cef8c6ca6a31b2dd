import CKernels
import Glibc

/// The fixed right-hand operand of C = A·Wᵀ: a convolution's weight re-laid for 1×1 or im2col
/// products, or a Linear layer's (out × in, as PyTorch stores it).
///
/// cblas_sgemm packs W into OpenBLAS's panel format on every call; for stages 3 and 4, whose
/// weights outweigh their 196 or 49 tokens, that was 13–18% of a forward pass. So when OpenBLAS's
/// own packing routines and micro-kernel have passed their self-check (`vck_packed_available`,
/// see `CKernels/packed_gemm.c`), W is packed here once with them, the plain copy is dropped (the
/// packed one is the same size), and a product packs only the tokens. Otherwise W stays plain and
/// products go through `gemmABt` (cblas_sgemm); both give the same sums up to summation order.
///
/// Where oneDNN is installed (`libdnnl.so.2`, opened at run time) and passes its own self-check
/// (`CKernels/onednn_gemm.c`), products run through oneDNN's matmul on weights reordered once
/// instead: on this engine's shapes it measured 8–10% faster than OpenBLAS's kernel on the products
/// alone and 5–15% on whole passes (docs/performance.md). `VCVIEW_GEMM=openblas` keeps the packed
/// OpenBLAS path (the suite runs its parity tests on both); without oneDNN it is the only one.
///
/// Where the engine's own kernel is built (`CKernels/engine_gemm.c`: AVX2 + FMA, or AVX-512) it is
/// the default instead. On AVX2, OpenBLAS's HASWELL kernel and oneDNN's AVX2 products round a
/// token's sums by where it falls in the call, so one thread and two, or a map band by band and
/// layer by layer, gave different bits; the engine's kernel gives every token the same chain of
/// multiply-adds, and on Zen 3 it was also the fastest of the three. On AVX-512 it streams each
/// weight from DRAM at an even rate (the next panel prefetched across the current one's tiles),
/// where oneDNN's products ran 4–12% slower on weights not in cache (docs/performance.md).
/// `VCVIEW_GEMM=onednn` or `openblas` still choose those; `engine` names the default (`avx2`,
/// its name before it had an AVX-512 build, still works).
final class GemmWeight: @unchecked Sendable {
    let outputs: Int, inputs: Int
    private let packed: OpaquePointer?
    private let onednn: OpaquePointer?
    private let engineKernel: OpaquePointer?
    private let plain: [Float]

    /// What `VCVIEW_GEMM` asks for: nil (unset: the default), "openblas", "onednn" or "engine"
    /// ("avx2" reads as "engine").
    static let requested: String? = getenv("VCVIEW_GEMM").map { String(cString: $0) }.map { $0 == "avx2" ? "engine" : $0 }

    /// Whether this process tries oneDNN's products: asked for, or by default where the engine's
    /// kernel is not built.
    static let wantsOneDNN = requested == "onednn" || (requested == nil && vck_egemm_available() == 0)

    /// Whether this process uses the engine's own kernel: by default (or asked for) where it is
    /// built and the CPU has what it was built for.
    static let wantsEngineKernel = (requested == nil || requested == "engine") && vck_egemm_available() != 0

    /// Whether the products give a token the same bits wherever it falls in a call, so that any
    /// split of the tokens (threads, bands) leaves a result unchanged: the engine's kernel, and on
    /// AVX-512 machines OpenBLAS's SKYLAKEX kernel and oneDNN (checked by PoolTests); not
    /// OpenBLAS's HASWELL kernel nor oneDNN's AVX2 products.
    static var splitsKeepBits: Bool { wantsEngineKernel || vck_avx512_build() != 0 }

    /// `w`: outputs × inputs, row-major. `oneDNN`: use oneDNN's matmul where it is available;
    /// `engineKernel`: otherwise the engine's own kernel where it is built.
    init(_ w: [Float], outputs: Int, inputs: Int, oneDNN: Bool = GemmWeight.wantsOneDNN,
         engineKernel useEngine: Bool = GemmWeight.wantsEngineKernel) {
        precondition(w.count == outputs * inputs)
        self.outputs = outputs; self.inputs = inputs
        onednn = oneDNN ? w.withUnsafeBufferPointer { vck_onednn_prepare($0.baseAddress!, outputs, inputs) } : nil
        engineKernel = onednn == nil && useEngine ? w.withUnsafeBufferPointer { vck_egemm_prepare($0.baseAddress!, outputs, inputs) } : nil
        packed = onednn != nil || engineKernel != nil ? nil : w.withUnsafeBufferPointer { vck_pack($0.baseAddress!, outputs, inputs) }
        plain = packed == nil && onednn == nil && engineKernel == nil ? w : []
    }

    deinit { vck_packed_free(packed); vck_onednn_free(onednn); vck_egemm_free(engineKernel) }

    /// The engine's kernel as `bench` names it: "the engine's AVX2 kernel" or "… AVX-512 kernel".
    static var engineKernelName: String { "the engine's \(vck_avx512_build() != 0 ? "AVX-512" : "AVX2") kernel" }

    /// How products are computed in this process, for `vcview bench`.
    static var backend: String {
        if wantsEngineKernel { return "\(engineKernelName), weights packed at load\(requested == "engine" ? " (VCVIEW_GEMM=engine)" : "")" }
        guard wantsOneDNN else { return "\(openBLASBackend) (VCVIEW_GEMM=\(requested ?? "openblas"))" }
        let status = String(cString: vck_onednn_status())
        let asked = requested == "onednn" ? " (VCVIEW_GEMM=onednn)" : ""
        if vck_onednn_available() != 0 { return "oneDNN matmul (\(status)), weights reordered at load\(asked)" }
        return "\(openBLASBackend) (oneDNN: \(status))"
    }

    private static var openBLASBackend: String {
        let family = String(cString: vck_packed_core())
        if vck_packed_available() != 0 { return "OpenBLAS \(family) kernel, weights packed at load" }
        switch family {
        case "off": return "cblas_sgemm (VCVIEW_PACKED_GEMM=0)"
        case "": return "cblas_sgemm (no AVX2 or AVX-512 kernel family for packed weights)"
        default: return "cblas_sgemm (OpenBLAS's \(family) routines failed the packed-weight self-check)"
        }
    }

    /// c[M×outputs] = a[M×inputs] · Wᵀ (+ c when `accumulate`), row-major with leading dimensions,
    /// then the epilogue, if any: on the packed path applied to each tile of C as it is finished
    /// (still in cache), otherwise as one pass after the product, with the same per-element arithmetic.
    ///
    /// Threads split the tokens when there are many (each packs only its own), otherwise the
    /// weight panels (each runs the kernel over all tokens against its share of the weights).
    /// `threads` defaults to the engine's; 1 from code that is already running on several.
    func product(_ a: UnsafePointer<Float>, lda: Int, _ c: UnsafeMutablePointer<Float>, ldc: Int,
                 rows m: Int, accumulate: Bool = false, epilogue: GemmEpilogue? = nil, threads: Int? = nil) {
        if m == 0 || outputs == 0 { return }
        let threads = threads ?? EngineThreads.current
        if let onednn {
            oneDNNProduct(onednn, a, lda: lda, c, ldc: ldc, rows: m, accumulate: accumulate, epilogue: epilogue, threads: threads)
            return
        }
        if let engineKernel {
            tiledProduct(a, lda: lda, c, ldc: ldc, rows: m, accumulate: accumulate, epilogue: epilogue, threads: threads,
                         panels: vck_egemm_panels(engineKernel)) { a, c, t0, t1, p0, p1, acc, e in
                vck_egemm_gemm(engineKernel, a, lda, c, ldc, t0, t1, p0, p1, acc, e)
            }
            return
        }
        guard let packed else {
            plain.withUnsafeBufferPointer { w in
                gemmABt(a, lda: lda, w.baseAddress!, ldb: inputs, c, ldc: ldc, m: m, n: outputs, k: inputs,
                        accumulate: accumulate, threads: threads)
            }
            epilogue?.applySeparately(c, ldc: ldc, rows: m, channels: outputs, threads: threads)
            return
        }
        tiledProduct(a, lda: lda, c, ldc: ldc, rows: m, accumulate: accumulate, epilogue: epilogue, threads: threads,
                     panels: vck_packed_panels(packed)) { a, c, t0, t1, p0, p1, acc, e in
            vck_packed_gemm(packed, a, lda, c, ldc, t0, t1, p0, p1, acc, e)
        }
    }

    /// A product on weights packed at load in panels (OpenBLAS's or the engine kernel's): `kernel`
    /// computes tokens t0 ..< t1 against panels p0 ..< p1.
    private func tiledProduct(_ a: UnsafePointer<Float>, lda: Int, _ c: UnsafeMutablePointer<Float>, ldc: Int,
                              rows m: Int, accumulate: Bool, epilogue: GemmEpilogue?, threads: Int, panels: Int,
                              _ kernel: @escaping (UnsafePointer<Float>, UnsafeMutablePointer<Float>, Int, Int, Int, Int, Int32,
                                                   UnsafePointer<vck_epilogue>?) -> Void) {
        let n = outputs
        vck_tally_macs(m * n * inputs)
        let flops = Double(2 * m * n * inputs)
        func split(_ e: UnsafePointer<vck_epilogue>?) {
            nonisolated(unsafe) let a = a, c = c, e = e
            let acc: Int32 = accumulate ? 1 : 0
            if threads == 1 || !Parallel.pays(flops) {
                kernel(a, c, 0, m, 0, panels, acc, e)
            } else if (m >= 64 * threads && m >= n) || panels < threads {
                // Token chunks, a few per thread, of at least 96 tokens: each packs only its own.
                let chunks = max(threads, min(threads * Parallel.chunksPerThread, m / 96))
                Parallel.forEach(chunks, threads: threads, flops: flops) { t in
                    kernel(a, c, m * t / chunks, m * (t + 1) / chunks, 0, panels, acc, e)
                }
            } else {
                // Panel chunks, two per thread: each packs all the tokens again, so not more.
                let chunks = min(panels, threads * 2)
                Parallel.forEach(chunks, threads: threads, flops: flops) { t in
                    kernel(a, c, 0, m, panels * t / chunks, panels * (t + 1) / chunks, acc, e)
                }
            }
        }
        guard let epilogue else { split(nil); return }
        epilogue.withC { split($0) }
    }

    /// The oneDNN path: threads split the tokens only (a share of the weights would need a
    /// primitive and a reordered copy of its own).
    private func oneDNNProduct(_ w: OpaquePointer, _ a: UnsafePointer<Float>, lda: Int, _ c: UnsafeMutablePointer<Float>, ldc: Int,
                               rows m: Int, accumulate: Bool, epilogue: GemmEpilogue?, threads: Int) {
        vck_tally_macs(m * outputs * inputs)
        let flops = Double(2 * m * outputs * inputs)
        func split(_ e: UnsafePointer<vck_epilogue>?) {
            nonisolated(unsafe) let a = a, c = c, w = w, e = e
            let acc: Int32 = accumulate ? 1 : 0
            if threads == 1 || m < 2 * 16 || !Parallel.pays(flops) {
                vck_onednn_gemm(w, a, lda, c, ldc, 0, m, acc, e)
            } else {
                let chunks = max(threads, min(threads * Parallel.chunksPerThread, m / 96))
                Parallel.forEach(chunks, threads: threads, flops: flops) { t in
                    vck_onednn_gemm(w, a, lda, c, ldc, m * t / chunks, m * (t + 1) / chunks, acc, e)
                }
            }
        }
        guard let epilogue else { split(nil); return }
        epilogue.withC { split($0) }
    }

    /// Whether this weight went oneDNN's way.
    var isOneDNN: Bool { onednn != nil }

    /// Whether this weight went the packed way (`GemmWeightTests` checks it does where it can).
    var isPacked: Bool { packed != nil }

    /// Whether this weight went the engine's own kernel's way.
    var isEngineKernel: Bool { engineKernel != nil }
}

/// How the engine computes its matrix products in this process (OpenBLAS's kernel on weights
/// packed at load, or cblas_sgemm), as `vcview bench` reports it.
public enum EngineGemm {
    public static var backend: String { GemmWeight.backend }
}

/// What a product applies to its output, fused into the packed GEMM's tiles (`vck_epilogue`):
/// c = act(c·scale + shift), or, with `residual`, residual += gain·(c·scale + shift) (c left raw).
struct GemmEpilogue {
    var scale: [Float], shift: [Float]
    var act: EpilogueActivation = .none
    /// Rows of `outputs` values, `ldr` apart.
    var residual: UnsafeMutablePointer<Float>? = nil
    var ldr: Int = 0
    var gain: [Float]? = nil

    fileprivate func withC<R>(_ body: (UnsafePointer<vck_epilogue>) -> R) -> R {
        scale.withUnsafeBufferPointer { s in shift.withUnsafeBufferPointer { t in
            (gain ?? []).withUnsafeBufferPointer { g in
                var e = vck_epilogue(scale: s.baseAddress, shift: t.baseAddress, act: act.rawValue,
                                     residual: residual, gain: gain == nil ? nil : g.baseAddress, ldr: ldr)
                return withUnsafePointer(to: &e) { body($0) }
            }
        } }
    }

    /// The same as separate passes over a finished product (the plain cblas path, and a raw
    /// accumulator that observers have seen).
    func applySeparately(_ c: UnsafeMutablePointer<Float>, ldc: Int, rows: Int, channels: Int,
                         threads: Int = EngineThreads.current) {
        precondition(ldc == channels && (residual == nil || ldr == channels), "separate epilogue passes need dense rows")
        scale.withUnsafeBufferPointer { s in shift.withUnsafeBufferPointer { t in
            if let residual {
                if let gain {
                    gain.withUnsafeBufferPointer { g in
                        Epilogue.residual(residual, c, rows: rows, channels: channels, scale: s.baseAddress!, shift: t.baseAddress!,
                                          gain: g.baseAddress!, threads: threads)
                    }
                } else {
                    Epilogue.residual(residual, c, rows: rows, channels: channels, scale: s.baseAddress!, shift: t.baseAddress!,
                                      gain: nil, threads: threads)
                }
            } else {
                Epilogue.affine(c, rows: rows, channels: channels, scale: s.baseAddress!, shift: t.baseAddress!, act, threads: threads)
            }
        } }
    }
}
