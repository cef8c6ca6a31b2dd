/// Named float32 tensors in PyTorch layout: what the engine is built from.
///
/// A checkpoint reader, the seeded generator or a test fills this; `VCMambaModel` reads it once
/// and re-lays every weight out for its kernels.
public struct ParameterSet: Sendable {
    public private(set) var keys: [String] = []
    public private(set) var tensors: [String: Tensor] = [:]

    public init() {}

    public mutating func set(_ key: String, _ tensor: Tensor) {
        if tensors[key] == nil { keys.append(key) }
        tensors[key] = tensor
    }

    public subscript(key: String) -> Tensor? { tensors[key] }

    public var shapes: [String: [Int]] { tensors.mapValues { $0.shape } }
}
