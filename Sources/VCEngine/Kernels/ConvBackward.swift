/// The reverse of the convolutions in `Conv.swift`: the gradient with respect to the input.

/// A dense k×k convolution's input gradient. The forward's weight lives packed inside a
/// `GemmWeight` (its plain copy is dropped at load), so the reverse keeps its own plain copy in the
/// same (out, ky, kx, in) layout:
///
///     dcols[M × k·k·Cin] = dy[M × Cout] · W[Cout × k·k·Cin]      (M = output pixels)
///     dx[iy, ix, c]     += dcols[(oy, ox), (ky, kx, c)]  for iy = oy·s + ky − pad, ix = ox·s + kx − pad
///
/// the second line being im2col's adjoint (col2im). A 1×1 stride-1 convolution is the product alone.
struct DenseConvGradient: Sendable {
    let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    /// (out, ky, kx, in), row-major.
    let weight: [Float]

    /// `w` is PyTorch's (out, in, k, k).
    init(weight w: Tensor, stride: Int, padding: Int) {
        let o = w.shape[0], i = w.shape[1], k = w.shape[2]
        var r = [Float](repeating: 0, count: w.count)
        for oc in 0..<o { for ic in 0..<i { for ky in 0..<k { for kx in 0..<k {
            r[((oc * k + ky) * k + kx) * i + ic] = w.data[((oc * i + ic) * k + ky) * k + kx]
        } } } }
        inChannels = i; outChannels = o; kernel = k; self.stride = stride; self.padding = padding; weight = r
    }

    /// dL/dx for a forward input of `height`×`width`, given dL/d(conv output) `g`.
    func inputGradient(_ g: FeatureMap, height: Int, width: Int) -> FeatureMap {
        precondition(g.channels == outChannels)
        let kk = kernel * kernel * inChannels, m = g.tokens
        if kernel == 1 && stride == 1 && padding == 0 {
            var dx = FeatureMap(uninitializedHeight: height, width: width, channels: inChannels)
            g.data.withUnsafeBufferPointer { a in weight.withUnsafeBufferPointer { b in dx.data.withUnsafeMutableBufferPointer { c in
                gemmAB(a.baseAddress!, lda: outChannels, b.baseAddress!, ldb: inChannels, c.baseAddress!, ldc: inChannels,
                       m: m, n: inChannels, k: outChannels)
            } } }
            return dx
        }
        var cols = [Float](unsafeUninitializedCapacity: m * kk) { _, n in n = m * kk }
        g.data.withUnsafeBufferPointer { a in weight.withUnsafeBufferPointer { b in cols.withUnsafeMutableBufferPointer { c in
            gemmAB(a.baseAddress!, lda: outChannels, b.baseAddress!, ldb: kk, c.baseAddress!, ldc: kk, m: m, n: kk, k: outChannels)
        } } }
        return col2im(cols, outHeight: g.height, outWidth: g.width, height: height, width: width)
    }

    /// im2col's adjoint: every patch entry added back onto the input pixel it was copied from.
    func col2im(_ cols: [Float], outHeight ho: Int, outWidth wo: Int, height: Int, width: Int) -> FeatureMap {
        let kk = kernel * kernel * inChannels, c = inChannels
        var dx = FeatureMap(height: height, width: width, channels: c)
        cols.withUnsafeBufferPointer { src in dx.data.withUnsafeMutableBufferPointer { dst in
            for oy in 0..<ho { for ky in 0..<kernel {
                let iy = oy * stride + ky - padding
                if iy < 0 || iy >= height { continue }
                for ox in 0..<wo { for kx in 0..<kernel {
                    let ix = ox * stride + kx - padding
                    if ix < 0 || ix >= width { continue }
                    let s = (oy * wo + ox) * kk + (ky * kernel + kx) * c, d = (iy * width + ix) * c
                    for ch in 0..<c { dst[d + ch] += src[s + ch] }
                } }
            } }
        } }
        return dx
    }

    /// The definition, one multiply-add per (output pixel, tap, in, out): what the tests compare with.
    func inputGradientReference(_ g: FeatureMap, height: Int, width: Int) -> FeatureMap {
        var dx = FeatureMap(height: height, width: width, channels: inChannels)
        let k = kernel, ci = inChannels
        for oy in 0..<g.height { for ox in 0..<g.width { for oc in 0..<outChannels {
            let gv = g.data[(oy * g.width + ox) * outChannels + oc]
            for ky in 0..<k { for kx in 0..<k {
                let iy = oy * stride + ky - padding, ix = ox * stride + kx - padding
                if iy < 0 || iy >= height || ix < 0 || ix >= width { continue }
                for ic in 0..<ci { dx.data[(iy * width + ix) * ci + ic] += gv * weight[((oc * k + ky) * k + kx) * ci + ic] }
            } }
        } } }
        return dx
    }
}

/// A depthwise k×k convolution's input gradient (stride 1, padding k/2): the same convolution with
/// the kernel turned by 180° and no bias, dx[p] = Σ_taps dy[p − tap] · w[tap]. Evaluated by the
/// forward's own kernel on the flipped weights; `reference` is the scatter loop it is tested against.
struct DepthwiseGradient: Sendable {
    let flipped: DepthwiseConv
    let weight: [Float]          // the forward's (ky, kx, c)
    let channels: Int, kernel: Int

    /// `w` is PyTorch's (C, 1, k, k).
    init(weight w: Tensor) {
        let c = w.shape[0], k = w.shape[2]
        var f = [Float](repeating: 0, count: w.count)
        for ch in 0..<c { for t in 0..<(k * k) { f[ch * k * k + (k * k - 1 - t)] = w.data[ch * k * k + t] } }
        flipped = DepthwiseConv(weight: Tensor(shape: w.shape, data: f), bias: nil)
        weight = DepthwiseConv(weight: w, bias: nil).weight
        channels = c; kernel = k
    }

    func inputGradient(_ g: FeatureMap) -> FeatureMap { flipped(g) }

    func reference(_ g: FeatureMap) -> FeatureMap {
        let h = g.height, w = g.width, c = channels, k = kernel, pad = k / 2
        var dx = FeatureMap(height: h, width: w, channels: c)
        for i in 0..<h { for j in 0..<w { for ky in 0..<k { for kx in 0..<k {
            let iy = i + ky - pad, ix = j + kx - pad
            if iy < 0 || iy >= h || ix < 0 || ix >= w { continue }
            for ch in 0..<c { dx.data[(iy * w + ix) * c + ch] += g.data[(i * w + j) * c + ch] * weight[(ky * k + kx) * c + ch] }
        } } } }
        return dx
    }
}
