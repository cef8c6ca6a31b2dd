import Foundation
import XCTest

/// `vcview export` keeps its memory bounded at large --size: the scan animation (one frame per
/// token) is written frame by frame, and a size whose recorded activations exceed the limit is
/// refused with the limit and a size that fits.
final class ExportBoundsTests: XCTestCase {
    let image = CLI.asset("scenes/star.png")

    func out(_ name: String) -> String {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("vcview-exportbounds-\(getpid())-\(name)").path
        try? FileManager.default.removeItem(atPath: d)
        return d
    }

    /// At --size 512 the grid is 16×16: 256 frames of ~0.7 MB. Held together they took ~400 MB.
    func testScanFramesAreStreamed() throws {
        let dir = out("frames")
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let r = try MeasuredRun.run(["export", image, "--size", "512", "--views", "scan-frames", "--out", dir, "--quiet"])
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("wrote 256 PNG files"), r.stdout)
        XCTAssertLessThan(r.peakMB, 250, "one frame at a time")
    }

    func testSizeBeyondTheRecordingLimitIsRefused() throws {
        let r = try MeasuredRun.run(["export", image, "--out", out("limit"), "--quiet"], environment: ["VCVIEW_RECORD_LIMIT_MB": "8"])
        // The demo model records 17 MB at 224: sqrt(8 / 17) · 224 ≈ 154, so 128 fits.
        r.assertRefused("recording every activation at 224×224 needs 16 MB, more than the limit of 8 MB (VCVIEW_RECORD_LIMIT_MB); use --size 128 or smaller")
        XCTAssertLessThan(r.peakMB, 200)
    }
}
