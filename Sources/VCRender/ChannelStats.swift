import VCTensor

/// Summary statistics of one channel (or of a whole activation), over its finite values.
///
/// NaN and ±∞ are skipped and counted in `nonFinite` (by kind in `marked`); an all-non-finite
/// (or empty) set has `count == 0` and min = max = mean = variance = 0.
public struct ChannelStats: Equatable, Sendable {
    public var count: Int
    public var nonFinite: Int { marked.total }
    /// The non-finite values by kind (NaN, +∞, −∞).
    public var marked: NonFiniteCount
    public var min: Float
    public var max: Float
    /// Arithmetic mean.
    public var mean: Float
    /// Population variance, (1/n)·Σ(v − mean)².
    public var variance: Float

    public var std: Float { variance.squareRoot() }
    /// Values on both sides of zero: the diverging colormap is the natural choice.
    public var isSigned: Bool { count > 0 && min < 0 && max > 0 }
    /// Largest magnitude.
    public var maxAbs: Float { Swift.max(abs(min), abs(max)) }

    public init(count: Int, marked: NonFiniteCount = NonFiniteCount(), min: Float, max: Float, mean: Float, variance: Float) {
        self.count = count; self.marked = marked
        self.min = min; self.max = max; self.mean = mean; self.variance = variance
    }

    public static let empty = ChannelStats(count: 0, min: 0, max: 0, mean: 0, variance: 0)

    /// Statistics of `values` (accumulated in Double: two passes, mean then squared deviations).
    public init<C: Collection>(_ values: C) where C.Element == Float {
        if let s = values.withContiguousStorageIfAvailable({ ChannelStats(buffer: $0) }) { self = s; return }
        self = Array(values).withUnsafeBufferPointer { ChannelStats(buffer: $0) }
    }

    /// The concrete loop behind every initialiser (a generic one is ~50× slower unspecialised).
    public init(buffer values: UnsafeBufferPointer<Float>) {
        var n = 0, bad = NonFiniteCount()
        var lo = Float.infinity, hi = -Float.infinity
        var sum = 0.0
        for v in values {
            guard v.isFinite else {
                // Padding (Heatmap.noValue) is not a value of the activation: not counted.
                if v.isNaN { if !Heatmap.isNoValue(v) { bad.nan += 1 } } else if v > 0 { bad.posInf += 1 } else { bad.negInf += 1 }
                continue
            }
            n += 1
            lo = Swift.min(lo, v)
            hi = Swift.max(hi, v)
            sum += Double(v)
        }
        guard n > 0 else { self = .empty; self.marked = bad; return }
        let mean = sum / Double(n)
        var sq = 0.0
        for v in values where v.isFinite { let d = Double(v) - mean; sq += d * d }
        self.init(count: n, marked: bad, min: lo, max: hi, mean: Float(mean), variance: Float(sq / Double(n)))
    }

    /// Statistics of the union of disjoint sets (Chan et al.'s pairwise combination).
    public static func merged(_ parts: [ChannelStats]) -> ChannelStats {
        var n = 0, bad = NonFiniteCount()
        var lo = Float.infinity, hi = -Float.infinity
        var mean = 0.0, m2 = 0.0
        for p in parts {
            bad = bad + p.marked
            guard p.count > 0 else { continue }
            let nb = Double(p.count), na = Double(n)
            let delta = Double(p.mean) - mean
            let total = na + nb
            mean += delta * nb / total
            m2 += Double(p.variance) * nb + delta * delta * na * nb / total
            n += p.count
            lo = Swift.min(lo, p.min); hi = Swift.max(hi, p.max)
        }
        guard n > 0 else { var e = ChannelStats.empty; e.marked = bad; return e }
        return ChannelStats(count: n, marked: bad, min: lo, max: hi, mean: Float(mean), variance: Float(m2 / Double(n)))
    }
}
