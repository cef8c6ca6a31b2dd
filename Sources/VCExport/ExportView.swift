import VCEngine
import VCRecording
import VCRender

/// One exportable view: what the TUI shows on one screen, drawn from the tensors at their native
/// resolution. Some views write several PNGs (`hidden`: maps, curves and per-state maps;
/// `scanFrames`: one per scan step).
public enum ExportView: Hashable, Sendable, CustomStringConvertible {
    /// Every channel of a site as a contact sheet (tiles with channel numbers).
    case channels(site: String)
    /// One channel of a site, large.
    case channel(site: String, channel: Int)
    /// The four scan orders of the Mamba layers drawn on the stage-4 grid.
    case scans
    /// The scan animation: one numbered frame per scan step, all four scans side by side.
    case scanFrames
    /// The scan animation as one looping GIF (the frames of `scanFrames`).
    case scanAnimation
    /// The four scans' paths drawn over the input picture.
    case scanPaths
    /// Hidden-state magnitude ‖h_t‖ of a Mamba layer (`network.6.K.mamba`): maps per direction,
    /// curves over the scan steps, and per-state maps.
    case hidden(layer: String)
    /// Implicit attention of the token at (row, col) of the stage-4 grid over the tokens each
    /// scan has read, in a Mamba layer: the mean over the E channels, or one channel.
    case attention(layer: String, row: Int, col: Int, channel: Int? = nil)
    /// Class activation map of a class, and its overlay on the input picture.
    case cam(classIndex: Int)
    /// A gradient map (VCEngine's `Attribution`: Grad-CAM, LayerCAM, saliency, Integrated
    /// Gradients, rollout, Mamba-Attr, the one-image ERF) beside and over the input picture.
    /// `site` is the map's site (`input` for saliency and IG, `network.6` for the rollouts);
    /// `classIndex` is nil for the methods that explain no class (ERF, rollout).
    case gradient(method: AttributionMethod, site: String, classIndex: Int?)

    public var description: String {
        switch self {
        case .channels(let s): return "channels of \(s)"
        case .channel(let s, let c): return "channel \(c) of \(s)"
        case .scans: return "scan orders"
        case .scanFrames: return "scan frames"
        case .scanAnimation: return "scan animation"
        case .scanPaths: return "scan paths"
        case .hidden(let l): return "hidden states of \(l)"
        case .attention(let l, let r, let c, let ch): return "attention of (\(r), \(c))\(ch.map { " channel \($0)" } ?? "") in \(l)"
        case .cam(let i): return "CAM of class \(i)"
        case .gradient(let m, let s, let k): return "\(m.title)\(k.map { " of class \($0)" } ?? "") at \(s)"
        }
    }

    /// The site named in file names.
    public var site: String {
        switch self {
        case .channels(let s), .channel(let s, _): return s
        case .scans, .scanFrames, .scanAnimation, .scanPaths: return "network.6"
        case .hidden(let l), .attention(let l, _, _, _): return l
        case .cam: return "head"
        case .gradient(_, let s, _): return s
        }
    }
}

