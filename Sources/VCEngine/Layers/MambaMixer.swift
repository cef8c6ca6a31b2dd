import CKernels
import Glibc

/// Switches for the live ablations of the Mamba layers (all off = the official model).
/// Hashable: a view keys the ablated predictions it has computed by the ablation itself.
public struct MambaAblation: Sendable, Hashable {
    /// Which of the four scans contribute to y (a disabled scan contributes zero).
    public var enabledDirections: [Bool] = [true, true, true, true]
    /// Replace the four snake orders by a plain raster scan.
    public var rasterScan: Bool = false
    /// Use zero for `direction_Bs`.
    public var zeroDirectionBs: Bool = false

    public init(enabledDirections: [Bool] = [true, true, true, true], rasterScan: Bool = false, zeroDirectionBs: Bool = false) {
        self.enabledDirections = enabledDirections; self.rasterScan = rasterScan; self.zeroDirectionBs = zeroDirectionBs
    }
    public var isIdentity: Bool { self == MambaAblation() }
}

/// The Mamba mixer `network.6.K.mamba` (official `PlainMamba2D`), channels-last:
///
///     x  = in_conv(x)                       # 1×1 conv C → E, BN
///     u  = silu(conv2d(x))                  # 7×7 depthwise            (L, E)
///     dt, B, C = split(x_proj(u))           # (L, R), (L, N), (L, N)
///     dt = dt_proj(dt)                      # (L, E), bias added here…
///     y  = Σₖ scanₖ(u, softplus(dt + dt_proj.bias), A, B + dirB, C, D)   # …and again here
///     out = out_conv(norm(y))               # LayerNorm over E, ReLU, 1×1 conv E → C, BN
struct MambaMixer: Sendable {
    let inConv: ConvBN
    let conv2d: DepthwiseConv
    let xProj: GemmWeight              // (R + 2N, E)
    let dtProjT: [Float]               // (R, E): dt_proj.weight transposed, for `deltas`
    let dtProjBias: [Float]            // (E)
    let A: [Float]                     // (E, N) = −exp(A_log)
    let D: [Float]                     // (E)
    let directionBs: [Float]           // (5, N)
    let norm: LayerNorm
    let outConv: ConvBN
    let gamma: [Float]?
    let inner: Int, state: Int, rank: Int
    /// Ones and zeros over E: the epilogue of the 7×7 conv is SiLU alone.
    let identityScale: [Float], zeroShift: [Float]
    let site: Sites

    struct Sites: Sendable {
        let inConv0, inConv1, inConv, conv2d, u, xProj, dtProj, dt, B, C, y, norm, out0, out1, out2, outConv, out: String
        let yk: [String]
        let h, hNorm, hNormMap, hNormN, decay, dirShare: String
        init(_ p: String) {
            inConv0 = "\(p).in_conv.0"; inConv1 = "\(p).in_conv.1"; inConv = "\(p).in_conv"
            conv2d = "\(p).conv2d"; u = "\(p).u"; xProj = "\(p).x_proj"; dtProj = "\(p).dt_proj"
            dt = "\(p).dt"; B = "\(p).B"; C = "\(p).C"; y = "\(p).y"; yk = (1...4).map { "\(p).y.\($0)" }
            norm = "\(p).norm"; out0 = "\(p).out_conv.0"; out1 = "\(p).out_conv.1"; out2 = "\(p).out_conv.2"
            outConv = "\(p).out_conv"; out = p
            h = "\(p).h"; hNorm = "\(p).h_norm"; hNormMap = "\(p).h_norm_map"; hNormN = "\(p).h_norm_n"
            decay = "\(p).decay"; dirShare = "\(p).dir_share"
        }
    }

    init(_ w: Weights, prefix p: String) throws {
        inConv = ConvBN(try w.conv("\(p).in_conv.0"), try w.batchNorm("\(p).in_conv.1"))
        conv2d = DepthwiseConv(weight: try w("\(p).conv2d.weight"), bias: w.optional("\(p).conv2d.bias"))
        let xp = try w("\(p).x_proj.weight"), dtw = try w("\(p).dt_proj.weight")
        let aLog = try w("\(p).A_log")
        xProj = GemmWeight(xp.data, outputs: xp.shape[0], inputs: xp.shape[1])
        var dtT = [Float](repeating: 0, count: dtw.count)
        for ei in 0..<dtw.shape[0] { for k in 0..<dtw.shape[1] { dtT[k * dtw.shape[0] + ei] = dtw.data[ei * dtw.shape[1] + k] } }
        dtProjT = dtT
        dtProjBias = try w("\(p).dt_proj.bias").data
        A = aLog.data.map { -expf($0) }
        D = try w("\(p).D").data
        directionBs = try w("\(p).direction_Bs").data
        norm = LayerNorm(weight: try w("\(p).norm.weight").data, bias: try w("\(p).norm.bias").data)
        outConv = ConvBN(try w.conv("\(p).out_conv.1"), try w.batchNorm("\(p).out_conv.2"))
        gamma = w.optional("\(p).gamma")?.data
        inner = aLog.shape[0]; state = aLog.shape[1]; rank = dtw.shape[1]
        identityScale = [Float](repeating: 1, count: inner); zeroShift = [Float](repeating: 0, count: inner)
        site = Sites(p)
    }

