import Foundation
import XCTest
import VCImage
import VCTestSupport
@testable import VCTUI

/// The explorer in real terminals on a private X server: xterm as a VT340 (sixel), mlterm
/// (sixel) and kitty (kitty graphics), each screenshot with ImageMagick (scripts/terminal-shot).
/// The input panel's pixels are compared with the picture the network saw: drawn as pixels they
/// match it closely; drawn with half blocks (`--graphics none`, or under the help box) they do not.
/// Skipped, saying which package is missing, where Xvfb, a terminal, ImageMagick or xdotool is
/// not installed (`scripts/setup` installs them).
final class TerminalGraphicsTests: XCTestCase {
    static let scene = Repository.asset("scenes/star.png")

    override func setUpWithError() throws {
        if ProcessInfo.processInfo.environment["VCTUI_LAUNCH"] != nil { throw XCTSkip("inside a launched explorer") }
    }

    /// A run of the explorer in `terminal`: the screenshots, the mode and cell size it logged.
    struct Shots {
        var images: [RGBImage]
        var mode: String
        var cell: PixelSize
    }

    func shoot(_ terminal: String, graphics: String = "auto", keys: String = "") throws -> Shots {
        guard let vcview = TmuxPane.builtBinary() else { throw XCTSkip("the vcview binary is not built") }
        let dir = NSTemporaryDirectory() + "vcview-shot-\(terminal)-\(getpid())-\(UInt32.random(in: 0...UInt32.max))"
        defer { try? FileManager.default.removeItem(atPath: dir) }
        let script = Repository.path("scripts/terminal-shot")
        let r = TmuxPane.run([script, "--terminal", terminal, "--out", dir, "--keys", keys, "--",
                              vcview, Self.scene, "--graphics", graphics, "--no-mouse"])
        if r.status == 2 { throw XCTSkip(r.output.trimmingCharacters(in: .whitespacesAndNewlines)) }
        XCTAssertEqual(r.status, 0, r.output)
        let log = try String(contentsOfFile: dir + "/timings.log", encoding: .utf8)
        let line = try XCTUnwrap(log.split(separator: "\n").first { $0.hasPrefix("graphics ") }, log)
        let words = line.split(separator: " ")
        let size = try XCTUnwrap(words.firstIndex(of: "cell").map { words[$0 + 1].split(separator: "x").compactMap { Int($0) } })
        let count = keys.split(separator: " ").count + 1
        let images = try (0..<count).map { try ImageDecoder.decode(path: dir + "/shot-\($0).png") }
        return Shots(images: images, mode: String(words[1]), cell: PixelSize(width: size[0], height: size[1]))
    }

    /// Mean absolute difference (0…255) between the screenshot's input panel and the picture the
    /// network saw, scaled the way the screen scales it.
    func pictureError(_ shot: RGBImage, cell: PixelSize) throws -> Double {
        let layout = Layout(size: Size(width: 120, height: 36))
        let inner = try XCTUnwrap(layout.inputBox).inset(1)
        let decoded = try ImageDecoder.decode(path: Self.scene)
        let cropped = EvalTransform.apply(decoded, size: 224).cropped
        let picture = FrameImage(slot: .input, rect: Rect(x: inner.x, y: inner.y, w: inner.w, h: 11),
                                 width: cropped.width, height: cropped.height, rgb: cropped.pixels)
        let size = picture.fittedSize(cell: cell)
        let expected = picture.scaled(to: size)
        let x0 = inner.x * cell.width, y0 = inner.y * cell.height
        XCTAssertLessThanOrEqual(x0 + size.width, shot.width)
        var total = 0
        for y in 0..<size.height {
            for x in 0..<size.width {
                for c in 0..<3 {
                    total += abs(Int(shot.pixels[((y0 + y) * shot.width + x0 + x) * 3 + c]) - Int(expected[(y * size.width + x) * 3 + c]))
                }
            }
        }
        return Double(total) / Double(size.width * size.height * 3)
    }

