import Foundation
import XCTest
@testable import VCImage

/// Files that must be refused: an ImageError whose description is one line naming the file and
/// the problem, nothing on stderr, no crash, and no large allocation.
final class HostileFileTests: XCTestCase {
    private func refusal(_ file: String) -> ImageError? {
        var caught: ImageError?
        let printed = capturingStandardError {
            do {
                _ = try ImageDecoder.decode(path: Fixtures.path("hostile/" + file))
                XCTFail("\(file) decoded")
            } catch let error as ImageError {
                caught = error
            } catch {
                XCTFail("\(file): not an ImageError: \(error)")
            }
        }
        XCTAssertEqual(printed, "", "\(file) printed to stderr")
        if let caught {
            let line = caught.description
            XCTAssertFalse(line.contains("\n"), line)
            XCTAssertTrue(line.hasPrefix(Fixtures.path("hostile/" + file) + ": "), line)
        }
        return caught
    }

    private func assertRefused(_ file: String, _ kind: ImageError.Kind, _ problem: String,
                               line: UInt = #line) {
        guard let error = refusal(file) else { return }
        XCTAssertEqual(error.kind, kind, "\(file): \(error)", line: line)
        XCTAssertTrue(error.problem.hasPrefix(problem), "\(file): \(error.problem)", line: line)
    }

    func testNotAnImage() {
        assertRefused("not_image.html", .notAnImage,
                      "not a JPEG or PNG file (starts with 3c 68 74 6d, looks like text")
    }

    func testEmptyFile() {
        assertRefused("empty.png", .empty, "empty file (0 bytes)")
    }

    func testTruncatedPNG() {
        assertRefused("truncated.png", .truncated, "truncated PNG data (libpng: ")
        assertRefused("signature_only.png", .truncated, "truncated PNG data (8 bytes")
    }

    func testPNGHeaderDeclaringHugeOrEmptyImage() {
        assertRefused("huge_30000.png", .tooLarge,
                      "image is 30000x30000 pixels, over the limit of 16384 pixels per side")
        assertRefused("over_100mpx.png", .tooLarge,
                      "image is 12000x9000 pixels, over the limit of 100000000 pixels in all")
        assertRefused("zero_0x0.png", .empty, "image is 0x0 pixels (empty)")
    }

    func testCorruptPNG() {
        assertRefused("crc_damaged.png", .corrupt, "corrupt PNG data (libpng: ")
    }

    func testTruncatedJPEG() {
        assertRefused("truncated.jpg", .truncated, "truncated JPEG data (libjpeg: ")
        assertRefused("truncated_progressive.jpg", .truncated, "truncated JPEG data (libjpeg: ")
        assertRefused("header_only.jpg", .truncated, "truncated JPEG data (libjpeg: ")
    }

    func testCorruptOrHugeJPEG() {
        assertRefused("bad_huffman.jpg", .corrupt, "corrupt JPEG data (libjpeg: ")
        assertRefused("huge_30000.jpg", .tooLarge, "image is 30000x30000 pixels")
    }

    /// Pillow refuses every one of these files too (recorded by the fixture script).
    func testPillowRefusesThemAsWell() {
        for (file, entry) in Fixtures.section("hostile") {
            XCTAssertNotEqual(entry["pillow"] as? String, "decoded", file)
        }
    }

    /// Every cut of a JPEG and of a PNG, at every length, is refused cleanly (or, for cuts
    /// inside the trailing bytes after the image data, decodes to the full image).
    func testEveryTruncationIsHandled() throws {
        for name in ["decode/progressive.jpg", "decode/baseline420.jpg", "decode/rgb8_interlaced.png"] {
            let bytes = try Fixtures.bytes(name)
            let full = try ImageDecoder.decode(data: bytes, name: name)
            let printed = capturingStandardError {
                for length in 0 ..< bytes.count {
                    do {
                        let image = try ImageDecoder.decode(data: Array(bytes[..<length]), name: "cut")
                        XCTAssertEqual(image, full, "\(name) cut at \(length) gave other pixels")
                    } catch let error as ImageError {
                        XCTAssertFalse(error.description.contains("\n"))
                    } catch {
                        XCTFail("\(error)")
                    }
                }
            }
            XCTAssertEqual(printed, "")
        }
    }

    func testFileSystemProblems() {
        XCTAssertThrowsError(try ImageDecoder.decode(path: "/nonexistent/photo.jpg")) { error in
            XCTAssertEqual("\(error)", "/nonexistent/photo.jpg: cannot open file (No such file or directory)")
        }
        XCTAssertThrowsError(try ImageDecoder.decode(path: Fixtures.root)) { error in
            XCTAssertEqual("\(error)", "\(Fixtures.root): is a directory")
        }
        let tight = ImageLimits(maxSide: 16384, maxPixels: 100_000_000, maxFileBytes: 100)
        XCTAssertThrowsError(try ImageDecoder.decode(path: Fixtures.path("decode/rgb8.png"),
                                                     limits: tight)) { error in
            XCTAssertEqual((error as? ImageError)?.kind, .tooLarge)
        }
    }

    func testOtherFormatsAreNamed() {
        let gif = Array("GIF89a".utf8) + [0, 0, 0, 0]
        XCTAssertThrowsError(try ImageDecoder.decode(data: gif, name: "anim.gif")) { error in
            XCTAssertEqual("\(error)",
                           "anim.gif: not a JPEG or PNG file (starts with 47 49 46 38, looks like GIF)")
        }
    }
}
