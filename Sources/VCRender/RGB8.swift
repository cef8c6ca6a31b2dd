/// One 8-bit sRGB colour: what a heatmap pixel, a terminal cell colour and a PNG pixel all are.
public struct RGB8: Hashable, Sendable, CustomStringConvertible {
    public var r: UInt8
    public var g: UInt8
    public var b: UInt8

    public init(_ r: UInt8, _ g: UInt8, _ b: UInt8) {
        self.r = r; self.g = g; self.b = b
    }

    /// From unit-range components, rounded to nearest and clamped to [0, 1].
    public init(unit r: Double, _ g: Double, _ b: Double) {
        func q(_ v: Double) -> UInt8 { UInt8((min(max(v, 0), 1) * 255).rounded()) }
        self.init(q(r), q(g), q(b))
    }

    /// 0xRRGGBB, the colour number of a direct-colour terminal.
    public var packed: Int { Int(r) << 16 | Int(g) << 8 | Int(b) }

    /// Rec. 709 relative luminance of the 8-bit values (no gamma decoding), in [0, 1].
    public var luma: Double { (0.2126 * Double(r) + 0.7152 * Double(g) + 0.0722 * Double(b)) / 255 }

    public var description: String {
        let hex = String(packed, radix: 16)
        return "#" + String(repeating: "0", count: 6 - hex.count) + hex
    }

    public static let black = RGB8(0, 0, 0)
    public static let white = RGB8(255, 255, 255)
}
