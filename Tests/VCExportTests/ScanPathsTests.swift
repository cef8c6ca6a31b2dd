import Foundation
import XCTest
import VCEngine
import VCImage
import VCRender
@testable import VCExport

/// The scan paths over the input picture, decoded back.
final class ScanPathsTests: XCTestCase {
    func testFourPathsOverThePicture() throws {
        let ex = TinyRun.exporter()
        XCTAssertTrue(ex.allViews().contains(.scanPaths))
        let dir = try Paths.scratch("scan-paths")
        let paths = try ex.export(view: .scanPaths, to: dir)
        XCTAssertTrue(paths[0].hasSuffix("chelsea__network.6__scan-paths.png"), paths[0])
        let w = try Written(paths[0])
        XCTAssertEqual(w.sidecar["view"] as? String, "scan-paths")
        let panels = try XCTUnwrap((w.sidecar["layout"] as? [String: Any])?["panels"] as? [[String: Any]])
        XCTAssertEqual(panels.count, 4)
        let orders = ScanOrders(height: 5, width: 5)
        let picture = try XCTUnwrap(TinyRun.source.inputPicture)
        for d in 0..<4 {
            let r = try Written.rect(panels[d])
            XCTAssertEqual(r.width, 320, "the 160 px picture at ×2")
            let area = TokenGridArea(x: r.x, y: r.y, width: r.width, height: r.height, gridHeight: 5, gridWidth: 5)
            let start = area.centre(orders.orders[d][0])
            XCTAssertEqual(w.pixel(start.x, start.y), Style.directions[d], "scan \(d + 1) starts with a disc")
            // Half-way along its second segment the line is the scan's colour.
            let a = area.centre(orders.orders[d][1]), b = area.centre(orders.orders[d][2])
            XCTAssertEqual(w.pixel((a.x + b.x) / 2, (a.y + b.y) / 2), Style.directions[d])
            // A token's corner is the picture itself (each picture pixel a 2×2 block).
            let box = area.box(orders.orders[d][12])
            let px = (box.x - r.x + 3) / 2, py = (box.y - r.y + 3) / 2
            let i = (py * picture.width + px) * 3
            XCTAssertEqual(w.pixel(box.x + 3, box.y + 3), RGB8(picture.rgb[i], picture.rgb[i + 1], picture.rgb[i + 2]))
        }
    }
}
