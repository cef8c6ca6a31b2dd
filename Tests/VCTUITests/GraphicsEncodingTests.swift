import Foundation
import XCTest
import VCImage
import VCRender
@testable import VCTUI

/// The pieces of terminal graphics without a terminal: detection from recorded answers, the three
/// encoders decoded back to pixels, the palette quantiser, the key filter, the screen's rules.
final class GraphicsEncodingTests: XCTestCase {
    /// A 12×8 test card: four flat quadrants (red, green, blue, white) and a grey diagonal.
    static let card: (w: Int, h: Int, rgb: [UInt8]) = {
        let w = 12, h = 8
        var rgb = [UInt8](repeating: 0, count: w * h * 3)
        for y in 0..<h { for x in 0..<w {
            let c: [UInt8] = x == y ? [128, 128, 128] : (y < 4 ? (x < 6 ? [255, 0, 0] : [0, 255, 0]) : (x < 6 ? [0, 0, 255] : [255, 255, 255]))
            for k in 0..<3 { rgb[(y * w + x) * 3 + k] = c[k] }
        } }
        return (w, h, rgb)
    }()

    // MARK: Detection

    func testRepliesOfXtermAsAVT340MeanSixel() {
        let r = TerminalProbe.parse(Array("\u{1B}[?1;0;1024S\u{1B}[6;17;8t\u{1B}[?63;1;2;4;6;9;15;16;22;28;29c".utf8))
        XCTAssertTrue(r.complete)
        XCTAssertTrue(r.sixel)
        XCTAssertFalse(r.kitty)
        XCTAssertEqual(r.colorRegisters, 1024)
        XCTAssertEqual(r.cellPixels, PixelSize(width: 8, height: 17))
    }

    func testRepliesOfKittyMeanKittyGraphics() {
        let r = TerminalProbe.parse(Array("\u{1B}_Gi=31;OK\u{1B}\\\u{1B}[6;20;10t\u{1B}[?62;c".utf8))
        XCTAssertTrue(r.kitty)
        XCTAssertFalse(r.sixel)
        XCTAssertEqual(r.cellPixels, PixelSize(width: 10, height: 20))
    }

    func testAPlainVT420AndSilenceMeanNothing() {
        let plain = TerminalProbe.parse(Array("\u{1B}[?64;1;2;6;9;15;16;17;18;21;22;28c".utf8))
        XCTAssertTrue(plain.complete)
        XCTAssertFalse(plain.sixel || plain.kitty)
        XCTAssertFalse(TerminalProbe.parse([]).complete, "no answer: the probe waits out its budget, then gives up")
    }

    func testTheEnvironmentNamesTerminals() {
        XCTAssertEqual(GraphicsEnvironment.mode(["TERM": "xterm-kitty"]), .kitty)
        XCTAssertEqual(GraphicsEnvironment.mode(["KITTY_WINDOW_ID": "1", "TERM": "xterm-256color"]), .kitty)
        XCTAssertEqual(GraphicsEnvironment.mode(["TERM_PROGRAM": "iTerm.app"]), .iterm2)
        XCTAssertEqual(GraphicsEnvironment.mode(["TERM": "xterm-256color", "MLTERM": "3.9.3"]), .sixel)
        XCTAssertNil(GraphicsEnvironment.mode(["TERM": "xterm-256color"]))
        XCTAssertTrue(GraphicsEnvironment.insideTmux(["TMUX": "/tmp/tmux-0/default,123,0"]))
    }

    func testForcedNoneAsksNothing() {
        let s = GraphicsSetup.detect(request: .none, environment: ["TERM": "xterm-kitty"])
        XCTAssertEqual(s.mode, .none)
        XCTAssertEqual(s.probeMilliseconds, 0)
    }

    // MARK: Encoders

