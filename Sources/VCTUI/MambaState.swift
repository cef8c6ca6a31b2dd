import VCEngine
import VCRecording

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
