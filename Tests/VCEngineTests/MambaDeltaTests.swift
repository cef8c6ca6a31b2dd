import XCTest
import CKernels
@testable import VCEngine

/// Δ of the Mamba mixer (`MambaMixer.deltas`, `vck_dt_proj`): dt_proj, its bias, the bias again
/// (the official delta_bias quirk) and softplus in one pass per token.
final class MambaDeltaTests: XCTestCase {
    /// Equals the plain loops (the product in Double, then the biases and softplus) for an inner
    /// width with a ragged last block of 16 (E = 88) and one without (E = 96), x values wide
    /// enough that softplus meets both its threshold and its small-value side; the same bits on
    /// one thread and on two with the tokens split (forced, whatever the machine's load).
    func testDeltasEqualTheReference() throws {
        let saved = EngineThreads.current
        defer { EngineThreads.set(saved); vck_pool_force_split(0) }
        for c4 in [44, 48] {
            let cfg = VCMambaConfig(depths: [1, 1, 1, 1], widths: [16, 24, 32, c4], nMamba: 1, numClasses: 10)
            let mixer = try MambaMixer(Weights(set: SeededWeights.parameters(for: cfg, seed: 5)), prefix: "network.6.0.mamba")
            let e = mixer.inner, f = mixer.rank + 2 * mixer.state
            XCTAssertEqual(e, 2 * c4)
            for l in [49, 5] {
                let xdbl = SeededWeights.uniforms(seed: 6, key: "x\(l)", count: l * f).map { 40 * $0 - 20 }
                let ref = mixer.deltasReference(xdbl, tokens: l)
                EngineThreads.set(1)
                let one = mixer.deltas(xdbl, tokens: l, withPre: true)
                for (name, got, want) in [("dt_proj", one.dtp, ref.dtp), ("pre", one.pre, ref.pre), ("delta", one.delta, ref.delta)] {
                    XCTAssertEqual(got.count, l * e)
                    for i in 0..<(l * e) {
                        XCTAssertEqual(got[i], want[i], accuracy: 2e-6 * max(1, abs(want[i])), "\(name) E \(e) L \(l) at \(i)")
                    }
                }
                XCTAssertTrue(ref.pre.contains { $0 > 20 } && ref.pre.contains { $0 < -5 }, "softplus's two sides")
                EngineThreads.set(2)
                vck_pool_force_split(1)
                let two = mixer.deltas(xdbl, tokens: l, withPre: false)
                vck_pool_force_split(0)
                XCTAssertEqual(two.dtp, one.dtp, "E \(e) L \(l), two threads")
                XCTAssertEqual(two.delta, one.delta, "E \(e) L \(l), two threads")
                XCTAssertTrue(two.pre.isEmpty)
            }
        }
    }
}
