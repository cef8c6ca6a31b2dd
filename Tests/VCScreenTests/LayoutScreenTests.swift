import Foundation
import XCTest
import VCTestSupport

/// The layouts at 200×60, 120×40, 80×24 and 60×20 in a real terminal (tmux, see `ScreenTests`):
/// square token cells, channel tiles that grow, the picture kept in small windows, the presenter
/// layout, the narration that scrolls, and no text cut at the right edge without "…".
final class LayoutScreenTests: TmuxTestCase {
    let sizes = [(200, 60), (120, 40), (80, 24), (60, 20)]

    func open(_ w: Int, _ h: Int, subcommand: String? = nil, arguments: [String] = []) throws -> String {
        pane?.kill()
        pane = try TmuxPane.launch(extraEnv: [:], width: w, height: h, timings: nil, subcommand: subcommand, arguments: arguments)
        return try pane.waitFor("first screen at \(w)×\(h)") { $0.contains("forward ") && $0.contains(" ms") }
    }

    func lines(_ text: String) -> [[Unicode.Scalar]] { text.split(separator: "\n", omittingEmptySubsequences: false).map { Array($0.unicodeScalars) } }

    /// The box whose top-left corner starts `needle` (e.g. "┌ scan 1"): its inside, in cells.
    func box(_ needle: String, in text: String) throws -> (x: Int, y: Int, w: Int, h: Int) {
        let (x0, y0) = try XCTUnwrap(TmuxPane.locate(needle, in: text), "\(needle) on\n\(text)")
        let rows = lines(text)
        let x1 = try XCTUnwrap((x0 + 1..<rows[y0].count).first { rows[y0][$0] == "┐" }, "right edge of \(needle)")
        let y1 = try XCTUnwrap((y0 + 1..<rows.count).first { x0 < rows[$0].count && rows[$0][x0] == "└" }, "bottom edge of \(needle)")
        return (x0 + 1, y0 + 1, x1 - x0 - 1, y1 - y0 - 1)
    }

    /// A line reaching the last column with a letter or digit there was cut without "…".
    func assertNothingCut(_ text: String, width: Int, _ what: String) {
        for (y, row) in lines(text).enumerated() where row.count >= width {
            let last = row[width - 1]
            XCTAssertFalse(CharacterSet.alphanumerics.contains(last), "\(what): row \(y) ends in \"\(last)\" at the edge: \(String(String.UnicodeScalarView(row)))")
        }
    }

