// The bytes behind one or more tensors, read on first use.
//
// PyTorch tensors are views of storages, and several tensors may share one (tied weights, a
// slice and its base). All views of a storage share one TensorStorage, so a deflated storage is
// inflated once and a stored one has its CRC checked once, however many tensors use it, and only
// if some tensor's values are actually requested. Safe to use from several threads: the first
// reader resolves the bytes under a lock, later readers reuse them.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

final class TensorStorage: @unchecked Sendable {
    private enum Source {
        /// A range of a file, used as is (safetensors, .npy).
        case file(FileBytes, offset: Int)
        /// A zip entry: CRC-checked (stored) or inflated (deflated) on first use.
        case zip(ZipArchive, ZipEntry)
        case owned([UInt8])
    }

    /// Size in bytes, known before the bytes are read (the declared size, already validated).
    let byteCount: Int
    private let source: Source
    /// Filled on first successful read; guarded by `mutex`.
    private var resolved: ZipEntryData?
    private let mutex: UnsafeMutablePointer<pthread_mutex_t>

    private init(source: Source, byteCount: Int) {
        self.source = source
        self.byteCount = byteCount
        mutex = .allocate(capacity: 1)
        pthread_mutex_init(mutex, nil)
    }

    /// Bytes `offset ..< offset + byteCount` of `file`; the caller has checked the range.
    convenience init(file: FileBytes, offset: Int, byteCount: Int) {
        self.init(source: .file(file, offset: offset), byteCount: byteCount)
    }

    convenience init(zip: ZipArchive, entry: ZipEntry) {
        self.init(source: .zip(zip, entry), byteCount: entry.size)
    }

    convenience init(owned bytes: [UInt8]) {
        self.init(source: .owned(bytes), byteCount: bytes.count)
    }

    deinit {
        pthread_mutex_destroy(mutex)
        mutex.deallocate()
    }

    /// Runs `body` on exactly `byteCount` bytes.
    func withBytes<R>(_ body: (UnsafeRawBufferPointer) throws -> R) throws -> R {
        switch source {
        case .owned(let bytes):
            return try bytes.withUnsafeBytes(body)
        case .file(let file, let offset):
            return try file.withBytes { try body($0.slice(offset, byteCount)) }
        case .zip(let archive, let entry):
            let data = try resolve(archive, entry)
            switch data {
            case .mapped(let offset, let count):
                return try archive.file.withBytes { try body($0.slice(offset, count)) }
            case .inflated(let bytes):
                return try bytes.withUnsafeBytes(body)
            }
        }
    }

    private func resolve(_ archive: ZipArchive, _ entry: ZipEntry) throws -> ZipEntryData {
        pthread_mutex_lock(mutex)
        defer { pthread_mutex_unlock(mutex) }
        if let resolved { return resolved }
        let data = try archive.data(of: entry)
        resolved = data
        return data
    }
}
