/// How the channel grid is ordered.
public enum SortKey: String, CaseIterable, Sendable {
    case index, mean, max, variance

    public var next: SortKey {
        let all = SortKey.allCases
        return all[(all.firstIndex(of: self)! + 1) % all.count]
    }

    /// Channel indices in display order: by index ascending, otherwise by the statistic descending
    /// (largest first), ties and empty channels broken by index so the order is deterministic.
    public func order(_ stats: [ChannelStats]) -> [Int] {
        func key(_ s: ChannelStats) -> Float {
            guard s.count > 0 else { return -.infinity }
            switch self {
            case .index: return 0
            case .mean: return s.mean
            case .max: return s.max
            case .variance: return s.variance
            }
        }
        if self == .index { return Array(stats.indices) }
        let keys = stats.map(key)
        return stats.indices.sorted { a, b in keys[a] != keys[b] ? keys[a] > keys[b] : a < b }
    }
}
