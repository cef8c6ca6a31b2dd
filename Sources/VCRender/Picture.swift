import VCTensor

/// The input picture the network saw (the cropped image), as 8-bit RGB.
///
/// VCImage's `RGBImage` carries the same three fields; the renderer does not depend on the decoder.
public struct Picture: Equatable, Sendable {
    public let width: Int
    public let height: Int
    /// width · height · 3 bytes, row-major RGB.
    public let rgb: [UInt8]

    public init(width: Int, height: Int, rgb: [UInt8]) {
        precondition(rgb.count == width * height * 3, "Picture: \(width)×\(height) needs \(width * height * 3) bytes, got \(rgb.count)")
        self.width = width; self.height = height; self.rgb = rgb
    }

    /// Undoes the normalisation of a (1, 3, H, W) input tensor: v · std + mean, rounded, clamped
    /// (`Recording.picture(ofNormalisedInput:)` passes the eval transform's mean and std).
    public init(normalisedInput t: Tensor, mean: [Float], std: [Float]) {
        precondition(t.shape.count == 4 && t.shape[1] == 3, "Picture: expected (1, 3, H, W), got \(t.shape)")
        let h = t.shape[2], w = t.shape[3], n = h * w
        var out = [UInt8](repeating: 0, count: n * 3)
        for c in 0..<3 {
            for p in 0..<n {
                let v = (t.data[c * n + p] * std[c] + mean[c]) * 255
                out[p * 3 + c] = UInt8(min(max(v.rounded(), 0), 255))
            }
        }
        self.init(width: w, height: h, rgb: out)
    }

    /// Box-filtered down (or repeated up) to `w`×`h` pixels.
    public func resampled(width w: Int, height h: Int) -> [RGB8] {
        let xs = Heatmap.footprintRanges(from: width, to: w), ys = Heatmap.footprintRanges(from: height, to: h)
        var out = [RGB8](repeating: .black, count: w * h)
        for oy in 0..<h {
            for ox in 0..<w {
                var r = 0, g = 0, b = 0, n = 0
                for y in ys[oy] { for x in xs[ox] {
                    let i = (y * width + x) * 3
                    r += Int(rgb[i]); g += Int(rgb[i + 1]); b += Int(rgb[i + 2]); n += 1
                } }
                out[oy * w + ox] = RGB8(UInt8((r + n / 2) / n), UInt8((g + n / 2) / n), UInt8((b + n / 2) / n))
            }
        }
        return out
    }
}
