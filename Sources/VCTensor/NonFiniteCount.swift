/// NaN and ±∞ in activations: how many a tensor holds, and where in a forward pass they first appear.
///
/// A diverged training run leaves NaN (or ∞) in its weights; the forward pass then carries them
/// from the first layer that touches them to the logits. vcview shows them instead of failing:
/// the site where they first appear, in forward order, is where the checkpoint broke.

/// Counts of the non-finite values of one tensor (or of a set of values).
public struct NonFiniteCount: Sendable, Equatable {
    public var nan = 0
    public var posInf = 0
    public var negInf = 0

    public init(nan: Int = 0, posInf: Int = 0, negInf: Int = 0) {
        self.nan = nan; self.posInf = posInf; self.negInf = negInf
    }

    /// Counts over `values` (one pass; finite values cost one compare each).
    public init(buffer values: UnsafeBufferPointer<Float>) {
        for v in values where !v.isFinite {
            if v.isNaN { nan += 1 } else if v > 0 { posInf += 1 } else { negInf += 1 }
        }
    }

    public init(_ values: [Float]) { self = values.withUnsafeBufferPointer { NonFiniteCount(buffer: $0) } }

    public var total: Int { nan + posInf + negInf }
    public var isEmpty: Bool { total == 0 }

    /// The kind that names them in messages: "NaN" when any is NaN, else "inf", "-inf" or "±inf".
    public var kind: String {
        if nan > 0 { return "NaN" }
        if posInf > 0 && negInf > 0 { return "±inf" }
        return posInf > 0 ? "inf" : "-inf"
    }

    /// "3 NaN, 2 inf, 1 -inf" (only the kinds present).
    public var breakdown: String {
        var parts: [String] = []
        if nan > 0 { parts.append("\(nan) NaN") }
        if posInf > 0 { parts.append("\(posInf) inf") }
        if negInf > 0 { parts.append("\(negInf) -inf") }
        return parts.joined(separator: ", ")
    }

    public static func + (a: NonFiniteCount, b: NonFiniteCount) -> NonFiniteCount {
        NonFiniteCount(nan: a.nan + b.nan, posInf: a.posInf + b.posInf, negInf: a.negInf + b.negInf)
    }
}

/// The first site of a forward pass (in the order the engine produced them) that holds
/// non-finite values, and what they are.
public struct FirstNonFinite: Sendable, Equatable {
    public let site: String
    public let count: NonFiniteCount

    public init(site: String, count: NonFiniteCount) { self.site = site; self.count = count }

    /// "first NaN at network.4.1.mlp.fc1".
    public var description: String { "first \(count.kind) at \(site)" }

    /// The first site in `order` whose count is not empty.
    public static func find(order: [String], counts: (String) -> NonFiniteCount?) -> FirstNonFinite? {
        for site in order { if let c = counts(site), !c.isEmpty { return FirstNonFinite(site: site, count: c) } }
        return nil
    }
}
