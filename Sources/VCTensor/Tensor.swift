/// A dense float32 tensor in row-major (C) order, in the layout PyTorch would hold it.
///
/// This is the exchange type at the engine's boundary: observers, dumps and the renderer see
/// `Tensor`s; the engine computes on channels-last buffers internally and converts only the
/// activations someone asked for.
public struct Tensor: Sendable, Equatable {
    public var shape: [Int]
    public var data: [Float]

    public init(shape: [Int], data: [Float]) {
        precondition(shape.reduce(1, *) == data.count, "Tensor: shape \(shape) needs \(shape.reduce(1, *)) values, got \(data.count)")
        self.shape = shape
        self.data = data
    }

    public init(zeros shape: [Int]) {
        self.shape = shape
        self.data = [Float](repeating: 0, count: shape.reduce(1, *))
    }

    public var count: Int { data.count }

    /// Largest absolute value (0 for an empty tensor).
    public var maxAbs: Float { data.reduce(0) { max($0, abs($1)) } }

    /// The parity measure used throughout vcview's tests: max |a - b| / max |b|.
    public func relativeError(to reference: Tensor) -> Float {
        precondition(shape == reference.shape, "relativeError: shapes \(shape) and \(reference.shape) differ")
        var maxDiff: Float = 0
        for i in 0..<data.count { maxDiff = max(maxDiff, abs(data[i] - reference.data[i])) }
        let scale = reference.maxAbs
        return scale > 0 ? maxDiff / scale : maxDiff
    }
}
