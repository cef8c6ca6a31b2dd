/// The reverse of the norms in `Norm.swift`.
extension BatchNorm {
    /// Eval-mode BN is a per-channel affine map: dx = dy · scale.
    func inputGradient(_ g: inout FeatureMap) { g.scaleChannels(scale) }
}

extension LayerNorm {
    /// dL/dx of y = γ ⊙ x̂ + β, x̂ = (x − μ)·r, r = 1/√(σ² + ε), per token over its C channels:
    ///
    ///     ĝ = dy ⊙ γ;   dx = r · (ĝ − mean(ĝ) − x̂ · mean(ĝ ⊙ x̂))
    ///
    /// `x` is the forward's input (saved); `g` holds dy and receives dx. Accumulated in Double.
    func inputGradient(_ g: inout FeatureMap, input x: FeatureMap) {
        let c = x.channels, l = x.tokens
        precondition(g.channels == c && g.tokens == l)
        var xhat = [Double](repeating: 0, count: c), gh = xhat
        for p in 0..<l {
            let row = p * c
            let (mean, r) = moments(x.data, row: row, channels: c)
            var mg = 0.0, mgx = 0.0
            for ch in 0..<c {
                xhat[ch] = (Double(x.data[row + ch]) - mean) * r
                gh[ch] = Double(g.data[row + ch]) * Double(weight[ch])
                mg += gh[ch]; mgx += gh[ch] * xhat[ch]
            }
            mg /= Double(c); mgx /= Double(c)
            for ch in 0..<c { g.data[row + ch] = Float(r * (gh[ch] - mg - xhat[ch] * mgx)) }
        }
    }
}
