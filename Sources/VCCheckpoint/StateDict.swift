// A model's named tensors, in the order the file lists them.

public struct StateDict: Sendable {
    /// Tensor names in file order.
    public let keys: [String]
    private let tensors: [String: TensorData]

    /// Builds a state dict from named tensors (a later duplicate name replaces the earlier
    /// tensor and keeps the earlier position, as a Python dict would).
    public init(_ entries: [(String, TensorData)]) {
        var keys: [String] = []
        var tensors: [String: TensorData] = [:]
        tensors.reserveCapacity(entries.count)
        for (k, t) in entries {
            if tensors.updateValue(t, forKey: k) == nil { keys.append(k) }
        }
        self.keys = keys
        self.tensors = tensors
    }

    /// The tensor named `key`, or nil.
    public subscript(key: String) -> TensorData? {
        tensors[key]
    }

    /// Number of tensors.
    public var count: Int { keys.count }
}
