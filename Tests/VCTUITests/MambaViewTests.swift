import XCTest
import VCTestSupport
import VCEngine
import VCRecording
import VCRender
@testable import VCTUI

/// The Mamba views without a terminal: keys, animation frames, jobs, and what each view draws.
final class MambaViewTests: XCTestCase {
    /// The explorer with the Mamba views open on the first Mamba layer (7×7 grid, E 64, N 16).
    func mamba(_ w: Int = 120, _ h: Int = 40) -> ExplorerState { Fixtures.done(w, h).pressing(.char("m")) }

    func testOpeningAndClosing() throws {
        let s = mamba()
        XCTAssertTrue(s.showsMamba)
        XCTAssertEqual(s.currentBlock.site, "network.6.1", "m jumps to the first Mamba layer")
        XCTAssertEqual(s.mambaLayer?.name, "network.6.1.mamba")
        XCTAssertEqual(s.mamba.cursor, MapPoint(y: 3, x: 3), "the cursor starts on the centre token")
        XCTAssertFalse(s.pressing(.char("m")).showsMamba)
        XCTAssertFalse(s.pressing(.escape).showsMamba)
        XCTAssertEqual(s.pressing(.char("}")).currentBlock.site, "network.6.2", "next Mamba layer")
        XCTAssertTrue(s.pressing(.char("}")).showsMamba, "stays open on the next layer")
        XCTAssertFalse(s.pressing(.char("]")).showsMamba, "leaving the Mamba layers closes the views")
        XCTAssertFalse(s.pressing(.char("}"), .char("}")).mambaOpen)
        // Enter on a Mamba block of the focused rail opens them too.
        let rail = Fixtures.done().pressing(.char("]"), .char("]"), .tab)
        XCTAssertEqual(rail.focus, .rail)
        XCTAssertTrue(rail.pressing(.enter).showsMamba)
        // Before the forward pass ends the views wait for it.
        XCTAssertTrue(view(Fixtures.running().pressing(.char("m"))).text.contains("running the forward pass"))
    }

    func testViewsCycle() {
        var s = mamba()
        var seen: [MambaPanel] = []
        for _ in 0..<5 { seen.append(s.mamba.panel); s = s.pressing(.char("v")) }
        XCTAssertEqual(seen, MambaPanel.allCases)
        XCTAssertEqual(s.mamba.panel, .scans)
        XCTAssertEqual(s.pressing(.char("V")).mamba.panel, .cam)
    }

    func testStepPlayAndSpeed() {
        let s = mamba()
        XCTAssertEqual(s.mamba.step, 0)
        XCTAssertEqual(s.pressing(.char("."), .char(".")).mamba.step, 2)
        XCTAssertEqual(s.pressing(.char(","), .char(",")).mamba.step, 0, "clamped at the first step")
        XCTAssertEqual(s.pressing(.char("G")).mamba.step, 48)
        XCTAssertEqual(s.pressing(.char("G"), .char(".")).mamba.step, 48, "clamped at the last step")
        XCTAssertEqual(s.pressing(.char("G"), .char("g")).mamba.step, 0)
        // Space plays; each frame advances by the time it carries (4 steps per second by default).
        var p = s.pressing(.char(" "))
        XCTAssertTrue(p.mamba.playing)
        XCTAssertEqual(p.frameInterval, 250)
        p = update(p, .frame(milliseconds: 600))
        XCTAssertEqual(p.mamba.step, 2)
        p = update(p, .frame(milliseconds: 150))
        XCTAssertEqual(p.mamba.step, 3, "the remainder carries over")
        p = p.pressing(.char("+"), .char("+"), .char("+"))
        XCTAssertEqual(p.mamba.stepsPerSecond, 16, "clamped at the fastest")
        p = update(p, .frame(milliseconds: 1000))
        XCTAssertEqual(p.mamba.step, 19)
        p = update(p, .frame(milliseconds: 1000))
        p = update(p, .frame(milliseconds: 1000))
        XCTAssertEqual(p.mamba.step, (19 + 32) % 49, "wraps around at the end")
        XCTAssertEqual(p.pressing(.char("-"), .char("-"), .char("-"), .char("-"), .char("-")).mamba.stepsPerSecond, 1)
        // Paused: frames change nothing, and no frames are asked for.
        let paused = p.pressing(.char(" "))
        XCTAssertNil(paused.frameInterval)
        XCTAssertEqual(update(paused, .frame(milliseconds: 5000)).mamba.step, paused.mamba.step)
        // Stepping pauses.
        XCTAssertFalse(s.pressing(.char(" "), .char(".")).mamba.playing)
        // Playing from the last step starts again at the first.
        XCTAssertEqual(s.pressing(.char("G"), .char(" ")).mamba.step, 0)
        // The header shows the step and the state.
        XCTAssertTrue(view(s.pressing(.char("."))).text.contains("step 2/49 ⏸ paused"))
        XCTAssertTrue(view(s.pressing(.char(" "))).text.contains("▶ playing"))
    }