    /// The scans view: a token cell is 2k columns × k rows, k = 3 at 200×60 and 1 below.
    func testTokenCellsAreSquareAtEverySize() throws {
        var ks: [Int] = []
        for (w, h) in sizes {
            _ = try open(w, h)
            pane.send("m")
            let text = try pane.waitFor("scans at \(w)×\(h)") { $0.contains("┌ scan 1") && $0.range(of: #"step \d+/\d+"#, options: .regularExpression) != nil }
            let steps = try XCTUnwrap(text.range(of: #"step \d+/(\d+)"#, options: .regularExpression).map { String(text[$0].split(separator: "/")[1]) }.flatMap { Int($0) })
            let side = Int(Double(steps).squareRoot().rounded())
            XCTAssertEqual(side * side, steps, "a square token grid")
            let inside = try box("┌ scan 1", in: text)
            XCTAssertEqual(inside.w % side, 0, "\(w)×\(h): whole token columns")
            XCTAssertEqual(inside.h % side, 0, "\(w)×\(h): whole token rows")
            let cw = inside.w / side, ch = inside.h / side
            XCTAssertEqual(cw, 2 * ch, "\(w)×\(h): a token is \(cw) columns × \(ch) rows, square on a 2:1 cell")
            ks.append(ch)
            assertNothingCut(text, width: w, "scans \(w)×\(h)")
            // Two views on: attention (the cursor token ◆), two more: the CAM over the picture.
            for (view, mark) in [("attention", "◆"), ("CAM", "┌ CAM")] {
                pane.send("v", "v")
                let t = try pane.waitFor("\(view) at \(w)×\(h)") { $0.contains(mark) }
                assertNothingCut(t, width: w, "\(view) \(w)×\(h)")
            }
        }
        XCTAssertEqual(ks[0], 3, "200×60 uses the space")
        XCTAssertTrue(ks.dropFirst().allSatisfy { $0 == 1 }, "\(ks)")
    }

    /// Channel tiles are larger at 200×60 than at 80×24; the picture is there at 80×24.
    func testTilesGrowAndThePictureStays() throws {
        var tileWidths: [Int] = []
        for (w, h) in [(200, 60), (80, 24)] {
            let text = try open(w, h)
            let tile = try box("┌ch 0", in: text)
            tileWidths.append(tile.w)
            assertNothingCut(text, width: w, "main \(w)×\(h)")
            let input = try box("┌ input", in: text)
            XCTAssertGreaterThanOrEqual(input.w, w == 200 ? 38 : 12, "\(w)×\(h)")
            let blocks = lines(text)[input.y..<input.y + input.h].map { row in row[input.x..<min(row.count, input.x + input.w)].filter { $0 == "▀" }.count }.reduce(0, +)
            XCTAssertEqual(blocks, input.w * input.h, "\(w)×\(h): the picture fills its box")
        }
        XCTAssertGreaterThan(tileWidths[0], tileWidths[1], "tiles at 200×60 vs 80×24: \(tileWidths)")
        XCTAssertGreaterThanOrEqual(tileWidths[0], 2 * tileWidths[1])
    }

    /// `--presenter`: one big panel (the picture with the scan path in the Mamba views) under a
    /// large title, no rail; `p` brings the full layout back.
    func testPresenterLayoutShowsOnePanel() throws {
        let first = try open(120, 40, arguments: ["--presenter"])
        XCTAssertFalse(first.contains("S4·FFN"), "no rail")
        XCTAssertTrue(first.contains("channel 0"), first)
        pane.send("m")
        let text = try pane.waitFor("presenter scans") { $0.contains("┌ input") && $0.contains("scans") }
        XCTAssertEqual(text.filter { $0 == "┌" }.count, 1, "one panel:\n\(text)")
        let panel = try box("┌ input", in: text)
        XCTAssertEqual(panel.h, 40 - 5 - 2, "as tall as the window allows: all but the title, large title, legend (2) and hint rows, and its edges")
        XCTAssertFalse(text.contains("┌ prediction") || text.contains("┌ sites") || text.contains("S4·FFN"))
        XCTAssertTrue(text.contains("row snake"), "the legend names the scans")
        assertNothingCut(text, width: 120, "presenter")
        pane.send("p")
        _ = try pane.waitFor("full layout back") { $0.contains("S4·FFN") && $0.contains("┌ scan 1") }
    }

    /// At 80×24 the tour's narration says "more ↓" and scrolls with `>` `<`.
    func testNarrationScrollsAt80x24() throws {
        _ = try open(80, 24, subcommand: "tour")
        pane.send("Space", "Space", "Space", "Space")
        let text = try pane.waitFor("scans step") { $0.contains("tour 5/11") && $0.contains("more ↓") }
        let top = try XCTUnwrap(TmuxPane.locate("┌ tour 5/11", in: text)).1
        let firstLine = String(String.UnicodeScalarView(lines(text)[top + 1]))
        assertNothingCut(text, width: 80, "tour 80×24")
        pane.send(">")
        let scrolled = try pane.waitFor("scrolled") { $0.contains("↑ (<)") }
        let secondTop = String(String.UnicodeScalarView(lines(scrolled)[top + 1]))
        XCTAssertNotEqual(firstLine, secondTop)
        XCTAssertTrue(lines(text)[top + 2].count > 0 && firstLine != secondTop)
        XCTAssertEqual(String(String.UnicodeScalarView(lines(text)[top + 2])), secondTop, "one line up")
        pane.send("<")
        _ = try pane.waitFor("back to the top") { !$0.contains("↑ (<)") && $0.contains(firstLine) }
    }
}
