// One tensor of a loaded file: its element type and shape, and a lazy view of its bytes.
//
// A TensorData does not hold converted floats. It refers to the bytes where the file keeps the
// tensor (a range of the memory-mapped file, or a zip entry inflated on first use) plus the
// storage offset and strides of the view, all checked against the bytes present when the
// TensorData is made. `floats()` resolves offset and strides into a fresh contiguous row-major
// Float array, converting from the stored type in tight loops over raw memory.
#if canImport(Glibc)
import Glibc
#elseif canImport(Musl)
import Musl
#elseif canImport(Darwin)
import Darwin
#endif

public struct TensorData: Sendable {
    public let dtype: DType
    public let shape: [Int]
    /// Element strides of the stored view (row-major for contiguous data).
    let strides: [Int]
    /// Offset of element 0 in the storage, in elements of `dtype`.
    let offset: Int
    let storage: TensorStorage

    /// Number of elements (the product of `shape`; 1 for a scalar).
    public var count: Int { shape.reduce(1, *) }

    /// A tensor holding the given Float values in row-major order (for tests and for weights
    /// made in memory). Throws when the shape's product differs from `values.count`.
    public init(shape: [Int], values: [Float]) throws {
        guard shape.count <= Limits.maxRank, let n = checkedProduct(shape), n == values.count else {
            throw CheckpointError(.malformed, file: "<memory>",
                                  "shape \(shape) does not hold \(values.count) values")
        }
        let bytes = values.withUnsafeBytes { [UInt8]($0) }
        self.init(unchecked: .f32, shape: shape, strides: rowMajorStrides(shape), offset: 0,
                  storage: TensorStorage(owned: bytes))
    }

    private init(unchecked dtype: DType, shape: [Int], strides: [Int], offset: Int, storage: TensorStorage) {
        self.dtype = dtype
        self.shape = shape
        self.strides = strides
        self.offset = offset
        self.storage = storage
    }

    /// Makes a view after checking it against its storage: sizes, strides and offset must be
    /// non-negative, the element count within `Limits.maxTensorElements`, and every element the
    /// view can reach inside the storage's bytes. `fail` builds the error (it knows file and key).
    static func checked(dtype: DType, shape: [Int], strides: [Int], offset: Int, storage: TensorStorage,
                        fail: (CheckpointError.Kind, String) -> CheckpointError) throws -> TensorData {
        guard shape.count <= Limits.maxRank else {
            throw fail(.limitExceeded, "has \(shape.count) dimensions, limit is \(Limits.maxRank)")
        }
        guard strides.count == shape.count else {
            throw fail(.malformed, "has \(shape.count) sizes but \(strides.count) strides")
        }
        if let d = shape.first(where: { $0 < 0 }) {
            throw fail(.malformed, "has a negative size \(d) in shape \(shape)")
        }
        if let s = strides.first(where: { $0 < 0 }) {
            throw fail(.malformed, "has a negative stride \(s) in strides \(strides)")
        }
        guard offset >= 0 else {
            throw fail(.malformed, "has a negative storage offset \(offset)")
        }
        guard let count = checkedProduct(shape) else {
            throw fail(.limitExceeded, "shape \(shape) has more elements than fit in 64 bits")
        }
        guard count <= Limits.maxTensorElements else {
            throw fail(.limitExceeded, "declares \(count) elements (shape \(shape)), limit is \(Limits.maxTensorElements)")
        }
        let available = storage.byteCount / dtype.byteSize
        if count > 0 {
            // Highest element index the view reaches: offset + sum((size - 1) * stride).
            var last: Int? = offset
            for (size, stride) in zip(shape, strides) {
                last = last.flatMap { l in checkedMul(size - 1, stride).flatMap { checkedAdd(l, $0) } }
            }
            guard let maxIndex = last, maxIndex < available else {
                let reach = last.map { "element \($0)" } ?? "beyond 2^63"
                throw fail(.malformed, "the view (offset \(offset), shape \(shape), strides \(strides)) reaches \(reach) but the storage holds \(available) elements of \(dtype.rawValue)")
            }
        }
        return TensorData(unchecked: dtype, shape: shape, strides: strides, offset: offset, storage: storage)
    }

    /// The values as Float, contiguous in row-major order, with the storage offset and strides
    /// applied. Integer and bool types convert exactly where Float can represent the value;
    /// f64 and large integers round to the nearest Float. Throws if the storage bytes cannot be
    /// read (corrupt deflate data, CRC mismatch).
    public func floats() throws -> [Float] {
        let n = count
        if n == 0 { return [] }
        return try storage.withBytes { raw in
            let base = raw.baseAddress! + offset * dtype.byteSize
            return [Float](unsafeUninitializedCapacity: n) { out, initialized in
                let dst = out.baseAddress!
                switch dtype {
                case .f32:
                    if isContiguous {
                        memcpy(dst, base, n * 4)
                        #if _endian(big)
                        for i in 0..<n { dst[i] = Float(bitPattern: UInt32(littleEndian: dst[i].bitPattern)) }
                        #endif
                    } else {
                        gather(LoadF32.self, base, dst)
                    }
                case .f16: gather(LoadF16.self, base, dst)
                case .bf16: gather(LoadBF16.self, base, dst)
                case .f64: gather(LoadF64.self, base, dst)
                case .i64: gather(LoadI64.self, base, dst)
                case .i32: gather(LoadI32.self, base, dst)
                case .i16: gather(LoadI16.self, base, dst)
                case .i8: gather(LoadI8.self, base, dst)
                case .u8: gather(LoadU8.self, base, dst)
                case .bool: gather(LoadBool.self, base, dst)
                }
                initialized = n
            }
        }
    }

