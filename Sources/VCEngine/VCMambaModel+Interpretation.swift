/// Interpretation that reuses the model's own weights after a forward pass: the exact class
/// activation map and the stage-4 re-run behind the live ablations. (The Mamba layers' implicit
/// attention is `MambaTrace`.)
extension VCMambaModel {
    /// Class activation map, exact and gradient-free. The head is LayerNorm per token, a mean over
    /// tokens, then the average of `head` and `dist_head`, all linear after the LayerNorm, so
    ///
    ///     logit_I = mean_p ( w̄_I · z_p ) + b̄_I,    w̄ = (W_head + W_dist) / 2,  b̄ = (b_head + b_dist) / 2
    ///
    /// and token p's share of the logit is w̄_I · z_p. `norm` is the recorded `norm` site (1, L, C).
    public func classActivationMap(norm: Tensor, classIndex i: Int, height: Int, width: Int) throws -> (map: Tensor, bias: Float) {
        let c = config.widths[3], l = height * width
        guard norm.shape == [1, l, c] else { throw ModelError("norm site has shape \(fmt(norm.shape)), expected (1, \(l), \(c))") }
        guard i >= 0 && i < config.numClasses else { throw ModelError("class \(i) is out of range (the model has \(config.numClasses) classes)") }
        var w = Array(head.weight[(i * c)..<((i + 1) * c)])
        var b = head.bias[i]
        if let d = distHead {
            for k in 0..<c { w[k] = (w[k] + d.weight[i * c + k]) / 2 }
            b = (b + d.bias[i]) / 2
        }
        var map = [Float](repeating: 0, count: l)
        for p in 0..<l {
            var s: Float = 0
            for k in 0..<c { s += w[k] * norm.data[p * c + k] }
            map[p] = s
        }
        return (Tensor(shape: [height, width], data: map), b)
    }

    /// Stage 4 and the head only, from the recorded input of stage 4 (the `network.5` site): what
    /// the live ablations recompute, without running stages 1–3 again.
    public func stage4AndHead(_ stage4Input: Tensor, observer: ActivationObserver? = nil,
                              ablation: MambaAblation = MambaAblation()) -> Tensor {
        let tap = Tap(observer: observer)
        let x = runStage(3, FeatureMap(nchw: stage4Input), tap, ablation: ablation)
        return headForward(x, tap)
    }
}
