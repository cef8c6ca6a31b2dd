// numpy .npy arrays: reading numeric arrays as Float, writing float32 arrays.
//
// Format: `\x93NUMPY`, a version byte pair, a header length (2 bytes in version 1.0, 4 bytes in
// 2.0 and 3.0), then a Python dict literal such as
// `{'descr': '<f4', 'fortran_order': False, 'shape': (2, 3), }` padded with spaces to a
// multiple of 64 bytes and ended by a newline, then the raw data. The header is parsed as a
// literal by a tiny tokenizer (never evaluated), and the data size it implies must equal the
// bytes that follow.

public enum Npy {
    static let magic: [UInt8] = [0x93] + Array("NUMPY".utf8)

    /// Reads an array of float, signed/unsigned integer or bool elements as Float values in
    /// row-major order. Big-endian arrays and Fortran-ordered arrays of more than one
    /// dimension are refused.
    public static func read(path: String) throws -> (shape: [Int], values: [Float]) {
        let file = try FileBytes(path: path)
        func fail(_ kind: CheckpointError.Kind, _ message: String) -> CheckpointError {
            CheckpointError(kind, file: path, at: "npy header", message)
        }
        let n = file.count
        let (headerStart, headerLen, major): (Int, Int, Int) = try file.withBytes { b in
            guard n >= 10, Array(b.slice(0, 6)) == magic else {
                throw fail(.unrecognizedFormat, "does not start with the .npy magic \\x93NUMPY")
            }
            let major = Int(b.u8(6)), minor = Int(b.u8(7))
            switch major {
            case 1:
                return (10, Int(b.le16(8)), 1)
            case 2, 3:
                guard n >= 12 else { throw fail(.malformed, "file ends inside the header length") }
                return (12, Int(b.le32(8)), major)
            default:
                throw fail(.unsupported, "format version \(major).\(minor) (known: 1.0, 2.0, 3.0)")
            }
        }
        guard headerLen <= Limits.maxNpyHeader else {
            throw fail(.limitExceeded, "header declares \(headerLen) bytes, limit is \(Limits.maxNpyHeader)")
        }
        guard headerLen <= n - headerStart else {
            throw fail(.malformed, "header declares \(headerLen) bytes but only \(n - headerStart) follow")
        }
        let text: String = file.withBytes { b in
            let h = b.slice(headerStart, headerLen)
            if major == 3 { return String(decoding: h, as: UTF8.self) }
            return String(String.UnicodeScalarView(h.map { Unicode.Scalar($0) }))  // Latin-1
        }
        let literal: PyLiteral
        do {
            literal = try PyLiteralParser.parse(text)
        } catch let e as PyLiteralParser.Failure {
            throw fail(.malformed, "header is not a Python dict literal (\(e.message) at character \(e.offset))")
        }
        guard case .dict(let items) = literal else { throw fail(.malformed, "header is not a dict") }
        func item(_ key: String) -> PyLiteral? { items.first { $0.0 == .string(key) }?.1 }

        guard let descrValue = item("descr") else { throw fail(.malformed, "header has no 'descr'") }
        guard case .string(let descr) = descrValue else {
            throw fail(.unsupported, "structured dtypes (descr is not a string) are not supported")
        }
        guard case .bool(let fortran)? = item("fortran_order") else {
            throw fail(.malformed, "header has no boolean 'fortran_order'")
        }
        guard case .tuple(let dims)? = item("shape"), dims.count <= Limits.maxRank else {
            throw fail(.malformed, "header has no 'shape' tuple of at most \(Limits.maxRank) dimensions")
        }
        var shape: [Int] = []
        for d in dims {
            guard case .int(let v) = d, v >= 0 else { throw fail(.malformed, "shape has a non-integer or negative dimension") }
            shape.append(v)
        }
        let dtype = try dtypeFor(descr, fail: fail)
        if fortran && shape.filter({ $0 != 1 }).count > 1 {
            throw fail(.unsupported, "fortran_order arrays are not supported; save with np.ascontiguousarray")
        }
        guard let count = checkedProduct(shape), count <= Limits.maxTensorElements else {
            throw fail(.limitExceeded, "shape \(shape) has more than \(Limits.maxTensorElements) elements")
        }
        let dataStart = headerStart + headerLen
        let bytes = count * dtype.byteSize
        guard n - dataStart == bytes else {
            throw CheckpointError(.malformed, file: path, at: "npy data",
                                  "shape \(shape) of \(descr) needs \(bytes) bytes but \(n - dataStart) follow the header")
        }
        let tensor = try TensorData.checked(dtype: dtype, shape: shape, strides: rowMajorStrides(shape), offset: 0,
                                            storage: TensorStorage(file: file, offset: dataStart, byteCount: bytes)) {
            CheckpointError($0, file: path, at: "npy data", $1)
        }
        return (shape, try tensor.floats())
    }

