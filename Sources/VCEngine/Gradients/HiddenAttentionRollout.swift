/// Token-to-token relevance through the Mamba layers from their hidden attention (`MambaTrace`).
///
/// Per layer, with αᵏ_{t,s,e} the hidden attention of scan k (target step t, source step s ≤ t,
/// channel e) and p = oₖ[t], q = oₖ[s] the raster tokens of those steps:
///
///     rollout      Mₗ[p, q] = (1/E) Σₖ Σₑ |αᵏ_{t,s,e}|
///     Mamba-Attr   Mₗ[p, q] = relu( (1/E) Σₖ Σₑ αᵏ_{t,s,e} · Gᵏ[p, e] · u[q, e] ),  Gᵏ = dL/d yₖ
///
/// (αᵏ_{t,s,e}·u[q,e] is source q's part of yₖ[p,e], so αᵏ·Gᵏ·u is its first-order share of L: the
/// attention weighted by its gradient, as in Ali, Zimerman & Wolf's Mamba-Attr). The D·u skip is
/// left out (it is the residual's job below). Across the layers, as in attention rollout (Abnar &
/// Zuidema), each row-normalised Mₗ is mixed with the identity for the residual path:
///
///     R = Π over layers, first to last, of (½·I + ½·rownorm(Mₗ))     relevance[q] = mean_p R[p, q]
///
/// (the head pools all tokens, so every target row counts equally). Computed in double precision.
public enum HiddenAttentionRollout {
    /// Mₗ as (L, L) row-major (target token, source token). `gradients`: dL/d y.1…y.4, each (1, E, h, w)
    /// as the gradient observer records them; nil for the gradient-free rollout.
    /// `clampNegative: false` keeps Mamba-Attr's signed shares (for checking them: they add up to L's
    /// first-order part, see the tests).
    public static func layerMatrix(_ trace: MambaTrace, gradients: [Tensor]? = nil, clampNegative: Bool = true) -> [Double] {
        let l = trace.tokens, e = trace.inner
        let g = gradients.map { $0.map { FeatureMap(nchw: $0).data } }
        var m = [Double](repeating: 0, count: l * l)
        let cumulative = trace.cumulativeDelta()
        for k in 0..<4 {
            let order = trace.orders.orders[k]
            for t in 0..<l {
                let row = trace.attentionRow(direction: k, step: t, cumulative: cumulative)
                let p = order[t]
                for s in 0...t {
                    let q = order[s]
                    var acc = 0.0
                    if let g {
                        for ei in 0..<e { acc += row[s * e + ei] * Double(g[k][p * e + ei]) * Double(trace.u[q * e + ei]) }
                    } else {
                        for ei in 0..<e { acc += abs(row[s * e + ei]) }
                    }
                    m[p * l + q] += acc / Double(e)
                }
            }
        }
        if gradients != nil && clampNegative { for i in 0..<m.count { m[i] = max(m[i], 0) } }
        return m
    }

    /// relevance[q] = mean over p of R[p, q], R = Π (½I + ½·rownorm(Mₗ)) over `matrices` in layer order.
    public static func rollout(_ matrices: [[Double]], tokens l: Int) -> [Double] {
        var r = [Double](repeating: 0, count: l * l)
        for i in 0..<l { r[i * l + i] = 1 }
        for m in matrices {
            var a = [Double](repeating: 0, count: l * l)
            for p in 0..<l {
                let sum = (0..<l).reduce(0.0) { $0 + m[p * l + $1] }
                for q in 0..<l { a[p * l + q] = 0.5 * (p == q ? 1 : 0) + (sum > 0 ? 0.5 * m[p * l + q] / sum : (p == q ? 0.5 : 0)) }
            }
            // R ← A · R: the later layer's mixing applied to what the earlier ones delivered.
            var next = [Double](repeating: 0, count: l * l)
            for p in 0..<l { for j in 0..<l { let v = a[p * l + j]; if v == 0 { continue }; for q in 0..<l { next[p * l + q] += v * r[j * l + q] } } }
            r = next
        }
        return (0..<l).map { q in (0..<l).reduce(0.0) { $0 + r[$1 * l + q] } / Double(l) }
    }
}
