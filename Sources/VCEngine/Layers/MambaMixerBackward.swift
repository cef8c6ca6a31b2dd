/// The reverse of `MambaMixer` and `PlainMambaLayer`, with the forward's site names.
///
///     in_conv (1×1, BN) → conv2d (7×7 depthwise) → SiLU = u → x_proj → (dt_raw, B, C)
///     dt_proj → Δ = softplus(dt_proj + bias) → four scans → y → LayerNorm → ReLU → out_conv (1×1, BN)
///
/// dL/du has two parts: the scans' own (u is their input) and x_proj's transpose applied to
/// dL/d(dt_raw, B, C), where dL/d dt_raw = dL/dΔ ⊙ softplus′ · dt_proj.weight.
struct MambaMixerGradient: Sendable {
    let mixer: MambaMixer
    let inConv: ConvBNGradient, outConv: ConvBNGradient
    let conv2d: DepthwiseGradient
    /// x_proj.weight (R + 2N, E) and dt_proj.weight (E, R) as stored.
    let xProj: [Float], dtProj: [Float]

    init(_ m: MambaMixer, _ w: Weights) throws {
        mixer = m
        let p = m.site.out
        inConv = ConvBNGradient(m.inConv, weight: try w("\(p).in_conv.0.weight"))
        outConv = ConvBNGradient(m.outConv, weight: try w("\(p).out_conv.1.weight"))
        conv2d = DepthwiseGradient(weight: try w("\(p).conv2d.weight"))
        xProj = try w("\(p).x_proj.weight").data
        dtProj = try w("\(p).dt_proj.weight").data
    }

    struct Saved: Sendable {
        let inConv: ConvBNGradient.Saved, outConv: ConvBNGradient.Saved
        let conv2d: [Float]              // conv2d's output, SiLU's input (L, E)
        let scan: SelectiveScanInputs    // u, Δ, B, C, … as the scans read them
        let deltaPre: [Float]            // dt_proj + bias, softplus's input (L, E)
        let y: [Float]                   // the scans' sum, LayerNorm's input (L, E)
        let normed: [Float]              // LayerNorm's output, ReLU's input (L, E)
        let height: Int, width: Int
        let orders: ScanOrders, enabled: [Bool]
    }

    func forward(_ x: FeatureMap, _ tap: Tap, orders: ScanOrders, ablation: MambaAblation) -> (FeatureMap, Saved) {
        let m = mixer, site = m.site
        let l = x.tokens, e = m.inner, n = m.state, r = m.rank, f = r + 2 * n
        let (h, sIn) = inConv.forward(x, .none, tap, convSite: site.inConv0, bnSite: site.inConv1, actSite: site.inConv)
        var u = m.conv2d(h)
        tap.map(site.conv2d, u)
        let conv = u.data
        Activation.silu(&u.data)
        tap.map(site.u, u)
        var xdbl = [Float](repeating: 0, count: l * f)
        u.data.withUnsafeBufferPointer { a in xdbl.withUnsafeMutableBufferPointer { c in
            m.xProj.product(a.baseAddress!, lda: e, c.baseAddress!, ldc: f, rows: l)
        } }
        tap.tensor(site.xProj) { Tensor(shape: [1, l, f], data: xdbl) }
        let (dtp, pre, delta) = m.deltas(xdbl, tokens: l, withPre: true)
        tap.tensor(site.dtProj) { Tensor(shape: [1, l, e], data: dtp) }
        tap.map(site.dt, FeatureMap(height: x.height, width: x.width, channels: e, data: delta))
        let (bm, cm) = m.splitBC(xdbl, tokens: l, rank: r, state: n, tap, height: x.height, width: x.width)
        let inputs = SelectiveScanInputs(u: u.data, delta: delta, A: m.A, B: bm, C: cm, D: m.D,
                                         directionBs: ablation.zeroDirectionBs ? [Float](repeating: 0, count: 5 * n) : m.directionBs,
                                         tokens: l, inner: e, state: n)
        let perDirection = site.yk.contains { tap.wants($0) }
        let scan = SelectiveScan.run(inputs, orders: orders, enabled: ablation.enabledDirections, perDirection: perDirection)
        if let ys = scan.directions {
            for k in 0..<4 { tap.map(site.yk[k], FeatureMap(height: x.height, width: x.width, channels: e, data: ys[k])) }
        }
        var y = FeatureMap(height: x.height, width: x.width, channels: e, data: scan.sum)
        tap.map(site.y, y)
        m.norm.apply(&y)
        tap.tokens(site.norm, y)
        let normed = y.data
        Activation.relu(&y.data)
        tap.map(site.out0, y)
        var (o, sOut) = outConv.forward(y, .none, tap, convSite: site.out1, bnSite: site.out2, actSite: site.outConv)
        if let g = m.gamma { o.scaleChannels(g) }
        tap.map(site.out, o)
        return (o, Saved(inConv: sIn, outConv: sOut, conv2d: conv, scan: inputs, deltaPre: pre, y: scan.sum, normed: normed,
                         height: x.height, width: x.width, orders: orders, enabled: ablation.enabledDirections))
    }

