// torch.save checkpoints (the zip format of PyTorch 1.6+): finding the state dict and
// turning its tensor records into checked TensorData views.
//
// Layout of the archive: `<top>/data.pkl` (the pickled object), `<top>/data/<key>` (one raw
// little-endian storage per key), `<top>/byteorder`, `<top>/version` and a few more records.
// `<top>` is the archive name torch chose (`archive`, or the file's stem for older versions).
//
// Three layouts of the pickled object are recognised, in this order:
// 1. a training checkpoint: a dict with `model` (and maybe `model_ema`, `optimizer`,
//    `lr_scheduler`, `epoch`, `scaler`, `args`), as written by DeiT-style training scripts;
// 2. a dict with `state_dict`;
// 3. a bare state dict (names to tensors).
// Only the chosen state dict is converted; other entries (optimizer state, scaler...) may hold
// objects vcview does not understand and are only summarised.

enum TorchCheckpoint {
    static func load(file: FileBytes, ema: Bool) throws -> LoadedCheckpoint {
        let path = file.name
        let archive = try ZipArchive(file: file)

        // The pickle: `<top>/data.pkl` with a one-level top folder (or at the root).
        let pickles = archive.entries.filter { e in
            e.name == "data.pkl" || (e.name.hasSuffix("/data.pkl") && e.name.split(separator: "/", omittingEmptySubsequences: false).count == 2)
        }
        guard let pklEntry = pickles.first else {
            if archive.entries.contains(where: { $0.name.hasSuffix("/constants.pkl") || $0.name.contains("/code/") }) {
                throw CheckpointError(.unsupported, file: path,
                                      "is a TorchScript archive (torch.jit.save), not a torch.save checkpoint")
            }
            let names = archive.entries.prefix(5).map { quoted($0.name, limit: 40) }.joined(separator: ", ")
            throw CheckpointError(.notFound, file: path,
                                  "zip has no <top>/data.pkl entry, so it is not a torch.save checkpoint (entries: \(names)\(archive.entries.count > 5 ? ", ..." : ""))")
        }
        guard pickles.count == 1 else {
            throw CheckpointError(.malformed, file: path,
                                  "zip has \(pickles.count) data.pkl entries (\(quoted(pickles[0].name)), \(quoted(pickles[1].name))); expected one")
        }
        let prefix = String(pklEntry.name.dropLast("data.pkl".count))

        if let order = archive.entry(named: prefix + "byteorder") {
            guard order.size <= 16 else {
                throw CheckpointError(.malformed, file: path, at: "entry \(quoted(order.name))", "is \(order.size) bytes, expected 'little' or 'big'")
            }
            let text = String(decoding: try archive.bytes(of: order), as: UTF8.self)
            guard text == "little" else {
                throw CheckpointError(.unsupported, file: path, at: "entry \(quoted(order.name))",
                                      "storages are \(quoted(text, limit: 16))-endian; vcview reads little-endian checkpoints")
            }
        }

        let maxPickle = Limits.maxPickleBytes(fileSize: file.count)
        guard pklEntry.size <= maxPickle else {
            throw CheckpointError(.limitExceeded, file: path, at: "entry \(quoted(pklEntry.name))",
                                  "is \(pklEntry.size) bytes, limit is \(maxPickle) for a \(file.count)-byte file (torch.save pickles are kilobytes)")
        }
        let pickleBytes = try archive.bytes(of: pklEntry)
        let (heap, root) = try Pickle.load(pickleBytes, file: path, entry: pklEntry.name,
                                           memoryBudget: Limits.pickleMemoryBudget(fileSize: file.count))

        guard case .ref(let rootID) = root, case .dict(let top) = heap[rootID] else {
            throw CheckpointError(.notFound, file: path, at: pklEntry.name,
                                  "the saved object is \(PickleRender.kind(root, heap)), expected a dict (a state dict or a training checkpoint)")
        }

        let reader = StateDictReader(archive: archive, prefix: prefix, heap: heap, path: path, pickleEntry: pklEntry.name)
        let topKeys = top.keys.map { k -> String in
            if case .string(let s) = k { return s }
            return PickleRender.repr(k, heap, limit: 60)
        }
        func isDict(_ v: PickleValue?) -> Bool {
            if let v, case .ref(let id) = v, case .dict = heap[id] { return true }
            return false
        }
        let hasEMA = isDict(top[string: "model_ema"])

        // Choose the state dict.
        let chosen: PickleValue
        let entryUsed: String?
        let keyList = topKeys.prefix(12).map { quoted($0, limit: 40) }.joined(separator: ", ")
            + (topKeys.count > 12 ? ", ..." : "")
        if ema {
            guard hasEMA, let m = top[string: "model_ema"] else {
                throw CheckpointError(.notFound, file: path,
                                      "asked for EMA weights, but there is no model_ema state dict (top-level keys: \(keyList))")
            }
            chosen = m
            entryUsed = "model_ema"
        } else if let m = top[string: "model"] {
            guard isDict(m) else {
                throw CheckpointError(.notFound, file: path, at: "key 'model'",
                                      "holds \(PickleRender.kind(m, heap)), expected a state dict")
            }
            chosen = m
            entryUsed = "model"
        } else if let s = top[string: "state_dict"], isDict(s) {
            chosen = s
            entryUsed = "state_dict"
        } else if top.values.contains(where: { reader.isTensorLike($0) }) || top.count == 0 {
            chosen = root
            entryUsed = nil
        } else {
            throw CheckpointError(.notFound, file: path,
                                  "no state dict found: top-level keys are \(keyList) (expected 'model', 'state_dict', or a dict of tensors)")
        }

        let stateDict = try reader.stateDict(chosen, under: entryUsed)

        var epoch: Int?
        if let e = top[string: "epoch"], case .int(let i) = e { epoch = i }
        let args = top[string: "args"].map { summarizeArgs($0, heap) } ?? []

        let info = CheckpointInfo(path: path, format: "pth (zip)", topLevelKeys: topKeys, entryUsed: entryUsed,
                                  epoch: epoch, args: args, hasEMA: hasEMA)
        return LoadedCheckpoint(stateDict: stateDict, info: info)
    }

