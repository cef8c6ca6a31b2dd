// Shared pieces of the fuzz targets (compiled into every fuzz binary, see ../build.sh).
//
// Each fuzz binary is built from one module's real sources plus these files, so the targets
// call internal entry points (ZipArchive, Pickle.load...) exactly as the module does. One binary
// serves several targets: the target is chosen by the name the binary is run under
// (`fuzz-zip`, `fuzz-pickle`, ... are links to it) or by $VCFUZZ_TARGET.
#if canImport(Glibc)
import Glibc
#endif

nonisolated(unsafe) var fuzzTarget = ""

/// Picks the target from $VCFUZZ_TARGET or argv[0] (`.../fuzz-<target>`).
func chooseTarget(_ argv0: UnsafeMutablePointer<CChar>?, known: [String]) {
    if let env = getenv("VCFUZZ_TARGET") {
        fuzzTarget = String(cString: env)
    } else if let argv0 {
        let path = String(cString: argv0)
        let base = path.split(separator: "/").last.map(String.init) ?? path
        fuzzTarget = base.hasPrefix("fuzz-") ? String(base.dropFirst(5)) : base
    }
    guard known.contains(fuzzTarget) else {
        eprint("fuzz: unknown target '\(fuzzTarget)'; run as fuzz-<target> or set VCFUZZ_TARGET to one of \(known)\n")
        exit(2)
    }
}

func eprint(_ text: String) {
    var text = text
    text.withUTF8 { _ = write(2, $0.baseAddress, $0.count) }
}

/// A finding that is not a crash by itself (an error message that breaks the one-line promise,
/// an error of the wrong type): abort so that libFuzzer records the input.
func finding(_ message: String) -> Never {
    eprint("fuzz finding [\(fuzzTarget)]: \(message)\n")
    abort()
}

/// Error descriptions are printed by the CLI as one line: no control characters at all.
func checkOneLine(_ text: String) {
    for s in text.unicodeScalars where s.value < 0x20 || s.value == 0x7f || s == "\u{2028}" || s == "\u{2029}" {
        finding("error message contains U+\(String(s.value, radix: 16)): \(text.debugDescription)")
    }
}

/// Runs `body` with a path that reads back exactly `data`: a pipe, so that the reader takes its
/// non-mmap path and holds the bytes in a heap block of exactly their size, where
/// AddressSanitizer sees any read past the end (a mapping would hide reads up to the page end).
func withPipePath<R>(_ data: UnsafeRawBufferPointer, _ body: (String) throws -> R) rethrows -> R {
    var fds: [Int32] = [-1, -1]
    guard pipe(&fds) == 0 else { finding("pipe() failed: \(errno)") }
    // F_SETPIPE_SZ (1031): room for the whole input, so writing cannot block before reading.
    _ = fcntl(fds[1], 1031, CInt(1 << 20))
    var done = 0
    while done < data.count {
        let n = write(fds[1], data.baseAddress! + done, data.count - done)
        if n < 0 {
            if errno == EINTR { continue }
            finding("writing the input to a pipe failed (errno \(errno)); use -max_len up to 1 MiB")
        }
        done += n
    }
    close(fds[1])
    defer { close(fds[0]) }
    return try body("/dev/fd/\(fds[0])")
}
