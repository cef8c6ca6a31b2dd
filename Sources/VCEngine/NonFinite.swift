import VCTensor

// NonFiniteCount and FirstNonFinite live in VCTensor (the renderer marks NaN/inf without the
// engine); finding the first non-finite site of a forward pass needs the model, so it is here.

extension FirstNonFinite {
    /// Runs `model` once more on `input`, looking at every site (not the hidden states), and
    /// returns the first that holds non-finite values. Used by `predict` only when its logits are
    /// not finite, so an ordinary run pays nothing.
    public static func trace(_ model: VCMambaModel, input: Tensor) throws -> FirstNonFinite? {
        let watch = NonFiniteObserver()
        _ = try model.forward(input, observer: watch)
        return watch.first
    }
}

/// Records, per site, how many non-finite values the forward pass produced, without keeping
/// the tensors; `first` is the earliest site in forward order that had any.
public final class NonFiniteObserver: ActivationObserver {
    public private(set) var order: [String] = []
    public private(set) var counts: [String: NonFiniteCount] = [:]
    public private(set) var first: FirstNonFinite?
    let pattern: SitePattern

    public init(_ pattern: SitePattern = SitePattern("*")) { self.pattern = pattern }

    public func wants(_ site: String) -> Bool { pattern.matches(site) }

    public func record(_ site: String, _ tensor: Tensor) {
        let c = NonFiniteCount(tensor.data)
        if counts[site] == nil { order.append(site) }
        counts[site] = c
        if first == nil && !c.isEmpty { first = FirstNonFinite(site: site, count: c) }
    }
}
