import Foundation
import XCTest
import VCExport
@testable import VCTUI

/// `e` / `E`: which view the screen exports, and that a real PNG lands on disk.
final class ExportKeyTests: XCTestCase {
    func testExportViewFollowsTheScreen() {
        let s = Fixtures.done()
        XCTAssertEqual(s.currentExportView, .channels(site: "network.4.0"))
        let zoomed = s.pressing(.enter)
        XCTAssertEqual(zoomed.currentExportView, .channel(site: "network.4.0", channel: zoomed.channel))
        // e asks for the folder first (prefilled), Enter exports there.
        let asking = s.pressing(.char("e"))
        XCTAssertNil(asking.exportRequest)
        XCTAssertEqual(asking.exportPrompt?.folder, "vcview-exports")
        XCTAssertTrue(view(asking).row(39).hasPrefix(" export channels of network.4.0 to: vcview-exports "), view(asking).row(39))
        let e = asking.pressing(.enter)
        XCTAssertEqual(e.exportRequest, .current)
        XCTAssertEqual(e.exportStatus, "exporting channels of network.4.0 → vcview-exports/…")
        XCTAssertEqual(s.pressing(.char("E"), .enter).exportRequest, .all)
        // While one runs, a second request is refused with a message, not queued.
        var running = update(e, .exportStarted)
        XCTAssertNil(running.exportRequest)
        running = running.pressing(.char("e"))
        XCTAssertNil(running.exportRequest)
        XCTAssertEqual(running.exportStatus, "export: one is already running")
        let done = update(running, .exportFinished("exported x → y.png"))
        XCTAssertFalse(done.exporting)
        XCTAssertTrue(view(done).text.contains("exported x → y.png"), "the report is on screen")
        XCTAssertTrue(view(done).text.contains("? help"), "help stays visible")
        XCTAssertNil(done.pressing(.char("]")).exportStatus, "the next key clears it")
    }

    func testNothingToExportBeforeTheForwardPass() {
        let s = Fixtures.running()
        let e = s.pressing(.char("e"))
        XCTAssertNil(e.exportRequest)
        XCTAssertNil(e.exportPrompt)
        XCTAssertEqual(e.exportStatus, "export: wait for the forward pass to finish")
    }

    /// The folder is edited in place: q and other keys type, Backspace deletes, Escape cancels,
    /// and the next export starts from the last folder.
    func testThePromptEditsTheFolder() {
        var s = Fixtures.done().pressing(.char("E"))
        for _ in 0..<"exports".count { s = s.pressing(.backspace) }
        s = s.pressing(.char("q"), .char("/"), .char("x"))
        XCTAssertFalse(s.shouldQuit, "q is typed, not quit")
        XCTAssertEqual(s.exportPrompt?.folder, "vcview-q/x")
        s = s.pressing(.enter)
        XCTAssertEqual(s.exportRequest, .all)
        XCTAssertEqual(s.exportDirectory, "vcview-q/x")
        s = update(update(s, .exportStarted), .exportFinished("done"))
        XCTAssertEqual(s.pressing(.char("e")).exportPrompt?.folder, "vcview-q/x", "prefilled with the last folder")
        let cancelled = s.pressing(.char("e"), .char("z"), .escape)
        XCTAssertNil(cancelled.exportRequest)
        XCTAssertEqual(cancelled.exportDirectory, "vcview-q/x")
        XCTAssertEqual(cancelled.exportStatus, "export cancelled")
    }
}