    static func dtypeFor(_ descr: String, fail: (CheckpointError.Kind, String) -> CheckpointError) throws -> DType {
        guard let order = descr.first, "<|=>".contains(order) else {
            throw fail(.unsupported, "descr \(quoted(descr, limit: 20)) has no byte-order mark")
        }
        let code = String(descr.dropFirst())
        let types: [String: DType] = [
            "f2": .f16, "f4": .f32, "f8": .f64, "i1": .i8, "i2": .i16, "i4": .i32, "i8": .i64,
            "u1": .u8, "b1": .bool,
        ]
        guard let t = types[code] else {
            throw fail(.unsupported, "dtype \(quoted(descr, limit: 20)) is not supported (read: f2 f4 f8 i1 i2 i4 i8 u1 b1)")
        }
        if order == ">" && t.byteSize > 1 {
            throw fail(.unsupported, "big-endian dtype \(quoted(descr, limit: 20)) is not supported")
        }
        return t
    }

    /// Writes a float32 C-order array (format 1.0, or 2.0 if the header would exceed 64 KiB).
    public static func write(path: String, shape: [Int], values: [Float]) throws {
        guard shape.count <= Limits.maxRank, let count = checkedProduct(shape), count == values.count else {
            throw CheckpointError(.malformed, file: path, "shape \(shape) does not hold \(values.count) values")
        }
        let shapeText = shape.count == 1 ? "(\(shape[0]),)" : "(" + shape.map(String.init).joined(separator: ", ") + ")"
        let dict = "{'descr': '<f4', 'fortran_order': False, 'shape': \(shapeText), }"
        // Pad with spaces so the data starts at a multiple of 64 bytes; end with a newline.
        // Version 1.0 stores the header length in 16 bits; longer headers need 2.0.
        func paddedLength(prefix: Int) -> Int {
            (prefix + dict.utf8.count + 1 + 63) / 64 * 64 - prefix
        }
        var version: UInt8 = 1
        var headerLen = paddedLength(prefix: 10)
        if headerLen > 0xffff {
            version = 2
            headerLen = paddedLength(prefix: 12)
        }
        var header = magic + [version, 0]
        if version == 1 {
            withUnsafeBytes(of: UInt16(headerLen).littleEndian) { header.append(contentsOf: $0) }
        } else {
            withUnsafeBytes(of: UInt32(headerLen).littleEndian) { header.append(contentsOf: $0) }
        }
        header.append(contentsOf: Array(dict.utf8))
        header.append(contentsOf: [UInt8](repeating: 0x20, count: headerLen - dict.utf8.count - 1))
        header.append(0x0a)
        var data = [UInt8](repeating: 0, count: values.count * 4)
        data.withUnsafeMutableBytes { raw in
            values.withUnsafeBufferPointer { v in
                for i in 0..<v.count {
                    raw.storeBytes(of: v[i].bitPattern.littleEndian, toByteOffset: 4 * i, as: UInt32.self)
                }
            }
        }
        try FileWriter.save([header, data], to: path)
    }
}

/// The Python literals an .npy header uses.
indirect enum PyLiteral: Equatable {
    case string(String)
    case int(Int)
    case bool(Bool)
    case none
    case tuple([PyLiteral])
    case list([PyLiteral])
    case dict([(PyLiteral, PyLiteral)])

    static func == (a: PyLiteral, b: PyLiteral) -> Bool {
        switch (a, b) {
        case (.string(let x), .string(let y)): return x == y
        case (.int(let x), .int(let y)): return x == y
        case (.bool(let x), .bool(let y)): return x == y
        case (.none, .none): return true
        case (.tuple(let x), .tuple(let y)), (.list(let x), .list(let y)): return x == y
        default: return false
        }
    }
}

