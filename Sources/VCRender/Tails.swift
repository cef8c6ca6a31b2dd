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

    /// One pass per end with a k-element min-heap (k = ⌈n/100⌉ + 1): a value that does not beat
    /// the heap's smallest costs one comparison, so this is O(n) on real activations.
    public init(buffer values: UnsafeBufferPointer<Float>) {
        var n = 0
        for v in values where v.isFinite { n += 1 }
        let k = Int((Double(n) * Tails.kept).rounded(.up)) + 1
        count = n
        top = Tails.largest(k, values) { $0 }
        bottom = Tails.largest(k, values) { -$0 }.map { -$0 }
        topAbs = Tails.largest(k, values) { abs($0) }
    }

    /// The k largest of key(v) over the finite v, descending.
    static func largest(_ k: Int, _ values: UnsafeBufferPointer<Float>, key: (Float) -> Float) -> [Float] {
        var heap = MinHeap(capacity: k)
        for v in values where v.isFinite { heap.offer(key(v)) }
        return heap.items.sorted(by: >)
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
