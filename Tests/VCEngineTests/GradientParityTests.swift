import Foundation
import XCTest
import VCCheckpoint
@testable import VCEngine

/// The reverse pass against PyTorch autograd (Tests/Fixtures/gradients, written by
/// tools/reference/make_gradient_fixtures.py from the float64 reference): dL/d(input), its ERF map
/// Σ_c |dL/dx| and dL/d(site) for a class logit and for VMamba's ERF objective, at the tiny model's
/// native 160×160 and at 64×96 (a 2×3 stage-4 grid, pos_embed resized). Within 1e-4 relative.
/// The logit cases also hold central differences of the float64 reference forward at 48 inputs
/// (the fixture script checks autograd against them; before vcmamba_ref.BatchNorm2d worked around
/// a torch 2.13 CPU BatchNorm backward bug, autograd was wrong there, see docs/gradients.md).
final class GradientParityTests: XCTestCase {
    static let tolerance: Float = 1e-4

    func gradients() throws -> VCMambaGradients {
        let ckpt = try CheckpointLoader.load(path: Fixtures.path("tiny/weights.safetensors"))
        return try VCMambaGradients(parameters: try ParameterSet(ckpt.stateDict))
    }

    func input(_ shape: [Int]) throws -> Tensor {
        let x = try Npy.read(path: Fixtures.path("tiny/input.npy"))
        let full = Tensor(shape: x.shape, data: x.values)
        let h = shape[2], w = shape[3]
        if h == full.shape[2] && w == full.shape[3] { return full }
        var out = Tensor(zeros: shape)
        for c in 0..<3 { for i in 0..<h { for j in 0..<w { out.data[(c * h + i) * w + j] = full.data[(c * full.shape[2] + i) * full.shape[3] + j] } } }
        return out
    }

    func check(_ name: String, minimumSites: Int) throws {
        let meta = try Fixtures.json("gradients/\(name)/case.json")
        let files = try XCTUnwrap(meta["files"] as? [String: String])
        let kind = try XCTUnwrap(meta["objective"] as? String)
        let objective: GradientObjective = kind == "logit" ? .logit(try XCTUnwrap(meta["arg"] as? Int))
                                                           : .centreReLU(at: try XCTUnwrap(meta["arg"] as? String))
        let x = try input(ints(meta["input_shape"]))
        let rec = RecordingObserver(SitePattern(files.keys.filter { $0 != "erf" }.joined(separator: ",")))
        let result = try gradients().gradient(of: objective, input: x, observer: rec)
        let value = Float(try XCTUnwrap(meta["value"] as? Double))
        XCTAssertEqual(result.value, value, accuracy: 1e-4 * max(1, abs(value)), name)
        XCTAssertGreaterThanOrEqual(files.count, minimumSites)
        var worst: (String, Float) = ("", 0)
        for (site, file) in files.sorted(by: { $0.key < $1.key }) {
            let ref = try Npy.read(path: Fixtures.path("gradients/\(name)/\(file)"))
            let got: Tensor
            if site == "erf" {
                got = ERFMap.accumulate(result.input)
            } else if site == "input" {
                got = result.input
            } else {
                guard let g = rec[site] else { XCTFail("\(name): no gradient recorded at \(site)"); continue }
                got = g
            }
            XCTAssertEqual(got.count, ref.values.count, "\(name) \(site)")
            guard got.count == ref.values.count else { continue }
            let err = Tensor(shape: [got.count], data: got.data).relativeError(to: Tensor(shape: [got.count], data: ref.values))
            if err > worst.1 { worst = (site, err) }
            XCTAssertLessThan(err, Self.tolerance, "\(name) \(site)")
        }
        if let cd = meta["central_differences"] as? [String: Any] {
            // The logit cases: dL/d(input) also against central differences of the float64
            // reference forward at sampled inputs, a check that does not rest on autograd.
            let idx = ints(cd["indices"]), fd = floats(cd["values"])
            XCTAssertEqual(idx.count, 48)
            let got = Tensor(shape: [idx.count], data: idx.map { result.input.data[$0] })
            let err = got.relativeError(to: Tensor(shape: [fd.count], data: fd))
            XCTAssertLessThan(err, Self.tolerance, "\(name) input (central differences)")
            if err > worst.1 { worst = ("input (central differences)", err) }
        }
        print("gradient parity \(name): \(files.count) gradients, worst \(worst.0) at \(worst.1)")
    }

    func testLogitGradientAtNativeSize() throws { try check("logit3_160", minimumSites: 17) }
    func testERFAtNativeSize() throws { try check("erf_network.6_160", minimumSites: 2) }
    func testLogitGradientAt64x96() throws { try check("logit7_64x96", minimumSites: 18) }
    func testERFAt64x96() throws { try check("erf_network.6_64x96", minimumSites: 15) }
    func testStage3ERFAt64x96() throws { try check("erf_network.4_64x96", minimumSites: 1) }
}
