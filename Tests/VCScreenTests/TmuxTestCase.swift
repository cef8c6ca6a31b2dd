import Foundation
import XCTest

/// A test case that drives the explorer in one tmux pane: skipped without tmux or inside a
/// launched explorer; the pane is killed after each test.
class TmuxTestCase: XCTestCase {
    var pane: TmuxPane!

    override func setUpWithError() throws {
        if ProcessInfo.processInfo.environment["VCTUI_LAUNCH"] != nil { throw XCTSkip("inside a launched explorer") }
        guard TmuxPane.tmuxAvailable else { throw XCTSkip("tmux is not installed") }
    }

    override func tearDown() {
        pane?.kill()
        pane = nil
    }
}
