import VCEngine
import VCRender

/// How values map to colours: the range a colormap spans, taken the same way on screen and in PNGs.
public enum ScaleRule {
    /// min…max of the statistics, or ±max|v| when the colormap is diverging (zero at its centre).
    public static func range(_ stats: ChannelStats, colormap: Colormap) -> HeatmapScale {
        HeatmapScale(stats, symmetric: colormap.isDiverging)
    }

    /// The same over the finite values of an array (NaN marks "nothing here").
    public static func range(of values: [Float], colormap: Colormap) -> HeatmapScale {
        values.withUnsafeBufferPointer { range(ChannelStats(buffer: $0), colormap: colormap) }
    }

    /// The direction shares' range: centred on the even split 25 % with a diverging colormap, out
    /// to the share farthest from it (the legend labels the ends in points, "+8 pt vs 25%"), so a
    /// map where every share is within a few points of 25 % is not flat. Under the channel scope,
    /// or with a sequential colormap chosen by hand, the shares take the ordinary rule (nil).
    public static func fixedRange(_ kind: SiteKind, scope: ScaleScope, colormap: Colormap, block: ChannelStats) -> HeatmapScale? {
        guard kind == .directionShare, scope != .channel, colormap.isDiverging, block.count > 0 else { return nil }
        let e = ShareDifference.even
        let m = Swift.max(abs(block.max - e), abs(block.min - e), 1e-4)
        return HeatmapScale(lo: e - m, hi: e + m)
    }

    /// The scale of one map of a site: the shares' centred range, else the statistics the scope
    /// picks (the channel's, the whole site's, or every recorded activation's), clipped at a
    /// percentile (`robust`) under the block and global scopes.
    public static func scale(kind: SiteKind, scope: ScaleScope, colormap: Colormap, clip: Clip,
                             channel: ChannelStats, block: (ChannelStats, Tails), global: (ChannelStats, Tails)) -> RobustScale {
        if let f = fixedRange(kind, scope: scope, colormap: colormap, block: block.0) { return RobustScale(scale: f) }
        switch scope {
        case .channel: return RobustScale(scale: range(channel, colormap: colormap))
        case .block: return robust(block.0, tails: block.1, colormap: colormap, clip: clip)
        case .global: return robust(global.0, tails: global.1, colormap: colormap, clip: clip)
        }
    }
}
