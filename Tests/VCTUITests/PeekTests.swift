import XCTest
@testable import VCTUI

final class PeekTests: XCTestCase {
    func testPeek() throws {
        guard ProcessInfo.processInfo.environment["VCTUI_PEEK"] != nil else { throw XCTSkip("set VCTUI_PEEK to print frames") }
        let dir = ProcessInfo.processInfo.environment["VCTUI_PEEK"]!
        let frames: [(String, ExplorerState)] = [
            ("grid", Fixtures.done()), ("zoom", Fixtures.done().pressing(.enter)),
            ("small", Fixtures.done(60, 20)), ("running", Fixtures.running()), ("help", Fixtures.done().pressing(.char("?"))),
            ("mamba", Fixtures.done().pressing(.char("]"), .char("]"))), ("head", Fixtures.done().pressing(.char("]"), .char("]"), .char("]"))),
            ("tiny", Fixtures.done(30, 10)), ("stem", Fixtures.done().pressing(.char("["), .char("["), .char("["))),
        ]
        for (name, s) in frames { try view(s).text.write(toFile: "\(dir)/\(name).txt", atomically: true, encoding: .utf8) }
    }
}
