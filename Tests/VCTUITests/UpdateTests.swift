import XCTest
import VCRender
import VCStyle
@testable import VCTUI

/// `update` without a terminal: navigation, paging, sorting, zoom, cursor, colour, help, quitting.
final class UpdateTests: XCTestCase {
    func testStageAndBlockNavigation() {
        let s = Fixtures.done()
        XCTAssertEqual(s.currentBlock.site, "network.4.0", "opens on stage 3")
        XCTAssertEqual(s.pressing(.char("]")).currentBlock.site, "network.6.0")
        XCTAssertEqual(s.pressing(.char("]"), .char("]")).currentBlock.site, "network.6.1")
        XCTAssertEqual(s.pressing(.char("[")).currentBlock.site, "network.2.0")
        XCTAssertEqual(s.pressing(.char("}")).currentBlock.site, "network.4.1")
        XCTAssertEqual(s.pressing(.char("{")).currentBlock.site, "network.3")
        let first = s.pressing(.char("["), .char("["), .char("["), .char("["), .char("["))
        XCTAssertEqual(first.block, 0, "stops at the stem")
        let last = s.pressing(.char("]"), .char("]"), .char("]"), .char("]"), .char("}"))
        XCTAssertEqual(last.currentBlock.site, "norm", "stops at the head")
    }

    func testPanesAndArrows() {
        var s = Fixtures.done()
        XCTAssertEqual(s.focus, .grid)
        s = s.pressing(.tab)
        XCTAssertEqual(s.focus, .rail)
        XCTAssertEqual(s.pressing(.right).currentBlock.site, "network.4.1")
        XCTAssertEqual(s.pressing(.char("h")).currentBlock.site, "network.3")
        XCTAssertEqual(s.pressing(.down).currentBlock.site, "network.6.0")
        s = s.pressing(.tab)
        XCTAssertEqual(s.focus, .sites)
        XCTAssertEqual(s.siteName, "network.4.0")
        let up = s.pressing(.up)
        XCTAssertEqual(up.siteName, "network.4.0.mlp", "↑ goes to the site before the output")
        XCTAssertEqual(up.pressing(.char("k"), .char("k")).siteName, "network.4.0.mlp.fc2")
        XCTAssertEqual(s.pressing(.backTab).focus, .rail)
        XCTAssertEqual(s.pressing(.tab).focus, .grid)
        XCTAssertEqual(s.pressing(.escape).focus, .grid)
        // Changing block goes back to the block's output.
        XCTAssertEqual(up.pressing(.char("}")).siteName, "network.4.1")
    }

    func testGridMovesAndPaging() throws {
        let s = Fixtures.done()
        let g = try XCTUnwrap(s.gridGeometry(Layout(s)))
        XCTAssertEqual(s.channel, 0)
        XCTAssertEqual(s.pressing(.right).channel, 1)
        XCTAssertEqual(s.pressing(.char("l"), .char("l"), .char("h")).channel, 1)
        XCTAssertEqual(s.pressing(.down).channel, g.columns)
        XCTAssertEqual(s.pressing(.left).channel, 0, "clamped at the first channel")
        let channels = try XCTUnwrap(s.site).maps.channels
        XCTAssertEqual(s.pressing(.end).channel, channels - 1)
        XCTAssertEqual(s.pressing(.end, .home).channel, 0)
        // Page down keeps the slot, then clamps on the last page.
        let p1 = s.pressing(.right, .pageDown)
        XCTAssertEqual(p1.channelPosition, g.perPage + 1)
        let pages = (channels + g.perPage - 1) / g.perPage
        var p = s
        for _ in 0..<(pages + 2) { p = p.pressing(.pageDown) }
        XCTAssertEqual(p.channelPosition / g.perPage, pages - 1)
        XCTAssertEqual(p1.pressing(.pageUp).channelPosition, 1)
        XCTAssertTrue(view(p1).text.contains("page 2/\(pages)"))
    }

    func testSortingKeepsTheSelectedChannel() throws {
        var s = Fixtures.done().pressing(.right, .right)
        XCTAssertEqual(s.sort, .index)
        s = s.pressing(.char("o"))
        XCTAssertEqual(s.sort, .mean)
        XCTAssertEqual(s.channel, 2)
        let site = try XCTUnwrap(s.site)
        XCTAssertEqual(s.channelOrder, SortKey.mean.order(site.channelStats))
        let best = s.channelOrder[0]
        XCTAssertEqual(s.pressing(.home).channel, best)
        // The first tile of the page shows the channel with the largest mean.
        let page0 = s.pressing(.home)
        XCTAssertTrue(view(page0).row(5).contains("ch \(best)"), view(page0).row(5))
        XCTAssertEqual(s.pressing(.char("o"), .char("o"), .char("o")).sort, .index)
        XCTAssertTrue(view(s).text.contains("sort: mean"))
    }

