import VCEngine
import VCRecording
import VCRender
import VCStyle

/// The colormap and scale of each Mamba view's main maps, from VCStyle's rules: the functions
/// the views draw with, and the ones the export's consistency test compares the PNGs against.
struct PanelStyle: Equatable {
    var colormap: Colormap
    var scale: HeatmapScale
}

extension ExplorerState {
    /// ‖h_t‖ (the scans view's visited tokens, the hidden view's maps): over every step of every scan.
    func hiddenNormStyle(_ l: MambaLayerData) -> PanelStyle {
        let all = l.hNorm.flatMap { $0 }
        let stats = all.withUnsafeBufferPointer { ChannelStats(buffer: $0) }
        let cmap = Quantity.site(.hiddenNorm).colormap(signed: stats.isSigned, override: colormapOverride)
        return PanelStyle(colormap: cmap, scale: ScaleRule.range(stats, colormap: cmap))
    }

    /// The decay map exp(Δ·A) shown (one state index, or the mean over them).
    func decayStyle(_ values: [Float]) -> PanelStyle {
        let cmap = Quantity.site(.decay).colormap(signed: false, override: colormapOverride)
        return PanelStyle(colormap: cmap, scale: ScaleRule.range(of: values, colormap: cmap))
    }

    /// Implicit attention: the four scans' maps, masked to the tokens each has read, on one scale.
    func attentionStyle(masked: [Float]?) -> PanelStyle {
        let cmap = Quantity.attention.colormap(signed: true, override: colormapOverride)
        return PanelStyle(colormap: cmap, scale: masked.map { ScaleRule.range(of: $0, colormap: cmap) } ?? HeatmapScale(lo: -1, hi: 1))
    }

    /// Direction shares: fractions, on the fixed 0…1 range (block scope).
    func sharesStyle(_ l: MambaLayerData) -> PanelStyle {
        let cmap = Quantity.site(.directionShare).colormap(signed: false, override: colormapOverride)
        let scale = ScaleRule.fixedRange(.directionShare, scope: .block, colormap: cmap)
            ?? ScaleRule.range(of: l.dirShare.flatMap { $0 }, colormap: cmap)
        return PanelStyle(colormap: cmap, scale: scale)
    }

    /// A class activation map.
    func camStyle(_ map: [Float]?) -> PanelStyle {
        let cmap = Quantity.classActivation.colormap(signed: true, override: colormapOverride)
        return PanelStyle(colormap: cmap, scale: map.map { ScaleRule.range(of: $0, colormap: cmap) } ?? HeatmapScale(lo: -1, hi: 1))
    }
}
