import XCTest
import VCRender
@testable import VCTUI

final class ColorDepthTests: XCTestCase {
    func testXterm256Quantisation() {
        XCTAssertEqual(Quantize.xterm256(RGB8(255, 0, 0)), 196)
        XCTAssertEqual(Quantize.xterm256(RGB8(0, 0, 0)), 16)
        XCTAssertEqual(Quantize.xterm256(RGB8(255, 255, 255)), 231)
        XCTAssertEqual(Quantize.xterm256(RGB8(128, 128, 128)), 244)   // grey ramp 8 + 10·12 = 128
        XCTAssertEqual(Quantize.xterm256(RGB8(95, 135, 175)), 16 + 36 * 1 + 6 * 2 + 3)
    }

    func testAnsi16AndDirect() {
        XCTAssertEqual(Quantize.ansi16Index(RGB8(250, 10, 10)), 9)
        XCTAssertEqual(Quantize.ansi16Index(RGB8(10, 10, 10)), 0)
        XCTAssertEqual(Quantize.ansi16Index(RGB8(250, 250, 250)), 15)
        XCTAssertEqual(Quantize.direct(RGB8(0x12, 0x34, 0x56)), 0x123456)
        XCTAssertEqual(Quantize.direct(RGB8(0, 0, 3)), 8, "numbers below 8 are ANSI colours in *-direct entries")
        XCTAssertEqual(Quantize.colorNumber(.default, depth: .truecolor), -1)
        XCTAssertEqual(Quantize.colorNumber(.rgb(.white), depth: .none), -1)
    }

    func testDepthResolution() {
        let none: [String: String] = [:]
        XCTAssertEqual(ColorRequest.auto.resolve(environment: ["NO_COLOR": "1"], terminalColors: 256, directAvailable: true), ColorDepth.none)
        XCTAssertEqual(ColorRequest.auto.resolve(environment: ["NO_COLOR": ""], terminalColors: 256, directAvailable: false), .palette256, "empty NO_COLOR is ignored")
        XCTAssertEqual(ColorRequest.auto.resolve(environment: ["COLORTERM": "truecolor"], terminalColors: 256, directAvailable: true), .truecolor)
        XCTAssertEqual(ColorRequest.auto.resolve(environment: ["COLORTERM": "24bit"], terminalColors: 256, directAvailable: false), .palette256)
        XCTAssertEqual(ColorRequest.auto.resolve(environment: none, terminalColors: 256, directAvailable: false), .palette256)
        XCTAssertEqual(ColorRequest.auto.resolve(environment: none, terminalColors: 8, directAvailable: false), .palette16)
        XCTAssertEqual(ColorRequest.auto.resolve(environment: none, terminalColors: 0, directAvailable: false), ColorDepth.none)
        XCTAssertEqual(ColorRequest.palette256.resolve(environment: ["NO_COLOR": "1"], terminalColors: 256, directAvailable: false), .palette256, "an explicit --colors wins")
        XCTAssertEqual(ColorRequest.none.resolve(environment: none, terminalColors: 256, directAvailable: true), ColorDepth.none)
        XCTAssertTrue(ColorRequest.auto.wantsDirect(environment: ["COLORTERM": "truecolor"]))
        XCTAssertFalse(ColorRequest.auto.wantsDirect(environment: ["COLORTERM": "truecolor", "NO_COLOR": "1"]))
        XCTAssertTrue(ColorRequest.truecolor.wantsDirect(environment: none))
    }

    func testMonochromeUsesTheGlyphRamp() {
        XCTAssertEqual(ColorDepth.rampGlyph(0), " ")
        XCTAssertEqual(ColorDepth.rampGlyph(255), "█")
        XCTAssertEqual(ColorDepth.rampGlyph(128), "▒")
        let pixel = Quantize.monochrome(Cell("▀", fg: .rgb(.white), bg: .rgb(.black), level: 255))
        XCTAssertEqual(pixel, Cell("█"))
        let title = Quantize.monochrome(Cell("v", fg: .rgb(.white), bg: .rgb(.black), style: .bold))
        XCTAssertEqual(title, Cell("v", style: [.bold, .reverse]))
        // Every cell of a monochrome frame is colourless.
        let frame = view(Fixtures.done())
        for c in frame.cells.map(Quantize.monochrome) { XCTAssertEqual(c.fg, .default); XCTAssertEqual(c.bg, .default) }
    }
}
