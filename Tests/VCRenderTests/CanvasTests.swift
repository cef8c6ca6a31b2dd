import XCTest
@testable import VCRender

/// The drawing primitives the exports are made of (VCRender's Canvas and PixelFont).
final class CanvasTests: XCTestCase {
    func testFontCoversPrintableASCIIAndSymbols() {
        for u in 32...126 {
            let ch = Character(UnicodeScalar(u)!)
            XCTAssertTrue(PixelFont.covers(ch), "no glyph for \(ch)")
            XCTAssertEqual(PixelFont.glyph(ch).count, PixelFont.glyphHeight)
            XCTAssertTrue(PixelFont.glyph(ch).allSatisfy { $0 < 32 })
        }
        for ch in "×→←↑↓‖·…Δα▲≤−–±" { XCTAssertTrue(PixelFont.covers(ch), "no glyph for \(ch)") }
        XCTAssertFalse(PixelFont.covers("€"))
        XCTAssertEqual(PixelFont.uncovered("a€b✓"), ["€", "✓"])
        // Distinct glyphs for characters that are easy to confuse.
        for (a, b) in [("0", "O"), ("1", "l"), ("g", "9"), ("5", "S"), ("-", "_"), ("8", "B")] {
            XCTAssertNotEqual(PixelFont.glyph(Character(a)), PixelFont.glyph(Character(b)), "\(a) and \(b) look the same")
        }
        XCTAssertEqual(PixelFont.width("abc"), 17)
        XCTAssertEqual(PixelFont.width("abc", scale: 2), 34)
        XCTAssertEqual(PixelFont.width(""), 0)
    }

    func testTextInk() {
        var c = Canvas(width: 20, height: 12, background: .white)
        let end = c.text("I", x: 1, y: 1, color: .black)
        XCTAssertEqual(end, 7)
        // "I" is ".###." on its top row: columns 2…4 of the glyph.
        XCTAssertEqual(c[1, 1], .white)
        XCTAssertEqual(c[2, 1], .black)
        XCTAssertEqual(c[4, 1], .black)
        XCTAssertEqual(c[5, 1], .white)
        XCTAssertTrue(c.uncoveredCharacters.isEmpty)
        c.text("€", x: 8, y: 1, color: .black)
        XCTAssertEqual(c.uncoveredCharacters, ["€"])
        var big = Canvas(width: 40, height: 40)
        big.blit(c, x: 0, y: 0)
        XCTAssertEqual(big.uncoveredCharacters, ["€"], "blit carries the missing glyphs along")
    }

    func testColorBarEnds() {
        for cmap in Colormap.allCases {
            for w in [2, 3, 256, 300, 512] {
                var c = Canvas(width: w, height: 2)
                c.colorBar(x: 0, y: 0, width: w, height: 2, colormap: cmap)
                XCTAssertEqual(c[0, 1], cmap.lut[0], "\(cmap) \(w)")
                XCTAssertEqual(c[w - 1, 1], cmap.lut[255], "\(cmap) \(w)")
            }
        }
        var c = Canvas(width: 256, height: 1)
        c.colorBar(x: 0, y: 0, width: 256, height: 1, colormap: .grey)
        for i in 0..<256 { XCTAssertEqual(c[i, 0], RGB8(UInt8(i), UInt8(i), UInt8(i))) }
    }

    func testHeatmapNearestUpscaleAndNaN() {
        // Padding paints nanColor; a NaN of the activation its marked colour.
        let hm = Heatmap(width: 2, height: 2, values: [0, .nan, Heatmap.noValue, 0.5])
        var c = Canvas(width: 12, height: 12)
        let scale = HeatmapScale(lo: 0, hi: 1)
        c.drawHeatmap(hm, x: 1, y: 2, width: 10, height: 10, scale: scale, colormap: .magma, nanColor: RGB8(1, 2, 3))
        let lut = Colormap.magma.lut
        for y in 0..<10 { for x in 0..<10 {
            let v = hm[y / 5, x / 5]
            let expected = Heatmap.isNoValue(v) ? RGB8(1, 2, 3) : v.isNaN ? Marked.nan.color : lut[Colormap.index(v)]
            XCTAssertEqual(c[1 + x, 2 + y], expected, "(\(x), \(y))")
        } }
        XCTAssertEqual(c[0, 0], .white, "outside the rectangle untouched")
        XCTAssertEqual(c[11, 11], .white)
    }

    func testBlendIsIntegerAndExact() {
        var c = Canvas(width: 1, height: 1, background: RGB8(200, 100, 0))
        c.drawHeatmap(Heatmap(width: 1, height: 1, values: [1]), x: 0, y: 0, width: 1, height: 1,
                      scale: HeatmapScale(lo: 0, hi: 1), colormap: .grey, nanColor: .black, alpha: 128)
        // (255·128 + under·128 + 128) >> 8
        XCTAssertEqual(c[0, 0], RGB8(228, 178, 128))
    }

    func testLinesClipAndReachEnds() {
        var c = Canvas(width: 10, height: 10)
        c.line(x0: -5, y0: 3, x1: 20, y1: 3, color: .black)
        for x in 0..<10 { XCTAssertEqual(c[x, 3], .black) }
        c.line(x0: 2, y0: 9, x1: 7, y1: 5, color: RGB8(9, 9, 9))
        XCTAssertEqual(c[2, 9], RGB8(9, 9, 9)); XCTAssertEqual(c[7, 5], RGB8(9, 9, 9))
        c.strokeRect(x: 0, y: 0, width: 10, height: 10, color: RGB8(1, 1, 1), thickness: 2)
        XCTAssertEqual(c[1, 5], RGB8(1, 1, 1)); XCTAssertEqual(c[8, 8], RGB8(1, 1, 1)); XCTAssertNotEqual(c[2, 2], RGB8(1, 1, 1))
    }
}
