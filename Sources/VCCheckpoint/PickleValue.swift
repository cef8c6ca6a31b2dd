// What the pickle interpreter produces: inert values, never live objects.
//
// Scalars are held inline. Everything that can contain other values (lists, dicts, tuples,
// namespaces) or stands for an object (tensors, storages, unknown classes) lives in a
// `PickleHeap` and is referred to by index. No Swift value is therefore recursive: a pickle that
// nests lists a million deep, or puts a list inside itself, cannot overflow the native stack
// when its values are built, walked or freed. Walks over the heap carry explicit depth limits.

/// One value on the pickle stack or inside a container.
enum PickleValue {
    case none
    case bool(Bool)
    case int(Int)
    /// An integer beyond 64 bits, as decimal text (or a short summary when very long).
    case bigInt(String)
    case float(Double)
    case string(String)
    case bytes([UInt8])
    /// An object in the heap.
    case ref(Int)
}

/// A global the interpreter understands. It is never called: each has a fixed, data-only
/// meaning implemented in `Pickle.call` (see PickleGlobals.swift for the table).
enum PickleGlobal: Equatable {
    case rebuildTensorV2
    case rebuildTensorV3
    case rebuildTensor
    case rebuildParameter
    case rebuildParameterWithState
    case rebuildFromTypeV2
    /// `torch.FloatStorage` and friends: the element type of a persistent storage id. `dtype`
    /// is nil for storages PyTorch has but vcview does not read (complex, quantized).
    case storageType(name: String, dtype: DType?)
    /// `torch.Tensor` / `torch.nn.parameter.Parameter`, as the type argument of
    /// `_rebuild_from_type_v2`.
    case tensorClass(String)
    /// `torch.float16`...; `dtype` nil for dtypes vcview does not read.
    case torchDtype(name: String, dtype: DType?)
    case orderedDict
    case namespace
    case device
    case size
    case codecsEncode
    case set
    case frozenset
    case bytearray
    case numpyScalar
    case numpyDtype
}

/// A persistent storage id: `('storage', storage_type, key, location, numel)`.
struct StorageRef {
    let typeName: String
    let dtype: DType?
    /// The storage's record name inside the archive: `<top>/data/<key>`.
    let key: String
    let location: String
    /// Element count of the storage (in `dtype` units; bytes for untyped storages).
    let numel: Int
}

/// The arguments of a tensor rebuild, as written; checked against the storage when the tensor
/// is actually used (TorchCheckpoint.swift), so that malformed tensors in unused entries cost
/// nothing.
struct TensorRef {
    let storage: StorageRef
    /// Element type of the tensor (the storage's, or `_rebuild_tensor_v3`'s dtype argument).
    let dtype: DType?
    let dtypeName: String
    let storageOffset: Int
    let size: [Int]
    let stride: [Int]
    /// Offset of the REDUCE that built it, for error messages.
    let pickleOffset: Int
}

/// Mutable containers are boxes so that APPEND/SETITEM mutate them in place (a memoized list
/// and the one on the stack are the same object, as in Python).
final class PickleList {
    var items: [PickleValue]
    init(_ items: [PickleValue]) { self.items = items }
}

/// An insertion-ordered dict with Python's "same key replaces the value" semantics.
final class PickleDict {
    private(set) var keys: [PickleValue] = []
    private(set) var values: [PickleValue] = []
    private var index: [PickleKey: Int] = [:]

    func set(_ key: PickleValue, _ value: PickleValue) {
        let k = PickleKey(key)
        if let i = index[k] {
            values[i] = value
        } else {
            index[k] = keys.count
            keys.append(key)
            values.append(value)
        }
    }

    var count: Int { keys.count }

    subscript(string key: String) -> PickleValue? {
        index[.string(Array(key.utf8))].map { values[$0] }
    }
}

/// Hashable identity of a dict key, following Python's equality where it matters: `True == 1`,
/// `1.0 == 1`, strings compare by code points (not by Swift's canonical equivalence); other
/// objects (tuples...) compare by identity, which at worst keeps two equal keys apart.
enum PickleKey: Hashable {
    case none
    case int(Int)
    case big(String)
    case float(UInt64)
    case string([UInt8])
    case bytes([UInt8])
    case ref(Int)

    init(_ v: PickleValue) {
        switch v {
        case .none: self = .none
        case .bool(let b): self = .int(b ? 1 : 0)
        case .int(let i): self = .int(i)
        case .bigInt(let s): self = .big(s)
        case .float(let d):
            if d == d.rounded(), d >= -9.2e18, d <= 9.2e18 {
                self = .int(Int(d))
            } else {
                self = .float(d.isNaN ? Double.nan.bitPattern : d.bitPattern)
            }
        case .string(let s): self = .string(Array(s.utf8))
        case .bytes(let b): self = .bytes(b)
        case .ref(let id): self = .ref(id)
        }
    }
}

/// An object that is not a value vcview uses, kept so the pickle can be read past it.
struct OpaqueObject {
    /// Dotted name of the global it came from (`numpy.ndarray`, `mylib.Config`).
    let global: String
    /// True when it is the result of calling or instantiating that global.
    let made: Bool
}

/// Everything non-scalar a pickle created.
enum PickleObject {
    case list(PickleList)
    case tuple([PickleValue])
    case dict(PickleDict)
    case set(PickleList)
    /// `argparse.Namespace`: its attributes (string keys) in order.
    case namespace(PickleDict)
    case global(PickleGlobal, name: String)
    case storage(StorageRef)
    case tensor(TensorRef)
    /// An understood object with no data role (a device, a dtype): kept as its printed form.
    case inert(String)
    /// A numpy dtype (`numpy.dtype('f8')` plus the byte order its BUILD sets).
    case numpyDtype(code: String, littleEndian: Bool)
    case opaque(OpaqueObject)
    /// A tensor rebuild whose arguments did not make sense; the message says why and where.
    case invalid(String)
}

/// All objects of one pickle, with the nesting depth of each (see `Limits.maxPickleNesting`).
struct PickleHeap {
    private(set) var objects: [PickleObject] = []
    private(set) var depths: [Int32] = []

    subscript(id: Int) -> PickleObject { objects[id] }

    mutating func add(_ o: PickleObject, depth: Int) -> Int {
        objects.append(o)
        depths.append(Int32(truncatingIfNeeded: depth))
        return objects.count - 1
    }

    /// 0 for scalars, 1 + deepest child for containers.
    func depth(of v: PickleValue) -> Int {
        if case .ref(let id) = v { return Int(depths[id]) }
        return 0
    }

    mutating func raiseDepth(_ id: Int, toContain v: PickleValue) -> Int {
        let d = max(Int(depths[id]), depth(of: v) + 1)
        depths[id] = Int32(truncatingIfNeeded: min(d, Int(Int32.max)))
        return d
    }

    mutating func replace(_ id: Int, with o: PickleObject) {
        objects[id] = o
    }

    var count: Int { objects.count }
}
