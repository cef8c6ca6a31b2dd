import CGif
import Foundation
import XCTest
import VCImage
import VCRender
@testable import VCExport

/// The scan animation as one GIF: decoded with giflib, frame by frame, against the PNG frames.
final class ScanAnimationTests: XCTestCase {
    struct Decoded {
        var width: Int, height: Int
        var frames: [[UInt8]]   // RGB
        var delays: [Int]
        var loops: Bool
    }

    func decodeGIF(_ path: String) throws -> Decoded {
        var err: Int32 = 0
        let gif = try XCTUnwrap(DGifOpenFileName(path, &err), "open \(path): \(err)")
        defer { DGifCloseFile(gif, &err) }
        XCTAssertEqual(DGifSlurp(gif), GIF_OK)
        let g = gif.pointee
        let map = try XCTUnwrap(g.SColorMap, "a global colour table")
        var out = Decoded(width: Int(g.SWidth), height: Int(g.SHeight), frames: [], delays: [], loops: false)
        for i in 0..<Int(g.ImageCount) {
            // Frames after the first paint a rectangle over the previous one (disposal: keep).
            let s = g.SavedImages[i], d = s.ImageDesc
            if i == 0 { XCTAssertEqual(Int(d.Width), out.width); XCTAssertEqual(Int(d.Height), out.height) }
            var rgb = out.frames.last ?? [UInt8](repeating: 0, count: out.width * out.height * 3)
            for y in 0..<Int(d.Height) { for x in 0..<Int(d.Width) {
                let c = map.pointee.Colors[Int(s.RasterBits[y * Int(d.Width) + x])]
                let p = (Int(d.Top) + y) * out.width + Int(d.Left) + x
                rgb[3 * p] = c.Red; rgb[3 * p + 1] = c.Green; rgb[3 * p + 2] = c.Blue
            } }
            out.frames.append(rgb)
            var gcb = GraphicsControlBlock()
            XCTAssertEqual(DGifSavedExtensionToGCB(gif, Int32(i), &gcb), GIF_OK, "frame \(i) has a graphics control block")
            out.delays.append(Int(gcb.DelayTime))
        }
        // NETSCAPE2.0 looping: an application extension before the first frame.
        let first = g.SavedImages[0]
        for e in 0..<Int(first.ExtensionBlockCount) where first.ExtensionBlocks[e].Function == APPLICATION_EXT_FUNC_CODE {
            let b = first.ExtensionBlocks[e]
            out.loops = String(decoding: UnsafeBufferPointer(start: b.Bytes, count: Int(b.ByteCount)), as: UTF8.self) == "NETSCAPE2.0"
        }
        return out
    }

    func testOneLoopingGIFHoldsEveryScanFrame() throws {
        let dir = try Paths.scratch("animation")
        let ex = TinyRun.exporter()
        XCTAssertEqual(try ex.views(["scan-animation"]), [.scanAnimation])
        let paths = try ex.export(view: .scanAnimation, to: dir)
        XCTAssertEqual(paths.map { ($0 as NSString).lastPathComponent }, ["chelsea__network.6__scan-animation.gif", "chelsea__network.6__scan-animation.json"])
        XCTAssertEqual(ex.fileNames(.scanAnimation), ["chelsea__network.6__scan-animation.gif"])
        let gif = try decodeGIF(paths[0])
        XCTAssertEqual(gif.frames.count, 25, "one frame per token of the 5×5 grid")
        XCTAssertEqual(gif.delays, Array(repeating: 12, count: 24) + [150])
        XCTAssertTrue(gif.loops)

        // Each frame is the PNG frame of the same step (palette quantisation: within 3 levels on
        // average, the red box around the current token within 16).
        let pngs = try ex.export(view: .scanFrames, to: dir).filter { $0.hasSuffix(".png") }
        for step in [0, 7, 24] {
            let png = try Written(pngs[step])
            var total = 0
            for y in 0..<png.image.height { for x in 0..<png.image.width { for c in 0..<3 {
                total += abs(Int(png.image[x, y, c]) - Int(gif.frames[step][(y * gif.width + x) * 3 + c]))
            } } }
            XCTAssertLessThan(Double(total) / Double(png.image.width * png.image.height * 3), 3, "step \(step)")
        }
        let sidecar = try XCTUnwrap(JSONSerialization.jsonObject(with: Data(contentsOf: URL(fileURLWithPath: paths[1]))) as? [String: Any])
        XCTAssertEqual(sidecar["view"] as? String, "scan-animation")
        XCTAssertEqual(sidecar["frames"] as? Int, 25)
        XCTAssertEqual((sidecar["gif"] as? [String: Any])?["frames"] as? Int, 25)
        XCTAssertEqual((sidecar["tokens_per_step"] as? [[Int]])?.count, 25)
    }
}
