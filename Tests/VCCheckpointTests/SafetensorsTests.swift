// safetensors: files written by the reference library, hostile headers, and the writer.
import XCTest
@testable import VCCheckpoint

final class SafetensorsTests: XCTestCase {
    func load(_ name: String) throws -> LoadedCheckpoint {
        try CheckpointLoader.load(path: Fixtures.path(name))
    }

    func testReferenceFilesOfEveryDtype() throws {
        for name in ["f32.safetensors", "f16.safetensors", "bf16.safetensors", "mixed.safetensors"] {
            let ckpt = try load(name)
            XCTAssertEqual(ckpt.info.format, "safetensors")
            try assertTensors(ckpt.stateDict, Fixtures.expected(name)["tensors"] as! [String: Any], name)
        }
    }

    func testHeaderOrderAndMetadata() throws {
        let ckpt = try load("f32.safetensors")
        let e = Fixtures.expected("f32.safetensors")
        XCTAssertEqual(ckpt.info.topLevelKeys, e["headerKeys"] as? [String])
        XCTAssertEqual(ckpt.stateDict.keys, ["a", "b", "c"])
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: ckpt.info.args), ["format": "'pt'", "epoch": "'3'"])
        XCTAssertNil(ckpt.info.entryUsed)
        XCTAssertFalse(ckpt.info.hasEMA)
        let mixed = try load("mixed.safetensors")
        XCTAssertEqual(mixed.stateDict.keys, Fixtures.expected("mixed.safetensors")["headerKeys"] as? [String])
    }

    func testEMAIsAnErrorForSafetensors() {
        assertCheckpointError(.notFound, mentions: ["EMA"]) { try CheckpointLoader.load(path: Fixtures.path("f32.safetensors"), ema: true) }
    }

    func testHostileHeaders() {
        assertCheckpointError(.malformed, mentions: ["tensor 'b'", "overlap tensor 'a'"]) { try load("st_overlap.safetensors") }
        assertCheckpointError(.malformed, mentions: ["tensor 'a'", "[0, 32] are outside the 16-byte data buffer"]) {
            try load("st_out_of_range.safetensors")
        }
        assertCheckpointError(.malformed, mentions: ["needs 12 bytes", "span 16"]) { try load("st_size_mismatch.safetensors") }
        assertCheckpointError(.limitExceeded, mentions: ["1099511627776-byte JSON header", "limit is 100000000"]) {
            try load("st_huge_header.safetensors")
        }
        assertCheckpointError(.malformed, mentions: ["5000-byte JSON header", "only 24 bytes"]) { try load("st_header_past_end.safetensors") }
        assertCheckpointError(.malformed, mentions: ["header offset", "invalid JSON"]) { try load("st_bad_json.safetensors") }
        assertCheckpointError(.malformed, mentions: ["tensor 'a'", "appears twice"]) { try load("st_duplicate.safetensors") }
        assertCheckpointError(.unsupported, mentions: ["dtype 'F8_E4M3' is not supported"]) { try load("st_bad_dtype.safetensors") }
        assertCheckpointError(.malformed, mentions: ["non-negative integer"]) { try load("st_negative_shape.safetensors") }
        assertCheckpointError(.malformed, mentions: ["nesting deeper than 64"]) { try load("st_deep_json.safetensors") }
        assertCheckpointError(.limitExceeded, mentions: ["[1000000, 1000000] has more than 2147483648 elements"]) {
            try load("st_huge_shape.safetensors")
        }
    }

    func testWriteF32RoundTrip() throws {
        let path = Fixtures.temporary("roundtrip32.safetensors")
        let a: [Float] = [1.5, -0.0, .infinity, 3.4e38, .leastNonzeroMagnitude, .pi]
        try Safetensors.write(path: path, tensors: [("layer.weight", [2, 3], a), ("bias", [2], [7, -7]), ("s", [], [42])],
                              metadata: ["format": "pt", "note": "line\nbreak \"q\""])
        let ckpt = try CheckpointLoader.load(path: path)
        XCTAssertEqual(ckpt.stateDict.keys, ["layer.weight", "bias", "s"])
        XCTAssertEqual(ckpt.stateDict["layer.weight"]!.shape, [2, 3])
        XCTAssertEqual(ckpt.stateDict["s"]!.shape, [])
        assertSameFloats(try ckpt.stateDict["layer.weight"]!.floats(), a, "layer.weight")
        XCTAssertEqual(try ckpt.stateDict["bias"]!.floats(), [7, -7])
        // Metadata values come back as printable Python-style strings: the newline is escaped.
        XCTAssertEqual(Dictionary(uniqueKeysWithValues: ckpt.info.args), ["format": "'pt'", "note": "'line\\nbreak \"q\"'"])
        // The header is padded to a multiple of 8 bytes.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: path))
        let headerLen = bytes.prefix(8).enumerated().reduce(0) { $0 | Int($1.element) << (8 * $1.offset) }
        XCTAssertEqual(headerLen % 8, 0)
        XCTAssertEqual(bytes.count, 8 + headerLen + 4 * (6 + 2 + 1))
    }

    func testWriteF16RoundsToNearestEven() throws {
        let path = Fixtures.temporary("roundtrip16.safetensors")
        // 1 + 2^-11 is halfway between two halves: ties to even gives 1.0; 65520 overflows to inf.
        let values: [Float] = [1 + 0x1p-11, 1 + 3 * 0x1p-11, 65520, 65519, 0x1p-25, 0x1p-24, -2.5]
        try Safetensors.write(path: path, tensors: [("h", [7], values)], dtype: .f16)
        let t = try CheckpointLoader.load(path: path).stateDict["h"]!
        XCTAssertEqual(t.dtype, .f16)
        assertSameFloats(try t.floats(), [1, 1 + 4 * 0x1p-11, .infinity, 65504, 0, 0x1p-24, -2.5], "h")
    }

    func testWriterRejectsBadInput() {
        let path = Fixtures.temporary("bad.safetensors")
        assertCheckpointError(.malformed, mentions: ["tensor 'x'", "does not hold 3 values"]) {
            try Safetensors.write(path: path, tensors: [("x", [2, 2], [1, 2, 3])])
        }
        assertCheckpointError(.unsupported, mentions: ["f32 or f16"]) {
            try Safetensors.write(path: path, tensors: [("x", [1], [1])], dtype: .bf16)
        }
        assertCheckpointError(.malformed, mentions: ["used twice"]) {
            try Safetensors.write(path: path, tensors: [("x", [1], [1]), ("x", [1], [2])])
        }
    }
}
