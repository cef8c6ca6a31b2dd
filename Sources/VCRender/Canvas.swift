/// An 8-bit RGB raster to compose exported figures on: fills, lines, text in `PixelFont`,
/// heatmaps painted at an integer-free nearest-neighbour size, pictures, colour bars.
///
/// Everything is integer arithmetic on bytes and clipped to the canvas, so the same calls always
/// give the same pixels (PNG exports are byte-identical run to run). `pixels` is the layout a PNG
/// writer takes: 3 bytes per pixel, rows top to bottom, no padding.
public struct Canvas: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]
    /// Characters drawn by `text` that the font has no glyph for (they show as boxes); `blit`
    /// carries them over, so a composed figure knows about its parts.
    public internal(set) var uncoveredCharacters: Set<Character> = []

    public init(width: Int, height: Int, background: RGB8 = .white) {
        precondition(width >= 0 && height >= 0, "Canvas: negative size \(width)×\(height)")
        self.width = width; self.height = height
        var p = [UInt8](repeating: 0, count: width * height * 3)
        for i in 0..<(width * height) { p[3 * i] = background.r; p[3 * i + 1] = background.g; p[3 * i + 2] = background.b }
        pixels = p
    }

    public subscript(x: Int, y: Int) -> RGB8 {
        get {
            let i = (y * width + x) * 3
            return RGB8(pixels[i], pixels[i + 1], pixels[i + 2])
        }
        set {
            guard x >= 0, y >= 0, x < width, y < height else { return }
            let i = (y * width + x) * 3
            pixels[i] = newValue.r; pixels[i + 1] = newValue.g; pixels[i + 2] = newValue.b
        }
    }

    // MARK: Shapes

    /// Fills a rectangle (clipped).
    public mutating func fill(x: Int, y: Int, width w: Int, height h: Int, color: RGB8) {
        let x0 = Swift.max(0, x), y0 = Swift.max(0, y)
        let x1 = Swift.min(width, x + w), y1 = Swift.min(height, y + h)
        guard x0 < x1, y0 < y1 else { return }
        let stride = width
        pixels.withUnsafeMutableBufferPointer { p in
            for yy in y0..<y1 {
                var i = (yy * stride + x0) * 3
                for _ in x0..<x1 { p[i] = color.r; p[i + 1] = color.g; p[i + 2] = color.b; i += 3 }
            }
        }
    }

    /// A rectangle's outline, `thickness` pixels wide, drawn inside the rectangle.
    public mutating func strokeRect(x: Int, y: Int, width w: Int, height h: Int, color: RGB8, thickness t: Int = 1) {
        fill(x: x, y: y, width: w, height: t, color: color)
        fill(x: x, y: y + h - t, width: w, height: t, color: color)
        fill(x: x, y: y, width: t, height: h, color: color)
        fill(x: x + w - t, y: y, width: t, height: h, color: color)
    }

    /// A line from (x0, y0) to (x1, y1) (Bresenham), each point a `thickness`-sided square centred on it.
    public mutating func line(x0: Int, y0: Int, x1: Int, y1: Int, color: RGB8, thickness t: Int = 1) {
        let dx = abs(x1 - x0), dy = -abs(y1 - y0)
        let sx = x0 < x1 ? 1 : -1, sy = y0 < y1 ? 1 : -1
        var err = dx + dy, x = x0, y = y0
        let half = (t - 1) / 2
        while true {
            if t <= 1 { self[x, y] = color } else { fill(x: x - half, y: y - half, width: t, height: t, color: color) }
            if x == x1 && y == y1 { break }
            let e2 = 2 * err
            if e2 >= dy { err += dy; x += sx }
            if e2 <= dx { err += dx; y += sy }
        }
    }

    /// A filled disc of radius `r` around (cx, cy).
    public mutating func disc(cx: Int, cy: Int, radius r: Int, color: RGB8) {
        guard r >= 0 else { return }
        for yy in -r...r { for xx in -r...r where xx * xx + yy * yy <= r * r + r { self[cx + xx, cy + yy] = color } }
    }

    /// A filled triangle pointing from (x0, y0) towards (x1, y1): an arrowhead of length `size`
    /// whose tip is (x1, y1).
    public mutating func arrowhead(fromX x0: Int, fromY y0: Int, tipX x1: Int, tipY y1: Int, size: Int, color: RGB8) {
        let dx = Double(x1 - x0), dy = Double(y1 - y0)
        let len = (dx * dx + dy * dy).squareRoot()
        guard len > 0, size > 0 else { return }
        let ux = dx / len, uy = dy / len
        let s = Double(size)
        // Triangle tip, and two base corners behind it.
        let bx = Double(x1) - ux * s, by = Double(y1) - uy * s
        let px = -uy * s * 0.55, py = ux * s * 0.55
        let tri = [(Double(x1), Double(y1)), (bx + px, by + py), (bx - px, by - py)]
        let minX = Int(tri.map { $0.0 }.min()!.rounded(.down)), maxX = Int(tri.map { $0.0 }.max()!.rounded(.up))
        let minY = Int(tri.map { $0.1 }.min()!.rounded(.down)), maxY = Int(tri.map { $0.1 }.max()!.rounded(.up))
        func edge(_ a: (Double, Double), _ b: (Double, Double), _ x: Double, _ y: Double) -> Double {
            (b.0 - a.0) * (y - a.1) - (b.1 - a.1) * (x - a.0)
        }
        for yy in minY...maxY { for xx in minX...maxX {
            let x = Double(xx) + 0.5, y = Double(yy) + 0.5
            let e0 = edge(tri[0], tri[1], x, y), e1 = edge(tri[1], tri[2], x, y), e2 = edge(tri[2], tri[0], x, y)
            if (e0 >= 0 && e1 >= 0 && e2 >= 0) || (e0 <= 0 && e1 <= 0 && e2 <= 0) { self[xx, yy] = color }
        } }
    }

    // MARK: Text

    /// Draws `text` with its top-left at (x, y), each font pixel a `scale`×`scale` square.
    /// Returns the x just after the text.
    @discardableResult
    public mutating func text(_ text: String, x: Int, y: Int, color: RGB8, scale: Int = 1) -> Int {
        switch FigureText.current {
        case .bitmap(let m): return bitmapText(text, x: x, y: y, color: color, scale: scale * m)
        case .trueType(let face, let size): return trueTypeText(text, face: face, size: FigureText.pixelSize(size, scale: scale), x: x, y: y, color: color)
        }
    }

    /// `text` in `PixelFont`'s bitmaps, each font pixel a `scale`×`scale` square.
    @discardableResult
    public mutating func bitmapText(_ text: String, x: Int, y: Int, color: RGB8, scale: Int = 1) -> Int {
        var cx = x
        uncoveredCharacters.formUnion(PixelFont.uncovered(text))
        for ch in text {
            let rows = PixelFont.glyph(ch)
            for (r, bits) in rows.enumerated() where bits != 0 {
                for c in 0..<PixelFont.glyphWidth where bits & (1 << (PixelFont.glyphWidth - 1 - c)) != 0 {
                    fill(x: cx + c * scale, y: y + r * scale, width: scale, height: scale, color: color)
                }
            }
            cx += PixelFont.advance * scale
        }
        return cx
    }

    // MARK: Maps and pictures

    /// Paints `map` into the rectangle (x, y, w, h) by nearest neighbour: destination column `dx`
    /// shows source column ⌊dx·W/w⌋ (so an integer upscale K repeats each value in a K×K block),
    /// coloured through `colormap` under `scale`. Padding (`Heatmap.noValue`) paints `nanColor`;
    /// NaN and ±∞ values paint their `Marked` colours (never blended). With `alpha` < 256
    /// the colour is blended over what is there: (c·α + under·(256 − α) + 128) / 256.
    public mutating func drawHeatmap(_ map: Heatmap, x: Int, y: Int, width w: Int, height h: Int,
                                     scale: HeatmapScale, colormap: Colormap, nanColor: RGB8, alpha: Int = 256) {
        guard w > 0, h > 0, map.width > 0, map.height > 0 else { return }
        let lut = colormap.lut
        // Colours of the source values, once.
        var colors = [RGB8](repeating: nanColor, count: map.values.count)
        var marked = [Bool](repeating: false, count: map.values.count)
        for i in 0..<map.values.count {
            let v = map.values[i]
            colors[i] = Heatmap.color(v, scale: scale, lut: lut, nanColor: nanColor)
            marked[i] = Marked.of(v) != nil
        }
        let sx = (0..<w).map { $0 * map.width / w }
        let a = Swift.max(0, Swift.min(256, alpha))
        for dy in 0..<h {
            let yy = y + dy
            guard yy >= 0, yy < height else { continue }
            let row = (dy * map.height / h) * map.width
            for dx in 0..<w {
                let xx = x + dx
                guard xx >= 0, xx < width else { continue }
                let c = colors[row + sx[dx]]
                let i = (yy * width + xx) * 3
                if a == 256 || marked[row + sx[dx]] {
                    pixels[i] = c.r; pixels[i + 1] = c.g; pixels[i + 2] = c.b
                } else {
                    pixels[i] = Canvas.mix(c.r, pixels[i], a)
                    pixels[i + 1] = Canvas.mix(c.g, pixels[i + 1], a)
                    pixels[i + 2] = Canvas.mix(c.b, pixels[i + 2], a)
                }
            }
        }
    }

    /// `top` over `under` with opacity a/256: (top·a + under·(256 − a) + 128) / 256.
    @inline(__always) public static func mix(_ top: UInt8, _ under: UInt8, _ a: Int) -> UInt8 {
        UInt8((Int(top) * a + Int(under) * (256 - a) + 128) >> 8)
    }

    /// Paints an RGB picture (`rgb` holds pw·ph·3 bytes) into the rectangle (x, y, w, h) by
    /// nearest neighbour, like `drawHeatmap`.
    public mutating func drawPicture(rgb: [UInt8], width pw: Int, height ph: Int, x: Int, y: Int, width w: Int, height h: Int) {
        precondition(rgb.count == pw * ph * 3, "drawPicture: \(pw)×\(ph) needs \(pw * ph * 3) bytes, got \(rgb.count)")
        guard w > 0, h > 0, pw > 0, ph > 0 else { return }
        let sx = (0..<w).map { $0 * pw / w }
        for dy in 0..<h {
            let yy = y + dy
            guard yy >= 0, yy < height else { continue }
            let row = (dy * ph / h) * pw
            for dx in 0..<w {
                let xx = x + dx
                guard xx >= 0, xx < width else { continue }
                let s = (row + sx[dx]) * 3, d = (yy * width + xx) * 3
                pixels[d] = rgb[s]; pixels[d + 1] = rgb[s + 1]; pixels[d + 2] = rgb[s + 2]
            }
        }
    }

    /// A horizontal colour bar: column i of w shows LUT index round(i·255 / (w − 1)), so the first
    /// column is the colour of the scale's low end (index 0) and the last that of its high end (255).
    public mutating func colorBar(x: Int, y: Int, width w: Int, height h: Int, colormap: Colormap) {
        guard w > 0 else { return }
        let lut = colormap.lut
        for i in 0..<w {
            let idx = w == 1 ? 255 : (i * 255 * 2 + (w - 1)) / (2 * (w - 1))
            fill(x: x + i, y: y, width: 1, height: h, color: lut[idx])
        }
    }

    /// Copies `other` with its top-left at (x, y) (clipped).
    public mutating func blit(_ other: Canvas, x: Int, y: Int) {
        uncoveredCharacters.formUnion(other.uncoveredCharacters)
        for sy in 0..<other.height {
            let yy = y + sy
            guard yy >= 0, yy < height else { continue }
            for sx in 0..<other.width {
                let xx = x + sx
                guard xx >= 0, xx < width else { continue }
                let s = (sy * other.width + sx) * 3, d = (yy * width + xx) * 3
                pixels[d] = other.pixels[s]; pixels[d + 1] = other.pixels[s + 1]; pixels[d + 2] = other.pixels[s + 2]
            }
        }
    }
}
