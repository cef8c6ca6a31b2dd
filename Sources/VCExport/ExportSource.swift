import VCEngine
import VCImage
import VCRender

/// Where an export's pixels come from and what its sidecars say about them.
public struct Provenance: Sendable, Equatable {
    /// The image's file name as shown in titles and used in file names ("chelsea.png").
    public var imageName: String
    /// SHA-256 of the image file's bytes (or of the input tensor's .npy), lower-case hex.
    public var imageSHA256: String?
    /// The checkpoint's file name ("vcmamba_s.pth"); nil for weights made in memory.
    public var checkpointName: String?
    /// SHA-256 of the checkpoint file's bytes.
    public var checkpointSHA256: String?
    /// One line naming the model ("VCMamba-S (ImageNet-1k, 10.51M params) from …").
    public var model: String
    /// vcview's version string.
    public var version: String

    public init(imageName: String, imageSHA256: String? = nil, checkpointName: String? = nil,
                checkpointSHA256: String? = nil, model: String, version: String) {
        self.imageName = imageName; self.imageSHA256 = imageSHA256
        self.checkpointName = checkpointName; self.checkpointSHA256 = checkpointSHA256
        self.model = model; self.version = version
    }

    /// Fills in the names (last path components) and SHA-256 hashes of an image and a checkpoint file.
    public static func files(image: String, checkpoint: String?, model: String, version: String) throws -> Provenance {
        Provenance(imageName: lastComponent(image), imageSHA256: try SHA256.hash(file: image),
                   checkpointName: checkpoint.map(lastComponent), checkpointSHA256: try checkpoint.map { try SHA256.hash(file: $0) },
                   model: model, version: version)
    }

    static func lastComponent(_ path: String) -> String {
        path.split(separator: "/", omittingEmptySubsequences: true).last.map(String.init) ?? path
    }
}

/// One forward pass, ready to export: the model, every recorded activation, the picture the
/// network saw, class names and provenance.
///
/// The TUI builds one from the tensors it already recorded (`RecordingObserver.tensors` and
/// `.order` of its forward pass, pattern `*`); the command line calls `run`, which does the
/// forward pass. Either way the `global` scale is taken over the same set of activations as on
/// screen.
public struct ExportSource: Sendable {
    public let model: VCMambaModel
    /// Activations by site name (docs/sites.md), as the engine emitted them.
    public let tensors: [String: Tensor]
    /// Site names in forward order.
    public let order: [String]
    /// The cropped eval image (224×224 for the default size); nil draws the un-normalised input tensor.
    public let picture: RGBImage?
    /// Class names by index; empty for "class N".
    public let labels: [String]
    public let provenance: Provenance

    public init(model: VCMambaModel, tensors: [String: Tensor], order: [String], picture: RGBImage?,
                labels: [String] = [], provenance: Provenance) {
        self.model = model; self.tensors = tensors; self.order = order.filter { tensors[$0] != nil }
        self.picture = picture; self.labels = labels; self.provenance = provenance
    }

    /// Runs `model` on a normalised (1, 3, H, W) `input`, recording every site (pattern `*`, as the
    /// explorer does).
    public static func run(model: VCMambaModel, input: Tensor, picture: RGBImage?, labels: [String] = [],
                           provenance: Provenance) throws -> ExportSource {
        let recorder = RecordingObserver(SitePattern("*"), byteLimit: RecordingObserver.defaultByteLimit)
        _ = try model.forward(input, observer: recorder)
        try recorder.checkLimit(inputHeight: input.shape[2], inputWidth: input.shape[3])
        return ExportSource(model: model, tensors: recorder.tensors, order: recorder.order, picture: picture,
                            labels: labels, provenance: provenance)
    }

    public func label(_ i: Int) -> String { i < labels.count && !labels[i].isEmpty ? labels[i] : "class \(i)" }

    /// The input side (H, W) of the forward pass.
    public var inputSize: (height: Int, width: Int)? {
        guard let t = tensors["input"], t.shape.count == 4 else { return picture.map { ($0.height, $0.width) } }
        return (t.shape[2], t.shape[3])
    }

    /// The stage-4 token grid (h, w).
    public var grid: (Int, Int)? {
        if let t = tensors["network.6"] ?? tensors["network.5"], t.shape.count == 4 { return (t.shape[2], t.shape[3]) }
        return inputSize.map { VCMambaModel.grid(height: $0.height, width: $0.width) }
    }

    /// The picture the network saw: the cropped image, else the input tensor with the ImageNet
    /// normalisation undone (v · std + mean, rounded, clamped).
    public var inputPicture: RGBImage? {
        if let p = picture { return p }
        guard let t = tensors["input"], t.shape.count == 4, t.shape[1] == 3 else { return nil }
        let h = t.shape[2], w = t.shape[3], n = h * w
        var out = [UInt8](repeating: 0, count: n * 3)
        for c in 0..<3 {
            for p in 0..<n {
                let v = (t.data[c * n + p] * EvalTransform.std[c] + EvalTransform.mean[c]) * 255
                out[p * 3 + c] = UInt8(min(max(v.rounded(), 0), 255))
            }
        }
        return RGBImage(width: w, height: h, pixels: out)
    }
}
