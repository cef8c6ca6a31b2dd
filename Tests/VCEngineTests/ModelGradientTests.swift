import Foundation
import XCTest
import VCCheckpoint
@testable import VCEngine

/// The whole-model reverse pass on the tiny model: its forward is the engine's forward, its
/// gradients are directional derivatives (also with the scans ablated), bad objectives are refused.
final class ModelGradientTests: XCTestCase {
    func setUpModel() throws -> (VCMambaGradients, Tensor) {
        let ckpt = try CheckpointLoader.load(path: Fixtures.path("tiny/weights.safetensors"))
        let g = try VCMambaGradients(parameters: try ParameterSet(ckpt.stateDict))
        let x = try Npy.read(path: Fixtures.path("tiny/input.npy"))
        return (g, Tensor(shape: x.shape, data: x.values))
    }

    func testGradientForwardIsTheForward() throws {
        let (g, x) = try setUpModel()
        let plain = try g.model.forward(x)
        let r = try g.gradient(of: .logit(0), input: x)
        XCTAssertLessThan(r.logits.relativeError(to: plain), 1e-6)
        XCTAssertEqual(r.value, plain.data[0], accuracy: 1e-6)
    }

    /// ⟨∇L, v⟩ against (L(x + εv) − L(x − εv)) / 2ε in float32 for a random direction v on 16 input
    /// values (a dense direction crosses thousands of ReLU kinks); ε = 1e-2, tolerance 2%.
    func testDirectionalDerivativesWithAblations() throws {
        let (g, x) = try setUpModel()
        var state: UInt64 = 0x9E37_79B9_7F4A_7C15                      // a fixed direction (splitmix-style steps)
        func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
        var v = [Float](repeating: 0, count: x.count)
        for _ in 0..<16 { v[Int(next() % UInt64(x.count))] = Float(Double(next() % 2_000_001) / 1e6 - 1) }
        var off = MambaAblation(); off.enabledDirections = [true, false, true, true]
        var raster = MambaAblation(); raster.rasterScan = true
        var noB = MambaAblation(); noB.zeroDirectionBs = true
        for (name, ablation) in [("official", MambaAblation()), ("scan 2 off", off), ("raster", raster), ("no direction_Bs", noB)] {
            for objective in [GradientObjective.logit(3), .channel(5, at: "network.6.1.mamba.u")] {
                let r = try g.gradient(of: objective, input: x, ablation: ablation)
                let analytic = zip(r.input.data, v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                let eps: Float = 1e-2
                var xp = x, xm = x
                for i in 0..<x.count { xp.data[i] += eps * v[i]; xm.data[i] -= eps * v[i] }
                let fp = try g.gradient(of: objective, input: xp, ablation: ablation).value
                let fm = try g.gradient(of: objective, input: xm, ablation: ablation).value
                let numeric = Double(fp - fm) / Double(2 * eps)
                // 2%, plus what float32 rounding of L (a few ulps) leaves of a difference over 2ε.
                let rounding = 8 * Double(max(abs(fp), abs(fm)).ulp) / Double(2 * eps)
                XCTAssertEqual(analytic, numeric, accuracy: 2e-2 * abs(numeric) + rounding, "\(name), \(objective.summary)")
            }
        }
    }

    /// Gradients at sites before the objective's site arrive; sites after it get none.
    func testSiteGradientsStopAtTheObjective() throws {
        let (g, x) = try setUpModel()
        let rec = RecordingObserver(SitePattern("patch_embed,network.4,network.6.1.mamba.dt,network.6"))
        _ = try g.gradient(of: .centreReLU(at: "network.4"), input: x, observer: rec)
        XCTAssertNotNil(rec["patch_embed"])
        XCTAssertNotNil(rec["network.4"])
        XCTAssertNil(rec["network.6"])
        XCTAssertNil(rec["network.6.1.mamba.dt"])
    }

    func testBadObjectivesAreRefusedWithAReason() throws {
        let (g, x) = try setUpModel()
        XCTAssertThrowsError(try g.gradient(of: .centreReLU(at: "network.9"), input: x)) { e in
            XCTAssertTrue("\(e)".contains("no site named network.9"), "\(e)")
        }
        XCTAssertThrowsError(try g.gradient(of: .logit(10), input: x)) { e in
            XCTAssertTrue("\(e)".contains("class 10 is out of range"), "\(e)")
        }
        XCTAssertThrowsError(try g.gradient(of: .centreReLU(at: "norm"), input: x)) { e in
            XCTAssertTrue("\(e)".contains("(1, C, H, W) map site"), "\(e)")
        }
    }
}