    func callAsFunction(_ x: FeatureMap, _ tap: Tap, orders: ScanOrders, ablation: MambaAblation) -> FeatureMap {
        let l = x.tokens, e = inner, n = state, r = rank, f = r + 2 * n
        let h = inConv(x, .none, tap, convSite: site.inConv0, bnSite: site.inConv1, actSite: site.inConv)   // (L, E)
        var u: FeatureMap                                            // (L, E)
        if tap.wants(site.conv2d) {
            u = conv2d(h)
            tap.map(site.conv2d, u)
            Activation.silu(&u.data)
        } else {
            u = conv2d(h, epilogue: (identityScale, zeroShift, .silu))
        }
        tap.map(site.u, u)

        var xdbl = [Float](repeating: 0, count: l * f)               // (L, R + 2N)
        u.data.withUnsafeBufferPointer { a in xdbl.withUnsafeMutableBufferPointer { c in
            xProj.product(a.baseAddress!, lda: e, c.baseAddress!, ldc: f, rows: l)
        } }
        tap.tensor(site.xProj) { Tensor(shape: [1, l, f], data: xdbl) }
        let (dtp, _, delta) = deltas(xdbl, tokens: l, withPre: false)   // (L, E) each
        tap.tensor(site.dtProj) { Tensor(shape: [1, l, e], data: dtp) }
        tap.map(site.dt, FeatureMap(height: x.height, width: x.width, channels: e, data: delta))
        let (bm, cm) = splitBC(xdbl, tokens: l, rank: r, state: n, tap, height: x.height, width: x.width)

        let inputs = SelectiveScanInputs(u: u.data, delta: delta, A: A, B: bm, C: cm, D: D,
                                         directionBs: ablation.zeroDirectionBs ? [Float](repeating: 0, count: 5 * n) : directionBs,
                                         tokens: l, inner: e, state: n)
        let wantH = tap.wants(site.h)
        let wantNorm = tap.wants(site.hNorm) || tap.wants(site.hNormMap) || tap.wants(site.hNormN)
        var hs: [Float] = wantH ? [Float](repeating: 0, count: 4 * l * e * n) : []
        var hn: [Float] = wantNorm ? [Float](repeating: 0, count: 4 * l * n) : []
        let wantDecay = tap.wants(site.decay)
        var dm: [Float] = wantDecay ? [Float](repeating: 0, count: n * l) : []
        // Each scan's own output is kept only for observers of y.1…y.4 or the direction shares.
        let wantDirections = site.yk.contains { tap.wants($0) } || tap.wants(site.dirShare)
        let scan = hs.withUnsafeMutableBufferPointer { hp in hn.withUnsafeMutableBufferPointer { np in dm.withUnsafeMutableBufferPointer { dp in
            SelectiveScan.run(inputs, orders: orders, enabled: ablation.enabledDirections, perDirection: wantDirections,
                              hiddenStates: wantH ? hp.baseAddress : nil, hiddenNormsSquared: wantNorm ? np.baseAddress : nil,
                              decayMeans: wantDecay ? dp.baseAddress : nil)
        } } }
        if wantH { tap.tensor(site.h) { Tensor(shape: [4, l, e, n], data: hs) } }
        if wantNorm { emitHiddenNorms(hn, tap, orders: orders, height: x.height, width: x.width) }
        if wantDecay { tap.tensor(site.decay) { Tensor(shape: [n, x.height, x.width], data: dm) } }
        if let ys = scan.directions {
            tap.tensor(site.dirShare) { directionShares(ys, tokens: l, height: x.height, width: x.width) }
            for k in 0..<4 { tap.map(site.yk[k], FeatureMap(height: x.height, width: x.width, channels: e, data: ys[k])) }
        }
        var y = FeatureMap(height: x.height, width: x.width, channels: e, data: scan.sum)
        tap.map(site.y, y)
        norm.apply(&y)
        tap.tokens(site.norm, y)
        Activation.relu(&y.data)
        tap.map(site.out0, y)
        var o = outConv(y, .none, tap, convSite: site.out1, bnSite: site.out2, actSite: site.outConv)   // (L, C)
        if let g = gamma {
            for p in 0..<o.tokens { for c in 0..<o.channels { o.data[p * o.channels + c] *= g[c] } }
        }
        tap.map(site.out, o)
        return o
    }
}

