/// The value range a heatmap's colours span: `lo` maps to LUT index 0, `hi` to 255.
public struct HeatmapScale: Equatable, Sendable {
    public var lo: Float
    public var hi: Float

    public init(lo: Float, hi: Float) { self.lo = lo; self.hi = hi }

    /// min..max of the statistics; for a diverging colormap symmetric, −m..m with m = max |v|,
    /// so zero sits on the map's centre. A degenerate range (constant map) is widened by ±1
    /// around the value (±1 around 0 when symmetric), so it still normalises to the centre.
    public init(_ stats: ChannelStats, symmetric: Bool) {
        if symmetric {
            let m = stats.maxAbs
            self.init(lo: m > 0 ? -m : -1, hi: m > 0 ? m : 1)
        } else if stats.max > stats.min {
            self.init(lo: stats.min, hi: stats.max)
        } else {
            self.init(lo: stats.min - 1, hi: stats.max + 1)
        }
    }

    /// (v − lo) / (hi − lo), not clamped; NaN stays NaN.
    @inlinable public func normalised(_ v: Float) -> Float { (v - lo) / (hi - lo) }

    /// Where zero falls in [0, 1], or nil when outside the range.
    public var zeroPosition: Float? {
        let t = normalised(0)
        return t >= 0 && t <= 1 ? t : nil
    }
}

/// Which values a heatmap's scale is taken from.
public enum ScaleScope: String, CaseIterable, Sendable {
    /// Each channel on its own range: shows every channel's structure, hides their relative size.
    case channel
    /// One range for all channels of the activation: channels compare directly.
    case block
    /// One range over every recorded activation of the forward pass.
    case global

    /// The statistics this scope takes its range from.
    public func stats(channel: ChannelStats, block: ChannelStats, global: ChannelStats) -> ChannelStats {
        switch self {
        case .channel: return channel
        case .block: return block
        case .global: return global
        }
    }

    public var next: ScaleScope {
        let all = ScaleScope.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }
}
