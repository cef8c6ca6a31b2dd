import VCEngine
import VCImage
import VCRecording
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

/// One recorded forward pass, ready to export: the recording and its Mamba analysis (shared
/// with the explorer when it exports), class names and provenance. It keeps nothing of its own
/// beyond what the files say about where the pixels come from.
public struct ExportSource: Sendable {
    public let analysis: MambaAnalysis
    /// Class names by index; empty for "class N".
    public let labels: [String]
    public let provenance: Provenance

    public init(analysis: MambaAnalysis, labels: [String] = [], provenance: Provenance) {
        self.analysis = analysis; self.labels = labels; self.provenance = provenance
    }

    /// Runs `model` on a normalised (1, 3, H, W) `input`, recording every site (as the explorer does).
    public static func run(model: VCMambaModel, input: Tensor, picture: Picture?, labels: [String] = [],
                           provenance: Provenance) throws -> ExportSource {
        let recording = try Recording.run(model: model, input: input, picture: picture)
        return ExportSource(analysis: MambaAnalysis(model: model, recording: recording), labels: labels, provenance: provenance)
    }

    public var recording: Recording { analysis.recording }
    public var model: VCMambaModel { analysis.model }
    /// Activations by site name (docs/sites.md), as the engine emitted them.
    public var tensors: [String: Tensor] { recording.tensors }
    /// Site names in forward order.
    public var order: [String] { recording.order }
    /// Every site of the model at this input size (names, blocks, kinds, words).
    public var catalogue: SiteCatalogue { recording.catalogue }
    /// The picture the network saw (the cropped image, else the un-normalised input).
    public var inputPicture: Picture? { recording.picture }

    public func label(_ i: Int) -> String { i < labels.count && !labels[i].isEmpty ? labels[i] : "class \(i)" }

    /// The input side (H, W) of the forward pass.
    public var inputSize: (height: Int, width: Int)? { recording.inputSize }

    /// The stage-4 token grid (h, w).
    public var grid: (Int, Int)? { recording.grid }
}
