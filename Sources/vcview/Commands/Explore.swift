import ArgumentParser
import Foundation
import VCEngine
import VCTUI

/// `vcview IMAGE`: the full-screen explorer (the default subcommand).
struct Explore: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "Open the terminal explorer on an image (the default: `vcview IMAGE`).")

    @Argument(help: "A JPEG or PNG photo (a bundled demo photo when absent).") var image: String?
    @Option(help: "Checkpoint (.pth or .safetensors); the bundled demo model when absent.") var weights: String?
    @Flag(help: "Use the EMA weights (model_ema) of a training checkpoint.") var ema = false
    @Option(help: "Input side after the eval transform.") var size = 224
    @Option(help: "Colour depth: auto, truecolor, 256, 16 or none (NO_COLOR is honoured too).") var colors = "auto"
    @Flag(name: .customLong("no-mouse"), help: "Do not capture the mouse.") var noMouse = false

    func run() throws {
        var status: Int32 = 0
        try runReportingErrors {
            guard let request = ColorRequest(rawValue: colors) else {
                throw UserError("--colors must be auto, truecolor, 256, 16 or none, got \(colors)")
            }
            let loaded = try LoadedModel.load(weights: weights, ema: ema)
            let path = image ?? Assets.path("images/chelsea.png")
            let input = try PreparedInput.make(image: path, inputTensor: nil, size: size)
            let picture = input.cropped.map { Picture(width: $0.width, height: $0.height, rgb: $0.pixels) }
            let session = ExplorerSession(
                model: loaded.model, input: input.tensor, picture: picture,
                labels: loaded.labels.isEmpty ? nil : loaded.labels,
                imageName: (path as NSString).lastPathComponent,
                modelDescription: loaded.summary,
                options: ExplorerOptions(colors: request, mouse: !noMouse,
                                         timingsPath: ProcessInfo.processInfo.environment["VCVIEW_TIMINGS"]))
            do { status = try runExplorer(session: session) }
            catch { throw UserError("\(error)") }
        }
        if status != 0 { throw ExitCode(status) }
    }
}
