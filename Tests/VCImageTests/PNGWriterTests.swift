import Foundation
import XCTest
@testable import VCImage

final class PNGWriterTests: XCTestCase {
    private var directory = ""

    override func setUpWithError() throws {
        directory = NSTemporaryDirectory() + "vcimage-png-\(getpid())-\(UInt32.random(in: 0 ... .max))"
        try FileManager.default.createDirectory(atPath: directory, withIntermediateDirectories: true)
    }

    override func tearDownWithError() throws {
        try? FileManager.default.removeItem(atPath: directory)
    }

    func testRoundTripAndDeterminism() throws {
        let image = try ImageDecoder.decode(path: Fixtures.repositoryRoot + "/assets/images/coffee.png")
        for level in [0, 1, 6, 9] {
            let first = directory + "/a\(level).png", second = directory + "/b\(level).png"
            try PNGWriter.write(image, to: first, compressionLevel: level)
            try PNGWriter.write(image, to: second, compressionLevel: level)
            XCTAssertEqual(try ImageDecoder.decode(path: first), image, "level \(level)")
            let a = try Data(contentsOf: URL(fileURLWithPath: first))
            let b = try Data(contentsOf: URL(fileURLWithPath: second))
            XCTAssertEqual(a, b, "level \(level) is not deterministic")
            // Only IHDR, IDAT and IEND: no time or text chunks.
            XCTAssertEqual(chunkTypes([UInt8](a)).filter { $0 != "IDAT" }, ["IHDR", "IEND"])
        }
    }

    func testOnePixel() throws {
        let image = RGBImage(width: 1, height: 1, pixels: [1, 2, 3])
        try PNGWriter.write(image, to: directory + "/one.png")
        XCTAssertEqual(try ImageDecoder.decode(path: directory + "/one.png"), image)
    }

    func testErrors() {
        let image = RGBImage(width: 2, height: 1, pixels: [1, 2, 3, 4, 5, 6])
        XCTAssertThrowsError(try PNGWriter.write(image, to: directory + "/missing/x.png")) { error in
            XCTAssertEqual("\(error)",
                           "\(directory)/missing/x.png: cannot create file (No such file or directory)")
        }
        XCTAssertThrowsError(try PNGWriter.write(image, to: directory + "/x.png", compressionLevel: 12)) {
            XCTAssertEqual(($0 as? ImageError)?.kind, .unsupported)
        }
        let empty = RGBImage(width: 0, height: 0, pixels: [])
        XCTAssertThrowsError(try PNGWriter.write(empty, to: directory + "/e.png")) {
            XCTAssertEqual(($0 as? ImageError)?.kind, .empty)
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: directory + "/e.png"))
    }

    /// A write that fails half way (here: a file size limit, as a full disk would) reports the
    /// system's reason and leaves no partial file behind.
    func testWriteFailureLeavesNoFile() throws {
        let image = RGBImage(width: 300, height: 300,
                             pixels: (0 ..< 300 * 300 * 3).map { UInt8(truncatingIfNeeded: $0 &* 7919) })
        let path = directory + "/limited.png"
        var saved = rlimit()
        getrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
        let previousHandler = signal(SIGXFSZ, SIG_IGN)  // else exceeding the limit kills us
        var tight = saved
        tight.rlim_cur = 4096
        setrlimit(Int32(RLIMIT_FSIZE.rawValue), &tight)
        defer {
            setrlimit(Int32(RLIMIT_FSIZE.rawValue), &saved)
            signal(SIGXFSZ, previousHandler)
        }
        XCTAssertThrowsError(try PNGWriter.write(image, to: path, compressionLevel: 0)) { error in
            XCTAssertEqual("\(error)", "\(path): write failed (File too large)")
        }
        XCTAssertFalse(FileManager.default.fileExists(atPath: path))
    }

    private func chunkTypes(_ bytes: [UInt8]) -> [String] {
        var types = [String](), offset = 8
        while offset + 8 <= bytes.count {
            let length = bytes[offset ..< offset + 4].reduce(0) { $0 << 8 | Int($1) }
            types.append(String(decoding: bytes[offset + 4 ..< offset + 8], as: UTF8.self))
            offset += 12 + length
        }
        return types
    }
}
