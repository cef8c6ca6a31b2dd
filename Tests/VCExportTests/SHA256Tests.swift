import Foundation
import XCTest
@testable import VCExport

final class SHA256Tests: XCTestCase {
    func testNISTVectors() {
        XCTAssertEqual(SHA256.hash([UInt8]()), "e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855")
        XCTAssertEqual(SHA256.hash(Array("abc".utf8)), "ba7816bf8f01cfea414140de5dae2223b00361a396177a9cb410ff61f20015ad")
        XCTAssertEqual(SHA256.hash(Array("abcdbcdecdefdefgefghfghighijhijkijkljklmklmnlmnomnopnopq".utf8)),
                       "248d6a61d20638b8e5c026930c3e6039a33ce45964ff2167f6ecedd419db06c1")
        XCTAssertEqual(SHA256.hash(Array("abcdefghbcdefghicdefghijdefghijkefghijklfghijklmghijklmnhijklmnoijklmnopjklmnopqklmnopqrlmnopqrsmnopqrstnopqrstu".utf8)),
                       "cf5b16a778af8380036ce59e7b0492370b249b11e8f07a51afac45037afee9d1")
        XCTAssertEqual(SHA256.hash([UInt8](repeating: UInt8(ascii: "a"), count: 1_000_000)),
                       "cdc76e5c9914fb9281a1c7e284d73e67f1809a48a497200e046d39ccc7112cd0")
    }

    /// Padding edge cases: 55, 56, 63, 64 and 65 bytes, fed whole and in awkward pieces.
    func testPiecewiseEqualsWhole() {
        let known = [55: "9f4390f8d30c2dd92ec9f095b65e2b9ae9b0a925a5258e241c9f1e910f734318",
                     56: "b35439a4ac6f0948b6d6f9e3c6af0f5f590ce20f1bde7090ef7970686ec6738a",
                     64: "ffe054fe7ae0cb6dc65c3af9b61d5209f439851db43d0ba5997337df154668eb"]
        for n in [0, 1, 55, 56, 57, 63, 64, 65, 127, 128, 1000] {
            let data = [UInt8](repeating: UInt8(ascii: "a"), count: n)
            let whole = SHA256.hash(data)
            if let k = known[n] { XCTAssertEqual(whole, k, "\(n) bytes") }
            var h = SHA256()
            var i = 0, step = 1
            while i < n { let j = min(n, i + step); h.update(data[i..<j]); i = j; step = step * 3 % 67 + 1 }
            XCTAssertEqual(h.hexDigest(), whole, "\(n) bytes in pieces")
        }
    }

    func testFileHashMatchesBytes() throws {
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: Paths.tinyWeights)))
        XCTAssertEqual(try SHA256.hash(file: Paths.tinyWeights), SHA256.hash(bytes))
        XCTAssertThrowsError(try SHA256.hash(file: "/nonexistent/file"))
    }
}
