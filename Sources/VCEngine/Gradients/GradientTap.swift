/// The reverse pass's side of the named sites: at each site the gradient flowing back is handed to
/// an observer that asked for it (in the site's PyTorch layout, as docs/sites.md gives it for the
/// activation), and the objective's seed dL/d(site) is added where the objective is defined.
///
/// Objectives are linear in the site's activation around the forward's value (`GradientObjective`
/// turns e.g. relu(centre token) into its seed), so adding the seed where the reverse pass crosses
/// that site is exactly the chain rule for L = ⟨seed, site⟩.
struct GradientTap {
    let observer: ActivationObserver?
    let seedSite: String
    let seed: Tensor

    /// A channels-last map site, (1, C, H, W) in PyTorch.
    func map(_ site: String, _ g: inout FeatureMap) {
        if site == seedSite {
            let s = FeatureMap(nchw: seed)
            precondition(s.data.count == g.data.count, "seed for \(site) has \(s.data.count) values, the site \(g.data.count)")
            for i in 0..<g.data.count { g.data[i] += s.data[i] }
        }
        if let o = observer, o.wants(site) { o.record(site, g.nchw()) }
    }

    /// A token site, (1, L, C) in PyTorch: the channels-last buffer as it is.
    func tokens(_ site: String, _ g: inout FeatureMap) {
        if site == seedSite {
            precondition(seed.data.count == g.data.count, "seed for \(site) has \(seed.data.count) values, the site \(g.data.count)")
            for i in 0..<g.data.count { g.data[i] += seed.data[i] }
        }
        if let o = observer, o.wants(site) { o.record(site, g.tokenTensor()) }
    }

    /// A flat site such as `pool`, `head`, `logits`: (1, count).
    func vector(_ site: String, _ g: inout [Float]) {
        if site == seedSite {
            precondition(seed.data.count == g.count, "seed for \(site) has \(seed.data.count) values, the site \(g.count)")
            for i in 0..<g.count { g[i] += seed.data[i] }
        }
        if let o = observer, o.wants(site) { o.record(site, Tensor(shape: [1, g.count], data: g)) }
    }
}

extension FeatureMap {
    /// self += other, elementwise.
    mutating func add(_ other: FeatureMap) {
        precondition(other.data.count == data.count)
        data.withUnsafeMutableBufferPointer { d in other.data.withUnsafeBufferPointer { o in
            for i in 0..<d.count { d[i] += o[i] }
        } }
    }

    /// self ⊙ per-channel factors.
    mutating func scaleChannels(_ s: [Float]) {
        let c = channels
        precondition(s.count == c)
        s.withUnsafeBufferPointer { s in data.withUnsafeMutableBufferPointer { d in
            for p in 0..<(d.count / c) { for ch in 0..<c { d[p * c + ch] *= s[ch] } }
        } }
    }

    func zeros() -> FeatureMap { FeatureMap(height: height, width: width, channels: channels) }
}
