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

    /// ⟨∇L, v⟩ against (L(x + εv) − L(x − εv)) / 2ε in float32, ε = 1e-2, tolerance 0.5%, for a
    /// direction v on the 16 input values where the gradient is largest (v = sign(∂L/∂x)·m, m
    /// random in [½, 1]): the finite difference measures the true derivative along any v, so a
    /// gradient wrong where it matters shows; a dense direction would cross thousands of ReLU
    /// kinks. Objectives: a logit, and a channel of the second Mamba layer's scan output, whose
    /// derivative along v moves by 5–36% with each ablation (a reverse pass that ignored the
    /// ablation would fail), while the finite difference agrees with the analytic one to 0.06%.
    /// (A random sparse v, as before, gave derivatives of ~2e-4, a change of ~160 ulps of L over
    /// 2ε: the kinks within ±ε and a few ulps of rounding moved the difference by up to 7%, and
    /// the test passed or failed with the last bits of the GELU.)
    func testDirectionalDerivativesWithAblations() throws {
        let (g, x) = try setUpModel()
        var off = MambaAblation(); off.enabledDirections = [true, false, true, true]
        var raster = MambaAblation(); raster.rasterScan = true
        var noB = MambaAblation(); noB.zeroDirectionBs = true
        for (name, ablation) in [("official", MambaAblation()), ("scan 2 off", off), ("raster", raster), ("no direction_Bs", noB)] {
            for objective in [GradientObjective.logit(3), .channel(5, at: "network.6.2.mamba.y")] {
                let r = try g.gradient(of: objective, input: x, ablation: ablation)
                var state: UInt64 = 0x9E37_79B9_7F4A_7C15                      // fixed magnitudes (splitmix-style steps)
                func next() -> UInt64 { state = state &* 6364136223846793005 &+ 1442695040888963407; return state >> 11 }
                let largest = r.input.data.indices.sorted { abs(r.input.data[$0]) > abs(r.input.data[$1]) }.prefix(16)
                var v = [Float](repeating: 0, count: x.count)
                for i in largest { v[i] = (r.input.data[i] < 0 ? -1 : 1) * Float(0.5 + Double(next() % 1_000_001) / 2e6) }
                let analytic = zip(r.input.data, v).reduce(0.0) { $0 + Double($1.0) * Double($1.1) }
                let eps: Float = 1e-2
                var xp = x, xm = x
                for i in 0..<x.count { xp.data[i] += eps * v[i]; xm.data[i] -= eps * v[i] }
                let fp = try g.gradient(of: objective, input: xp, ablation: ablation).value
                let fm = try g.gradient(of: objective, input: xm, ablation: ablation).value
                let numeric = Double(fp - fm) / Double(2 * eps)
                // 0.5%, plus what float32 rounding of L (a few ulps) leaves of a difference over 2ε.
                let rounding = 8 * Double(max(abs(fp), abs(fm)).ulp) / Double(2 * eps)
                XCTAssertGreaterThan(abs(numeric), 100 * rounding, "\(name), \(objective.summary): the derivative stands above rounding")
                XCTAssertEqual(analytic, numeric, accuracy: 5e-3 * abs(numeric) + rounding, "\(name), \(objective.summary)")
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

/// Hidden-attention rollout and Mamba-Attr on the tiny model.
final class HiddenAttentionRolloutTests: XCTestCase {
    /// Mamba-Attr's signed shares of one layer add up to Σₖ ⟨Gᵏ, yₖ − D·u⟩ / E: the attention
    /// rebuilds each scan's output (less its skip), and the gradient weights it.
    func testMambaAttrSharesAddUpToTheFirstOrderTerm() throws {
        let ckpt = try CheckpointLoader.load(path: Fixtures.path("tiny/weights.safetensors"))
        let g = try VCMambaGradients(parameters: try ParameterSet(ckpt.stateDict))
        let x = try Npy.read(path: Fixtures.path("tiny/input.npy"))
        let input = Tensor(shape: x.shape, data: x.values)
        let layer = g.model.mambaLayers[0]
        let rec = RecordingObserver(SitePattern(VCMambaModel.traceSites(layer).joined(separator: ",")))
        _ = try g.model.forward(input, observer: rec)
        let gr = RecordingObserver(SitePattern((1...4).map { "\(layer).y.\($0)" }.joined(separator: ",")))
        _ = try g.gradient(of: .logit(3), input: input, observer: gr)
        let trace = try g.model.trace(layer: layer, tensors: rec.tensors)
        let grads = (1...4).map { gr["\(layer).y.\($0)"]! }
        let m = HiddenAttentionRollout.layerMatrix(trace, gradients: grads, clampNegative: false)
        var expected = 0.0
        let e = trace.inner
        for k in 0..<4 {
            let gk = FeatureMap(nchw: grads[k]).data, yk = FeatureMap(nchw: rec["\(layer).y.\(k + 1)"]!).data
            for p in 0..<trace.tokens { for ei in 0..<e {
                expected += Double(gk[p * e + ei]) * (Double(yk[p * e + ei]) - Double(trace.D[ei]) * Double(trace.u[p * e + ei]))
            } }
        }
        expected /= Double(e)
        XCTAssertEqual(m.reduce(0, +), expected, accuracy: 1e-4 * abs(expected) + 1e-9)
        // Source tokens only precede their targets along some scan, and every pair is reached.
        let free = HiddenAttentionRollout.layerMatrix(trace)
        XCTAssertTrue(free.allSatisfy { $0 >= 0 })
        XCTAssertEqual(free.filter { $0 > 0 }.count, trace.tokens * trace.tokens)
    }

    /// The rollout of identity mixing is uniform; a layer sending everything to one token makes
    /// that token the most relevant, and relevance always sums to 1.
    func testRolloutOfKnownMatrices() {
        let l = 4
        var eye = [Double](repeating: 0, count: l * l)
        for i in 0..<l { eye[i * l + i] = 1 }
        let r = HiddenAttentionRollout.rollout([eye, eye], tokens: l)
        for v in r { XCTAssertEqual(v, 0.25, accuracy: 1e-12) }
        var toTwo = [Double](repeating: 0, count: l * l)
        for p in 0..<l { toTwo[p * l + 2] = 3 }
        let r2 = HiddenAttentionRollout.rollout([toTwo], tokens: l)
        XCTAssertEqual(r2.reduce(0, +), 1, accuracy: 1e-12)
        XCTAssertEqual(r2[2], 0.5 / 4 + 0.5, accuracy: 1e-12)
        XCTAssertEqual(r2[0], 0.5 / 4, accuracy: 1e-12)
    }
}
