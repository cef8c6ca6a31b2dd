import CKernels

/// Fused per-channel epilogues: after a GEMM or a depthwise convolution has produced a raw
/// accumulator, one pass over each token row applies bias, BatchNorm and the activation while
/// the row is in cache (three separate passes over a 3 MB map cost more than the GEMM's tail).
enum EpilogueActivation: Int32, Sendable, Equatable {
    // The raw values are the C kernels' VCK_ACT_* codes.
    case none = 0, relu = 1, gelu = 2, silu = 3
}

enum Epilogue {
    /// y = act(acc · scale[c] + shift[c]) in place, row by row.
    static func affine(_ d: UnsafeMutablePointer<Float>, rows: Int, channels c: Int,
                       scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, _ act: EpilogueActivation,
                       threads: Int = EngineThreads.current) {
        nonisolated(unsafe) let d = d, scale = scale, shift = shift
        // A pass over memory costs about 8 FMAs' time per value; GELU's polynomial about 48.
        Parallel.rows(rows, flops: Double(rows * c * (act == .none ? 8 : 48)), threads: threads) { range in
            vck_affine_act(d, c, scale, shift, act.rawValue, range.lowerBound, range.upperBound)
        }
    }

    /// x += gain[c] · (acc · scale[c] + shift[c]): the end of a residual branch (BN, then the
    /// layer scale when there is one), written straight into the residual stream.
    static func residual(_ x: UnsafeMutablePointer<Float>, _ acc: UnsafePointer<Float>, rows: Int, channels c: Int,
                         scale: UnsafePointer<Float>, shift: UnsafePointer<Float>, gain: UnsafePointer<Float>?,
                         threads: Int = EngineThreads.current) {
        nonisolated(unsafe) let x = x, acc = acc, scale = scale, shift = shift, gain = gain
        Parallel.rows(rows, flops: Double(rows * c * 10), threads: threads) { range in
            vck_residual(x, acc, c, scale, shift, gain, range.lowerBound, range.upperBound)
        }
    }
}

/// A convolution followed by BatchNorm (and an activation), evaluated as the raw convolution plus
/// one fused epilogue: y = act(conv_nobias(x) · s + (b·s + t)) with s, t the BN affine.
struct ConvBN: Sendable {
    let conv: DenseConv
    let bn: BatchNorm
    /// b·s + t: the conv bias pushed through the BatchNorm.
    let shift: [Float]

    init(_ conv: DenseConv, _ bn: BatchNorm) {
        self.conv = conv
        self.bn = bn
        shift = (0..<conv.outChannels).map { conv.bias[$0] * bn.scale[$0] + bn.shift[$0] }
    }

    /// act(bn(conv(x))). The epilogue runs inside the product's tiles unless an observer wants
    /// the convolution's or the BatchNorm's output: then the raw accumulator conv_nobias(x) is
    /// kept, mapped for them (acc + bias, acc·s + shift), and the epilogue runs as its own pass.
    func callAsFunction(_ x: FeatureMap, _ act: EpilogueActivation, _ tap: Tap,
                        convSite: String, bnSite: String, actSite: String?) -> FeatureMap {
        let epilogue = GemmEpilogue(scale: bn.scale, shift: shift, act: act)
        if !tap.wants(convSite) && !tap.wants(bnSite) {
            let m = conv.raw(x, epilogue: epilogue)
            if let a = actSite { tap.map(a, m) }
            return m
        }
        var m = conv.raw(x)
        tap.map(convSite, m, shift: conv.bias)
        tap.map(bnSite, m, scale: bn.scale, shift: shift)
        let rows = m.tokens, c = m.channels
        m.data.withUnsafeMutableBufferPointer { epilogue.applySeparately($0.baseAddress!, ldc: c, rows: rows, channels: c) }
        if let a = actSite { tap.map(a, m) }
        return m
    }
}
