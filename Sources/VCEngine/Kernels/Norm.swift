import CKernels
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

    /// In place: `vck_layernorm` (C), the sums over channels vectorised.
    func apply(_ m: inout FeatureMap) {
        let c = m.channels, l = m.tokens, eps = self.eps
        weight.withUnsafeBufferPointer { g in bias.withUnsafeBufferPointer { b in m.data.withUnsafeMutableBufferPointer { d in
            vck_layernorm(d.baseAddress!, l, c, g.baseAddress!, b.baseAddress!, eps)
        } } }
    }

    /// The plain loop `apply` is tested against: channel after channel, in Double.
    func reference(_ m: inout FeatureMap) {
        let c = m.channels, l = m.tokens
        for p in 0..<l {
            let row = p * c
            let (mean, inv) = moments(m.data, row: row, channels: c)
            for ch in 0..<c { m.data[row + ch] = Float((Double(m.data[row + ch]) - mean) * inv * Double(weight[ch]) + Double(bias[ch])) }
        }
    }

    /// The mean of one token's c channels and 1/√(variance + ε), in Double (the reference above
    /// and the reverse pass).
    func moments(_ data: [Float], row: Int, channels c: Int) -> (mean: Double, inv: Double) {
        var mean = 0.0
        for ch in 0..<c { mean += Double(data[row + ch]) }
        mean /= Double(c)
        var v = 0.0
        for ch in 0..<c { let z = Double(data[row + ch]) - mean; v += z * z }
        return (mean, 1 / (v / Double(c) + Double(eps)).squareRoot())
    }
}
