// Swift side of the C raw-inflate and CRC-32 (Sources/CCodecs/inflate.c).
//
// The caller states the exact size the data must inflate to (a zip entry's declared size, already
// checked against the limits), so the output buffer is allocated once and zlib can never write
// past it: a stream that would produce more is reported as `tooLong`, not followed.
import CCodecs

enum Inflate {
    enum Failure: Error, Equatable {
        /// The stream produces more than the declared size.
        case tooLong
        /// The stream ended early: `produced` bytes instead of the declared size.
        case tooShort(produced: Int)
        /// The compressed bytes end before the stream's final block.
        case truncated(produced: Int)
        /// zlib rejected the data; the text is zlib's reason.
        case corrupt(String)
        case outOfMemory
    }

    /// Inflates raw deflate data to exactly `size` bytes.
    static func raw(_ src: UnsafeRawBufferPointer, size: Int) throws(Failure) -> [UInt8] {
        var outLen = 0
        var inUsed = 0
        var msg = [CChar](repeating: 0, count: 128)
        var status: Int32 = 0
        // The output starts uninitialised; only the bytes zlib wrote are kept.
        let out = [UInt8](unsafeUninitializedCapacity: size) { buf, initialized in
            status = msg.withUnsafeMutableBufferPointer { m in
                ccodecs_inflate_raw(src.baseAddress?.assumingMemoryBound(to: UInt8.self), src.count,
                                    buf.baseAddress, size, &outLen, &inUsed, m.baseAddress, m.count)
            }
            initialized = min(outLen, size)
        }
        switch status {
        case Int32(CCODECS_INFLATE_OK.rawValue):
            if outLen != size { throw .tooShort(produced: outLen) }
            return out
        case Int32(CCODECS_INFLATE_OVERFLOW.rawValue):
            throw .tooLong
        case Int32(CCODECS_INFLATE_TRUNCATED.rawValue):
            throw .truncated(produced: outLen)
        case Int32(CCODECS_INFLATE_MEM_ERROR.rawValue):
            throw .outOfMemory
        default:
            let text = msg.withUnsafeBufferPointer { p in
                String(decoding: p.prefix(while: { $0 != 0 }).map { UInt8(bitPattern: $0) }, as: UTF8.self)
            }
            throw .corrupt(text.isEmpty ? "invalid deflate data" : text)
        }
    }

    /// CRC-32 of the bytes (zip's checksum).
    static func crc32(_ bytes: UnsafeRawBufferPointer) -> UInt32 {
        ccodecs_crc32(0, bytes.baseAddress?.assumingMemoryBound(to: UInt8.self), bytes.count)
    }
}
