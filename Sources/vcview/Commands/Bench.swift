import ArgumentParser
import Foundation
import VCEngine

/// `vcview bench`: forward-pass timing of the Swift engine, per stage, with peak memory.
struct Bench: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Time the engine's forward pass (seeded weights unless --weights is given).",
        discussion: "tools/bench/compare runs this beside the PyTorch reference on the same weights and prints the ratios.")

    @Option(help: "Checkpoint to time; seeded weights of --variant otherwise.") var weights: String?
    @Option(help: "S, M or B (seeded weights, seed 0).") var variant = "S"
    @Option(help: "Input side.") var size = 224
    @Option(help: "Threads (default: one per core).") var threads: Int?
    @Option(help: "Timed runs (after two warm-up runs).") var runs = 10
    @Option(help: "Site pattern to observe while timing (the cost of instrumentation): a glob list such as '*', or 'blocks' for every block output plus the Mamba internals and hidden-state norms.")
    var observe: String?
    @Flag(help: "Print one JSON object.") var json = false
    @Flag(help: "Time a gradient (reverse pass) against the forward instead (docs/gradients.md).") var backward = false

    func run() throws {
        try runReportingErrors {
            if let t = threads { guard t >= 1 else { throw UserError("--threads must be at least 1") }; EngineThreads.set(t) }
            if backward {
                guard size >= 32 && size <= 2048 else { throw UserError("--size must be between 32 and 2048") }
                let gm = try GradientModel.load(weights: weights, variant: weights == nil ? variant : nil)
                try BenchBackward.run(model: gm.name, gradients: gm.gradients, input: SeededWeights.input(seed: 0, height: size, width: size), runs: runs, json: json)
                return
            }
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
            guard size >= 32 && size <= 2048 else { throw UserError("--size must be between 32 and 2048") }
            let input = SeededWeights.input(seed: 0, height: size, width: size)
            let observer: ActivationObserver? = observe.map { DiscardingObserver($0 == "blocks" ? .blocksAndMamba : SitePattern($0)) }
            for _ in 0..<2 { _ = try model.forward(input, observer: observer) }
            var totals: [Double] = []
            var stageTimes: [String: [Double]] = [:]
            var stageOrder: [String] = []
            for _ in 0..<max(runs, 1) {
                var last = DispatchTime.now().uptimeNanoseconds
                let t0 = last
                _ = try model.forward(input, observer: observer) { part in
                    let now = DispatchTime.now().uptimeNanoseconds
                    if stageTimes[part] == nil { stageOrder.append(part) }
                    stageTimes[part, default: []].append(Double(now - last) / 1e6)
                    last = now
                }
                totals.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
            let peakMB = peakResidentMB()
            let stats = Stats(totals)
            if json {
                var stages: [String: Double] = [:]
                for (k, v) in stageTimes { stages[k] = Stats(v).median }
                print(jsonString(["model": name, "size": size, "threads": EngineThreads.current, "runs": totals.count,
                                  "median_ms": stats.median, "min_ms": stats.min, "max_ms": stats.max,
                                  "stages_ms": stages, "peak_rss_mb": peakMB, "observe": observe ?? NSNull(),
                                  "gemm": EngineGemm.backend]))
            } else {
                print("model: \(name)  input: \(size)×\(size)  threads: \(EngineThreads.current)  runs: \(totals.count)\(observe.map { "  observing: \($0)" } ?? "")")
                print("matrix products: \(EngineGemm.backend)")
                print(stageOrder.map { String(format: "%@ %.2f", $0, Stats(stageTimes[$0]!).median) }.joined(separator: "  ") + "  (ms, median)")
                print(String(format: "forward: median %.2f ms  min %.2f  max %.2f   peak memory %.0f MB", stats.median, stats.min, stats.max, peakMB))
            }
        }
    }
}

/// Asks for sites and drops them: the cost of instrumentation without the cost of keeping it.
final class DiscardingObserver: ActivationObserver {
    let pattern: SitePattern
    init(_ p: SitePattern) { pattern = p }
    func wants(_ site: String) -> Bool { pattern.matches(site) }
    func record(_ site: String, _ tensor: Tensor) {}
}

struct Stats {
    let median: Double, min: Double, max: Double
    init(_ v: [Double]) {
        let s = v.sorted()
        median = s.count % 2 == 1 ? s[s.count / 2] : (s[s.count / 2 - 1] + s[s.count / 2]) / 2
        min = s.first ?? 0
        max = s.last ?? 0
    }
}

/// Peak resident set size of this program: VmHWM from /proc/self/status, which starts afresh at
/// exec (getrusage's ru_maxrss does not: a child started by a large parent inherits its size).
func peakResidentMB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kb / 1024
}