    func testPaletteQuantizerKeepsFewColoursExactly() {
        let c = Self.card
        let q = PaletteQuantizer(rgb: c.rgb, maxColors: 16)
        XCTAssertEqual(q.palette.count, 5)
        for p in 0..<(c.w * c.h) {
            let e = q.palette[Int(q.indices[p])]
            XCTAssertEqual([e.r, e.g, e.b], Array(c.rgb[(3 * p)..<(3 * p + 3)]), "pixel \(p)")
        }
    }

    func testPaletteQuantizerMedianCutSplitsAGradient() {
        // 256 greys into 4 registers: each entry is the mean of a quarter, every pixel within 40.
        let rgb = (0..<256).flatMap { [UInt8($0), UInt8($0), UInt8($0)] }
        let q = PaletteQuantizer(rgb: rgb, maxColors: 4)
        XCTAssertEqual(q.palette.count, 4)
        for v in 0..<256 { XCTAssertLessThan(abs(Int(q.palette[Int(q.indices[v])].r) - v), 40, "grey \(v)") }
    }

    /// Decodes the sixel data of `SixelEncoder` (colour introducers, repeats, `$`, `-`).
    func decodeSixel(_ s: String) throws -> (w: Int, h: Int, rgb: [UInt8]) {
        let b = Array(s.utf8)
        XCTAssertEqual(Array(b.prefix(2)), [0x1B, UInt8(ascii: "P")])
        var i = try XCTUnwrap(b.firstIndex(of: UInt8(ascii: "q"))) + 1
        func number() -> Int { var n = 0; while i < b.count, (48...57).contains(b[i]) { n = n * 10 + Int(b[i] - 48); i += 1 }; return n }
        XCTAssertEqual(b[i], UInt8(ascii: "\"")); i += 1
        _ = number(); i += 1; _ = number(); i += 1
        let w = number(); i += 1
        let h = number()
        var palette: [Int: [UInt8]] = [:], rgb = [UInt8](repeating: 0, count: w * h * 3)
        var color = 0, x = 0, y0 = 0
        while i < b.count {
            let c = b[i]
            if c == 0x1B { break }
            if c == UInt8(ascii: "#") {
                i += 1; color = number()
                if i < b.count, b[i] == UInt8(ascii: ";") {
                    i += 1; _ = number(); i += 1
                    let r = number(); i += 1; let g = number(); i += 1; let bl = number()
                    palette[color] = [r, g, bl].map { UInt8(($0 * 255 + 50) / 100) }
                }
                continue
            }
            if c == UInt8(ascii: "$") { x = 0; i += 1; continue }
            if c == UInt8(ascii: "-") { x = 0; y0 += 6; i += 1; continue }
            var run = 1
            if c == UInt8(ascii: "!") { i += 1; run = number() }
            let bits = Int(b[i]) - 0x3F
            XCTAssert((0...63).contains(bits))
            for _ in 0..<run {
                for k in 0..<6 where bits & (1 << k) != 0 && y0 + k < h {
                    let p = try XCTUnwrap(palette[color])
                    for j in 0..<3 { rgb[((y0 + k) * w + x) * 3 + j] = p[j] }
                }
                x += 1
            }
            i += 1
        }
        return (w, h, rgb)
    }

    func testSixelDecodesBackToThePicture() throws {
        let c = Self.card
        let s = SixelEncoder.encode(rgb: c.rgb, width: c.w, height: c.h, colors: 256)
        XCTAssertTrue(s.hasSuffix("\u{1B}\\"))
        let d = try decodeSixel(s)
        XCTAssertEqual(d.w, c.w); XCTAssertEqual(d.h, c.h)
        // Sixel colours are percentages: each channel within 2 of the original.
        for i in 0..<c.rgb.count { XCTAssertLessThanOrEqual(abs(Int(d.rgb[i]) - Int(c.rgb[i])), 2, "byte \(i)") }
    }

    func testSixelRunLengthCodesFlatRows() {
        let flat = [UInt8](repeating: 200, count: 100 * 6 * 3)
        let s = SixelEncoder.encode(rgb: flat, width: 100, height: 6)
        XCTAssertTrue(s.contains("!100~"), "one run of 100 full columns")
    }

