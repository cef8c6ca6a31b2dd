import Foundation
import VCEngine
import VCRender

/// One recorded activation, ready to draw: its maps, statistics and the four channel orders.
public struct SiteData: Sendable {
    public let name: String
    public let maps: ChannelMaps
    public let channelStats: [ChannelStats]
    /// Over all channels.
    public let stats: ChannelStats
    let orders: [SortKey: [Int]]

    public init(name: String, tensor: Tensor, grid: [Int]) {
        self.name = name
        maps = ChannelMaps(tensor, grid: grid.count == 2 ? (grid[0], grid[1]) : nil)
        channelStats = maps.channelStats()
        stats = ChannelStats.merged(channelStats)
        var o: [SortKey: [Int]] = [:]
        for k in SortKey.allCases { o[k] = k.order(channelStats) }
        orders = o
    }

    /// Channel ids in display order.
    public func order(_ key: SortKey) -> [Int] { orders[key] ?? Array(0..<maps.channels) }
}

/// Everything one forward pass produced, computed once off the UI thread and never again:
/// moving between views only reads from here.
public final class ActivationStore: Sendable {
    /// Site names in the order the forward pass produced them.
    public let order: [String]
    public let sites: [String: SiteData]
    /// The sites of each rail block, in forward order (the block's own site among them).
    public let blockSites: [[String]]
    /// Over every recorded activation (the `global` scale scope).
    public let global: ChannelStats
    /// Softmax of the logits, when the forward pass produced them.
    public let probabilities: [Float]
    /// The logits themselves (empty when there were none).
    public let logits: [Float]
    /// The Mamba layers of stage 4, in order, with their recorded interpretation sites.
    public let mamba: [MambaLayerData]
    /// Raw tensors the Mamba computations start from (trace inputs, `network.5`, `norm`), by site.
    public let mambaTensors: [String: Tensor]
    /// Every recorded tensor by site, for the PNG export (`e`/`E`); shares storage with the maps.
    public let tensors: [String: Tensor]
    /// The first site, in forward order, holding NaN or ±∞ (nil when every value is finite).
    public let firstNonFinite: FirstNonFinite?

    public init(order: [String], tensors: [String: Tensor], rail: Rail, logits: Tensor?) {
        var sites: [String: SiteData] = [:]
        var kept: [String] = []
        for name in order {
            guard let t = tensors[name], t.count > 0 else { continue }
            sites[name] = SiteData(name: name, tensor: t, grid: rail.grid)
            kept.append(name)
        }
        self.order = kept
        self.sites = sites
        var per = [[String]](repeating: [], count: rail.blocks.count)
        for name in kept { per[rail.block(forSite: name)].append(name) }
        for (i, b) in rail.blocks.enumerated() where !per[i].contains(b.site) && sites[b.site] != nil { per[i].append(b.site) }
        blockSites = per
        global = ChannelStats.merged(kept.map { sites[$0]!.stats })
        firstNonFinite = FirstNonFinite.find(order: kept) { sites[$0]?.stats.marked }
        // Non-finite logits have no probabilities: the prediction box says why instead.
        probabilities = logits.flatMap { l in l.data.allSatisfy(\.isFinite) ? softmax(l.data) : nil } ?? []
        self.logits = logits?.data ?? []
        let layers = rail.blocks.filter { $0.kind == .mamba }.map { $0.site + ".mamba" }
        mamba = layers.compactMap { MambaLayerData(name: $0, tensors: tensors) }
        var raw: [String: Tensor] = [:]
        for name in layers.flatMap(mambaTensorSites) + ["network.5", "norm"] { raw[name] = tensors[name] }
        mambaTensors = raw
        self.tensors = tensors
    }

    /// The index of the Mamba layer whose rail block is `site` (`network.6.K`).
    public func mambaLayer(block site: String) -> Int? { mamba.firstIndex { $0.block == site } }

    /// The top `k` classes, most probable first.
    public func top(_ k: Int) -> [(index: Int, probability: Float)] {
        let idx = probabilities.indices.sorted { probabilities[$0] != probabilities[$1] ? probabilities[$0] > probabilities[$1] : $0 < $1 }
        return idx.prefix(k).map { ($0, probabilities[$0]) }
    }
}

func softmax(_ x: [Float]) -> [Float] {
    guard let m = x.max() else { return [] }
    let e = x.map { exp(Double($0 - m)) }
    let s = e.reduce(0, +)
    return e.map { Float($0 / s) }
}

extension ActivationStore {
    /// "logits: 10 NaN" when the logits are not all finite (no probabilities then), else nil.
    public var nonFiniteLogitsNote: String? {
        let c = NonFiniteCount(logits)
        return c.isEmpty ? nil : "logits: \(c.breakdown)"
    }
}

/// "12544 NaN · first NaN at network.4.1.mlp.fc1" for a site that holds any.
func nonFiniteNote(_ c: NonFiniteCount, first: FirstNonFinite?) -> String? {
    guard !c.isEmpty else { return nil }
    return c.breakdown + (first.map { " · " + $0.description } ?? "")
}
