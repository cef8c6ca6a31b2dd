import XCTest
import Foundation
@testable import VCEngine

final class ConfigTests: XCTestCase {
    /// Parameter counts and state-dict sizes published for the official variants.
    func testOfficialVariantsMatchPublishedCounts() {
        XCTAssertEqual(VCMambaConfig.S.parameterCount, 10_478_720)
        XCTAssertEqual(VCMambaConfig.M.parameterCount, 21_072_176)
        XCTAssertEqual(VCMambaConfig.B.parameterCount, 31_450_832)
        XCTAssertEqual(VCMambaConfig.S.expectedKeys().count, 790)
        XCTAssertEqual(VCMambaConfig.M.expectedKeys().count, 746)
        XCTAssertEqual(VCMambaConfig.B.expectedKeys().count, 746)
        XCTAssertEqual(VCMambaConfig.S.variantName, "VCMamba-S")
        XCTAssertEqual(VCMambaConfig.B.variantName, "VCMamba-B")
    }

    func testInferenceRecoversEveryVariantFromShapes() throws {
        for cfg in [VCMambaConfig.S, .M, .B, VCMambaConfig(depths: [1, 1, 2, 3], widths: [8, 16, 24, 32], nMamba: 2, numClasses: 10, resolution: 160)] {
            var shapes: [String: [Int]] = [:]
            for (k, s) in cfg.expectedKeys() { shapes[k] = s }
            let inferred = try VCMambaConfig.infer(from: shapes)
            XCTAssertEqual(inferred, cfg)
            XCTAssertTrue(cfg.check(shapes).isClean)
        }
    }

    func testKeyReportNamesMissingUnexpectedAndMisshapedKeys() throws {
        var shapes: [String: [Int]] = [:]
        for (k, s) in VCMambaConfig.S.expectedKeys() { shapes[k] = s }
        shapes["network.6.4.mamba.A_log"] = [576, 8]
        shapes.removeValue(forKey: "network.6.5.mamba.D")
        shapes["extra.thing"] = [3]
        let r = VCMambaConfig.S.check(shapes)
        XCTAssertEqual(r.missing, ["network.6.5.mamba.D"])
        XCTAssertEqual(r.unexpected, ["extra.thing"])
        XCTAssertEqual(r.misshaped.map { $0.0 }, ["network.6.4.mamba.A_log"])
        XCTAssertFalse(r.isLoadable)
        XCTAssertTrue(r.lines().joined().contains("network.6.4.mamba.A_log (expected (576, 16), found (576, 8))"))
    }
}

final class ScanOrderTests: XCTestCase {
    /// The worked example of the reference document (checked there against the official code).
    func testWorkedExample3x4() {
        let s = ScanOrders(height: 3, width: 4)
        XCTAssertEqual(s.orders[0], [0, 1, 2, 3, 7, 6, 5, 4, 8, 9, 10, 11])
        XCTAssertEqual(s.directions[0], [0, 1, 1, 1, 4, 2, 2, 2, 4, 1, 1, 1])
        XCTAssertEqual(s.orders[1], [11, 10, 9, 8, 4, 5, 6, 7, 3, 2, 1, 0])
        XCTAssertEqual(s.directions[1], [0, 2, 2, 2, 3, 1, 1, 1, 3, 2, 2, 2])
        XCTAssertEqual(s.orders[2], [0, 4, 8, 9, 5, 1, 2, 6, 10, 11, 7, 3])
        XCTAssertEqual(s.directions[2], [0, 4, 4, 1, 3, 3, 1, 4, 4, 1, 3, 3])
        XCTAssertEqual(s.orders[3], [3, 7, 11, 10, 6, 2, 1, 5, 9, 8, 4, 0])
        XCTAssertEqual(s.directions[3], [0, 4, 4, 2, 3, 3, 2, 4, 4, 2, 3, 3])
        let t = ScanOrders(height: 4, width: 3)
        XCTAssertEqual(t.orders[1], [9, 10, 11, 8, 7, 6, 3, 4, 5, 2, 1, 0])
        XCTAssertEqual(t.orders[3], [11, 8, 5, 2, 1, 4, 7, 10, 9, 6, 3, 0])
        for k in 0..<4 { for p in 0..<12 { XCTAssertEqual(s.orders[k][s.inverse[k][p]], p) } }
    }
}

