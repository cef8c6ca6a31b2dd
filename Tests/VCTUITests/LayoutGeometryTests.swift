import XCTest
@testable import VCTUI

/// The geometry of the layouts as the window grows (issue 15): square token cells as large as
/// fit, channel tiles from the space, the input picture at every size with room, the presenter
/// layout, the tour's narration sized to its text; and text cut only with "…".
final class LayoutGeometryTests: XCTestCase {
    let sizes = [Size(width: 200, height: 60), Size(width: 120, height: 40), Size(width: 80, height: 24), Size(width: 60, height: 20)]

    /// Token cells are 2k columns × k rows (square on a 2:1 cell), and k is the largest that fits:
    /// one more and the panels would leave the area.
    func testTokenCellsAreSquareAndAsLargeAsFit() {
        for (area, expected) in [(Rect(x: 0, y: 0, w: 175, h: 50), 3), (Rect(x: 0, y: 0, w: 95, h: 30), 1), (Rect(x: 0, y: 0, w: 300, h: 80), 5)] {
            let p = TokenPanel.fit(tags: [0, 1, 2, 3], fallback: [0], rows: 7, cols: 7, in: area)
            XCTAssertEqual(p.count, 4, "\(area)")
            let k = p[0].cellHeight
            XCTAssertEqual(p[0].cellWidth, 2 * k, "square on screen")
            XCTAssertEqual(k, expected, "\(area)")
            XCTAssertTrue(p.allSatisfy { $0.rect.maxX <= area.maxX && $0.rect.maxY <= area.maxY })
            XCTAssertNil(TokenPanel.arrange(count: 4, rows: 7, cols: 7, in: area, narrowWidths: []).flatMap { $0.cell.h > k ? $0 : nil })
            let bigger = TokenPanel.size(rows: 7, cols: 7, cell: (2 * (k + 1), k + 1))
            XCTAssertTrue(2 * bigger.w > area.w || 2 * bigger.h > area.h, "k + 1 would not fit 2×2")
        }
        // A cell of k rows: its token is found from any of its screen cells.
        let p = TokenPanel.fit(tags: [0], fallback: [0], rows: 7, cols: 7, in: Rect(x: 10, y: 5, w: 60, h: 30))[0]
        XCTAssertEqual(p.cellHeight, 4)
        XCTAssertEqual(p.token(x: 11 + 2 * 8 + 7, y: 6 + 3 * 4 + 3), MapPoint(y: 3, x: 2))
        XCTAssertEqual(p.cell(row: 3, col: 2), Rect(x: 11 + 16, y: 6 + 12, w: 8, h: 4))
    }

    /// The Mamba scans view at each size: square cells, k growing with the window.
    func testScanPanelsGrowWithTheWindow() {
        var ks: [Int] = []
        for size in sizes {
            var s = Fixtures.done(size.width, size.height).pressing(.char("m"))
            s.size = size
            let screen = MambaScreen(s)
            let p = try! XCTUnwrap(screen.tokenPanels.first, "\(size)")
            XCTAssertEqual(p.cellWidth, 2 * p.cellHeight, "\(size)")
            ks.append(p.cellHeight)
        }
        XCTAssertEqual(ks, [3, 1, 1, 1])
    }

    /// 56×56 stage-1 maps get 28-cell tiles at 200×60 (a dozen a page), 14 or less at 80×24.
    func testChannelTilesFromTheSpace() {
        func tile(_ w: Int, _ h: Int, map: Int, channels: Int) -> GridGeometry {
            GridGeometry(area: Layout(size: Size(width: w, height: h)).main, mapWidth: map, mapHeight: map, channels: channels)
        }
        let big = tile(200, 60, map: 56, channels: 32), small = tile(80, 24, map: 56, channels: 32)
        XCTAssertEqual(big.tileWidth, 28)
        XCTAssertGreaterThanOrEqual(big.perPage, GridGeometry.roomyPage)
        XCTAssertLessThanOrEqual(small.tileWidth, 14)
        XCTAssertEqual(tile(120, 40, map: 56, channels: 32).tileWidth, 14, "120×40 as before: 28 would show 6 a page")
        XCTAssertEqual(tile(200, 60, map: 7, channels: 96).tileWidth, 28, "small maps magnified by 4")
        for g in [big, small] { XCTAssertLessThanOrEqual(g.tile(g.perPage - 1).maxX, g.area.maxX) }
    }

