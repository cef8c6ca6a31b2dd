/// The engine's side of instrumentation: hands an activation to the observer only when it asked.
///
/// Site names are built once when the model is built (see `SiteNames`), so with no observer a
/// tap costs one nil check.
struct Tap {
    let observer: ActivationObserver?

    #if VCVIEW_UNINSTRUMENTED
    /// The uninstrumented build (`-Xswiftc -DVCVIEW_UNINSTRUMENTED`): every tap is statically dead,
    /// the baseline against which the hooks' cost is measured (tools/bench/compare --uninstrumented).
    init(observer: ActivationObserver?) { self.observer = nil }
    #endif

    @inline(__always) var isActive: Bool { observer != nil }

    @inline(__always) func wants(_ site: String) -> Bool { observer?.wants(site) ?? false }

    /// A channels-last map, emitted as (1, C, H, W), optionally through a per-channel affine map.
    @inline(__always) func map(_ site: String, _ m: FeatureMap, scale: [Float]? = nil, shift: [Float]? = nil) {
        guard let o = observer, o.wants(site) else { return }
        o.record(site, m.nchw(scale: scale, shift: shift))
    }

    /// A token map emitted in PyTorch's (1, L, C) layout.
    @inline(__always) func tokens(_ site: String, _ m: FeatureMap) {
        guard let o = observer, o.wants(site) else { return }
        o.record(site, m.tokenTensor())
    }

    /// Any tensor, built only when wanted.
    @inline(__always) func tensor(_ site: String, _ make: () -> Tensor) {
        guard let o = observer, o.wants(site) else { return }
        o.record(site, make())
    }
}

/// Parameter lookup with errors that name the key.
struct Weights {
    let set: ParameterSet
    func callAsFunction(_ key: String) throws -> Tensor {
        guard let t = set[key] else { throw ModelError("missing key \(key)") }
        return t
    }
    func optional(_ key: String) -> Tensor? { set[key] }
    func batchNorm(_ p: String) throws -> BatchNorm {
        BatchNorm(weight: try self("\(p).weight"), bias: try self("\(p).bias"),
                  mean: try self("\(p).running_mean"), variance: try self("\(p).running_var"))
    }
    func conv(_ p: String, stride: Int = 1, padding: Int = 0) throws -> DenseConv {
        DenseConv(weight: try self("\(p).weight"), bias: optional("\(p).bias"), stride: stride, padding: padding)
    }
}
