import Foundation
import XCTest

/// The hostile corpus (Tests/Fixtures/hostile, written by tools/fuzz/make_hostile.py) through the
/// real `vcview` binary: every file must be refused with exit status 1 (not a signal) and exactly
/// one line `vcview: error: <file>: ...` on stderr containing the fragment its README line gives,
/// with nothing on stdout, within a few seconds, and without running anything: pickles that
/// Python would execute create /tmp/vcview_pwned_marker, which must not exist afterwards.
final class HostileCorpusTests: XCTestCase {
    static let directory = CLI.fixture("hostile")
    static let marker = "/tmp/vcview_pwned_marker"
    /// Valid companions: the weights for image and array files, the input for weight files.
    static let weights = CLI.fixture("tiny/weights.safetensors")
    static let input = CLI.fixture("tiny/input.npy")
    /// A run slower than this fails the test; one still running at `deadline` is killed.
    static let allowedSeconds = 5.0
    static let deadline = 30.0

    struct Entry {
        let name: String
        let expected: String
        var path: String { HostileCorpusTests.directory + "/" + name }
    }

    /// The README's ``- `file`: what. Expected: `fragment` `` lines.
    static func entries() throws -> [Entry] {
        let readme = try String(contentsOfFile: directory + "/README.md", encoding: .utf8)
        var out: [Entry] = []
        for line in readme.split(separator: "\n") where line.hasPrefix("- `") {
            let afterName = line.dropFirst(3)
            guard let nameEnd = afterName.firstIndex(of: "`"),
                  let marker = line.range(of: ". Expected: `", options: .backwards),
                  line.hasSuffix("`") else {
                XCTFail("README line does not follow the format: \(line)")
                continue
            }
            let name = String(afterName[..<nameEnd])
            let expected = String(line[marker.upperBound..<line.index(before: line.endIndex)])
            out.append(Entry(name: name, expected: expected))
        }
        return out
    }

    struct Outcome {
        let exitedNormally: Bool
        let status: Int32
        let stdout: String
        let stderr: String
        let seconds: Double
    }

