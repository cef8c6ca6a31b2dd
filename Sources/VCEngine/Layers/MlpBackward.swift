/// The reverse of `Mlp` (fc1 → norm1 → GELU → mid → mid_norm → GELU → fc2 → norm2) and of
/// `FFNBlock` (x + layer_scale_2 ⊙ mlp(x)), with the forward's site names.
struct MlpGradient: Sendable {
    let mlp: Mlp
    let fc1: ConvBNGradient, fc2: ConvBNGradient
    let mid: DepthwiseGradient

    init(_ mlp: Mlp, _ w: Weights) throws {
        self.mlp = mlp
        let p = mlp.site.out
        fc1 = ConvBNGradient(mlp.fc1, weight: try w("\(p).fc1.weight"))
        fc2 = ConvBNGradient(mlp.fc2, weight: try w("\(p).fc2.weight"))
        mid = DepthwiseGradient(weight: try w("\(p).mid.weight"))
    }

    struct Saved: Sendable {
        let fc1: ConvBNGradient.Saved, fc2: ConvBNGradient.Saved
        /// mid_norm's output, the second GELU's input.
        let midPre: [Float]
    }

    /// mlp(x), the branch alone (not added to anything).
    func forward(_ x: FeatureMap, _ tap: Tap) -> (FeatureMap, Saved) {
        let s = mlp.site
        let (h, s1) = fc1.forward(x, .gelu, tap, convSite: s.fc1, bnSite: s.norm1, actSite: s.act0)
        var m = mlp.mid(h)
        tap.map(s.mid, m)
        mlp.midNorm.apply(&m)
        tap.map(s.midNorm, m)
        let midPre = m.data
        Activation.gelu(&m.data)
        tap.map(s.act1, m)
        let (o, s2) = fc2.forward(m, .none, tap, convSite: s.fc2, bnSite: s.norm2, actSite: nil)
        tap.map(s.out, o)
        return (o, Saved(fc1: s1, fc2: s2, midPre: midPre))
    }

    /// dL/dx from dL/d(mlp(x)).
    func backward(_ g: FeatureMap, _ saved: Saved, _ tap: GradientTap) -> FeatureMap {
        let s = mlp.site
        var g = g
        tap.map(s.out, &g)
        var h = fc2.backward(g, saved.fc2, .none, tap, convSite: s.fc2, bnSite: s.norm2, actSite: nil)
        tap.map(s.act1, &h)
        ActivationGradient.apply(.gelu, pre: saved.midPre, &h.data)
        tap.map(s.midNorm, &h)
        mlp.midNorm.inputGradient(&h)
        tap.map(s.mid, &h)
        let h1 = mid.inputGradient(h)
        return fc1.backward(h1, saved.fc1, .gelu, tap, convSite: s.fc1, bnSite: s.norm1, actSite: s.act0)
    }
}

struct FFNBlockGradient: Sendable {
    let block: FFNBlock
    let mlp: MlpGradient

    init(_ block: FFNBlock, _ w: Weights) throws {
        self.block = block
        mlp = try MlpGradient(block.mlp, w)
    }

    func forward(_ x: FeatureMap, _ tap: Tap) -> (FeatureMap, MlpGradient.Saved) {
        let (m, s) = mlp.forward(x, tap)
        var out = m
        out.scaleChannels(block.layerScale)
        out.add(x)
        tap.map(block.name, out)
        return (out, s)
    }

    /// out = x + γ ⊙ mlp(x): dx = dout + mlp′ᵀ(γ ⊙ dout).
    func backward(_ g: FeatureMap, _ s: MlpGradient.Saved, _ tap: GradientTap) -> FeatureMap {
        var g = g
        tap.map(block.name, &g)
        var gm = g
        gm.scaleChannels(block.layerScale)
        g.add(mlp.backward(gm, s, tap))
        return g
    }
}
