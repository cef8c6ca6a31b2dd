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

    func run() throws {
        try runReportingErrors {
            let loaded = try LoadedModel.load(weights: weights, ema: ema)
            let input = try PreparedInput.make(image: image, inputTensor: inputTensor, size: size)
            do { try FileManager.default.createDirectory(atPath: out, withIntermediateDirectories: true) }
            catch { throw UserError("\(out): cannot create directory (\(error.localizedDescription))") }
            let recorder = RecordingObserver(SitePattern(sites))
            _ = try loaded.model.forward(input.tensor, observer: recorder)
            var entries: [[String: Any]] = []
            for site in recorder.order {
                let t = recorder[site]!
                let file = "\(site).npy"
                do { try Npy.write(path: (out as NSString).appendingPathComponent(file), shape: t.shape, values: t.data) }
                catch let e as CheckpointError { throw UserError(e.description) }
                entries.append(["site": site, "shape": t.shape, "file": file])
            }
            let index: [String: Any] = ["model": loaded.summary, "input": input.description, "sites": entries,
                                        "layout": "float32, C order, batch 1; see docs/sites.md", "vcview": VCViewVersion.string]
            try jsonString(index).write(toFile: (out as NSString).appendingPathComponent("index.json"), atomically: true, encoding: .utf8)
            print("model: \(loaded.summary)")
            print("wrote \(entries.count) activations to \(out)")
        }
    }
}
