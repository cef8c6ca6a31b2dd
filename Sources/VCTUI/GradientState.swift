import VCEngine
import VCRecording

// The gradient view (`a`): a gradient map of the shown site (Grad-CAM, LayerCAM, ERF, saliency,
// and for models with Mamba layers Mamba-Attr and the attention rollout) over the input picture,
// beside the plain map. Its state, keys and the jobs it needs; pure, like the rest of `update`.

/// What the gradient view shows; nil in `ExplorerState.gradient` while it is closed.
public struct GradientViewState: Sendable, Equatable {
    public var method: AttributionMethod = .gradcam
    /// The class explained: its rank in the original top-5 (0 = top-1).
    public var rank = 0
    public init(method: AttributionMethod = .gradcam, rank: Int = 0) { self.method = method; self.rank = rank }
}

/// Gradient maps computed so far, and those on their way (so the view can say "computing…").
public struct AttributionCache: Sendable {
    public var results: [AttributionJob: AttributionResult] = [:]
    public var pending: Set<AttributionJob> = []
    public init() {}

    /// The map of `job`, once computed.
    public func map(_ job: AttributionJob) -> AttributionMap? { try? results[job]?.output.get() }

    /// Why `job` has no map, when it failed.
    public func failure(_ job: AttributionJob) -> String? {
        guard case .failure(let e)? = results[job]?.output else { return nil }
        return e.description
    }
}

extension AttributionMethod {
    /// The name the view shows.
    var title: String {
        switch self {
        case .gradcam: return "Grad-CAM"
        case .layercam: return "LayerCAM"
        case .saliency: return "saliency"
        case .ig: return "integrated gradients"
        case .rollout: return "rollout"
        case .mambaAttr: return "Mamba-Attr"
        case .erf: return "ERF"
        }
    }

    /// For the tabs of narrow windows.
    var shortTitle: String {
        switch self {
        case .gradcam: return "GCAM"
        case .layercam: return "LCAM"
        case .saliency: return "sal"
        case .ig: return "IG"
        case .rollout: return "roll"
        case .mambaAttr: return "MAttr"
        case .erf: return "ERF"
        }
    }

    /// What the map says, in one sentence (the explanation panel, after the formula).
    var explanation: String {
        switch self {
        case .gradcam:
            return "Each channel of the site weighted by its mean gradient of the class logit, summed, negatives cut: where the features that raise the class lie."
        case .layercam:
            return "Each position weights the channels by its own positive gradient (not one weight per channel), so finer detail survives than in Grad-CAM."
        case .saliency:
            return "How strongly each input pixel (the largest of its three colour channels) moves the class logit: pixel-level and noisy."
        case .ig:
            return "Input times the gradient averaged along the straight path from a black (mean-colour) image to the input: signed, and it sums to the logit's change."
        case .erf:
            return "The effective receptive field of the site's centre token for this one image: which input pixels move its positive activations; shown as (m / max m)^0.2 so the faint tails stay visible."
        case .mambaAttr:
            return "The Mamba layers' implicit attention weighted by the class logit's gradient, rolled out over the layers with the residual as I/2: which stage-4 tokens the class draws on."
        case .rollout:
            return "The Mamba layers' implicit attention |alpha| rolled out over the layers with the residual as I/2, gradient-free and for no class: which stage-4 tokens the output mixes in."
        }
    }
}

extension ExplorerState {
    /// Whether the model has Mamba layers (rollout and Mamba-Attr need them).
    var hasMambaLayers: Bool { rail.blocks.contains { $0.kind == .mamba } }

    /// The methods `a` cycles through, in order.
    public var gradientMethods: [AttributionMethod] {
        [.gradcam, .layercam, .erf, .saliency] + (hasMambaLayers ? [.mambaAttr, .rollout] : [])
    }

    /// The class the gradient view explains: the original top-5's entry at its rank (nil when the
    /// logits are not finite, or before the forward pass ends).
    public var gradientClass: Int? {
        guard let store, !store.probabilities.isEmpty, let g = gradient else { return nil }
        let top = store.top(5)
        return top[min(g.rank, top.count - 1)].index
    }

