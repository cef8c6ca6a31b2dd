import Glibc

/// Everything needed to explain one Mamba layer's four scans after a forward pass: the scan
/// inputs (from the recorded sites `u`, `dt`, `B`, `C`, `y.1`…`y.4`) and the layer's parameters.
///
/// Implicit attention (Ali, Zimerman & Wolf, "The Hidden Attention of Mamba Models"): unrolling
/// the recurrence h_t = exp(Δ_t·A) h_{t−1} + Δ_t B̃_t u_t gives, per channel e,
///
///     y_t[e] = Σ_{s ≤ t} α_{t,s,e} · u_{o(s)}[e] + D[e] · u_{o(t)}[e]
///     α_{t,s,e} = Σ_n C_t[n] · exp(A[e,n] · (S_t[e] − S_s[e])) · Δ_s[e] · (B_s[n] + dirB[d(s)][n])
///
/// with S_t = Σ_{r ≤ t} Δ_r the cumulative step size. Δ, B, C are indexed by the step (raster
/// position, official quirk) and u by the scan order o. Computed in double precision.
public struct MambaTrace: Sendable {
    public let layer: String
    public let height: Int, width: Int, inner: Int, state: Int
    public let orders: ScanOrders
    /// (L, E) token-major, raster order.
    let u: [Float], delta: [Float]
    /// (L, N) indexed by step = raster position.
    let B: [Float], C: [Float]
    let A: [Float], D: [Float], directionBs: [Float]
    /// The engine's per-direction outputs on the grid, (L, E) each.
    let y: [[Float]]

    public var tokens: Int { height * width }

    /// Cumulative step sizes S_t[e] for t = 0..L−1, in double.
    func cumulativeDelta() -> [Double] {
        let l = tokens, e = inner
        var s = [Double](repeating: 0, count: l * e)
        for t in 0..<l { for ei in 0..<e {
            s[t * e + ei] = (t > 0 ? s[(t - 1) * e + ei] : 0) + Double(delta[t * e + ei])
        } }
        return s
    }

    /// α_{t,s,e} for one target step t and all sources s ≤ t: (t + 1, E) in double.
    public func attentionRow(direction d: Int, step t: Int) -> [Double] {
        attentionRow(direction: d, step: t, cumulative: cumulativeDelta())
    }

    func attentionRow(direction d: Int, step t: Int, cumulative S: [Double]) -> [Double] {
        let e = inner, n = state
        var row = [Double](repeating: 0, count: (t + 1) * e)
        let dirs = orders.directions[d]
        for s in 0...t {
            let db = dirs[s]
            for ei in 0..<e {
                let gap = S[t * e + ei] - S[s * e + ei]
                var acc = 0.0
                for ni in 0..<n {
                    let bt = Double(B[s * n + ni]) + Double(directionBs[db * n + ni])
                    acc += Double(C[t * n + ni]) * Foundation_exp(Double(A[ei * n + ni]) * gap) * bt
                }
                row[s * e + ei] = acc * Double(delta[s * e + ei])
            }
        }
        return row
    }

    /// The attention of the token at grid (row, col) over the tokens it has read, per direction,
    /// on the grid: (4, h, w). Channel `nil` averages over channels. Zero for tokens not yet read.
    public func attentionMap(row: Int, col: Int, channel: Int? = nil) -> Tensor {
        let l = tokens, e = inner
        let p = row * width + col
        let S = cumulativeDelta()
        var out = [Float](repeating: 0, count: 4 * l)
        for d in 0..<4 {
            let t = orders.inverse[d][p]
            let a = attentionRow(direction: d, step: t, cumulative: S)
            for s in 0...t {
                let v: Double
                if let c = channel { v = a[s * e + c] } else {
                    var sum = 0.0
                    for ei in 0..<e { sum += a[s * e + ei] }
                    v = sum / Double(e)
                }
                out[d * l + orders.orders[d][s]] = Float(v)
            }
        }
        return Tensor(shape: [4, height, width], data: out)
    }

    /// y of direction d rebuilt from α (all rows) on the grid, (L, E), and its max error relative
    /// to the engine's y: the check that α really is the scan, at float rounding.
    public func rebuiltOutput(direction d: Int) -> (y: [Float], relativeError: Float) {
        let l = tokens, e = inner
        let S = cumulativeDelta()
        var out = [Float](repeating: 0, count: l * e)
        let order = orders.orders[d]
        for t in 0..<l {
            let a = attentionRow(direction: d, step: t, cumulative: S)
            let pt = order[t]
            for ei in 0..<e {
                var acc = Double(D[ei]) * Double(u[pt * e + ei])
                for s in 0...t { acc += a[s * e + ei] * Double(u[order[s] * e + ei]) }
                out[pt * e + ei] = Float(acc)
            }
        }
        var maxDiff: Float = 0, scale: Float = 0
        for i in 0..<out.count { maxDiff = max(maxDiff, abs(out[i] - y[d][i])); scale = max(scale, abs(y[d][i])) }
        return (out, scale > 0 ? maxDiff / scale : maxDiff)
    }
}

@inline(__always) func Foundation_exp(_ x: Double) -> Double { Glibc.exp(x) }

extension VCMambaModel {
    /// Official names of the Mamba mixers, `network.6.K.mamba`, in order.
    public var mambaLayers: [String] {
        stages[3].compactMap { if case .mamba(let m) = $0 { return m.mamba.site.out } else { return nil } }
    }

    func mixer(_ name: String) -> MambaMixer? {
        for b in stages[3] { if case .mamba(let m) = b, m.mamba.site.out == name { return m.mamba } }
        return nil
    }

    /// The sites a `MambaTrace` of `layer` needs recorded.
    public static func traceSites(_ layer: String) -> [String] {
        ["\(layer).u", "\(layer).dt", "\(layer).B", "\(layer).C"] + (1...4).map { "\(layer).y.\($0)" }
    }

    /// Builds the trace of `layer` from stored tensors by site name (a recording of at least
    /// `traceSites(layer)`, such as `RecordingObserver.tensors`). `orders`: the grid's scan orders
    /// when the caller already has them (built here otherwise, the raster ones with `rasterScan`).
    public func trace(layer: String, tensors: [String: Tensor], rasterScan: Bool = false, orders: ScanOrders? = nil) throws -> MambaTrace {
        guard let m = mixer(layer) else { throw ModelError("no Mamba layer named \(layer) (this model has \(mambaLayers.joined(separator: ", ")))") }
        func tokensMajor(_ site: String) throws -> (h: Int, w: Int, data: [Float]) {
            guard let t = tensors[site] else { throw ModelError("site \(site) was not recorded") }
            let fm = FeatureMap(nchw: t)
            return (fm.height, fm.width, fm.data)
        }
        let u = try tokensMajor("\(layer).u")
        let orders = orders.flatMap { $0.height == u.h && $0.width == u.w && !rasterScan ? $0 : nil }
            ?? (rasterScan ? ScanOrders.raster(height: u.h, width: u.w) : ScanOrders(height: u.h, width: u.w))
        return MambaTrace(layer: layer, height: u.h, width: u.w, inner: m.inner, state: m.state, orders: orders,
                          u: u.data, delta: try tokensMajor("\(layer).dt").data,
                          B: try tokensMajor("\(layer).B").data, C: try tokensMajor("\(layer).C").data,
                          A: m.A, D: m.D, directionBs: m.directionBs,
                          y: try (1...4).map { try tokensMajor("\(layer).y.\($0)").data })
    }
}
