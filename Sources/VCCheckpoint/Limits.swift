// Sane upper bounds for everything a file declares.
//
// A hostile file can declare any size; these bounds are checked before anything is allocated,
// so the worst a file can do is be refused. The numbers are far above what real checkpoints use
// (VCMamba-B is ~90M parameters in ~400 zip entries and a ~40 KB pickle) and far below what
// would exhaust a 24 GiB machine.
enum Limits {
    /// Elements in one tensor or array (2^31 floats = 8 GiB once converted).
    static let maxTensorElements = 1 << 31
    /// Dimensions of one tensor (PyTorch itself allows 64).
    static let maxRank = 64
    /// Bytes the tensors of a .pth state dict may cover beyond twice what their storages hold.
    /// Views may repeat stored elements (an expanded tensor has stride 0, tied weights share a
    /// storage), but without a bound a 4-byte storage viewed as 2^31 elements, or one storage
    /// shared by thousands of keys, would make a tiny file convert to gigabytes of floats.
    static let maxRepeatedViewBytes = 1 << 26

    /// Bytes one zip entry may inflate to. Deflate cannot compress better than ~1032:1, so a
    /// declared size is also checked against the compressed size (`maxDeflateRatio`); this
    /// absolute bound is what stops an honest-looking but enormous entry.
    static let maxInflatedEntryBytes = 1 << 33
    /// Deflate's best possible ratio is about 1032:1; a declared size beyond this multiple of the
    /// compressed size cannot be genuine.
    static let maxDeflateRatio = 1100
    /// Entries in one zip (a checkpoint has one per storage plus a handful).
    static let maxZipEntries = 1 << 20
    /// Bytes of the pickle itself (`data.pkl`): tensor data lives outside it.
    static let maxPickleBytes = 1 << 30

    /// What loading may use beyond the tensors it keeps: max(256 MB, 2 × the file's size). A
    /// deflated data.pkl may inflate to at most max(64 MiB, the file's size) (torch.save pickles
    /// are kilobytes: the tensors live in their own entries), and the values the interpreter
    /// builds may take at most `pickleMemoryBudget` (estimated per object, see `Pickle.swift`;
    /// 3/8 of the bound, because arrays grow by doubling and the estimates leave out allocator
    /// overhead: the dict bomb peaks at about 1.5× its estimate), so a small file cannot make
    /// vcview hold gigabytes before it is refused.
    static let minLoadMemory = 256 << 20
    static func maxPickleBytes(fileSize: Int) -> Int { min(maxPickleBytes, max(64 << 20, fileSize)) }
    static func pickleMemoryBudget(fileSize: Int) -> Int { max(minLoadMemory, checkedMul(fileSize, 2) ?? Int.max) * 3 / 8 }

    /// Values on the pickle stack, all MARK levels together (torch.save's SETITEMS batches hold 2000).
    static let maxPickleStack = 1 << 20
    /// Entries in the pickle memo (indices may be sparse; the count is what is bounded). torch.save
    /// memoizes every object, about five per tensor.
    static let maxPickleMemo = 1 << 20
    /// Objects (lists, dicts, tuples, tensors...) one pickle may create.
    static let maxPickleObjects = 1 << 24
    /// Open MARKs at once. torch.save nests ~10 deep; Python's own unpickler has no limit.
    static let maxPickleMarks = 4096
    /// Depth of nested containers. Values are kept in an arena, so depth cannot overflow the
    /// native stack; the bound is a sanity limit on what a checkpoint can mean.
    static let maxPickleNesting = 4096
    /// Bytes of one string or bytes value in a pickle.
    static let maxPickleString = 1 << 28
    /// Bytes of a LONG1/LONG4 integer that is converted to decimal (larger ones are summarised).
    static let maxBigIntBytes = 64
    /// Work the interpreter may do: this many units per byte of pickle, plus `maxPickleWorkBase`.
    /// A unit is roughly a nanosecond: a byte hashed or copied, an item visited (a dict insertion
    /// or a byte of a global's name counts more, see `PickleMachine.charge`). The memo lets a few
    /// bytes (BINGET) reuse a value of any size, so without a budget a small pickle could make
    /// each of a million SETITEMs hash the same 1 MB key, or each of a million calls re-read the
    /// same long list, and run for hours or fill memory. torch.save pickles cost 2-10 units per
    /// byte; the bound allows 64 (about 64 ns per byte, plus 67 ms).
    static let maxPickleWorkPerByte = 64
    static let maxPickleWorkBase = 1 << 26

    /// Bytes of a storage key in a persistent id. torch.save writes short decimal keys; the key
    /// is hashed once per tensor that uses the storage, so a long one shared by many tensors
    /// would cost (tensors x key length).
    static let maxStorageKeyBytes = 256

    /// Bytes of a safetensors JSON header (the reference implementation's own limit is 100 MB).
    static let maxSafetensorsHeader = 100_000_000
    /// Nesting of JSON in a safetensors header (a valid one nests 3 deep).
    static let maxJSONDepth = 64
    /// Bytes of an .npy header (numpy's default limit is 10 000).
    static let maxNpyHeader = 1 << 20
}

/// Overflow-checked arithmetic on values read from files. The module is compiled with
/// -Ounchecked, which removes Swift's overflow traps, so every computation on a declared number
/// goes through these and treats overflow as "too large".
@inline(__always) func checkedMul(_ a: Int, _ b: Int) -> Int? {
    let (r, o) = a.multipliedReportingOverflow(by: b)
    return o ? nil : r
}

@inline(__always) func checkedAdd(_ a: Int, _ b: Int) -> Int? {
    let (r, o) = a.addingReportingOverflow(b)
    return o ? nil : r
}

/// Product of dimensions, nil when negative or overflowing.
func checkedProduct(_ dims: [Int]) -> Int? {
    var n = 1
    for d in dims {
        if d < 0 { return nil }
        guard let m = checkedMul(n, d) else { return nil }
        n = m
    }
    return n
}
