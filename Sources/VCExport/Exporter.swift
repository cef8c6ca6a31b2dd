import Foundation
import VCCheckpoint
import VCEngine
import VCImage
import VCRecording
import VCRender
import VCStyle

/// How views are drawn and what is written beside them. The defaults are the explorer's.
public struct ExportOptions: Sendable, Equatable {
    /// nil = automatic (VCStyle's `Quantity.colormap`): magma for decay, diverging for signed
    /// values, viridis otherwise.
    public var colormap: Colormap?
    /// Which values set the colour scale (the TUI's `s` key).
    public var scope: ScaleScope
    /// Channel order of contact sheets (the TUI's `o` key).
    public var sort: SortKey
    /// Nearest-neighbour factor for map pixels; nil = per view (sheet tiles about 112 px, single
    /// maps and panels about 224 px).
    public var upscale: Int?
    /// Also write the tensor each PNG shows as float32 `.npy`.
    public var raw: Bool
    /// Write the JSON sidecar beside each PNG.
    public var sidecars: Bool
    /// zlib level of the PNGs (fixed, so files are reproducible).
    public var compressionLevel: Int
    /// Percentile clip of block and global scales (the TUI's `p` key; `--clip`).
    public var clip: Clip
    /// Whether the attention range includes the query's own weight (the TUI's `x` key).
    public var attentionSelf: AttentionSelf
    /// Integrated Gradients: steps of the Riemann sum (`--steps`).
    public var igSteps: Int

    public init(colormap: Colormap? = nil, scope: ScaleScope = .block, sort: SortKey = .index, upscale: Int? = nil,
                raw: Bool = false, sidecars: Bool = true, compressionLevel: Int = 1, clip: Clip = .auto,
                attentionSelf: AttentionSelf = .excluded, igSteps: Int = 32) {
        self.colormap = colormap; self.scope = scope; self.sort = sort; self.upscale = upscale
        self.clip = clip; self.attentionSelf = attentionSelf; self.igSteps = igSteps
        self.raw = raw; self.sidecars = sidecars; self.compressionLevel = compressionLevel
    }
}

/// Progress of a multi-view export, reported after each view.
public struct ExportProgress: Sendable {
    public let done: Int
    public let total: Int
    public let view: ExportView
    /// Paths written for this view.
    public let files: [String]
}

/// Draws views of one forward pass as PNG files with a title, a colour bar and a JSON sidecar.
///
///     let exporter = Exporter(source: try ExportSource.run(model: m, input: x, picture: Picture(crop), provenance: p))
///     let paths = try exporter.export(view: .channels(site: "network.4.11"), to: "out")      // the TUI's `e`
///     let all = try exporter.export(views: exporter.allViews(), to: "out")                  // the TUI's `E`
///
/// Maps, statistics, the global range and Mamba traces come from the source's recording and its
/// analysis (computed once there, shared with the explorer), so one `Exporter` may be shared
/// between threads; `export(views:)` draws and encodes several views at once. Each file depends only on its view, so the output is the same whatever the order.
public final class Exporter: @unchecked Sendable {
    public let source: ExportSource
    /// The model's reverse pass, for the gradient views (nil: they are refused, and `all` leaves
    /// them out). It must be built from the same weights as `source.model`.
    public let gradients: VCMambaGradients?
    private let lock = NSLock()
    private var missing: Set<Character> = []

    public init(source: ExportSource, gradients: VCMambaGradients? = nil) { self.source = source; self.gradients = gradients }

    /// Characters drawn without a glyph so far (shown as boxes); tests keep this empty.
    var missingGlyphs: Set<Character> { locked { missing } }

    private func locked<T>(_ body: () throws -> T) rethrows -> T {
        lock.lock(); defer { lock.unlock() }
        return try body()
    }

    // MARK: Public API

    /// Writes one view into `directory` (created if needed); returns the paths written, the PNG(s)
    /// first, each followed by its sidecar (and `.npy` with `raw`).
    @discardableResult
    public func export(view: ExportView, to directory: String, options: ExportOptions = ExportOptions()) throws -> [String] {
        try makeDirectory(directory)
        if view == .scanAnimation { return try writeAnimation(directory: directory, options: options) }
        var paths: [String] = []
        func emit(_ r: Rendered) throws {
            locked { missing.formUnion(r.canvas.uncoveredCharacters) }
            paths += try write(r, directory: directory, options: options)
        }
        // The scan animation has one frame per token (4096 at --size 2048): each is written as
        // soon as it is drawn, so memory holds one frame, not all of them.
        if case .scanFrames = view, let (h, w) = source.grid {
            for step in 0..<(h * w) { try emit(try renderScans(options, step: step)) }
            return paths
        }
        for r in try render(view, options) { try emit(r) }
        return paths
    }

