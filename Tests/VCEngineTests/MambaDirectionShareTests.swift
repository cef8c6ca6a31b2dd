import XCTest
@testable import VCEngine

/// The observers' direction shares (`MambaMixer.directionShares`, site `mamba.dir_share`): each
/// scan direction's Σ|y_k| over the channels as a share of all four, per token.
final class MambaDirectionShareTests: XCTestCase {
    /// Equals the plain loop for widths with a ragged last block of 16 (E = 40, 88), without one
    /// (E = 96) and under one block (E = 7); the four shares of a token add up to 1, and a token
    /// whose four outputs are all zero gets shares of 0, not NaN.
    func testSharesEqualTheReference() {
        for e in [7, 40, 88, 96] {
            let l = 13
            var ys = (0..<4).map { k in SeededWeights.uniforms(seed: 3, key: "y\(k)e\(e)", count: l * e).map { 4 * $0 - 2 + Float(k) * 0.3 } }
            for k in 0..<4 { for i in 0..<e { ys[k][5 * e + i] = 0 } }       // token 5: nothing in any direction
            let got = MambaMixer.directionShares(ys, tokens: l, inner: e)
            let want = MambaMixer.directionSharesReference(ys, tokens: l, inner: e)
            XCTAssertEqual(got.count, 4 * l)
            for i in 0..<(4 * l) { XCTAssertEqual(got[i], want[i], accuracy: 1e-6, "E \(e) at \(i)") }
            for p in 0..<l {
                let sum = (0..<4).reduce(Float(0)) { $0 + got[$1 * l + p] }
                XCTAssertEqual(sum, p == 5 ? 0 : 1, accuracy: 1e-5, "E \(e) token \(p)")
            }
            // The shares differ between directions (the offsets above), so a mix-up of k would show.
            XCTAssertNotEqual(got[0], got[3 * l])
        }
    }
}
