import VCRender

/// Where a robust scale stops: at a percentile of the finite values, so that a few outliers
/// (`network.6.2.mamba.y` reaches 3491 where 99.5 % of it is below 41) do not flatten every
/// other value into one colour. Values beyond are drawn at the ends, and the legend says so.
public enum Clip: String, CaseIterable, Sendable {
    /// p99.5 where the data have outliers (`ScaleRule.heavyTail`), else the full range.
    case auto
    /// Always the full min…max (or ±max|v|).
    case none
    /// p1…p99 (|v| at p99 when symmetric).
    case p99
    /// p0.5…p99.5 (|v| at p99.5 when symmetric).
    case p995 = "p99.5"

    /// The upper percentile this choice clips at, if it clips.
    var percentile: Double? {
        switch self {
        case .auto: return 99.5
        case .none: return nil
        case .p99: return 99
        case .p995: return 99.5
        }
    }

    /// The key's cycle: auto → none → p99 → p99.5 → auto.
    public var next: Clip {
        let all = Clip.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }
}

/// What a clipped scale left out, for the legend and the sidecar.
public struct ClipInfo: Equatable, Sendable {
    /// 99 or 99.5.
    public var percentile: Double
    /// The scale was taken over |v| (diverging colormap).
    public var magnitude: Bool
    /// The scale's clipped ends (nil where that end holds the data's own extreme).
    public var lo: Float?
    public var hi: Float?
    /// The data's extremes, beyond the ends.
    public var min: Float
    public var max: Float

    /// "p99.5", "p0.5–p99.5".
    public var name: String {
        let p = percentile == 99 ? "p99" : "p99.5"
        return lo != nil && hi != nil && !magnitude ? (percentile == 99 ? "p1–p99" : "p0.5–p99.5") : p
    }

    /// "clipped at p99.5: 41.2; max 3491" (the words a legend and a PNG bar both write).
    public func text(_ format: (Float) -> String) -> String {
        if magnitude {
            return "clipped at \(name) of |v|: \(format(hi ?? 0)); max |v| \(format(Swift.max(abs(min), abs(max))))"
        }
        switch (lo, hi) {
        case let (l?, h?): return "clipped at \(name): \(format(l))…\(format(h)); min \(format(min)) max \(format(max))"
        case let (l?, nil): return "clipped at p\(percentile == 99 ? "1" : "0.5"): \(format(l)); min \(format(min))"
        case let (nil, h?): return "clipped at \(name): \(format(h)); max \(format(max))"
        default: return ""
        }
    }
}

/// A scale and, when it was clipped, what it left out.
public struct RobustScale: Equatable, Sendable {
    public var scale: HeatmapScale
    public var clip: ClipInfo?

    public init(scale: HeatmapScale, clip: ClipInfo? = nil) { self.scale = scale; self.clip = clip }
}

extension ScaleRule {
    /// `auto` clips when the full range is more than this many times the clipped one: a normal
    /// distribution of 10⁵ values has max/p99.5 ≈ 1.6, a photo's Mamba output 85.
    public static let heavyTail: Float = 3

    /// The range of `stats` as `range` takes it, clipped at the percentile `clip` asks for
    /// (read from `tails`, the same values' ends). `auto` clips only heavy tails.
    public static func robust(_ stats: ChannelStats, tails: Tails, colormap: Colormap, clip: Clip) -> RobustScale {
        let full = range(stats, colormap: colormap)
        guard let q = clip.percentile, stats.count > 0 else { return RobustScale(scale: full) }
        var s = full
        var info = ClipInfo(percentile: q, magnitude: colormap.isDiverging, lo: nil, hi: nil, min: stats.min, max: stats.max)
        if colormap.isDiverging {
            guard let m = tails.upper(q, magnitude: true), m > 0, m < stats.maxAbs else { return RobustScale(scale: full) }
            s = HeatmapScale(lo: -m, hi: m)
            info.hi = m
            info.lo = -m
        } else {
            let lo = tails.lower(100 - q) ?? stats.min, hi = tails.upper(q) ?? stats.max
            guard hi > lo else { return RobustScale(scale: full) }
            if lo > stats.min { s.lo = lo; info.lo = lo }
            if hi < stats.max { s.hi = hi; info.hi = hi }
            if info.lo == nil && info.hi == nil { return RobustScale(scale: full) }
        }
        if clip == .auto && (full.hi - full.lo) <= heavyTail * (s.hi - s.lo) { return RobustScale(scale: full) }
        return RobustScale(scale: s, clip: info)
    }

    /// The same over an array's finite values (computed maps: attention, CAM, ‖h‖).
    public static func robust(of values: [Float], colormap: Colormap, clip: Clip) -> RobustScale {
        let stats = values.withUnsafeBufferPointer { ChannelStats(buffer: $0) }
        return robust(stats, tails: Tails(values), colormap: colormap, clip: clip)
    }

    /// "narrow range: 0.0734–0.0787, stretched" when a sequential scale spans less than a tenth
    /// of its level (the decay of a layer sits near one value): the colours exaggerate the
    /// differences, and the legend has to say so. nil otherwise.
    public static func narrowRangeNote(_ s: HeatmapScale, format: (Float) -> String) -> String? {
        let level = Swift.max(abs(s.lo), abs(s.hi))
        guard s.hi > s.lo, s.lo * s.hi > 0, s.hi - s.lo < 0.1 * level else { return nil }
        return "narrow range: \(format(s.lo))–\(format(s.hi)), stretched"
    }
}

extension RobustScale {
    /// What a legend must say besides the range: where it was clipped, and whether a sequential
    /// range is narrow and stretched (screen and PNG write the same words).
    public func notes(_ format: (Float) -> String) -> [String] {
        var n: [String] = []
        if let c = clip { n.append(c.text(format)) }
        if let w = ScaleRule.narrowRangeNote(scale, format: format) { n.append(w) }
        return n
    }
}
