/// The classifier head and its reverse: LayerNorm over tokens → mean → (head + dist_head) / 2.
struct HeadGradient: Sendable {
    let model: VCMambaModel

    /// The forward's head on a map, with the same sites; keeps the LayerNorm input.
    func forward(_ x: FeatureMap, _ tap: Tap) -> (Tensor, FeatureMap) {
        (model.headForward(x, tap), x)
    }

    /// dL/d(stage-4 output) from the seeds at `norm`, `pool`, `head`, `dist_head`, `logits`.
    ///
    ///     dhead = dlogits / 2 (+ seed), ddist = dlogits / 2 (+ seed)   (dlogits alone without dist_head)
    ///     dpool = dheadᵀ·W_head + ddistᵀ·W_dist;  dnorm[p] = dpool / L;  LayerNorm's reverse
    func backward(_ input: FeatureMap, _ tap: GradientTap) -> FeatureMap {
        let k = model.config.numClasses, c = input.channels, l = input.tokens
        var gl = [Float](repeating: 0, count: k)
        tap.vector("logits", &gl)
        let half: Float = model.distHead == nil ? 1 : 0.5
        var gh = gl.map { $0 * half }
        tap.vector("head", &gh)
        var gp = [Float](repeating: 0, count: c)
        func addTranspose(_ w: [Float], _ g: [Float]) {
            for i in 0..<k where g[i] != 0 { for ch in 0..<c { gp[ch] += g[i] * w[i * c + ch] } }
        }
        addTranspose(model.head.weight, gh)
        if let d = model.distHead {
            var gd = gl.map { $0 * half }
            tap.vector("dist_head", &gd)
            addTranspose(d.weight, gd)
        }
        tap.vector("pool", &gp)
        var gn = FeatureMap(height: input.height, width: input.width, channels: c)
        for p in 0..<l { for ch in 0..<c { gn.data[p * c + ch] = gp[ch] / Float(l) } }
        tap.tokens("norm", &gn)
        model.headNorm.inputGradient(&gn, input: input)
        return gn
    }
}
