/// The adjoint of `Bicubic.resize` (linear in the source map): every output value's gradient
/// spread back onto its sixteen taps with the same weights, clamped border taps included. This is
/// the gradient with respect to the stored pos_embed when the forward resized it.
extension Bicubic {
    /// `g` is (C, outH, outW); returns (C, inH, inW).
    static func resizeAdjoint(_ g: [Float], channels: Int, inH: Int, inW: Int, outH: Int, outW: Int) -> [Float] {
        if inH == outH && inW == outW { return g }
        var src = [Float](repeating: 0, count: channels * inH * inW)
        let sh = Float(inH) / Float(outH), sw = Float(inW) / Float(outW)
        for oy in 0..<outH {
            let ry = (Float(oy) + 0.5) * sh - 0.5
            let fy = ry.rounded(.down), iy = Int(fy), wy = weights(ry - fy)
            for ox in 0..<outW {
                let rx = (Float(ox) + 0.5) * sw - 0.5
                let fx = rx.rounded(.down), ix = Int(fx), wx = weights(rx - fx)
                let ys = [iy - 1, iy, iy + 1, iy + 2].map { min(max($0, 0), inH - 1) }
                let xs = [ix - 1, ix, ix + 1, ix + 2].map { min(max($0, 0), inW - 1) }
                let wys = [wy.0, wy.1, wy.2, wy.3], wxs = [wx.0, wx.1, wx.2, wx.3]
                for c in 0..<channels {
                    let go = g[(c * outH + oy) * outW + ox]
                    for a in 0..<4 { for b in 0..<4 { src[(c * inH + ys[a]) * inW + xs[b]] += go * wys[a] * wxs[b] } }
                }
            }
        }
        return src
    }
}