    func testCursorDirectionAndItems() {
        let s = mamba()
        XCTAssertEqual(s.pressing(.char("l"), .char("k")).mamba.cursor, MapPoint(y: 2, x: 4))
        XCTAssertEqual(s.pressing(.char("L"), .char("L"), .char("L")).mamba.cursor, MapPoint(y: 3, x: 6), "clamped")
        XCTAssertEqual(s.pressing(.down, .down, .down, .down).mamba.cursor, MapPoint(y: 6, x: 3))
        // d: one scan alone, then the next, back to all four.
        var d = s
        var seen: [Int?] = []
        for _ in 0..<5 { d = d.pressing(.char("d")); seen.append(d.mamba.direction) }
        XCTAssertEqual(seen, [0, 1, 2, 3, nil])
        XCTAssertEqual(s.pressing(.char("D")).mamba.direction, 3)
        // n / N: channel in the attention view (the mean before channel 0).
        let a = s.pressing(.char("v"), .char("v"))
        XCTAssertEqual(a.pressing(.char("n")).mamba.channel, 0)
        XCTAssertEqual(a.pressing(.char("n"), .char("n")).mamba.channel, 1)
        XCTAssertEqual(a.pressing(.char("n"), .char("N")).mamba.channel, nil)
        XCTAssertEqual(a.pressing(.char("N")).mamba.channel, 63)
        XCTAssertEqual(a.pressing(.pageDown).mamba.channel, 15)
        // … the state index in the hidden-state view, the class in the CAM view.
        XCTAssertEqual(s.pressing(.char("v"), .char("n"), .char("n")).mamba.stateIndex, 1)
        let cam = s.pressing(.char("V"))
        XCTAssertEqual(cam.pressing(.char("n")).mamba.camRank, 1)
        XCTAssertEqual(cam.pressing(.char("N")).mamba.camRank, 4, "wraps within the top-5")
        XCTAssertEqual(cam.pressing(.char("n")).camClass, Fixtures.store.top(5)[1].index)
    }

    func testMouseMovesTheCursor() throws {
        let s = mamba()
        let panel = try XCTUnwrap(MambaScreen(s).tokenPanels.first)
        let cell = panel.cell(row: 5, col: 2)
        let clicked = update(s, .mouse(MouseEvent(x: cell.x + cell.w - 1, y: cell.y, kind: .press)))
        XCTAssertEqual(clicked.mamba.cursor, MapPoint(y: 5, x: 2))
        XCTAssertTrue(clicked.showsMamba)
    }

    // MARK: Jobs

    func testJobsFollowTheView() {
        let s = mamba()
        XCTAssertEqual(wantedJobs(s), [], "the scans view needs nothing computed")
        let a = s.pressing(.char("v"), .char("v"))
        XCTAssertEqual(wantedJobs(a), [.attention(layer: 0, row: 3, col: 3, channel: nil), .residual(layer: 0)])
        XCTAssertEqual(wantedJobs(a.pressing(.char("l"), .char("n"))).first, .attention(layer: 0, row: 3, col: 4, channel: 0))
        XCTAssertEqual(wantedJobs(a.pressing(.char("}"))).last, .residual(layer: 1), "per layer")
        let cam = s.pressing(.char("V"))
        XCTAssertEqual(wantedJobs(cam), [.cam(classIndex: Fixtures.store.top(1)[0].index)])
        let ablated = s.pressing(.char("2"), .char("r"))
        XCTAssertEqual(ablated.mamba.ablation, MambaAblation(enabledDirections: [true, false, true, true], rasterScan: true))
        XCTAssertEqual(wantedJobs(ablated), [.ablation(MambaAblation(enabledDirections: [true, false, true, true], rasterScan: true))])
        XCTAssertEqual(ablated.pressing(.char("z")).mamba.ablation.summary, "scan 2 off · raster scan · direction_Bs = 0")
        XCTAssertTrue(ablated.pressing(.char("0")).mamba.ablation.isIdentity)
        XCTAssertTrue(ablated.pressing(.char("2"), .char("r")).mamba.ablation.isIdentity, "toggles")
        // Started jobs are not started twice; finished ones neither; nothing before the forward pass.
        let started = update(a, .jobsStarted(jobsToStart(a)))
        XCTAssertEqual(jobsToStart(started), [])
        XCTAssertEqual(started.cache.pending.count, 2)
        let done = started.computed()
        XCTAssertEqual(jobsToStart(done), [])
        XCTAssertEqual(wantedJobs(Fixtures.running().pressing(.char("m"), .char("v"), .char("v"))), [])
    }