    /// Training arguments as (name, repr) pairs: a Namespace's attributes or a dict's items.
    /// Both parts are printable: control characters from the file are escaped.
    static func summarizeArgs(_ v: PickleValue, _ heap: PickleHeap) -> [(String, String)] {
        if case .none = v { return [] }
        if case .ref(let id) = v {
            switch heap[id] {
            case .namespace(let d), .dict(let d):
                var out: [(String, String)] = []
                for (k, value) in zip(d.keys, d.values) {
                    let name: String
                    if case .string(let s) = k { name = escaped(s, limit: 200) } else { name = PickleRender.repr(k, heap, limit: 60) }
                    out.append((name, PickleRender.repr(value, heap)))
                }
                return out
            default:
                break
            }
        }
        return [("args", PickleRender.repr(v, heap))]
    }
}

/// Converts the pickle's tensor records of one state dict into checked TensorData views,
/// sharing one TensorStorage per storage key.
private final class StateDictReader {
    let archive: ZipArchive
    let prefix: String
    let heap: PickleHeap
    let path: String
    /// Name of the pickle entry, for "tensor rebuilt at <entry> offset N" in messages.
    let pickleEntry: String
    var storages: [String: TensorStorage] = [:]

    init(archive: ZipArchive, prefix: String, heap: PickleHeap, path: String, pickleEntry: String) {
        self.archive = archive
        self.prefix = prefix
        self.heap = heap
        self.path = path
        self.pickleEntry = pickleEntry
    }

    func isTensorLike(_ v: PickleValue) -> Bool {
        guard case .ref(let id) = v else { return false }
        switch heap[id] {
        case .tensor, .invalid: return true
        default: return false
        }
    }