final class KernelTests: XCTestCase {
    func testFastScanEqualsReferenceRecurrence() {
        let l = 12, e = 40, n = 16
        func r(_ key: String, _ c: Int, _ scale: Float, _ offset: Float = 0) -> [Float] {
            SeededWeights.uniforms(seed: 7, key: key, count: c).map { ($0 * 2 - 1) * scale + offset }
        }
        let inputs = SelectiveScanInputs(u: r("u", l * e, 1), delta: r("d", l * e, 0.2, 0.3), A: r("A", e * n, 2, -3),
                                         B: r("B", l * n, 1), C: r("C", l * n, 1), D: r("D", e, 1),
                                         directionBs: r("dB", 5 * n, 0.5), tokens: l, inner: e, state: n)
        let orders = ScanOrders(height: 3, width: 4)
        let ref = SelectiveScan.reference(inputs, orders: orders)
        var hs = [Float](repeating: 0, count: 4 * l * e * n)
        let fast = hs.withUnsafeMutableBufferPointer { SelectiveScan.fast(inputs, orders: orders, hiddenStates: $0.baseAddress) }
        for k in 0..<4 {
            let a = Tensor(shape: [l, e], data: fast[k]), b = Tensor(shape: [l, e], data: ref[k])
            XCTAssertLessThan(a.relativeError(to: b), 1e-6, "direction \(k + 1)")
        }
        XCTAssertGreaterThan(hs.reduce(0) { max($0, abs($1)) }, 0)
    }

    /// With two engine threads large products are split by rows (many tokens) or by output
    /// channels (few tokens, as in stage 4); both equal the single call.
    func testThreadedGemmSplitsEqualTheTripleLoop() {
        let saved = EngineThreads.current
        defer { EngineThreads.set(saved) }
        EngineThreads.set(2)
        for (m, n, k) in [(300, 130, 60), (49, 1000, 64), (49, 37 * 16 + 5, 80)] {
            let a = SeededWeights.uniforms(seed: 2, key: "a\(m)", count: m * k), b = SeededWeights.uniforms(seed: 2, key: "b\(n)", count: n * k)
            let ref = gemmABtReference(a, b, m: m, n: n, k: k)
            for accumulate in [false, true] {
                var c = [Float](repeating: accumulate ? 1 : 7, count: m * n)
                a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
                    gemmABt(ap.baseAddress!, lda: k, bp.baseAddress!, ldb: k, cp.baseAddress!, ldc: n, m: m, n: n, k: k, accumulate: accumulate)
                } } }
                let expected = accumulate ? ref.map { $0 + 1 } : ref
                XCTAssertLessThan(Tensor(shape: [m, n], data: c).relativeError(to: Tensor(shape: [m, n], data: expected)), 1e-5, "\(m)×\(n)×\(k) accumulate \(accumulate)")
            }
        }
    }

    func testGemmMatchesTripleLoop() {
        let m = 7, n = 5, k = 9
        let a = SeededWeights.uniforms(seed: 1, key: "a", count: m * k), b = SeededWeights.uniforms(seed: 1, key: "b", count: n * k)
        var c = [Float](repeating: 0, count: m * n)
        a.withUnsafeBufferPointer { ap in b.withUnsafeBufferPointer { bp in c.withUnsafeMutableBufferPointer { cp in
            gemmABt(ap.baseAddress!, lda: k, bp.baseAddress!, ldb: k, cp.baseAddress!, ldc: n, m: m, n: n, k: k)
        } } }
        XCTAssertLessThan(Tensor(shape: [m, n], data: c).relativeError(to: Tensor(shape: [m, n], data: gemmABtReference(a, b, m: m, n: n, k: k))), 1e-6)
    }
}

final class SeededForwardTests: XCTestCase {
    func testSeededSmallModelRunsAndObserversSeeEverySite() throws {
        let cfg = VCMambaConfig(depths: [1, 1, 2, 3], widths: [8, 16, 24, 32], nMamba: 2, numClasses: 10, resolution: 160)
        let model = try VCMambaModel(parameters: SeededWeights.parameters(for: cfg, seed: 1))
        let rec = RecordingObserver()
        let logits = try model.forward(SeededWeights.input(seed: 1, height: 160, width: 160), observer: rec)
        XCTAssertEqual(logits.shape, [1, 10])
        XCTAssertTrue(logits.data.allSatisfy { $0.isFinite })
        XCTAssertEqual(rec["network.6.2.mamba.y.3"]?.shape, [1, 64, 5, 5])
        XCTAssertEqual(rec["network.6.1.mlp.act.1"]?.shape, [1, 128, 5, 5])
        XCTAssertNil(rec["network.6.2.mamba.h"], "hidden states only when asked for explicitly")
        XCTAssertEqual(rec["logits"]?.data, logits.data)
        let plain = try model.forward(SeededWeights.input(seed: 1, height: 160, width: 160))
        XCTAssertEqual(plain.data, logits.data, "observing must not change the result")
    }
}

