import VCRender
/// A picture the view wants shown as real pixels over a rectangle of cells, where the terminal
/// can (kitty, sixel, iTerm2). The view still draws the same rectangle with half blocks: they are
/// what every other terminal shows, and what the screen falls back to when anything covers the
/// rectangle (the help overlay, a status line).
public struct FrameImage: Equatable, Sendable {
    /// Which picture this is (the kitty protocol's image id; one per kind of panel).
    public enum Slot: Int, Sendable { case input = 1, zoom = 2, gradientOverlay = 3, gradientMap = 4 }

    public var slot: Slot
    /// The cells it covers.
    public var rect: Rect
    public var width: Int
    public var height: Int
    /// width · height · 3 bytes, row-major RGB.
    public var rgb: [UInt8]
    /// Cells inside `rect` that the view drew over the half blocks and the pixels show in their
    /// own way (the zoom's cursor marker): they do not stop the image from being drawn.
    public var marks: [Rect] = []

    public init(slot: Slot, rect: Rect, width: Int, height: Int, rgb: [UInt8]) {
        precondition(rgb.count == width * height * 3, "FrameImage: \(width)×\(height) needs \(width * height * 3) bytes, got \(rgb.count)")
        self.slot = slot; self.rect = rect; self.width = width; self.height = height; self.rgb = rgb
    }

    /// The largest size with the picture's aspect that fits the rectangle's pixels.
    func fittedSize(cell: PixelSize) -> PixelSize {
        let bw = rect.w * cell.width, bh = rect.h * cell.height
        guard width > 0, height > 0, bw > 0, bh > 0 else { return PixelSize(width: 0, height: 0) }
        if bw * height <= bh * width {
            return PixelSize(width: bw, height: max(1, bw * height / width))
        }
        return PixelSize(width: max(1, bh * width / height), height: bh)
    }

    /// The pixels scaled to `size` (box filter down, repeated up), row-major RGB.
    func scaled(to size: PixelSize) -> [UInt8] {
        if size.width == width && size.height == height { return rgb }
        let px = Picture(width: width, height: height, rgb: rgb).resampled(width: size.width, height: size.height)
        var out = [UInt8](repeating: 0, count: px.count * 3)
        for (i, p) in px.enumerated() { out[3 * i] = p.r; out[3 * i + 1] = p.g; out[3 * i + 2] = p.b }
        return out
    }
}
