import XCTest
import VCEngine
import VCRender
@testable import VCTUI

/// The input picture of the Mamba views carries the scan path, the current token, the attention
/// and the CAM (and the screen offers it as pixels).
final class PictureOverlayTests: XCTestCase {
    func mamba() -> ExplorerState { Fixtures.done(120, 40).pressing(.char("m")) }

    func pixel(_ p: Picture, _ x: Int, _ y: Int) -> RGB8 {
        let i = (y * p.width + x) * 3
        return RGB8(p.rgb[i], p.rgb[i + 1], p.rgb[i + 2])
    }

    func testOutsideTheMambaViewsThePictureIsPlain() {
        XCTAssertEqual(overlaidPicture(Fixtures.done()), Fixtures.picture)
        XCTAssertEqual(overlaidPicture(mamba().pressing(.char("v"))), Fixtures.picture, "hidden states: plain")
    }

    /// One scan alone at step 9 on the 7×7 grid: the token it reads is boxed in its colour, the
    /// tokens it has not reached are untouched.
    func testTheScanPathAndTheCurrentTokenAreOnThePicture() throws {
        var s = mamba().pressing(.char("d"))   // scan 1 alone
        XCTAssertEqual(s.mamba.direction, 0)
        for _ in 0..<9 { s = s.pressing(.char(".")) }
        XCTAssertEqual(s.mamba.step, 9)
        let p = try XCTUnwrap(overlaidPicture(s))
        let l = try XCTUnwrap(s.mambaLayer)
        let token = l.orders.orders[0][9]
        let x0 = (token % 7) * 32 / 7, y0 = (token / 7) * 32 / 7
        XCTAssertEqual(pixel(p, x0, y0 + 2), overlayDirections[0], "the box's left edge, token \(token)")
        let last = l.orders.orders[0][48]
        let lx = (last % 7) * 32 / 7 + 2, ly = (last / 7) * 32 / 7 + 2
        XCTAssertEqual(pixel(p, lx, ly), pixel(Fixtures.picture, lx, ly), "a token not read yet")
        // The frame offers it as the input panel's pixels.
        let im = try XCTUnwrap(view(s).images.first { $0.slot == .input })
        XCTAssertEqual(im.rgb, p.rgb)
    }

    func testTheCAMIsBlendedOverThePicture() throws {
        var s = mamba()
        while s.mamba.panel != .cam { s = s.pressing(.char("v")) }
        XCTAssertEqual(overlaidPicture(s), Fixtures.picture, "until the CAM is computed")
        s = s.computed()
        let p = try XCTUnwrap(overlaidPicture(s))
        var changed = 0
        for y in 0..<32 { for x in 0..<32 where pixel(p, x, y) != pixel(Fixtures.picture, x, y) { changed += 1 } }
        XCTAssertGreaterThan(changed, 32 * 32 * 9 / 10, "the map covers the picture")
    }

    func testTheAttentionOfTheCursorTokenIsOnThePicture() throws {
        var s = mamba()
        while s.mamba.panel != .attention { s = s.pressing(.char("v")) }
        s = s.computed()
        let p = try XCTUnwrap(overlaidPicture(s))
        // The cursor (3, 3) is boxed: black outside, the accent inside.
        let x0 = 3 * 32 / 7, y0 = 3 * 32 / 7
        XCTAssertEqual(pixel(p, x0, y0 + 2), .black)
        XCTAssertEqual(pixel(p, x0 + 1, y0 + 2), RGB8(255, 196, 0))
    }
}