extension MambaMixer {
    /// dt_proj of x_proj's dt columns (the first R of each token's R + 2N) with nn.Linear's bias:
    /// `dtp` (site dt_proj); `pre` = dtp + the same bias again (selective_scan's delta_bias, the
    /// official quirk), softplus's input, kept for the gradient pass when `withPre`; and Δ =
    /// softplus(pre). One pass per token in `vck_dt_proj`, tokens split over the engine's threads;
    /// `deltasReference` is the plain loop it is tested against. Shared by the forward and the
    /// gradient pass's own forward, so both see the same bits.
    func deltas(_ xdbl: [Float], tokens l: Int, withPre: Bool) -> (dtp: [Float], pre: [Float], delta: [Float]) {
        let e = inner, r = rank, f = r + 2 * state
        precondition(xdbl.count == l * f)
        var dtp = [Float](unsafeUninitializedCapacity: l * e) { _, count in count = l * e }
        var pre = [Float](unsafeUninitializedCapacity: withPre ? l * e : 0) { _, count in count = withPre ? l * e : 0 }
        var delta = [Float](unsafeUninitializedCapacity: l * e) { _, count in count = l * e }
        vck_tally_macs(l * e * r)
        xdbl.withUnsafeBufferPointer { x in dtProjT.withUnsafeBufferPointer { w in dtProjBias.withUnsafeBufferPointer { b in
        dtp.withUnsafeMutableBufferPointer { dp in pre.withUnsafeMutableBufferPointer { pp in delta.withUnsafeMutableBufferPointer { dl in
            nonisolated(unsafe) let ptrs = (x.baseAddress!, w.baseAddress!, b.baseAddress!, dp.baseAddress!, withPre ? pp.baseAddress : nil, dl.baseAddress!)
            // Per output about 2R flops of product and ~40 of softplus.
            let flops = Double(l * e * (2 * r + 40))
            let chunks = EngineThreads.current > 1 && Parallel.pays(flops) ? min(l, EngineThreads.current) : 1
            Parallel.forEach(chunks, flops: flops) { c in
                vck_dt_proj(ptrs.0, f, r, ptrs.1, ptrs.2, e, ptrs.3, ptrs.4, ptrs.5, l * c / chunks, l * (c + 1) / chunks)
            }
        } } } } } }
        return (dtp, pre, delta)
    }

    /// The plain loops `deltas` is tested against: the product summed in Double, then the two
    /// biases and softplus (`VectorMath`).
    func deltasReference(_ xdbl: [Float], tokens l: Int) -> (dtp: [Float], pre: [Float], delta: [Float]) {
        let e = inner, r = rank, f = r + 2 * state
        var dtp = [Float](repeating: 0, count: l * e), pre = dtp
        for t in 0..<l { for ei in 0..<e {
            var s: Double = 0
            for k in 0..<r { s += Double(xdbl[t * f + k]) * Double(dtProjT[k * e + ei]) }
            dtp[t * e + ei] = Float(s) + dtProjBias[ei]
            pre[t * e + ei] = dtp[t * e + ei] + dtProjBias[ei]
        } }
        var delta = pre
        delta.withUnsafeMutableBufferPointer { VectorMath.softplus($0.baseAddress!, l * e) }
        return (dtp, pre, delta)
    }

    /// B and C of every token from x_proj's output (L, R + 2N): columns R..<R+N and R+N..<R+2N
    /// (`x_dbl.split([dt_rank, N, N])`), emitted at their sites. Shared by the forward and the
    /// gradient pass's own forward.
    func splitBC(_ xdbl: [Float], tokens l: Int, rank r: Int, state n: Int, _ tap: Tap,
                 height: Int, width: Int) -> (B: [Float], C: [Float]) {
        let f = r + 2 * n
        var bm = [Float](repeating: 0, count: l * n), cm = bm
        for t in 0..<l { for ni in 0..<n { bm[t * n + ni] = xdbl[t * f + r + ni]; cm[t * n + ni] = xdbl[t * f + r + n + ni] } }
        tap.map(site.B, FeatureMap(height: height, width: width, channels: n, data: bm))
        tap.map(site.C, FeatureMap(height: height, width: width, channels: n, data: cm))
        return (bm, cm)
    }