    func backward(_ g: FeatureMap, _ s: Saved, _ tap: GradientTap) -> FeatureMap {
        let m = mixer, site = m.site
        let hh = s.height, ww = s.width, l = hh * ww, e = m.inner, n = m.state, r = m.rank, f = r + 2 * n
        var g = g
        tap.map(site.out, &g)
        if let gm = m.gamma { g.scaleChannels(gm) }
        var gy = outConv.backward(g, s.outConv, .none, tap, convSite: site.out1, bnSite: site.out2, actSite: site.outConv)
        tap.map(site.out0, &gy)
        ActivationGradient.apply(.relu, pre: s.normed, &gy.data)
        tap.tokens(site.norm, &gy)
        m.norm.inputGradient(&gy, input: FeatureMap(height: hh, width: ww, channels: e, data: s.y))
        tap.map(site.y, &gy)
        // Each scan's output gradient: dL/dy (y is their sum), plus a seed placed on that scan's
        // own output; recorded as y.k's gradient.
        var dys = [Float](repeating: 0, count: 4 * l * e)
        for k in 0..<4 {
            var gk = gy
            tap.map(site.yk[k], &gk)
            for i in 0..<(l * e) { dys[k * l * e + i] = gk.data[i] }
        }
        let sg = SelectiveScan.backward(s.scan, orders: s.orders, enabled: s.enabled, dy: dys)
        var gDelta = FeatureMap(height: hh, width: ww, channels: e, data: sg.delta)
        tap.map(site.dt, &gDelta)
        ActivationGradient.apply(.softplus, pre: s.deltaPre, &gDelta.data)
        tap.tokens(site.dtProj, &gDelta)                   // dt_proj's output: Δ's input minus a constant
        var gB = FeatureMap(height: hh, width: ww, channels: n, data: sg.B)
        var gC = FeatureMap(height: hh, width: ww, channels: n, data: sg.C)
        tap.map(site.B, &gB)
        tap.map(site.C, &gC)
        var gx = FeatureMap(height: hh, width: ww, channels: f)    // dL/d x_proj(u) = (dt_raw, B, C)
        gDelta.data.withUnsafeBufferPointer { a in dtProj.withUnsafeBufferPointer { b in gx.data.withUnsafeMutableBufferPointer { c in
            gemmAB(a.baseAddress!, lda: e, b.baseAddress!, ldb: r, c.baseAddress!, ldc: f, m: l, n: r, k: e)
        } } }
        for t in 0..<l { for ni in 0..<n { gx.data[t * f + r + ni] = gB.data[t * n + ni]; gx.data[t * f + r + n + ni] = gC.data[t * n + ni] } }
        tap.tokens(site.xProj, &gx)
        var gu = FeatureMap(height: hh, width: ww, channels: e, data: sg.u)
        gx.data.withUnsafeBufferPointer { a in xProj.withUnsafeBufferPointer { b in gu.data.withUnsafeMutableBufferPointer { c in
            gemmAB(a.baseAddress!, lda: f, b.baseAddress!, ldb: e, c.baseAddress!, ldc: e, m: l, n: e, k: f, accumulate: true)
        } } }
        tap.map(site.u, &gu)
        ActivationGradient.apply(.silu, pre: s.conv2d, &gu.data)
        tap.map(site.conv2d, &gu)
        let gh = conv2d.inputGradient(gu)
        return inConv.backward(gh, s.inConv, .none, tap, convSite: site.inConv0, bnSite: site.inConv1, actSite: site.inConv)
    }
}

struct PlainMambaLayerGradient: Sendable {
    let layer: PlainMambaLayer
    let mamba: MambaMixerGradient
    let mlp: MlpGradient

    init(_ layer: PlainMambaLayer, _ w: Weights) throws {
        self.layer = layer
        mamba = try MambaMixerGradient(layer.mamba, w)
        mlp = try MlpGradient(layer.mlp, w)
    }

    typealias Saved = (MambaMixerGradient.Saved, MlpGradient.Saved)

    func forward(_ x: FeatureMap, _ tap: Tap, orders: ScanOrders, ablation: MambaAblation) -> (FeatureMap, Saved) {
        var h = x
        layer.norm.apply(&h)
        tap.map(layer.normSite, h)
        var (out, sm) = mamba.forward(h, tap, orders: orders, ablation: ablation)
        out.add(x)
        var h2 = out
        layer.norm2.apply(&h2)
        tap.map(layer.norm2Site, h2)
        let (mo, sl) = mlp.forward(h2, tap)
        out.add(mo)
        tap.map(layer.name, out)
        return (out, (sm, sl))
    }

    /// x₁ = x + mamba(norm(x)), out = x₁ + mlp(norm2(x₁)): each residual passes dL straight through.
    func backward(_ g: FeatureMap, _ s: Saved, _ tap: GradientTap) -> FeatureMap {
        var g = g
        tap.map(layer.name, &g)
        var g2 = mlp.backward(g, s.1, tap)
        tap.map(layer.norm2Site, &g2)
        layer.norm2.inputGradient(&g2)
        g.add(g2)
        var g1 = mamba.backward(g, s.0, tap)
        tap.map(layer.normSite, &g1)
        layer.norm.inputGradient(&g1)
        g.add(g1)
        return g
    }
}