    func testKittyChunksDecodeBackToThePixels() throws {
        let w = 64, h = 64
        let rgb = (0..<(w * h * 3)).map { UInt8($0 % 251) }
        let s = KittyEncoder.encode(rgb: rgb, width: w, height: h, id: 1)
        let chunks = s.components(separatedBy: "\u{1B}\\").filter { !$0.isEmpty }
        XCTAssertGreaterThan(chunks.count, 1, "12 KB of pixels need several chunks")
        var payload = ""
        for (n, chunk) in chunks.enumerated() {
            XCTAssertTrue(chunk.hasPrefix("\u{1B}_G"))
            let parts = chunk.dropFirst(3).split(separator: ";", maxSplits: 1)
            let keys = String(parts[0])
            if n == 0 { XCTAssertTrue(keys.hasPrefix("a=T,f=24,s=64,v=64,i=1,q=2,C=1,"), keys) }
            XCTAssertTrue(keys.hasSuffix(n == chunks.count - 1 ? "m=0" : "m=1"), keys)
            XCTAssertLessThanOrEqual(parts[1].count, 4096)
            payload += parts[1]
        }
        XCTAssertEqual(try XCTUnwrap(Data(base64Encoded: payload)).map { $0 }, rgb)
    }

    func testITermImageIsAPNGOfThePixels() throws {
        let c = Self.card
        let s = ITermEncoder.encode(rgb: c.rgb, width: c.w, height: c.h)
        XCTAssertTrue(s.hasPrefix("\u{1B}]1337;File=inline=1;"))
        XCTAssertTrue(s.contains("width=12px;height=8px"))
        let b64 = try XCTUnwrap(s.split(separator: ":").last).dropLast()   // the BEL
        let png = try XCTUnwrap(Data(base64Encoded: String(b64)))
        XCTAssertTrue(s.contains("size=\(png.count);"))
        let image = try ImageDecoder.decode(data: Array(png), name: "iterm2")
        XCTAssertEqual(image.pixels, c.rgb)
    }

    func testTmuxPassthroughDoublesEscapes() {
        XCTAssertEqual(TmuxPassthrough.wrap("\u{1B}_Ga=d\u{1B}\\"), "\u{1B}Ptmux;\u{1B}\u{1B}_Ga=d\u{1B}\u{1B}\\\u{1B}\\")
    }

    // MARK: The screen's rules

    func testLateRepliesAreNotKeys() {
        let chars = Array("q\u{1B}[?62;4c\u{1B}_Gi=31;OK\u{1B}\\j".unicodeScalars).map { (false, $0.value) }
        XCTAssertEqual(ReplyFilter.filter(chars).map { $0.1 }, [0x71, 0x6A])
        let escape = [(false, UInt32(27))]
        XCTAssertEqual(ReplyFilter.filter(escape).count, 1, "a lone Escape key stays")
    }

    func testThePictureIsOfferedAsPixelsAndKeptAsHalfBlocks() throws {
        let state = Fixtures.done(120, 40)
        let f = view(state)
        let im = try XCTUnwrap(f.images.first)
        XCTAssertEqual(im.slot, .input)
        let inner = try XCTUnwrap(Layout(state).inputBox).inset(1)
        XCTAssertEqual(im.rect.x, inner.x); XCTAssertEqual(im.rect.y, inner.y); XCTAssertEqual(im.rect.w, inner.w)
        for y in im.rect.y..<im.rect.maxY { for x in im.rect.x..<im.rect.maxX { XCTAssertEqual(f[x, y].ch, "▀") } }

        let layer = GraphicsLayer(setup: GraphicsSetup(mode: .sixel, reason: "test"))
        XCTAssertEqual(layer.drawable(f).count, 1)
        XCTAssertEqual(GraphicsLayer.blanked(f, under: [im])[im.rect.x, im.rect.y], .blank, "curses sees blanks there")
        var help = state
        help.showHelp = true
        XCTAssertTrue(layer.drawable(view(help)).isEmpty, "the help box covers the panel: half blocks")
        XCTAssertTrue(GraphicsLayer(setup: .halfBlocks).drawable(f).isEmpty)
    }

