import CKernels

/// Dense and depthwise 2-D convolutions on channels-last maps.

/// A dense k×k convolution (PyTorch `Conv2d`, groups 1) re-laid for im2col + GEMM.
struct DenseConv: Sendable {
    let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    /// (out, ky, kx, in): one row per output channel, matching the im2col patch order.
    let weight: GemmWeight
    let bias: [Float]
    /// (ky, kx, in, out), for maps with at most `directInputs` channels (the stem's RGB input, and
    /// VCMamba-S's 16-channel map into its second stem convolution), which are convolved directly
    /// (`vck_conv_direct`) instead of through im2col + GEMM. S's second stem convolution took 0.50
    /// → 0.40 ms so on this Zen 5 (no 1.8 MB patch matrix); at M's 24 and B's 32 channels the
    /// direct loop was slower (its eight broadcast loads per tap and weight vector, against the
    /// GEMM's register blocking), so those stay with im2col.
    let directWeight: [Float]?
    static let directInputs = 16

    /// `w` is PyTorch's (out, in, k, k).
    init(weight w: Tensor, bias b: Tensor?, stride: Int, padding: Int) {
        let o = w.shape[0], i = w.shape[1], k = w.shape[2]
        var r = [Float](repeating: 0, count: w.count)
        for oc in 0..<o { for ic in 0..<i { for ky in 0..<k { for kx in 0..<k {
            r[((oc * k + ky) * k + kx) * i + ic] = w.data[((oc * i + ic) * k + ky) * k + kx]
        } } } }
        self.inChannels = i; self.outChannels = o; self.kernel = k; self.stride = stride; self.padding = padding
        self.weight = GemmWeight(r, outputs: o, inputs: k * k * i)
        self.bias = b?.data ?? [Float](repeating: 0, count: o)
        if i <= Self.directInputs {
            var d = [Float](repeating: 0, count: w.count)
            for oc in 0..<o { for t in 0..<(k * k * i) { d[t * o + oc] = r[oc * k * k * i + t] } }
            directWeight = d
        } else {
            directWeight = nil
        }
    }

    func outputSize(_ h: Int, _ w: Int) -> (Int, Int) {
        ((h + 2 * padding - kernel) / stride + 1, (w + 2 * padding - kernel) / stride + 1)
    }

    /// conv(x) + bias.
    func callAsFunction(_ x: FeatureMap) -> FeatureMap {
        var out = raw(x)
        addBias(&out)
        return out
    }

    /// conv(x) without the bias, then the epilogue if one is given (see `GemmWeight.product`).
    /// For 1×1 stride-1 kernels the map itself is the GEMM operand.
    func raw(_ x: FeatureMap, epilogue: GemmEpilogue? = nil) -> FeatureMap {
        precondition(x.channels == inChannels, "conv: expected \(inChannels) input channels, got \(x.channels)")
        let (ho, wo) = outputSize(x.height, x.width)
        var out = FeatureMap(uninitializedHeight: ho, width: wo, channels: outChannels)
        let kk = kernel * kernel * inChannels
        if let dw = directWeight {
            direct(x, dw, into: &out, epilogue: epilogue)
        } else if kernel == 1 && stride == 1 && padding == 0 {
            x.data.withUnsafeBufferPointer { a in out.data.withUnsafeMutableBufferPointer { c in
                weight.product(a.baseAddress!, lda: inChannels, c.baseAddress!, ldc: outChannels, rows: ho * wo, epilogue: epilogue)
            } }
        } else {
            let cols = im2col(x)
            cols.withUnsafeBufferPointer { a in out.data.withUnsafeMutableBufferPointer { c in
                weight.product(a.baseAddress!, lda: kk, c.baseAddress!, ldc: outChannels, rows: ho * wo, epilogue: epilogue)
            } }
        }
        return out
    }

