/// The two ends of a set of finite values, kept exactly: the largest and the smallest 1 % and the
/// largest 1 % of |v|, sorted, so the percentiles a robust scale clips at (p0.5, p1, p99, p99.5)
/// can be read without keeping or sorting the whole set.
///
/// Percentiles are nearest-rank: p_q of n sorted values x₁ ≤ … ≤ xₙ is x_⌈q·n/100⌉ (x₁ for q = 0).
public struct Tails: Equatable, Sendable {
    /// Finite values seen.
    public let count: Int
    /// The largest values, descending.
    public let top: [Float]
    /// The smallest values, ascending.
    public let bottom: [Float]
    /// The largest magnitudes, descending.
    public let topAbs: [Float]

    /// The share of the values each end keeps: every percentile from 99 to 100 (and 0 to 1) is exact.
    public static let kept = 0.01

    public static let empty = Tails(count: 0, top: [], bottom: [], topAbs: [])

    init(count: Int, top: [Float], bottom: [Float], topAbs: [Float]) {
        self.count = count; self.top = top; self.bottom = bottom; self.topAbs = topAbs
    }

    public init(_ values: [Float]) { self = values.withUnsafeBufferPointer { Tails(buffer: $0) } }

    /// One pass with three k-element min-heaps (k = ⌈n/100⌉ + 1, n counting every value, so
    /// enough for the finite ones): a value that beats none of the heaps' smallest costs three
    /// comparisons, so this is O(n) on real activations.
    public init(buffer values: UnsafeBufferPointer<Float>) {
        let k = Int((Double(values.count) * Tails.kept).rounded(.up)) + 1
        var hi = MinHeap(capacity: k), lo = MinHeap(capacity: k), mag = MinHeap(capacity: k)
        var n = 0
        for v in values where v.isFinite {
            n += 1
            if hi.wants(v) { hi.offer(v) }
            if lo.wants(-v) { lo.offer(-v) }
            if mag.wants(abs(v)) { mag.offer(abs(v)) }
        }
        count = n
        top = hi.items.sorted(by: >)
        bottom = lo.items.map { -$0 }.sorted()
        topAbs = mag.items.sorted(by: >)
    }

    /// The upper percentile q (99…100) of the values, or of |v| when `magnitude`; nil when empty.
    public func upper(_ q: Double, magnitude: Bool = false) -> Float? {
        let list = magnitude ? topAbs : top
        guard count > 0, !list.isEmpty else { return nil }
        let rank = max(1, Int((q / 100 * Double(count)).rounded(.up)))   // 1-based, ascending
        return list[min(list.count - 1, count - rank)]
    }

    /// The lower percentile q (0…1) of the values; nil when empty.
    public func lower(_ q: Double) -> Float? {
        guard count > 0, !bottom.isEmpty else { return nil }
        let rank = max(1, Int((q / 100 * Double(count)).rounded(.up)))
        return bottom[min(bottom.count - 1, rank - 1)]
    }
}

/// A bounded min-heap: keeps the `capacity` largest values offered.
struct MinHeap {
    let capacity: Int
    private(set) var items: [Float] = []

    init(capacity: Int) { self.capacity = capacity; items.reserveCapacity(capacity) }

    /// Whether `v` would enter: the heap is not full, or `v` beats its smallest.
    @inline(__always) func wants(_ v: Float) -> Bool { items.count < capacity || (capacity > 0 && v > items[0]) }

    mutating func offer(_ v: Float) {
        if items.count < capacity {
            items.append(v)
            var i = items.count - 1
            while i > 0, items[(i - 1) / 2] > items[i] { items.swapAt(i, (i - 1) / 2); i = (i - 1) / 2 }
        } else if capacity > 0, v > items[0] {
            items[0] = v
            var i = 0
            while true {
                let l = 2 * i + 1, r = l + 1
                var m = i
                if l < items.count, items[l] < items[m] { m = l }
                if r < items.count, items[r] < items[m] { m = r }
                if m == i { break }
                items.swapAt(i, m); i = m
            }
        }
    }
}
