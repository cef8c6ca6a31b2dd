import VCEngine
import VCRender

/// One recorded activation, ready to draw: its maps, statistics and the four channel orders.
///
/// How a tensor becomes maps (the same on screen and in PNGs): (1, C, H, W) and (1, L, F) as
/// `ChannelMaps` reads them; the Mamba quantities (K, h, w) and (4, N, h, w) as K and 4·N maps of
/// the grid; anything else as one wrapped map.
public struct SiteData: Sendable {
    public let name: String
    public let maps: ChannelMaps
    public let channelStats: [ChannelStats]
    /// Over all channels.
    public let stats: ChannelStats
    /// The ends of all its values, for percentile-clipped scales (`ScaleRule.robust`).
    public let tails: Tails
    let orders: [SortKey: [Int]]

    public init(name: String, tensor: Tensor, grid: (Int, Int)?) {
        self.name = name
        var t = tensor
        let s = t.shape
        if s.count == 3 && s[0] != 1 { t = Tensor(shape: [1] + s, data: t.data) }
        if s.count == 4 && s[0] != 1 { t = Tensor(shape: [1, s[0] * s[1], s[2], s[3]], data: t.data) }
        maps = ChannelMaps(t, grid: grid)
        channelStats = maps.channelStats()
        stats = ChannelStats.merged(channelStats)
        tails = Tails(tensor.data)
        var o: [SortKey: [Int]] = [:]
        for k in SortKey.allCases { o[k] = k.order(channelStats) }
        orders = o
    }

    /// Channel ids in display order.
    public func order(_ key: SortKey) -> [Int] { orders[key] ?? Array(0..<maps.channels) }
}
