import CFreeType
import Foundation
import Synchronization

/// The text of exported figures: a TrueType face through FreeType when one is configured and
/// found (DejaVu Sans from Debian's fonts-dejavu-core), else `PixelFont`'s 5×7 bitmaps scaled by
/// a whole factor. One setting for the process, made once before figures are drawn
/// (`vcview export --text-size N`, the explorer's `e`/`E`); `PixelFont.width`, its line metrics
/// and `Canvas.text` go through it, so every figure's layout follows the font in use.
public enum FigureText {
    /// What draws the text.
    public enum Face: Sendable {
        /// The bitmap font, each font pixel `multiplier`² image pixels.
        case bitmap(multiplier: Int)
        /// A TrueType face; `size` is the body text's pixel size (the em height).
        case trueType(TrueTypeFace, size: Int)
    }

    private static let state = Mutex<Face>(.bitmap(multiplier: 1))

    public static var current: Face { state.withLock { $0 } }

    /// Where the TrueType face is looked for, in order (VCVIEW_FONT first when set).
    public static let searchPaths = [
        "/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/dejavu/DejaVuSans.ttf",
        "/usr/share/fonts/TTF/DejaVuSans.ttf",
        "/usr/local/share/fonts/DejaVuSans.ttf",
        "/Library/Fonts/DejaVuSans.ttf",
    ]

    /// The default body size in pixels: a little larger than the bitmap font's 10-pixel lines.
    public static let defaultSize = 14

    /// Uses a TrueType face at `size` pixels when one is found, else the bitmap font at the
    /// nearest whole multiple of its 10-pixel line (at least 1). Returns a line saying which.
    @discardableResult
    public static func configure(size: Int?, environment env: [String: String] = ProcessInfo.processInfo.environment,
                                 searchPaths: [String] = FigureText.searchPaths) -> String {
        let px = size ?? defaultSize
        let paths = (env["VCVIEW_FONT"].map { [$0] } ?? []) + searchPaths
        for p in paths where FileManager.default.fileExists(atPath: p) {
            if let face = TrueTypeFace(path: p) {
                state.withLock { $0 = .trueType(face, size: px) }
                return "text: \((p as NSString).lastPathComponent) at \(px) px"
            }
        }
        let m = max(1, Int((Double(px) / 10).rounded()))
        state.withLock { $0 = .bitmap(multiplier: m) }
        return "text: no TrueType font found (looked in \(paths.joined(separator: ", "))); 5×7 bitmap font ×\(m)"
    }

    /// Back to the bitmap font at its own size (tests).
    public static func reset() { state.withLock { $0 = .bitmap(multiplier: 1) } }

    /// A TrueType face's pixel size for a bitmap `scale` (titles use 2): 1.6× per step above 1.
    static func pixelSize(_ size: Int, scale: Int) -> Int {
        scale <= 1 ? size : Int((Double(size) * (1 + 0.6 * Double(scale - 1))).rounded())
    }
}

/// One rendered glyph: 8-bit coverage, where it sits against the pen position, and the advance.
struct Glyph: Sendable {
    var width: Int, rows: Int
    /// From the pen to the bitmap's left edge, and from the baseline up to its top row.
    var left: Int, top: Int
    var advance: Int
    var coverage: [UInt8]
}

/// A FreeType face with a glyph cache. FreeType faces are not thread-safe, and exports draw
/// figures in parallel: every use goes through one lock, and glyphs are rendered once per size.
public final class TrueTypeFace: Sendable {
    public let path: String
    private struct Native: @unchecked Sendable {
        var library: FT_Library?
        var face: FT_Face?
        var glyphs: [Int: Glyph] = [:]
        var metrics: [Int: (ascent: Int, descent: Int, height: Int)] = [:]
    }
    private let native: Mutex<Native>

    init?(path: String) {
        var lib: FT_Library?
        guard FT_Init_FreeType(&lib) == 0 else { return nil }
        var face: FT_Face?
        guard FT_New_Face(lib, path, 0, &face) == 0, face != nil else { FT_Done_FreeType(lib); return nil }
        self.path = path
        native = Mutex(Native(library: lib, face: face))
    }

