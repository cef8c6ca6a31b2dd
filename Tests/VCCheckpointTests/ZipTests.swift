// The zip reader and the inflate wrapper on archives built in the test: limits, flags and
// directory records that the fixture files do not cover.
import Foundation
import XCTest
@testable import VCCheckpoint

final class ZipTests: XCTestCase {
    struct Entry {
        var name: String
        var data: [UInt8]
        var method: UInt16 = 0
        var flags: UInt16 = 0
        var declaredSize: UInt32? = nil
        var crc: UInt32 = 0
    }

    /// A minimal zip writer (no zip64), enough to exercise the reader's checks.
    func build(_ entries: [Entry], comment: [UInt8] = [], eocdEntries: UInt16? = nil, disk: UInt16 = 0) -> [UInt8] {
        var out: [UInt8] = []
        var central: [UInt8] = []
        func le16(_ v: UInt16, _ a: inout [UInt8]) { a += [UInt8(v & 0xff), UInt8(v >> 8)] }
        func le32(_ v: UInt32, _ a: inout [UInt8]) { for i in 0..<4 { a.append(UInt8((v >> (8 * UInt32(i))) & 0xff)) } }
        for e in entries {
            let offset = UInt32(out.count)
            let name = Array(e.name.utf8)
            let size = e.declaredSize ?? UInt32(e.data.count)
            le32(0x0403_4b50, &out); le16(20, &out); le16(e.flags, &out); le16(e.method, &out); le32(0, &out)
            le32(e.crc, &out); le32(UInt32(e.data.count), &out); le32(size, &out); le16(UInt16(name.count), &out); le16(0, &out)
            out += name + e.data
            le32(0x0201_4b50, &central); le16(20, &central); le16(20, &central); le16(e.flags, &central); le16(e.method, &central)
            le32(0, &central); le32(e.crc, &central); le32(UInt32(e.data.count), &central); le32(size, &central)
            le16(UInt16(name.count), &central); le16(0, &central); le16(0, &central); le16(0, &central); le16(0, &central)
            le32(0, &central); le32(offset, &central)
            central += name
        }
        let cdOffset = UInt32(out.count)
        out += central
        le32(0x0605_4b50, &out); le16(disk, &out); le16(disk, &out)
        le16(eocdEntries ?? UInt16(entries.count), &out); le16(eocdEntries ?? UInt16(entries.count), &out)
        le32(UInt32(central.count), &out); le32(cdOffset, &out); le16(UInt16(comment.count), &out)
        return out + comment
    }

    func open(_ bytes: [UInt8], _ name: String = "t.zip") throws -> ZipArchive {
        let path = Fixtures.temporary(name)
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return try ZipArchive(file: FileBytes(path: path))
    }

    func testStoredEntryAndComment() throws {
        let data = Array("hello".utf8)
        let crc = data.withUnsafeBytes { Inflate.crc32($0) }
        XCTAssertEqual(crc, 0x3610_a686)
        let z = try open(build([Entry(name: "a/b.txt", data: data, crc: crc)], comment: Array("a trailing comment".utf8)))
        XCTAssertEqual(z.entries.map(\.name), ["a/b.txt"])
        XCTAssertEqual(try z.bytes(of: z.entry(named: "a/b.txt")!), data)
        XCTAssertNil(z.entry(named: "b.txt"))
    }

    func testImpossibleRatioOn32BitSize() throws {
        // 4 GiB declared from a 2-byte stream: deflate cannot do better than ~1032:1.
        let z = try open(build([Entry(name: "x", data: [0x03, 0x00], method: 8, declaredSize: 0xffff_fff0)]))
        assertCheckpointError(.limitExceeded, mentions: ["entry 'x'", "declares 4294967280 bytes from 2 compressed"]) {
            try z.data(of: z.entries[0])
        }
    }

