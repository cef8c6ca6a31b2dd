import XCTest
import CKernels
@testable import VCEngine

/// Channels-last to PyTorch's NCHW (`FeatureMap.nchw`, `vck_nchw`): what observers and dumps get.
final class NCHWTests: XCTestCase {
    /// The same bits as the plain loop (NaN, ±∞ and −0 among the values, which the affine map
    /// turns into what x·s + t gives), with and without a scale and shift, for maps whose tokens
    /// and channels are whole 16 × 16 tiles, ragged at either edge or both, or smaller than one
    /// tile; on one thread and on two with every region split (forced, whatever the load).
    func testNCHWEqualsThePlainLoop() {
        let saved = EngineThreads.current
        defer { EngineThreads.set(saved); vck_pool_force_split(0) }
        for (h, w, c) in [(7, 7, 288), (56, 56, 32), (5, 9, 24), (4, 4, 20), (1, 1, 5), (14, 14, 100), (3, 11, 16)] {
            var data = SeededWeights.uniforms(seed: 12, key: "m\(h)\(c)", count: h * w * c).map { 8 * $0 - 4 }
            for (i, v) in [(0, Float.nan), (1, -0.0), (c + 2, Float.infinity), (h * w * c - 1, -Float.infinity)] where i < data.count { data[i] = v }
            let m = FeatureMap(height: h, width: w, channels: c, data: data)
            let scale = SeededWeights.uniforms(seed: 13, key: "s\(c)", count: c).map { 2 * $0 - 1 }
            let shift = SeededWeights.uniforms(seed: 14, key: "t\(c)", count: c).map { $0 - 0.5 }
            for (s, t) in [(nil, nil), (scale, shift)] as [([Float]?, [Float]?)] {
                let want = m.nchwReference(scale: s, shift: t)
                for threads in [1, 2] {
                    EngineThreads.set(threads)
                    vck_pool_force_split(threads > 1 ? 1 : 0)
                    let got = m.nchw(scale: s, shift: t)
                    vck_pool_force_split(0)
                    XCTAssertEqual(got.shape, [1, c, h, w])
                    XCTAssertEqual(got.data.map(\.bitPattern), want.data.map(\.bitPattern),
                                   "\(h)×\(w)×\(c), affine \(s != nil), \(threads) threads")
                }
            }
        }
    }
}