/// The `--views` vocabulary of `vcview export` (docs/export.md):
///
///     all              stages, blocks, scans, scan-animation, scan-paths, hidden, decay, shares, attention, cam
///                      (and gradcam, erf with a reverse pass)
///     stages           channel sheets of the stem and the four stage outputs
///     blocks           channel sheets of every block output (stem, downsamples, blocks, Mamba layers, head norm)
///     sites:GLOB       channel sheets of every recorded site matching GLOB (docs/sites.md patterns)
///     channel:SITE:C   channel C of SITE, large
///     scans            the four scan orders on the stage-4 grid
///     scan-animation   the scan animation as one looping GIF
///     scan-paths       the four scans' paths over the input picture
///     scan-frames      the scan animation, one PNG per step
///     hidden[:LAYER]   ‖h_t‖ maps, curves and per-state maps (every Mamba layer, or LAYER)
///     decay[:LAYER]    exp(Δ·A) per state index (channel sheet of LAYER.decay)
///     shares[:LAYER]   each direction's share of y (channel sheet of LAYER.dir_share)
///     attention[:R,C][:LAYER]  implicit attention of token (R, C) (default: the centre token)
///     cam[:I]          CAM of the top-k classes (--topk), or of class I
///     erf[:SITE]                 one-image ERF of SITE's centre token (default network.6)
///     gradcam[:SITE[:CLASS]]     Grad-CAM of CLASS (default: the top prediction) at SITE (default network.6)
///     layercam[:SITE[:CLASS]]    LayerCAM, the same
///     saliency[:CLASS]           max_c |d logit / dx|
///     ig[:CLASS]                 Integrated Gradients (ExportOptions.igSteps steps)
///     rollout                    hidden-attention rollout of the Mamba layers (gradient-free)
///     mamba-attr[:CLASS]         the rollout weighted by d logit / d y_k
///
/// LAYER is a Mamba layer, `network.6.K` or `network.6.K.mamba`. A list is comma-separated; the
/// comma inside `attention:R,C` is understood. The gradient views need an `Exporter` made with
/// the model's reverse pass (`Exporter(source:gradients:)`); `all` includes `gradcam` and `erf`
/// at their defaults when it has one.
public enum ViewSelector {
    public static let names = ["all", "stages", "blocks", "sites:GLOB", "channel:SITE:C", "scans", "scan-animation", "scan-paths", "scan-frames",
                               "hidden[:LAYER]", "decay[:LAYER]", "shares[:LAYER]", "attention[:R,C][:LAYER]", "cam[:I]",
                               "erf[:SITE]", "gradcam[:SITE[:CLASS]]", "layercam[:SITE[:CLASS]]", "saliency[:CLASS]", "ig[:CLASS]",
                               "rollout", "mamba-attr[:CLASS]"]

    /// Whether a `--views` list names a gradient view (or `all`, which includes two, unless
    /// `countingAll` is false), so that the caller builds the model's reverse pass only when it is needed.
    public static func needsGradients(_ selectors: [String], countingAll: Bool = true) -> Bool {
        selectors.flatMap(split).contains { sel in
            let name = String(sel.prefix { $0 != ":" })
            return (countingAll && name == "all") || AttributionMethod(rawValue: name) != nil
        }
    }

    /// Splits a `--views` list at commas, keeping `attention:R,C` together.
    public static func split(_ list: String) -> [String] {
        var out: [String] = []
        for raw in list.split(separator: ",", omittingEmptySubsequences: true) {
            let piece = raw.trimmingSpaces()
            guard !piece.isEmpty else { continue }
            if let first = piece.first, first.isNumber, let last = out.last, last.hasPrefix("attention:"),
               !last.dropFirst("attention:".count).contains(",") {
                out[out.count - 1] = last + "," + piece
            } else {
                out.append(piece)
            }
        }
        return out
    }
}

extension Exporter {
    /// The concrete views a `--views` list names, in the order given, without duplicates.
    /// `topK` is the number of classes `cam` covers.
    public func views(_ selectors: [String], topK: Int = 3) throws -> [ExportView] {
        var out: [ExportView] = [], seen = Set<ExportView>()
        func add(_ v: [ExportView]) { for x in v where seen.insert(x).inserted { out.append(x) } }
        for sel in selectors.flatMap(ViewSelector.split) { add(try views(selector: sel, topK: topK)) }
        return out
    }

    /// Every view of the current image (what the TUI's `E` writes and `--views all` means).
    public func allViews(topK: Int = 3) -> [ExportView] {
        (try? views(["all"], topK: topK)) ?? []
    }

