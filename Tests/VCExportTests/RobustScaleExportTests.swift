import Foundation
import XCTest
import VCEngine
import VCExport
import VCImage
import VCRender
import VCStyle

/// Percentile clips, attention without its own weight, and their words on the PNG (issue 15).
final class RobustScaleExportTests: XCTestCase {
    /// The global scale of the photo is outlier-dominated: auto clips it at p99.5, the sidecar
    /// says where and what the data reach, and the bar has the clip's end marks; `none` does not.
    func testGlobalScaleIsClippedAndSaysSo() throws {
        let dir = try Paths.scratch("robust-global")
        let ex = TinyRun.exporter()
        let clipped = try Written(ex.export(view: .channels(site: "network.4.1"), to: dir,
                                            options: ExportOptions(scope: .global))[0])
        let clip = try XCTUnwrap(clipped.scale["clip"] as? [String: Any], "the sidecar states the clip")
        XCTAssertEqual(clip["percentile"] as? Double, 99.5)
        let text = try XCTUnwrap(clip["text"] as? String)
        XCTAssertTrue(text.hasPrefix("clipped at p"), text)
        XCTAssertLessThan(number(clipped.scale["hi"]), number(clip["max"]), "values beyond the end exist")
        XCTAssertTrue(((clipped.scale["notes"] as? [String]) ?? []).contains(text))
        // The end mark: left of the bar, in the margin, the colour of the bar's first column.
        let bar = try clipped.rect("colorbar")
        let mark = clipped.pixel(bar.x - 3, bar.y + bar.height / 2)
        XCTAssertEqual(mark, clipped.pixel(bar.x, bar.y + bar.height / 2))
        XCTAssertNotEqual(mark, RGB8.white)

        let full = try Written(ex.export(view: .channels(site: "network.4.1"), to: dir,
                                         options: ExportOptions(scope: .global, clip: .none))[0])
        XCTAssertNil(full.scale["clip"])
        XCTAssertEqual(number(full.scale["hi"]), number(clip["max"]))
        let fbar = try full.rect("colorbar")
        XCTAssertEqual(full.pixel(fbar.x - 3, fbar.y + fbar.height / 2), RGB8.white, "no end mark without a clip")
    }

    /// Attention's range leaves out the query's own weight, and says so; `included` puts it back.
    func testAttentionRangeExcludesTheToken() throws {
        let dir = try Paths.scratch("robust-attention")
        let ex = TinyRun.exporter()
        let layer = "network.6.2.mamba"
        let view = ExportView.attention(layer: layer, row: 2, col: 2, channel: nil)
        let out = try Written(ex.export(view: view, to: dir)[0])
        XCTAssertTrue(((out.scale["notes"] as? [String]) ?? []).contains("own weight excluded from the range"))
        let with = try Written(ex.export(view: view, to: dir, options: ExportOptions(clip: .none, attentionSelf: .included))[0])
        XCTAssertFalse(((with.scale["notes"] as? [String]) ?? []).contains("own weight excluded from the range"))
        XCTAssertGreaterThanOrEqual(number(with.scale["hi"]), number(out.scale["hi"]))
    }
}
