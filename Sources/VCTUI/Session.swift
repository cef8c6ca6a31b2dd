import VCEngine
import VCRecording
import VCRender

/// Options of an explorer run (the command line's flags).
public struct ExplorerOptions: Sendable {
    /// `--colors auto|truecolor|256|16|none`.
    public var colors: ColorRequest = .auto
    /// `--graphics auto|kitty|sixel|iterm2|none`: pictures as pixels (Graphics/).
    public var graphics: GraphicsRequest = .auto
    public var mouse = true
    /// Appends timing lines (first frame, forward, view switches) to this file when set; the
    /// environment variable VCVIEW_TIMINGS does the same.
    public var timingsPath: String? = nil
    /// Start the guided tour (`vcview tour`) instead of the free explorer.
    public var tour = false
    /// Tour: start in presenter mode (autoplay), and how long each step stays.
    public var tourAutoplay = false
    public var tourDwellSeconds: Double = 12
    /// `--presenter`: open in the presenter layout (one big panel; `p` toggles it).
    public var presenter = false
    /// Where `e` / `E` write PNGs (created on first export).
    public var exportDirectory = "vcview-exports"
    /// The files behind the session, hashed into each export's sidecar; and vcview's version.
    public var imagePath: String? = nil
    public var checkpointPath: String? = nil
    public var version = "unknown"
    public init(colors: ColorRequest = .auto, mouse: Bool = true, timingsPath: String? = nil,
                tour: Bool = false, tourAutoplay: Bool = false, tourDwellSeconds: Double = 12) {
        self.colors = colors; self.mouse = mouse; self.timingsPath = timingsPath
        self.tour = tour; self.tourAutoplay = tourAutoplay; self.tourDwellSeconds = tourDwellSeconds
    }
}

/// Everything the explorer needs: how to run the model once, and how to label what it shows.
public struct ExplorerSession: Sendable {
    public var config: VCMambaConfig
    public var inputHeight: Int
    public var inputWidth: Int
    /// Runs the forward pass once, reporting activations to the observer; returns the logits.
    public var forward: @Sendable (ActivationObserver) throws -> Tensor
    /// The model, for the Mamba views' derived computations (attention, ablations, CAM); nil
    /// disables them.
    public var model: VCMambaModel?
    /// The input the forward pass runs on (the gradient view differentiates at it).
    public var input: Tensor?
    /// Builds the gradient model for the gradient view (`a`), called on first use only: it holds
    /// a second copy of the weights, so a session that never opens the view never pays for it.
    /// nil: the view says there is no gradient model.
    public var gradients: (@Sendable () throws -> VCMambaGradients)?
    public var info: ExplorerInfo
    public var options: ExplorerOptions

    /// A session over a model and a normalised (1, 3, H, W) input.
    ///
    /// - picture: the cropped image the input was made from (VCImage's `EvalTransform` returns it);
    ///   nil draws the input tensor, un-normalised.
    /// - labels: class names by index (assets/imagenet1k_labels.txt for ImageNet models).
    /// - gradients: how to build `model`'s gradient model when the gradient view first needs it
    ///   (e.g. `VCMambaGradients(model: model, parameters:)` on the checkpoint read again).
    public init(model: VCMambaModel, input: Tensor, picture: Picture? = nil, labels: [String]? = nil,
                imageName: String, modelDescription: String? = nil, options: ExplorerOptions = ExplorerOptions(),
                gradients: (@Sendable () throws -> VCMambaGradients)? = nil) {
        precondition(input.shape.count == 4 && input.shape[1] == 3, "ExplorerSession: input must be (1, 3, H, W), got \(input.shape)")
        config = model.config
        inputHeight = input.shape[2]
        inputWidth = input.shape[3]
        forward = { observer in try model.forward(input, observer: observer) }
        self.model = model
        self.input = input
        self.gradients = gradients
        info = ExplorerInfo(imageName: imageName,
                            modelDescription: modelDescription ?? ExplorerSession.describe(model.config),
                            inputHeight: input.shape[2], inputWidth: input.shape[3],
                            picture: picture ?? Recording.picture(ofNormalisedInput: input), labels: labels, config: model.config)
        self.options = options
    }

    /// "VCMamba-S (1000 classes, 10.5M params)".
    public static func describe(_ c: VCMambaConfig) -> String {
        let m = Double(c.parameterCount) / 1e6
        let params = m >= 1 ? String(format: "%.1fM", m) : String(format: "%.0fk", m * 1000)
        let dims = { (v: [Int]) in v.map(String.init).joined(separator: "-") }
        let name = c.variantName == "custom" ? "VCMamba d\(dims(c.depths)) w\(dims(c.widths))" : c.variantName
        return name.contains("classes") ? "\(name), \(params) params" : "\(name) (\(c.numClasses) classes, \(params) params)"
    }

    /// The small seeded model of the tests (depths 1,1,2,3, widths 8…32, 2 Mamba layers, 10 classes)
    /// or a seeded published variant ("S", "M", "B"), on the seeded input: no files needed.
    public static func seeded(variant: String = "small", seed: UInt64 = 1, size: Int = 224, options: ExplorerOptions = ExplorerOptions()) throws -> ExplorerSession {
        var config: VCMambaConfig
        if let p = VCMambaConfig.preset(variant) { config = p } else {
            config = VCMambaConfig(depths: [1, 1, 2, 3], widths: [8, 16, 24, 32], nMamba: 2, numClasses: 10, resolution: 224)
        }
        config.numClasses = variant == "small" ? 10 : 1000
        let model = try VCMambaModel(parameters: SeededWeights.parameters(for: config, seed: seed))
        let input = SeededWeights.input(seed: seed, height: size, width: size)
        let seededConfig = config
        // The gradient model's weights are drawn again from the seed when first needed.
        return ExplorerSession(model: model, input: input, imageName: "seeded input \(seed)",
                               modelDescription: "seeded " + describe(model.config), options: options,
                               gradients: { try VCMambaGradients(model: model, parameters: SeededWeights.parameters(for: seededConfig, seed: seed)) })
    }
}

import Foundation
