import Glibc

/// Eval-mode BatchNorm2d as a per-channel affine map: y = x·scale + shift with
/// scale = γ / sqrt(running_var + eps), shift = β − running_mean·scale (eps 1e-5).
struct BatchNorm: Sendable {
    let scale: [Float]
    let shift: [Float]

    init(weight: Tensor, bias: Tensor, mean: Tensor, variance: Tensor, eps: Float = 1e-5) {
        var sc = [Float](repeating: 0, count: weight.count), sh = sc
        for c in 0..<weight.count {
            sc[c] = weight.data[c] / (variance.data[c] + eps).squareRoot()
            sh[c] = bias.data[c] - mean.data[c] * sc[c]
        }
        scale = sc; shift = sh
    }

    /// In place, through the same fused multiply-add as the epilogues that fold this BatchNorm
    /// into a convolution: a forward pass that stops to show the BN's input (an observer asked
    /// for it) then gives bit-identical results to one that does not.
    func apply(_ m: inout FeatureMap) {
        let c = m.channels, l = m.tokens
        scale.withUnsafeBufferPointer { s in shift.withUnsafeBufferPointer { t in m.data.withUnsafeMutableBufferPointer { d in
            Epilogue.affine(d.baseAddress!, rows: l, channels: c, scale: s.baseAddress!, shift: t.baseAddress!, .none)
        } } }
    }
}

/// LayerNorm over the channels of each token (eps 1e-5, biased variance, as torch.nn.LayerNorm).
struct LayerNorm: Sendable {
    let weight: [Float]
    let bias: [Float]
    let eps: Float = 1e-5

    func apply(_ m: inout FeatureMap) {
        let c = m.channels, l = m.tokens
        weight.withUnsafeBufferPointer { g in bias.withUnsafeBufferPointer { b in m.data.withUnsafeMutableBufferPointer { d in
            for p in 0..<l {
                let row = d.baseAddress! + p * c
                var mean: Float = 0
                for ch in 0..<c { mean += row[ch] }
                mean /= Float(c)
                var v: Float = 0
                for ch in 0..<c { let z = row[ch] - mean; v += z * z }
                let inv = 1 / (v / Float(c) + eps).squareRoot()
                for ch in 0..<c { row[ch] = (row[ch] - mean) * inv * g[ch] + b[ch] }
            }
        } } }
    }
}