final class VectorMathTests: XCTestCase {
    /// The SIMD exp/GELU/SiLU agree with libm far below the parity tolerance, including ±0,
    /// large magnitudes, and a ragged tail.
    func testVectorisedActivationsMatchLibm() {
        var xs: [Float] = [0, -0.0, 1e-8, -1e-8, 1, -1, 3.5, -3.5, 10, -10, 30, -30, 80, -80, 100, -100, 1e30, -1e30]
        xs += (0..<2001).map { Float($0 - 1000) * 0.0123 }
        var g = xs, s = xs, e = xs.map { max(min($0, 80), -80) }
        Activation.gelu(&g)
        Activation.silu(&s)
        let e0 = e
        e.withUnsafeMutableBufferPointer { VectorMath.exp($0.baseAddress!, $0.count) }
        for (i, x) in xs.enumerated() {
            // The table GELU is within 1.7e-7·max(1, |x|) of double erfc (tools/gelu_table.py); this float erf within ~6e-8.
            XCTAssertEqual(g[i], Activation.geluReference(x), accuracy: 2.5e-7 * max(1, abs(x)), "gelu(\(x))")
            XCTAssertEqual(s[i], Activation.siluReference(x), accuracy: 2e-6 * max(1, abs(x)), "silu(\(x))")
            XCTAssertEqual(e[i], expf(e0[i]), accuracy: 4e-7 * expf(e0[i]), "exp(\(e0[i]))")
        }
        XCTAssertEqual(g[1].sign, .minus, "gelu(-0) keeps its sign like libm")
        var sp = xs
        sp.withUnsafeMutableBufferPointer { VectorMath.softplus($0.baseAddress!, $0.count) }
        for (i, x) in xs.enumerated() {
            let ref = Activation.softplus(x)
            XCTAssertEqual(sp[i], ref, accuracy: 3e-7 * max(ref, 1e-30) + 1e-12, "softplus(\(x))")
        }
    }
}

final class LayerNormTests: XCTestCase {
    /// The vectorised LayerNorm equals the channel-by-channel loop in Double to float rounding, for the
    /// models' widths (288, 576, 1024), ragged ones (7, 33, 100) and rows far from zero mean
    /// (where a one-pass variance would cancel).
    func testVectorisedLayerNormEqualsReference() {
        for (c, offset) in [(288, 0), (576, 0), (1024, 0), (7, 0), (33, 3), (100, 1000), (16, -2)] as [(Int, Float)] {
            let l = 5
            let g = SeededWeights.uniforms(seed: 1, key: "g\(c)", count: c).map { $0 + 1 }
            let b = SeededWeights.uniforms(seed: 2, key: "b\(c)", count: c)
            let norm = LayerNorm(weight: g, bias: b)
            let x = FeatureMap(height: 1, width: l, channels: c,
                               data: SeededWeights.uniforms(seed: 3, key: "x\(c)", count: l * c).map { $0 * 4 + offset })
            var fast = x, ref = x
            norm.apply(&fast)
            norm.reference(&ref)
            for i in 0..<(l * c) {
                XCTAssertEqual(fast.data[i], ref.data[i], accuracy: 2e-6 * max(1, abs(ref.data[i])), "c \(c) offset \(offset) at \(i)")
            }
        }
    }
}

