import XCTest
import VCEngine
import VCRecording
@testable import VCTUI

/// Not a test: writes the frames of a few states as text files into $VCTUI_FRAMES, to look at
/// screens without a terminal. Skipped in ordinary runs.
final class FrameDumpTests: XCTestCase {
    func testDumpFrames() throws {
        guard ProcessInfo.processInfo.environment["VCTUI_FRAMES"] != nil else { throw XCTSkip("set VCTUI_FRAMES=DIR to write frames") }
        let dir = ProcessInfo.processInfo.environment["VCTUI_FRAMES"]!
        var frames: [(String, ExplorerState)] = [
            ("grid", Fixtures.done()), ("zoom", Fixtures.done().pressing(.enter)),
            ("small", Fixtures.done(60, 20)), ("running", Fixtures.running()), ("help", Fixtures.done().pressing(.char("?"))),
            ("mamba", Fixtures.done().pressing(.char("]"), .char("]"))), ("head", Fixtures.done().pressing(.char("]"), .char("]"), .char("]"))),
            ("tiny", Fixtures.done(30, 10)), ("stem", Fixtures.done().pressing(.char("["), .char("["), .char("["))),
        ]
        // The Mamba views, at 120×40 and 60×20, with their computations done.
        let mamba = Fixtures.done().pressing(.char("m"), .char("."), .char("."), .char("."))
        var views: [(String, ExplorerState)] = []
        for (i, p) in MambaPanel.allCases.enumerated() {
            var s = mamba
            for _ in 0..<i { s = s.pressing(.char("v")) }
            views.append(("mamba-\(p.rawValue)", s.computed()))
        }
        views.append(("mamba-ablation", mamba.pressing(.char("v"), .char("v"), .char("v"), .char("2"), .char("r")).computed()))
        views.append(("mamba-one-scan", mamba.pressing(.char("d")).computed()))
        var tour = Fixtures.done()
        tour.startTour()
        for i in 0..<tour.tour!.count {
            views.append(("tour-\(i + 1)", tour.computed()))
            tour = tour.pressing(.char(" "))
        }
        // A larger grid: the small model at 448×448 (14×14 tokens).
        let rail448 = Rail(config: Fixtures.config, inputHeight: 448, inputWidth: 448)
        let rec = RecordingObserver(SitePattern("*"))
        let logits = try Fixtures.model.forward(SeededWeights.input(seed: 1, height: 448, width: 448), observer: rec)
        let store448 = Recording(order: rec.order, tensors: rec.tensors, catalogue: rail448.sites, logits: logits)
        var big = update(ExplorerState(info: Fixtures.info, rail: rail448, size: Size(width: 120, height: 40)), .forwardDone(store448, milliseconds: 1))
        big = big.pressing(.char("m"), .char("."))
        for p in MambaPanel.allCases {
            frames.append(("grid14-\(p.rawValue)", big))
            big = big.pressing(.char("v"))
        }
        let small = views.map { ($0.0 + "-60x20", update($0.1, .resize(Size(width: 60, height: 20))).computed()) }
        frames += views + small
        for (name, s) in frames { try view(s).text.write(toFile: "\(dir)/\(name).txt", atomically: true, encoding: .utf8) }
    }
}
