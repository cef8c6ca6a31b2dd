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
            // The first warm-up on one thread counts the pass's multiply-adds (on more, the MLP's
            // bands recompute a hidden row where the threads' rows meet).
            let threadCount = EngineThreads.current
            EngineThreads.set(1)
            let macs0 = ArithmeticFloor.macsSoFar
            let gelu0 = ArithmeticFloor.geluSoFar, scan0 = ArithmeticFloor.scanUpdatesSoFar
            var partMacs: [String: Int] = [:], lastMacs = macs0
            _ = try model.forward(input, observer: observer) { part in
                let now = ArithmeticFloor.macsSoFar
                partMacs[part, default: 0] += now - lastMacs
                lastMacs = now
            }
            let macs = ArithmeticFloor.macsSoFar - macs0
            let gelus = ArithmeticFloor.geluSoFar - gelu0, scanUpdates = ArithmeticFloor.scanUpdatesSoFar - scan0
            EngineThreads.set(threadCount)
            _ = try model.forward(input, observer: observer)
            PoolStats.reset()
            // The FMA probe beside every run: a run's floor uses the better of the probes just
            // before and just after it, so a busy moment moves both.
            var probes = [ArithmeticFloor.fmaPeak()]
            var totals: [Double] = [], cpu: [Double] = []
            var stageTimes: [String: [Double]] = [:]
            var stageOrder: [String] = []
            for _ in 0..<max(runs, 1) {
                var last = DispatchTime.now().uptimeNanoseconds
                let t0 = last, cpu0 = processCPUMilliseconds()
                _ = try model.forward(input, observer: observer) { part in
                    let now = DispatchTime.now().uptimeNanoseconds
                    if stageTimes[part] == nil { stageOrder.append(part) }
                    stageTimes[part, default: []].append(Double(now - last) / 1e6)
                    last = now
                }
                totals.append(Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6)
                cpu.append(processCPUMilliseconds() - cpu0)
                probes.append(ArithmeticFloor.fmaPeak())
            }
            let pool = PoolStats.read()
            let floors = totals.indices.map {
                ArithmeticFloor.floorMilliseconds(macs: macs, gflops: max(probes[$0], probes[$0 + 1]), threads: threadCount)
            }
            let ratios = Stats(totals.indices.map { totals[$0] / floors[$0] })
            let peak = Stats(probes)
            let peakMB = peakResidentMB()
            let stats = Stats(totals)
            // The work beside the multiply-adds that the model itself asks for, at this core's
            // own rate for it (probed after the runs): what the floor plus it comes to.
            let geluNs = ArithmeticFloor.geluNanoseconds(), scanNs = ArithmeticFloor.scanNanosecondsPerUpdate()
            let geluMs = Double(gelus) * geluNs / 1e6 / Double(threadCount)
            let scanMs = Double(scanUpdates) * scanNs / 1e6 / Double(threadCount)
            let workFloors = floors.map { $0 + geluMs + scanMs }
            let workRatios = Stats(totals.indices.map { totals[$0] / workFloors[$0] })
            let floorMs = ArithmeticFloor.floorMilliseconds(macs: macs, gflops: peak.max, threads: threadCount)
            if json {
                var stages: [String: Double] = [:]
                var stageFloors: [String: Double] = [:]
                for (k, v) in stageTimes {
                    stages[k] = Stats(v).median
                    stageFloors[k] = ArithmeticFloor.floorMilliseconds(macs: partMacs[k] ?? 0, gflops: peak.max, threads: threadCount)
                }
                print(jsonString(["model": name, "size": size, "threads": EngineThreads.current, "runs": totals.count,
                                  "median_ms": stats.median, "min_ms": stats.min, "max_ms": stats.max,
                                  "stages_ms": stages, "stage_floors_ms": stageFloors, "peak_rss_mb": peakMB, "observe": observe ?? NSNull(),
                                  "gemm": EngineGemm.backend, "runs_ms": totals, "cpu_ms": cpu, "macs": macs,
                                  "fma_peak_gflops": peak.max, "fma_probe_median_gflops": peak.median,
                                  "floor_ms": floorMs,
                                  "floor_ratio": ratios.min, "floor_ratio_median": ratios.median,
                                  "gelu_values": gelus, "gelu_ns": geluNs, "scan_updates": scanUpdates, "scan_update_ns": scanNs,
                                  "work_floor_ms": floorMs + geluMs + scanMs,
                                  "work_floor_ratio": workRatios.min, "work_floor_ratio_median": workRatios.median,
                                  "pool": ["regions": pool.regions, "small": pool.small, "backed_off": pool.backedOff,
                                           "split": pool.split, "chunks": pool.chunks, "caller_chunks": pool.callerChunks, "lopsided": pool.lopsided,
                                           "stalls": pool.stalls, "stall_ms": pool.stallMilliseconds,
                                           "split_ms_per_pass": pool.splitMilliseconds / Double(totals.count),
                                           "end_wait_ms_per_pass": pool.endWaitMilliseconds / Double(totals.count),
                                           "alone_ms_per_pass": pool.aloneMilliseconds / Double(totals.count),
                                           "handoff_us": PoolStats.handoffMicroseconds.map { $0 as Any } ?? NSNull()]]))
            } else {
                print("model: \(name)  input: \(size)×\(size)  threads: \(EngineThreads.current)  runs: \(totals.count)\(observe.map { "  observing: \($0)" } ?? "")")
                print("matrix products: \(EngineGemm.backend)")
                print(stageOrder.map { String(format: "%@ %.2f", $0, Stats(stageTimes[$0]!).median) }.joined(separator: "  ") + "  (ms, median)")
                // Each part's median over its own floor: where the time above the floor is spent.
                print(stageOrder.map { part -> String in
                    let floor = ArithmeticFloor.floorMilliseconds(macs: partMacs[part] ?? 0, gflops: peak.max, threads: threadCount)
                    return floor > 0 ? String(format: "%@ %.2f×", part, Stats(stageTimes[part]!).median / floor) : "\(part) –"
                }.joined(separator: "  ") + "  (part ÷ its floor)")
                print(String(format: "forward: median %.2f ms  min %.2f  max %.2f   peak memory %.0f MB", stats.median, stats.min, stats.max, peakMB))
                print(String(format: "floor: %.3f GMACs × 2 / (%.1f GFLOP/s FMA peak × %d) = %.2f ms   time ÷ floor: best %.2f×  median %.2f×  (probe %.0f–%.0f GFLOP/s)",
                             Double(macs) / 1e9, peak.max, threadCount, floorMs, ratios.min, ratios.median, peak.min, peak.max))
                print(String(format: "beside the multiply-adds: GELU %.2f M values × %.3f ns = %.2f ms, scan %.2f M state updates × %.3f ns = %.2f ms (÷ %d %@)   floor + these = %.2f ms   time ÷ that: best %.2f×  median %.2f×",
                             Double(gelus) / 1e6, geluNs, geluMs, Double(scanUpdates) / 1e6, scanNs, scanMs, threadCount, threadCount == 1 ? "thread" : "threads",
                             floorMs + geluMs + scanMs, workRatios.min, workRatios.median))
                if threadCount > 1 {
                    print(String(format: "threads: %d regions split (caller ran %d of %d chunks; %d lopsided), %d alone as too small, %d alone backing off; %d stalls (%.1f ms)",
                                 pool.split, pool.callerChunks, pool.chunks, pool.lopsided, pool.small, pool.backedOff, pool.stalls, pool.stallMilliseconds))
                    // Where a pass's time goes between the threads: the split regions (and the part of
                    // them the caller spent waiting for the others' last chunks), the regions run alone,
                    // and the serial code between regions (the rest of the mean pass).
                    let n = Double(totals.count), mean = totals.reduce(0, +) / n
                    let split = pool.splitMilliseconds / n, alone = pool.aloneMilliseconds / n
                    print(String(format: "mean pass %.2f ms: %.2f in split regions (the caller waiting %.2f of it at their ends), %.2f in regions alone, %.2f between regions",
                                 mean, split, pool.endWaitMilliseconds / n, alone, max(0, mean - split - alone)))
                }
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

/// CPU time of every thread of this process, in milliseconds: on one thread, what a forward pass
/// costs without the time other programs held the core (a load-independent figure to compare
/// kernel changes by; cache pollution by those programs still counts).
func processCPUMilliseconds() -> Double {
    var t = timespec()
    clock_gettime(CLOCK_PROCESS_CPUTIME_ID, &t)
    return Double(t.tv_sec) * 1e3 + Double(t.tv_nsec) / 1e6
}

/// Peak resident set size of this program: VmHWM from /proc/self/status, which starts afresh at
/// exec (getrusage's ru_maxrss does not: a child started by a large parent inherits its size).
func peakResidentMB() -> Double {
    guard let status = try? String(contentsOfFile: "/proc/self/status", encoding: .utf8),
          let line = status.split(separator: "\n").first(where: { $0.hasPrefix("VmHWM:") }),
          let kb = Double(line.split(separator: " ").dropFirst().first ?? "") else { return 0 }
    return kb / 1024
}
