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
    /// True when `base` is an mmap region, false when it is a malloc'd copy (pipes).
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
        // Devices and sockets never end (/dev/zero, /dev/urandom) or are not files at all: refused
        // before a byte is read.
        if type != S_IFREG && type != S_IFIFO {
            let kind = type == S_IFCHR ? "a character device" : type == S_IFBLK ? "a block device" : type == S_IFSOCK ? "a socket" : "not a regular file"
            throw CheckpointError(.io, file: path, "is \(kind), expected a checkpoint file (or a pipe)")
        }
        // A pipe (/dev/stdin) or an empty file: read it into one growing buffer (no second copy),
        // refusing at the first bytes a stream that does not start like a known format, so an
        // endless stream of junk costs one read.
        var buffer: UnsafeMutableRawPointer? = nil
        var capacity = 0, used = 0
        var checked = false
        do {
            while true {
                if capacity - used < 1 << 16 {
                    capacity = max(1 << 17, capacity * 2)
                    guard let grown = realloc(buffer, capacity) else {
                        throw CheckpointError(.io, file: path, "cannot allocate \(capacity) bytes to read the stream")
                    }
                    buffer = grown
                }
                let n = read(fd, buffer! + used, capacity - used)
                if n < 0 {
                    if errno == EINTR { continue }
                    throw CheckpointError(.io, file: path, "cannot read: \(String(cString: strerror(errno)))")
                }
                if n == 0 { break }
                used += n
                if used > Limits.maxInflatedEntryBytes {
                    throw CheckpointError(.limitExceeded, file: path, "stream is longer than \(Limits.maxInflatedEntryBytes) bytes")
                }
                if !checked && used >= 16 {
                    checked = true
                    if case .unknown(let head) = CheckpointLoader.sniff(UnsafeRawBufferPointer(start: buffer, count: used)) {
                        throw CheckpointError(.unrecognizedFormat, file: path, "is a stream that does not start like a checkpoint (starts with \(head)); not read further")
                    }
                }
            }
        } catch {
            free(buffer)
            throw error
        }
        count = used
        mapped = false
        if used == 0 { free(buffer); buffer = nil }
        base = buffer.map { UnsafeRawPointer($0) }
    }

    deinit {
        guard let base else { return }
        if mapped {
            munmap(UnsafeMutableRawPointer(mutating: base), count)
        } else {
            free(UnsafeMutableRawPointer(mutating: base))
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