    func testComputationsAgreeWithTheEngine() throws {
        let lab = Fixtures.lab
        // Attention: the trace's own map, and zero where the token has not been read.
        guard case .success(.attention(let map)) = lab.run(.attention(layer: 0, row: 2, col: 5, channel: nil)).output else { return XCTFail("attention") }
        XCTAssertEqual(map.shape, [4, 7, 7])
        let layer = Fixtures.store.mamba[0]
        let p = 2 * 7 + 5
        for d in 0..<4 { for q in 0..<49 where layer.orders.inverse[d][q] > layer.orders.inverse[d][p] { XCTAssertEqual(map.data[d * 49 + q], 0) } }
        // The parity residual is at float rounding.
        guard case .success(.residual(let errs)) = lab.run(.residual(layer: 1)).output else { return XCTFail("residual") }
        XCTAssertEqual(errs.count, 4)
        XCTAssertLessThan(errs.max()!, 1e-5)
        // No ablation: stage 4 and the head give back the forward pass's logits.
        guard case .success(.logits(let same)) = lab.run(.ablation(MambaAblation())).output else { return XCTFail("logits") }
        XCTAssertEqual(Tensor(shape: [10], data: same).relativeError(to: Tensor(shape: [10], data: Fixtures.store.logits)), 0, accuracy: 1e-5)
        guard case .success(.logits(let off)) = lab.run(.ablation(MambaAblation(enabledDirections: [false, true, true, true]))).output else { return XCTFail("ablated") }
        XCTAssertNotEqual(off, same)
        // CAM: mean plus bias is the logit.
        let cls = Fixtures.store.top(1)[0].index
        guard case .success(.cam(let cam, let bias)) = lab.run(.cam(classIndex: cls)).output else { return XCTFail("cam") }
        XCTAssertEqual(cam.data.reduce(0, +) / 49 + bias, Fixtures.store.logits[cls], accuracy: 1e-4)
        // Errors are results too.
        if case .success = lab.run(.attention(layer: 0, row: 9, col: 0, channel: nil)).output { XCTFail("off the grid") }
        if case .success = lab.run(.residual(layer: 7)).output { XCTFail("no such layer") }
    }

    // MARK: Drawing

    func testScansView() {
        let s = mamba().pressing(.char("."), .char("."))
        let text = view(s).text
        // Square token cells (2 columns × 1 row at 120×40) leave room for the short titles.
        for k in 1...4 { XCTAssertTrue(text.contains("┌ scan \(k) "), "panel \(k)") }
        XCTAssertTrue(text.contains("scan 1 step 3 reads (0, 2) → right"))
        XCTAssertTrue(text.contains("scan 2 step 3 reads (6, 4) ← left"), "scan 2 starts at the bottom right of an odd grid")
        XCTAssertTrue(text.contains("cursor (3, 3) is step 25"))
        XCTAssertTrue(text.contains("┌ explain"))
        XCTAssertTrue(text.contains(" scans ") && text.contains("ablation: none"))
        XCTAssertTrue(view(s).row(39).contains("space play") && view(s).row(39).contains("? help"))
        // The token read at step t is highlighted in each panel: exactly 4 tokens in the highlight,
        // a colour that is not in the colormap (not the accent yellow, the top of viridis).
        let f = view(s)
        let cmap = s.hiddenNormStyle(s.mambaLayer!).colormap
        XCTAssertFalse(cmap.lut.contains { .rgb($0) == Theme.current(for: cmap) })
        XCTAssertFalse(f.cells.contains { $0.bg == Theme.accent && $0.ch != " " }, "no token in the accent yellow")
        let lit = f.cells.filter { $0.bg == Theme.current(for: cmap) && $0.ch != " " }
        XCTAssertEqual(lit.count, 4)
        // Row by row: scan 1 at (0, 2), scan 3 at (2, 0), scan 4 at (4, 6), scan 2 at (6, 4).
        XCTAssertEqual(lit.map { $0.ch }, ["→", "↓", "↑", "←"], "the marks of the moves that reached them")
        // One scan alone gets wider cells.
        let one = view(s.pressing(.char("d"))).text
        XCTAssertTrue(one.contains("scan 1 · row snake") && !one.contains("scan 2 ·"))
    }

