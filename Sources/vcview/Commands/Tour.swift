import ArgumentParser
import Foundation
import VCEngine
import VCTUI

/// `vcview tour [IMAGE]`: a guided lesson over the model, in the explorer.
struct Tour: ParsableCommand {
    static let configuration = CommandConfiguration(
        abstract: "A guided tour of VCMamba on a photo: from preprocessing to the prediction, with narration.",
        discussion: """
        About ten steps: input and preprocessing, the stem, local features in stages 1-3, the hand-over \
        to Mamba, the four scans, hidden states, implicit attention, direction shares, the class activation \
        map, the prediction and a live ablation. Space or the arrow keys advance, b goes back, a autoplays \
        (presenter mode), q quits.
        """)

    @Argument(help: "A JPEG or PNG photo (the bundled assets/images/chelsea.png when absent).") var image: String?
    @Option(help: "Checkpoint (.pth or .safetensors); the bundled demo model when absent.") var weights: String?
    @Flag(help: "Use the EMA weights (model_ema) of a training checkpoint.") var ema = false
    @Option(help: "Input side after the eval transform.") var size = 224
    @Option(help: "Colour depth: auto, truecolor, 256, 16 or none (NO_COLOR is honoured too).") var colors = "auto"
    @Flag(name: .customLong("no-mouse"), help: "Do not capture the mouse.") var noMouse = false
    @Option(help: "Pictures as pixels: auto (detect kitty, sixel or iTerm2 images), kitty, sixel, iterm2 or none (half blocks).") var graphics = "auto"
    @Flag(help: "Start in presenter mode: the next step comes by itself.") var autoplay = false
    @Option(help: "Seconds per step in presenter mode.") var dwell: Double = 12
    @Flag(help: "Open in the presenter layout: one big panel, a large title (p toggles it).") var presenter = false

    func run() throws {
        if !(dwell >= 1 && dwell <= 600) {
            try runReportingErrors { throw UserError("--dwell must be between 1 and 600 seconds, got \(dwell)") }
        }
        try ExplorerLaunch.run(image: image, weights: weights, ema: ema, size: size, colors: colors, mouse: !noMouse, graphics: graphics) { options in
            options.tour = true
            options.tourAutoplay = autoplay
            options.tourDwellSeconds = dwell
            options.presenter = presenter
        }
    }
}