final class DepthwiseTests: XCTestCase {
    /// The register-blocked depthwise kernel equals the plain loop, for 3×3 and 7×7, channel
    /// counts with and without a ragged tail, maps smaller than the kernel, and every epilogue;
    /// the last two shapes are split over threads by channel blocks (few rows, enough work).
    /// The 3×3 shapes cover the row loop's groups of four pixels (one, two, none: w < 6) and its
    /// edge pixels, one-row maps, and 512 channels (2 KB between pixels).
    func testVectorisedDepthwiseEqualsReference() {
        for (c, k, h, w) in [(32, 3, 5, 7), (40, 3, 1, 1), (24, 7, 3, 4), (64, 7, 7, 7), (8, 3, 4, 4), (80, 7, 7, 12), (72, 3, 6, 64),
                             (48, 3, 4, 11), (16, 3, 1, 9), (32, 3, 3, 6), (64, 3, 2, 5), (512, 3, 3, 8)] {
            let wt = Tensor(shape: [c, 1, k, k], data: SeededWeights.uniforms(seed: 3, key: "w\(c)", count: c * k * k).map { $0 - 0.5 })
            let b = Tensor(shape: [c], data: SeededWeights.uniforms(seed: 3, key: "b\(c)", count: c))
            let conv = DepthwiseConv(weight: wt, bias: b)
            let x = FeatureMap(height: h, width: w, channels: c, data: SeededWeights.uniforms(seed: 4, key: "x", count: h * w * c).map { 4 * $0 - 2 })
            let ref = conv.reference(x)
            XCTAssertEqual(Tensor(shape: [h, w, c], data: conv(x).data).relativeError(to: Tensor(shape: [h, w, c], data: ref.data)), 0, accuracy: 1e-6)
            let scale = (0..<c).map { Float($0 % 5) * 0.3 + 0.5 }, shift = (0..<c).map { Float($0 % 3) * 0.1 - 0.1 }
            for act in [EpilogueActivation.none, .relu, .gelu, .silu] {
                var expected = ref
                expected.data.withUnsafeMutableBufferPointer { d in scale.withUnsafeBufferPointer { s in shift.withUnsafeBufferPointer { t in
                    Epilogue.affine(d.baseAddress!, rows: h * w, channels: c, scale: s.baseAddress!, shift: t.baseAddress!, act)
                } } }
                let got = conv(x, epilogue: (scale, shift, act))
                XCTAssertLessThan(Tensor(shape: [h * w * c], data: got.data).relativeError(to: Tensor(shape: [h * w * c], data: expected.data)), 1e-6, "c \(c) k \(k) \(act)")
            }
        }
    }
}

final class DenseConvTests: XCTestCase {
    /// The C im2col (one copy per kernel row inside the map) equals the plain loop: the stem's
    /// 3-channel stride-2 convolution and the downsampling ones, odd sizes so the right and bottom
    /// taps fall outside, and maps narrower than the kernel.
    func testIm2colEqualsReference() {
        for (c, h, w, stride) in [(3, 9, 7, 2), (16, 8, 8, 2), (5, 6, 11, 1), (4, 1, 2, 2), (2, 2, 1, 1)] {
            let o = 6
            let wt = Tensor(shape: [o, c, 3, 3], data: SeededWeights.uniforms(seed: 5, key: "w\(c)", count: o * c * 9))
            let conv = DenseConv(weight: wt, bias: nil, stride: stride, padding: 1)
            let x = FeatureMap(height: h, width: w, channels: c, data: SeededWeights.uniforms(seed: 6, key: "x\(h)", count: h * w * c).map { $0 + 0.25 })
            XCTAssertEqual(conv.im2col(x), conv.im2colReference(x), "c \(c) \(h)×\(w) stride \(stride)")
        }
    }

    /// The direct convolution of few-channel maps (the stem's RGB input, S's 16-channel map into
    /// the second stem convolution) equals the plain sum over im2col's patches: the stem's 3×3/2
    /// on maps whose width leaves a ragged group of eight pixels, output widths that are not a
    /// multiple of 16 (M's 24 channels, 8, 40), 10 and 16 input channels, other kernel sizes and
    /// strides, maps narrower than the kernel, on one and two threads; and its fused
    /// BN + activation gives the same bits as the separate epilogue pass.
    func testDirectConvolutionEqualsReference() {
        let saved = EngineThreads.current
        defer { EngineThreads.set(saved) }
        let shapes = [(3, 3, 2, 1, 16, 45, 38), (3, 3, 2, 1, 24, 17, 29), (3, 3, 2, 1, 32, 224, 224), (3, 5, 1, 2, 8, 9, 13),
                      (4, 3, 1, 1, 40, 7, 20), (1, 3, 2, 0, 16, 11, 11), (3, 3, 2, 1, 16, 2, 1),
                      (16, 3, 2, 1, 32, 23, 30), (10, 3, 2, 1, 24, 9, 17)]
        for (c, k, stride, pad, o, h, w) in shapes {
            let wt = Tensor(shape: [o, c, k, k], data: SeededWeights.uniforms(seed: 5, key: "w\(c)\(o)", count: o * c * k * k))
            let conv = DenseConv(weight: wt, bias: nil, stride: stride, padding: pad)
            XCTAssertNotNil(conv.directWeight)
            let x = FeatureMap(height: h, width: w, channels: c, data: SeededWeights.uniforms(seed: 6, key: "x\(h)", count: h * w * c))
            let (ho, wo) = conv.outputSize(h, w)
            let cols = conv.im2colReference(x), kk = k * k * c
            var ref = [Float](repeating: 0, count: ho * wo * o)
            for p in 0..<(ho * wo) { for oc in 0..<o {
                var s: Double = 0
                for t in 0..<kk { s += Double(cols[p * kk + t]) * Double(conv.directWeight![t * o + oc]) }
                ref[p * o + oc] = Float(s)
            } }
            let scale = SeededWeights.uniforms(seed: 7, key: "s", count: o).map { $0 + 1 }
            let shift = SeededWeights.uniforms(seed: 8, key: "t", count: o)
            for threads in [1, 2] {
                EngineThreads.set(threads)
                do {
                    let raw = conv.raw(x)
                    for (i, v) in raw.data.enumerated() {
                        XCTAssertEqual(v, ref[i], accuracy: 1e-5 * max(1, abs(ref[i])), "\(c)→\(o) k\(k)/\(stride) \(h)×\(w) at \(i)")
                    }
                    for act in [EpilogueActivation.none, .relu, .gelu] {
                        let epilogue = GemmEpilogue(scale: scale, shift: shift, act: act)
                        let fused = conv.raw(x, epilogue: epilogue)
                        var separate = raw
                        separate.data.withUnsafeMutableBufferPointer { epilogue.applySeparately($0.baseAddress!, ldc: o, rows: ho * wo, channels: o) }
                        XCTAssertEqual(fused.data, separate.data, "\(c)→\(o) k\(k)/\(stride) \(h)×\(w) \(act), \(threads) threads")
                    }
                }
            }
        }
    }