    /// Writes several views, `threads` at a time (default: one per core), reporting progress after
    /// each (serially, in completion order); returns every path written, in the order of `views`.
    /// On failure the first failing view's error (in the order of `views`) is thrown.
    @discardableResult
    public func export(views: [ExportView], to directory: String, options: ExportOptions = ExportOptions(),
                       threads: Int? = nil, progress: ((ExportProgress) -> Void)? = nil) throws -> [String] {
        try makeDirectory(directory)
        let batch = Batch(count: views.count, progress: progress)
        let workers = max(1, min(views.count, threads ?? ProcessInfo.processInfo.activeProcessorCount))
        DispatchQueue.concurrentPerform(iterations: workers) { _ in
            while let i = batch.take() {
                batch.finish(i, views[i], Result { try export(view: views[i], to: directory, options: options) })
            }
        }
        var all: [String] = []
        for r in batch.results { all += try r!.get() }
        return all
    }

    /// The shared state of a multi-view export: the next view to take, the results, progress.
    private final class Batch: @unchecked Sendable {
        private let lock = NSLock()
        private var next = 0, done = 0
        private(set) var results: [Result<[String], Error>?]
        private let progress: ((ExportProgress) -> Void)?

        init(count: Int, progress: ((ExportProgress) -> Void)?) {
            results = Array(repeating: nil, count: count)
            self.progress = progress
        }

        func take() -> Int? {
            lock.lock(); defer { lock.unlock() }
            guard next < results.count else { return nil }
            next += 1
            return next - 1
        }

        func finish(_ i: Int, _ view: ExportView, _ r: Result<[String], Error>) {
            lock.lock(); defer { lock.unlock() }
            results[i] = r
            done += 1
            if case .success(let files) = r { progress?(ExportProgress(done: done, total: results.count, view: view, files: files)) }
        }
    }

    /// The PNG file names a view writes, without writing anything (for messages and tests).
    public func fileNames(_ view: ExportView) -> [String] {
        switch view {
        case .scanFrames:
            guard let (h, w) = source.grid else { return [] }
            let l = h * w
            return (0..<l).map { fileStem(site: view.site, view: scanFrameName($0, of: l)) + ".png" }
        case .hidden:
            return ["hidden-maps", "hidden-curves", "hidden-states"].map { fileStem(site: view.site, view: $0) + ".png" }
        case .scanAnimation:
            return [fileStem(site: view.site, view: "scan-animation") + ".gif"]
        default:
            return [fileStem(site: view.site, view: viewName(view)) + ".png"]
        }
    }

    // MARK: Files

    /// `<image>__<site>__<view>`, each part reduced to letters, digits, `.`, `_` and `-`.
    func fileStem(site: String, view: String) -> String {
        var image = source.provenance.imageName
        if let dot = image.lastIndex(of: "."), dot != image.startIndex { image = String(image[..<dot]) }
        return [image, site, view].map(Exporter.sanitise).joined(separator: "__")
    }

    static func sanitise(_ s: String) -> String {
        let allowed = Set("abcdefghijklmnopqrstuvwxyzABCDEFGHIJKLMNOPQRSTUVWXYZ0123456789._-")
        var out = String(s.map { allowed.contains($0) ? $0 : "-" })
        while out.contains("__") { out = out.replacingOccurrences(of: "__", with: "_") }
        while out.hasPrefix(".") { out.removeFirst() }
        return out.isEmpty ? "x" : out
    }

    func viewName(_ v: ExportView) -> String {
        switch v {
        case .channels: return "channels"
        case .channel(_, let c): return "channel-\(c)"
        case .scans: return "scans"
        case .scanFrames: return "scan-frames"
        case .scanAnimation: return "scan-animation"
        case .scanPaths: return "scan-paths"
        case .hidden: return "hidden"
        case .attention(_, let r, let c, let ch): return "attention-r\(r)-c\(c)" + (ch.map { "-ch\($0)" } ?? "")
        case .cam(let i): return "cam-class-\(i)"
        case .gradient(let m, _, let k): return m.rawValue + (k.map { "-class-\($0)" } ?? "")
        }
    }

    /// "scan-frame-07" for step index 6 of 49: the step as people count it (1…L), zero-padded.
    func scanFrameName(_ t: Int, of l: Int) -> String { "scan-frame-" + pad(ScanNames.step(t), l) }

    func pad(_ n: Int, _ maxValue: Int) -> String {
        let s = String(n), width = String(max(maxValue, 0)).count
        return String(repeating: "0", count: max(0, width - s.count)) + s
    }

