import Foundation
import VCEngine

/// `vcview bench --backward`: the cost of a gradient (VMamba's ERF objective at the last stage,
/// dL/d input) against the plain forward on the same model and input, with peak memory.
enum BenchBackward {
    static func run(model name: String, gradients: VCMambaGradients, input: Tensor, runs: Int, json: Bool) throws {
        let model = gradients.model
        let objective = GradientObjective.centreReLU(at: "network.6")
        func time(_ body: () throws -> Void) rethrows -> [Double] {
            var out: [Double] = []
            for _ in 0..<max(runs, 1) {
                let t0 = DispatchTime.now().uptimeNanoseconds
                try body()
                out.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
            }
            return out
        }
        for _ in 0..<2 { _ = try model.forward(input); _ = try gradients.gradient(of: objective, input: input) }
        let forward = Stats(try time { _ = try model.forward(input) })
        let gradient = Stats(try time { _ = try gradients.gradient(of: objective, input: input) })
        let peak = peakResidentMB()
        // The gradient pass is its own forward (keeping what the reverse needs) plus the reverse.
        let ratio = gradient.median / forward.median
        if json {
            print(jsonString(["model": name, "size": input.shape[2], "threads": EngineThreads.current, "runs": max(runs, 1),
                              "forward_median_ms": forward.median, "gradient_median_ms": gradient.median,
                              "backward_median_ms": gradient.median - forward.median,
                              "backward_over_forward": (gradient.median - forward.median) / forward.median,
                              "gradient_over_forward": ratio, "peak_rss_mb": peak, "objective": objective.summary]))
        } else {
            print("model: \(name)  input: \(input.shape[2])×\(input.shape[3])  threads: \(EngineThreads.current)  runs: \(max(runs, 1))")
            print("objective: \(objective.summary), gradient w.r.t. the input")
            print(String(format: "forward: median %.2f ms   gradient (saving forward + reverse): median %.2f ms", forward.median, gradient.median))
            print(String(format: "backward / forward: %.2f×   (gradient pass / forward: %.2f×)   peak memory %.0f MB",
                         (gradient.median - forward.median) / forward.median, ratio, peak))
        }
    }
}
