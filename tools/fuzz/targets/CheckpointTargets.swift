// Fuzz targets for VCCheckpoint's readers (built with Sources/VCCheckpoint/*.swift into one
// module, so internal types are in reach). Targets:
//   zip          ZipArchive over the bytes, then every entry read (CRC, inflate).
//   pickle       the pickle interpreter on raw bytes, then the renderers used by `inspect`.
//   torch        a whole file through CheckpointLoader.load (.pth = zip + pickle + tensor
//                rebuild, or safetensors), then floats() of every tensor of the state dict.
//   safetensors  Safetensors.load, then floats() of every tensor.
//   npy          Npy.read (header literal, shape, data, conversion to Float).
// Every input must either load or fail with a one-line CheckpointError; anything else (a trap,
// a sanitizer report, another error type, a multi-line message, a hang, an allocation beyond
// libFuzzer's -malloc_limit_mb) is a finding.
#if canImport(Glibc)
import Glibc
#endif

@_cdecl("LLVMFuzzerInitialize")
public func fuzzInitialize(_ argc: UnsafeMutablePointer<CInt>,
                           _ argv: UnsafeMutablePointer<UnsafeMutablePointer<UnsafeMutablePointer<CChar>?>>) -> CInt {
    chooseTarget(argv.pointee[0], known: ["zip", "pickle", "torch", "safetensors", "npy"])
    return 0
}

@_cdecl("LLVMFuzzerTestOneInput")
public func fuzzOneInput(_ start: UnsafePointer<UInt8>?, _ count: Int) -> CInt {
    let data = UnsafeRawBufferPointer(start: start, count: count)
    do {
        switch fuzzTarget {
        case "zip": try fuzzZip(data)
        case "pickle": try fuzzPickle(data)
        case "torch": try fuzzTorch(data)
        case "safetensors": try fuzzSafetensors(data)
        case "npy": try fuzzNpy(data)
        default: finding("no target")
        }
    } catch let e as CheckpointError {
        checkOneLine(e.description)
    } catch {
        finding("an error that is not a CheckpointError: \(error)")
    }
    return 0
}

func fuzzZip(_ data: UnsafeRawBufferPointer) throws {
    try withPipePath(data) { path in
        let archive = try ZipArchive(file: try FileBytes(path: path))
        var firstError: CheckpointError?
        for e in archive.entries {
            // Every entry, not just the first readable one: errors of one must not hide bugs in another.
            do {
                switch try archive.data(of: e) {
                case .inflated(let bytes):
                    if bytes.count != e.size { finding("entry inflated to \(bytes.count) bytes, declared \(e.size)") }
                case .mapped(let offset, let n):
                    _ = archive.file.withBytes { Inflate.crc32($0.slice(offset, n)) }
                }
            } catch let err as CheckpointError {
                checkOneLine(err.description)
                if firstError == nil { firstError = err }
            }
        }
        if let firstError { throw firstError }
    }
}

func fuzzPickle(_ data: UnsafeRawBufferPointer) throws {
    let (heap, root) = try Pickle.load(Array(data), file: "fuzz.pkl", entry: "data.pkl")
    let text = PickleRender.repr(root, heap)
    checkOneLine(PickleRender.kind(root, heap))
    if text.count > 400 { finding("repr is \(text.count) characters") }
    for (name, value) in TorchCheckpoint.summarizeArgs(root, heap) {
        checkOneLine(name)
        checkOneLine(value)
    }
}

func exerciseStateDict(_ loaded: LoadedCheckpoint) throws {
    checkOneLine(loaded.info.topLevelKeys.map { quoted($0) }.joined())
    for (k, v) in loaded.info.args {
        checkOneLine(k)
        checkOneLine(v)
    }
    for key in loaded.stateDict.keys {
        guard let t = loaded.stateDict[key] else { finding("key \(key) listed but absent") }
        let values = try t.floats()
        if values.count != t.count { finding("floats() gave \(values.count) values for \(t.count) elements") }
    }
}

func fuzzTorch(_ data: UnsafeRawBufferPointer) throws {
    do {
        try withPipePath(data) { path in try exerciseStateDict(try CheckpointLoader.load(path: path)) }
    } catch let e as CheckpointError {
        checkOneLine(e.description)
    }
    // A training checkpoint's EMA weights are a different path through the same pickle (a pipe
    // is read once, so the second load gets a fresh one).
    if data.count >= 4 && data.loadUnaligned(as: UInt32.self) == 0x0403_4b50 {
        try withPipePath(data) { path in try exerciseStateDict(try CheckpointLoader.load(path: path, ema: true)) }
    }
}

func fuzzSafetensors(_ data: UnsafeRawBufferPointer) throws {
    try withPipePath(data) { path in
        try exerciseStateDict(try Safetensors.load(file: try FileBytes(path: path)))
    }
}

func fuzzNpy(_ data: UnsafeRawBufferPointer) throws {
    try withPipePath(data) { path in
        let (shape, values) = try Npy.read(path: path)
        guard let n = checkedProduct(shape), n == values.count else {
            finding("shape \(shape) but \(values.count) values")
        }
    }
}