    /// The direct convolution for few input channels: output rows split over the engine's threads,
    /// an affine epilogue (BN + activation) applied to each value as it is stored; an epilogue into
    /// a residual stream (never on these layers) as its own pass.
    private func direct(_ x: FeatureMap, _ dw: [Float], into out: inout FeatureMap, epilogue: GemmEpilogue?) {
        let (ho, wo) = outputSize(x.height, x.width)
        let (kernel, stride, padding, cin, cout) = (self.kernel, self.stride, self.padding, inChannels, outChannels)
        let (height, width) = (x.height, x.width)
        let fused = epilogue.map { $0.residual == nil } ?? false
        vck_tally_macs(ho * wo * cout * kernel * kernel * cin)
        x.data.withUnsafeBufferPointer { srcBuf in dw.withUnsafeBufferPointer { wBuf in out.data.withUnsafeMutableBufferPointer { dstBuf in
        (fused ? epilogue!.scale : []).withUnsafeBufferPointer { sBuf in (fused ? epilogue!.shift : []).withUnsafeBufferPointer { tBuf in
            nonisolated(unsafe) let src = srcBuf.baseAddress!, wt = wBuf.baseAddress!, dst = dstBuf.baseAddress!
            nonisolated(unsafe) let scale = fused ? sBuf.baseAddress : nil, shift = fused ? tBuf.baseAddress : nil
            let act = fused ? epilogue!.act.rawValue : EpilogueActivation.none.rawValue
            Parallel.rows(ho, flops: Double(2 * ho * wo * cout * kernel * kernel * cin)) { rows in
                vck_conv_direct(src, height, width, cin, kernel, stride, padding, wt, cout, dst, wo,
                                rows.lowerBound, rows.upperBound, scale, shift, act)
            }
        } } } } }
        if let e = epilogue, !fused {
            out.data.withUnsafeMutableBufferPointer { e.applySeparately($0.baseAddress!, ldc: cout, rows: ho * wo, channels: cout) }
        }
    }

    /// One row of k·k·Cin values per output pixel (zeros for taps outside the map): `vck_im2col`,
    /// output rows split over the engine's threads (the stem's second convolution gathers 1.8 MB).
    func im2col(_ x: FeatureMap) -> [Float] {
        let (ho, wo) = outputSize(x.height, x.width)
        let kk = kernel * kernel * inChannels
        // Every entry is written (taps outside the map as zeros), so no zero-fill first.
        var cols = [Float](unsafeUninitializedCapacity: ho * wo * kk) { _, count in count = ho * wo * kk }
        let (kernel, stride, padding, inChannels) = (self.kernel, self.stride, self.padding, self.inChannels)
        let (height, width) = (x.height, x.width)
        x.data.withUnsafeBufferPointer { srcBuf in cols.withUnsafeMutableBufferPointer { dstBuf in
            nonisolated(unsafe) let src = srcBuf.baseAddress!, dst = dstBuf.baseAddress!
            Parallel.rows(ho, flops: Double(ho * wo * kk * 4)) { rows in
                vck_im2col(src, height, width, inChannels, kernel, stride, padding, wo, dst, rows.lowerBound, rows.upperBound)
            }
        } }
        return cols
    }

    /// The plain loop `im2col` is tested against.
    func im2colReference(_ x: FeatureMap) -> [Float] {
        let (ho, wo) = outputSize(x.height, x.width)
        let kk = kernel * kernel * inChannels
        var cols = [Float](repeating: .nan, count: ho * wo * kk)
        for oy in 0..<ho { for ox in 0..<wo { for ky in 0..<kernel { for kx in 0..<kernel { for c in 0..<inChannels {
            let iy = oy * stride + ky - padding, ix = ox * stride + kx - padding
            let inside = iy >= 0 && iy < x.height && ix >= 0 && ix < x.width
            cols[(oy * wo + ox) * kk + (ky * kernel + kx) * inChannels + c] = inside ? x.data[(iy * x.width + ix) * inChannels + c] : 0
        } } } } }
        return cols
    }

    func addBias(_ m: inout FeatureMap) {
        let c = outChannels, l = m.tokens
        bias.withUnsafeBufferPointer { b in m.data.withUnsafeMutableBufferPointer { d in
            for p in 0..<l { for ch in 0..<c { d[p * c + ch] += b[ch] } }
        } }
    }
}

/// A depthwise k×k convolution (groups = channels, stride 1, padding k/2), bias included.
struct DepthwiseConv: Sendable {
    let channels: Int, kernel: Int
    /// (ky, kx, c): the taps of one position are contiguous over channels.
    let weight: [Float]
    let bias: [Float]