    func stateDict(_ v: PickleValue, under entry: String?) throws -> StateDict {
        guard case .ref(let id) = v, case .dict(let d) = heap[id] else {
            throw CheckpointError(.notFound, file: path, "state dict is \(PickleRender.kind(v, heap)), expected a dict")
        }
        let within = entry.map { "\($0)." } ?? ""
        var entries: [(String, TensorData)] = []
        entries.reserveCapacity(d.count)
        var seen = Set<String>()
        // Bytes the views cover (repeats included) and bytes their distinct storages hold; the
        // key whose view repeats the most, to name it if the total is refused.
        var covered = 0
        var held: [ObjectIdentifier: Int] = [:]
        var mostRepeated: (key: String, excess: Int)?
        for (k, value) in zip(d.keys, d.values) {
            guard case .string(let key) = k else {
                throw CheckpointError(.malformed, file: path, at: entry.map { "key \(quoted($0))" } ?? "",
                                      "state dict key is \(PickleRender.kind(k, heap)), expected a str")
            }
            let location = "key \(quoted(within + key))"
            // Swift compares strings by canonical equivalence, Python by code points: two keys
            // that differ only in Unicode normalisation would collide in the StateDict.
            guard seen.insert(key).inserted else {
                throw CheckpointError(.malformed, file: path, at: location,
                                      "two keys are the same text in different Unicode normalisations")
            }
            let t = try tensor(value, at: location)
            let bytes = t.count * t.dtype.byteSize  // at most 2^31 x 8: checked by TensorData.checked
            covered = checkedAdd(covered, bytes) ?? Int.max
            held[ObjectIdentifier(t.storage)] = t.storage.byteCount
            if bytes - t.storage.byteCount > (mostRepeated?.excess ?? 0) {
                mostRepeated = (within + key, bytes - t.storage.byteCount)
            }
            entries.append((key, t))
        }
        let present = held.values.reduce(0) { checkedAdd($0, $1) ?? Int.max }
        let allowed = checkedMul(present, 2).flatMap { checkedAdd($0, Limits.maxRepeatedViewBytes) } ?? Int.max
        if covered > allowed {
            throw CheckpointError(.limitExceeded, file: path, at: mostRepeated.map { "key \(quoted($0.key))" } ?? "",
                                  "the state dict's tensors cover \(covered) bytes of storage but their storages hold \(present) bytes; views may repeat stored bytes (expanded or tied tensors) only up to 2 x \(present) + \(Limits.maxRepeatedViewBytes)")
        }
        return StateDict(entries)
    }

    func tensor(_ v: PickleValue, at location: String) throws -> TensorData {
        func fail(_ kind: CheckpointError.Kind, _ message: String) -> CheckpointError {
            CheckpointError(kind, file: path, at: location, message)
        }
        guard case .ref(let id) = v else {
            throw fail(.malformed, "holds \(PickleRender.kind(v, heap)), expected a tensor")
        }
        let t: TensorRef
        switch heap[id] {
        case .tensor(let r):
            t = r
        case .invalid(let why):
            throw fail(.malformed, why)
        default:
            throw fail(.malformed, "holds \(PickleRender.kind(v, heap)), expected a tensor")
        }
        let supported = DType.allCases.map(\.rawValue).joined(separator: ", ")
        guard let dtype = t.dtype else {
            throw fail(.unsupported, "tensor type \(escaped(t.dtypeName)) is not supported (vcview reads \(supported))")
        }
        let storage = try storageFor(t.storage, location: location)
        return try TensorData.checked(dtype: dtype, shape: t.size, strides: t.stride, offset: t.storageOffset,
                                      storage: storage) { kind, message in
            fail(kind, "\(message) (tensor rebuilt at \(self.pickleEntry) offset \(t.pickleOffset))")
        }
    }

    func storageFor(_ s: StorageRef, location: String) throws -> TensorStorage {
        if let cached = storages[s.key] { return cached }
        let name = prefix + "data/" + s.key
        guard let entry = archive.entry(named: name) else {
            throw CheckpointError(.malformed, file: path, at: location,
                                  "storage \(quoted(s.key, limit: 40)) has no zip entry \(quoted(name))")
        }
        guard let elementSize = s.dtype?.byteSize else {
            throw CheckpointError(.unsupported, file: path, at: location,
                                  "storage type \(escaped(s.typeName)) is not supported")
        }
        guard let declared = checkedMul(s.numel, elementSize), declared == entry.size else {
            throw CheckpointError(.malformed, file: path, at: location,
                                  "storage \(quoted(s.key, limit: 40)) declares \(s.numel) elements of \(escaped(s.typeName)) but entry \(quoted(name)) holds \(entry.size) bytes")
        }
        let storage = TensorStorage(zip: archive, entry: entry)
        storages[s.key] = storage
        return storage
    }
}