    func checkPixels(_ terminal: String, expectedMode: String) throws {
        let shots = try shoot(terminal, keys: "question question size=100x30")
        XCTAssertEqual(shots.mode, expectedMode, "detected from the environment or the terminal's answers")
        let pixels = try pictureError(shots.images[0], cell: shots.cell)
        let covered = try pictureError(shots.images[1], cell: shots.cell)
        let redrawn = try pictureError(shots.images[2], cell: shots.cell)
        let resized = try pictureError(shots.images[3], cell: shots.cell)   // same panel at 100×30
        let blocks = try pictureError(try shoot(terminal, graphics: "none").images[0], cell: shots.cell)
        print("\(terminal): mean |Δ| pixels \(pixels), under the help box \(covered), redrawn \(redrawn), resized \(resized), half blocks \(blocks)")
        XCTAssertLessThan(pixels, 12, "the panel shows the picture's own pixels")
        XCTAssertGreaterThan(blocks, pixels * 1.5, "half blocks are visibly coarser than the pixels")
        XCTAssertGreaterThan(covered, pixels * 1.5, "under the help box the pixels are gone")
        XCTAssertLessThan(redrawn, 12, "closing the help draws the pixels again")
        XCTAssertLessThan(resized, 12, "a resize clears the screen and draws the pixels again")
        // The resize happened: right of column 100 the terminal drew things before, and after it
        // only the X server's black root window is left.
        let lit = { (im: RGBImage) -> Int in
            var n = 0
            for y in 0..<(36 * shots.cell.height) { for x in (100 * shots.cell.width + 2)..<(120 * shots.cell.width) {
                let i = (y * im.width + x) * 3
                if im.pixels[i] | im.pixels[i + 1] | im.pixels[i + 2] != 0 { n += 1 }
            } }
            return n
        }
        XCTAssertGreaterThan(lit(shots.images[0]), 1000)
        XCTAssertEqual(lit(shots.images[3]), 0)
    }

    func testSixelInXtermVT340() throws { try checkPixels("xterm-vt340", expectedMode: "sixel") }
    func testSixelInMlterm() throws { try checkPixels("mlterm", expectedMode: "sixel") }
    func testKittyGraphicsInKitty() throws { try checkPixels("kitty", expectedMode: "kitty") }

    /// The zoomed channel is drawn as pixels beside the picture: zooming, moving the cursor and
    /// leaving the zoom keep the picture intact, and leaving it brings the channel grid back
    /// without leftover pixels.
    func testZoomPixelsComeAndGoCleanly() throws {
        let shots = try shoot("xterm-vt340", keys: "Return j Escape")
        XCTAssertEqual(shots.mode, "sixel")
        for (n, im) in shots.images.enumerated() {
            XCTAssertLessThan(try pictureError(im, cell: shots.cell), 12, "the input picture in shot \(n)")
        }
        // The main area (right of the left column) after Escape is the grid of the first shot.
        let a = shots.images[0], b = shots.images[3]
        var total = 0, n = 0
        for y in (5 * shots.cell.height)..<(30 * shots.cell.height) { for x in (26 * shots.cell.width)..<(118 * shots.cell.width) {
            let i = (y * a.width + x) * 3
            for c in 0..<3 { total += abs(Int(a.pixels[i + c]) - Int(b.pixels[i + c])) }
            n += 3
        } }
        XCTAssertLessThan(Double(total) / Double(n), 2, "no zoom pixels left over the grid")
        // While zoomed, the map's middle is not the grid's (the zoom is on screen).
        var zoomDiff = 0
        for y in (10 * shots.cell.height)..<(20 * shots.cell.height) { for x in (50 * shots.cell.width)..<(80 * shots.cell.width) {
            let i = (y * a.width + x) * 3
            zoomDiff += abs(Int(a.pixels[i]) - Int(shots.images[1].pixels[i]))
        } }
        XCTAssertGreaterThan(zoomDiff, 100_000)
    }

    /// A plain xterm (VT420 by default: no sixel) answers the queries without sixel: half blocks.
    func testPlainXtermFallsBackToHalfBlocks() throws {
        let shots = try shoot("xterm")
        XCTAssertEqual(shots.mode, "none")
    }
}