    func testAbsoluteInflateLimitOnZip64Size() throws {
        // A zip64 entry declaring 1 TiB is refused before anything is allocated.
        let z = try ZipArchive(file: FileBytes(path: Fixtures.path("bomb_zip64.zip")))
        XCTAssertEqual(z.entries.first?.size, 1 << 40)
        assertCheckpointError(.limitExceeded, mentions: ["entry 'big'", "declares 1099511627776 inflated bytes, limit is 8589934592"]) {
            try z.data(of: z.entries[0])
        }
    }

    func testInflateOutcomes() throws {
        // "hello" deflated (raw): 0xcb 0x48 0xcd 0xc9 0xc9 0x07 0x00
        let stream: [UInt8] = [0xcb, 0x48, 0xcd, 0xc9, 0xc9, 0x07, 0x00]
        try stream.withUnsafeBytes { src in
            XCTAssertEqual(try Inflate.raw(src, size: 5), Array("hello".utf8))
            XCTAssertThrowsError(try Inflate.raw(src, size: 4)) { XCTAssertEqual($0 as? Inflate.Failure, .tooLong) }
            XCTAssertThrowsError(try Inflate.raw(src, size: 6)) { XCTAssertEqual($0 as? Inflate.Failure, .tooShort(produced: 5)) }
            XCTAssertThrowsError(try Inflate.raw(UnsafeRawBufferPointer(rebasing: src[0..<3]), size: 5)) {
                guard case .truncated = $0 as? Inflate.Failure else { return XCTFail("\($0)") }
            }
        }
        try [UInt8]([0xff, 0xff, 0xff]).withUnsafeBytes { src in
            XCTAssertThrowsError(try Inflate.raw(src, size: 5)) {
                guard case .corrupt = $0 as? Inflate.Failure else { return XCTFail("\($0)") }
            }
        }
        // Deflated entry through the archive, CRC checked.
        let crc = Array("hello".utf8).withUnsafeBytes { Inflate.crc32($0) }
        let z = try open(build([Entry(name: "h", data: stream, method: 8, declaredSize: 5, crc: crc)]))
        XCTAssertEqual(try z.bytes(of: z.entries[0]), Array("hello".utf8))
        let bad = try open(build([Entry(name: "h", data: stream, method: 8, declaredSize: 5, crc: crc ^ 1)]), "bad.zip")
        assertCheckpointError(.integrity, mentions: ["CRC-32 is 0x3610a686, the directory says 0x3610a687"]) { try bad.bytes(of: bad.entries[0]) }
    }

    func testEncryptedAndUnknownMethods() throws {
        let z = try open(build([Entry(name: "e", data: [1, 2], flags: 1), Entry(name: "b", data: [1, 2], method: 12)]))
        assertCheckpointError(.unsupported, mentions: ["entry 'e'", "encrypted"]) { try z.data(of: z.entries[0]) }
        assertCheckpointError(.unsupported, mentions: ["entry 'b'", "compression method 12"]) { try z.data(of: z.entries[1]) }
    }

    func testDirectoryRecordChecks() {
        assertCheckpointError(.malformed, mentions: ["too short for a zip"]) { try open([0x50, 0x4b, 3, 4]) }
        assertCheckpointError(.malformed, mentions: ["zip64 markers", "no zip64 record"]) {
            try open(build([Entry(name: "a", data: [1])], eocdEntries: 0xffff))
        }
        assertCheckpointError(.malformed, mentions: ["declares 500 entries but its central directory has only"]) {
            try open(build([Entry(name: "a", data: [1])], eocdEntries: 500))
        }
        assertCheckpointError(.unsupported, mentions: ["multi-disk"]) { try open(build([Entry(name: "a", data: [1])], disk: 1)) }
        // Stored entries must not claim a size other than their bytes.
        assertCheckpointError(.malformed, mentions: ["stored entry 'a'", "compressed size 1 but size 9"]) {
            try open(build([Entry(name: "a", data: [1], declaredSize: 9)]))
        }
    }

    func testEmptyZipOpensWithNoEntries() throws {
        let z = try open(build([]))
        XCTAssertEqual(z.entries.count, 0)
        assertCheckpointError(.notFound, mentions: ["no <top>/data.pkl entry"]) {
            try CheckpointLoader.load(path: Fixtures.temporary("t.zip"))
        }
    }
}
