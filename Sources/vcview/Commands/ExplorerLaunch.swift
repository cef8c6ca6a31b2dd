import ArgumentParser
import Foundation
import VCRecording
import VCRender
import VCTUI

/// What `vcview IMAGE` and `vcview tour` share: load the model and the photo, open the explorer,
/// and turn its exit status into the process's.
enum ExplorerLaunch {
    static func run(image: String?, weights: String?, ema: Bool, size: Int, colors: String,
                    mouse: Bool, graphics: String = "auto", configure: (inout ExplorerOptions) -> Void = { _ in }) throws {
        var status: Int32 = 0
        try runReportingErrors {
            guard let request = ColorRequest(rawValue: colors) else {
                throw UserError("--colors must be auto, truecolor, 256, 16 or none, got \(colors)")
            }
            guard let graphicsRequest = GraphicsRequest(rawValue: graphics) else {
                throw UserError("--graphics must be auto, kitty, sixel, iterm2 or none, got \(graphics)")
            }
            let loaded = try LoadedModel.load(weights: weights, ema: ema)
            let path = image ?? LoadedModel.defaultImage(bundled: loaded.bundled)
            let input = try PreparedInput.make(image: path, inputTensor: nil, size: size)
            let picture = input.cropped.map(Picture.init)
            var options = ExplorerOptions(colors: request, mouse: mouse,
                                          timingsPath: ProcessInfo.processInfo.environment["VCVIEW_TIMINGS"])
            options.graphics = graphicsRequest
            options.imagePath = path
            options.checkpointPath = loaded.info.path
            options.version = VCViewVersion.string
            if let dir = ProcessInfo.processInfo.environment["VCVIEW_EXPORT_DIR"] { options.exportDirectory = dir }
            configure(&options)
            FigureText.configure(size: nil)   // the text of `e` / `E` exports
            let model = loaded.model, checkpoint = loaded.info.path
            let session = ExplorerSession(
                model: model, input: input.tensor, picture: picture,
                labels: loaded.labels.isEmpty ? nil : loaded.labels,
                imageName: (path as NSString).lastPathComponent,
                modelDescription: loaded.summary, options: options,
                // The gradient view's model: the checkpoint read again when the view first opens.
                gradients: { try LoadedModel.gradients(of: model, path: checkpoint, ema: ema) })
            do { status = try runExplorer(session: session) }
            catch { throw UserError("\(error)") }
        }
        // The explorer's background analyses (gradient maps, rollouts) may still be running on
        // another thread when `q` returns, and returning from main would run the C++ static
        // destructors of the libraries under them: oneDNN's, mid-product, segfaulted on about one
        // quit in five (`A` then `q`). The terminal is restored and every file written, so the
        // process leaves here, streams flushed, without running them (its own exit report,
        // VCVIEW_PEAK_REPORT, is written first: it is one of the atexit handlers skipped).
        PeakReport.write()
        fflush(nil)
        _exit(status)
    }
}
