// .npy: numpy-written arrays of each supported dtype, hostile headers, and the writer.
import XCTest
@testable import VCCheckpoint

final class NpyTests: XCTestCase {
    func testNumpyWrittenArrays() throws {
        for name in ["f4.npy", "f8.npy", "f2.npy", "i8.npy", "u1.npy", "b1.npy", "scalar.npy", "empty.npy", "v2.npy"] {
            let (shape, values) = try Npy.read(path: Fixtures.path(name))
            let e = Fixtures.expected(name)
            XCTAssertEqual(shape, e["shape"] as? [Int], name)
            assertSameFloats(values, (e["values"] as! [Any]).map(Fixtures.float), name)
        }
        let (shape, values) = try Npy.read(path: Fixtures.path("f4.npy"))
        XCTAssertEqual(shape, [2, 3])
        XCTAssertEqual(values, [0, 0.25, 0.5, 0.75, 1, 1.25])
    }

    func testRefusedArrays() {
        assertCheckpointError(.unsupported, mentions: ["fortran_order"]) { try Npy.read(path: Fixtures.path("fortran.npy")) }
        assertCheckpointError(.unsupported, mentions: ["big-endian dtype '>f4'"]) { try Npy.read(path: Fixtures.path("big_endian.npy")) }
        assertCheckpointError(.unrecognizedFormat, mentions: ["magic"]) { try Npy.read(path: Fixtures.path("bad_magic.npy")) }
        assertCheckpointError(.malformed, mentions: ["not a Python dict literal"]) { try Npy.read(path: Fixtures.path("bad_header.npy")) }
        assertCheckpointError(.malformed, mentions: ["needs 24 bytes but 20 follow"]) {
            try Npy.read(path: Fixtures.path("npy_size_mismatch.npy"))
        }
        assertCheckpointError(.malformed, mentions: ["header declares 60000 bytes"]) {
            try Npy.read(path: Fixtures.path("npy_header_past_end.npy"))
        }
        assertCheckpointError(.unsupported, mentions: ["structured dtypes"]) { try Npy.read(path: Fixtures.path("npy_structured.npy")) }
    }

    func testWriteRoundTripAndLayout() throws {
        let path = Fixtures.temporary("out.npy")
        let values: [Float] = (0..<24).map { Float($0) * 0.5 - 3 }
        try Npy.write(path: path, shape: [2, 3, 4], values: values)
        let (shape, back) = try Npy.read(path: path)
        XCTAssertEqual(shape, [2, 3, 4])
        XCTAssertEqual(back, values)
        // Header as numpy writes it: version 1.0, data aligned to 64 bytes, ends with a newline.
        let bytes = [UInt8](try Data(contentsOf: URL(fileURLWithPath: path)))
        XCTAssertEqual(Array(bytes[0..<8]), [0x93] + Array("NUMPY".utf8) + [1, 0])
        let headerLen = Int(bytes[8]) | Int(bytes[9]) << 8
        XCTAssertEqual((10 + headerLen) % 64, 0)
        XCTAssertEqual(bytes[10 + headerLen - 1], 0x0a)
        let header = String(decoding: bytes[10..<(10 + headerLen)], as: UTF8.self)
        XCTAssertTrue(header.hasPrefix("{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3, 4), }"), header)
        XCTAssertEqual(bytes.count, 10 + headerLen + 96)
    }

    func testWriteOneAndZeroDimensional() throws {
        let p1 = Fixtures.temporary("one.npy")
        try Npy.write(path: p1, shape: [3], values: [1, 2, 3])
        let header = String(decoding: [UInt8](try Data(contentsOf: URL(fileURLWithPath: p1)))[10..<70], as: UTF8.self)
        XCTAssertTrue(header.contains("'shape': (3,)"), header)
        XCTAssertEqual(try Npy.read(path: p1).values, [1, 2, 3])
        let p0 = Fixtures.temporary("zero.npy")
        try Npy.write(path: p0, shape: [], values: [9])
        let r = try Npy.read(path: p0)
        XCTAssertEqual(r.shape, [])
        XCTAssertEqual(r.values, [9])
        assertCheckpointError(.malformed, mentions: ["does not hold 2 values"]) { try Npy.write(path: p0, shape: [3], values: [1, 2]) }
    }

    func testHeaderLiteralParser() throws {
        let lit = try PyLiteralParser.parse("{'descr': '<f4', 'fortran_order': False, 'shape': (3, 4L), 'x': [None, (5)], }")
        guard case .dict(let items) = lit else { return XCTFail("not a dict") }
        XCTAssertEqual(items.count, 4)
        XCTAssertEqual(items[2].1, .tuple([.int(3), .int(4)]))
        XCTAssertEqual(items[3].1, .list([.none, .int(5)]))
        XCTAssertThrowsError(try PyLiteralParser.parse("{'a': os.system('x')}"))
        XCTAssertThrowsError(try PyLiteralParser.parse(String(repeating: "(", count: 100)))
    }
}
