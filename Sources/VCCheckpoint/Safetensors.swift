// safetensors: reading any file of the supported dtypes, and writing F32/F16 files.
//
// Format: an 8-byte little-endian header length N, N bytes of JSON, then the data buffer. The
// JSON maps each tensor name to {"dtype", "shape", "data_offsets": [begin, end]} with offsets
// relative to the data buffer, plus an optional "__metadata__" map of strings.
//
// Checks on reading, all before any tensor is touched: the header length against the limit
// (100 MB, as the reference implementation) and the file size; JSON well-formed and shallow;
// each tensor's dtype known, shape non-negative, byte length equal to shape x element size,
// offsets inside the buffer; no two tensors sharing bytes; no name twice. Offsets need no
// alignment here because elements are read with unaligned loads; gaps between tensors are
// tolerated (the reference writer never leaves any, but they are harmless).

public enum Safetensors {
    static let dtypeNames: [String: DType] = [
        "F32": .f32, "F16": .f16, "BF16": .bf16, "F64": .f64, "I64": .i64, "I32": .i32,
        "I16": .i16, "I8": .i8, "U8": .u8, "BOOL": .bool,
    ]

    static func load(file: FileBytes) throws -> LoadedCheckpoint {
        let path = file.name
        func fail(_ kind: CheckpointError.Kind, _ at: String, _ message: String) -> CheckpointError {
            CheckpointError(kind, file: path, at: at, message)
        }
        let n = file.count
        guard n >= 8 else { throw fail(.malformed, "header", "file is \(n) bytes, too short for the 8-byte header length") }
        let declared = file.withBytes { $0.le64(0) }
        guard declared <= UInt64(Limits.maxSafetensorsHeader) else {
            throw fail(.limitExceeded, "header", "declares a \(declared)-byte JSON header, limit is \(Limits.maxSafetensorsHeader)")
        }
        let headerLen = Int(declared)
        guard headerLen <= n - 8 else {
            throw fail(.malformed, "header", "declares a \(headerLen)-byte JSON header but the file has only \(n - 8) bytes after the length")
        }
        let parsed = file.withBytes { b in
            Result { () throws(JSONError) in try JSONParser.parse(b.slice(8, headerLen)) }
        }
        let json: JSON
        switch parsed {
        case .success(let j): json = j
        case .failure(let e): throw fail(.malformed, "header offset \(8 + e.offset)", "invalid JSON: \(e.message)")
        }
        guard case .object(let members) = json else {
            throw fail(.malformed, "header", "JSON header is not an object")
        }
        let dataStart = 8 + headerLen
        let dataLen = n - dataStart

        struct Entry {
            let name: String
            let dtype: DType
            let shape: [Int]
            let begin: Int
            let end: Int
        }
        var entries: [Entry] = []
        var metadata: [(String, String)] = []
        var rawMetadata: [String: String] = [:]
        var seen = Set<String>()
        var sawMetadata = false
        for (name, value) in members {
            if name == "__metadata__" {
                guard !sawMetadata else { throw fail(.malformed, "header", "__metadata__ appears twice") }
                sawMetadata = true
                guard case .object(let pairs) = value else { throw fail(.malformed, "header", "__metadata__ is not an object") }
                for (k, v) in pairs {
                    guard case .string(let s) = v else {
                        throw fail(.malformed, "header", "__metadata__ value for \(quoted(k)) is not a string")
                    }
                    metadata.append((escaped(k, limit: 200), quoted(s, limit: 200)))
                    rawMetadata[k] = s
                }
                continue
            }
            let at = "tensor \(quoted(name))"
            guard seen.insert(name).inserted else { throw fail(.malformed, at, "appears twice in the header") }
            guard case .object(let fields) = value else { throw fail(.malformed, at, "header entry is not an object") }
            func field(_ key: String) -> JSON? { fields.first { $0.0 == key }?.1 }
            guard case .string(let dtypeName)? = field("dtype") else { throw fail(.malformed, at, "has no dtype string") }
            guard let dtype = dtypeNames[dtypeName] else {
                throw fail(.unsupported, at, "dtype \(quoted(dtypeName, limit: 20)) is not supported (vcview reads \(dtypeNames.keys.sorted().joined(separator: ", ")))")
            }
            guard case .array(let dims)? = field("shape"), dims.count <= Limits.maxRank else {
                throw fail(.malformed, at, "shape is not an array of at most \(Limits.maxRank) integers")
            }
            var shape: [Int] = []
            for d in dims {
                guard let v = d.int, v >= 0 else { throw fail(.malformed, at, "shape has an entry that is not a non-negative integer") }
                shape.append(v)
            }
            guard case .array(let offs)? = field("data_offsets"), offs.count == 2,
                  let begin = offs[0].int, let end = offs[1].int else {
                throw fail(.malformed, at, "data_offsets is not a pair of integers")
            }
            guard let count = checkedProduct(shape), count <= Limits.maxTensorElements else {
                throw fail(.limitExceeded, at, "shape \(shape) has more than \(Limits.maxTensorElements) elements")
            }
            guard begin >= 0, begin <= end, end <= dataLen else {
                throw fail(.malformed, at, "data_offsets [\(begin), \(end)] are outside the \(dataLen)-byte data buffer")
            }
            let bytes = count * dtype.byteSize
            guard end - begin == bytes else {
                throw fail(.malformed, at, "shape \(shape) of \(dtypeName) needs \(bytes) bytes but data_offsets [\(begin), \(end)] span \(end - begin)")
            }
            entries.append(Entry(name: name, dtype: dtype, shape: shape, begin: begin, end: end))
        }

        // No two tensors may share bytes (empty tensors occupy none).
        let sorted = entries.filter { $0.end > $0.begin }.sorted { $0.begin < $1.begin }
        if sorted.count > 1 {
            for i in 1..<sorted.count where sorted[i].begin < sorted[i - 1].end {
                throw fail(.malformed, "tensor \(quoted(sorted[i].name))",
                           "data_offsets [\(sorted[i].begin), \(sorted[i].end)] overlap tensor \(quoted(sorted[i - 1].name)) at [\(sorted[i - 1].begin), \(sorted[i - 1].end)]")
            }
        }

        var tensors: [(String, TensorData)] = []
        tensors.reserveCapacity(entries.count)
        for e in entries {
            let storage = TensorStorage(file: file, offset: dataStart + e.begin, byteCount: e.end - e.begin)
            let t = try TensorData.checked(dtype: e.dtype, shape: e.shape, strides: rowMajorStrides(e.shape),
                                           offset: 0, storage: storage) { kind, message in
                fail(kind, "tensor \(quoted(e.name))", message)
            }
            tensors.append((e.name, t))
        }
        var info = CheckpointInfo(path: path, format: "safetensors", topLevelKeys: members.map(\.0),
                                  entryUsed: nil, epoch: nil, args: metadata, hasEMA: false)
        info.metadata = rawMetadata
        return LoadedCheckpoint(stateDict: StateDict(tensors), info: info)
    }

