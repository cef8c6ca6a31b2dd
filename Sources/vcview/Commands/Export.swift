import ArgumentParser
import Foundation
import VCEngine
import VCExport
import VCRecording
import VCRender
import VCStyle

/// `vcview export`: views as PNG files with title, colour bar and JSON sidecar, no terminal needed.
struct Export: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Write views as PNG files (title, colour bar, JSON sidecar), without a terminal.",
        discussion: """
        Views (--views, comma-separated or repeated; default all):
          all                      stages, blocks, scans, scan-animation, scan-paths, hidden, decay, shares, attention, cam, gradcam, erf
          stages                   channel sheets of the stem and the four stage outputs
          blocks                   channel sheets of every block output (stem, downsamples, blocks, Mamba layers, head norm)
          sites:GLOB               channel sheets of every site matching GLOB (docs/sites.md), e.g. sites:network.6.*.mamba.y.*
          channel:SITE:C           channel C of SITE, large
          scans                    the four scan orders on the stage-4 grid
          scan-animation           the scan animation as one looping GIF
          scan-paths               the four scans' paths over the input picture
          scan-frames              the scan animation, one numbered PNG per step
          hidden[:LAYER]           hidden-state magnitude: maps and curves per direction, maps per state
          decay[:LAYER]            exp(Δ·A) per state index
          shares[:LAYER]           each direction's share of the output per token
          attention[:R,C][:LAYER]  implicit attention of token (R, C) (default: the centre token)
          cam[:I]                  class activation map and overlay of the top-k classes (--topk), or of class I
        Gradient maps (input, map, overlay; the map also as .npy; docs/gradients.md):
          erf[:SITE]               one-image ERF: Σ_c |dL/dx|, L = Σ_c relu(SITE[c, h/2, w/2]), shown as (m/max)^0.2
          gradcam[:SITE[:CLASS]]   Grad-CAM of CLASS at SITE
          layercam[:SITE[:CLASS]]  LayerCAM of CLASS at SITE
          saliency[:CLASS]         max_c |d logit / dx|
          ig[:CLASS]               Integrated Gradients (--steps, baseline 0)
          rollout                  hidden-attention rollout of the Mamba layers (gradient-free)
          mamba-attr[:CLASS]       the rollout weighted by d logit / d y_k
        SITE: a (1, C, H, W) site, default network.6; CLASS: default the top prediction.
        LAYER is a Mamba layer, network.6.K. Files: DIR/<image>__<site>__<view>.png and .json (and .npy with --raw).
        The same inputs give byte-identical files. See docs/export.md.
        """)

    @Argument(help: "A JPEG or PNG photo.") var image: String?
    @Option(name: .customLong("input-tensor"), help: "A float32 .npy (1,3,H,W) or (3,H,W) used instead of IMAGE.") var inputTensor: String?
    @Option(help: "Checkpoint (.pth or .safetensors); the bundled demo model when absent.") var weights: String?
    @Flag(help: "Use the EMA weights (model_ema).") var ema = false
    @Option(help: "Output directory (created if needed).") var out: String
    @Option(help: "Views to write (see below); comma-separated or repeated.") var views: [String] = []
    @Option(help: "Input side after the eval transform.") var size = 224
    @Option(help: "auto (diverging for signed values, else viridis), viridis, magma, grey or diverging.") var colormap = "auto"
    @Option(help: "Colour scale scope: channel, block or global.") var scale = "block"
    @Option(help: "Percentile clip of block and global scales: auto (p99.5 where outliers dominate), none, p99, p99.5.") var clip = "auto"
    @Option(help: "Attention range: without each token's own weight (excluded) or with it (included).") var attentionSelf = "excluded"
    @Option(help: "Nearest-neighbour factor for map pixels (default: about 112 px per sheet tile, 224 px per single map).") var upscale: Int?
    @Option(help: "Classes for the cam view.") var topk = 3
    @Option(help: "Integrated Gradients (ig view): steps of the Riemann sum (1…1024).") var steps = 32
    @Option(help: "Channel order of sheets: index, mean, max or variance.") var sort = "index"
    @Option(name: .customLong("text-size"), help: "Pixel size of the figures' body text (titles 1.6×); DejaVu Sans through FreeType, the 5×7 bitmap font when no font is found (default 14).") var textSize: Int?
    @Flag(help: "Also write each view's tensor as float32 .npy.") var raw = false
    @Option(help: "Views drawn at once (default: one per core).") var threads: Int?
    @Flag(help: "No progress on stderr.") var quiet = false

    func run() throws {
        try runReportingErrors {
            let options = try exportOptions()
            let start = DispatchTime.now()
            let progress = ProgressLine(enabled: !quiet)
            progress.status(try configureFigureText(textSize))
            progress.status("loading model")
            // The reverse pass keeps a plain copy of the weights: only built when a gradient view
            // (or `all`, which has two) is asked for.
            let selectors = views.isEmpty ? ["all"] : views
            let wantGradients = ViewSelector.needsGradients(selectors)
            let loaded = try LoadedModel.load(weights: weights, ema: ema, keepParameters: wantGradients)
            let input = try PreparedInput.make(image: image, inputTensor: inputTensor, size: size)
            let inputFile = inputTensor ?? image!
            progress.status("hashing files")
            let provenance: Provenance
            do {
                provenance = try Provenance.files(image: inputFile, checkpoint: loaded.info.path,
                                                  model: describe(loaded), version: VCViewVersion.string)
            } catch let e as ExportError { throw UserError(e.description) }
            progress.status("forward pass")
            let source = try ExportSource.run(model: loaded.model, input: input.tensor, picture: input.cropped.map(Picture.init),
                                              labels: loaded.labels, provenance: provenance)
            var gradients: VCMambaGradients? = nil
            if let p = loaded.parameters {
                progress.status("gradient model")
                do { gradients = try VCMambaGradients(model: loaded.model, parameters: p) }
                catch where !ViewSelector.needsGradients(selectors, countingAll: false) {
                    // Only `all` asked for them: the other views are still worth writing.
                    progress.status("no gradient views: \(error)")
                }
            }
            let exporter = Exporter(source: source, gradients: gradients)
            let selected: [ExportView]
            do { selected = try exporter.views(selectors, topK: topk) }
            catch let e as ExportError { throw UserError(e.description) }
            var written: [String] = []
            do {
                written = try exporter.export(views: selected, to: out, options: options, threads: threads) { p in
                    progress.update(done: p.done, total: p.total, label: p.view.description)
                }
            } catch let e as ExportError {
                progress.finish()
                throw UserError(e.description)
            }
            progress.finish()
            let seconds = Double(DispatchTime.now().uptimeNanoseconds - start.uptimeNanoseconds) / 1e9
            let pngs = written.filter { $0.hasSuffix(".png") }.count
            print("model: \(loaded.summary)")
            print("input: \(input.description)")
            print(String(format: "wrote %d PNG files (%d files in all) for %d views to %@ in %.1f s", pngs, written.count, selected.count, out, seconds))
        }
    }

    func exportOptions() throws -> ExportOptions {
        var o = ExportOptions()
        if colormap != "auto" {
            guard let c = Colormap(rawValue: colormap) else { throw UserError("--colormap must be auto, \(Colormap.allCases.map(\.rawValue).joined(separator: ", ")); got \(colormap)") }
            o.colormap = c
        }
        guard let c = Clip(rawValue: clip) else { throw UserError("--clip must be auto, none, p99 or p99.5, got \(clip)") }
        o.clip = c
        guard let a = AttentionSelf(rawValue: attentionSelf) else { throw UserError("--attention-self must be excluded or included, got \(attentionSelf)") }
        o.attentionSelf = a
        guard let s = ScaleScope(rawValue: scale) else { throw UserError("--scale must be channel, block or global, got \(scale)") }
        o.scope = s
        guard let k = SortKey(rawValue: sort) else { throw UserError("--sort must be index, mean, max or variance, got \(sort)") }
        o.sort = k
        if let u = upscale {
            guard (1...64).contains(u) else { throw UserError("--upscale must be between 1 and 64, got \(u)") }
            o.upscale = u
        }
        guard topk >= 1 else { throw UserError("--topk must be at least 1") }
        guard (1...1024).contains(steps) else { throw UserError("--steps must be between 1 and 1024, got \(steps)") }
        o.igSteps = steps
        if let t = threads, t < 1 { throw UserError("--threads must be at least 1, got \(t)") }
        o.raw = raw
        return o
    }

    /// The model in one line, without the checkpoint's path (sidecars name the file and its hash).
    func describe(_ l: LoadedModel) -> String {
        let cfg = l.model.config
        let classes = cfg.numClasses == 1000 && l.labels.count == 1000 ? "ImageNet-1k" : "\(cfg.numClasses) classes"
        return "\(cfg.variantName) (\(classes), \(String(format: "%.2fM params", Double(cfg.parameterCount) / 1e6)))"
    }
}

/// A progress bar on stderr: redrawn in place on a terminal, a line per tenth otherwise.
final class ProgressLine {
    let enabled: Bool
    let tty = isatty(2) != 0
    var lastTenth = -1
    var drawn = false

    init(enabled: Bool) { self.enabled = enabled }

    func status(_ s: String) {
        guard enabled else { return }
        if tty { emit("\r\u{1B}[K" + s + "…"); drawn = true } else { emit("vcview export: \(s)\n") }
    }

    func update(done: Int, total: Int, label: String) {
        guard enabled, total > 0 else { return }
        if tty {
            let width = 30, filled = done * width / total
            let bar = String(repeating: "█", count: filled) + String(repeating: "·", count: width - filled)
            emit("\r\u{1B}[K[\(bar)] \(done)/\(total) \(label.prefix(60))")
            drawn = true
        } else {
            let tenth = done * 10 / total
            if tenth != lastTenth { lastTenth = tenth; emit("vcview export: \(done)/\(total) views\n") }
        }
    }

    func finish() {
        if enabled && tty && drawn { emit("\r\u{1B}[K") }
        drawn = false
    }

    private func emit(_ s: String) { FileHandle.standardError.write(Data(s.utf8)) }
}
