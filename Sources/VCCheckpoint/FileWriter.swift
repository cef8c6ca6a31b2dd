// Writing a whole file atomically, for exports (safetensors, .npy).
//
// The bytes go to a temporary file beside the target, which is then renamed over it, so a
// reader never sees a half-written export and a failed write leaves any previous file intact.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

enum FileWriter {
    static func save(_ chunks: [[UInt8]], to path: String) throws {
        let temp = path + ".tmp-\(getpid())"
        let fd = open(temp, O_WRONLY | O_CREAT | O_TRUNC | O_CLOEXEC, 0o644)
        guard fd >= 0 else {
            throw CheckpointError(.io, file: path, "cannot create: \(String(cString: strerror(errno)))")
        }
        var ok = true
        var reason = ""
        outer: for chunk in chunks {
            var done = 0
            while done < chunk.count {
                let n = chunk.withUnsafeBytes { write(fd, $0.baseAddress! + done, $0.count - done) }
                if n < 0 {
                    if errno == EINTR { continue }
                    ok = false
                    reason = String(cString: strerror(errno))
                    break outer
                }
                done += n
            }
        }
        if close(fd) != 0 && ok {
            ok = false
            reason = String(cString: strerror(errno))
        }
        if ok && rename(temp, path) != 0 {
            ok = false
            reason = String(cString: strerror(errno))
        }
        if !ok {
            unlink(temp)
            throw CheckpointError(.io, file: path, "cannot write: \(reason)")
        }
    }
}
