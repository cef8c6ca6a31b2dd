/// The reverse of the convolutions in `Conv.swift`: the gradient with respect to the input.

/// A dense k×k convolution's input gradient. With W the weight as (out, ky·kx·in):
///
///     dcols[M × k·k·Cin] = dy[M × Cout] · W[Cout × k·k·Cin]      (M = output pixels)
///     dx[iy, ix, c]     += dcols[(oy, ox), (ky, kx, c)]  for iy = oy·s + ky − pad, ix = ox·s + kx − pad
///
/// the second line being im2col's adjoint (col2im). A 1×1 stride-1 convolution is the product alone.
/// The product dy·W is the forward's kind of product, A·Bᵀ with B = Wᵀ fixed, so Wᵀ is kept as a
/// `GemmWeight`: packed once at load like the forward's weights (and its plain copy dropped), where
/// cblas_sgemm re-packed W on every call — a tenth of a VCMamba-B gradient pass.
struct DenseConvGradient: Sendable {
    let inChannels: Int, outChannels: Int, kernel: Int, stride: Int, padding: Int
    /// Wᵀ: (ky, kx, in) × out.
    let transposed: GemmWeight

    /// `w` is PyTorch's (out, in, k, k).
    init(weight w: Tensor, stride: Int, padding: Int) {
        let o = w.shape[0], i = w.shape[1], k = w.shape[2], kk = k * k * i
        var t = [Float](repeating: 0, count: w.count)
        for oc in 0..<o { for ic in 0..<i { for ky in 0..<k { for kx in 0..<k {
            t[((ky * k + kx) * i + ic) * o + oc] = w.data[((oc * i + ic) * k + ky) * k + kx]
        } } } }
        inChannels = i; outChannels = o; kernel = k; self.stride = stride; self.padding = padding
        transposed = GemmWeight(t, outputs: kk, inputs: o)
    }

    /// dL/dx for a forward input of `height`×`width`, given dL/d(conv output) `g`.
    func inputGradient(_ g: FeatureMap, height: Int, width: Int) -> FeatureMap {
        precondition(g.channels == outChannels)
        let kk = kernel * kernel * inChannels, m = g.tokens
        if kernel == 1 && stride == 1 && padding == 0 {
            var dx = FeatureMap(uninitializedHeight: height, width: width, channels: inChannels)
            g.data.withUnsafeBufferPointer { a in dx.data.withUnsafeMutableBufferPointer { c in
                transposed.product(a.baseAddress!, lda: outChannels, c.baseAddress!, ldc: inChannels, rows: m)
            } }
            return dx
        }
        var cols = [Float](unsafeUninitializedCapacity: m * kk) { _, n in n = m * kk }
        g.data.withUnsafeBufferPointer { a in cols.withUnsafeMutableBufferPointer { c in
            transposed.product(a.baseAddress!, lda: outChannels, c.baseAddress!, ldc: kk, rows: m)
        } }
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

    /// The definition, one multiply-add per (output pixel, tap, in, out), from PyTorch's (out, in,
    /// k, k) weight `w`: what the tests compare `inputGradient` with.
    static func inputGradientReference(_ g: FeatureMap, weight w: Tensor, stride: Int, padding: Int, height: Int, width: Int) -> FeatureMap {
        let co = w.shape[0], ci = w.shape[1], k = w.shape[2]
        var dx = FeatureMap(height: height, width: width, channels: ci)
        for oy in 0..<g.height { for ox in 0..<g.width { for oc in 0..<co {
            let gv = g.data[(oy * g.width + ox) * co + oc]
            for ky in 0..<k { for kx in 0..<k {
                let iy = oy * stride + ky - padding, ix = ox * stride + kx - padding
                if iy < 0 || iy >= height || ix < 0 || ix >= width { continue }
                for ic in 0..<ci { dx.data[(iy * width + ix) * ci + ic] += gv * w.data[((oc * ci + ic) * k + ky) * k + kx] }
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