    /// Writes tensors (name, shape, row-major values) as a safetensors file, in the given order,
    /// as F32 or F16 (rounded to nearest even). `metadata` goes to `__metadata__`.
    /// The header is padded with spaces to a multiple of 8 bytes, as the reference writer does,
    /// so that every tensor starts 8-byte aligned in the file when its offsets allow.
    public static func write(path: String, tensors: [(String, [Int], [Float])], dtype: DType = .f32,
                             metadata: [String: String] = [:]) throws {
        guard dtype == .f32 || dtype == .f16 else {
            throw CheckpointError(.unsupported, file: path, "safetensors export writes f32 or f16, not \(dtype.rawValue)")
        }
        var header = "{"
        var first = true
        if !metadata.isEmpty {
            header += "\"__metadata__\":{"
            header += metadata.keys.sorted().map { jsonString($0) + ":" + jsonString(metadata[$0]!) }.joined(separator: ",")
            header += "}"
            first = false
        }
        var offset = 0
        var names = Set<String>()
        for (name, shape, values) in tensors {
            guard name != "__metadata__", names.insert(name).inserted else {
                throw CheckpointError(.malformed, file: path, at: "tensor \(quoted(name))", "name is used twice or reserved")
            }
            guard let count = checkedProduct(shape), count == values.count else {
                throw CheckpointError(.malformed, file: path, at: "tensor \(quoted(name))",
                                      "shape \(shape) does not hold \(values.count) values")
            }
            let bytes = count * dtype.byteSize
            if !first { header += "," }
            first = false
            header += jsonString(name) + ":{\"dtype\":\"\(dtype == .f32 ? "F32" : "F16")\",\"shape\":["
            header += shape.map(String.init).joined(separator: ",")
            header += "],\"data_offsets\":[\(offset),\(offset + bytes)]}"
            offset += bytes
        }
        header += "}"
        var headerBytes = Array(header.utf8)
        while headerBytes.count % 8 != 0 { headerBytes.append(0x20) }

        var data = [UInt8](repeating: 0, count: 8 + headerBytes.count + offset)
        data.withUnsafeMutableBytes { raw in
            raw.storeBytes(of: UInt64(headerBytes.count).littleEndian, toByteOffset: 0, as: UInt64.self)
            headerBytes.withUnsafeBytes { raw.baseAddress!.advanced(by: 8).copyMemory(from: $0.baseAddress!, byteCount: $0.count) }
            var p = 8 + headerBytes.count
            for (_, _, values) in tensors {
                values.withUnsafeBufferPointer { v in
                    if dtype == .f32 {
                        for i in 0..<v.count {
                            raw.storeBytes(of: v[i].bitPattern.littleEndian, toByteOffset: p + 4 * i, as: UInt32.self)
                        }
                    } else {
                        for i in 0..<v.count {
                            raw.storeBytes(of: floatToHalf(v[i]).littleEndian, toByteOffset: p + 2 * i, as: UInt16.self)
                        }
                    }
                }
                p += values.count * dtype.byteSize
            }
        }
        try FileWriter.save([data], to: path)
    }
}
