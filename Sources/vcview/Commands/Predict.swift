import ArgumentParser
import Foundation
import VCEngine

/// `vcview predict`: top-k classes for one image.
struct Predict: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Classify an image and print the top-k classes with probabilities.")

    @Argument(help: "A JPEG or PNG photo.") var image: String?
    @Option(help: "Checkpoint (.pth or .safetensors); the bundled demo model when absent.") var weights: String?
    @Flag(help: "Use the EMA weights (model_ema) of a training checkpoint.") var ema = false
    @Option(help: "How many classes to print.") var topk = 5
    @Option(help: "Input side after the eval transform (resize to size/0.875, center crop).") var size = 224
    @Option(name: .customLong("input-tensor"), help: "A float32 .npy of shape (1,3,H,W) or (3,H,W) used instead of IMAGE (no preprocessing).")
    var inputTensor: String?
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() throws {
        try runReportingErrors {
            guard topk >= 1 else { throw UserError("--topk must be at least 1") }
            let loaded = try LoadedModel.load(weights: weights, ema: ema)
            let input = try PreparedInput.make(image: image, inputTensor: inputTensor, size: size)
            let h = input.tensor.shape[2], w = input.tensor.shape[3]
            let start = DispatchTime.now()
            let logits = try loaded.model.forward(input.tensor)
            let ms = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e6
            let resized = loaded.model.resizesPosEmbed(height: h, width: w)
            // NaN or ±inf logits (a diverged checkpoint) have no probabilities: say so, and where
            // in the forward pass the first non-finite value appeared (a second, watched pass).
            let bad = NonFiniteCount(logits.data)
            if !bad.isEmpty {
                let first = try FirstNonFinite.trace(loaded.model, input: input.tensor)
                let note = "no prediction: the logits hold \(bad.total) non-finite values of \(logits.count) (\(bad.breakdown))"
                    + (first.map { "; \($0.description) (\($0.count.total) values there)" } ?? "")
                if json {
                    let obj: [String: Any] = [
                        "model": ["name": loaded.name, "variant": loaded.model.config.variantName, "weights": loaded.info.path,
                                  "entry": loaded.info.entryUsed ?? NSNull(), "classes": loaded.model.config.numClasses, "bundled": loaded.bundled],
                        "input": ["source": input.description, "height": h, "width": w, "pos_embed_resized": resized],
                        "top": [] as [Any],
                        "logits": logits.data.map { $0.isFinite ? Double($0) as Any : NSNull() },
                        "non_finite": ["count": bad.total, "nan": bad.nan, "inf": bad.posInf, "-inf": bad.negInf,
                                       "first_site": first?.site ?? NSNull(), "first_kind": first?.count.kind ?? NSNull(),
                                       "first_count": first?.count.total ?? NSNull()] as [String: Any],
                        "forward_ms": ms,
                    ]
                    print(jsonString(obj))
                } else {
                    print("model: \(loaded.summary)")
                    print("input: \(input.description)")
                    print(note)
                    print(String(format: "forward: %.1f ms", ms))
                }
                return
            }
            let probs = softmax(logits.data)
            let order = probs.indices.sorted { probs[$0] > probs[$1] }.prefix(min(topk, probs.count))
            if json {
                let top: [[String: Any]] = order.map { ["index": $0, "label": loaded.label($0), "prob": probs[$0], "logit": Double(logits.data[$0])] }
                let obj: [String: Any] = [
                    "model": ["name": loaded.name, "variant": loaded.model.config.variantName, "weights": loaded.info.path,
                              "entry": loaded.info.entryUsed ?? NSNull(), "classes": loaded.model.config.numClasses, "bundled": loaded.bundled],
                    "input": ["source": input.description, "height": h, "width": w, "pos_embed_resized": resized],
                    "top": top,
                    "logits": logits.data.map { Double($0) },
                    "forward_ms": ms,
                ]
                print(jsonString(obj))
            } else {
                print("model: \(loaded.summary)")
                print("input: \(input.description)")
                if resized, let g = loaded.model.config.posGrid {
                    let (gh, gw) = VCMambaModel.grid(height: h, width: w)
                    print("note: pos_embed resized bicubically from \(g[0])×\(g[1]) to \(gh)×\(gw) (vcview extension; the official code runs only at \(loaded.model.config.nativeSize))")
                }
                let width = max(12, order.map { loaded.label($0).count }.max() ?? 12)
                for (rank, i) in order.enumerated() {
                    let label = loaded.label(i).padding(toLength: width, withPad: " ", startingAt: 0)
                    print(String(format: "%2d. %@  %6.2f%%  (class %d, logit %.4f)", rank + 1, label, probs[i] * 100, i, logits.data[i]))
                }
                print(String(format: "forward: %.1f ms", ms))
            }
        }
    }
}
