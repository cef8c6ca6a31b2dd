import VCEngine
import VCRecording
import VCRender
import VCStyle

/// The colormap and scale of each Mamba view's main maps, from VCStyle's rules: the functions
/// the views draw with, and the ones the export's consistency test compares the PNGs against.
struct PanelStyle: Equatable {
    var colormap: Colormap
    var scale: HeatmapScale
    /// What a percentile clip left out, if it clipped.
    var clip: ClipInfo? = nil
    /// The legend's notes besides the range (clip, narrow range, the quantity's units, the
    /// attention's own weight).
    var notes: [String] = []

    init(colormap: Colormap, scale: HeatmapScale, clip: ClipInfo? = nil, notes: [String] = []) {
        self.colormap = colormap; self.scale = scale; self.clip = clip; self.notes = notes
    }

    init(_ colormap: Colormap, _ r: RobustScale, quantity: Quantity, extra: [String] = []) {
        self.init(colormap: colormap, scale: r.scale, clip: r.clip,
                  notes: (quantity.legendNote.map { [$0] } ?? []) + extra + r.notes { num($0) })
    }

    static func == (a: PanelStyle, b: PanelStyle) -> Bool { a.colormap == b.colormap && a.scale == b.scale }
}

extension ExplorerState {
    /// ‖h_t‖ (the scans view's visited tokens, the hidden view's maps): over every step of every scan.
    func hiddenNormStyle(_ l: MambaLayerData) -> PanelStyle {
        let all = l.hNorm.flatMap { $0 }
        let stats = all.withUnsafeBufferPointer { ChannelStats(buffer: $0) }
        let q = Quantity.site(.hiddenNorm)
        let cmap = q.colormap(signed: stats.isSigned, override: colormapOverride)
        return PanelStyle(cmap, ScaleRule.robust(stats, tails: Tails(all), colormap: cmap, clip: clip), quantity: q)
    }

    /// The decay map exp(Δ·A) shown (one state index, or the mean over them).
    func decayStyle(_ values: [Float]) -> PanelStyle {
        let q = Quantity.site(.decay)
        let cmap = q.colormap(signed: false, override: colormapOverride)
        return PanelStyle(cmap, RobustScale(scale: ScaleRule.range(of: values, colormap: cmap)), quantity: q)
    }

    /// Implicit attention: the four scans' maps, masked to the tokens each has read, on one scale
    /// taken without the query's own weight unless `x` put it back.
    func attentionStyle(masked: [Float]?, token p: Int) -> PanelStyle {
        guard let masked else { return PanelStyle(colormap: .diverging, scale: HeatmapScale(lo: -1, hi: 1)) }
        let values = attentionSelf.rangeValues(masked, token: p)
        let stats = values.withUnsafeBufferPointer { ChannelStats(buffer: $0) }
        let cmap = Quantity.attention.colormap(signed: stats.isSigned, override: colormapOverride)
        return PanelStyle(cmap, ScaleRule.robust(of: values, colormap: cmap, clip: clip), quantity: .attention, extra: [attentionSelf.note])
    }

    /// Direction shares: centred on 25 % (points above or below an even split).
    func sharesStyle(_ l: MambaLayerData) -> PanelStyle {
        let q = Quantity.site(.directionShare)
        let cmap = q.colormap(signed: false, override: colormapOverride)
        let all = l.dirShare.flatMap { $0 }
        let stats = all.withUnsafeBufferPointer { ChannelStats(buffer: $0) }
        let scale = ScaleRule.fixedRange(.directionShare, scope: .block, colormap: cmap, block: stats)
            ?? ScaleRule.range(stats, colormap: cmap)
        return PanelStyle(cmap, RobustScale(scale: scale), quantity: q)
    }

    /// A class activation map: in logit units, sequential when one-signed, clipped like a block.
    func camStyle(_ map: [Float]?) -> PanelStyle {
        guard let map else { return PanelStyle(colormap: .diverging, scale: HeatmapScale(lo: -1, hi: 1)) }
        let stats = map.withUnsafeBufferPointer { ChannelStats(buffer: $0) }
        let cmap = Quantity.classActivation.colormap(signed: stats.isSigned, override: colormapOverride)
        return PanelStyle(cmap, ScaleRule.robust(of: map, colormap: cmap, clip: clip), quantity: .classActivation)
    }
}