    func testZoomAndCursor() throws {
        let s = Fixtures.done().pressing(.right, .enter)
        XCTAssertTrue(s.zoomed)
        XCTAssertEqual(s.cursor, MapPoint(y: 0, x: 0))
        let moved = s.pressing(.char("j"), .char("j"), .right, .char("L"))
        XCTAssertEqual(moved.cursor, MapPoint(y: 2, x: 9))
        let site = try XCTUnwrap(moved.site)
        let far = moved.pressing(.char("L"), .char("L"), .char("J"), .char("J"), .char("J"))
        XCTAssertEqual(far.cursor, MapPoint(y: site.maps.height - 1, x: site.maps.width - 1), "clamped to the map")
        // The status line shows coordinates and the value under the cursor.
        let v = site.maps.value(channel: 1, y: 2, x: 9)
        let text = view(moved).text
        XCTAssertTrue(text.contains("(2, 9) \(num(v, digits: 4))"), text)
        XCTAssertTrue(text.contains("channel mean"))
        XCTAssertTrue(text.contains("◆"))
        // PgDn in zoom steps to the next channel; Esc leaves the zoom.
        XCTAssertEqual(moved.pressing(.pageDown).channel, 2)
        XCTAssertFalse(moved.pressing(.escape).zoomed)
        // Moving to a smaller map carries the cursor over proportionally.
        let smaller = moved.pressing(.char("]"))
        XCTAssertEqual(smaller.cursor, MapPoint(y: 1, x: 4))   // 14×14 -> 7×7
        XCTAssertTrue(smaller.zoomed)
    }

    func testColourAndScaleKeys() throws {
        var s = Fixtures.done()
        XCTAssertTrue(try XCTUnwrap(s.site).stats.isSigned)
        XCTAssertEqual(s.colormap, .diverging, "signed activations get the diverging map")
        XCTAssertTrue(view(s).text.contains("diverging (auto: signed)"))
        s = s.pressing(.char("c"))
        XCTAssertEqual(s.colormap, .viridis)
        XCTAssertEqual(s.pressing(.char("c")).colormap, .magma)
        XCTAssertEqual(s.pressing(.char("c"), .char("c")).colormap, .grey)
        XCTAssertNil(s.pressing(.char("c"), .char("c"), .char("c"), .char("c")).colormapOverride)
        // Scale scope: block (default) -> global -> channel.
        let site = try XCTUnwrap(s.site), store = try XCTUnwrap(s.store)
        XCTAssertEqual(s.scale(channel: 3), HeatmapScale(site.stats, symmetric: false))
        s = s.pressing(.char("s"))
        XCTAssertEqual(s.scope, .global)
        // Global on the fixture's photo has outliers: clipped at p99.5 (auto); `%` cycles the clip.
        let robust = ScaleRule.robust(store.global, tails: store.globalTails, colormap: .viridis, clip: .auto)
        XCTAssertNotNil(robust.clip, "the global range of a photo is outlier-dominated")
        XCTAssertEqual(s.scale(channel: 3), robust.scale)
        XCTAssertLessThan(robust.scale.hi, store.global.max)
        XCTAssertEqual(s.pressing(.char("%")).clip, .none)
        XCTAssertEqual(s.pressing(.char("%")).scale(channel: 3), HeatmapScale(store.global, symmetric: false))
        XCTAssertEqual(s.pressing(.char("%"), .char("%")).clip, .p99)
        XCTAssertTrue(view(s).text.contains("clipped at p0.5–p99.5: -2.14…2.69; min -8.29 max 42.3"), "the legend says where the scale was clipped")
        XCTAssertTrue(view(s).text.contains("◀▕") && view(s).text.contains("▏▶"), "end marks on both clipped ends")
        XCTAssertFalse(view(s.pressing(.char("%"))).text.contains("clipped at"))
        s = s.pressing(.char("s"))
        XCTAssertEqual(s.scope, .channel)
        XCTAssertEqual(s.scale(channel: 3), HeatmapScale(site.channelStats[3], symmetric: false))
        XCTAssertTrue(view(s).text.contains("scale: channel 0"))
    }

    func testHelpOverlay() {
        let s = Fixtures.done().pressing(.char("?"))
        XCTAssertTrue(s.showHelp)
        let text = view(s).text
        XCTAssertTrue(text.contains("help: every key"))
        for (k, d) in helpLines { XCTAssertTrue((k.isEmpty || text.contains(k)) && text.contains(d), "\(k) \(d)") }
        XCTAssertEqual(s.pressing(.char("]")).block, s.block, "keys do not act behind the help")
        XCTAssertFalse(s.pressing(.escape).showHelp)
        XCTAssertFalse(s.pressing(.char("?")).showHelp)
        XCTAssertTrue(s.pressing(.char("q")).shouldQuit)
    }

