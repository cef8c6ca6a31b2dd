import ArgumentParser
import Foundation
import VCCheckpoint
import VCEngine
import VCImage
import VCRender

/// A one-line error for the user; `vcview` prints it as `vcview: error: …` and exits non-zero.
struct UserError: Error, CustomStringConvertible {
    let description: String
    init(_ d: String) { description = d }
}

/// Where the bundled files live: $VCVIEW_ASSETS, else the source tree's assets/, else next to the binary.
enum Assets {
    static var directory: String {
        if let env = ProcessInfo.processInfo.environment["VCVIEW_ASSETS"] { return env }
        let fromSource = URL(fileURLWithPath: #filePath).deletingLastPathComponent().deletingLastPathComponent()
            .deletingLastPathComponent().appendingPathComponent("assets").path
        if FileManager.default.fileExists(atPath: fromSource) { return fromSource }
        let exe = URL(fileURLWithPath: CommandLine.arguments[0]).resolvingSymlinksInPath().deletingLastPathComponent()
        return exe.appendingPathComponent("assets").path
    }

    static func path(_ name: String) -> String { (directory as NSString).appendingPathComponent(name) }

    /// The demo model shipped in assets/ (trained by the project; see assets/README.md).
    static var demoModel: String { path("vcmamba-demo.safetensors") }

    static func imagenetLabels() -> [String] {
        guard let text = try? String(contentsOfFile: path("imagenet1k_labels.txt"), encoding: .utf8) else { return [] }
        return text.split(separator: "\n", omittingEmptySubsequences: false).map(String.init).filter { !$0.isEmpty }
    }
}

/// A model ready to run, with where it came from and names for its classes.
struct LoadedModel {
    let model: VCMambaModel
    /// The weights the model was built from, when asked for (`keepParameters`): the gradient
    /// pass needs their plain copies; the forward alone packs its own and lets these go.
    let parameters: ParameterSet?
    let info: CheckpointInfo
    let labels: [String]
    let bundled: Bool
    let dtype: String

    /// The file's own name for the model (vcview's safetensors carry one), else the variant.
    var name: String { info.metadata["name"] ?? model.config.variantName }

    func label(_ i: Int) -> String { i < labels.count ? labels[i] : "class \(i)" }

    /// One line that says which model is in use: name, classes, parameters, where from.
    var summary: String {
        let cfg = model.config
        let classes: String
        if cfg.numClasses == 1000 && labels.count == 1000 { classes = "ImageNet-1k" }
        else if !labels.isEmpty && labels.count <= 12 { classes = "\(labels.count) classes: " + labels.joined(separator: ", ") }
        else { classes = "\(cfg.numClasses) classes" }
        let params = String(format: "%.2fM params", Double(cfg.parameterCount) / 1e6)
        let kind = info.metadata["name"] != nil ? "VCMamba \(cfg.variantName), " : ""
        let source = bundled ? "bundled \(info.path) (trained by vcview, see assets/README.md)" : info.path
        let entry = info.entryUsed.map { " [\($0)]" } ?? ""
        return "\(name) (\(kind)\(classes), \(params)) from \(source)\(entry)"
    }

    /// The default picture: a rendered scene for the bundled model (it knows only its ten shapes),
    /// a photo for anything else.
    static func defaultImage(bundled: Bool) -> String {
        bundled ? Assets.path("scenes/star.png") : Assets.path("images/chelsea.png")
    }

    /// The checkpoint at `path` and its parameters (the EMA weights with `ema`).
    static func read(_ path: String, ema: Bool) throws -> (LoadedCheckpoint, ParameterSet) {
        let loaded: LoadedCheckpoint
        do { loaded = try CheckpointLoader.load(path: path, ema: ema) } catch let e as CheckpointError { throw UserError(e.description) }
        do { return (loaded, try ParameterSet(loaded.stateDict)) } catch let e as CheckpointError { throw UserError(e.description) }
    }

    /// The gradient model of `model`, from its checkpoint read again: for the explorer's gradient
    /// view, which asks for it only when first opened (it holds a second copy of the weights).
    static func gradients(of model: VCMambaModel, path: String, ema: Bool) throws -> VCMambaGradients {
        let (_, params) = try read(path, ema: ema)
        do { return try VCMambaGradients(model: model, parameters: params) } catch let e as ModelError { throw UserError("\(path): \(e.description)") }
    }

