import ArgumentParser
import Foundation
import VCCheckpoint
import VCEngine

/// `vcview dump`: every named activation as a float32 .npy (docs/sites.md), plus index.json.
struct Dump: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write every named activation as <site>.npy (NCHW as PyTorch holds it) and index.json.")

    @Argument(help: "A JPEG or PNG photo.") var image: String?
    @Option(name: .customLong("input-tensor"), help: "A float32 .npy (1,3,H,W) or (3,H,W) used instead of IMAGE.") var inputTensor: String?
    @Option(help: "Checkpoint (.pth or .safetensors); the bundled demo model when absent.") var weights: String?
    @Flag(help: "Use the EMA weights (model_ema).") var ema = false
    @Option(help: "Output directory (created if needed).") var out: String
    @Option(help: "Comma-separated glob patterns of site names (default: all but the hidden states *.h).") var sites = "*"
    @Option(help: "Input side after the eval transform.") var size = 224
    @Option(help: "Also write each Mamba layer's implicit attention of the token at ROW,COL of the stage-4 grid as <layer>.attn.npy (4, H, W).")
    var token: String?
    @Option(name: .customLong("class"), help: "Also write cam.npy (H, W): each token's exact contribution to this class's logit.")
    var classIndex: Int?

    func run() throws {
        try runReportingErrors {
            let loaded = try LoadedModel.load(weights: weights, ema: ema)
            let input = try PreparedInput.make(image: image, inputTensor: inputTensor, size: size)
            do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) }
            catch { throw UserError("\(out): cannot create directory (\(error.localizedDescription))") }
            let model = loaded.model
            let wanted = SitePattern(sites)
            var tokenRC: (Int, Int)? = nil
            if let token {
                let parts = token.split(separator: ",").compactMap { Int($0.trimmingCharacters(in: .whitespaces)) }
                guard parts.count == 2 else { throw UserError("--token must be ROW,COL (e.g. 3,4), got \(token)") }
                tokenRC = (parts[0], parts[1])
            }
            // Record what the user asked for plus what attention and CAM are computed from.
            var extra: [String] = []
            if tokenRC != nil { extra += model.mambaLayers.flatMap { VCMambaModel.traceSites($0) } }
            if classIndex != nil { extra.append("norm") }
            let recorder = RecordingObserver(SitePattern(([sites] + extra).joined(separator: ",")))
            _ = try model.forward(input.tensor, observer: recorder)
            var outputs: [(String, Tensor)] = recorder.order.filter { wanted.matches($0) }.map { ($0, recorder[$0]!) }
            let h = input.tensor.shape[2], w = input.tensor.shape[3]
            let (gh, gw) = VCMambaModel.grid(height: h, width: w)
            if let (r, c) = tokenRC {
                guard r >= 0 && r < gh && c >= 0 && c < gw else {
                    throw UserError("--token \(r),\(c) is outside the \(gh)×\(gw) stage-4 grid")
                }
                for layer in model.mambaLayers {
                    let trace = try model.trace(layer: layer, tensors: recorder.tensors)
                    outputs.append(("\(layer).attn", trace.attentionMap(row: r, col: c)))
                }
            }
            if let cls = classIndex {
                let cam = try model.classActivationMap(norm: recorder["norm"]!, classIndex: cls, height: gh, width: gw)
                outputs.append(("cam", cam.map))
            }
            var entries: [[String: Any]] = []
            for (site, t) in outputs {
                let file = "\(site).npy"
                do { try Npy.write(path: (out as NSString).appendingPathComponent(file), shape: t.shape, values: t.data) }
                catch let e as CheckpointError { throw UserError(e.description) }
                entries.append(["site": site, "shape": t.shape, "file": file])
            }
            var index: [String: Any] = ["model": loaded.summary, "input": input.description, "sites": entries,
                                        "layout": "float32, C order, batch 1; see docs/sites.md", "vcview": VCViewVersion.string]
            if let (r, c) = tokenRC { index["token"] = [r, c] }
            if let cls = classIndex { index["class"] = cls }
            try jsonString(index).write(toFile: (out as NSString).appendingPathComponent("index.json"), atomically: true, encoding: .utf8)
            print("model: \(loaded.summary)")
            print("wrote \(entries.count) activations to \(out)")
        }
    }
}
