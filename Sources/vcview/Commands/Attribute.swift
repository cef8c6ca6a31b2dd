import ArgumentParser
import Foundation
import VCRender
import VCEngine
import VCExport
import VCStyle

/// `vcview attribute`: gradient attributions of one class for one image (docs/gradients.md).
struct Attribute: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Grad-CAM, LayerCAM, saliency or Integrated Gradients of a class, at any site.",
        discussion: """
        With A = SITE's activation (C, h, w) and G = d logit_K / dA: gradcam = relu(Σ_c mean_ij(G_c) A_c); \
        layercam = relu(Σ_c relu(G_c) ⊙ A_c); saliency = max_c |d logit_K / dx|; ig = Σ_c (x − x₀) ⊙ \
        mean_{s=1..steps} d logit_K / dx at x₀ + (s/steps)(x − x₀), x₀ = 0 (the mean colour after normalisation); \
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
            let a = try Attribution.compute(AttributionMethod(rawValue: method)!, gradients: gm.gradients, input: x, classIndex: k,
                                            site: site, steps: steps)
            let (map, h, w, formula, usedSite) = (a.values, a.height, a.width, a.formula, a.site)
            try makeDirectory(out)
            let st = "\(method)_\(fileStem(usedSite))_class\(k)"
            try writeNpy((out as NSString).appendingPathComponent(st + ".npy"), shape: [h, w], values: map)
            let fig = MapFigure(title: "\(method) of \(label) at \(usedSite)", subtitle: [gm.name, input.description, formula],
                                values: map, height: h, width: w, colormap: AttributionColormap.of(a.method), caption: method)
            try MapFigure.writeChecked(fig, directory: out, stem: st, fields: [
                ("kind", .string(method)), ("site", .string(usedSite)), ("class", .int(k)), ("label", .string(label)),
                ("logit", .float(logits[k])), ("formula", .string(formula)), ("model", .string(gm.name)),
                ("input", .string(input.description)), ("steps", method == "ig" ? .int(steps) : .null), ("npy", .string(st + ".npy")),
            ])
            print("\(method) of \(label) (logit \(logits[k])) at \(usedSite): \(out)/\(st).png")
        }
    }
}
