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
    @Option(help: "Pictures as pixels: auto (detect kitty, sixel or iTerm2 images), kitty, sixel, iterm2 or none (half blocks).") var graphics = "auto"
    @Flag(help: "Open in the presenter layout: one big panel, a large title (p toggles it).") var presenter = false

    func run() throws {
        try ExplorerLaunch.run(image: image, weights: weights, ema: ema, size: size, colors: colors, mouse: !noMouse, graphics: graphics) { options in
            options.presenter = presenter
        }
    }
}
