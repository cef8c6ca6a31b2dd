import VCEngine

/// The views of one Mamba layer (`m` opens them, `v` cycles).
public enum MambaPanel: String, CaseIterable, Sendable {
    /// The four snake scans walking the token grid.
    case scans
    /// ‖h_t‖ along the scans, on the grid, per state index; the decay exp(Δ·A).
    case hidden
    /// Implicit attention α of the cursor token, and the parity residual of y rebuilt from α.
    case attention
    /// Each direction's share of the summed output per token.
    case shares
    /// Class activation map of a top-5 class over the picture.
    case cam

    public var title: String {
        switch self {
        case .scans: return "scans"
        case .hidden: return "hidden states"
        case .attention: return "attention"
        case .shares: return "shares"
        case .cam: return "CAM"
        }
    }

    var next: MambaPanel { let a = MambaPanel.allCases; return a[(a.firstIndex(of: self)! + 1) % a.count] }
    var previous: MambaPanel { let a = MambaPanel.allCases; return a[(a.firstIndex(of: self)! + a.count - 1) % a.count] }
}

/// The official names of the four scans (PlainMamba2D's `get_permute_order`).
let scanNames = ["row snake", "row snake reversed", "column snake", "column snake reversed"]
/// The same, in a few columns: which way the snake advances.
let scanShortNames = ["rows ↓", "rows ↑", "columns →", "columns ←"]

/// What the Mamba views show; kept while moving between layers (the ablation is model-wide).
public struct MambaViewState: Sendable, Equatable {
    public var panel: MambaPanel = .scans
    /// The scan step t (0 ..< L), shared by the four scans.
    public var step = 0
    public var playing = false
    /// Index into `MambaViewState.speeds`.
    public var speed = 2
    /// Milliseconds accumulated towards the next step while playing.
    public var clock: Double = 0
    /// The token the attention view looks from (and the scans view reports on); (−1, −1) puts it
    /// on the centre of the grid when the views open.
    public var cursor = MapPoint(y: -1, x: -1)
    /// nil: the four directions side by side; 0…3: one scan alone.
    public var direction: Int? = nil
    /// Attention per channel (nil: mean over channels).
    public var channel: Int? = nil
    /// Hidden view: the state index n of the decay map (nil: mean over n).
    public var stateIndex: Int? = nil
    /// CAM: rank of the class in the original top-5 (0 = top-1).
    public var camRank = 0
    public var ablation = MambaAblation()

    public init() {}

    /// Steps per second.
    public static let speeds: [Double] = [1, 2, 4, 8, 16]
    public var stepsPerSecond: Double { MambaViewState.speeds[speed] }
    public var stepMilliseconds: Double { 1000 / stepsPerSecond }
}

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

/// A derived quantity a view needs, computed off the UI thread (`MambaLab.run`) and cached.
public enum MambaJob: Hashable, Sendable {
    /// α of the token at (row, col) of Mamba layer `layer` (index into the store's layers).
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

/// Results of finished jobs, and the jobs on their way (so the view can say "computing…").
public struct MambaCache: Sendable {
    public var results: [MambaJob: MambaResult] = [:]
    public var pending: Set<MambaJob> = []
    public init() {}

    public func output(_ job: MambaJob) -> MambaOutput? {
        if case .success(let o)? = results[job]?.output { return o }
        return nil
    }

    public func failure(_ job: MambaJob) -> String? {
        if case .failure(let e)? = results[job]?.output { return e.description }
        return nil
    }

    public func milliseconds(_ job: MambaJob) -> Double? { results[job]?.milliseconds }
}
