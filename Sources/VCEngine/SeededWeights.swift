import VCSeeded

/// Deterministic weights and inputs from a seed, bit-identical to `tools/reference/seeded.py`.
///
/// Tests and `vcview bench` need full-size S/M/B models without shipping 40-120 MB files; both
/// sides generate the same float32 values from (seed, key, index) with integer arithmetic and
/// exactly rounded float operations only. The rules are in docs/seeded-weights.md.
public enum SeededWeights {
    /// u in [0, 1): 24 random bits per element, exact in float32 (`SeededRandom`).
    static func uniforms(seed: UInt64, key: String, count: Int) -> [Float] {
        SeededRandom.uniforms(seed: seed, key: key, count: count)
    }

    /// The value rule of docs/seeded-weights.md for one key.
    public static func tensor(seed: UInt64, key: String, shape: [Int]) -> Tensor {
        let u = uniforms(seed: seed, key: key, count: shape.reduce(1, *))
        let v = u.map { 2 * $0 - 1 }
        let values: [Float]
        if key.hasSuffix("running_var") { values = u.map { Float(0.5) + $0 } }
        else if key.hasSuffix("running_mean") { values = v.map { Float(0.1) * $0 } }
        else if key.hasSuffix("A_log") { values = u.map { Float(0.5) + 2 * $0 } }
        else if key.hasSuffix(".D") { values = v.map { 1 + Float(0.5) * $0 } }
        else if key.hasSuffix("direction_Bs") { values = v.map { Float(0.5) * $0 } }
        else if key.hasSuffix("dt_proj.bias") { values = v.map { -1 + Float(0.5) * $0 } }
        else if key.hasSuffix("layer_scale_2") { values = v.map { Float(0.2) * $0 } }
        else if key == "pos_embed" { values = v.map { Float(0.1) * $0 } }
        else if key.hasSuffix(".bias") { values = v.map { Float(0.1) * $0 } }
        else if key.hasSuffix(".weight") && shape.count == 1 { values = v.map { 1 + Float(0.2) * $0 } }
        else if key.hasSuffix(".weight") {
            let fanIn = shape.dropFirst().reduce(1, *)
            let s = Float((3.0 / Double(fanIn)).squareRoot())
            values = v.map { $0 * s }
        } else {
            values = v.map { Float(0.1) * $0 }
        }
        return Tensor(shape: shape, data: values)
    }

    /// A full parameter set for `config` (num_batches_tracked buffers are omitted).
    public static func parameters(for config: VCMambaConfig, seed: UInt64) -> ParameterSet {
        var set = ParameterSet()
        for (key, shape) in config.expectedKeys() where !key.hasSuffix("num_batches_tracked") {
            set.set(key, tensor(seed: seed, key: key, shape: shape))
        }
        return set
    }

    /// A seeded input tensor (1, 3, H, W) with values 2·v in [-2, 2).
    public static func input(seed: UInt64, height: Int, width: Int) -> Tensor {
        let u = uniforms(seed: seed, key: "input", count: 3 * height * width)
        return Tensor(shape: [1, 3, height, width], data: u.map { 2 * (2 * $0 - 1) })
    }
}