    /// A convolution with its BatchNorm + activation fused into the product's tiles gives the same
    /// bits as the raw product followed by the separate epilogue pass (what runs when observers
    /// want the raw output), and likewise the residual epilogue, on one and two threads and with
    /// enough tokens and channels to be split by tokens and by weight panels.
    func testFusedEpiloguesEqualSeparatePasses() {
        let saved = EngineThreads.current
        defer { EngineThreads.set(saved) }
        for threads in [1, 2] {
            EngineThreads.set(threads)
            for (l, ci, co) in [(3136, 32, 128), (49, 576, 144), (37, 20, 30)] {
                let side = Int(Double(l).squareRoot())
                let wt = Tensor(shape: [co, ci, 1, 1], data: SeededWeights.uniforms(seed: 7, key: "w\(ci)", count: co * ci).map { $0 - 0.5 })
                let conv = DenseConv(weight: wt, bias: nil, stride: 1, padding: 0)
                let x = FeatureMap(height: side, width: l / side, channels: ci,
                                   data: SeededWeights.uniforms(seed: 8, key: "x\(l)", count: side * (l / side) * ci).map { 2 * $0 - 1 })
                let scale = (0..<co).map { Float($0 % 7) * 0.2 + 0.3 }, shift = (0..<co).map { Float($0 % 5) * 0.1 - 0.2 }
                let gain = (0..<co).map { Float($0 % 3) * 0.5 + 0.1 }
                let raw = conv.raw(x)
                for act in [EpilogueActivation.none, .relu, .gelu, .silu] {
                    var expected = raw
                    expected.data.withUnsafeMutableBufferPointer { d in scale.withUnsafeBufferPointer { s in shift.withUnsafeBufferPointer { t in
                        Epilogue.affine(d.baseAddress!, rows: raw.tokens, channels: co, scale: s.baseAddress!, shift: t.baseAddress!, act)
                    } } }
                    let fused = conv.raw(x, epilogue: GemmEpilogue(scale: scale, shift: shift, act: act))
                    XCTAssertEqual(fused.data, expected.data, "\(l)×\(ci)→\(co) \(act), \(threads) threads")
                }
                for g in [gain, nil] {
                    let start = (0..<(raw.tokens * co)).map { Float($0 % 11) - 5 }
                    var expected = start, got = start
                    expected.withUnsafeMutableBufferPointer { e in raw.data.withUnsafeBufferPointer { a in
                        scale.withUnsafeBufferPointer { s in shift.withUnsafeBufferPointer { t in (g ?? []).withUnsafeBufferPointer { gp in
                            Epilogue.residual(e.baseAddress!, a.baseAddress!, rows: raw.tokens, channels: co, scale: s.baseAddress!,
                                              shift: t.baseAddress!, gain: g == nil ? nil : gp.baseAddress!)
                        } } }
                    } }
                    got.withUnsafeMutableBufferPointer { r in
                        _ = conv.raw(x, epilogue: GemmEpilogue(scale: scale, shift: shift, residual: r.baseAddress!, ldr: co, gain: g))
                    }
                    XCTAssertEqual(got, expected, "\(l)×\(ci)→\(co) residual, gain \(g != nil), \(threads) threads")
                }
            }
        }
    }
}
