import CBLAS
import CKernels

/// VCMamba in eval mode, built from a state dict (official `EfficientFormer` in `model/mambacnn.py`).
///
///     x = patch_embed(x)                          # stem, stride 4
///     for idx, block in enumerate(network):       # stage1, down1, stage2, down2, stage3, down3, stage4
///         x = block(x)                            # stage 4: FFN blocks, then x + pos_embed, then Mamba layers
///     x = norm(x.flatten(2).transpose(1, 2))      # (1, L, C4) LayerNorm
///     logits = (head(x.mean(-2)) + dist_head(x.mean(-2))) / 2
public final class VCMambaModel: @unchecked Sendable {
    public let config: VCMambaConfig
    /// What the state dict held beyond the model (keys the model does not use).
    public let keyReport: KeyReport

    let stem: Stem
    let stages: [[StageBlock]]
    let downsamples: [Downsample]
    let posEmbed: Tensor?
    let headNorm: LayerNorm
    let head: (weight: [Float], bias: [Float])
    let distHead: (weight: [Float], bias: [Float])?

    enum StageBlock: Sendable {
        case ffn(FFNBlock)
        case mamba(PlainMambaLayer)
    }

    /// Builds the model; throws a `ModelError` naming every missing or mis-shaped key.
    public init(parameters: ParameterSet) throws {
        let cfg = try VCMambaConfig.infer(from: parameters.shapes)
        let report = cfg.check(parameters.shapes)
        guard report.isLoadable else {
            throw ModelError("state dict does not fit the configuration it implies (\(cfg.variantName), depths \(cfg.depths), widths \(cfg.widths)): " + report.lines().joined(separator: "; "))
        }
        if let e = cfg.emptyParameter() {
            throw ModelError("key \(printable(e.key)) has shape \(fmt(e.shape)): \(e.why) cannot run; a VCMamba needs every dimension ≥ 1")
        }
        config = cfg
        keyReport = report
        let w = Weights(set: parameters)
        stem = try Stem(w)
        var stages: [[StageBlock]] = [], downs: [Downsample] = []
        for s in 0..<4 {
            var blocks: [StageBlock] = []
            for b in 0..<cfg.depths[s] {
                let p = "network.\(2 * s).\(b)"
                blocks.append(s == 3 && b >= cfg.firstMamba ? .mamba(try PlainMambaLayer(w, prefix: p)) : .ffn(try FFNBlock(w, prefix: p)))
            }
            stages.append(blocks)
            if s < 3 { downs.append(try Downsample(w, prefix: "network.\(2 * s + 1)")) }
        }
        self.stages = stages
        downsamples = downs
        posEmbed = w.optional("pos_embed")
        headNorm = LayerNorm(weight: try w("norm.weight").data, bias: try w("norm.bias").data)
        head = (try w("head.weight").data, try w("head.bias").data)
        if let dw = w.optional("dist_head.weight") { distHead = (dw.data, try w("dist_head.bias").data) } else { distHead = nil }
    }

    /// The stage-4 token grid for an input of `height`×`width` (each stride-2 conv maps n to ⌈n/2⌉).
    public static func grid(height: Int, width: Int) -> (Int, Int) {
        var h = height, w = width
        for _ in 0..<5 { h = (h + 1) / 2; w = (w + 1) / 2 }
        return (h, w)
    }

    /// Whether an input of this size needs pos_embed resized (vcview's extension; the official code
    /// only runs at the size it was built for).
    public func resizesPosEmbed(height: Int, width: Int) -> Bool {
        guard let g = config.posGrid else { return false }
        let (h, w) = Self.grid(height: height, width: width)
        return g != [h, w]
    }