    func testTheLayerDrawsOnlyWhatChanged() throws {
        let c = Self.card
        let im = FrameImage(slot: .input, rect: Rect(x: 2, y: 3, w: 3, h: 1), width: c.w, height: c.h, rgb: c.rgb)
        var layer = GraphicsLayer(setup: GraphicsSetup(mode: .kitty, cell: PixelSize(width: 8, height: 16), reason: "test"))
        let first = layer.update(to: [im])
        XCTAssertTrue(first.hasPrefix("\u{1B}7\u{1B}[4;3H\u{1B}_G"), "saved cursor, moved to row 4 col 3")
        XCTAssertTrue(first.contains("s=24,v=16"), "fitted into 3×1 cells of 8×16 pixels with its 3:2 aspect")
        XCTAssertTrue(first.hasSuffix("\u{1B}8"))
        XCTAssertEqual(layer.update(to: [im]), "", "unchanged: nothing written")
        XCTAssertEqual(layer.update(to: []), KittyEncoder.delete(id: 1))
        XCTAssertFalse(layer.update(to: [im]).isEmpty)
        XCTAssertEqual(layer.forget(), KittyEncoder.deleteAll)
    }
}

extension GraphicsEncodingTests {
    /// The zoomed channel is offered as pixels too, with the cursor ringed in them; the cursor's
    /// ◆ cell does not stop it, and moving the cursor changes the image.
    func testTheZoomedChannelIsOfferedAsPixels() throws {
        let layer = GraphicsLayer(setup: GraphicsSetup(mode: .sixel, reason: "test"))
        let zoomed = Fixtures.done(120, 40).pressing(.enter)
        XCTAssertTrue(zoomed.zoomed)
        let f = view(zoomed)
        let zoom = try XCTUnwrap(f.images.first { $0.slot == .zoom })
        XCTAssertEqual(layer.drawable(f).map(\.slot), [.input, .zoom])
        let moved = view(zoomed.pressing(.char("j"), .char("l")))
        let zoom2 = try XCTUnwrap(layer.drawable(moved).first { $0.slot == .zoom })
        XCTAssertEqual(zoom2.rect, zoom.rect)
        XCTAssertNotEqual(zoom2.rgb, zoom.rgb, "the ring moved with the cursor")
    }
}

extension GraphicsEncodingTests {
    /// Sixel: changing or removing one image sends again every image that shares its rows (the
    /// terminal repaints those rows); kitty composites images itself and gets only the change.
    func testImagesSharingRowsAreSentAgain() {
        let c = Self.card
        let left = FrameImage(slot: .input, rect: Rect(x: 1, y: 2, w: 10, h: 10), width: c.w, height: c.h, rgb: c.rgb)
        let right = FrameImage(slot: .zoom, rect: Rect(x: 40, y: 8, w: 10, h: 10), width: c.w, height: c.h, rgb: c.rgb)
        var moved = right
        moved.rgb[0] = 1
        var sixel = GraphicsLayer(setup: GraphicsSetup(mode: .sixel, reason: "test"))
        _ = sixel.update(to: [left, right])
        XCTAssertEqual(sixel.toDraw([left, moved]).map(\.slot), [.input, .zoom])
        XCTAssertEqual(sixel.toDraw([left]).map(\.slot), [.input], "the removed zoom's rows are rewritten")
        var below = left
        below.rect = Rect(x: 1, y: 30, w: 10, h: 3)
        _ = sixel.update(to: [below, right])
        XCTAssertEqual(sixel.toDraw([below, moved]).map(\.slot), [.zoom], "no shared rows: only the change")
        var kitty = GraphicsLayer(setup: GraphicsSetup(mode: .kitty, reason: "test"))
        _ = kitty.update(to: [left, right])
        XCTAssertEqual(kitty.toDraw([left, moved]).map(\.slot), [.zoom])
    }
}
