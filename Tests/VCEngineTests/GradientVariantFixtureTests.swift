import Foundation
import XCTest
@testable import VCEngine

/// The reverse pass on seeded S, M and B (docs/seeded-weights.md, regenerated here in Swift) at 224 and
/// 160 against PyTorch autograd in float64, from the compact fixtures of
/// `tools/reference/variant_gradient_parity.py --write-fixtures` (Tests/Fixtures/gradient_variants):
/// for logit 1 and the ERF objective at network.6, dL/d input at 257 sampled indices (its largest
/// entry among them), its maximum and 2-norm, and its ERF map summed over 8 × 8 blocks; 1e-4 relative.
/// Each variant's four gradients take 1–3 s in a debug build, so all three run in CI.
final class GradientVariantFixtureTests: XCTestCase {
    func testSeededSAgainstAutograd() throws { try check("S") }
    func testSeededMAgainstAutograd() throws { try check("M") }
    func testSeededBAgainstAutograd() throws { try check("B") }

    private func check(_ variant: String) throws {
        let fx = try Fixtures.json("gradient_variants/\(variant).json")
        let cases = try XCTUnwrap(fx["cases"] as? [String: [String: Any]])
        XCTAssertEqual(cases.count, 4, "two objectives at two sizes")
        let cfg = try XCTUnwrap(VCMambaConfig.preset(variant))
        let g = try VCMambaGradients(parameters: SeededWeights.parameters(for: cfg, seed: 0))
        for (name, c) in cases.sorted(by: { $0.key < $1.key }) {
            let size = try XCTUnwrap((c["size"] as? NSNumber)?.intValue)
            let objective: GradientObjective = c["objective"] as? String == "logit"
                ? .logit(try XCTUnwrap((c["arg"] as? NSNumber)?.intValue)) : .centreReLU(at: try XCTUnwrap(c["arg"] as? String))
            let r = try g.gradient(of: objective, input: SeededWeights.input(seed: 0, height: size, width: size))
            let e = GradientSummaryError(r.input, value: r.value, against: c)
            print("gradient parity \(variant) \(name): L \(e.value), samples \(e.samples), max \(e.maxAbs), "
                  + "norm \(e.norm), ERF blocks \(e.blocks) (relative to autograd, float64)")
            for (what, err) in [("L", e.value), ("sampled dL/dx", e.samples), ("max |dL/dx|", e.maxAbs),
                                ("‖dL/dx‖", e.norm), ("ERF blocks", e.blocks)] {
                XCTAssertLessThan(err, 1e-4, "\(variant) \(name) \(what)")
            }
            XCTAssertEqual(r.input.shape, [1, 3, size, size])
        }
    }
}

/// vcview's input gradient against one fixture case: each error relative to the reference's scale
/// (L to L, the sampled values to max |dL/dx|, the blocks to their largest); infinite where the
/// fixture is malformed, so a broken fixture fails rather than passes.
struct GradientSummaryError {
    var value: Float = .infinity, samples: Float = .infinity, maxAbs: Float = .infinity, norm: Float = .infinity, blocks: Float = .infinity

    init(_ g: Tensor, value v: Float, against c: [String: Any]) {
        let vref = Float((c["value"] as? NSNumber)?.doubleValue ?? .nan)
        value = abs(v - vref) / abs(vref)
        let d = g.data, scale = Float((c["max_abs"] as? NSNumber)?.doubleValue ?? .nan)
        let idx = ints(c["indices"]), ref = floats(c["values"])
        guard idx.count == ref.count, idx.allSatisfy({ $0 >= 0 && $0 < d.count }), scale > 0 else { return }
        samples = zip(idx, ref).map { abs(d[$0] - $1) }.max()! / scale
        maxAbs = abs(d.map(abs).max()! - scale) / scale
        let l2 = Float((c["l2"] as? NSNumber)?.doubleValue ?? .nan)
        norm = abs(Float(d.reduce(0.0) { $0 + Double($1) * Double($1) }.squareRoot()) - l2) / l2
        let h = g.shape[2], w = g.shape[3], b = ints([c["erf_block"]]).first ?? 8
        var sums = [Float](repeating: 0, count: (h / b) * (w / b))
        for ch in 0..<3 { for i in 0..<h { for j in 0..<w { sums[(i / b) * (w / b) + j / b] += abs(d[(ch * h + i) * w + j]) } } }
        let bref = floats(c["erf_blocks"])
        if bref.count == sums.count, let top = bref.map(abs).max(), top > 0 {
            blocks = zip(sums, bref).map { abs($0 - $1) }.max()! / top
        }
    }
}