    func views(selector sel: String, topK: Int) throws -> [ExportView] {
        let parts = sel.split(separator: ":", maxSplits: 1).map(String.init)
        let name = parts[0], arg = parts.count > 1 ? parts[1] : nil
        let src = source
        func noArg() throws { if arg != nil { throw ExportError("--views: \(name) takes no argument (in \(sel))") } }
        switch name {
        case "all":
            try noArg()
            // The gradient views only with a reverse pass (the explorer's `E` exports without one).
            return (["stages", "blocks", "scans", "scan-animation", "scan-paths", "hidden", "decay", "shares", "attention", "cam"]
                    + (gradients == nil ? [] : ["gradcam", "erf"]))
                .flatMap { (try? views(selector: $0, topK: topK)) ?? [] }
        case "stages":
            try noArg()
            return src.catalogue.stageOutputs.filter { src.tensors[$0] != nil }.map { .channels(site: $0) }
        case "blocks":
            try noArg()
            return blockSites.map { .channels(site: $0) }
        case "sites":
            guard let g = arg, !g.isEmpty else { throw ExportError("--views: sites needs a pattern, e.g. sites:network.6.*.mamba.y.*") }
            let pattern = SitePattern(g)
            let hits = src.order.filter { pattern.matches($0) }
            if hits.isEmpty { throw ExportError("--views: no recorded site matches \(g) (see docs/sites.md)") }
            return hits.map { .channels(site: $0) }
        case "channel":
            guard let a = arg, let colon = a.lastIndex(of: ":"), let c = Int(a[a.index(after: colon)...]) else {
                throw ExportError("--views: channel needs SITE:C, e.g. channel:network.4.11:17 (got \(sel))")
            }
            let site = String(a[..<colon])
            guard src.tensors[site] != nil else { throw ExportError("--views: no recorded site \(site) (see docs/sites.md)") }
            let n = try siteData(site).maps.channels
            guard c >= 0 && c < n else { throw ExportError("--views: \(site) has channels 0…\(n - 1), not \(c)") }
            return [.channel(site: site, channel: c)]
        case "scans":
            try noArg(); try requireMamba(sel)
            return [.scans]
        case "scan-frames":
            try noArg(); try requireMamba(sel)
            return [.scanFrames]
        case "scan-animation":
            try noArg(); try requireMamba(sel)
            return [.scanAnimation]
        case "scan-paths":
            try noArg(); try requireMamba(sel)
            return source.inputPicture == nil ? [] : [.scanPaths]
        case "hidden":
            return try layers(arg, sel).map { .hidden(layer: $0) }
        case "decay":
            return try layers(arg, sel).map { .channels(site: "\($0).decay") }.filter { src.tensors[$0.site] != nil }
        case "shares":
            return try layers(arg, sel).map { .channels(site: "\($0).dir_share") }.filter { src.tensors[$0.site] != nil }
        case "attention":
            guard let (h, w) = src.grid else { throw ExportError("--views: attention needs the stage-4 grid") }
            var row = h / 2, col = w / 2, layerArg: String? = nil
            if let a = arg {
                let bits = a.split(separator: ":", maxSplits: 1).map(String.init)
                let rc = bits[0].split(separator: ",").map { Int($0.trimmingSpaces()) }
                if rc.count == 2, let r = rc[0], let c = rc[1] {
                    row = r; col = c; layerArg = bits.count > 1 ? bits[1] : nil
                } else if bits.count == 1 && bits[0].hasPrefix("network.") {
                    layerArg = bits[0]
                } else {
                    throw ExportError("--views: attention takes R,C (a token of the \(h)×\(w) grid) and optionally :LAYER, e.g. attention:3,4 (got \(sel))")
                }
            }
            guard row >= 0 && row < h && col >= 0 && col < w else {
                throw ExportError("--views: token (\(row), \(col)) is outside the \(h)×\(w) stage-4 grid")
            }
            return try layers(layerArg, sel).map { .attention(layer: $0, row: row, col: col) }
        case "cam":
            guard src.tensors["norm"] != nil, src.tensors["logits"] != nil else { throw ExportError("--views: cam needs the norm and logits sites") }
            if let a = arg {
                guard let i = Int(a), i >= 0, i < src.model.config.numClasses else {
                    throw ExportError("--views: cam:I needs a class index 0…\(src.model.config.numClasses - 1) (got \(sel))")
                }
                return [.cam(classIndex: i)]
            }
            return topClasses(max(1, topK)).map { .cam(classIndex: $0) }
        default:
            if let method = AttributionMethod(rawValue: name) { return [try gradientView(method, arg, sel)] }
            throw ExportError("--views: unknown view \(sel); one of \(ViewSelector.names.joined(separator: ", "))")
        }
    }

