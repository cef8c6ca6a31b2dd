import VCEngine
import VCImage
import VCRender

/// One forward pass as recorded: every activation by site (docs/sites.md) with its maps,
/// statistics and channel orders, the logits and their probabilities, the stage-4 grid and its
/// scan orders, the Mamba layers' interpretation sites, and the picture the network saw.
///
/// Built once, off the UI thread, from what a `RecordingObserver` with pattern `*` kept; the
/// explorer draws from it and the PNG export writes from it, so both see the same values, the
/// same ranges and the same `global` scale. Nothing in it changes afterwards.
public final class Recording: Sendable {
    /// Every site of the model at this input size.
    public let catalogue: SiteCatalogue
    /// Site names in the order the forward pass produced them (empty tensors left out).
    public let order: [String]
    public let sites: [String: SiteData]
    /// The sites of each block of the catalogue, in forward order (the block's own site among them).
    public let blockSites: [[String]]
    /// Over every recorded activation (the `global` scale scope).
    public let global: ChannelStats
    /// The ends of every recorded activation, for a clipped `global` scale: exact percentiles of
    /// a sample, every k-th value of each site with k chosen so that at most `globalSample`
    /// values are kept (exact when fewer were recorded).
    public let globalTails: Tails
    public static let globalSample = 1 << 20
    /// The logits (empty when there were none) and their softmax.
    public let logits: [Float]
    public let probabilities: [Float]
    /// The scan orders of the stage-4 grid, built once for every view of this run.
    public let scanOrders: ScanOrders
    /// The Mamba layers of stage 4, in order, with their recorded interpretation sites.
    public let mamba: [MambaLayerData]
    /// Every recorded tensor by site, as the engine emitted it (shares storage with the maps).
    public let tensors: [String: Tensor]
    /// The picture the network saw: the cropped image, else the input tensor un-normalised.
    public let picture: Picture?
    /// The first site, in forward order, holding NaN or ±∞ (nil when every value is finite).
    public let firstNonFinite: FirstNonFinite?

    /// - logits: the forward pass's result; nil takes the recorded `logits` site.
    /// - picture: the cropped eval image; nil un-normalises the recorded `input`.
    public init(order: [String], tensors: [String: Tensor], catalogue: SiteCatalogue, logits: Tensor? = nil, picture: Picture? = nil) {
        self.catalogue = catalogue
        let grid = (catalogue.grid[0], catalogue.grid[1])
        var sites: [String: SiteData] = [:]
        var kept: [String] = []
        for name in order {
            guard let t = tensors[name], t.count > 0 else { continue }
            sites[name] = SiteData(name: name, tensor: t, grid: grid)
            kept.append(name)
        }
        self.order = kept
        self.sites = sites
        var per = [[String]](repeating: [], count: catalogue.blocks.count)
        for name in kept { per[catalogue.block(of: name)].append(name) }
        for (i, b) in catalogue.blocks.enumerated() where !per[i].contains(b.site) && sites[b.site] != nil { per[i].append(b.site) }
        blockSites = per
        global = ChannelStats.merged(kept.map { sites[$0]!.stats })
        let total = kept.reduce(0) { $0 + tensors[$1]!.count }
        let stride = max(1, (total + Recording.globalSample - 1) / Recording.globalSample)
        var sample: [Float] = []
        sample.reserveCapacity(total / stride + kept.count)
        for name in kept { let d = tensors[name]!.data; for i in Swift.stride(from: 0, to: d.count, by: stride) { sample.append(d[i]) } }
        globalTails = Tails(sample)
        firstNonFinite = FirstNonFinite.find(order: kept) { sites[$0]?.stats.marked }
        let l = logits ?? tensors["logits"]
        self.logits = l?.data ?? []
        // Non-finite logits have no probabilities: the prediction box says why instead.
        probabilities = l.flatMap { l in l.data.allSatisfy(\.isFinite) ? softmax(l.data).map(Float.init) : nil } ?? []
        scanOrders = ScanOrders(height: grid.0, width: grid.1)
        let orders = scanOrders
        mamba = catalogue.mambaLayers.compactMap { MambaLayerData(name: $0, tensors: tensors, orders: orders) }
        self.tensors = tensors
        self.picture = picture ?? tensors["input"].flatMap(Recording.picture(ofNormalisedInput:))
    }

    /// Runs `model` on a normalised (1, 3, H, W) `input`, recording every site (pattern `*`, as
    /// the explorer does).
    public static func run(model: VCMambaModel, input: Tensor, picture: Picture? = nil) throws -> Recording {
        let recorder = RecordingObserver(SitePattern("*"), byteLimit: RecordingObserver.defaultByteLimit)
        let logits = try model.forward(input, observer: recorder)
        try recorder.checkLimit(inputHeight: input.shape[2], inputWidth: input.shape[3])
        let sites = SiteCatalogue(config: model.config, inputHeight: input.shape[2], inputWidth: input.shape[3])
        return Recording(order: recorder.order, tensors: recorder.tensors, catalogue: sites, logits: logits, picture: picture)
    }

    /// The picture a (1, 3, H, W) input tensor shows, the ImageNet normalisation of the eval
    /// transform undone (v · std + mean, rounded, clamped); nil for another shape.
    public static func picture(ofNormalisedInput t: Tensor) -> Picture? {
        guard t.shape.count == 4, t.shape[1] == 3 else { return nil }
        return Picture(normalisedInput: t, mean: EvalTransform.mean, std: EvalTransform.std)
    }

    /// The input side (H, W) of the forward pass.
    public var inputSize: (height: Int, width: Int) { (catalogue.inputHeight, catalogue.inputWidth) }

    /// The stage-4 token grid (h, w).
    public var grid: (height: Int, width: Int) { (catalogue.grid[0], catalogue.grid[1]) }

    /// The index of the Mamba layer whose block is `site` (`network.6.K`).
    public func mambaLayer(block site: String) -> Int? { mamba.firstIndex { $0.block == site } }

    /// The top `k` classes, most probable first (ties by index).
    public func top(_ k: Int) -> [(index: Int, probability: Float)] { topK(probabilities, k) }
}

extension Recording {
    /// "logits: 10 NaN" when the logits are not all finite (no probabilities then), else nil.
    public var nonFiniteLogitsNote: String? {
        let c = NonFiniteCount(logits)
        return c.isEmpty ? nil : "logits: \(c.breakdown)"
    }

    /// "12544 NaN · first NaN at network.4.1.mlp.fc1" for a site that holds any.
    public func nonFiniteNote(_ c: NonFiniteCount) -> String? {
        guard !c.isEmpty else { return nil }
        return c.breakdown + (firstNonFinite.map { " · " + $0.description } ?? "")
    }
}

extension Picture {
    /// The decoder's image as a picture (the same three fields).
    public init(_ image: RGBImage) { self.init(width: image.width, height: image.height, rgb: image.pixels) }
}
