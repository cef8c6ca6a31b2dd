import Foundation
import XCTest
import VCCheckpoint
@testable import VCEngine

/// Every named activation of the tiny model (Tests/Fixtures/tiny, written by the PyTorch
/// reference) must match the engine within 1e-4 relative (max |Δ| / max |ref|).
final class ActivationParityTests: XCTestCase {
    static let tolerance: Float = 1e-4

    func loadTiny() throws -> VCMambaModel {
        let ckpt = try CheckpointLoader.load(path: Fixtures.path("tiny/weights.safetensors"))
        return try VCMambaModel(parameters: try ParameterSet(ckpt.stateDict))
    }

    func compareAll(dir: String, input: String, pattern: String, minimumSites: Int) throws {
        let model = try loadTiny()
        let x = try Npy.read(path: Fixtures.path(input))
        let rec = RecordingObserver(SitePattern(pattern))
        _ = try model.forward(Tensor(shape: x.shape, data: x.values), observer: rec)
        let files = try FileManager.default.contentsOfDirectory(atPath: Fixtures.path(dir)).filter { $0.hasSuffix(".npy") }.sorted()
        XCTAssertGreaterThanOrEqual(files.count, minimumSites)
        var worst: (String, Float) = ("", 0)
        for file in files {
            let site = String(file.dropLast(4))
            let ref = try Npy.read(path: Fixtures.path("\(dir)/\(file)"))
            guard let got = rec[site] else { XCTFail("engine produced no site \(site)"); continue }
            XCTAssertEqual(got.shape, ref.shape, site)
            guard got.shape == ref.shape else { continue }
            let err = got.relativeError(to: Tensor(shape: ref.shape, data: ref.values))
            if err > worst.1 { worst = (site, err) }
            XCTAssertLessThan(err, Self.tolerance, site)
        }
        print("parity \(dir): \(files.count) sites, worst \(worst.0) at \(worst.1)")
    }

    func testEverySiteAtNativeSize() throws {
        try compareAll(dir: "tiny/acts", input: "tiny/input.npy", pattern: "*,*.h", minimumSites: 140)
    }

    /// 192×224: a non-square 6×7 grid, pos_embed resized bicubically from 5×5.
    func testStage4AtNonSquareSize() throws {
        try compareAll(dir: "tiny/acts_192x224", input: "tiny/input_192x224.npy", pattern: "*", minimumSites: 80)
    }

    /// The engine's site list equals the reference's: no site missing, none extra (except the
    /// engine's own derived views).
    func testSiteNamesMatchReference() throws {
        let model = try loadTiny()
        let x = try Npy.read(path: Fixtures.path("tiny/input.npy"))
        let rec = RecordingObserver(SitePattern("*,*.h"))
        _ = try model.forward(Tensor(shape: x.shape, data: x.values), observer: rec)
        let reference = Set(try FileManager.default.contentsOfDirectory(atPath: Fixtures.path("tiny/acts")).map { String($0.dropLast(4)) })
        // The engine's derived Mamba views (checked against tiny/interpret in InterpretationTests).
        let derived = [".h_norm", ".h_norm_map", ".h_norm_n", ".decay", ".dir_share"]
        let engine = Set(rec.order).filter { site in !derived.contains { site.hasSuffix($0) } }
        XCTAssertEqual(engine.subtracting(reference).sorted(), [])
        XCTAssertEqual(reference.subtracting(engine).sorted(), [])
    }
}

/// One model, many file formats: every checkpoint fixture loads and gives the reference's logits.
final class CheckpointFormatTests: XCTestCase {
    func testEveryCheckpointFormatGivesTheReferenceLogits() throws {
        let expected = try Fixtures.json("checkpoints/expected.json")
        let files = try XCTUnwrap(expected["files"] as? [String: [String: Any]])
        let x = try Npy.read(path: Fixtures.path("tiny/input.npy"))
        let input = Tensor(shape: x.shape, data: x.values)
        XCTAssertGreaterThanOrEqual(files.count, 8)
        for (name, spec) in files.sorted(by: { $0.key < $1.key }) {
            var variants: [(Bool, [String: Any])] = [(false, spec)]
            if let ema = spec["ema"] as? [String: Any] { variants.append((true, ema)) }
            for (ema, s) in variants {
                let ckpt = try CheckpointLoader.load(path: Fixtures.path("checkpoints/\(name)"), ema: ema)
                XCTAssertEqual(ckpt.info.entryUsed, s["entry"] as? String, name)
                let model = try VCMambaModel(parameters: try ParameterSet(ckpt.stateDict))
                let logits = try model.forward(input)
                let ref = Tensor(shape: [1, 10], data: floats(s["logits"]))
                let err = logits.relativeError(to: ref)
                print("checkpoint \(name)\(ema ? " --ema" : ""): relative error \(err)")
                XCTAssertLessThan(err, 1e-4, "\(name) ema=\(ema)")
                XCTAssertEqual(argmax(logits.data), argmax(ref.data), name)
            }
        }
    }
}
