// Read-only bytes of a whole file, memory-mapped.
//
// A checkpoint is read once: the zip directory, the pickle and the storages are all views into
// one mapping, and the storages of stored (uncompressed) entries are converted straight from it
// without a copy. Mapping instead of reading also means tensors that are never asked for are
// never paged in. (Truncating a file while it is mapped makes later reads fault; vcview does not
// defend against files changed underneath it, only against hostile contents.)
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

final class FileBytes: @unchecked Sendable {
    /// Start of the bytes; nil only when `count` is 0.
    private let base: UnsafeRawPointer?
    let count: Int
    /// True when `base` is an mmap region, false when it is a heap copy (pipes, empty files).
    private let mapped: Bool
    /// The name used in error messages (the path as the caller gave it).
    let name: String

    /// Maps `path`. Errors name the path and the system's reason.
    init(path: String) throws {
        name = path
        let fd = open(path, O_RDONLY | O_CLOEXEC)
        if fd < 0 {
            throw CheckpointError(.io, file: path, "cannot open: \(String(cString: strerror(errno)))")
        }
        defer { close(fd) }
        var st = stat()
        if fstat(fd, &st) != 0 {
            throw CheckpointError(.io, file: path, "cannot stat: \(String(cString: strerror(errno)))")
        }
        let type = st.st_mode & S_IFMT
        if type == S_IFDIR {
            throw CheckpointError(.io, file: path, "is a directory, expected a file")
        }
        if type == S_IFREG && st.st_size > 0 {
            let size = Int(st.st_size)
            guard let p = mmap(nil, size, PROT_READ, MAP_PRIVATE, fd, 0), p != MAP_FAILED else {
                throw CheckpointError(.io, file: path, "cannot map \(size) bytes: \(String(cString: strerror(errno)))")
            }
            base = UnsafeRawPointer(p)
            count = size
            mapped = true
            return
        }
        // Not a regular file (a pipe, /dev/stdin) or empty: read it, with a bound.
        var bytes: [UInt8] = []
        var chunk = [UInt8](repeating: 0, count: 1 << 16)
        while true {
            let n = chunk.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n < 0 {
                if errno == EINTR { continue }
                throw CheckpointError(.io, file: path, "cannot read: \(String(cString: strerror(errno)))")
            }
            if n == 0 { break }
            if bytes.count + n > Limits.maxInflatedEntryBytes {
                throw CheckpointError(.limitExceeded, file: path,
                                      "stream is longer than \(Limits.maxInflatedEntryBytes) bytes")
            }
            bytes.append(contentsOf: chunk[0..<n])
        }
        count = bytes.count
        mapped = false
        if bytes.isEmpty {
            base = nil
        } else {
            let p = UnsafeMutableRawPointer.allocate(byteCount: bytes.count, alignment: 64)
            bytes.withUnsafeBytes { p.copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            base = UnsafeRawPointer(p)
        }
    }

    deinit {
        guard let base else { return }
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            base.deallocate()
        }
    }

    /// Runs `body` on the bytes; the mapping stays valid for the duration of the call.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) rethrows -> R {
        try withExtendedLifetime(self) {
            try body(UnsafeRawBufferPointer(start: base, count: count))
        }
    }
}

// Little-endian loads at byte offsets. Callers check the range first with `contains(_:_:)`:
// the module is built with -Ounchecked, so nothing else would catch an out-of-range offset.
extension UnsafeRawBufferPointer {
    /// True when `length` bytes starting at `offset` lie inside the buffer (overflow-safe).
    @inline(__always) func contains(_ offset: Int, _ length: Int) -> Bool {
        offset >= 0 && length >= 0 && offset <= count && length <= count - offset
    }

    @inline(__always) func u8(_ o: Int) -> UInt8 {
        load(fromByteOffset: o, as: UInt8.self)
    }

    @inline(__always) func le16(_ o: Int) -> UInt16 {
        UInt16(littleEndian: loadUnaligned(fromByteOffset: o, as: UInt16.self))
    }

    @inline(__always) func le32(_ o: Int) -> UInt32 {
        UInt32(littleEndian: loadUnaligned(fromByteOffset: o, as: UInt32.self))
    }

    @inline(__always) func le64(_ o: Int) -> UInt64 {
        UInt64(littleEndian: loadUnaligned(fromByteOffset: o, as: UInt64.self))
    }

    /// A sub-range as a buffer; the caller has checked `contains(offset, length)`.
    @inline(__always) func slice(_ offset: Int, _ length: Int) -> UnsafeRawBufferPointer {
        UnsafeRawBufferPointer(start: baseAddress.map { $0 + offset }, count: length)
    }
}

/// A declared unsigned 64-bit size as an Int, or nil when it does not fit.
@inline(__always) func intSize(_ v: UInt64) -> Int? {
    v <= UInt64(Int.max) ? Int(v) : nil
}
