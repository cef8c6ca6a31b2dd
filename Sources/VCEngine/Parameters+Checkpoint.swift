import VCCheckpoint

extension ParameterSet {
    /// The floating-point tensors of a checkpoint's state dict, widened to float32. Integer
    /// buffers (`num_batches_tracked`) are bookkeeping, not weights, and are skipped.
    public init(_ stateDict: StateDict) throws {
        self.init()
        for key in stateDict.keys {
            guard let t = stateDict[key] else { continue }
            switch t.dtype {
            case .f32, .f16, .bf16, .f64:
                set(key, Tensor(shape: t.shape, data: try t.floats()))
            default:
                continue
            }
        }
    }
}