    private func makeDirectory(_ dir: String) throws {
        var isDir: ObjCBool = false
        if FileManager.default.fileExists(atPath: dir, isDirectory: &isDir) {
            if !isDir.boolValue { throw ExportError("\(dir): exists and is not a directory") }
            return
        }
        do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
        catch { throw ExportError("\(dir): cannot create directory (\(error.localizedDescription))") }
    }

    private func write(_ r: Rendered, directory: String, options: ExportOptions) throws -> [String] {
        let stem = fileStem(site: r.fileSite, view: r.viewName)
        let png = (directory as NSString).appendingPathComponent(stem + ".png")
        do { try PNGWriter.write(RGBImage(width: r.canvas.width, height: r.canvas.height, pixels: r.canvas.pixels), to: png,
                                 compressionLevel: options.compressionLevel) }
        catch let e as ImageError { throw ExportError(e.description) }
        var paths = [png]
        var rawName: String? = nil
        if options.raw || r.alwaysRaw, let raw = r.raw {
            rawName = stem + ".npy"
            let npy = (directory as NSString).appendingPathComponent(rawName!)
            do { try Npy.write(path: npy, shape: raw.shape, values: raw.values) }
            catch let e as CheckpointError { throw ExportError(e.description) }
            paths.append(npy)
        }
        if options.sidecars {
            let json = (directory as NSString).appendingPathComponent(stem + ".json")
            let text = sidecar(r, png: stem + ".png", raw: rawName).text(pretty: true) + "\n"
            do { try Data(text.utf8).write(to: URL(fileURLWithPath: json), options: .atomic) }
            catch { throw ExportError("\(json): cannot write (\(error.localizedDescription))") }
            paths.insert(json, at: 1)
        }
        return paths
    }

    func sidecar(_ r: Rendered, png: String, raw: String?) -> JSONValue {
        let p = source.provenance
        var image: [(String, JSONValue)] = [("name", .string(p.imageName)), ("sha256", .optional(p.imageSHA256))]
        if let s = source.inputSize { image.append(("input_size", .ints([s.height, s.width]))) }
        var members: [(String, JSONValue)] = [
            ("vcview", .string(p.version)),
            ("file", .string(png)),
            ("view", .string(r.kind)),
            ("site", .string(r.site)),
        ]
        members += r.fields
        members += [
            ("image", .object(image)),
            ("checkpoint", .object([("name", .optional(p.checkpointName)), ("sha256", .optional(p.checkpointSHA256))])),
            ("model", .string(p.model)),
            ("png", .object([("width", .int(r.canvas.width)), ("height", .int(r.canvas.height)),
                             ("color_type", .string("RGB")), ("bit_depth", .int(8))])),
            ("layout", .object(r.layout)),
            ("raw", .optional(raw)),
        ]
        return .object(members)
    }

    // MARK: Data

    /// The site's maps and statistics, as the recording holds them (the explorer draws the same).
    func siteData(_ site: String) throws -> SiteData {
        guard let d = source.recording.sites[site] else { throw ExportError("site \(site) was not recorded (see docs/sites.md)") }
        return d
    }

    /// Over every recorded activation: the `global` scope, the same set as the explorer's.
    var global: ChannelStats { source.recording.global }

    /// What a recorded site holds, for the style rules.
    func quantity(_ site: String) -> Quantity { .site(source.catalogue.kind(of: site)) }

    /// The first recorded site, in forward order, that holds NaN or ±inf.
    var firstNonFinite: FirstNonFinite? { source.recording.firstNonFinite }

    func trace(_ layer: String) throws -> MambaTrace {
        do { return try source.analysis.trace(layer: layer) } catch let e as MambaJobError { throw ExportError(e.description) }
    }

    func tensor(_ site: String, for what: String) throws -> Tensor {
        guard let t = source.tensors[site] else { throw ExportError("site \(site) was not recorded; \(what) needs it") }
        return t
    }
}

/// One PNG about to be written: its pixels, the names that go into its file name, and the
/// view-specific members of its sidecar.
struct Rendered {
    /// Site part of the file name.
    var fileSite: String
    /// View part of the file name.
    var viewName: String
    /// The sidecar's "view".
    var kind: String
    /// The sidecar's "site": the activation drawn.
    var site: String
    var canvas: Canvas
    var fields: [(String, JSONValue)]
    var layout: [(String, JSONValue)]
    var raw: (shape: [Int], values: [Float])?
    /// Write `raw` even without `--raw` (the gradient maps: costly to compute, and the PNG shows
    /// a colour-scaled or display-transformed copy).
    var alwaysRaw = false
}
