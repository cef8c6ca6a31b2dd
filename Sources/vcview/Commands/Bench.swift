import ArgumentParser
import Foundation
import VCEngine

/// `vcview bench`: forward-pass timing of the Swift engine.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the engine's forward pass (seeded weights unless --weights is given).")

    @Option(help: "Checkpoint to time; seeded weights of --variant otherwise.") var weights: String?
    @Option(help: "S, M or B (seeded weights, seed 0).") var variant = "S"
    @Option(help: "Input side.") var size = 224
    @Option(help: "Timed runs (after one warm-up).") var runs = 10
    @Flag(help: "Print one JSON object.") var json = false

    func run() throws {
        try runReportingErrors {
            let model: VCMambaModel
            let name: String
            if let w = weights {
                let loaded = try LoadedModel.load(weights: w, ema: false)
                model = loaded.model; name = loaded.summary
            } else {
                guard let cfg = VCMambaConfig.preset(variant) else { throw UserError("--variant must be S, M or B, got \(variant)") }
                model = try VCMambaModel(parameters: SeededWeights.parameters(for: cfg, seed: 0))
                name = "\(cfg.variantName) (seeded weights, seed 0)"
            }
            let input = SeededWeights.input(seed: 0, height: size, width: size)
            _ = try model.forward(input)
            var times: [Double] = []
            for _ in 0..<max(runs, 1) {
                let t0 = DispatchTime.now()
                _ = try model.forward(input)
                times.append(Double(DispatchTime.now().uptimeNanoseconds - t0.uptimeNanoseconds) / 1e6)
            }
            let sorted = times.sorted()
            let median = sorted.count % 2 == 1 ? sorted[sorted.count / 2] : (sorted[sorted.count / 2 - 1] + sorted[sorted.count / 2]) / 2
            if json {
                print(jsonString(["model": name, "size": size, "runs": times.count, "median_ms": median,
                                  "min_ms": sorted.first!, "max_ms": sorted.last!]))
            } else {
                print("model: \(name)  input: \(size)×\(size)  runs: \(times.count)")
                print(String(format: "forward: median %.2f ms  min %.2f  max %.2f", median, sorted.first!, sorted.last!))
            }
        }
    }
}
