import Foundation
import XCTest
import VCTestSupport
@testable import VCImage

/// Access to Tests/Fixtures/preprocess, made by tools/fixtures/make_preprocess_fixtures.py
/// with Pillow and torch.
enum Fixtures {
    static let root = Repository.fixture("preprocess")

    static let repositoryRoot = Repository.root.path

    static func path(_ name: String) -> String { root + "/" + name }

    static func bytes(_ name: String) throws -> [UInt8] {
        [UInt8](try Data(contentsOf: URL(fileURLWithPath: path(name))))
    }

    /// One top-level section of manifest.json (read on each call: it is small).
    static func section(_ name: String) -> [String: [String: Any]] {
        let data = try! Data(contentsOf: URL(fileURLWithPath: path("manifest.json")))
        let manifest = try! JSONSerialization.jsonObject(with: data) as! [String: Any]
        return manifest[name] as! [String: [String: Any]]
    }

    /// A uint8 HxWx3 .npy fixture as an RGBImage.
    static func image(_ name: String) throws -> RGBImage {
        let array = try Npy(bytes: bytes(name))
        guard array.descr == "|u1", array.shape.count == 3, array.shape[2] == 3 else {
            throw FixtureError("\(name): expected uint8 HxWx3, got \(array.descr) \(array.shape)")
        }
        return RGBImage(width: array.shape[1], height: array.shape[0], pixels: array.payload)
    }

    static func floats(_ name: String) throws -> (shape: [Int], values: [Float]) {
        let array = try Npy(bytes: bytes(name))
        guard array.descr == "<f4" else { throw FixtureError("\(name): not float32") }
        let values = array.payload.withUnsafeBytes { raw in
            (0 ..< raw.count / 4).map {
                Float(bitPattern: UInt32(littleEndian: raw.loadUnaligned(fromByteOffset: $0 * 4,
                                                                          as: UInt32.self)))
            }
        }
        return (array.shape, values)
    }
}

struct FixtureError: Error, CustomStringConvertible {
    let description: String
    init(_ description: String) { self.description = description }
}

/// The few .npy files numpy writes for C-ordered uint8 and float32 arrays (format 1.0 / 2.0).
struct Npy {
    let descr: String
    let shape: [Int]
    let payload: [UInt8]

    init(bytes: [UInt8]) throws {
        guard bytes.count >= 10, bytes.starts(with: [0x93] + Array("NUMPY".utf8)) else {
            throw FixtureError("not an .npy file")
        }
        let major = bytes[6]
        let headerLength: Int, headerStart: Int
        if major == 1 {
            headerLength = Int(bytes[8]) | Int(bytes[9]) << 8
            headerStart = 10
        } else {
            headerLength = (0 ..< 4).reduce(0) { $0 | Int(bytes[8 + $1]) << (8 * $1) }
            headerStart = 12
        }
        let header = String(decoding: bytes[headerStart ..< headerStart + headerLength],
                            as: UTF8.self)
        func value(of key: String) -> Substring? {
            guard let range = header.range(of: "'\(key)': ") else { return nil }
            return header[range.upperBound...]
        }
        guard let descrText = value(of: "descr"), let shapeText = value(of: "shape"),
              let fortran = value(of: "fortran_order"), fortran.hasPrefix("False") else {
            throw FixtureError("unsupported .npy header \(header)")
        }
        descr = String(descrText.dropFirst().prefix { $0 != "'" })
        shape = shapeText.dropFirst().prefix { $0 != ")" }.split(separator: ",")
            .compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
        payload = Array(bytes[(headerStart + headerLength)...])
    }
}

/// FNV-1a 64, as in the fixture script.
func fnv1a64(_ bytes: [UInt8]) -> UInt64 {
    var hash: UInt64 = 0xCBF2_9CE4_8422_2325
    for byte in bytes { hash = (hash ^ UInt64(byte)) &* 0x100_0000_01B3 }
    return hash
}

/// Largest absolute difference between two images' channel values; nil if their sizes differ.
func maxDifference(_ a: RGBImage, _ b: RGBImage) -> Int? {
    guard a.width == b.width, a.height == b.height else { return nil }
    return zip(a.pixels, b.pixels).map { abs(Int($0) - Int($1)) }.max() ?? 0
}

/// Runs `body` with file descriptor 2 pointed at a temporary file; returns what was written.
func capturingStandardError(_ body: () throws -> Void) rethrows -> String {
    fflush(nil)  // all C streams; Swift 6 forbids touching the stderr global
    let path = NSTemporaryDirectory() + "vcimage-stderr-\(getpid())-\(UInt64.random(in: 0 ... .max))"
    let capture = open(path, O_RDWR | O_CREAT | O_TRUNC, 0o600)
    precondition(capture >= 0)
    let saved = dup(2)
    dup2(capture, 2)
    defer {
        fflush(nil)
        dup2(saved, 2)
        close(saved)
        close(capture)
        unlink(path)
    }
    try body()
    fflush(nil)
    return (try? String(contentsOfFile: path, encoding: .utf8)) ?? ""
}
