/// Reverse-mode gradients through VCMamba: dL/d(input) and dL/d(any site) for a scalar L defined
/// at any site (`GradientObjective`: a class logit, a channel or token of a site, VMamba's ERF
/// objective, or any seed).
///
/// A gradient pass is its own forward — the same kernels, the same sites, but each layer keeps what
/// its reverse needs (pre-activations, LayerNorm inputs, the scans' inputs) — followed by the
/// reverse walk from the objective's site down to the input. `VCMambaModel.forward` is untouched:
/// nothing is kept when no gradient is asked for. The reverse of each layer lives beside it
/// (`Layers/*Backward.swift`, `Kernels/*Backward.swift`) and uses the forward's site names, so an
/// observer asking for `network.4.3.mlp.act.0` receives dL/d(that activation) in its layout.
///
/// The convolution weights are packed for the forward's products and their plain copy is dropped,
/// so this object keeps a plain copy of every weight the transposed products read (the model's
/// size again).
public final class VCMambaGradients: @unchecked Sendable {
    public let model: VCMambaModel
    let stem: StemGradient
    let stages: [[Block]]
    let downsamples: [DownsampleGradient]
    let head: HeadGradient

    enum Block: Sendable {
        case ffn(FFNBlockGradient)
        case mamba(PlainMambaLayerGradient)
    }

    public convenience init(parameters: ParameterSet) throws {
        try self.init(model: try VCMambaModel(parameters: parameters), parameters: parameters)
    }

    /// `parameters` must be the set `model` was built from.
    public init(model: VCMambaModel, parameters: ParameterSet) throws {
        self.model = model
        let w = Weights(set: parameters)
        stem = try StemGradient(model.stem, w)
        stages = try model.stages.map { blocks in
            try blocks.map { b -> Block in
                switch b {
                case .ffn(let f): return .ffn(try FFNBlockGradient(f, w))
                case .mamba(let m): return .mamba(try PlainMambaLayerGradient(m, w))
                }
            }
        }
        downsamples = try model.downsamples.map { try DownsampleGradient($0, w) }
        head = HeadGradient(model: model)
    }

    /// One step of the reverse walk: the sites it owns, and its reverse (output gradient → input gradient).
    struct Step {
        let owns: (String) -> Bool
        let outputShape: (Int, Int, Int)
        let reverse: (FeatureMap, GradientTap) -> FeatureMap
    }

    static func prefix(_ p: String) -> (String) -> Bool { { $0 == p || $0.hasPrefix(p + ".") } }

