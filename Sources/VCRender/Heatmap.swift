/// A 2-D float map (row-major, height × width) and its mapping to colours.
///
/// Pure and deterministic: the terminal view and the PNG export paint from the same functions,
/// so a channel looks the same in both. NaN pixels (padding) paint as `nanColor`.
public struct Heatmap: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var values: [Float]

    public init(width: Int, height: Int, values: [Float]) {
        precondition(values.count == width * height, "Heatmap: \(width)×\(height) needs \(width * height) values, got \(values.count)")
        self.width = width; self.height = height; self.values = values
    }

    public subscript(y: Int, x: Int) -> Float { values[y * width + x] }

    /// Box-filter resampling to `w`×`h`: each output pixel is the mean of the finite input pixels
    /// its footprint touches (footprint [⌊x·W/w⌋, ⌈(x+1)·W/w⌉) per axis; at least one pixel, so
    /// enlarging repeats pixels, nearest-neighbour style). All-NaN footprints stay NaN.
    public func resampled(width w: Int, height h: Int) -> Heatmap {
        if w == width && h == height { return self }
        let xs = Heatmap.footprintRanges(from: width, to: w), ys = Heatmap.footprintRanges(from: height, to: h)
        var out = [Float](repeating: .nan, count: w * h)
        values.withUnsafeBufferPointer { src in
            for oy in 0..<h {
                let ry = ys[oy]
                for ox in 0..<w {
                    let rx = xs[ox]
                    var sum: Float = 0, n = 0
                    for y in ry { for x in rx {
                        let v = src[y * width + x]
                        if v.isFinite { sum += v; n += 1 }
                    } }
                    if n > 0 { out[oy * w + ox] = sum / Float(n) }
                }
            }
        }
        return Heatmap(width: w, height: h, values: out)
    }

    /// The input index ranges a box filter from `n` to `m` samples averages (shared with pictures).
    public static func footprintRanges(from n: Int, to m: Int) -> [Range<Int>] {
        (0..<m).map { i in
            let lo = i * n / m
            let hi = Swift.max(lo + 1, ((i + 1) * n + m - 1) / m)
            return lo..<Swift.min(hi, n)
        }
    }

    /// LUT indices (0…255) of every pixel under `scale`; NaN pixels give nil.
    public func levels(scale: HeatmapScale) -> [UInt8?] {
        values.map { $0.isNaN ? nil : UInt8(Colormap.index(scale.normalised($0))) }
    }

    /// Colours of every pixel, row-major.
    public func rgb(scale: HeatmapScale, colormap: Colormap, nanColor: RGB8 = .black) -> [RGB8] {
        let lut = colormap.lut
        return values.map { $0.isNaN ? nanColor : lut[Colormap.index(scale.normalised($0))] }
    }

    /// Interleaved RGB bytes (3 per pixel, row-major), the layout a PNG writer takes.
    public func rgbBytes(scale: HeatmapScale, colormap: Colormap, nanColor: RGB8 = .black) -> [UInt8] {
        var out = [UInt8](); out.reserveCapacity(values.count * 3)
        for c in rgb(scale: scale, colormap: colormap, nanColor: nanColor) { out.append(c.r); out.append(c.g); out.append(c.b) }
        return out
    }
}
