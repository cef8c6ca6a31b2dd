// Shared helpers: locating fixtures, reading expected.json, comparing values exactly, and
// asserting that a hostile file fails with a one-line CheckpointError that names the problem.
import Foundation
import XCTest
import VCTestSupport
@testable import VCCheckpoint

enum Fixtures {
    /// Tests/Fixtures/formats, found from this source file so tests run from any directory.
    static let directory = URL(fileURLWithPath: Repository.fixture("formats"))

    static func path(_ name: String) -> String {
        directory.appendingPathComponent(name).path
    }

    /// expected.json, written by tools/fixtures/make_format_fixtures.py from torch/numpy values.
    nonisolated(unsafe) static let expected: [String: Any] = {
        let data = try! Data(contentsOf: directory.appendingPathComponent("expected.json"))
        return try! JSONSerialization.jsonObject(with: data) as! [String: Any]
    }()

    static func expected(_ name: String) -> [String: Any] {
        guard let e = expected[name] as? [String: Any] else {
            XCTFail("expected.json has no entry \(name)")
            return [:]
        }
        return e
    }

    /// A number from expected.json as Float ("inf", "-inf", "nan" are strings there).
    static func float(_ v: Any) -> Float {
        if let s = v as? String {
            switch s {
            case "inf": return .infinity
            case "-inf": return -.infinity
            default: return .nan
            }
        }
        return Float((v as! NSNumber).doubleValue)
    }

    /// Scratch directory for files the tests write.
    static func temporary(_ name: String) -> String {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vccheckpoint-tests-\(getpid())")
        try? FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        return dir.appendingPathComponent(name).path
    }
}

/// Values must be bit-identical (so -0.0 and 0.0 differ), except that any NaN matches any NaN.
func assertSameFloats(_ actual: [Float], _ expected: [Float], _ what: String,
                      file: StaticString = #filePath, line: UInt = #line) {
    XCTAssertEqual(actual.count, expected.count, "\(what): count", file: file, line: line)
    for (i, (a, e)) in zip(actual, expected).enumerated() {
        if a.isNaN && e.isNaN { continue }
        if a.bitPattern != e.bitPattern {
            XCTFail("\(what)[\(i)]: got \(a), expected \(e)", file: file, line: line)
            return
        }
    }
}

/// Checks every tensor of `dict` against an expected.json "tensors" map.
func assertTensors(_ dict: StateDict, _ expectedTensors: [String: Any], _ what: String,
                   file: StaticString = #filePath, line: UInt = #line) throws {
    XCTAssertEqual(Set(dict.keys), Set(expectedTensors.keys), "\(what): tensor names", file: file, line: line)
    for (key, value) in expectedTensors {
        let e = value as! [String: Any]
        guard let t = dict[key] else {
            XCTFail("\(what): missing \(key)", file: file, line: line)
            continue
        }
        XCTAssertEqual(t.dtype.rawValue, e["dtype"] as? String, "\(what) \(key): dtype", file: file, line: line)
        XCTAssertEqual(t.shape, e["shape"] as? [Int], "\(what) \(key): shape", file: file, line: line)
        let values = (e["values"] as! [Any]).map(Fixtures.float)
        XCTAssertEqual(t.count, values.count, "\(what) \(key): count", file: file, line: line)
        assertSameFloats(try t.floats(), values, "\(what) \(key)", file: file, line: line)
    }
}

/// Runs `body` and checks it throws a CheckpointError of `kind` whose one-line description
/// contains every fragment of `mentions`. Returns the error for further checks.
@discardableResult
func assertCheckpointError<T>(_ kind: CheckpointError.Kind, mentions: [String], _ body: () throws -> T,
                              file: StaticString = #filePath, line: UInt = #line) -> CheckpointError? {
    do {
        _ = try body()
        XCTFail("expected a \(kind) error mentioning \(mentions), but it succeeded", file: file, line: line)
        return nil
    } catch let e as CheckpointError {
        let text = e.description
        XCTAssertEqual(e.kind, kind, "kind of: \(text)", file: file, line: line)
        XCTAssertFalse(text.contains("\n") || text.contains("\r"), "not one line: \(text)", file: file, line: line)
        XCTAssertFalse(text.unicodeScalars.contains { $0.value < 0x20 }, "control character in: \(text)", file: file, line: line)
        for m in mentions {
            XCTAssertTrue(text.contains(m), "\(text)\n  does not mention: \(m)", file: file, line: line)
        }
        return e
    } catch {
        XCTFail("expected CheckpointError, got \(error)", file: file, line: line)
        return nil
    }
}
