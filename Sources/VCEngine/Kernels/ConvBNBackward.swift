/// The reverse of `ConvBN` (convolution → BatchNorm → activation) with the forward's site names.
struct ConvBNGradient: Sendable {
    let forward: ConvBN
    let conv: DenseConvGradient

    /// `weight` is the convolution's PyTorch (out, in, k, k) tensor.
    init(_ forward: ConvBN, weight: Tensor) {
        self.forward = forward
        conv = DenseConvGradient(weight: weight, stride: forward.conv.stride, padding: forward.conv.padding)
    }

    /// What the reverse needs: the input's size and the activation's input (empty for none).
    struct Saved: Sendable {
        let height: Int, width: Int
        let pre: [Float]
    }

    /// act(bn(conv(x))) with the same sites as the forward, keeping the pre-activation. The
    /// epilogue runs as its own pass (the forward fuses it into the product's tiles).
    func forward(_ x: FeatureMap, _ act: EpilogueActivation, _ tap: Tap,
                 convSite: String, bnSite: String, actSite: String?) -> (FeatureMap, Saved) {
        let f = forward
        var m = f.conv.raw(x)
        tap.map(convSite, m, shift: f.conv.bias)
        tap.map(bnSite, m, scale: f.bn.scale, shift: f.shift)
        let rows = m.tokens, c = m.channels
        m.data.withUnsafeMutableBufferPointer { d in f.bn.scale.withUnsafeBufferPointer { s in f.shift.withUnsafeBufferPointer { t in
            Epilogue.affine(d.baseAddress!, rows: rows, channels: c, scale: s.baseAddress!, shift: t.baseAddress!, .none)
        } } }
        let pre = act == .none ? [] : m.data
        switch act {
        case .none: break
        case .relu: Activation.relu(&m.data)
        case .gelu: Activation.gelu(&m.data)
        case .silu: Activation.silu(&m.data)
        }
        if let a = actSite { tap.map(a, m) }
        return (m, Saved(height: x.height, width: x.width, pre: pre))
    }

    /// dL/dx from dL/d(output) `g`: act′, then BN's scale, then the convolution's transpose.
    func backward(_ g: FeatureMap, _ saved: Saved, _ act: EpilogueActivation, _ tap: GradientTap,
                  convSite: String, bnSite: String, actSite: String?) -> FeatureMap {
        var g = g
        if let a = actSite { tap.map(a, &g) }
        if act != .none { ActivationGradient.apply(.init(act), pre: saved.pre, &g.data) }
        tap.map(bnSite, &g)
        forward.bn.inputGradient(&g)
        tap.map(convSite, &g)
        return conv.inputGradient(g, height: saved.height, width: saved.width)
    }
}