    /// Runs the network on a normalised (1, 3, H, W) input and returns the (1, classes) logits.
    ///
    /// `clock`, when given, is called at the end of each part (`stem`, `S1`, `down1`, …, `S4`,
    /// `head`) — how `vcview bench` times stages without copying any activation.
    public func forward(_ input: Tensor, observer: ActivationObserver? = nil, ablation: MambaAblation = MambaAblation(),
                        clock: ((String) -> Void)? = nil) throws -> Tensor {
        guard input.shape.count == 4, input.shape[0] == 1, input.shape[1] == 3, input.shape[2] >= 32, input.shape[3] >= 32 else {
            throw ModelError("input tensor must have shape (1, 3, H, W) with H, W ≥ 32, got \(fmt(input.shape))")
        }
        let tap = Tap(observer: observer)
        tap.tensor("input") { input }
        var x = stem(FeatureMap(nchw: input), tap)
        clock?("stem")
        for s in 0..<4 {
            x = runStage(s, x, tap, ablation: ablation)
            clock?("S\(s + 1)")
            if s < 3 { x = downsamples[s](x, tap); clock?("down\(s + 1)") }
        }
        let logits = headForward(x, tap)
        clock?("head")
        return logits
    }

    func runStage(_ s: Int, _ input: FeatureMap, _ tap: Tap, ablation: MambaAblation) -> FeatureMap {
        var x = input
        var orders: ScanOrders? = nil
        for block in stages[s] {
            switch block {
            case .ffn(let f):
                x = f(x, tap)
            case .mamba(let m):
                if orders == nil {
                    // First Mamba layer: add the (resized) absolute position embedding.
                    if let pe = positionEmbedding(height: x.height, width: x.width) {
                        for p in 0..<x.tokens { for c in 0..<x.channels { x.data[p * x.channels + c] += pe[c * x.tokens + p] } }
                        tap.map("pos_embed", x)
                    }
                    orders = ablation.rasterScan ? ScanOrders.raster(height: x.height, width: x.width)
                                                 : ScanOrders(height: x.height, width: x.width)
                }
                x = m(x, tap, orders: orders!, ablation: ablation)
            }
        }
        tap.map("network.\(2 * s)", x)
        return x
    }

    /// pos_embed as (C, h, w), bicubically resized when the grid differs from the trained one.
    func positionEmbedding(height: Int, width: Int) -> [Float]? {
        guard let pe = posEmbed else { return nil }
        let c = pe.shape[1], gh = pe.shape[2], gw = pe.shape[3]
        return Bicubic.resize(pe.data, channels: c, inH: gh, inW: gw, outH: height, outW: width)
    }

    func headForward(_ input: FeatureMap, _ tap: Tap) -> Tensor {
        var x = input
        headNorm.apply(&x)
        tap.tokens("norm", x)
        let c = x.channels, l = x.tokens, k = config.numClasses
        var pooled = [Float](repeating: 0, count: c)
        for p in 0..<l { for ch in 0..<c { pooled[ch] += x.data[p * c + ch] } }
        for ch in 0..<c { pooled[ch] /= Float(l) }
        tap.tensor("pool") { Tensor(shape: [1, c], data: pooled) }
        // One token: a matrix-vector product, W read once in place. (As a one-row cblas_sgemm it
        // was packed into OpenBLAS's panels on every pass: 0.76 ms of S's 1.2 ms head on Zen 3.)
        func linear(_ w: [Float], _ b: [Float]) -> [Float] {
            var out = b
            pooled.withUnsafeBufferPointer { a in w.withUnsafeBufferPointer { wb in out.withUnsafeMutableBufferPointer { o in
                vck_tally_macs(k * c)
                cblas_sgemv(CblasRowMajor, CblasNoTrans, Int32(k), Int32(c), 1, wb.baseAddress!, Int32(c), a.baseAddress!, 1, 1, o.baseAddress!, 1)
            } } }
            return out
        }
        let h = linear(head.weight, head.bias)
        tap.tensor("head") { Tensor(shape: [1, k], data: h) }
        var logits = h
        if let d = distHead {
            let dh = linear(d.weight, d.bias)
            tap.tensor("dist_head") { Tensor(shape: [1, k], data: dh) }
            for i in 0..<k { logits[i] = (h[i] + dh[i]) / 2 }
        }
        let out = Tensor(shape: [1, k], data: logits)
        tap.tensor("logits") { out }
        return out
    }
}