/// Parses a Python literal of strings, ints, booleans, None, tuples, lists and dicts.
/// Nothing is evaluated; nesting is bounded.
struct PyLiteralParser {
    struct Failure: Error {
        let offset: Int
        let message: String
    }

    private let chars: [Unicode.Scalar]
    private var pos = 0

    static func parse(_ text: String) throws -> PyLiteral {
        var p = PyLiteralParser(chars: Array(text.unicodeScalars))
        let v = try p.value(depth: 0)
        p.skipSpace()
        guard p.pos == p.chars.count else { throw p.fail("unexpected text after the literal") }
        return v
    }

    private init(chars: [Unicode.Scalar]) {
        self.chars = chars
    }

    private func fail(_ m: String) -> Failure { Failure(offset: pos, message: m) }

    private mutating func skipSpace() {
        while pos < chars.count, chars[pos] == " " || chars[pos] == "\n" || chars[pos] == "\t" || chars[pos] == "\r" {
            pos += 1
        }
    }

    private mutating func value(depth: Int) throws -> PyLiteral {
        guard depth < 16 else { throw fail("nesting too deep") }
        skipSpace()
        guard pos < chars.count else { throw fail("unexpected end") }
        let c = chars[pos]
        switch c {
        case "{":
            pos += 1
            var items: [(PyLiteral, PyLiteral)] = []
            while true {
                skipSpace()
                if pos < chars.count, chars[pos] == "}" { pos += 1; return .dict(items) }
                let k = try value(depth: depth + 1)
                skipSpace()
                guard pos < chars.count, chars[pos] == ":" else { throw fail("expected ':'") }
                pos += 1
                let v = try value(depth: depth + 1)
                items.append((k, v))
                skipSpace()
                if pos < chars.count, chars[pos] == "," { pos += 1; continue }
                if pos < chars.count, chars[pos] == "}" { pos += 1; return .dict(items) }
                throw fail("expected ',' or '}'")
            }
        case "(", "[":
            let close: Unicode.Scalar = c == "(" ? ")" : "]"
            pos += 1
            var items: [PyLiteral] = []
            var sawComma = false
            while true {
                skipSpace()
                if pos < chars.count, chars[pos] == close {
                    pos += 1
                    // `(x)` is just x in Python; `(x,)` and `()` are tuples.
                    if c == "(" && items.count == 1 && !sawComma { return items[0] }
                    return c == "(" ? .tuple(items) : .list(items)
                }
                items.append(try value(depth: depth + 1))
                skipSpace()
                if pos < chars.count, chars[pos] == "," { pos += 1; sawComma = true; continue }
                guard pos < chars.count, chars[pos] == close else { throw fail("expected ',' or '\(close)'") }
            }
        case "'", "\"":
            pos += 1
            var s = String.UnicodeScalarView()
            while true {
                guard pos < chars.count else { throw fail("unterminated string") }
                let ch = chars[pos]
                pos += 1
                if ch == c { return .string(String(s)) }
                if ch == "\\" {
                    guard pos < chars.count else { throw fail("unterminated escape") }
                    let e = chars[pos]
                    pos += 1
                    switch e {
                    case "n": s.append("\n")
                    case "t": s.append("\t")
                    case "\\", "'", "\"": s.append(e)
                    default: throw fail("unsupported escape")
                    }
                } else {
                    s.append(ch)
                }
            }
        default:
            let start = pos
            while pos < chars.count, chars[pos].properties.isAlphabetic || ("0"..."9").contains(chars[pos]) || chars[pos] == "-" || chars[pos] == "_" {
                pos += 1
            }
            var word = String(String.UnicodeScalarView(chars[start..<pos]))
            switch word {
            case "True": return .bool(true)
            case "False": return .bool(false)
            case "None": return .none
            default:
                if word.hasSuffix("L") { word.removeLast() }  // Python 2 longs in old headers
                guard let i = Int(word) else { throw Failure(offset: start, message: "unexpected \(quoted(word, limit: 20))") }
                return .int(i)
            }
        }
    }
}
