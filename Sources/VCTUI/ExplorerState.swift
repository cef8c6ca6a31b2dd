import VCEngine
import VCRecording
import VCRender
import VCStyle

/// The focusable panes; Tab cycles through them.
public enum Pane: CaseIterable, Sendable {
    /// The stage rail: ←→ move between blocks, ↑↓ between stages.
    case rail
    /// The block's sites (its output and every activation inside it).
    case sites
    /// The channel grid, or the zoomed channel.
    case grid
}

/// Where the forward pass is.
public enum ForwardPhase: Sendable {
    case running(fraction: Double, site: String)
    case done(milliseconds: Double)
    case failed(String)
}

/// A cell of a channel map: row `y`, column `x`.
public struct MapPoint: Equatable, Sendable {
    public var y: Int
    public var x: Int
    public init(y: Int, x: Int) { self.y = y; self.x = x }
}

extension MambaLayerData {
    /// Grid position of token p.
    func point(_ p: Int) -> MapPoint { MapPoint(y: p / width, x: p % width) }
}

/// What does not change while exploring: where the activations come from and how to label them.
public struct ExplorerInfo: Sendable {
    /// The image's file name (or a description of the input).
    public var imageName: String
    /// "VCMamba-S (ImageNet-1k, 10.5M)".
    public var modelDescription: String
    public var inputHeight: Int
    public var inputWidth: Int
    public var picture: Picture?
    /// Class names by index (ImageNet's 1000 for the official models); nil for "class N".
    public var labels: [String]?
    /// "truecolor", "256 colours", "16 colours", "no colour".
    public var colorDepthLabel: String
    /// The model's configuration (the tour quotes its shapes); nil when unknown.
    public var config: VCMambaConfig?

    public init(imageName: String, modelDescription: String, inputHeight: Int, inputWidth: Int,
                picture: Picture? = nil, labels: [String]? = nil, colorDepthLabel: String = "", config: VCMambaConfig? = nil) {
        self.imageName = imageName; self.modelDescription = modelDescription
        self.inputHeight = inputHeight; self.inputWidth = inputWidth
        self.picture = picture; self.labels = labels; self.colorDepthLabel = colorDepthLabel
        self.config = config
    }

    public func label(_ index: Int) -> String {
        if let l = labels, index < l.count, !l[index].isEmpty { return l[index] }
        return "class \(index)"
    }
}

/// The whole state of the explorer: a value; `update` makes the next one, `view` draws it.
public struct ExplorerState: Sendable {
    public var size: Size
    public let info: ExplorerInfo
    public let rail: Rail
    public var phase: ForwardPhase = .running(fraction: 0, site: "")
    /// Filled once by the forward pass; read-only afterwards.
    public var store: Recording? = nil

    /// Selected rail block.
    public var block: Int
    /// Index into the block's site list; nil = the block's own output.
    public var siteIndex: Int? = nil
    public var focus: Pane = .grid
    /// Selected channel id (not its position in the sorted order).
    public var channel: Int = 0
    public var zoomed = false
    public var cursor = MapPoint(y: 0, x: 0)
    public var sort: SortKey = .index
    /// nil = automatic: diverging for signed activations, viridis otherwise.
    public var colormapOverride: Colormap? = nil
    public var scope: ScaleScope = .block
    /// Percentile clip of block and global scales (`p`): auto clips heavy tails at p99.5.
    public var clip: Clip = .auto
    /// Whether the attention range includes each token's weight on itself (`x`).
    public var attentionSelf: AttentionSelf = .excluded
    public var showHelp = false
    /// `e` / `E` asked for an export that the run loop has not started yet.
    public var exportRequest: ExportRequest? = nil
    public var exporting = false
    /// The last export's one-line result, shown on the hint line until the next key.
    public var exportStatus: String? = nil
    /// `e` / `E` are asking for the folder (ExportPrompt.swift).
    public var exportPrompt: ExportPrompt? = nil
    /// Where exports go: the options' folder at first, then the last one given.
    public var exportDirectory = "vcview-exports"
    public var shouldQuit = false
    /// Counts ticks, for the spinner.
    public var ticks = 0
    /// The Mamba views are open (shown while a Mamba block is selected; `m` toggles).
    public var mambaOpen = false
    /// What the Mamba views show (kept across layers: the ablation is model-wide).
    public var mamba = MambaViewState()
    /// Derived Mamba quantities computed so far, and those on their way.
    public var cache = MambaCache()
    /// The gradient view (`a`), when open: it takes the main area, over the Mamba views too.
    public var gradient: GradientViewState? = nil
    /// Gradient maps computed so far, and those on their way.
    public var attributions = AttributionCache()
    /// The guided lesson (`vcview tour`), when running.
    public var tour: TourState? = nil
    /// The presenter layout (`p`, `--presenter`): one big panel under a large title.
    public var presenter = false

    public init(info: ExplorerInfo, rail: Rail, size: Size) {
        self.info = info
        self.rail = rail
        self.size = size
        // Open on the last block of stage 3: a mid-network activation, typical of what a CNN sees.
        block = rail.groups.count > 3 ? rail.entryBlock(ofGroup: 3) : 0
    }

    // MARK: Derived values (pure helpers shared by update and view)

    public var currentBlock: RailBlock { rail.blocks[block] }

    /// The sites listed for the current block (only its own site before the forward pass is done).
    public var blockSites: [String] {
        guard let s = store, block < s.blockSites.count, !s.blockSites[block].isEmpty else { return [currentBlock.site] }
        return s.blockSites[block]
    }

    /// The index of the shown site in `blockSites`.
    public var siteIndexResolved: Int {
        let sites = blockSites
        if let i = siteIndex, i < sites.count { return i }
        return sites.firstIndex(of: currentBlock.site) ?? sites.count - 1
    }

    /// Name of the activation on screen.
    public var siteName: String { blockSites[siteIndexResolved] }

    /// The activation on screen, once computed.
    public var site: SiteData? { store?.sites[siteName] }

    public var channelOrder: [Int] { site.map { $0.order(sort) } ?? [] }

    /// Position of the selected channel in the display order.
    public var channelPosition: Int { channelOrder.firstIndex(of: channel) ?? 0 }

    public var isForwardDone: Bool { if case .done = phase { return true } else { return false } }

    /// What the current site holds (the engine's catalogue), for the style rules.
    public var siteQuantity: Quantity { .site(rail.sites.kind(of: siteName)) }

    /// The colormap in use for the current site (VCStyle: the override, else by the site's kind
    /// and sign).
    public var colormap: Colormap {
        siteQuantity.colormap(signed: site?.stats.isSigned ?? false, override: colormapOverride)
    }

    /// The scale for channel `c` of the current site.
    public func scale(channel c: Int) -> HeatmapScale? { robustScale(channel: c)?.scale }

    /// The same with what a percentile clip left out (for the legend).
    public func robustScale(channel c: Int) -> RobustScale? {
        guard let s = site, let store else { return nil }
        return ScaleRule.scale(kind: rail.sites.kind(of: siteName), scope: scope, colormap: colormap, clip: clip,
                               channel: s.channelStats[min(c, s.channelStats.count - 1)], block: (s.stats, s.tails),
                               global: (store.global, store.globalTails))
    }
}
