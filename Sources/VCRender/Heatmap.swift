/// A 2-D float map (row-major, height × width) and its mapping to colours.
///
/// Pure and deterministic: the terminal view and the PNG export paint from the same functions,
/// so a channel looks the same in both. `noValue` pixels (padding) paint as `nanColor`; NaN and
/// ±∞ values of the activation paint in their `Marked` colours.
public struct Heatmap: Equatable, Sendable {
    /// "No value here" (padding, a token not read yet): a quiet NaN with a payload of its own, so
    /// it is told apart from the NaN an activation computes (payload 0). Arithmetic on it gives
    /// NaN like any NaN, but the views only ever store and compare it.
    public static let noValue = Float(bitPattern: 0x7FC0_0A5A)

    @inlinable public static func isNoValue(_ v: Float) -> Bool { v.bitPattern & 0x7FFF_FFFF == 0x7FC0_0A5A }

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
    /// enlarging repeats pixels, nearest-neighbour style). A footprint that touches a NaN or ∞ of
    /// the activation shows it (NaN, or NaN when it holds both +∞ and −∞): shrinking a map never
    /// hides where it broke. Footprints of padding only stay `noValue`.
    public func resampled(width w: Int, height h: Int) -> Heatmap {
        if w == width && h == height { return self }
        let xs = Heatmap.footprintRanges(from: width, to: w), ys = Heatmap.footprintRanges(from: height, to: h)
        var out = [Float](repeating: Heatmap.noValue, count: w * h)
        values.withUnsafeBufferPointer { src in
            for oy in 0..<h {
                let ry = ys[oy]
                for ox in 0..<w {
                    let rx = xs[ox]
                    var sum = 0.0, n = 0
                    var nan = false, pos = false, neg = false
                    for y in ry { for x in rx {
                        let v = src[y * width + x]
                        if v.isFinite { sum += Double(v); n += 1 }
                        else if v.isNaN { if !Heatmap.isNoValue(v) { nan = true } }
                        else if v > 0 { pos = true } else { neg = true }
                    } }
                    if nan || (pos && neg) { out[oy * w + ox] = .nan }
                    else if pos { out[oy * w + ox] = .infinity }
                    else if neg { out[oy * w + ox] = -.infinity }
                    // The mean of finite floats is finite, but a Float sum of large ones is not.
                    else if n > 0 { out[oy * w + ox] = Float(sum / Double(n)) }
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

    /// LUT indices (0…255) of every finite pixel under `scale`; NaN, ±∞ and padding give nil.
    public func levels(scale: HeatmapScale) -> [UInt8?] {
        values.map { $0.isFinite ? UInt8(Colormap.index(scale.normalised($0))) : nil }
    }

    /// The colour of one value: the colormap's for a finite value, the mark's for NaN and ±∞,
    /// `nanColor` for padding (`noValue`).
    @inlinable public static func color(_ v: Float, scale: HeatmapScale, lut: [RGB8], nanColor: RGB8) -> RGB8 {
        if v.isFinite { return lut[Colormap.index(scale.normalised(v))] }
        return Marked.of(v)?.color ?? nanColor
    }

    /// Colours of every pixel, row-major.
    public func rgb(scale: HeatmapScale, colormap: Colormap, nanColor: RGB8 = .black) -> [RGB8] {
        let lut = colormap.lut
        return values.map { Heatmap.color($0, scale: scale, lut: lut, nanColor: nanColor) }
    }

    /// Interleaved RGB bytes (3 per pixel, row-major), the layout a PNG writer takes.
    public func rgbBytes(scale: HeatmapScale, colormap: Colormap, nanColor: RGB8 = .black) -> [UInt8] {
        var out = [UInt8](); out.reserveCapacity(values.count * 3)
        for c in rgb(scale: scale, colormap: colormap, nanColor: nanColor) { out.append(c.r); out.append(c.g); out.append(c.b) }
        return out
    }
}
