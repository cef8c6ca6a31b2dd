import Foundation
import XCTest
import VCImage
import VCRender
@testable import VCExport

/// Figure text through FreeType (DejaVu Sans), `--text-size`, and the bitmap fallback.
final class FigureTextTests: XCTestCase {
    override func tearDown() { FigureText.reset() }

    /// The ink of a figure's title: rows from the top margin to the first body row, as
    /// (rows with ink, distinct grey levels of ink, ink pixel count).
    func titleInk(_ png: String) throws -> (rows: ClosedRange<Int>, levels: Int, pixels: Int) {
        let w = try Written(png)
        let layout = try XCTUnwrap(w.sidecar["layout"] as? [String: Any])
        let body = try Written.rect(try XCTUnwrap(layout["body"] as? [String: Any]))
        var rows: [Int] = [], levels = Set<UInt8>(), pixels = 0
        // The title is the first line: stop at the first empty row after ink.
        var inTitle = false
        for y in 0..<body.y {
            var ink = false
            for x in 0..<w.image.width {
                let p = w.pixel(x, y)
                if p != Style.background { ink = true; pixels += 1; levels.insert(p.g) }
            }
            if ink { rows.append(y); inTitle = true } else if inTitle { break }
        }
        return (try XCTUnwrap(rows.first)...(try XCTUnwrap(rows.last)), levels.count, pixels)
    }

    func exportSheet(_ name: String) throws -> String {
        let dir = try Paths.scratch("font-\(name)")
        let files = try TinyRun.exporter().export(view: .channels(site: "network.2"), to: dir)
        return try XCTUnwrap(files.first { $0.hasSuffix(".png") })
    }

    func testTitlesAreDrawnWithAnAntialiasedTrueTypeFace() throws {
        let note = FigureText.configure(size: 14)
        guard case .trueType(let face, _) = FigureText.current else { throw XCTSkip("no TrueType font installed: \(note)") }
        XCTAssertTrue(face.path.hasSuffix("DejaVuSans.ttf"), face.path)
        let small = try titleInk(try exportSheet("14"))
        XCTAssertGreaterThan(small.levels, 8, "antialiased edges: many grey levels, not one ink colour")
        FigureText.configure(size: 28)
        let large = try titleInk(try exportSheet("28"))
        // Titles are 1.6× the body size: 22 px and 45 px; the ink's height (cap to descender) doubles.
        let ratio = Double(large.rows.count) / Double(small.rows.count)
        XCTAssertEqual(ratio, 2, accuracy: 0.3, "title ink rows \(small.rows) at 14 px, \(large.rows) at 28 px")
        XCTAssertGreaterThan(large.pixels, small.pixels * 3)
    }

    func testWithoutAFontTheBitmapFontIsScaled() throws {
        let note = FigureText.configure(size: 20, environment: [:], searchPaths: ["/nonexistent/font.ttf"])
        XCTAssertTrue(note.contains("no TrueType font found"), note)
        guard case .bitmap(let m) = FigureText.current else { return XCTFail("expected the bitmap font") }
        XCTAssertEqual(m, 2)
        let ink = try titleInk(try exportSheet("bitmap"))
        XCTAssertEqual(ink.levels, 1, "bitmap glyphs: one ink colour")
        // Title scale 2 × multiplier 2: capitals 28 rows, with descenders 32.
        XCTAssertTrue((28...32).contains(ink.rows.count), "\(ink.rows)")
    }

    func testTextWidthFollowsTheFace() throws {
        FigureText.reset()
        XCTAssertEqual(PixelFont.width("abc"), 17)
        FigureText.configure(size: 14)
        guard case .trueType = FigureText.current else { throw XCTSkip("no TrueType font installed") }
        let w14 = PixelFont.width("network.6.2.mamba")
        XCTAssertGreaterThan(w14, 0)
        XCTAssertEqual(Double(PixelFont.width("network.6.2.mamba", scale: 2)) / Double(w14), 1.6, accuracy: 0.1, "titles")
        FigureText.configure(size: 28)
        XCTAssertEqual(Double(PixelFont.width("network.6.2.mamba")) / Double(w14), 2, accuracy: 0.1)
    }
}
