import Foundation
import XCTest

/// The gradient view (`a`) in a real terminal (tmux, see `ScreenTests`), on the bundled demo model
/// (or the tiny fixture checkpoint without it): the map and its formula appear, the overlay is
/// the picture with the map over it, `a` cycles the methods, the gradient model is built only
/// once the view opens, small and monochrome windows stay legible, `q` quits (also while a map
/// is on its way) with the terminal restored.
final class GradientScreenTests: TmuxTestCase {
    func testGradientViewOverlaysTheMapAndCycles() throws {
        let log = NSTemporaryDirectory() + "vctui-gradient-timings-\(getpid()).txt"
        try? FileManager.default.removeItem(atPath: log)
        pane = try TmuxPane.launch(extraEnv: [:], width: 120, height: 40, timings: log)
        _ = try pane.waitFor("first screen") { $0.contains("┌ch 0") && $0.contains("forward ") }
        Thread.sleep(forTimeInterval: 0.3)
        XCTAssertFalse(((try? String(contentsOfFile: log, encoding: .utf8)) ?? "").contains("gradient_model_ms"),
                       "no gradient model before the view opens")
        pane.send("a")
        var text = try pane.waitFor("Grad-CAM and its formula") {
            $0.contains("gradients · Grad-CAM of ") && $0.contains("formula: relu(sum_c mean_ij(G_c) A_c)") && $0.contains("computed in")
        }
        XCTAssertTrue(text.contains("┌ over the input") && text.contains("┌ map "), text)
        XCTAssertTrue(text.contains("▸ 1 "), "the top class is explained")

        // The overlay panel has the input panel's size: cell by cell it is the picture with the
        // map over it, so it differs from the plain picture, and from the map alone.
        let cells = ColourCells(pane.capture(escapes: true))
        let (ox, oy) = try XCTUnwrap(TmuxPane.locate("┌ over the input", in: text))
        let (ix, iy) = try XCTUnwrap(TmuxPane.locate("┌ input", in: text))
        let (mx, my) = try XCTUnwrap(TmuxPane.locate("┌ map ", in: text))
        var differsFromPicture = 0, differsFromMap = 0, compared = 0
        for row in 0..<8 { for col in 0..<20 {
            let o = cells[ox + 1 + col, oy + 1 + row]
            XCTAssertEqual(o.glyph, "▀", "half blocks in the overlay at \(col), \(row)")
            compared += 1
            if o != cells[ix + 1 + col, iy + 1 + row] { differsFromPicture += 1 }
            if o != cells[mx + 1 + col, my + 1 + row] { differsFromMap += 1 }
        } }
        XCTAssertGreaterThan(differsFromPicture, compared / 4, "the map is blended over the picture")
        XCTAssertGreaterThan(differsFromMap, compared / 4, "the picture shows through the map")

        // a: LayerCAM, then the ERF of the site, each with its formula.
        pane.send("a")
        text = try pane.waitFor("LayerCAM") { $0.contains("LayerCAM of ") && $0.contains("formula: relu(sum_c relu(G_c) * A_c)") }
        pane.send("a")
        text = try pane.waitFor("ERF") { $0.contains("gradients · ERF at ") && $0.contains("shown as (m / max m)^0.2") && $0.contains("formula: sum_c |dL/dx|") }
        // n: another class (ERF explains none; back to Grad-CAM to see it).
        pane.send("A", "A", "n")
        text = try pane.waitFor("second class") { $0.contains("▸ 2 ") && $0.contains("Grad-CAM of ") && $0.contains("formula: relu(sum_c mean_ij") }
        pane.send("Escape")
        _ = try pane.waitFor("the channel grid again") { $0.contains("┌ch 0") && !$0.contains("gradients · ") }
        pane.send("q")
        text = try pane.waitFor("exit") { $0.contains("EXIT=") && $0.contains("STTY=") }
        XCTAssertTrue(text.contains("EXIT=0"), text)
        XCTAssertTrue(text.contains("STTY= icanon echo"), "terminal modes restored: \(text)")
        let lines = try String(contentsOfFile: log, encoding: .utf8)
        XCTAssertEqual(lines.components(separatedBy: "gradient_model_ms").count - 1, 1, "the gradient model is built once: \(lines)")
        XCTAssertTrue(lines.contains("gradient_ms gradcam "), lines)
        XCTAssertTrue(lines.contains("forward_runs 1") && !lines.contains("forward_runs 2"))
    }

