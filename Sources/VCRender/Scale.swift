/// The value range a heatmap's colours span: `lo` maps to LUT index 0, `hi` to 255.
public struct HeatmapScale: Equatable, Sendable {
    public var lo: Float
    public var hi: Float

    public init(lo: Float, hi: Float) { self.lo = lo; self.hi = hi }

    /// min..max of the statistics; for a diverging colormap symmetric, −m..m with m = max |v|,
    /// so zero sits on the map's centre. A degenerate range (constant map) is widened by ±1
    /// around the value (±1 around 0 when symmetric; ±|v|/1024 when that is larger, so a constant
    /// 1e30 still has a range), so it still normalises to the centre. The statistics cover finite
    /// values only, so the range is always finite.
    public init(_ stats: ChannelStats, symmetric: Bool) {
        if symmetric {
            let m = stats.maxAbs
            self.init(lo: m > 0 ? -m : -1, hi: m > 0 ? m : 1)
        } else if stats.max > stats.min {
            self.init(lo: stats.min, hi: stats.max)
        } else {
            let pad = Swift.max(1, abs(stats.min) / 1024)
            self.init(lo: stats.min - pad, hi: stats.max + pad)
        }
    }

    /// (v − lo) / (hi − lo), not clamped; NaN stays NaN. When the span itself overflows (values
    /// near ±3.4e38), everything is halved first, which cannot overflow.
    @inlinable public func normalised(_ v: Float) -> Float {
        let span = hi - lo
        if span.isFinite { return (v - lo) / span }
        return (v * 0.5 - lo * 0.5) / (hi * 0.5 - lo * 0.5)
    }

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
