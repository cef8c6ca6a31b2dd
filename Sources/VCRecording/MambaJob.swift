import VCEngine

extension MambaAblation {
    /// "scans 2 4 off · raster · dirB = 0", or "none".
    public var summary: String {
        var parts: [String] = []
        let off = enabledDirections.indices.filter { !enabledDirections[$0] }.map { "\($0 + 1)" }
        if !off.isEmpty { parts.append((off.count == 1 ? "scan " : "scans ") + off.joined(separator: " ") + " off") }
        if rasterScan { parts.append("raster scan") }
        if zeroDirectionBs { parts.append("direction_Bs = 0") }
        return parts.isEmpty ? "none" : parts.joined(separator: " · ")
    }
}

/// A derived quantity a view needs, computed off the UI thread (`MambaAnalysis.run`) and cached.
public enum MambaJob: Hashable, Sendable {
    /// α of the token at (row, col) of Mamba layer `layer` (index into the recording's layers).
    case attention(layer: Int, row: Int, col: Int, channel: Int?)
    /// y rebuilt from α for the four directions of a layer, against the engine's y.
    case residual(layer: Int)
    /// Stage 4 and the head under an ablation.
    case ablation(MambaAblation)
    /// The exact class activation map of class `classIndex`.
    case cam(classIndex: Int)

    /// A short name for logs and the status line.
    public var label: String {
        switch self {
        case .attention(let l, let r, let c, let ch): return "attention L\(l + 1) (\(r), \(c))" + (ch.map { " ch \($0)" } ?? "")
        case .residual(let l): return "residual L\(l + 1)"
        case .ablation(let a): return "ablation [\(a.summary)]"
        case .cam(let i): return "cam class \(i)"
        }
    }
}

/// What a job produced, with what it cost.
public enum MambaOutput: Sendable {
    /// (4, h, w): α of the token per direction, zero for tokens not yet read.
    case attention(Tensor)
    /// Max relative error of y rebuilt from α, per direction.
    case residual([Float])
    /// The logits of the ablated model.
    case logits([Float])
    /// (h, w) map whose mean plus `bias` is the logit.
    case cam(map: Tensor, bias: Float)
}

public struct MambaResult: Sendable {
    public let job: MambaJob
    public let output: Result<MambaOutput, MambaJobError>
    public let milliseconds: Double
    public init(job: MambaJob, output: Result<MambaOutput, MambaJobError>, milliseconds: Double) {
        self.job = job; self.output = output; self.milliseconds = milliseconds
    }
}

public struct MambaJobError: Error, Sendable, CustomStringConvertible {
    public let description: String
    public init(_ d: String) { description = d }
}