    /// `w` is PyTorch's (C, 1, k, k).
    init(weight w: Tensor, bias b: Tensor?) {
        let c = w.shape[0], k = w.shape[2]
        var r = [Float](repeating: 0, count: w.count)
        for ch in 0..<c { for t in 0..<(k * k) { r[t * c + ch] = w.data[ch * k * k + t] } }
        channels = c; kernel = k; weight = r
        bias = b?.data ?? [Float](repeating: 0, count: c)
    }

    func callAsFunction(_ x: FeatureMap) -> FeatureMap {
        callAsFunction(x, epilogue: nil)
    }

    /// The convolution (bias included), then optionally act(y·scale + shift) applied to each
    /// output before it is stored: `vck_depthwise` (C), rows split over the engine's threads.
    /// `reference` is the plain loop it is tested against.
    func callAsFunction(_ x: FeatureMap, epilogue: (scale: [Float], shift: [Float], act: EpilogueActivation)?) -> FeatureMap {
        precondition(x.channels == channels)
        let h = x.height, w = x.width, c = channels, k = kernel
        var out = FeatureMap(uninitializedHeight: h, width: w, channels: c)
        let escale = epilogue?.scale ?? [Float](repeating: 1, count: c)
        let eshift = epilogue?.shift ?? [Float](repeating: 0, count: c)
        let act = epilogue?.act ?? .none
        x.data.withUnsafeBufferPointer { srcBuf in weight.withUnsafeBufferPointer { wtBuf in
        bias.withUnsafeBufferPointer { bBuf in escale.withUnsafeBufferPointer { esBuf in eshift.withUnsafeBufferPointer { etBuf in
        out.data.withUnsafeMutableBufferPointer { dstBuf in
            nonisolated(unsafe) let src = srcBuf.baseAddress!, wt = wtBuf.baseAddress!, b = bBuf.baseAddress!
            nonisolated(unsafe) let es = esBuf.baseAddress!, et = etBuf.baseAddress!, dst = dstBuf.baseAddress!
            // One call per thread over rows r0..<r1 and channels c0..<c1, with its own tile.
            func run(_ r0: Int, _ r1: Int, _ c0: Int, _ c1: Int) {
                let tile = UnsafeMutableRawPointer.allocate(byteCount: max(1, vck_depthwise_scratch(w, c, k, r1 - r0)) * 4, alignment: 64)
                defer { tile.deallocate() }
                vck_depthwise(src, h, w, c, k, wt, b, es, et, act.rawValue, dst, r0, r1, c0, c1, tile.assumingMemoryBound(to: Float.self))
            }
            let threads = EngineThreads.current, blocks = (c + 15) / 16
            let flops = Double(2 * h * w * c * k * k)
            vck_tally_macs(h * w * c * k * k)
            if threads > 1 && h < 8 * threads && blocks >= threads && Parallel.pays(flops) {
                // Few rows (stage 4's 7): chunks of channel blocks instead (3 rows against 4 left
                // one thread waiting a quarter of the time).
                let chunks = min(blocks, threads * Parallel.chunksPerThread)
                Parallel.forEach(chunks, flops: flops) { t in
                    run(0, h, blocks * t / chunks * 16, min(c, blocks * (t + 1) / chunks * 16))
                }
            } else {
                Parallel.rows(h, flops: flops) { rows in run(rows.lowerBound, rows.upperBound, 0, c) }
            }
        } } } } } }
        return out
    }

    /// The plain loop over taps and channels: what the vectorised path is tested against.
    func reference(_ x: FeatureMap) -> FeatureMap {
        let h = x.height, w = x.width, c = channels, k = kernel, pad = k / 2
        var out = FeatureMap(height: h, width: w, channels: c)
        for i in 0..<h { for j in 0..<w { for ch in 0..<c {
            var acc = bias[ch]
            for ky in 0..<k { for kx in 0..<k {
                let iy = i + ky - pad, ix = j + kx - pad
                if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
                acc += x.data[(iy * w + ix) * c + ch] * weight[(ky * k + kx) * c + ch]
            } }
            out.data[(i * w + j) * c + ch] = acc
        } } }
        return out
    }
}
