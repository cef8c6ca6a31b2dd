import XCTest
@testable import VCImage

/// Decoded pixels against Pillow's `Image.open(f).convert("RGB")` for every kind of file.
final class DecodeTests: XCTestCase {
    /// Each synthetic PNG/JPEG kind decodes to exactly Pillow's pixels (16-bit grey: to the high
    /// byte, our documented choice).
    func testEveryKindMatchesPillow() throws {
        let cases = Fixtures.section("decode")
        XCTAssertGreaterThanOrEqual(cases.count, 27)
        for (name, entry) in cases.sorted(by: { $0.key < $1.key }) {
            let file = entry["file"] as! String
            let decoded = try ImageDecoder.decode(path: Fixtures.path("decode/" + file))
            let expected = try Fixtures.image("decode/\(name).npy")
            XCTAssertEqual(decoded.width, expected.width, name)
            XCTAssertEqual(decoded.height, expected.height, name)
            XCTAssertEqual(maxDifference(decoded, expected), 0, "\(name) differs from Pillow")
        }
    }

    func testKindsSpotValues() throws {
        // Alpha is dropped, not composited: the RGBA file's colour equals the RGB file's.
        let rgb = try ImageDecoder.decode(path: Fixtures.path("decode/rgb8.png"))
        let rgba = try ImageDecoder.decode(path: Fixtures.path("decode/rgba8.png"))
        XCTAssertEqual(rgb, rgba)
        // gAMA 1.0 in rgb8.png is ignored: pixels are the stored samples.
        let stored = try Fixtures.image("decode/rgb8.npy")
        XCTAssertEqual(rgb.pixels[0 ..< 6], stored.pixels[0 ..< 6])
        // Greyscale is replicated into all three channels.
        let grey = try ImageDecoder.decode(path: Fixtures.path("decode/grey.jpg"))
        for i in stride(from: 0, to: grey.pixels.count, by: 3) {
            XCTAssertEqual(grey.pixels[i], grey.pixels[i + 1])
            XCTAssertEqual(grey.pixels[i], grey.pixels[i + 2])
        }
        // 1-bit grey becomes 0 or 255.
        let bits = try ImageDecoder.decode(path: Fixtures.path("decode/grey1.png"))
        XCTAssertEqual(Set(bits.pixels), [0, 255])
    }

    /// 16-bit grey: Pillow clips to 255 ("I;16" -> RGB); we keep the high byte. This pins down
    /// that the two really differ, so the choice stays a deliberate one.
    func testSixteenBitGreyKeepsHighByteWherePillowClips() throws {
        let ours = try ImageDecoder.decode(path: Fixtures.path("decode/grey16.png"))
        let pillow = try Fixtures.image("decode/grey16.pillow.npy")
        XCTAssertGreaterThan(pillow.pixels.filter { $0 == 255 }.count, pillow.pixels.count * 9 / 10)
        XCTAssertLessThan(ours.pixels.filter { $0 == 255 }.count, ours.pixels.count / 10)
        // The 16-bit RGB file was made from the same samples: its green channel is our grey.
        let rgb16 = try ImageDecoder.decode(path: Fixtures.path("decode/rgb16.png"))
        for i in 0 ..< ours.width * ours.height {
            XCTAssertEqual(ours.pixels[i * 3], rgb16.pixels[i * 3 + 1])
        }
    }

    /// The PNG photos decode to Pillow's bytes exactly (hash of the whole RGB buffer).
    func testPhotosMatchPillowHashes() throws {
        for (name, entry) in Fixtures.section("photos") {
            let image = try ImageDecoder.decode(path: Fixtures.repositoryRoot
                                                    + "/assets/images/" + name)
            XCTAssertEqual(image.width, entry["width"] as? Int, name)
            XCTAssertEqual(image.height, entry["height"] as? Int, name)
            let hash = String(fnv1a64(image.pixels), radix: 16)
            let expected = (entry["decoded_fnv1a64"] as! String)
            XCTAssertEqual(String(repeating: "0", count: 16 - hash.count) + hash, expected,
                           "\(name) decodes differently from Pillow")
        }
    }

    /// rocket.jpg against Pillow's decode (stored as a lossless PNG). Pillow bundles its own
    /// libjpeg-turbo (3.x) and we link Debian's 2.1.5; their accurate IDCT and fancy
    /// upsampling give the same bytes.
    func testRocketJpegMatchesPillow() throws {
        let ours = try ImageDecoder.decode(path: Fixtures.repositoryRoot + "/assets/images/rocket.jpg")
        let pillow = try ImageDecoder.decode(path: Fixtures.path("rocket.pillow.png"))
        XCTAssertEqual(maxDifference(ours, pillow), 0)
    }

    func testDecodeFromMemoryUsesTheGivenName() throws {
        let bytes = try Fixtures.bytes("decode/baseline420.jpg")
        let image = try ImageDecoder.decode(data: bytes, name: "in-memory.jpg")
        XCTAssertEqual(image.width, 61)
        XCTAssertEqual(image.height, 45)
        XCTAssertThrowsError(try ImageDecoder.decode(data: Array(bytes.prefix(100)),
                                                     name: "cut.jpg")) { error in
            XCTAssertTrue("\(error)".hasPrefix("cut.jpg: truncated JPEG data"), "\(error)")
        }
    }
}
