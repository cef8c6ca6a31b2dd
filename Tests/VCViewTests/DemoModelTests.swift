import Foundation
import XCTest
import VCTestSupport
import VCCheckpoint
import VCEngine
import VCImage
import VCScenes

/// The bundled demo model (assets/vcmamba-demo.safetensors), run by the Swift engine on scenes
/// rendered by the Swift generator: what `vcview photo.png` shows out of the box.
final class DemoModelTests: XCTestCase {
    static let root = Repository.root
    static let assets = root.appendingPathComponent("assets")
    static let weights = assets.appendingPathComponent("vcmamba-demo.safetensors").path

    /// Seed 4 is used by no training or validation run (see tools/train/SCENES.md).
    static let testSeed: UInt64 = 4

    nonisolated(unsafe) static var cached: (model: VCMambaModel, info: CheckpointInfo)?

    static func model() throws -> (model: VCMambaModel, info: CheckpointInfo) {
        if let c = cached { return c }
        let loaded = try CheckpointLoader.load(path: weights)
        let c = (try VCMambaModel(parameters: try ParameterSet(loaded.stateDict)), loaded.info)
        cached = c
        return c
    }

    static func classify(_ model: VCMambaModel, _ image: RGBImage) throws -> (label: Int, logits: [Float]) {
        let x = EvalTransform.apply(image, size: 224).tensor
        let logits = try model.forward(Tensor(shape: [1, 3, 224, 224], data: x)).data
        var best = 0
        for k in 1..<logits.count where logits[k] > logits[best] { best = k }
        return (best, logits)
    }

    func testBundledFileDescribesItself() throws {
        let (model, info) = try Self.model()
        let cfg = model.config
        XCTAssertTrue(model.keyReport.isClean, model.keyReport.lines().joined(separator: "; "))
        XCTAssertEqual(cfg.depths.count, 4)
        XCTAssertTrue(cfg.depths.allSatisfy { $0 >= 1 })
        XCTAssertGreaterThanOrEqual(cfg.nMamba, 2)
        XCTAssertEqual(cfg.numClasses, SceneGenerator.classNames.count)
        XCTAssertEqual(cfg.posGrid, [7, 7], "trained at 224x224: a 7x7 stage-4 grid")
        // CheckpointInfo.args renders metadata for display (quoted, shortened); read the exact
        // strings from the safetensors header: 8-byte little-endian length, then JSON.
        let bytes = try Data(contentsOf: URL(fileURLWithPath: Self.weights))
        let n = bytes.prefix(8).enumerated().reduce(0) { $0 | (Int($1.element) << (8 * $1.offset)) }
        let header = try JSONSerialization.jsonObject(with: bytes.subdata(in: 8..<(8 + n))) as? [String: Any]
        let meta = header?["__metadata__"] as? [String: String] ?? [:]
        XCTAssertEqual(meta["name"], "vcmamba-demo")
        XCTAssertEqual(meta["trained_by"], "tools/train/train.py")
        XCTAssertTrue(info.args.contains { $0.0 == "classes" })
        let classes = try JSONSerialization.jsonObject(with: Data((meta["classes"] ?? "[]").utf8)) as? [String]
        XCTAssertEqual(classes, SceneGenerator.classNames)
        let config = try JSONSerialization.jsonObject(with: Data((meta["config"] ?? "{}").utf8)) as? [String: Any]
        XCTAssertEqual(config?["depths"] as? [Int], cfg.depths)
        XCTAssertEqual(config?["widths"] as? [Int], cfg.widths)
        XCTAssertEqual(config?["n_mamba"] as? Int, cfg.nMamba)
        let lines = try String(contentsOfFile: Self.assets.appendingPathComponent("vcmamba-demo.classes.txt").path,
                               encoding: .utf8).split(separator: "\n").map(String.init)
        XCTAssertEqual(lines, SceneGenerator.classNames)
        let size = try FileManager.default.attributesOfItem(atPath: Self.weights)[.size] as? Int ?? 0
        XCTAssertLessThan(size, 8 << 20, "the bundled model should stay a few MB")
    }

    /// Held-out accuracy through the whole Swift path: generator, Pillow-exact eval transform,
    /// engine. The issue asks for at least 95%.
    func testHeldOutAccuracyOnFreshScenes() throws {
        let (model, _) = try Self.model()
        let n = 200
        var correct = 0
        var wrong: [String] = []
        for index in 0..<n {
            let scene = SceneGenerator.render(seed: Self.testSeed, index: index, size: 224)
            let image = RGBImage(width: 224, height: 224, pixels: scene.pixels)
            let (pred, _) = try Self.classify(model, image)
            if pred == scene.label { correct += 1 } else {
                wrong.append("\(index): \(SceneGenerator.classNames[scene.label]) -> \(SceneGenerator.classNames[pred])")
            }
        }
        let accuracy = Double(correct) / Double(n)
        print("demo model: \(correct)/\(n) fresh scenes (seed \(Self.testSeed)) correct; wrong: \(wrong)")
        XCTAssertGreaterThanOrEqual(accuracy, 0.95, "held-out accuracy \(accuracy); wrong: \(wrong)")
    }

    /// Every demo picture in assets/scenes is recognised (decoded from its PNG, as vcview would).
    func testBundledScenesAreRecognised() throws {
        let (model, _) = try Self.model()
        let dir = Self.assets.appendingPathComponent("scenes")
        let files = try FileManager.default.contentsOfDirectory(atPath: dir.path).filter { $0.hasSuffix(".png") }.sorted()
        XCTAssertEqual(files.count, SceneGenerator.classNames.count)
        for file in files {
            let name = String(file.dropLast(4))
            guard let expected = SceneGenerator.classNames.firstIndex(of: name) else {
                XCTFail("\(file) is not named after a class"); continue
            }
            let image = try ImageDecoder.decode(path: dir.appendingPathComponent(file).path)
            XCTAssertEqual(image.width, 224); XCTAssertEqual(image.height, 224)
            let (pred, logits) = try Self.classify(model, image)
            XCTAssertEqual(pred, expected, "\(file) classified as \(SceneGenerator.classNames[pred]) (logits \(logits))")
        }
    }

    /// The PNGs are the generator's own renders (so the Swift and Python generators agree on them).
    func testBundledScenesAreGeneratorRenders() throws {
        let dir = Self.assets.appendingPathComponent("scenes")
        let index = try String(contentsOfFile: dir.appendingPathComponent("INDEX.txt").path, encoding: .utf8)
        for line in index.split(separator: "\n") where !line.hasPrefix("#") {
            // "<class>.png seed <seed> index <index>"
            let f = line.split(separator: " ")
            guard f.count == 5, let seed = UInt64(f[2]), let i = Int(f[4]) else { XCTFail("bad line \(line)"); continue }
            let image = try ImageDecoder.decode(path: dir.appendingPathComponent(String(f[0])).path)
            let scene = SceneGenerator.render(seed: seed, index: i, size: 224)
            XCTAssertEqual(image.pixels, scene.pixels, "\(f[0]) differs from scene (\(seed), \(i))")
        }
    }
}
