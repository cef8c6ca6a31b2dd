import XCTest
@testable import VCTUI

/// Not a test: writes the frames of a few states as text files into $VCTUI_FRAMES, to look at
/// screens without a terminal. Skipped in ordinary runs.
final class FrameDumpTests: XCTestCase {
    func testDumpFrames() throws {
        guard ProcessInfo.processInfo.environment["VCTUI_FRAMES"] != nil else { throw XCTSkip("set VCTUI_FRAMES=DIR to write frames") }
        let dir = ProcessInfo.processInfo.environment["VCTUI_FRAMES"]!
        let frames: [(String, ExplorerState)] = [
            ("grid", Fixtures.done()), ("zoom", Fixtures.done().pressing(.enter)),
            ("small", Fixtures.done(60, 20)), ("running", Fixtures.running()), ("help", Fixtures.done().pressing(.char("?"))),
            ("mamba", Fixtures.done().pressing(.char("]"), .char("]"))), ("head", Fixtures.done().pressing(.char("]"), .char("]"), .char("]"))),
            ("tiny", Fixtures.done(30, 10)), ("stem", Fixtures.done().pressing(.char("["), .char("["), .char("["))),
        ]
        for (name, s) in frames { try view(s).text.write(toFile: "\(dir)/\(name).txt", atomically: true, encoding: .utf8) }
    }
}
