import Foundation
import XCTest

/// What loading may cost, measured on the child `vcview inspect` (its own getrusage): at most
/// max(256 MB, 2 × file size) beyond what it keeps and a few seconds of CPU for pickles under
/// 10 MB (bombs of millions of small objects, integers of thousands of digits), and devices or
/// endless streams refused before they fill memory. The files are generated here, not committed.
final class LoadBoundsTests: XCTestCase {
    /// The process itself (runtime, libraries, the binary) before it reads anything.
    static let baselineMB = 64.0
    static let boundMB = 256.0

    static let directory: String = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("vcview-bounds-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    /// A torch.save-style zip holding `pickle` as archive/data.pkl, stored (CRC 0: not checked,
    /// as torch writes with CRCs switched off).
    static func torchZip(_ pickle: [UInt8]) -> [UInt8] {
        var out: [UInt8] = [], central: [UInt8] = []
        func le16(_ v: Int, _ b: inout [UInt8]) { b += [UInt8(v & 0xff), UInt8(v >> 8 & 0xff)] }
        func le32(_ v: Int, _ b: inout [UInt8]) { le16(v & 0xffff, &b); le16(v >> 16 & 0xffff, &b) }
        let entries: [(String, [UInt8])] = [("archive/data.pkl", pickle), ("archive/byteorder", Array("little".utf8)),
                                            ("archive/version", Array("3\n".utf8))]
        for (name, data) in entries {
            let offset = out.count, n = Array(name.utf8)
            le32(0x0403_4b50, &out); le16(20, &out); le16(0, &out); le16(0, &out); le16(0, &out); le16(0x21, &out)
            le32(0, &out); le32(data.count, &out); le32(data.count, &out); le16(n.count, &out); le16(0, &out)
            out += n + data
            le32(0x0201_4b50, &central); le16(20, &central); le16(20, &central); le16(0, &central); le16(0, &central)
            le16(0, &central); le16(0x21, &central); le32(0, &central); le32(data.count, &central); le32(data.count, &central)
            le16(n.count, &central); le16(0, &central); le16(0, &central); le16(0, &central); le16(0, &central)
            le32(0, &central); le32(offset, &central)
            central += n
        }
        let cdOffset = out.count
        out += central
        le32(0x0605_4b50, &out); le16(0, &out); le16(0, &out); le16(entries.count, &out); le16(entries.count, &out)
        le32(central.count, &out); le32(cdOffset, &out); le16(0, &out)
        return out
    }

    /// `PROTO 2, EMPTY_LIST, (item APPEND) × count, STOP`.
    static func listOf(_ item: [UInt8], count: Int) -> [UInt8] {
        var p: [UInt8] = [0x80, 0x02, 0x5d]
        p.reserveCapacity(3 + (item.count + 1) * count + 1)
        for _ in 0..<count { p += item; p.append(0x61) }
        p.append(0x2e)
        return p
    }

    static func write(_ name: String, _ bytes: [UInt8]) throws -> String {
        let path = directory + "/" + name
        try Data(bytes).write(to: URL(fileURLWithPath: path))
        return path
    }

    func assertBounded(_ r: MeasuredRun, fileMB: Double, cpu: Double = 3, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertLessThan(r.peakMB, Self.baselineMB + max(Self.boundMB, 2 * fileMB), "peak RSS", file: file, line: line)
        XCTAssertLessThan(r.cpuSeconds, cpu, "CPU seconds", file: file, line: line)
    }

    /// 8M empty dicts, lists or tuples appended to one list: a 16 MB pickle that used to build
    /// 8M objects (1.6 GB) before a count limit refused it.
    func testSmallObjectBombsAreRefusedWithinTheMemoryBound() throws {
        for (name, op) in [("dicts", UInt8(0x7d)), ("lists", 0x5d), ("tuples", 0x29)] {
            let bytes = Self.torchZip(Self.listOf([op], count: 8 << 20))
            let path = try Self.write("bomb_\(name).pth", bytes)
            let r = try MeasuredRun.run(["inspect", path])
            r.assertRefused("refused as a pickle bomb")
            assertBounded(r, fileMB: Double(bytes.count) / 1_048_576)
        }
    }

    /// 2 400 integers of 4 000 digits (LONG, text form): a 10 MB pickle of slow-to-parse numbers.
    func testHugeIntegersCostSecondsAtMost() throws {
        let long = [UInt8(0x4c)] + [UInt8](repeating: UInt8(ascii: "9"), count: 4000) + Array("L\n".utf8)
        let bytes = Self.torchZip(Self.listOf(long, count: 2400))
        let path = try Self.write("bigints.pth", bytes)
        let r = try MeasuredRun.run(["inspect", path])
        XCTAssertNil(r.signal)
        XCTAssertEqual(r.status, 1, r.stderr)
        assertBounded(r, fileMB: Double(bytes.count) / 1_048_576)
    }

    func testDevicesAreRefusedBeforeReading() throws {
        let r = try MeasuredRun.run(["inspect", "/dev/zero"])
        r.assertRefused("/dev/zero: is a character device")
        XCTAssertLessThan(r.peakMB, Self.baselineMB + 16)
        XCTAssertLessThan(r.wallSeconds, 5)
    }

    /// `inspect` on a named pipe that `cat source` writes into.
    func inspectThroughAPipe(_ name: String, from source: String) throws -> MeasuredRun {
        let fifo = Self.directory + "/\(name).fifo"
        unlink(fifo)
        XCTAssertEqual(mkfifo(fifo, 0o600), 0)
        let writer = Process()
        writer.executableURL = URL(fileURLWithPath: "/bin/sh")
        writer.arguments = ["-c", "exec cat '\(source)' > '\(fifo)'"]
        try writer.run()
        defer { if writer.isRunning { writer.terminate() }; writer.waitUntilExit() }
        return try MeasuredRun.run(["inspect", fifo])
    }

    /// A pipe of zeros never ends: it is refused at its first bytes.
    func testEndlessStreamIsRefusedAtItsFirstBytes() throws {
        let r = try inspectThroughAPipe("zeros", from: "/dev/zero")
        r.assertRefused("is a stream that does not start like a checkpoint")
        XCTAssertLessThan(r.peakMB, Self.baselineMB + 16)
    }

    /// A pipe that carries a real checkpoint is still read.
    func testCheckpointThroughAPipeLoads() throws {
        let r = try inspectThroughAPipe("demo", from: CLI.asset("vcmamba-demo.safetensors"))
        XCTAssertEqual(r.status, 0, r.stderr)
        XCTAssertTrue(r.stdout.contains("safetensors"), r.stdout)
    }
}
