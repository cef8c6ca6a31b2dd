import Foundation
import XCTest
import VCTestSupport

/// The real explorer in tmux on a diverged checkpoint (the bundled demo model with the weights of
/// network.4.1.mlp.fc1 all NaN, written here by patching the demo file's bytes): it opens, marks
/// the NaN cells with their glyph and colour, names the site where NaN first appeared, says the
/// logits have no probabilities, walks through every Mamba view, and quits with status 0.
final class NonFiniteScreenTests: XCTestCase {
    var pane: TmuxPane!

    override func setUpWithError() throws {
        if ProcessInfo.processInfo.environment["VCTUI_LAUNCH"] != nil { throw XCTSkip("inside a launched explorer") }
        guard TmuxPane.tmuxAvailable else { throw XCTSkip("tmux is not installed") }
        guard TmuxPane.builtBinary() != nil, ProcessInfo.processInfo.environment["VCVIEW_EXPLORER_CMD"] == nil else {
            throw XCTSkip("needs the vcview binary (it takes --weights)")
        }
    }

    override func tearDown() {
        pane?.kill()
        pane = nil
    }


    /// A copy of the demo safetensors with every float of `key` replaced by `bits`.
    static func patchedDemo(_ key: String, bits: UInt32) throws -> String {
        var bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Repository.asset("vcmamba-demo.safetensors"))))
        var n = 0
        for i in 0..<8 { n |= Int(bytes[i]) << (8 * i) }
        let header = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(bytes[8..<(8 + n)])) as? [String: Any])
        let entry = try XCTUnwrap(header[key] as? [String: Any])
        XCTAssertEqual(entry["dtype"] as? String, "F32")
        let offsets = try XCTUnwrap(entry["data_offsets"] as? [Int])
        for p in stride(from: 8 + n + offsets[0], to: 8 + n + offsets[1], by: 4) {
            for b in 0..<4 { bytes[p + b] = UInt8(bits >> (8 * UInt32(b)) & 0xff) }
        }
        let path = FileManager.default.temporaryDirectory.appendingPathComponent("vctui-nan-\(getpid()).safetensors").path
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func testDivergedCheckpointIsShownNotCrashedOn() throws {
        let weights = try Self.patchedDemo("network.4.1.mlp.fc1.weight", bits: Float.nan.bitPattern)
        defer { try? FileManager.default.removeItem(atPath: weights) }
        pane = try TmuxPane.launch(extraEnv: [:], width: 120, height: 40, timings: nil, arguments: ["--weights", weights])
        var text = try pane.waitFor("first screen") { $0.contains("┌ch 0") && $0.contains("logits: 10 NaN") }
        XCTAssertFalse(text.contains("nan%"))
        // Block network.4.1 holds NaN only: its tiles show the NaN glyph on magenta, and the info
        // line names the first site that held NaN.
        pane.send("}")
        text = try pane.waitFor("block network.4.1") { $0.contains("network.4.1") && $0.contains("first NaN at network.4.1.mlp.fc1") }
        XCTAssertGreaterThan(text.filter { $0 == "×" }.count, 100, "NaN cells carry the × glyph")
        let escaped = pane.capture(escapes: true)
        XCTAssertTrue(escaped.contains("48;5;201m") || escaped.contains("48;2;255;0;255m"), "NaN cells on magenta")
        // Every Mamba view of a NaN layer draws, with its item key (n: channel, state, class; the
        // CAM has no classes to step through without probabilities) and an ablation.
        pane.send("]"); pane.send("]")
        _ = try pane.waitFor("Mamba layer") { $0.contains("(Mamba 1/") }
        pane.send("m")
        pane.send("1")
        for i in 0..<5 {
            pane.send("v"); pane.send("n")
            Thread.sleep(forTimeInterval: 1.5)   // the views compute on first show (debug builds are slow)
            let screen = pane.capture()
            XCTAssertFalse(screen.contains("EXIT="), "view \(i): the explorer ended\n\(screen)")
        }
        pane.send("Escape"); pane.send("q")
        text = try pane.waitFor("exit") { $0.contains("EXIT=") }
        XCTAssertTrue(text.contains("EXIT=0"), text)
    }

    /// A size whose recorded activations would not fit the limit is refused on the failure
    /// screen, with the limit and a size that fits; the explorer still quits cleanly.
    func testRecordingLimitIsSaid() throws {
        pane = try TmuxPane.launch(extraEnv: ["VCVIEW_RECORD_LIMIT_MB": "4"], width: 120, height: 40, timings: nil)
        let text = try pane.waitFor("failure screen") { $0.contains("The forward pass failed") && $0.contains("VCVIEW_RECORD_LIMIT_MB") }
        XCTAssertTrue(text.contains("more than the limit of 4 MB"), text)
        pane.send("q")
        XCTAssertTrue(try pane.waitFor("exit") { $0.contains("EXIT=") }.contains("EXIT=0"))
    }
}