    deinit {
        native.withLock { n in
            if let f = n.face { FT_Done_Face(f) }
            if let l = n.library { FT_Done_FreeType(l) }
        }
    }

    /// Ascent and descent (both positive) and the line height at `size` pixels.
    func metrics(size: Int) -> (ascent: Int, descent: Int, height: Int) {
        native.withLock { n in
            if let m = n.metrics[size] { return m }
            guard let face = n.face else { return (size, 0, size) }
            FT_Set_Pixel_Sizes(face, 0, FT_UInt(size))
            let m = face.pointee.size.pointee.metrics
            let r = (Int(m.ascender + 63) >> 6, Int(-m.descender + 63) >> 6, Int(m.height + 63) >> 6)
            n.metrics[size] = r
            return r
        }
    }

    /// The glyph of `scalar` at `size` pixels (FreeType's .notdef box when the face lacks it).
    func glyph(_ scalar: Unicode.Scalar, size: Int) -> Glyph {
        native.withLock { n in
            let key = Int(scalar.value) << 10 | min(size, 1023)
            if let g = n.glyphs[key] { return g }
            var g = Glyph(width: 0, rows: 0, left: 0, top: 0, advance: size / 2, coverage: [])
            if let face = n.face {
                FT_Set_Pixel_Sizes(face, 0, FT_UInt(size))
                if FT_Load_Char(face, FT_ULong(scalar.value), vc_ft_load_render()) == 0, let slot = face.pointee.glyph {
                    let bm = slot.pointee.bitmap
                    g.width = Int(bm.width); g.rows = Int(bm.rows)
                    g.left = Int(slot.pointee.bitmap_left); g.top = Int(slot.pointee.bitmap_top)
                    g.advance = Int(slot.pointee.advance.x + 32) >> 6
                    g.coverage = [UInt8](repeating: 0, count: g.width * g.rows)
                    if let buffer = bm.buffer {
                        for r in 0..<g.rows { for c in 0..<g.width { g.coverage[r * g.width + c] = buffer[r * Int(bm.pitch) + c] } }
                    }
                }
            }
            n.glyphs[key] = g
            return g
        }
    }

    /// Whether the face has a glyph of its own for `scalar`.
    func covers(_ scalar: Unicode.Scalar) -> Bool {
        native.withLock { n in n.face.map { FT_Get_Char_Index($0, FT_ULong(scalar.value)) != 0 } ?? false }
    }

    /// Width of `text` in pixels at `size`: the sum of the advances.
    func width(_ text: String, size: Int) -> Int { text.unicodeScalars.reduce(0) { $0 + glyph($1, size: size).advance } }
}

extension Canvas {
    /// `text` in a TrueType face at `size` pixels, its line box's top-left at (x, y): each glyph's
    /// coverage blends `color` over what is there, (c·a + under·(255 − a) + 127) / 255.
    mutating func trueTypeText(_ text: String, face: TrueTypeFace, size: Int, x: Int, y: Int, color: RGB8) -> Int {
        let baseline = y + face.metrics(size: size).ascent
        var pen = x
        for s in text.unicodeScalars {
            if !face.covers(s) && s != " " { uncoveredCharacters.insert(Character(s)) }
            let g = face.glyph(s, size: size)
            for r in 0..<g.rows {
                let py = baseline - g.top + r
                guard py >= 0 && py < height else { continue }
                for c in 0..<g.width {
                    let a = Int(g.coverage[r * g.width + c])
                    let px = pen + g.left + c
                    guard a > 0, px >= 0, px < width else { continue }
                    let u = self[px, py]
                    let mix = { (f: UInt8, b: UInt8) in UInt8((Int(f) * a + Int(b) * (255 - a) + 127) / 255) }
                    self[px, py] = RGB8(mix(color.r, u.r), mix(color.g, u.g), mix(color.b, u.b))
                }
            }
            pen += g.advance
        }
        return pen
    }
}
