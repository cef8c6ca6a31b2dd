import XCTest
import VCRender
@testable import VCTUI

/// `view` without a terminal: what each screen shows, at several sizes.
final class ViewTests: XCTestCase {
    let sizes = [Size(width: 120, height: 40), Size(width: 100, height: 30), Size(width: 80, height: 24),
                 Size(width: 60, height: 20), Size(width: 44, height: 14)]

    func testMainScreenShowsRailPredictionsHeatmapsAndLegend() throws {
        let s = Fixtures.done()
        let f = view(s)
        let text = f.text
        for name in ["stem", "S1", "S2", "S3", "S4·FFN", "S4·Mamba×2", "head"] { XCTAssertTrue(f.row(1).contains(name), name) }
        XCTAssertTrue(f.row(2).contains("24×14×14"), "shapes under the stations")
        XCTAssertTrue(text.contains("network.4.0 (FFN 1/2) · 24×14×14"))
        let top = try XCTUnwrap(s.store).top(1)[0]
        XCTAssertTrue(text.contains("label\(top.index)"))
        XCTAssertTrue(text.contains("\(Int((top.probability * 100).rounded()))%"))
        XCTAssertTrue(text.contains("┌ch 0"))
        XCTAssertTrue(text.contains("▲ 0"), "the legend marks zero")
        XCTAssertTrue(f.row(39).contains("? help"))
        // Heatmap cells carry colours and a monochrome level.
        let pixels = f.cells.filter { $0.ch == "▀" && $0.level != nil }
        XCTAssertGreaterThan(pixels.count, 500)
        XCTAssertTrue(pixels.allSatisfy { if case .rgb = $0.fg { return true } else { return false } })
    }

    func testEverySizeKeepsHelpAndRail() {
        for size in sizes {
            let f = view(Fixtures.done(), size: size)
            XCTAssertEqual(f.width, size.width); XCTAssertEqual(f.height, size.height)
            XCTAssertTrue(f.row(size.height - 1).contains("? help"), "\(size)")
            XCTAssertTrue(f.row(size.height - 1).contains("q quit"), "\(size)")
            XCTAssertTrue(f.row(1).contains("stem") && f.row(1).contains("head"), "\(size): \(f.row(1))")
            XCTAssertTrue(f.text.contains("ch 0"), "\(size)")
            for zoomed in [false, true] {
                var s = Fixtures.done(size.width, size.height)
                s.zoomed = zoomed
                _ = view(s)   // no crash at any size, in either view
            }
        }
        XCTAssertTrue(view(Fixtures.done(), size: Size(width: 60, height: 20)).text.contains("top: label"))
    }

    func testEveryBlockAndSiteRenders() {
        var s = Fixtures.done(100, 30)
        s.focus = .sites
        for b in s.rail.blocks.indices {
            s.block = b
            for i in s.blockSites.indices {
                s.siteIndex = i
                XCTAssertNotNil(s.site, s.siteName)
                let f = view(s)
                XCTAssertTrue(f.text.contains(s.siteName), s.siteName)
                s.zoomed = true
                _ = view(s)
                s.zoomed = false
            }
        }
    }

    func testPictureIsDrawnWithHalfBlocks() throws {
        let s = Fixtures.done()
        let box = try XCTUnwrap(Layout(s).inputBox)
        let cell = view(s)[box.x + 1, box.y + 1]
        XCTAssertEqual(cell.ch, "▀")
        // Fixture picture: red grows to the right, blue downwards; upper pixel is fg, lower is bg.
        guard case .rgb(let fg) = cell.fg, case .rgb(let bg) = cell.bg else { return XCTFail("picture cell without colours") }
        XCTAssertLessThan(fg.b, bg.b)
        let right = view(s)[box.maxX - 2, box.y + 1]
        guard case .rgb(let fgRight) = right.fg else { return XCTFail() }
        XCTAssertGreaterThan(fgRight.r, fg.r)
    }

    /// `view` depends on the state alone: drawing other states in between, or drawing a copy that
    /// was then changed, leaves the frame of `s` as it was; and two states reached by the same keys
    /// from scratch draw the same frame.
    func testViewIsPure() {
        let keys: [Key] = [.right, .char("o"), .enter, .char("j")]
        let s = keys.reduce(Fixtures.done()) { update($0, .key($1)) }
        let before = view(s)
        XCTAssertTrue(before.text.contains("ch \(s.channel)"), "zoomed on the selected channel")
        var other = s
        other = update(other, .key(.char("c")))
        other = update(other, .key(.escape))
        XCTAssertNotEqual(view(other), before, "a different state draws differently")
        _ = view(Fixtures.done().pressing(.char("m")))
        XCTAssertEqual(view(s), before)
        XCTAssertEqual(view(keys.reduce(Fixtures.done()) { update($0, .key($1)) }), before)
    }

    func testLegendWithoutZero() throws {
        // A post-GELU/ReLU site may be non-negative: the legend says where zero is.
        var s = Fixtures.done()
        s.block = 0   // stem output: ReLU, non-negative
        s.siteIndex = nil
        let site = try XCTUnwrap(s.site)
        XCTAssertGreaterThanOrEqual(site.stats.min, 0)
        XCTAssertEqual(s.colormap, .viridis)
        let text = view(s).text
        XCTAssertTrue(text.contains("viridis (auto)"))
        XCTAssertTrue(text.contains("▲ 0") || text.contains("0 is below the range"))
    }
}
