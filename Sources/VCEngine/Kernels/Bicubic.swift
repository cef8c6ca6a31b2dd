/// PyTorch's `F.interpolate(mode="bicubic", align_corners=False)` for one (C, H, W) map.
///
/// Used to fit pos_embed to a grid other than the one it was trained for (vcview's extension:
/// the official code has no such path). Cubic convolution with A = −0.75; the source coordinate
/// is (dst + 0.5)·(in/out) − 0.5, not clamped; taps outside the map repeat the border.
enum Bicubic {
    static func weights(_ t: Float) -> (Float, Float, Float, Float) {
        let a: Float = -0.75
        func near(_ x: Float) -> Float { ((a + 2) * x - (a + 3)) * x * x + 1 }          // |x| ≤ 1
        func far(_ x: Float) -> Float { ((a * x - 5 * a) * x + 8 * a) * x - 4 * a }      // 1 < |x| < 2
        return (far(t + 1), near(t), near(1 - t), far(2 - t))
    }

    /// `src` is (C, inH, inW) row-major; returns (C, outH, outW).
    static func resize(_ src: [Float], channels: Int, inH: Int, inW: Int, outH: Int, outW: Int) -> [Float] {
        if inH == outH && inW == outW { return src }
        var out = [Float](repeating: 0, count: channels * outH * outW)
        let sh = Float(inH) / Float(outH), sw = Float(inW) / Float(outW)
        for oy in 0..<outH {
            let ry = (Float(oy) + 0.5) * sh - 0.5
            let fy = ry.rounded(.down), ty = ry - fy, iy = Int(fy)
            let wy = weights(ty)
            for ox in 0..<outW {
                let rx = (Float(ox) + 0.5) * sw - 0.5
                let fx = rx.rounded(.down), tx = rx - fx, ix = Int(fx)
                let wx = weights(tx)
                let ys = [iy - 1, iy, iy + 1, iy + 2].map { min(max($0, 0), inH - 1) }
                let xs = [ix - 1, ix, ix + 1, ix + 2].map { min(max($0, 0), inW - 1) }
                let wys = [wy.0, wy.1, wy.2, wy.3], wxs = [wx.0, wx.1, wx.2, wx.3]
                for c in 0..<channels {
                    let base = c * inH * inW
                    var acc: Float = 0
                    for a in 0..<4 {
                        let r = base + ys[a] * inW
                        let row = src[r + xs[0]] * wxs[0] + src[r + xs[1]] * wxs[1] + src[r + xs[2]] * wxs[2] + src[r + xs[3]] * wxs[3]
                        acc += row * wys[a]
                    }
                    out[(c * outH + oy) * outW + ox] = acc
                }
            }
        }
        return out
    }
}