    /// The site a site-based method (Grad-CAM, LayerCAM, ERF) is taken at for the site on
    /// screen, and why it is another one when it is: these need a (1, C, H, W) map, so a token
    /// tensor, a head site or the input itself gives way to its block's output, else its stage's.
    public var gradientSite: (site: String, note: String?) {
        let name = siteName
        func isMap(_ s: String) -> Bool {
            guard s != "input", let shape = store?.tensors[s]?.shape else { return false }
            return shape.count == 4 && shape[0] == 1
        }
        if isMap(name) { return (name, nil) }
        let stage = ExplorerState.stageOutput(of: name)
        let target = name != currentBlock.site && isMap(currentBlock.site) ? currentBlock.site : stage
        let what = store?.tensors[name].map { "is (" + $0.shape.map(String.init).joined(separator: ", ") + ")" } ?? "was not recorded"
        let kind = target == stage ? "its stage's output" : "its block's output"
        return (target, "\(name) \(what), not a (1, C, H, W) map: taken at \(target), \(kind)")
    }

    /// The output of the stage a site belongs to: `network.S` for a stage's sites, the next stage
    /// for a downsample's, `network.0` for the stem and the input, `network.6` for the head.
    static func stageOutput(of site: String) -> String {
        let parts = site.split(separator: ".")
        if parts.count >= 2, parts[0] == "network", let n = Int(parts[1]) { return "network.\(n % 2 == 0 ? n : n + 1)" }
        if site == "input" || site.hasPrefix("patch_embed") { return "network.0" }
        return Attribution.defaultSite
    }

    /// The map the gradient view needs now, or why there is none (no class to explain).
    public var gradientJob: Result<AttributionJob, MambaJobError>? {
        guard let g = gradient, isForwardDone else { return nil }
        let k = gradientClass
        if g.method.needsClass && k == nil {
            return .failure(MambaJobError("no class to explain: " + (store?.nonFiniteLogitsNote ?? "the model gave no probabilities")))
        }
        return .success(AttributionJob(method: g.method, site: gradientSite.site, classIndex: k))
    }

    /// Keys of the gradient view. Returns false for keys it leaves to the explorer (moving
    /// between blocks and sites keeps the view open on the new site).
    mutating func handleGradient(_ key: Key) -> Bool {
        let methods = gradientMethods
        if key == .char("a") || key == .char("A") {
            guard let g = gradient else {
                gradient = GradientViewState(method: key == .char("a") ? methods[0] : methods[methods.count - 1])
                return true
            }
            // On past the last method (or back before the first) the view closes.
            let i = (methods.firstIndex(of: g.method) ?? 0) + (key == .char("a") ? 1 : -1)
            if i < 0 || i >= methods.count { gradient = nil } else { gradient!.method = methods[i] }
            return true
        }
        guard gradient != nil else { return false }
        let classes = min(5, store?.probabilities.count ?? 0)
        switch key {
        case .escape: gradient = nil
        case .char("m"):
            // Back to the Mamba views when they were open under it, else on to open them.
            gradient = nil
            return mambaOpen && currentBlock.kind == .mamba
        case .char("n"), .char("N"):
            if classes > 0 { gradient!.rank = ((gradient!.rank + (key == .char("n") ? 1 : -1)) % classes + classes) % classes }
        case .char("1"), .char("2"), .char("3"), .char("4"), .char("5"):
            if case .char(let c) = key, let r = Int(String(c)), r <= classes { gradient!.rank = r - 1 }
        default: return false
        }
        return true
    }
}

/// The gradient maps the screen needs now (none, or the one on screen), whether done or not.
public func wantedAttributionJobs(_ s: ExplorerState) -> [AttributionJob] {
    if case .success(let job)? = s.gradientJob { return [job] }
    return []
}

/// The wanted maps that are neither done nor on their way: what the loop starts next.
public func attributionJobsToStart(_ s: ExplorerState) -> [AttributionJob] {
    wantedAttributionJobs(s).filter { s.attributions.results[$0] == nil && !s.attributions.pending.contains($0) }
}
