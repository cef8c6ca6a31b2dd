import ArgumentParser
import Foundation
import VCCheckpoint
import VCEngine

/// `vcview inspect`: what a checkpoint holds, without running it.
struct Inspect: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Describe a checkpoint: variant, depths, widths, parameters, dtype, extra entries, key problems.")

    @Argument(help: "Checkpoint (.pth or .safetensors); the bundled demo model when absent.") var file: String?
    @Flag(help: "Describe the EMA weights (model_ema).") var ema = false
    @Flag(help: "Print one JSON object instead of text.") var json = false

    func run() throws {
        try runReportingErrors {
            let path = file ?? Assets.demoModel
            guard FileManager.default.fileExists(atPath: path) else { throw UserError("\(path): no such file") }
            let loaded: LoadedCheckpoint
            do { loaded = try CheckpointLoader.load(path: path, ema: ema) } catch let e as CheckpointError { throw UserError(e.description) }
            var shapes: [String: [Int]] = [:]
            var dtypes: [String: Int] = [:]
            for k in loaded.stateDict.keys {
                guard let t = loaded.stateDict[k] else { continue }
                shapes[k] = t.shape
                dtypes[t.dtype.rawValue, default: 0] += 1
            }
            let info = loaded.info
            let size = (try? FileManager.default.attributesOfItem(atPath: path)[.size] as? Int) ?? 0
            let cfg: VCMambaConfig
            do { cfg = try VCMambaConfig.infer(from: shapes) } catch let e as ModelError { throw UserError("\(path): \(e.description)") }
            let report = cfg.check(shapes)
            if json {
                var obj: [String: Any] = [
                    "file": path, "format": info.format, "bytes": size, "variant": cfg.variantName,
                    "depths": cfg.depths, "widths": cfg.widths, "mamba_layers": cfg.nMamba, "classes": cfg.numClasses,
                    "mlp_hidden": cfg.mlpHidden, "state_dim": cfg.stateDim, "dt_rank": cfg.dtRank, "inner_dim": cfg.innerDim,
                    "parameters": cfg.parameterCount, "dtypes": dtypes, "keys": loaded.stateDict.keys.count,
                    "top_level_keys": info.topLevelKeys, "entry": info.entryUsed ?? NSNull(), "has_ema": info.hasEMA,
                    "epoch": info.epoch ?? NSNull(),
                    "args": Dictionary(info.args, uniquingKeysWith: { a, _ in a }),
                    "missing": report.missing, "unexpected": report.unexpected,
                    "misshaped": report.misshaped.map { ["key": $0.0, "expected": $0.1, "found": $0.2] },
                    "loadable": report.isLoadable,
                ]
                obj["pos_embed_grid"] = cfg.posGrid ?? NSNull()
                print(jsonString(obj))
            } else {
                print("file:        \(path) (\(info.format), \(String(format: "%.1f", Double(size) / 1e6)) MB)")
                if info.format.hasPrefix("pth") && !info.topLevelKeys.isEmpty { print("entries:     \(info.topLevelKeys.map { printable($0) }.joined(separator: ", "))") }
                print("weights:     \(info.entryUsed ?? "bare state dict")\(info.hasEMA && !ema ? " (model_ema also present: --ema)" : "")")
                print("variant:     \(cfg.variantName)")
                print("depths:      \(cfg.depths.map(String.init).joined(separator: ", "))")
                print("widths:      \(cfg.widths.map(String.init).joined(separator: ", "))")
                print("mamba:       \(cfg.nMamba) layers (network.6.\(cfg.firstMamba) … network.6.\(cfg.depths[3] - 1)), E \(cfg.innerDim), N \(cfg.stateDim), dt rank \(cfg.dtRank)")
                print("classes:     \(cfg.numClasses)\(cfg.hasDistHead ? " (head + dist_head averaged)" : "")")
                if let g = cfg.posGrid { print("pos_embed:   \(g[0])×\(g[1]) grid (native input \(g[0] * 32)×\(g[1] * 32))") }
                print("parameters:  \(grouped(cfg.parameterCount))")
                print("dtype:       \(dtypes.sorted { $0.key < $1.key }.map { "\($0.key) ×\($0.value)" }.joined(separator: ", "))")
                if let e = info.epoch { print("epoch:       \(e)") }
                if !info.args.isEmpty {
                    let label = info.format == "safetensors" ? "metadata:   " : "args:       "
                    print("\(label) \(info.args.map { "\($0.0)=\($0.1)" }.joined(separator: ", "))")
                }
                print("keys:        \(loaded.stateDict.keys.count)\(report.isClean ? ", all as the official code expects" : "")")
                for line in report.lines(limit: 20) { print("problem:     \(line)") }
            }
            if !report.isLoadable { throw ExitCode.failure }
        }
    }
}

func grouped(_ n: Int) -> String {
    let s = String(n)
    var out = ""
    for (i, ch) in s.enumerated() {
        if i > 0 && (s.count - i) % 3 == 0 { out.append(",") }
        out.append(ch)
    }
    return out
}
