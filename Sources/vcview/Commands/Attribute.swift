import ArgumentParser
import Foundation
import VCRender
import VCEngine
import VCExport

/// `vcview attribute`: gradient attributions of one class for one image (docs/gradients.md).
struct Attribute: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Grad-CAM, LayerCAM, saliency or Integrated Gradients of a class, at any site.",
        discussion: """
        With A = SITE's activation (C, h, w) and G = d logit_K / dA: gradcam = relu(Σ_c mean_ij(G_c) A_c); \
        layercam = relu(Σ_c relu(G_c) ⊙ A_c); saliency = max_c |d logit_K / dx|; ig = Σ_c (x − x₀) ⊙ \
        mean_{k=1..steps} d logit_K / dx at x₀ + (k/steps)(x − x₀), x₀ = 0 (the mean colour after normalisation); \
        rollout and mamba-attr: the hidden attention of the Mamba layers rolled out over layers and \
        directions, gradient-free or weighted by d logit_K / d y_k (formulas in docs/gradients.md). \
        Writes METHOD_SITE_classK.png, .npy and .json.
        """)

    @Argument(help: "Image (or use --input-tensor).") var image: String?
    @Option(help: "A raw (1, 3, H, W) float32 .npy input instead of an image.") var inputTensor: String?
    @Option(help: "gradcam, layercam, saliency, ig, rollout or mamba-attr.") var method = "gradcam"
    @Option(help: "Site for gradcam / layercam (default: the last stage's output network.6).") var site = "network.6"
    @Option(name: .customLong("class"), help: "Class index (default: the top prediction).") var classIndex: Int?
    @Option(help: "Integrated Gradients: steps of the Riemann sum.") var steps = 32
    @Option(help: "Checkpoint; default: the bundled demo model.") var weights: String?
    @Option(help: "Seeded weights of S, M or B instead of a file.") var variant: String?
    @Option(help: "Input side.") var size = 224
    @Option(help: "Output folder.") var out = "attribution"
    @Option(name: .customLong("text-size"), help: "Pixel size of the figure text, as in `export --text-size` (default 14).") var textSize: Int?

    func run() throws {
        try runReportingErrors {
            try configureFigureText(textSize)
            guard ["gradcam", "layercam", "saliency", "ig", "rollout", "mamba-attr"].contains(method) else {
                throw UserError("--method must be gradcam, layercam, saliency, ig, rollout or mamba-attr, got \(method)")
            }
            guard steps >= 1 && steps <= 1024 else { throw UserError("--steps must be between 1 and 1024, got \(steps)") }
            let gm = try GradientModel.load(weights: weights, variant: variant)
            let input = try PreparedInput.make(image: image, inputTensor: inputTensor, size: size)
            let x = input.tensor
            let logits = try gm.model.forward(x).data
            let k = classIndex ?? logits.indices.max { logits[$0] < logits[$1] }!
            guard k >= 0 && k < logits.count else { throw UserError("--class \(k) is out of range: the model has \(logits.count) classes") }
            let label = k < gm.labels.count ? gm.labels[k] : "class \(k)"
            let (map, h, w, formula, usedSite) = try attribution(gm, x, k)
            try makeDirectory(out)
            let st = "\(method)_\(fileStem(usedSite))_class\(k)"
            try writeNpy((out as NSString).appendingPathComponent(st + ".npy"), shape: [h, w], values: map)
            let fig = MapFigure(title: "\(method) of \(label) at \(usedSite)", subtitle: [gm.name, input.description, formula],
                                values: map, height: h, width: w, colormap: method == "ig" ? .diverging : .magma, caption: method)
            try MapFigure.writeChecked(fig, directory: out, stem: st, fields: [
                ("kind", .string(method)), ("site", .string(usedSite)), ("class", .int(k)), ("label", .string(label)),
                ("logit", .float(logits[k])), ("formula", .string(formula)), ("model", .string(gm.name)),
                ("input", .string(input.description)), ("steps", method == "ig" ? .int(steps) : .null), ("npy", .string(st + ".npy")),
            ])
            print("\(method) of \(label) (logit \(logits[k])) at \(usedSite): \(out)/\(st).png")
        }
    }

    func attribution(_ gm: GradientModel, _ x: Tensor, _ k: Int) throws -> ([Float], Int, Int, String, String) {
        let h = x.shape[2], w = x.shape[3]
        switch method {
        case "saliency":
            let g = try gm.gradients.gradient(of: .logit(k), input: x).input
            var m = [Float](repeating: 0, count: h * w)
            for c in 0..<3 { for p in 0..<(h * w) { m[p] = max(m[p], abs(g.data[c * h * w + p])) } }
            return (m, h, w, "max_c |d logit_\(k) / dx|", "input")
        case "ig":
            var total = [Float](repeating: 0, count: x.count)
            for s in 1...steps {
                var xs = x
                let a = Float(s) / Float(steps)
                for i in 0..<xs.count { xs.data[i] *= a }
                let g = try gm.gradients.gradient(of: .logit(k), input: xs).input
                for i in 0..<total.count { total[i] += g.data[i] }
            }
            var m = [Float](repeating: 0, count: h * w)
            for c in 0..<3 { for p in 0..<(h * w) { let i = c * h * w + p; m[p] += x.data[i] * total[i] / Float(steps) } }
            return (m, h, w, "sum_c (x - 0) * mean_{k=1..\(steps)} d logit_\(k) / dx at (k/\(steps)) x", "input")
        case "rollout", "mamba-attr":
            let layers = gm.model.mambaLayers
            guard !layers.isEmpty else { throw UserError("this model has no Mamba layers") }
            let rec = RecordingObserver(SitePattern(layers.flatMap { VCMambaModel.traceSites($0) }.joined(separator: ",")))
            _ = try gm.model.forward(x, observer: rec)
            var grads: RecordingObserver? = nil
            if method == "mamba-attr" {
                let g = RecordingObserver(SitePattern(layers.flatMap { l in (1...4).map { "\(l).y.\($0)" } }.joined(separator: ",")))
                _ = try gm.gradients.gradient(of: .logit(k), input: x, observer: g)
                grads = g
            }
            var matrices: [[Double]] = []
            var grid = (0, 0)
            for l in layers {
                let trace = try gm.model.trace(layer: l, tensors: rec.tensors)
                grid = (trace.height, trace.width)
                let g = try grads.map { r in try (1...4).map { d -> Tensor in
                    guard let t = r["\(l).y.\(d)"] else { throw UserError("no gradient at \(l).y.\(d)") }
                    return t
                } }
                matrices.append(HiddenAttentionRollout.layerMatrix(trace, gradients: g))
            }
            let rel = HiddenAttentionRollout.rollout(matrices, tokens: grid.0 * grid.1).map { Float($0) }
            let formula = method == "rollout"
                ? "mean_p R[p, q], R = prod_l (I/2 + rownorm(M_l)/2), M_l[p, q] = mean_e sum_k |alpha^k_{t,s,e}|"
                : "mean_p R[p, q], R = prod_l (I/2 + rownorm(M_l)/2), M_l[p, q] = relu(mean_e sum_k alpha^k_{t,s,e} G^k[p,e] u[q,e]), G^k = d logit_\(k) / d y_k"
            return (rel, grid.0, grid.1, formula, "network.6")        // the stage-4 grid of the Mamba layers
        default:
            let rec = RecordingObserver(SitePattern(site))
            _ = try gm.gradients.gradient(of: .logit(k), input: x, observer: rec)
            let act = RecordingObserver(SitePattern(site))
            _ = try gm.model.forward(x, observer: act)
            guard let g = rec[site], let a = act[site] else { throw UserError("no site named \(site) before the logits (docs/sites.md)") }
            guard a.shape.count == 4 else { throw UserError("\(method) needs a (1, C, H, W) map site; \(site) has shape \(a.shape)") }
            let c = a.shape[1], sh = a.shape[2], sw = a.shape[3], l = sh * sw
            var m = [Float](repeating: 0, count: l)
            if method == "gradcam" {
                for ch in 0..<c {
                    var alpha: Float = 0
                    for p in 0..<l { alpha += g.data[ch * l + p] }
                    alpha /= Float(l)
                    for p in 0..<l { m[p] += alpha * a.data[ch * l + p] }
                }
                return (m.map { max($0, 0) }, sh, sw, "relu(sum_c mean_ij(G_c) A_c), G = d logit_\(k) / dA", site)
            }
            for ch in 0..<c { for p in 0..<l { m[p] += max(g.data[ch * l + p], 0) * a.data[ch * l + p] } }
            return (m.map { max($0, 0) }, sh, sw, "relu(sum_c relu(G_c) * A_c), G = d logit_\(k) / dA", site)
        }
    }
}
