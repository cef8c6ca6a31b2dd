import Foundation

/// Gradient attributions of one class for one input, as maps over the input or a site's grid: the
/// methods of `vcview attribute`, the `gradcam`/`erf` views of `vcview export` and the explorer's
/// gradient view all come from here, so a map reads the same wherever it is shown.
///
/// With A = the site's activation (C, h, w), G = d logit_K / dA and x the input:
///   gradcam   relu(Σ_c mean_ij(G_c) · A_c)                       (Selvaraju et al.)
///   layercam  relu(Σ_c relu(G_c) ⊙ A_c)                           (Jiang et al.)
///   saliency  max_c |d logit_K / dx|                               (Simonyan et al.)
///   ig        Σ_c x ⊙ mean_{s=1..S} d logit_K / dx at (s/S)·x      (Sundararajan et al., baseline 0)
///   rollout   mean_p R[p, q], R = Π_l (I/2 + rownorm(M_l)/2), M_l = mean_e Σ_k |α^k|   (gradient-free)
///   mamba-attr the same with M_l = relu(mean_e Σ_k α^k · G^k · u), G^k = d logit_K / d y_k (Ali et al.)
///   erf       Σ_c |dL/dx|, L = Σ_c relu(site[c, h/2, w/2])        (VMamba's recipe, one image)
public enum AttributionMethod: String, CaseIterable, Sendable {
    case gradcam, layercam, saliency, ig, rollout, mambaAttr = "mamba-attr", erf

    /// Whether the map lies on a site's grid (else on the input's pixels).
    public var onSiteGrid: Bool { self == .gradcam || self == .layercam || self == .rollout || self == .mambaAttr }
    /// Whether it explains a class (ERF does not: its objective is the centre token).
    public var needsClass: Bool { self != .erf && self != .rollout }
    /// Whether signs matter (IG's map is signed; the others are ≥ 0).
    public var signed: Bool { self == .ig }

    /// The method's name in titles ("Grad-CAM", "Integrated Gradients").
    public var title: String {
        switch self {
        case .gradcam: return "Grad-CAM"
        case .layercam: return "LayerCAM"
        case .saliency: return "saliency"
        case .ig: return "Integrated Gradients"
        case .rollout: return "hidden-attention rollout"
        case .mambaAttr: return "Mamba-Attr"
        case .erf: return "ERF"
        }
    }
}

/// One attribution map (h, w), row-major, with what it is in words.
public struct AttributionMap: Sendable {
    public let method: AttributionMethod
    public let values: [Float]
    public let height: Int, width: Int
    /// The site the map belongs to ("input" for pixel maps).
    public let site: String
    /// The class explained (nil for ERF and rollout).
    public let classIndex: Int?
    /// The formula, in ASCII (sidecars, the explanation panel).
    public let formula: String
}

public enum Attribution {
    /// The default site of Grad-CAM / LayerCAM and of ERF: the last stage's output.
    public static let defaultSite = "network.6"

    /// How an ERF map is shown (VMamba's figures): (m / max m)^0.2, max over the finite values,
    /// so the faint tail of the field is visible; NaN and ±inf stay as they are (marked when drawn).
    public static func erfPowerDisplay(_ m: [Float]) -> [Float] {
        let top = Swift.max(m.lazy.filter { $0.isFinite }.max() ?? 0, .leastNonzeroMagnitude)
        return m.map { $0.isFinite ? powf(Swift.max($0, 0) / top, 0.2) : $0 }
    }
    /// The formula of `erfPowerDisplay`, for sidecars and captions.
    public static let erfPowerFormula = "(m / max m)^0.2"