    /// `erf[:SITE]`, `gradcam[:SITE[:CLASS]]`, `layercam[:SITE[:CLASS]]`, `saliency[:CLASS]`,
    /// `ig[:CLASS]`, `rollout`, `mamba-attr[:CLASS]`: the site and class checked here, so a bad
    /// spec is one line before anything is computed. An empty SITE (`gradcam::3`) is the default.
    private func gradientView(_ method: AttributionMethod, _ arg: String?, _ sel: String) throws -> ExportView {
        guard gradients != nil else { throw ExportError("--views: \(sel) needs the model's reverse pass (gradients), which this export has not loaded") }
        let takesSite = method == .erf || method == .gradcam || method == .layercam
        var siteArg: String? = nil, classArg: String? = nil
        if let a = arg {
            if takesSite {
                let bits = a.split(separator: ":", maxSplits: 1, omittingEmptySubsequences: false).map(String.init)
                siteArg = bits[0].isEmpty ? nil : bits[0]
                classArg = bits.count > 1 ? bits[1] : nil
                if method == .erf && classArg != nil { throw ExportError("--views: erf takes a SITE only, no class (in \(sel))") }
            } else if method.needsClass {
                classArg = a
            } else {
                throw ExportError("--views: \(method.rawValue) takes no argument (in \(sel))")
            }
        }
        var site = method.onSiteGrid || method == .erf ? Attribution.defaultSite : "input"
        if let s = siteArg {
            guard let t = source.tensors[s] else { throw ExportError("--views: \(method.rawValue): no recorded site \(s) (see docs/sites.md)") }
            guard t.shape.count == 4 else {
                throw ExportError("--views: \(method.rawValue) needs a (1, C, H, W) map site; \(s) has shape (\(t.shape.map(String.init).joined(separator: ", ")))")
            }
            if method == .erf && s == "input" { throw ExportError("--views: erf needs a site after the input (its objective is a token of SITE)") }
            site = s
        }
        if method == .rollout || method == .mambaAttr { try requireMamba(sel) }
        guard method.needsClass else { return .gradient(method: method, site: site, classIndex: nil) }
        let n = source.model.config.numClasses
        guard n > 0 else { throw ExportError("--views: \(sel) needs a class, and this model has none") }
        var k = topClasses(1).first ?? 0
        if let c = classArg {
            guard let i = Int(c) else { throw ExportError("--views: \(method.rawValue): CLASS must be a class index 0…\(n - 1), got \(c) (in \(sel))") }
            guard i >= 0, i < n else { throw ExportError("--views: \(method.rawValue) class \(c) is out of range: the model has classes 0…\(n - 1) (in \(sel))") }
            k = i
        }
        return .gradient(method: method, site: site, classIndex: k)
    }

    private func requireMamba(_ sel: String) throws {
        if source.model.mambaLayers.isEmpty { throw ExportError("--views: \(sel) needs a model with Mamba layers") }
    }

    /// Mamba layer names (`network.6.K.mamba`) for an optional LAYER argument.
    private func layers(_ arg: String?, _ sel: String) throws -> [String] {
        let all = source.model.mambaLayers
        guard let a = arg else { return all }
        let name = a.hasSuffix(".mamba") ? a : a + ".mamba"
        guard all.contains(name) else {
            throw ExportError("--views: \(a) is not a Mamba layer (this model has \(all.map { String($0.dropLast(".mamba".count)) }.joined(separator: ", ")))")
        }
        return [name]
    }

    /// Block outputs in rail order: stem, per stage the downsample then the blocks, the head norm.
    var blockSites: [String] { source.catalogue.blockOutputs.filter { source.tensors[$0] != nil } }

    /// The `k` most probable classes (ties by index).
    func topClasses(_ k: Int) -> [Int] {
        topK(source.recording.logits, k).map { $0.index }
    }
}

extension StringProtocol {
    func trimmingSpaces() -> String {
        var s = Substring(self)
        while s.first == " " { s = s.dropFirst() }
        while s.last == " " { s = s.dropLast() }
        return String(s)
    }
}
