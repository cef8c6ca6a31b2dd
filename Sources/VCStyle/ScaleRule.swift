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

    /// A range that does not depend on the values: the direction shares are fractions, drawn on
    /// 0…1 under the block scope with a sequential colormap (so the four scans compare directly).
    public static func fixedRange(_ kind: SiteKind, scope: ScaleScope, colormap: Colormap) -> HeatmapScale? {
        kind == .directionShare && scope == .block && !colormap.isDiverging ? HeatmapScale(lo: 0, hi: 1) : nil
    }

    /// The scale of one map of a site: a fixed range when the kind has one, else the statistics the
    /// scope picks (the channel's, the whole site's, or every recorded activation's).
    public static func scale(kind: SiteKind, scope: ScaleScope, colormap: Colormap,
                             channel: ChannelStats, block: ChannelStats, global: ChannelStats) -> HeatmapScale {
        if let f = fixedRange(kind, scope: scope, colormap: colormap) { return f }
        return range(scope.stats(channel: channel, block: block, global: global), colormap: colormap)
    }
}
