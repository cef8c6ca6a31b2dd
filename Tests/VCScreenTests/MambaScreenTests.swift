import Foundation
import XCTest
@testable import VCTUI

/// The Mamba views and the tour in a real terminal (tmux at 120×40, see `ScreenTests`): each view
/// opens, the scan animation steps and plays, the highlighted token moves, an ablation shows its
/// deltas, the CAM overlays the picture; the tour runs end to end and `q` restores the terminal.
/// Written for any VCMamba (the bundled demo model, or the tiny fixture checkpoint without it).
final class MambaScreenTests: TmuxTestCase {
    /// The explorer, its forward pass done, with the Mamba views open on the first Mamba layer.
    func openMamba(width: Int = 120, height: Int = 40, timings: String? = nil) throws -> String {
        pane = try TmuxPane.launch(extraEnv: [:], width: width, height: height, timings: timings)
        _ = try pane.waitFor("first screen") { $0.contains("┌ch 0") && $0.contains("forward ") }
        pane.send("m")
        return try pane.waitFor("Mamba views") { $0.contains(" scans ") && $0.contains("hidden states") && $0.contains("(Mamba 1/") && $0.contains("step 1/") }
    }

    /// The step counter "step t/L" of the header.
    func step(_ screen: String) -> (Int, Int)? {
        guard let r = screen.range(of: #"step (\d+)/(\d+) "#, options: .regularExpression) else { return nil }
        let parts = screen[r].dropFirst(5).dropLast().split(separator: "/")
        return (Int(parts[0])!, Int(parts[1])!)
    }

    /// Cells painted with the highlight colour (the token read at step t), in 256 colours.
    var highlighted: [(x: Int, y: Int)] {
        let code = Int(Quantize.colorNumber(Theme.current(for: .viridis), depth: .palette256))
        return TmuxPane.cells(withBackground: code, in: pane.capture(escapes: true))
    }

    func testScansViewStepsAndPlays() throws {
        var text = try openMamba()
        XCTAssertTrue(text.contains("┌ scan 1 ") && text.contains("┌ scan 4 "), "four scans (short titles on square token cells at 120×40)")
        XCTAssertTrue(text.contains("●") && text.contains("→") && text.contains("←") && text.contains("↑") && text.contains("↓"), "direction marks")
        XCTAssertTrue(text.contains("scan 1 step 1 reads (0, 0) ● start"), text)
        XCTAssertTrue(text.contains("┌ explain") && text.contains("raster position"), "the explanation and the quirk")
        let before = highlighted
        XCTAssertGreaterThanOrEqual(before.count, 4, "one highlighted token per scan")
        pane.send(".")
        text = try pane.waitFor("step 2") { $0.contains("step 2/") }
        XCTAssertTrue(text.contains("scan 1 step 2 reads (0, 1) → right"), text)
        let after = highlighted
        XCTAssertFalse(after.isEmpty)
        // Scan 1's highlight (the leftmost panel's) moved one token to the right.
        let firstBefore = try XCTUnwrap(before.min { ($0.y, $0.x) < ($1.y, $1.x) })
        let firstAfter = try XCTUnwrap(after.min { ($0.y, $0.x) < ($1.y, $1.x) })
        XCTAssertEqual(firstAfter.y, firstBefore.y)
        XCTAssertGreaterThan(firstAfter.x, firstBefore.x, "the highlighted token moves along the scan")
        pane.send(",")
        _ = try pane.waitFor("step back") { $0.contains("step 1/") && $0.contains("⏸ paused") }
        // Play at 16 steps per second; the counter runs, space pauses it.
        pane.send("+", "+")
        _ = try pane.waitFor("speed") { $0.contains("16/s") }
        pane.send("Space")
        text = try pane.waitFor("playing") { s in s.contains("▶ playing") && (self.step(s)?.0 ?? 0) >= 6 }
        pane.send("Space")
        text = try pane.waitFor("paused") { $0.contains("⏸ paused") }
        let stopped = try XCTUnwrap(step(text)).0
        Thread.sleep(forTimeInterval: 0.4)
        XCTAssertEqual(step(pane.capture())?.0, stopped, "paused: the step stays")
        // One scan alone, larger.
        pane.send("d", "d")
        _ = try pane.waitFor("scan 2 alone") { $0.contains("scan 2 ·") && !$0.contains("scan 1 ·") }
    }

    func testHiddenStatesView() throws {
        _ = try openMamba()
        pane.send("v")
        var text = try pane.waitFor("hidden states") { $0.contains("‖h_t‖") && $0.contains("‖h‖ scan 1") && $0.contains("decay") }
        XCTAssertTrue(text.contains("per state index n"), "16 maps per state index")
        XCTAssertTrue(text.contains("n15"))
        XCTAssertTrue(text.contains("exp(Δ·A)"))
        let marker = try XCTUnwrap(TmuxPane.locate("◆", in: text), "the token read at step t")
        pane.send(".", ".")
        text = try pane.waitFor("step 3") { $0.contains("step 3/") }
        let moved = try XCTUnwrap(TmuxPane.locate("◆", in: text))
        XCTAssertEqual(moved.1, marker.1)
        XCTAssertGreaterThan(moved.0, marker.0, "the marker follows the scan")
        XCTAssertTrue(text.contains("at step 3"), "the curves' read-out follows the step")
    }

    func testAttentionViewAndParityResidual() throws {
        _ = try openMamba()
        pane.send("v", "v")
        var text = try pane.waitFor("attention and residual") { $0.contains("α scan 1") && $0.contains("Σ 4 scans") && $0.contains("✓ float rounding") }
        XCTAssertTrue(text.contains("parity: y rebuilt from α"))
        XCTAssertTrue(text.contains("strongest source"))
        let token = try XCTUnwrap(text.range(of: #"token \((\d+), (\d+)\)"#, options: .regularExpression).map { String(text[$0]) })
        pane.send("l")
        text = try pane.waitFor("cursor moved") { !$0.contains(token) && $0.contains("token (") }
        pane.send("n")
        _ = try pane.waitFor("one channel") { $0.contains("channel 0 of") }
    }

    func testSharesView() throws {
        _ = try openMamba()
        pane.send("v", "v", "v")
        let text = try pane.waitFor("shares") { $0.contains("mean share") && $0.contains("share scan 1") }
        XCTAssertEqual(text.components(separatedBy: "mean share").count - 1, 4, "one bar per scan")
    }

    /// Switching a direction off recomputes stage 4 and the head: the predictions show deltas.
    func testAblationShowsDeltas() throws {
        let log = NSTemporaryDirectory() + "vctui-mamba-timings-\(getpid()).txt"
        try? FileManager.default.removeItem(atPath: log)
        defer { try? FileManager.default.removeItem(atPath: log) }
        _ = try openMamba(timings: log)
        pane.send("2")
        var text = try pane.waitFor("ablated predictions") { $0.contains("ablation: scan 2 off") && $0.contains("predictions: original │ ablated") && $0.contains(" pt") }
        XCTAssertTrue(text.contains("stage 4 + head"), "says what was recomputed, and its cost")
        XCTAssertTrue(text.contains("▲") || text.contains("▼") || text.contains("= "), "deltas")
        pane.send("r")
        text = try pane.waitFor("raster") { $0.contains("scan 2 off · raster scan") && $0.contains(" pt") }
        pane.send("z")
        _ = try pane.waitFor("zero dirB") { $0.contains("direction_Bs = 0") && $0.contains(" pt") }   // its result, not only its label
        pane.send("0")
        text = try pane.waitFor("reset") { $0.contains("ablation: none") && !$0.contains("predictions: original") }
        // Three ablations, each stage 4 and the head only: the network ran once. The results
        // arrive in the background, the last one possibly after the reset is on screen: wait
        // for its line (up to 10 s).
        var lines = ""
        for _ in 0..<100 {
            lines = (try? String(contentsOfFile: log, encoding: .utf8)) ?? ""
            if lines.components(separatedBy: "mamba_ms ablation").count - 1 >= 3 { break }
            Thread.sleep(forTimeInterval: 0.1)
        }
        XCTAssertEqual(lines.components(separatedBy: "mamba_ms ablation").count - 1, 3, lines)
        XCTAssertTrue(lines.contains("forward_runs 1"))
        XCTAssertFalse(lines.contains("forward_runs 2"), "ablations never rerun the whole network")
    }

    func testCAMOverlay() throws {
        _ = try openMamba()
        pane.send("V")
        var text = try pane.waitFor("CAM") { $0.contains("CAM · ") && $0.contains("logit of the forward pass") }
        XCTAssertTrue(text.contains("▸ 1 "), "the top class is chosen")
        let (x, y) = try XCTUnwrap(TmuxPane.locate("┌ CAM · ", in: text))
        let rows = text.split(separator: "\n", omittingEmptySubsequences: false)
        let overlay = rows[y + 1].unicodeScalars.dropFirst(x + 1).prefix(10)
        XCTAssertEqual(overlay.filter { $0 == "▀" }.count, 10, "the picture under the map")
        // mean + bias equals the logit: the two numbers printed agree.
        let sum = try XCTUnwrap(text.range(of: #"= (-?[0-9.e+-]+)"#, options: .regularExpression).map { text[$0].dropFirst(2) })
        let logit = try XCTUnwrap(text.range(of: #"forward pass (-?[0-9.e+-]+)"#, options: .regularExpression).map { text[$0].split(separator: " ").last! })
        XCTAssertEqual(Double(sum)!, Double(logit)!, accuracy: 1e-3 * max(1, abs(Double(logit)!)))
        pane.send("n")
        text = try pane.waitFor("second class") { $0.contains("▸ 2 ") }
    }

    func testMambaViewsAt60x20() throws {
        _ = try openMamba(width: 60, height: 20)
        var text = pane.capture()
        let lines = text.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertTrue(lines[19].contains("? help"), text)
        XCTAssertTrue(text.contains("scan 1"))
        for _ in 0..<4 {
            pane.send("v")
            text = try pane.waitFor("next view at 60×20") { $0.split(separator: "\n", omittingEmptySubsequences: false)[19].contains("? help") }
        }
        pane.send("1")
        _ = try pane.waitFor("ablated one-line predictions") { $0.contains("ablated:") }
    }

    // MARK: The tour

    func startTour(_ arguments: [String] = []) throws -> String {
        pane = try TmuxPane.launch(extraEnv: arguments.isEmpty ? [:] : ["VCTUI_TOUR_DWELL": "1"], width: 120, height: 40, timings: nil,
                                   subcommand: "tour", arguments: arguments)
        return try pane.waitFor("tour step 1") { $0.contains("tour 1/11 · Input and preprocessing") && $0.contains("forward ") }
    }

    /// Every step's narration, Space to advance, `b` to go back, `q` to leave with the terminal restored.
    func testTourEndToEnd() throws {
        var text = try startTour()
        XCTAssertTrue(text.contains("eval transform") && text.contains("1×3×224×224"), "narration with the real shapes")
        XCTAssertTrue(text.contains("space → next") && text.contains("b ← back") && text.contains("a autoplay"))
        pane.send("Space")
        text = try pane.waitFor("step 2") { $0.contains("tour 2/11 · The convolutional stem") }
        pane.send("b")
        _ = try pane.waitFor("back to step 1") { $0.contains("tour 1/11 · Input and preprocessing") }
        let titles = TourStep.allCases.map { $0.title }
        for i in 1..<titles.count {
            pane.send("Space")
            text = try pane.waitFor("step \(i + 1)") { $0.contains("tour \(i + 1)/11 · \(titles[i])") }
            switch TourStep.allCases[i] {
            case .scans: _ = try pane.waitFor("scans playing") { $0.contains("┌ scan 1 ") && $0.contains("▶ playing") }
            case .hidden: _ = try pane.waitFor("hidden states") { $0.contains("‖h_t‖") && $0.contains("peaks at") }
            case .attention: _ = try pane.waitFor("parity in the narration") { $0.contains("matches the engine's scan to") && $0.contains("float rounding") }
            case .cam: _ = try pane.waitFor("CAM check") { $0.contains("CAM · ") && $0.contains("the logit is") }
            case .prediction: _ = try pane.waitFor("top-5") { $0.contains("The top-5:") && $0.contains("%") }
            case .ablation: _ = try pane.waitFor("ablation") { $0.contains("ablation: raster scan") && $0.contains("recomputed in") }
            default: break
            }
        }
        pane.send("Space")   // stays on the last step
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertTrue(pane.capture().contains("tour 11/11"))
        pane.send("q")
        text = try pane.waitFor("exit") { $0.contains("EXIT=") && $0.contains("STTY=") }
        XCTAssertTrue(text.contains("EXIT=0"), text)
        XCTAssertTrue(text.contains("STTY= icanon echo"), "terminal modes restored: \(text)")
        XCTAssertFalse(text.contains("tour 11/11"), "the tour's screen is gone")
    }

    /// Presenter mode: `a` starts the autoplay, the steps come by themselves.
    func testTourAutoplay() throws {
        _ = try startTour(["--dwell", "1"])
        pane.send("a")
        _ = try pane.waitFor("autoplay") { $0.contains("autoplay ▶") }
        _ = try pane.waitFor("step 3 by itself", timeout: 15) { $0.contains("tour 3/11") }
        pane.send("a")
        let text = try pane.waitFor("autoplay off") { !$0.contains("autoplay ▶") }
        let step = text.range(of: #"tour \d+/11"#, options: .regularExpression).map { String(text[$0]) }
        Thread.sleep(forTimeInterval: 1.5)
        let later = pane.capture()
        XCTAssertEqual(later.range(of: #"tour \d+/11"#, options: .regularExpression).map { String(later[$0]) }, step, "stopped")
        pane.send("q")
        _ = try pane.waitFor("exit") { $0.contains("EXIT=0") }
    }
}
