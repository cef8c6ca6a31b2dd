import Foundation

/// `VCVIEW_PEAK_REPORT=FILE`: at exit, write this process's peak resident memory (VmHWM of
/// /proc/self/status, kB) and CPU seconds to FILE, one line "peak_kb=… cpu_s=…".
///
/// Tests read it to check the memory bounds of loading and export. A parent cannot measure this
/// itself: a child started by posix_spawn (vfork) inherits the parent's peak in getrusage's
/// ru_maxrss, so a test bundle that has grown to 400 MB would see every child at 400 MB. The
/// child's own VmHWM (`peakResidentMB`, as `bench` reports it) starts afresh at exec.
enum PeakReport {
    nonisolated(unsafe) static var path: String?

    static func installIfAsked() {
        guard let p = ProcessInfo.processInfo.environment["VCVIEW_PEAK_REPORT"], !p.isEmpty else { return }
        path = p
        atexit { PeakReport.write() }
    }

    static func write() {
        guard let path else { return }
        let hwm = Int((peakResidentMB() * 1024).rounded())
        var u = rusage()
        getrusage(RUSAGE_SELF.rawValue, &u)
        let cpu = Double(u.ru_utime.tv_sec + u.ru_stime.tv_sec) + Double(u.ru_utime.tv_usec + u.ru_stime.tv_usec) / 1e6
        try? "peak_kb=\(hwm) cpu_s=\(cpu)\n".write(toFile: path, atomically: false, encoding: .utf8)
    }
}