    func testQuit() {
        XCTAssertTrue(Fixtures.done().pressing(.char("q")).shouldQuit)
        XCTAssertTrue(Fixtures.running().pressing(.char("q")).shouldQuit, "quitting works during the forward pass")
        XCTAssertFalse(Fixtures.done().pressing(.char("x")).shouldQuit)
    }

    func testForwardEvents() {
        var s = Fixtures.running()
        XCTAssertNil(s.store)
        XCTAssertEqual(s.pressing(.right, .enter, .pageDown).channel, 0, "grid keys wait for the activations")
        XCTAssertEqual(s.pressing(.char("]")).currentBlock.site, "network.6.0", "the rail works before the forward pass ends")
        s = update(s, .forwardProgress(fraction: 0.5, site: "network.3"))
        let text = view(s).text
        XCTAssertTrue(text.contains("running the forward pass"))
        XCTAssertTrue(text.contains("50%"))
        XCTAssertTrue(text.contains("done: network.3"))
        XCTAssertTrue(text.contains("S4·Mamba×2"), "the rail is drawn at once")
        let ticked = update(s, .tick)
        XCTAssertNotEqual(view(ticked), view(s), "the spinner turns")
        let failed = update(s, .forwardFailed("boom: no memory"))
        XCTAssertTrue(view(failed).text.contains("boom: no memory"))
        XCTAssertTrue(view(update(s, .forwardDone(Fixtures.store, milliseconds: 42))).text.contains("forward 42 ms"))
    }

    func testMouse() throws {
        let s = Fixtures.done()
        let layout = Layout(s)
        // A block mark on the rail.
        let rl = RailLayout(rail: s.rail, area: layout.rail)
        let s1 = rl.columns[1]
        let clicked = update(s, .mouse(MouseEvent(x: s1.x, y: rl.blocksRow, kind: .press)))
        XCTAssertEqual(clicked.currentBlock.site, "network.0.0")
        XCTAssertEqual(clicked.focus, .rail)
        // A stage name selects the stage.
        XCTAssertEqual(update(s, .mouse(MouseEvent(x: rl.columns[5].x + 1, y: rl.namesRow, kind: .press))).currentBlock.site, "network.6.1")
        // A tile selects its channel; clicking the selected one zooms.
        let g = try XCTUnwrap(s.gridGeometry(layout))
        let t = g.tile(3)
        let picked = update(s, .mouse(MouseEvent(x: t.x + 2, y: t.y + 2, kind: .press)))
        XCTAssertEqual(picked.channel, 3)
        XCTAssertFalse(picked.zoomed)
        let zoomed = update(picked, .mouse(MouseEvent(x: t.x + 2, y: t.y + 2, kind: .press)))
        XCTAssertTrue(zoomed.zoomed)
        // In the zoom a click moves the cursor to the cell under it.
        let z = try XCTUnwrap(zoomed.zoomGeometry(layout))
        let px = z.pixels(x: 5).lowerBound, py = z.pixels(y: 6).lowerBound
        let cell = update(zoomed, .mouse(MouseEvent(x: z.origin.x + px, y: z.origin.y + py / 2, kind: .press)))
        XCTAssertEqual(cell.cursor, MapPoint(y: 6, x: 5))
        // The site list.
        let sb = try XCTUnwrap(layout.sitesBox)
        let site = update(s, .mouse(MouseEvent(x: sb.x + 3, y: sb.y + 1, kind: .press)))
        XCTAssertEqual(site.siteName, "network.4.0.mlp.fc1")
        XCTAssertEqual(site.focus, .sites)
        // The wheel pages.
        XCTAssertEqual(update(s, .mouse(MouseEvent(x: t.x, y: t.y, kind: .wheelDown))).channelPosition, g.perPage)
    }

    func testResizeAndTooSmall() {
        let s = Fixtures.done()
        let small = update(s, .resize(Size(width: 30, height: 10)))
        let text = view(small).text
        XCTAssertTrue(text.contains("window too small: 30×10"))
        XCTAssertTrue(view(small).row(9).contains("? help"))
        let back = update(small, .resize(Size(width: 120, height: 40)))
        XCTAssertEqual(view(back), view(s), "recovers when enlarged")
        XCTAssertTrue(view(update(s, .resize(Size(width: 60, height: 20)))).text.contains("S4·Mamba×2"))
    }
}
