import Glibc

/// The selective scan of PlainMamba2D, four directions over one token grid.
///
/// For scan k with order oₖ and direction codes dₖ, at step t = 0..L−1 (h starts at 0):
///
///     Δ_t      = softplus(dt_proj(x)_t + dt_proj.bias)      (the bias a second time: official quirk)
///     h_t      = exp(Δ_t·A) ⊙ h_{t−1} + Δ_t · (B_t + direction_Bs[dₖ[t]]) · u[oₖ[t]]
///     y_t      = C_t · h_t + D · u[oₖ[t]]
///     outₖ[oₖ[t]] = y_t
///
/// Δ, B and C are indexed by the step t in raster order while only u is permuted: that is what the
/// official code computes (it permutes x_conv but not dt, B, C), so vcview does the same.
/// Shapes: u, Δ: (L, E) token-major; A: (E, N); B, C: (L, N); D: (E); direction_Bs: (5, N).
struct SelectiveScanInputs {
    var u: [Float]
    var delta: [Float]
    var A: [Float]
    var B: [Float]
    var C: [Float]
    var D: [Float]
    var directionBs: [Float]
    var tokens: Int
    var inner: Int
    var state: Int
}

enum SelectiveScan {
    /// The recurrence exactly as written above: one direction at a time, h as (E, N), exp per
    /// direction. Slow and obvious; the fast path is tested equal to it.
    static func reference(_ x: SelectiveScanInputs, orders: ScanOrders, enabled: [Bool] = [true, true, true, true]) -> [[Float]] {
        let l = x.tokens, e = x.inner, n = x.state
        var outs: [[Float]] = []
        for k in 0..<4 {
            var out = [Float](repeating: 0, count: l * e)
            if enabled[k] {
                var h = [Float](repeating: 0, count: e * n)
                for t in 0..<l {
                    let p = orders.orders[k][t], d = orders.directions[k][t]
                    for ei in 0..<e {
                        let delta = x.delta[t * e + ei], u = x.u[p * e + ei]
                        var y: Float = 0
                        for ni in 0..<n {
                            let bt = x.B[t * n + ni] + x.directionBs[d * n + ni]
                            h[ei * n + ni] = expf(delta * x.A[ei * n + ni]) * h[ei * n + ni] + delta * bt * u
                            y += x.C[t * n + ni] * h[ei * n + ni]
                        }
                        out[p * e + ei] = y + x.D[ei] * u
                    }
                }
            }
            outs.append(out)
        }
        return outs
    }

    /// The fast path. exp(Δ_t·A) depends only on t (Δ is shared by all four scans), so it is
    /// computed once per layer, laid out (t, n, e) so that every inner loop runs over contiguous
    /// channels. h is kept as (N, E). `hiddenStates`, when given, receives h after every step as
    /// (4, L, E, N) — the layout of the `….mamba.h` site. `hiddenNormsSquared`, when given,
    /// receives Σ_e h[e][n]² after every step as (4, L, N): the per-state magnitudes, from which
    /// ‖h_t‖ is the square root of the sum over n.
    static func fast(_ x: SelectiveScanInputs, orders: ScanOrders, enabled: [Bool] = [true, true, true, true],
                     hiddenStates: UnsafeMutablePointer<Float>? = nil,
                     hiddenNormsSquared: UnsafeMutablePointer<Float>? = nil,
                     decayMeans: UnsafeMutablePointer<Float>? = nil) -> [[Float]] {
        let l = x.tokens, e = x.inner, n = x.state
        // A transposed to (N, E).
        var at = [Float](repeating: 0, count: n * e)
        for ei in 0..<e { for ni in 0..<n { at[ni * e + ei] = x.A[ei * n + ni] } }
        // decay[t][n][e] = exp(Δ[t][e] · A[e][n])
        var decay = [Float](repeating: 0, count: l * n * e)
        decay.withUnsafeMutableBufferPointer { dec in x.delta.withUnsafeBufferPointer { dl in at.withUnsafeBufferPointer { a in
            for t in 0..<l { for ni in 0..<n {
                let o = (t * n + ni) * e
                for ei in 0..<e { dec[o + ei] = dl[t * e + ei] * a[ni * e + ei] }
            } }
            VectorMath.exp(dec.baseAddress!, l * n * e)
            // The `decay` site: exp(Δ_t·A) averaged over channels, (N, L), from the same values.
            if let dm = decayMeans {
                for t in 0..<l { for ni in 0..<n {
                    let row = dec.baseAddress! + (t * n + ni) * e
                    var sum: Float = 0
                    for ei in 0..<e { sum += row[ei] }
                    dm[ni * l + t] = sum / Float(e)
                } }
            }
        } } }
        var outs: [[Float]] = []
        var h = [Float](repeating: 0, count: n * e)
        var du = [Float](repeating: 0, count: e)
        var y = [Float](repeating: 0, count: e)
        var bt = [Float](repeating: 0, count: n)
        for k in 0..<4 {
            var out = [Float](repeating: 0, count: l * e)
            guard enabled[k] else { outs.append(out); continue }
            for i in 0..<h.count { h[i] = 0 }
            let order = orders.orders[k], dirs = orders.directions[k]
            h.withUnsafeMutableBufferPointer { hp in du.withUnsafeMutableBufferPointer { dup in y.withUnsafeMutableBufferPointer { yp in
            bt.withUnsafeMutableBufferPointer { btp in out.withUnsafeMutableBufferPointer { op in
            decay.withUnsafeBufferPointer { dec in x.u.withUnsafeBufferPointer { u in x.delta.withUnsafeBufferPointer { dl in
            x.B.withUnsafeBufferPointer { bb in x.C.withUnsafeBufferPointer { cc in x.D.withUnsafeBufferPointer { dd in
            x.directionBs.withUnsafeBufferPointer { db in
                for t in 0..<l {
                    let p = order[t], d = dirs[t]
                    let ut = u.baseAddress! + p * e, dt = dl.baseAddress! + t * e
                    for ei in 0..<e { dup[ei] = dt[ei] * ut[ei]; yp[ei] = dd[ei] * ut[ei] }
                    for ni in 0..<n { btp[ni] = bb[t * n + ni] + db[d * n + ni] }
                    for ni in 0..<n {
                        let hr = hp.baseAddress! + ni * e, dr = dec.baseAddress! + (t * n + ni) * e
                        let b = btp[ni], c = cc[t * n + ni]
                        for ei in 0..<e {
                            let v = dr[ei] * hr[ei] + dup[ei] * b
                            hr[ei] = v
                            yp[ei] += c * v
                        }
                    }
                    let o = op.baseAddress! + p * e
                    for ei in 0..<e { o[ei] = yp[ei] }
                    if let hs = hiddenStates {
                        let base = hs + ((k * l) + t) * e * n
                        for ni in 0..<n { for ei in 0..<e { base[ei * n + ni] = hp[ni * e + ei] } }
                    }
                    if let hn = hiddenNormsSquared {
                        let row = hn + (k * l + t) * n
                        for ni in 0..<n {
                            var s: Float = 0
                            let hr = hp.baseAddress! + ni * e
                            for ei in 0..<e { s += hr[ei] * hr[ei] }
                            row[ni] = s
                        }
                    }
                }
            } } } }
            } } } } } } } }
            outs.append(out)
        }
        return outs
    }
}