    static func load(weights: String?, ema: Bool, keepParameters: Bool = false) throws -> LoadedModel {
        var path = weights
        var bundled = false
        if path == nil {
            guard FileManager.default.fileExists(atPath: Assets.demoModel) else {
                throw UserError("no --weights given and no bundled demo model at \(Assets.demoModel); pass --weights FILE (.pth or .safetensors)")
            }
            path = Assets.demoModel
            bundled = true
        }
        guard FileManager.default.fileExists(atPath: path!) else { throw UserError("\(path!): no such file") }
        let (loaded, params) = try read(path!, ema: ema)
        let dtypes = Set(loaded.stateDict.keys.compactMap { loaded.stateDict[$0] }.filter { $0.dtype != .i64 }.map { $0.dtype.rawValue })
        let model: VCMambaModel
        do { model = try VCMambaModel(parameters: params) } catch let e as ModelError { throw UserError("\(path!): \(e.description)") }
        var labels: [String] = []
        if let json = loaded.info.metadata["classes"],
           let names = try? JSONSerialization.jsonObject(with: Data(json.utf8)) as? [String],
           names.count == model.config.numClasses { labels = names }
        else if model.config.numClasses == 1000 { labels = Assets.imagenetLabels() }
        return LoadedModel(model: model, parameters: keepParameters ? params : nil, info: loaded.info, labels: labels, bundled: bundled,
                           dtype: dtypes.sorted().joined(separator: "+"))
    }
}

/// The network's input: a photo through the official eval transform, or a raw tensor.
struct PreparedInput {
    let tensor: Tensor
    let description: String
    let cropped: RGBImage?

    static func make(image: String?, inputTensor: String?, size: Int) throws -> PreparedInput {
        if let path = inputTensor {
            let arr: (shape: [Int], values: [Float])
            do { arr = try Npy.read(path: path) } catch let e as CheckpointError { throw UserError(e.description) }
            var shape = arr.shape
            if shape.count == 3 { shape = [1] + shape }
            guard shape.count == 4, shape[0] == 1, shape[1] == 3 else {
                throw UserError("\(path): input tensor must have shape (1, 3, H, W) or (3, H, W), found \(arr.shape)")
            }
            return PreparedInput(tensor: Tensor(shape: shape, data: arr.values), description: "\(path) (tensor \(shape[2])×\(shape[3]))", cropped: nil)
        }
        guard let path = image else { throw UserError("give an IMAGE or --input-tensor FILE.npy") }
        guard size >= 32 && size <= 2048 else { throw UserError("--size must be between 32 and 2048, got \(size)") }
        let img: RGBImage
        do { img = try ImageDecoder.decode(path: path) } catch let e as ImageError { throw UserError(e.description) }
        let (tensor, cropped) = EvalTransform.apply(img, size: size)
        return PreparedInput(tensor: Tensor(shape: [1, 3, size, size], data: tensor),
                             description: "\(path) (\(img.width)×\(img.height) → \(size)×\(size))", cropped: cropped)
    }
}

/// Runs `body`, turning any error into a one-line message on stderr and a non-zero exit.
func runReportingErrors(_ body: () throws -> Void) throws {
    do { try body() } catch let e as UserError {
        FileHandle.standardError.write(Data("vcview: error: \(e.description)\n".utf8))
        throw ExitCode.failure
    } catch let e as ModelError {
        FileHandle.standardError.write(Data("vcview: error: \(e.description)\n".utf8))
        throw ExitCode.failure
    }
}

func jsonString(_ value: Any) -> String {
    let data = (try? JSONSerialization.data(withJSONObject: value, options: [.sortedKeys, .withoutEscapingSlashes])) ?? Data()
    return String(decoding: data, as: UTF8.self)
}

/// `--text-size N` of the figure-writing commands: 6…96 pixels, else a one-line error; sets the
/// figure font (DejaVu Sans through FreeType, the bitmap font without it) and says which.
@discardableResult
func configureFigureText(_ size: Int?) throws -> String {
    if let t = size, !(6...96).contains(t) { throw UserError("--text-size must be between 6 and 96 pixels, got \(t)") }
    return FigureText.configure(size: size)
}
