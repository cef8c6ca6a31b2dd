import Foundation
import XCTest

/// Runs the built `vcview` as a child with posix_spawn and reaps it with wait4; the child's peak
/// resident memory is the VmHWM it reports itself at exit (VCVIEW_PEAK_REPORT, see
/// Sources/vcview/PeakReport.swift: wait4's ru_maxrss of a spawned child includes the test
/// bundle's own peak), its CPU time wait4's.
struct MeasuredRun {
    let status: Int32
    /// The signal that ended the child, or nil when it exited.
    let signal: Int32?
    let stdout: String
    let stderr: String
    /// Peak resident set size, bytes.
    let peakBytes: Int
    /// User + system CPU seconds.
    let cpuSeconds: Double
    let wallSeconds: Double

    var peakMB: Double { Double(peakBytes) / 1_048_576 }

    static func run(_ args: [String], environment: [String: String] = [:]) throws -> MeasuredRun {
        let dir = FileManager.default.temporaryDirectory.appendingPathComponent("vcview-measured-\(UUID().uuidString)")
        try FileManager.default.createDirectory(at: dir, withIntermediateDirectories: true)
        defer { try? FileManager.default.removeItem(at: dir) }
        let outPath = dir.appendingPathComponent("out").path, errPath = dir.appendingPathComponent("err").path
        var actions = posix_spawn_file_actions_t()
        posix_spawn_file_actions_init(&actions)
        defer { posix_spawn_file_actions_destroy(&actions) }
        posix_spawn_file_actions_addopen(&actions, 0, "/dev/null", O_RDONLY, 0)
        posix_spawn_file_actions_addopen(&actions, 1, outPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        posix_spawn_file_actions_addopen(&actions, 2, errPath, O_WRONLY | O_CREAT | O_TRUNC, 0o644)
        let reportPath = dir.appendingPathComponent("peak").path
        var env = ProcessInfo.processInfo.environment
        for (k, v) in environment { env[k] = v }
        env["VCVIEW_PEAK_REPORT"] = reportPath
        let argv = ([CLI.binary] + args).map { strdup($0) } + [nil]
        let envp = env.map { strdup("\($0.key)=\($0.value)") } + [nil]
        defer { argv.forEach { free($0) }; envp.forEach { free($0) } }
        var pid: pid_t = 0
        let start = Date()
        let rc = posix_spawn(&pid, CLI.binary, &actions, nil, argv, envp)
        guard rc == 0 else { throw XCTSkip("cannot start \(CLI.binary): \(String(cString: strerror(rc)))") }
        var status: Int32 = 0
        var usage = rusage()
        while wait4(pid, &status, 0, &usage) < 0 && errno == EINTR {}
        let wall = Date().timeIntervalSince(start)
        let termSig = status & 0x7f
        func seconds(_ t: timeval) -> Double { Double(t.tv_sec) + Double(t.tv_usec) / 1e6 }
        // "peak_kb=N cpu_s=S"; a child killed by a signal writes none: then wait4's (an upper bound).
        let report = (try? String(contentsOfFile: reportPath, encoding: .utf8)) ?? ""
        let peakKB = report.split(separator: " ").first { $0.hasPrefix("peak_kb=") }.flatMap { Int($0.dropFirst(8)) } ?? Int(usage.ru_maxrss)
        return MeasuredRun(status: termSig == 0 ? (status >> 8) & 0xff : 128 + termSig, signal: termSig == 0 ? nil : termSig,
                           stdout: (try? String(contentsOfFile: outPath, encoding: .utf8)) ?? "",
                           stderr: (try? String(contentsOfFile: errPath, encoding: .utf8)) ?? "",
                           peakBytes: peakKB * 1024, cpuSeconds: seconds(usage.ru_utime) + seconds(usage.ru_stime),
                           wallSeconds: wall)
    }

    /// The child ended with exit status 1 and exactly one `vcview: error:` line containing `fragment`.
    func assertRefused(_ fragment: String, file: StaticString = #filePath, line: UInt = #line) {
        XCTAssertNil(signal, "ended by signal \(signal ?? 0): \(stderr.suffix(400))", file: file, line: line)
        XCTAssertEqual(status, 1, stderr, file: file, line: line)
        let lines = stderr.split(separator: "\n")
        XCTAssertEqual(lines.count, 1, "one line: \(stderr)", file: file, line: line)
        XCTAssertTrue(stderr.hasPrefix("vcview: error: "), stderr, file: file, line: line)
        XCTAssertTrue(stderr.contains(fragment), "\(stderr) should contain \(fragment)", file: file, line: line)
    }
}
