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
        let e = s.pressing(.char("e"))
        XCTAssertEqual(e.exportRequest, .current)
        XCTAssertEqual(e.exportStatus, "exporting channels of network.4.0…")
        XCTAssertEqual(s.pressing(.char("E")).exportRequest, .all)
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
        XCTAssertEqual(e.exportStatus, "export: wait for the forward pass to finish")
    }
}