    func testHiddenView() {
        let s = mamba().pressing(.char("v"), .char("."))
        let text = view(s).text
        XCTAssertTrue(text.contains("scan 1 ‖h_t‖"))
        XCTAssertTrue(text.contains("‖h‖ scan 4"))
        XCTAssertTrue(text.contains("decay"))
        XCTAssertTrue(text.contains("n0") && text.contains("n15"))
        let l = Fixtures.store.mamba[0]
        // The 16 per-state maps share one scale, and say so with a legend of its range.
        let perN = l.hNormN[0].flatMap { $0 }.filter(\.isFinite)
        XCTAssertTrue(text.contains("|h_t[n]| of scan 1 (d: scan) \(num(perN.min() ?? 0)) ▕"), "the per-state maps' legend: \(text.split(separator: "\n").filter { $0.contains("maps") || $0.contains("per state") })")
        XCTAssertTrue(text.contains("\(num(l.hNorm[0][1])) at step 2"))
        XCTAssertEqual(text.filter { $0 == "◆" }.count, 4, "the token read now, one per scan")
        XCTAssertTrue(view(s.pressing(.char("n"), .char("n"), .char("n"))).text.contains("decay exp(Δ·A) n=2") ||
                      view(s.pressing(.char("n"), .char("n"), .char("n"))).text.contains("decay n=2"))
    }

    func testAttentionView() {
        let s = mamba().pressing(.char("v"), .char("v"))
        XCTAssertTrue(view(s).text.contains("computing…"), "before the result")
        let done = s.computed()
        let text = view(done).text
        XCTAssertTrue(text.contains("α scan 1") && text.contains("Σ 4 scans"))
        XCTAssertTrue(text.contains("scan 1 reads (3, 3) at step 25/49"))
        XCTAssertTrue(text.contains("✓ float rounding"), text)
        XCTAssertTrue(text.contains("token (3, 3)"))
        let ch = done.pressing(.char("n")).computed()
        XCTAssertTrue(view(ch).text.contains("channel 0 of 64"))
    }

    func testSharesView() {
        let text = view(mamba().pressing(.char("v"), .char("v"), .char("v"))).text
        XCTAssertTrue(text.contains("share scan 1") && text.contains("dominant"))
        XCTAssertEqual(text.components(separatedBy: "mean share").count - 1, 4)
        XCTAssertTrue(text.contains("★"))
    }

    func testCAMView() throws {
        let s = mamba().pressing(.char("V")).computed()
        let f = view(s)
        XCTAssertTrue(f.text.contains("CAM · label\(Fixtures.store.top(1)[0].index)"))
        XCTAssertTrue(f.text.contains("▸ 1 label"))
        XCTAssertTrue(f.text.contains("logit of the forward pass"))
        // The overlay is drawn with half-blocks that carry picture and map colours.
        let (x, y) = try XCTUnwrap(ScreenText.locate("┌ CAM · ", in: f.text))
        let cell = f[x + 3, y + 2]
        XCTAssertEqual(cell.ch, "▀")
        XCTAssertNotNil(cell.level)
    }

    func testAblationComparison() {
        let s = mamba().pressing(.char("1"))
        XCTAssertTrue(view(s).text.contains("recomputing stage 4"))
        let done = s.computed()
        let text = view(done).text
        XCTAssertTrue(text.contains("predictions: original │ ablated (scan 1 off)"))
        XCTAssertTrue(text.contains(" pt"))
        XCTAssertTrue(text.contains("ablation: scan 1 off"))
        // Narrow: one line of ablated predictions with deltas.
        let narrow = update(done, .resize(Size(width: 60, height: 20))).computed()
        XCTAssertTrue(view(narrow).text.contains("ablated: label"))
    }

    func testEveryViewAtEverySize() {
        let sizes = [Size(width: 120, height: 40), Size(width: 100, height: 30), Size(width: 80, height: 24),
                     Size(width: 60, height: 20), Size(width: 44, height: 14), Size(width: 200, height: 60)]
        for size in sizes {
            var s = update(mamba(), .resize(size)).pressing(.char("2"))
            for p in MambaPanel.allCases {
                for d in [false, true] {
                    let state = (d ? s.pressing(.char("d")) : s).computed()
                    let f = view(state)
                    XCTAssertTrue(f.row(size.height - 1).contains("? help"), "\(size) \(p)")
                    XCTAssertTrue(f.text.contains(" scans ") || size.width < 60, "\(size) \(p): tabs")
                    XCTAssertEqual(state.mamba.panel, p)
                }
                s = s.pressing(.char("v"))
            }
        }
    }

    func testMonochromeKeepsTheMarks() {
        let f = view(mamba().pressing(.char(".")))
        let mono = f.cells.map(Quantize.monochrome)
        XCTAssertTrue(mono.contains { $0.ch == "→" }, "arrows survive without colour")
        XCTAssertTrue(mono.contains { $0.ch == "→" && $0.style.contains(.reverse) }, "the highlighted token in reverse video")
    }

    func testHelpListsTheMambaKeys() {
        let text = view(mamba().pressing(.char("?"))).text
        for k in ["m  (⏎ on the rail)", "v  V", "space  , .", "+  -", "d  D", "n  N", "1 2 3 4", "r  z  0"] {
            XCTAssertTrue(text.contains(k), k)
        }
    }
}
