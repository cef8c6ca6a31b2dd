import XCTest
import VCRender
@testable import VCExport

/// The one-map figures of `vcview erf` / `attribute`: a long subtitle (the model line names the
/// checkpoint's full path) wraps to the map's width instead of widening the whole figure.
final class MapFigureTests: XCTestCase {
    func testLongSubtitlesWrapToTheBody() throws {
        let long = (0..<40).map { "word\($0)" }.joined(separator: " ")
        let lines = MapFigure.wrap(long, width: 200)
        XCTAssertGreaterThan(lines.count, 1)
        XCTAssertEqual(lines.joined(separator: " "), long, "wrapping loses no word")
        for l in lines.dropLast() { XCTAssertLessThanOrEqual(PixelFont.width(l), 200, l) }
        XCTAssertEqual(MapFigure.wrap("short", width: 200), ["short"])

        let fig = MapFigure(title: "t", subtitle: [long + " " + long], values: (0..<49).map(Float.init), height: 7, width: 7,
                            colormap: .viridis, caption: "c")
        let dir = try Paths.scratch("mapfigure")
        let paths = try fig.write(directory: dir, stem: "m", fields: [])
        let w = try Written(paths[0])
        // The 7×7 map is drawn ×64 = 448 px; the text wraps at 560 px; margins on both sides.
        XCTAssertLessThanOrEqual(w.image.width, 560 + 2 * Style.margin + 8)
        XCTAssertGreaterThanOrEqual(w.image.width, 448)
    }
}