    /// True when the strides are row-major for the shape (size-1 dimensions may have any stride).
    var isContiguous: Bool {
        var expected = 1
        for d in stride(from: shape.count - 1, through: 0, by: -1) where shape[d] != 1 {
            if strides[d] != expected { return false }
            expected *= shape[d]
        }
        return true
    }

    /// Copies the view into `dst` (count elements, row-major). Contiguous views are one linear
    /// loop; others walk the last dimension with its stride and step the outer dimensions like an
    /// odometer. Indices were checked against the storage by `checked`.
    private func gather<L: ElementLoader>(_: L.Type, _ base: UnsafeRawPointer, _ dst: UnsafeMutablePointer<Float>) {
        let rank = shape.count
        if isContiguous || rank == 0 {
            for i in 0..<count { dst[i] = L.load(base, i) }
            return
        }
        let inner = shape[rank - 1]
        let innerStride = strides[rank - 1]
        var index = [Int](repeating: 0, count: rank)
        var rowStart = 0
        var out = dst
        while true {
            var e = rowStart
            for j in 0..<inner {
                out[j] = L.load(base, e)
                e += innerStride
            }
            out += inner
            var d = rank - 2
            while d >= 0 {
                index[d] += 1
                rowStart += strides[d]
                if index[d] < shape[d] { break }
                rowStart -= strides[d] * shape[d]
                index[d] = 0
                d -= 1
            }
            if d < 0 { return }
        }
    }
}

/// Row-major strides for a shape (overflow is impossible for shapes that passed the limits).
func rowMajorStrides(_ shape: [Int]) -> [Int] {
    var strides = [Int](repeating: 1, count: shape.count)
    var s = 1
    for d in stride(from: shape.count - 1, through: 0, by: -1) {
        strides[d] = s
        s &*= shape[d]
    }
    return strides
}

// Element loaders: read element `i` (little-endian) from `p` as Float.
protocol ElementLoader {
    static func load(_ p: UnsafeRawPointer, _ i: Int) -> Float
}

enum LoadF32: ElementLoader {
    @inline(__always) static func load(_ p: UnsafeRawPointer, _ i: Int) -> Float {
        Float(bitPattern: UInt32(littleEndian: p.loadUnaligned(fromByteOffset: i &* 4, as: UInt32.self)))
    }
}

enum LoadF16: ElementLoader {
    @inline(__always) static func load(_ p: UnsafeRawPointer, _ i: Int) -> Float {
        halfToFloat(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)))
    }
}

enum LoadBF16: ElementLoader {
    @inline(__always) static func load(_ p: UnsafeRawPointer, _ i: Int) -> Float {
        bfloat16ToFloat(UInt16(littleEndian: p.loadUnaligned(fromByteOffset: i &* 2, as: UInt16.self)))
    }
}

enum LoadF64: ElementLoader {
    @inline(__always) static func load(_ p: UnsafeRawPointer, _ i: Int) -> Float {
        Float(Double(bitPattern: UInt64(littleEndian: p.loadUnaligned(fromByteOffset: i &* 8, as: UInt64.self))))
    }
}

enum LoadI64: ElementLoader {
    @inline(__always) static func load(_ p: UnsafeRawPointer, _ i: Int) -> Float {
        Float(Int64(littleEndian: p.loadUnaligned(fromByteOffset: i &* 8, as: Int64.self)))
    }
}

enum LoadI32: ElementLoader {
    @inline(__always) static func load(_ p: UnsafeRawPointer, _ i: Int) -> Float {
        Float(Int32(littleEndian: p.loadUnaligned(fromByteOffset: i &* 4, as: Int32.self)))
    }
}

enum LoadI16: ElementLoader {
    @inline(__always) static func load(_ p: UnsafeRawPointer, _ i: Int) -> Float {
        Float(Int16(littleEndian: p.loadUnaligned(fromByteOffset: i &* 2, as: Int16.self)))
    }
}

enum LoadI8: ElementLoader {
    @inline(__always) static func load(_ p: UnsafeRawPointer, _ i: Int) -> Float {
        Float(p.load(fromByteOffset: i, as: Int8.self))
    }
}

enum LoadU8: ElementLoader {
    @inline(__always) static func load(_ p: UnsafeRawPointer, _ i: Int) -> Float {
        Float(p.load(fromByteOffset: i, as: UInt8.self))
    }
}

/// Bools are one byte; any non-zero byte reads as 1 (PyTorch writes 0 or 1).
enum LoadBool: ElementLoader {
    @inline(__always) static func load(_ p: UnsafeRawPointer, _ i: Int) -> Float {
        p.load(fromByteOffset: i, as: UInt8.self) != 0 ? 1 : 0
    }
}
