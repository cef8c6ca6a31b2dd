import Foundation
import XCTest
@testable import VCTUI

/// Every map has a legend (issue 15), in a real terminal at 200×60, 120×40 and 80×24: the main
/// channel grid, and each Mamba view (scans, hidden states, attention, shares, CAM). No "0" is
/// drawn inside a colour bar, and a legend cut short ends in "…".
final class LegendScreenTests: TmuxTestCase {

    /// Phrases the legends write; where a line holds the start of one but not all of it, it was
    /// cut, and the cut must show "…".
    static let phrases = ["own weight excluded from the range", "w·z_p, logit share, + for the class",
                          "share − 25%, in points", "clipped at p", "narrow range:", "visited: ‖h_t‖"]

    func assertNothingCutSilently(_ screen: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        for row in screen.split(separator: "\n").map(String.init) {
            for p in Self.phrases where !row.contains(p) {
                let head = String(p.prefix(8))
                if row.contains(head) { XCTAssertTrue(row.contains("…"), "\(what): '\(p)' cut without …: \(row)", file: file, line: line) }
            }
        }
    }

    /// The cells between ▕ and ▏ of every colour bar are bar cells only (no "0" inside).
    func assertBarsAreClean(_ screen: String, _ what: String, file: StaticString = #filePath, line: UInt = #line) {
        for row in screen.split(separator: "\n") {
            guard let a = row.firstIndex(of: "▕"), let b = row[a...].firstIndex(of: "▏") else { continue }
            let inside = row[row.index(after: a)..<b]
            XCTAssertTrue(inside.allSatisfy { $0 == "█" }, "\(what): the bar holds \(inside)", file: file, line: line)
        }
    }

    func testLegendsAtThreeSizes() throws {
        for (w, h) in [(200, 60), (120, 40), (80, 24)] {
            let size = "\(w)×\(h)"
            pane = try TmuxPane.launch(extraEnv: [:], width: w, height: h, timings: nil)
            var text = try pane.waitFor("first screen \(size)") { $0.contains("forward ") && $0.contains("▕") && $0.contains("▏") }
            XCTAssertTrue(text.contains("diverging") || text.contains("viridis"), "\(size): the main legend names its colormap")
            assertBarsAreClean(text, "main \(size)")
            // Global scale on the photo: clipped (auto), said on the legend.
            pane.send("s")
            text = try pane.waitFor("global \(size)") { $0.contains("global") || $0.contains("clipped at") }
            XCTAssertTrue(text.contains("clipped at p"), "\(size): the global scale is clipped and says so:\n\(text)")
            assertNothingCutSilently(text, "main global \(size)")
            assertBarsAreClean(text, "main global \(size)")
            pane.send("s"); pane.send("s")
            pane.send("m")
            text = try pane.waitFor("scans \(size)") { $0.contains("step 1/") && $0.contains("‖h_t‖") }
            XCTAssertTrue(text.contains("visited: ‖h_t‖") || text.contains("visited…") || text.contains("visited: …"), "\(size): the scans legend")
            assertNothingCutSilently(text, "scans \(size)")
            pane.send("v")
            text = try pane.waitFor("hidden \(size)") { $0.contains("└ ‖h_t‖ ") }
            XCTAssertTrue(text.contains("└ decay ") || h < 30, "\(size): the decay legend:\n\(text)")
            assertNothingCutSilently(text, "hidden \(size)")
            pane.send("v")
            text = try pane.waitFor("attention \(size)") { $0.contains("└ α ") }
            XCTAssertTrue(text.contains("own weight"), "\(size): the attention legend says its own weight is out of the range:\n\(text)")
            assertNothingCutSilently(text, "attention \(size)")
            pane.send("v")
            text = try pane.waitFor("shares \(size)") { $0.contains("└ share ") }
            XCTAssertTrue(text.contains("pt vs 25%"), "\(size): the shares legend in points vs 25%:\n\(text)")
            assertNothingCutSilently(text, "shares \(size)")
            pane.send("v")
            text = try pane.waitFor("CAM \(size)") { $0.contains("└ CAM ") }
            assertNothingCutSilently(text, "CAM \(size)")
            if w >= 120 { XCTAssertTrue(text.contains("logit share"), "\(size): the CAM legend states units and sign:\n\(text)") }
            pane.kill()
            pane = nil
        }
    }
}
