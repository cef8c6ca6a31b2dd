import CKernels

/// The fixed right-hand operand of C = A·Wᵀ: a convolution's weight re-laid for 1×1 or im2col
/// products, or a Linear layer's (out × in, as PyTorch stores it).
///
/// cblas_sgemm packs W into OpenBLAS's panel format on every call; for stages 3 and 4, whose
/// weights outweigh their 196 or 49 tokens, that was 13–18% of a forward pass. So when OpenBLAS's
/// own packing routines and micro-kernel have passed their self-check (`vck_packed_available`,
/// see `CKernels/packed_gemm.c`), W is packed here once with them, the plain copy is dropped (the
/// packed one is the same size), and a product packs only the tokens. Otherwise W stays plain and
/// products go through `gemmABt` (cblas_sgemm); both give the same sums up to summation order.
final class GemmWeight: @unchecked Sendable {
    let outputs: Int, inputs: Int
    private let packed: OpaquePointer?
    private let plain: [Float]

    /// `w`: outputs × inputs, row-major.
    init(_ w: [Float], outputs: Int, inputs: Int) {
        precondition(w.count == outputs * inputs)
        self.outputs = outputs; self.inputs = inputs
        packed = w.withUnsafeBufferPointer { vck_pack($0.baseAddress!, outputs, inputs) }
        plain = packed == nil ? w : []
    }

    deinit { vck_packed_free(packed) }

    /// How products are computed in this process, for `vcview bench`.
    static var backend: String {
        let family = String(cString: vck_packed_core())
        if vck_packed_available() != 0 { return "OpenBLAS \(family) kernel, weights packed at load" }
        switch family {
        case "off": return "cblas_sgemm (VCVIEW_PACKED_GEMM=0)"
        case "": return "cblas_sgemm (no AVX2 or AVX-512 kernel family for packed weights)"
        default: return "cblas_sgemm (OpenBLAS's \(family) routines failed the packed-weight self-check)"
        }
    }

    /// c[M×outputs] = a[M×inputs] · Wᵀ (+ c when `accumulate`), row-major with leading dimensions.
    ///
    /// Threads split the tokens when there are many (each packs only its own), otherwise the
    /// weight panels (each runs the kernel over all tokens against its share of the weights).
    func product(_ a: UnsafePointer<Float>, lda: Int, _ c: UnsafeMutablePointer<Float>, ldc: Int,
                 rows m: Int, accumulate: Bool = false) {
        if m == 0 || outputs == 0 { return }
        guard let packed else {
            plain.withUnsafeBufferPointer { w in
                gemmABt(a, lda: lda, w.baseAddress!, ldb: inputs, c, ldc: ldc, m: m, n: outputs, k: inputs, accumulate: accumulate)
            }
            return
        }
        nonisolated(unsafe) let a = a, c = c, p = packed
        let acc: Int32 = accumulate ? 1 : 0, panels = vck_packed_panels(p), n = outputs
        func run(_ t0: Int, _ t1: Int, _ p0: Int, _ p1: Int) {
            let scratch = UnsafeMutableRawPointer.allocate(byteCount: vck_packed_scratch() * 4, alignment: 64)
            defer { scratch.deallocate() }
            vck_packed_gemm(p, a, lda, c, ldc, t0, t1, p0, p1, acc, scratch.assumingMemoryBound(to: Float.self))
        }
        let threads = EngineThreads.current
        if threads == 1 || m * n * inputs < 2_000_000 {
            run(0, m, 0, panels)
        } else if (m >= 64 * threads && m >= n) || panels < threads {
            Parallel.forEach(threads) { t in run(m * t / threads, m * (t + 1) / threads, 0, panels) }
        } else {
            Parallel.forEach(threads) { t in run(0, m, panels * t / threads, panels * (t + 1) / threads) }
        }
    }

    /// Whether this weight went the packed way (tests check both ways are exercised).
    var isPacked: Bool { packed != nil }
}