    /// `method` of class `k` for `input` (1, 3, H, W). `site` is used by gradcam, layercam and erf;
    /// `steps` by ig; `ablation` by erf.
    public static func compute(_ method: AttributionMethod, gradients gm: VCMambaGradients, input x: Tensor, classIndex k: Int,
                               site: String = defaultSite, steps: Int = 32, ablation: MambaAblation = MambaAblation()) throws -> AttributionMap {
        let h = x.shape[2], w = x.shape[3]
        switch method {
        case .erf:
            let g = try gm.gradient(of: .centreReLU(at: site), input: x, ablation: ablation).input
            return AttributionMap(method: method, values: ERFMap.accumulate(g).data, height: h, width: w, site: site, classIndex: nil,
                                  formula: "sum_c |dL/dx|, L = sum_c relu(\(site)[c, h/2, w/2])")
        case .saliency:
            let g = try gm.gradient(of: .logit(k), input: x).input
            var m = [Float](repeating: 0, count: h * w)
            for c in 0..<3 { for p in 0..<(h * w) { m[p] = max(m[p], abs(g.data[c * h * w + p])) } }
            return AttributionMap(method: method, values: m, height: h, width: w, site: "input", classIndex: k,
                                  formula: "max_c |d logit_\(k) / dx|")
        case .ig:
            guard steps >= 1 else { throw ModelError("integrated gradients need at least 1 step, got \(steps)") }
            var total = [Float](repeating: 0, count: x.count)
            for s in 1...steps {
                var xs = x
                let a = Float(s) / Float(steps)
                for i in 0..<xs.count { xs.data[i] *= a }
                let g = try gm.gradient(of: .logit(k), input: xs).input
                for i in 0..<total.count { total[i] += g.data[i] }
            }
            var m = [Float](repeating: 0, count: h * w)
            for c in 0..<3 { for p in 0..<(h * w) { let i = c * h * w + p; m[p] += x.data[i] * total[i] / Float(steps) } }
            return AttributionMap(method: method, values: m, height: h, width: w, site: "input", classIndex: k,
                                  formula: "sum_c (x - 0) * mean_{s=1..\(steps)} d logit_\(k) / dx at (s/\(steps)) x")
        case .rollout, .mambaAttr:
            let layers = gm.model.mambaLayers
            guard !layers.isEmpty else { throw ModelError("this model has no Mamba layers: \(method.rawValue) needs them") }
            let rec = RecordingObserver(SitePattern(layers.flatMap { VCMambaModel.traceSites($0) }.joined(separator: ",")))
            _ = try gm.model.forward(x, observer: rec)
            var grads: RecordingObserver? = nil
            if method == .mambaAttr {
                let g = RecordingObserver(SitePattern(layers.flatMap { l in (1...4).map { "\(l).y.\($0)" } }.joined(separator: ",")))
                _ = try gm.gradient(of: .logit(k), input: x, observer: g)
                grads = g
            }
            var matrices: [[Double]] = []
            var grid = (0, 0)
            for l in layers {
                let trace = try gm.model.trace(layer: l, tensors: rec.tensors)
                grid = (trace.height, trace.width)
                let g = try grads.map { r in try (1...4).map { d -> Tensor in
                    guard let t = r["\(l).y.\(d)"] else { throw ModelError("no gradient at \(l).y.\(d)") }
                    return t
                } }
                matrices.append(HiddenAttentionRollout.layerMatrix(trace, gradients: g))
            }
            let rel = HiddenAttentionRollout.rollout(matrices, tokens: grid.0 * grid.1).map { Float($0) }
            let formula = method == .rollout
                ? "mean_p R[p, q], R = prod_l (I/2 + rownorm(M_l)/2), M_l[p, q] = mean_e sum_k |alpha^k_{t,s,e}|"
                : "mean_p R[p, q], R = prod_l (I/2 + rownorm(M_l)/2), M_l[p, q] = relu(mean_e sum_k alpha^k_{t,s,e} G^k[p,e] u[q,e]), G^k = d logit_\(k) / d y_k"
            // The stage-4 grid of the Mamba layers.
            return AttributionMap(method: method, values: rel, height: grid.0, width: grid.1, site: "network.6",
                                  classIndex: method == .rollout ? nil : k, formula: formula)
        case .gradcam, .layercam:
            let rec = RecordingObserver(SitePattern(site))
            _ = try gm.gradient(of: .logit(k), input: x, observer: rec)
            let act = RecordingObserver(SitePattern(site))
            _ = try gm.model.forward(x, observer: act)
            guard let g = rec[site], let a = act[site] else { throw ModelError("no site named \(printable(site)) before the logits (docs/sites.md)") }
            guard a.shape.count == 4 else { throw ModelError("\(method.rawValue) needs a (1, C, H, W) map site; \(site) has shape \(fmt(a.shape))") }
            let c = a.shape[1], sh = a.shape[2], sw = a.shape[3], l = sh * sw
            var m = [Float](repeating: 0, count: l)
            if method == .gradcam {
                for ch in 0..<c {
                    var alpha: Float = 0
                    for p in 0..<l { alpha += g.data[ch * l + p] }
                    alpha /= Float(l)
                    for p in 0..<l { m[p] += alpha * a.data[ch * l + p] }
                }
                return AttributionMap(method: method, values: m.map { max($0, 0) }, height: sh, width: sw, site: site, classIndex: k,
                                      formula: "relu(sum_c mean_ij(G_c) A_c), G = d logit_\(k) / dA")
            }
            for ch in 0..<c { for p in 0..<l { m[p] += max(g.data[ch * l + p], 0) * a.data[ch * l + p] } }
            return AttributionMap(method: method, values: m.map { max($0, 0) }, height: sh, width: sw, site: site, classIndex: k,
                                  formula: "relu(sum_c relu(G_c) * A_c), G = d logit_\(k) / dA")
        }
    }
}

extension AttributionMap {
    /// The map as a screen shows it: an ERF as (m / max m)^0.2 (VMamba's display, as `vcview erf`
    /// draws it: the faint tails stay visible), every other method as it is.
    public var displayed: [Float] { method == .erf ? Attribution.erfPowerDisplay(values) : values }

    /// How `displayed` comes from the map, when it differs from it.
    public var displayFormula: String? { method == .erf ? Attribution.erfPowerFormula : nil }
}
