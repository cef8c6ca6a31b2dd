// The entry point: open any supported checkpoint file and get its state dict and a summary.
//
// The format is recognised from the bytes, not the file name, because checkpoints are renamed
// freely (`.pth`, `.pt`, `.bin`, `.ckpt` can all be torch zip files).

/// What `vcview inspect` shows about a checkpoint besides its tensors.
public struct CheckpointInfo: Sendable {
    public let path: String
    /// `"pth (zip)"` or `"safetensors"`.
    public let format: String
    /// Keys of the top-level dict (for safetensors: the header's tensor names, and
    /// `__metadata__` when present), in file order. Raw text from the file: escape before
    /// printing to a terminal.
    public let topLevelKeys: [String]
    /// Which entry holds the state dict: `"model"`, `"model_ema"`, `"state_dict"`, or nil when
    /// the file is a bare state dict.
    public let entryUsed: String?
    /// The `epoch` entry of a training checkpoint, when it is an int.
    public let epoch: Int?
    /// Training arguments (`args`, an argparse.Namespace or dict) as (name, Python-like repr)
    /// in their stored order; for safetensors, the `__metadata__` pairs (values quoted like
    /// Python strings). Safe to print: control characters are escaped.
    public let args: [(String, String)]
    /// True when the checkpoint has a `model_ema` state dict.
    public let hasEMA: Bool
    /// safetensors `__metadata__` as stored (unescaped, untruncated): vcview's own files keep the
    /// class names here (`classes`, a JSON list). Empty for .pth files.
    public var metadata: [String: String] = [:]
}

public struct LoadedCheckpoint: Sendable {
    public let stateDict: StateDict
    public let info: CheckpointInfo
}

public enum CheckpointLoader {
    /// Loads a torch.save zip checkpoint or a safetensors file.
    ///
    /// - Parameter ema: take the `model_ema` state dict of a training checkpoint instead of
    ///   `model`; an error when the file has none.
    /// Tensor values are read lazily: `TensorData.floats()` reads (and inflates) the bytes.
    public static func load(path: String, ema: Bool = false) throws -> LoadedCheckpoint {
        let file = try FileBytes(path: path)
        switch sniff(file) {
        case .zip:
            return try TorchCheckpoint.load(file: file, ema: ema)
        case .safetensors:
            if ema {
                throw CheckpointError(.notFound, file: path,
                                      "asked for EMA weights, but a safetensors file holds a single state dict")
            }
            return try Safetensors.load(file: file)
        case .npy:
            throw CheckpointError(.unrecognizedFormat, file: path,
                                  "is a numpy .npy array, not a checkpoint (read it with Npy.read)")
        case .legacyTorch:
            throw CheckpointError(.unsupported, file: path,
                                  "is in the legacy (pre-1.6) torch.save format; re-save it with torch.save from PyTorch 1.6 or newer")
        case .gzip:
            throw CheckpointError(.unrecognizedFormat, file: path, "is gzip-compressed; decompress it first")
        case .unknown(let head):
            throw CheckpointError(.unrecognizedFormat, file: path,
                                  "is not a torch zip checkpoint or safetensors file (starts with \(head))")
        }
    }

    enum Format: Equatable {
        case zip, safetensors, npy, legacyTorch, gzip
        case unknown(String)
    }

    static func sniff(_ file: FileBytes) -> Format { file.withBytes { sniff($0) } }

    /// The format the first bytes announce (enough of them: 16 do for every format).
    static func sniff(_ b: UnsafeRawBufferPointer) -> Format {
        let n = b.count
        if n >= 4 && b.le32(0) == 0x0403_4b50 { return .zip }
        // An empty zip starts with its end record.
        if n >= 4 && b.le32(0) == 0x0605_4b50 { return .zip }
        if n >= 6 && b.u8(0) == 0x93 && Array(b.slice(1, 5)) == Array("NUMPY".utf8) { return .npy }
        if n >= 2 && b.u8(0) == 0x1f && b.u8(1) == 0x8b { return .gzip }
        // Legacy torch.save: a protocol-2 pickle whose first value is the magic number
        // 0x1950a86a20f9469cfc6c as LONG1.
        if n >= 4 && b.u8(0) == 0x80 && b.u8(2) == 0x8a && b.u8(3) == 0x0a { return .legacyTorch }
        // safetensors: an 8-byte length, then a JSON object.
        if n >= 10 && b.u8(8) == UInt8(ascii: "{") { return .safetensors }
        if n == 0 { return .unknown("nothing: the file is empty") }
        let head = b.slice(0, min(n, 8)).map { byte -> String in
            let s = String(byte, radix: 16)
            return s.count == 1 ? "0" + s : s
        }.joined(separator: " ")
        return .unknown("bytes \(head)")
    }
}