    /// The picture grows with the window and stays (smaller, at the right) below 96×28.
    func testPictureAtEverySizeWithRoom() {
        var widths: [Int] = []
        for size in sizes {
            let l = Layout(size: size)
            let box = try! XCTUnwrap(l.inputBox, "\(size)")
            XCTAssertLessThanOrEqual(box.maxX, size.width)
            XCTAssertTrue(l.wide || box.x == l.main.maxX, "\(size): beside the main area")
            XCTAssertEqual(box.h - 2, (box.w - 2 + 1) / 2, "\(size): a square picture, two pixel rows per cell")
            widths.append(box.w)
        }
        XCTAssertEqual(widths, [40, 24, 16, 12])
        XCTAssertNil(Layout(size: Size(width: 50, height: 16)).inputBox, "no room")
    }

    /// The presenter layout: no rail, no left column, one main area over the whole width.
    func testPresenterLayout() {
        let l = Layout(size: Size(width: 120, height: 40), presenter: true)
        XCTAssertTrue(l.presenter)
        XCTAssertNil(l.inputBox); XCTAssertNil(l.sitesBox); XCTAssertNil(l.predictionsBox)
        XCTAssertEqual(l.main, Rect(x: 0, y: 2, w: 120, h: 35))
        XCTAssertEqual(l.legend.y, 37)
        let s = Fixtures.done().pressing(.char("m"), .char("p"))
        XCTAssertTrue(s.presenter)
        let text = view(s).text
        XCTAssertFalse(text.contains("S4·FFN"), "no rail")
        XCTAssertFalse(text.contains("┌ prediction"))
        XCTAssertEqual(text.filter { $0 == "┌" }.count, 1, "one panel")
        XCTAssertTrue(text.contains("┌ input"))
        XCTAssertTrue(text.contains("scans"))
        XCTAssertFalse(Fixtures.done().pressing(.char("p"), .char("p")).presenter)
    }

    /// The narration is as tall as its text up to a share of the window, and scrolls with `<` `>`.
    func testNarrationRowsAndScroll() {
        XCTAssertEqual(TourState.narrationRows(height: 60, lines: 4), 6)
        XCTAssertEqual(TourState.narrationRows(height: 60, lines: 40), 14)
        XCTAssertEqual(TourState.narrationRows(height: 24, lines: 40), 6)
        var s = Fixtures.done(80, 24)
        s.startTour()
        s = s.pressing(.char(" "), .char(" "), .char(" "), .char(" ")).computed()
        let lines = s.narrationLines(width: 80)
        let r = try! XCTUnwrap(Layout(s).narration)
        XCTAssertGreaterThan(lines.count, r.h - 2, "the scans step says more than 80×24 shows")
        XCTAssertTrue(view(s).text.contains("more ↓"))
        let scrolled = s.pressing(.char(">"))
        XCTAssertEqual(scrolled.tour?.scroll, 1)
        XCTAssertTrue(view(scrolled).row(r.y + 1).contains(lines[1]))
        let end = s.pressing(.char(">"), .char(">"), .char(">"), .char(">"), .char(">"), .char(">"), .char(">"), .char(">"))
        XCTAssertEqual(end.tour?.scroll, lines.count - (r.h - 2), "stops at the last line")
        XCTAssertFalse(view(end).text.contains("more ↓"))
        XCTAssertEqual(end.pressing(.char(" ")).tour?.scroll, 0, "a new step starts at the top")
    }

    /// Frame.text marks a cut with "…"; blanks left out are no cut.
    func testCutTextEndsInAnEllipsis() {
        var f = Frame(width: 10, height: 2)
        f.text("abcdefghijkl", x: 0, y: 0, maxWidth: 6)
        f.text("abc    ", x: 0, y: 1, maxWidth: 4)
        XCTAssertEqual(f.row(0), "abcde…    ")
        XCTAssertEqual(f.row(1), "abc       ")
    }
}
