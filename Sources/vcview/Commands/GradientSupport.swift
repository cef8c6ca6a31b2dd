import Foundation
import VCCheckpoint
import VCEngine
import VCImage

/// A model with its reverse pass, for the gradient commands (`erf`, `attribute`, `bench --backward`).
struct GradientModel {
    let gradients: VCMambaGradients
    let name: String
    let labels: [String]
    var model: VCMambaModel { gradients.model }

    /// `--weights FILE`, else seeded weights of `variant` when given, else the bundled demo model.
    static func load(weights: String?, variant: String?) throws -> GradientModel {
        if weights == nil, let v = variant {
            guard let cfg = VCMambaConfig.preset(v) else { throw UserError("--variant must be S, M or B, got \(v)") }
            let g = try VCMambaGradients(parameters: SeededWeights.parameters(for: cfg, seed: 0))
            return GradientModel(gradients: g, name: "\(cfg.variantName) (seeded weights, seed 0)", labels: [])
        }
        let loaded = try LoadedModel.load(weights: weights, ema: false, keepParameters: true)
        return GradientModel(gradients: try VCMambaGradients(model: loaded.model, parameters: loaded.parameters!), name: loaded.summary, labels: loaded.labels)
    }
}

/// Image arguments: files, or folders whose .png/.jpg/.jpeg files are taken in name order.
func imageFiles(_ args: [String]) throws -> [String] {
    var out: [String] = []
    for a in args {
        var isDir: ObjCBool = false
        guard FileManager.default.fileExists(atPath: a, isDirectory: &isDir) else { throw UserError("\(a): no such file or folder") }
        if isDir.boolValue {
            let names = (try? FileManager.default.contentsOfDirectory(atPath: a)) ?? []
            let pics = names.filter { ["png", "jpg", "jpeg"].contains(($0 as NSString).pathExtension.lowercased()) }.sorted()
            if pics.isEmpty { throw UserError("\(a): no .png, .jpg or .jpeg files in this folder") }
            out += pics.map { (a as NSString).appendingPathComponent($0) }
        } else {
            out.append(a)
        }
    }
    return out
}

func makeDirectory(_ dir: String) throws {
    do { try FileManager.default.createDirectory(atPath: dir, withIntermediateDirectories: true) }
    catch { throw UserError("\(dir): cannot create folder (\(error.localizedDescription))") }
}

/// A file-name-safe form of a site name.
func fileStem(_ s: String) -> String { String(s.map { $0.isLetter || $0.isNumber || $0 == "." || $0 == "-" || $0 == "_" ? $0 : "_" }) }

func writeNpy(_ path: String, shape: [Int], values: [Float]) throws {
    do { try Npy.write(path: path, shape: shape, values: values) } catch { throw UserError("\(path): cannot write (\(error))") }
}