    /// ‖h_t‖ per direction in step order (4, L), on the grid (4, h, w) and per state index
    /// n on the grid (4, N, h, w), from the per-(direction, step, n) sums of squares.
    func emitHiddenNorms(_ sq: [Float], _ tap: Tap, orders: ScanOrders, height: Int, width: Int) {
        let l = height * width, n = state
        var norm = [Float](repeating: 0, count: 4 * l)
        for k in 0..<4 { for t in 0..<l {
            var s: Float = 0
            for ni in 0..<n { s += sq[(k * l + t) * n + ni] }
            norm[k * l + t] = s.squareRoot()
        } }
        tap.tensor(site.hNorm) { Tensor(shape: [4, l], data: norm) }
        tap.tensor(site.hNormMap) {
            var m = [Float](repeating: 0, count: 4 * l)
            for k in 0..<4 { for t in 0..<l { m[k * l + orders.orders[k][t]] = norm[k * l + t] } }
            return Tensor(shape: [4, height, width], data: m)
        }
        tap.tensor(site.hNormN) {
            var m = [Float](repeating: 0, count: 4 * n * l)
            for k in 0..<4 { for t in 0..<l { for ni in 0..<n {
                m[(k * n + ni) * l + orders.orders[k][t]] = sq[(k * l + t) * n + ni].squareRoot()
            } } }
            return Tensor(shape: [4, n, height, width], data: m)
        }
    }

    /// Each direction's share of the summed output per token: Σ_e |y_k| / Σ_j Σ_e |y_j|, (4, h, w).
    func directionShares(_ ys: [[Float]], tokens l: Int, height: Int, width: Int) -> Tensor {
        Tensor(shape: [4, height, width], data: Self.directionShares(ys, tokens: l, inner: inner))
    }

    /// The shares as (4, L), sixteen channels at a time: the plain loop
    /// (`directionSharesReference`), one dependent add per value through two levels of arrays, ran
    /// on the caller alone after every observed scan, 1.1% of an observed two-thread S pass.
    static func directionShares(_ ys: [[Float]], tokens l: Int, inner e: Int) -> [Float] {
        var m = [Float](repeating: 0, count: 4 * l)
        let blocks = e / 16
        ys[0].withUnsafeBufferPointer { y0 in ys[1].withUnsafeBufferPointer { y1 in
        ys[2].withUnsafeBufferPointer { y2 in ys[3].withUnsafeBufferPointer { y3 in
            let y = [y0.baseAddress!, y1.baseAddress!, y2.baseAddress!, y3.baseAddress!]
            for p in 0..<l {
                var parts = SIMD4<Float>()
                for k in 0..<4 {
                    let row = y[k] + p * e
                    var acc = SIMD16<Float>()
                    for b in 0..<blocks {
                        let v = UnsafeRawPointer(row + 16 * b).loadUnaligned(as: SIMD16<Float>.self)
                        acc += v.replacing(with: -v, where: v .< 0)
                    }
                    var s = acc.sum()
                    for ei in (16 * blocks)..<e { s += abs(row[ei]) }
                    parts[k] = s
                }
                let total = parts.sum()
                for k in 0..<4 { m[k * l + p] = total > 0 ? parts[k] / total : 0 }
            }
        } } } }
        return m
    }

    /// The plain loop `directionShares` is checked against (`MambaDirectionShareTests`).
    static func directionSharesReference(_ ys: [[Float]], tokens l: Int, inner e: Int) -> [Float] {
        var m = [Float](repeating: 0, count: 4 * l)
        for p in 0..<l {
            var parts = [Float](repeating: 0, count: 4)
            for k in 0..<4 { var s: Float = 0; for ei in 0..<e { s += abs(ys[k][p * e + ei]) }; parts[k] = s }
            let total = parts.reduce(0, +)
            for k in 0..<4 { m[k * l + p] = total > 0 ? parts[k] / total : 0 }
        }
        return m
    }
}

/// A Mamba layer of stage 4 (official `PlainMambaLayer`):
///
///     x = x + mamba(norm(x))      # norm: BatchNorm2d
///     x = x + mlp(norm2(x))       # norm2: BatchNorm2d; mlp as in FFN blocks, no layer scale
struct PlainMambaLayer: Sendable {
    let norm: BatchNorm, norm2: BatchNorm
    let mamba: MambaMixer
    let mlp: Mlp
    let name: String, normSite: String, norm2Site: String

    init(_ w: Weights, prefix p: String) throws {
        norm = try w.batchNorm("\(p).norm"); norm2 = try w.batchNorm("\(p).norm2")
        mamba = try MambaMixer(w, prefix: "\(p).mamba")
        mlp = try Mlp(w, prefix: "\(p).mlp")
        name = p; normSite = "\(p).norm"; norm2Site = "\(p).norm2"
    }

    func callAsFunction(_ x: FeatureMap, _ tap: Tap, orders: ScanOrders, ablation: MambaAblation) -> FeatureMap {
        var h = x
        norm.apply(&h)
        tap.map(normSite, h)
        let m = mamba(h, tap, orders: orders, ablation: ablation)
        var out = x
        for i in 0..<out.data.count { out.data[i] += m.data[i] }
        var h2 = out
        norm2.apply(&h2)
        tap.map(norm2Site, h2)
        mlp.addInto(&out, from: h2, gain: nil, tap)
        tap.map(name, out)
        return out
    }
}