    /// The gradient of `objective` at `input` (1, 3, H, W). `observer` receives dL/d(site) for every
    /// site it wants that lies between the input and the objective's site (`input` included).
    public func gradient(of objective: GradientObjective, input: Tensor, observer: ActivationObserver? = nil,
                         ablation: MambaAblation = MambaAblation()) throws -> GradientResult {
        guard input.shape.count == 4, input.shape[0] == 1, input.shape[1] == 3, input.shape[2] >= 32, input.shape[3] >= 32 else {
            throw ModelError("input tensor must have shape (1, 3, H, W) with H, W ≥ 32, got \(fmt(input.shape))")
        }
        guard objective.site != "input" else { throw ModelError("the objective must be defined at a site after the input") }
        let recorder = RecordingObserver(SitePattern(objective.site))
        let tap = Tap(observer: recorder)
        var steps: [Step] = []
        func shape(_ m: FeatureMap) -> (Int, Int, Int) { (m.height, m.width, m.channels) }

        var x = FeatureMap(nchw: input)
        let (s0, savedStem) = stem.forward(x, tap)
        steps.append(Step(owns: Self.prefix("patch_embed"), outputShape: shape(s0)) { g, t in self.stem.backward(g, savedStem, t) })
        x = s0
        for s in 0..<4 {
            var orders: ScanOrders? = nil
            for (b, block) in stages[s].enumerated() {
                let name = "network.\(2 * s).\(b)"
                switch block {
                case .ffn(let f):
                    let (o, saved) = f.forward(x, tap)
                    steps.append(Step(owns: Self.prefix(name), outputShape: shape(o)) { g, t in f.backward(g, saved, t) })
                    x = o
                case .mamba(let m):
                    if orders == nil {
                        if let pe = model.positionEmbedding(height: x.height, width: x.width) {
                            for p in 0..<x.tokens { for c in 0..<x.channels { x.data[p * x.channels + c] += pe[c * x.tokens + p] } }
                            tap.map("pos_embed", x)
                            let (hh, ww) = (x.height, x.width)
                            steps.append(Step(owns: { $0 == "pos_embed" || $0 == "pos_embed.param" }, outputShape: shape(x)) { g, t in
                                var g = g
                                t.map("pos_embed", &g)
                                self.emitPosEmbedGradient(g, height: hh, width: ww, t)
                                return g
                            })
                        }
                        orders = ablation.rasterScan ? ScanOrders.raster(height: x.height, width: x.width)
                                                     : ScanOrders(height: x.height, width: x.width)
                    }
                    let (o, saved) = m.forward(x, tap, orders: orders!, ablation: ablation)
                    steps.append(Step(owns: Self.prefix(name), outputShape: shape(o)) { g, t in m.backward(g, saved, t) })
                    x = o
                }
            }
            let stage = "network.\(2 * s)"
            tap.map(stage, x)
            steps.append(Step(owns: { $0 == stage }, outputShape: shape(x)) { g, t in var g = g; t.map(stage, &g); return g })
            if s < 3 {
                let d = downsamples[s]
                let (o, saved) = d.forward(x, tap)
                steps.append(Step(owns: Self.prefix(d.down.name), outputShape: shape(o)) { g, t in d.backward(g, saved, t) })
                x = o
            }
        }
        let (logits, headInput) = head.forward(x, tap)
        let headSites: Set = ["norm", "pool", "head", "dist_head", "logits"]
        steps.append(Step(owns: { headSites.contains($0) }, outputShape: shape(x)) { _, t in self.head.backward(headInput, t) })

        guard let activation = recorder[objective.site], let start = steps.lastIndex(where: { $0.owns(objective.site) }) else {
            throw ModelError("no site named \(printable(objective.site)) in this model (docs/sites.md lists them; gradients skip the hidden-state views)")
        }
        if let problem = objective.problem(activation) { throw ModelError(problem) }
        let gtap = GradientTap(observer: observer, seedSite: objective.site, seed: objective.seed(activation))
        let (h0, w0, c0) = steps[start].outputShape
        var g = FeatureMap(height: h0, width: w0, channels: c0)
        for i in stride(from: start, through: 0, by: -1) { g = steps[i].reverse(g, gtap) }
        gtap.map("input", &g)
        return GradientResult(value: objective.value(activation), logits: logits, input: g.nchw())
    }

    /// dL/d(the stored pos_embed) (1, C, gh, gw): the resize's adjoint applied to dL/d(x + pos_embed).
    func emitPosEmbedGradient(_ g: FeatureMap, height: Int, width: Int, _ t: GradientTap) {
        guard let pe = model.posEmbed, let o = t.observer, o.wants("pos_embed.param") else { return }
        let c = pe.shape[1], gh = pe.shape[2], gw = pe.shape[3]
        let grid = g.nchw().data
        let back = Bicubic.resizeAdjoint(grid, channels: c, inH: gh, inW: gw, outH: height, outW: width)
        o.record("pos_embed.param", Tensor(shape: [1, c, gh, gw], data: back))
    }
}

/// What a gradient pass returns.
public struct GradientResult: Sendable {
    /// L at the input (the objective's value).
    public let value: Float
    /// The forward's logits (1, classes).
    public let logits: Tensor
    /// dL/d(input), (1, 3, H, W).
    public let input: Tensor
}
