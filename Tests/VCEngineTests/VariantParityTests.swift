import Foundation
import XCTest
@testable import VCEngine

/// VCMamba-S/M/B at full size: Swift regenerates the reference's seeded weights bit for bit and
/// must reproduce the PyTorch reference's logits (Tests/Fixtures/variants/*.json).
final class VariantParityTests: XCTestCase {
    func testSeededGeneratorIsBitIdenticalToPython() throws {
        for variant in ["S", "M", "B"] {
            let fx = try Fixtures.json("variants/\(variant).json")
            let samples = try XCTUnwrap(fx["seeded_samples"] as? [String: [String: Any]])
            XCTAssertGreaterThan(samples.count, 5)
            for (key, sample) in samples {
                let shape = ints(sample["shape"])
                let hex = try XCTUnwrap(sample["first8_hex"] as? [String])
                let t = key == "input" ? SeededWeights.input(seed: 0, height: shape[2], width: shape[3])
                                       : SeededWeights.tensor(seed: 0, key: key, shape: shape)
                let got = t.data.prefix(8).map { String(format: "%08x", $0.bitPattern) }
                XCTAssertEqual(Array(got), hex, "\(variant) \(key)")
            }
        }
    }

    func testLogitsMatchReference() throws {
        for (variant, cfg) in [("S", VCMambaConfig.S), ("M", .M), ("B", .B)] {
            let fx = try Fixtures.json("variants/\(variant).json")
            XCTAssertEqual(cfg.parameterCount, (fx["num_params"] as? NSNumber)?.intValue)
            let model = try VCMambaModel(parameters: SeededWeights.parameters(for: cfg, seed: 0))
            let logits = try model.forward(SeededWeights.input(seed: 0, height: 224, width: 224))
            let expected = Tensor(shape: [1, 1000], data: floats(fx["logits"]))
            let err = logits.relativeError(to: expected)
            print("parity \(variant): logits max|Δ|/max|ref| = \(err)")
            XCTAssertLessThan(err, 1e-4, variant)
            XCTAssertEqual(argmax(logits.data), ints(fx["top5"]).first, "\(variant) top-1")
        }
    }
}
