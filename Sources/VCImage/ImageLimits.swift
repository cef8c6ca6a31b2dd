/// The largest images the decoders accept. Checked against the header before any pixel memory
/// is allocated, so a small hostile file cannot claim gigabytes.
public struct ImageLimits: Sendable, Equatable {
    /// Largest width or height, in pixels.
    public var maxSide: Int
    /// Largest width * height.
    public var maxPixels: Int
    /// Largest file read from disk, in bytes.
    public var maxFileBytes: Int

    public init(maxSide: Int, maxPixels: Int, maxFileBytes: Int) {
        self.maxSide = maxSide
        self.maxPixels = maxPixels
        self.maxFileBytes = maxFileBytes
    }

    /// 16384 px a side and 100 Mpx: above any camera photo, and the decoded RGB then stays
    /// under 300 MB. Files up to 1 GiB (a 100 Mpx PNG that barely compresses is about 300 MB).
    public static let standard = ImageLimits(maxSide: 16384, maxPixels: 100_000_000,
                                             maxFileBytes: 1 << 30)
}