    /// Runs vcview with stdout and stderr in files (no pipe can fill up) and a deadline after
    /// which the process is killed.
    func run(_ args: [String]) throws -> Outcome {
        let tmp = FileManager.default.temporaryDirectory.appendingPathComponent("vcview-hostile-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: tmp, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: tmp) }
        let outURL = tmp.appendingPathComponent("stdout"), errURL = tmp.appendingPathComponent("stderr")
        FileManager.default.createFile(atPath: outURL.path, contents: nil)
        FileManager.default.createFile(atPath: errURL.path, contents: nil)
        let out = try FileHandle(forWritingTo: outURL), err = try FileHandle(forWritingTo: errURL)
        defer { try? out.close(); try? err.close() }

        let p = Process()
        p.executableURL = URL(fileURLWithPath: CLI.binary)
        p.arguments = args
        p.standardOutput = out
        p.standardError = err
        p.standardInput = FileHandle.nullDevice
        let start = Date()
        try p.run()
        while p.isRunning && Date().timeIntervalSince(start) < Self.deadline {
            usleep(5_000)
        }
        if p.isRunning {
            p.terminate()
            p.waitUntilExit()
            XCTFail("vcview \(args.joined(separator: " ")) still running after \(Self.deadline) s; killed")
        }
        p.waitUntilExit()
        let seconds = Date().timeIntervalSince(start)
        return Outcome(exitedNormally: p.terminationReason == .exit, status: p.terminationStatus,
                       stdout: try String(contentsOf: outURL, encoding: .utf8),
                       stderr: String(decoding: try Data(contentsOf: errURL), as: UTF8.self),
                       seconds: seconds)
    }

    /// One refusal: exit 1 by exit() (not a signal), one `vcview: error:` line naming the file and
    /// containing `fragment` (when given), nothing on stdout, fast, and no marker file.
    func assertRefused(_ args: [String], file: String, fragment: String?) throws {
        try? FileManager.default.removeItem(atPath: Self.marker)
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.marker), "cannot remove \(Self.marker)")
        let r = try run(args)
        let what = "vcview \(args.joined(separator: " "))"
        XCTAssertTrue(r.exitedNormally, "\(what): killed by signal \(r.status); stderr: \(r.stderr)")
        XCTAssertEqual(r.status, 1, "\(what): exit status; stderr: \(r.stderr)")
        XCTAssertEqual(r.stdout, "", "\(what): printed on stdout")
        let lines = r.stderr.split(separator: "\n", omittingEmptySubsequences: false)
        XCTAssertEqual(lines.count, 2, "\(what): stderr is not exactly one line: \(r.stderr.debugDescription)")
        XCTAssertTrue(r.stderr.hasSuffix("\n"), "\(what): stderr does not end its line")
        XCTAssertTrue(r.stderr.hasPrefix("vcview: error: "), "\(what): \(r.stderr)")
        XCTAssertTrue(r.stderr.contains(file), "\(what): the error does not name the file: \(r.stderr)")
        if let fragment {
            XCTAssertTrue(r.stderr.contains(fragment), "\(what): expected \(fragment.debugDescription) in: \(r.stderr)")
        }
        XCTAssertLessThan(r.seconds, Self.allowedSeconds, "\(what): took \(r.seconds) s")
        XCTAssertFalse(FileManager.default.fileExists(atPath: Self.marker), "\(what): \(Self.marker) was created")
    }

    enum Kind { case weights, array, image }

    static func kind(_ name: String) -> Kind? {
        switch (name as NSString).pathExtension.lowercased() {
        case "pth", "pt", "bin", "pkl", "zip", "safetensors": return .weights
        case "npy": return .array
        case "png", "jpg", "jpeg": return .image
        default: return nil
        }
    }

    func corpus(_ kind: Kind) throws -> [Entry] {
        let all = try Self.entries().filter { Self.kind($0.name) == kind }
        XCTAssertFalse(all.isEmpty)
        return all
    }

    func testReadmeDescribesEveryFileAndNothingElse() throws {
        let files = Set(try FileManager.default.contentsOfDirectory(atPath: Self.directory)).subtracting(["README.md"])
        let listed = try Self.entries().map(\.name)
        XCTAssertEqual(Set(listed).count, listed.count, "a file is listed twice")
        XCTAssertEqual(Set(listed), files, "README.md and the directory disagree")
        for name in files { XCTAssertNotNil(Self.kind(name), "\(name): no rule for running this kind of file") }
        XCTAssertGreaterThanOrEqual(files.count, 100)
    }

    /// Checkpoint-like files as `predict --weights` (parse, tensors, conversion to floats) and as
    /// `inspect` (parse only; it may fail for another reason, e.g. missing keys, when the file's
    /// damage is in tensor data that inspect never reads).
    func testCheckpointFilesAreRefused() throws {
        for e in try corpus(.weights) {
            try assertRefused(["predict", "--weights", e.path, "--input-tensor", Self.input], file: e.path, fragment: e.expected)
            try assertRefused(["inspect", e.path], file: e.path, fragment: nil)
        }
    }

    func testArrayFilesAreRefused() throws {
        for e in try corpus(.array) {
            try assertRefused(["predict", "--input-tensor", e.path, "--weights", Self.weights], file: e.path, fragment: e.expected)
        }
    }

    func testImageFilesAreRefused() throws {
        for e in try corpus(.image) {
            try assertRefused(["predict", e.path, "--weights", Self.weights], file: e.path, fragment: e.expected)
        }
    }

    /// The payloads name the marker, so its absence means something: the corpus generator's
    /// command is what every code-running pickle would run.
    func testCodeRunningPicklesAreThere() throws {
        let names = try Self.entries().map(\.name)
        for required in ["pickle_os_system.pth", "pickle_builtins_eval.pth", "pickle_subprocess_popen.pth",
                         "pickle_posix_system.pth", "pickle_nt_system.pth", "pickle_builtins_exec.pth",
                         "pickle_builtins_getattr.pth", "pickle_builtins_import.pth"] {
            XCTAssertTrue(names.contains(required), "\(required) missing from the corpus")
        }
        let raw = try Data(contentsOf: URL(fileURLWithPath: Self.directory + "/pickle_os_system.pth"))
        XCTAssertNotNil(raw.range(of: Data("touch \(Self.marker)".utf8)), "the os.system payload does not touch the marker")
    }
}
