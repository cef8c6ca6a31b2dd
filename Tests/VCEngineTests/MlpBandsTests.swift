import XCTest
@testable import VCEngine

/// The MLP evaluated band by band (`Mlp.addIntoByBands`) against layer by layer.
final class MlpBandsTests: XCTestCase {
    /// Same bits as the layer-by-layer path, with and without a layer scale, on one and two
    /// threads, for maps whose height splits into whole bands, a ragged last band, and bands of
    /// two rows (a wide map), so the halo rows are carried over at every kind of boundary.
    func testBandsEqualLayers() throws {
        try XCTSkipUnless(GemmWeight.splitsKeepBits, "this machine's \(EngineGemm.backend) rounds a token by where it falls in a product (VCVIEW_GEMM=engine, the default here, does not)")
        let cfg = VCMambaConfig(depths: [1, 1, 1, 1], widths: [24, 32, 48, 64], nMamba: 1, numClasses: 10, resolution: 288)
        let mlp = try Mlp(Weights(set: SeededWeights.parameters(for: cfg, seed: 3)), prefix: "network.0.0.mlp")
        let saved = EngineThreads.current
        defer { EngineThreads.set(saved) }
        let gain = SeededWeights.uniforms(seed: 9, key: "gain", count: 24).map { $0 + 0.5 }
        for (h, w) in [(72, 72), (51, 59), (9, 400)] {
            XCTAssertTrue(mlp.bandsPay(height: h, width: w), "\(h)×\(w) should take the band path")
            let input = FeatureMap(height: h, width: w, channels: 24,
                                   data: SeededWeights.uniforms(seed: 10, key: "x\(h)", count: h * w * 24).map { 4 * $0 - 2 })
            let start = FeatureMap(height: h, width: w, channels: 24,
                                   data: SeededWeights.uniforms(seed: 11, key: "r\(h)", count: h * w * 24).map { $0 - 0.5 })
            for threads in [1, 2] {
                EngineThreads.set(threads)
                for g in [gain, nil] {
                    var layers = start, bands = start
                    mlp.addIntoByLayers(&layers, from: input, gain: g, Tap(observer: nil))
                    mlp.addIntoByBands(&bands, from: input, gain: g)
                    XCTAssertEqual(bands.data, layers.data, "\(h)×\(w), \(threads) threads, gain \(g != nil)")
                    XCTAssertNotEqual(bands.data, start.data)
                }
            }
        }
        XCTAssertFalse(mlp.bandsPay(height: 7, width: 7), "small maps stay layer by layer")
    }
}
