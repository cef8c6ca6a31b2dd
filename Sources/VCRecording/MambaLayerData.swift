import VCEngine

/// One Mamba layer's recorded interpretation sites, ready to draw (docs/sites.md): the scan
/// orders, ‖h_t‖ per direction (in step order and on the grid), per state index, the decay map
/// and the direction shares. Built once after the forward pass, from what the engine recorded.
public struct MambaLayerData: Sendable {
    /// `network.6.K.mamba`.
    public let name: String
    /// `network.6.K` (the rail block).
    public let block: String
    public let height: Int, width: Int
    /// E (inner width) and N (state size).
    public let inner: Int, state: Int
    public let orders: ScanOrders
    /// ‖h_t‖ over channels and state dims: [direction][step].
    public let hNorm: [[Float]]
    /// The same on the grid: [direction][token].
    public let hNormMap: [[Float]]
    /// Per state index on the grid: [direction][n][token] (empty when not recorded).
    public let hNormN: [[[Float]]]
    /// exp(Δ·A) averaged over channels: [n][token].
    public let decay: [[Float]]
    /// Share of each direction in the summed output: [direction][token].
    public let dirShare: [[Float]]

    public var tokens: Int { height * width }

    /// Reads the layer `name` (`network.6.K.mamba`) from recorded tensors; nil when its sites are
    /// missing. `orders` are the run's scan orders (built once per grid).
    public init?(name: String, tensors: [String: Tensor], orders: ScanOrders) {
        guard let u = tensors["\(name).u"], u.shape.count == 4,
              let b = tensors["\(name).B"], b.shape.count == 4,
              let hn = tensors["\(name).h_norm"], let hm = tensors["\(name).h_norm_map"],
              let dc = tensors["\(name).decay"], let ds = tensors["\(name).dir_share"] else { return nil }
        self.name = name
        block = name.hasSuffix(".mamba") ? String(name.dropLast(".mamba".count)) : name
        let h = u.shape[2], w = u.shape[3], n = b.shape[1], l = h * w
        height = h; width = w
        inner = u.shape[1]; state = n
        guard hn.count == 4 * l, hm.count == 4 * l, dc.count == n * l, ds.count == 4 * l,
              orders.height == h, orders.width == w else { return nil }
        self.orders = orders
        func rows(_ t: Tensor, _ n: Int) -> [[Float]] { (0..<n).map { Array(t.data[($0 * l)..<(($0 + 1) * l)]) } }
        hNorm = rows(hn, 4)
        hNormMap = rows(hm, 4)
        decay = rows(dc, n)
        dirShare = rows(ds, 4)
        if let t = tensors["\(name).h_norm_n"], t.count == 4 * n * l {
            hNormN = (0..<4).map { d in (0..<n).map { k in Array(t.data[((d * n + k) * l)..<((d * n + k + 1) * l)]) } }
        } else {
            hNormN = []
        }
    }

    /// The decay map averaged over state indices too (or one index).
    public func decayMap(stateIndex n: Int?) -> [Float] {
        if let n { return decay[min(max(n, 0), state - 1)] }
        return (0..<tokens).map { p in decay.reduce(0) { $0 + $1[p] } / Float(max(1, state)) }
    }
}
