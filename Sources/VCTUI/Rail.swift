import VCEngine
import VCRecording

/// One selectable step of the network: a stage block, a downsample, the stem or the head (a
/// block of the engine's `SiteCatalogue`, with the rail group it is shown in).
public struct RailBlock: Equatable, Sendable {
    public typealias Kind = SiteCatalogue.Block.Kind
    public let kind: Kind
    /// Index of its group in `Rail.groups`.
    public let group: Int
    /// The site shown by default: the block's output (`network.4.7`), `patch_embed`, `norm`.
    public let site: String
    /// "FFN 8/12", "down 2→3", "Mamba 1/4", "stem", "head".
    public let label: String
    /// The shape the site will have, known before the forward pass from the configuration.
    public let expectedShape: [Int]
}

/// A group of blocks shown as one station of the rail: stem, S1…S3, S4·FFN, S4·Mamba×n, head.
public struct RailGroup: Equatable, Sendable {
    public let name: String
    /// A shorter name for narrow windows.
    public let shortName: String
    public let blocks: Range<Int>
}

/// The rail: the network's blocks in forward order (the site catalogue's), grouped into stations.
///
/// Downsamples (`network.1/3/5`) open the stage they lead into; `pos_embed` and the stage outputs
/// are reachable as sites of the blocks they belong to (see `SiteCatalogue.block(of:)`).
public struct Rail: Equatable, Sendable {
    public let groups: [RailGroup]
    public let blocks: [RailBlock]
    /// Every site of this model at this input size.
    public let sites: SiteCatalogue
    /// The stage-4 token grid (h, w), for (1, L, F) token tensors.
    public var grid: [Int] { sites.grid }
    /// Classes of the head.
    public var classes: Int { sites.config.numClasses }

    public init(config c: VCMambaConfig, inputHeight: Int, inputWidth: Int) {
        let catalogue = SiteCatalogue(config: c, inputHeight: inputHeight, inputWidth: inputWidth)
        // Stations: the stem, S1…S3 (each with the downsample into it), S4's FFN blocks, its
        // Mamba layers, the head.
        func station(_ b: SiteCatalogue.Block) -> (String, String) {
            switch (b.kind, b.stage) {
            case (.stem, _): return ("stem", "stem")
            case (.head, _): return ("head", "head")
            case (.mamba, _): return ("S4·Mamba×\(c.nMamba)", "S4M")
            case (_, 3?): return ("S4·FFN", "S4F")
            case (_, let s): return ("S\((s ?? 0) + 1)", "S\((s ?? 0) + 1)")
            }
        }
        var groups: [RailGroup] = [], blocks: [RailBlock] = []
        for (i, b) in catalogue.blocks.enumerated() {
            let (name, short) = station(b)
            if groups.last?.name != name { groups.append(RailGroup(name: name, shortName: short, blocks: i..<i)) }
            let g = groups.count - 1
            groups[g] = RailGroup(name: name, shortName: short, blocks: groups[g].blocks.lowerBound..<(i + 1))
            blocks.append(RailBlock(kind: b.kind, group: g, site: b.site, label: b.label, expectedShape: b.shape))
        }
        self.groups = groups
        self.blocks = blocks
        self.sites = catalogue
    }

    /// The group's block a stage jump lands on: its first stage block (not the downsample), if any.
    public func entryBlock(ofGroup g: Int) -> Int {
        let r = groups[g].blocks
        return r.first { blocks[$0].kind != .downsample } ?? r.lowerBound
    }

    /// Which block a recorded site belongs to.
    public func block(forSite site: String) -> Int { sites.block(of: site) }
}

/// "144×14×14" (batch dimension dropped).
func shapeText(_ shape: [Int]) -> String {
    let dims = shape.first == 1 && shape.count > 1 ? Array(shape.dropFirst()) : shape
    return dims.map(String.init).joined(separator: "×")
}
