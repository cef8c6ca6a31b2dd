/// An 8-bit RGB image: `pixels` holds `width * height * 3` bytes, R G B per pixel, rows top to
/// bottom with no padding. This is the only pixel layout VCImage uses, and what Pillow's
/// `convert("RGB")` gives as a numpy array.
public struct RGBImage: Sendable, Equatable {
    public let width: Int
    public let height: Int
    public var pixels: [UInt8]

    public init(width: Int, height: Int, pixels: [UInt8]) {
        precondition(width >= 0 && height >= 0, "negative image size \(width)x\(height)")
        precondition(pixels.count == width * height * 3,
                     "\(width)x\(height) RGB needs \(width * height * 3) bytes, got \(pixels.count)")
        self.width = width
        self.height = height
        self.pixels = pixels
    }

    /// The channel value at column `x`, row `y`, channel `c` (0 = R, 1 = G, 2 = B).
    @inlinable
    public subscript(x: Int, y: Int, c: Int) -> UInt8 {
        pixels[(y * width + x) * 3 + c]
    }
}