    /// The slowest maps (the Mamba layers' rollouts) take a while: `q` does not wait for them.
    func testQuitWhileComputing() throws {
        pane = try TmuxPane.launch(extraEnv: [:], width: 120, height: 40, timings: nil)
        _ = try pane.waitFor("first screen") { $0.contains("┌ch 0") && $0.contains("forward ") }
        pane.send("A")
        let t0 = Date()
        pane.send("q")
        let text = try pane.waitFor("exit", timeout: 10) { $0.contains("EXIT=") && $0.contains("STTY=") }
        XCTAssertTrue(text.contains("EXIT=0"), text)
        XCTAssertTrue(text.contains("STTY= icanon echo"), text)
        XCTAssertLessThan(Date().timeIntervalSince(t0), 3, "q answered at once")
    }

    /// A diverged checkpoint (NaN weights in network.4.1): no class to explain, said in the view;
    /// an ERF past the NaN is all NaN marks, counted in the legend; nothing crashes.
    func testDivergedCheckpointGivesMessages() throws {
        guard TmuxPane.builtBinary() != nil, ProcessInfo.processInfo.environment["VCVIEW_EXPLORER_CMD"] == nil else {
            throw XCTSkip("needs the vcview binary (it takes --weights)")
        }
        let weights = try NonFiniteScreenTests.patchedDemo("network.4.1.mlp.fc1.weight", bits: Float.nan.bitPattern)
        defer { try? FileManager.default.removeItem(atPath: weights) }
        pane = try TmuxPane.launch(extraEnv: [:], width: 120, height: 40, timings: nil, arguments: ["--weights", weights])
        _ = try pane.waitFor("first screen") { $0.contains("┌ch 0") && $0.contains("logits: 10 NaN") }
        pane.send("a")
        _ = try pane.waitFor("no class") { $0.contains("no class to explain: logits: 10 NaN") }
        pane.send("a", "a", "]")
        let text = try pane.waitFor("an ERF of NaN") { $0.contains("ERF at network.6.0") && $0.contains("non-finite") }
        XCTAssertGreaterThan(text.filter { $0 == "×" }.count, 100, "NaN cells carry the × glyph")
        pane.send("q")
        XCTAssertTrue(try pane.waitFor("exit") { $0.contains("EXIT=") }.contains("EXIT=0"))
    }

    func testSmallAndMonochromeWindows() throws {
        for (w, h, env) in [(60, 20, [String: String]()), (80, 24, ["NO_COLOR": "1"])] {
            pane = try TmuxPane.launch(extraEnv: env, width: w, height: h, timings: nil)
            _ = try pane.waitFor("first screen \(w)×\(h)") { $0.contains("forward ") && $0.contains("? help") }
            pane.send("a")
            let text = try pane.waitFor("gradient view at \(w)×\(h)") { $0.contains("Grad-CAM of ") && $0.contains("formula: ") }
            let rows = text.split(separator: "\n", omittingEmptySubsequences: false)
            XCTAssertTrue(rows[h - 1].contains("? help"), text)
            XCTAssertTrue(text.contains("┌ over the"), text)
            if env["NO_COLOR"] != nil {
                XCTAssertEqual(TmuxPane.colourParameters(pane.capture(escapes: true)), [], "no colour escapes")
                XCTAssertTrue(text.contains("░") || text.contains("▒") || text.contains("▓"), "the map in the glyph ramp")
            }
            pane.send("a")
            _ = try pane.waitFor("LayerCAM at \(w)×\(h)") { $0.contains("LayerCAM of ") }
            pane.send("q")
            _ = try pane.waitFor("exit") { $0.contains("EXIT=0") }
            pane.kill()
        }
    }
}
