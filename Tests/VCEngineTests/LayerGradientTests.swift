import Foundation
import XCTest
@testable import VCEngine

/// Each layer's reverse on its own, on small shapes:
/// - the linear ones (convolutions, depthwise convolutions, the bicubic resize) by the adjoint
///   identity ⟨A·x, g⟩ = ⟨x, Aᵀ·g⟩ accumulated in Double (exact up to float rounding: 1e-5 relative),
///   and each fast path against its reference loop;
/// - the nonlinear ones (GELU, SiLU, softplus, LayerNorm, the selective scan) against central
///   differences of a Double transcription of the forward (step 1e-4; tolerance 1e-4 relative).
final class LayerGradientTests: XCTestCase {
    var rng = SystemRandomNumberGenerator()
    func randoms(_ n: Int, _ scale: Float = 1) -> [Float] { (0..<n).map { _ in Float.random(in: -scale...scale, using: &rng) } }
    func dot(_ a: [Float], _ b: [Float]) -> Double { zip(a, b).reduce(0.0) { $0 + Double($1.0) * Double($1.1) } }

    func assertClose(_ a: [Float], _ b: [Double], _ tol: Double, _ what: String) {
        let scale = b.map { abs($0) }.max() ?? 0
        let diff = zip(a, b).map { abs(Double($0) - $1) }.max() ?? 0
        XCTAssertLessThan(diff / max(scale, 1e-12), tol, "\(what): max |Δ| \(diff), scale \(scale)")
    }

    func testActivationDerivativesMatchCentralDifferences() {
        func gelu(_ x: Double) -> Double { 0.5 * x * (1 + erf(x / 2.0.squareRoot())) }
        func silu(_ x: Double) -> Double { x / (1 + Foundation.exp(-x)) }
        func softplus(_ x: Double) -> Double { x > 20 ? x : log1p(Foundation.exp(x)) }
        let xs: [Float] = stride(from: -6, through: 6, by: 0.37).map { Float($0) } + [-0.01, 0, 0.01, 19.5, 25]
        for x in xs {
            let d = Double(x), h = 1e-5
            XCTAssertEqual(Double(ActivationGradient.geluDerivative(x)), (gelu(d + h) - gelu(d - h)) / (2 * h), accuracy: 2e-6, "gelu′(\(x))")
            XCTAssertEqual(Double(ActivationGradient.siluDerivative(x)), (silu(d + h) - silu(d - h)) / (2 * h), accuracy: 2e-6, "silu′(\(x))")
            if abs(x - 20) > 0.1 {
                XCTAssertEqual(Double(ActivationGradient.softplusDerivative(x)), (softplus(d + h) - softplus(d - h)) / (2 * h), accuracy: 2e-6, "softplus′(\(x))")
            }
        }
        // The vectorised GELU′ is the libm one (within float rounding of the polynomial erf).
        let pre = (0..<4001).map { Float($0 - 2000) / 250 } + [1e-4, -1e-4, 0, 1e-3, -1e-3]
        var ones = [Float](repeating: 1, count: pre.count)
        ActivationGradient.apply(.gelu, pre: pre, &ones)
        for (x, d) in zip(pre, ones) { XCTAssertEqual(d, ActivationGradient.geluDerivative(x), accuracy: 2e-6, "vectorised gelu′(\(x))") }
        // The buffer form is the scalar one, and ReLU's mask uses the pre-activation.
        var g: [Float] = [1, 2, 3, 4]
        ActivationGradient.apply(.relu, pre: [-1, 0, 0.5, 2], &g)
        XCTAssertEqual(g, [0, 0, 3, 4])
    }

    func testDenseConvInputGradientIsTheAdjoint() {
        for (k, s, p, ci, co, h, w) in [(3, 2, 1, 3, 5, 9, 7), (3, 2, 1, 4, 6, 8, 8), (1, 1, 0, 6, 4, 5, 3),
                                        (3, 2, 1, 32, 48, 28, 28), (1, 1, 0, 64, 96, 20, 20)] {
            let wt = Tensor(shape: [co, ci, k, k], data: randoms(co * ci * k * k))
            let conv = DenseConv(weight: wt, bias: nil, stride: s, padding: p)
            let grad = DenseConvGradient(weight: wt, stride: s, padding: p)
            let x = FeatureMap(height: h, width: w, channels: ci, data: randoms(h * w * ci))
            let y = conv(x)
            let g = FeatureMap(height: y.height, width: y.width, channels: co, data: randoms(y.data.count))
            let dx = grad.inputGradient(g, height: h, width: w)
            let ref = grad.inputGradientReference(g, height: h, width: w)
            assertClose(dx.data, ref.data.map(Double.init), 1e-5, "k\(k) s\(s): fast vs reference")
            // ⟨conv(x), g⟩ = ⟨x, conv′(g)⟩ up to float rounding, which scales with the terms summed
            // (Σ|yᵢgᵢ|), not with the result: the sums cancel to ~0.4 from terms of ~2, and a
            // product whose summation order differs (oneDNN's against OpenBLAS's) moved the last
            // digits by 5e-5. A wrong index would move them by the terms' size.
            let terms = zip(y.data, g.data).reduce(0.0) { $0 + abs(Double($1.0) * Double($1.1)) }
            XCTAssertEqual(dot(y.data, g.data), dot(x.data, dx.data), accuracy: 1e-7 * terms + 1e-6, "k\(k) s\(s): adjoint")
        }
    }

    func testDepthwiseInputGradientIsTheAdjoint() {
        for (k, c, h, w) in [(3, 20, 6, 5), (7, 32, 5, 7), (7, 16, 2, 3)] {
            let wt = Tensor(shape: [c, 1, k, k], data: randoms(c * k * k))
            let conv = DepthwiseConv(weight: wt, bias: nil)
            let grad = DepthwiseGradient(weight: wt)
            let x = FeatureMap(height: h, width: w, channels: c, data: randoms(h * w * c))
            let g = FeatureMap(height: h, width: w, channels: c, data: randoms(h * w * c))
            let dx = grad.inputGradient(g)
            assertClose(dx.data, grad.reference(g).data.map(Double.init), 1e-5, "\(k)×\(k): flipped kernel vs scatter loop")
            let y = conv.reference(x)
            XCTAssertEqual(dot(y.data, g.data), dot(x.data, dx.data), accuracy: 1e-5 * max(1, abs(dot(y.data, g.data))), "\(k)×\(k) adjoint")
        }
    }

    func testBicubicAdjoint() {
        for (ih, iw, oh, ow) in [(5, 5, 2, 3), (7, 7, 6, 7), (3, 4, 9, 5)] {
            let c = 3
            let src = randoms(c * ih * iw), g = randoms(c * oh * ow)
            let y = Bicubic.resize(src, channels: c, inH: ih, inW: iw, outH: oh, outW: ow)
            let back = Bicubic.resizeAdjoint(g, channels: c, inH: ih, inW: iw, outH: oh, outW: ow)
            XCTAssertEqual(dot(y, g), dot(src, back), accuracy: 1e-5 * max(1, abs(dot(y, g))), "\(ih)×\(iw) → \(oh)×\(ow)")
        }
    }

    func testLayerNormGradientMatchesCentralDifferences() {
        let c = 12, l = 5
        let gamma = randoms(c), beta = randoms(c)
        let ln = LayerNorm(weight: gamma, bias: beta)
        let x = randoms(l * c, 2), seed = randoms(l * c)
        func forward(_ xs: [Double]) -> Double {
            var s = 0.0
            for p in 0..<l {
                let row = Array(xs[(p * c)..<((p + 1) * c)])
                let mean = row.reduce(0, +) / Double(c)
                let v = row.map { ($0 - mean) * ($0 - mean) }.reduce(0, +) / Double(c)
                for ch in 0..<c { s += Double(seed[p * c + ch]) * ((row[ch] - mean) / (v + 1e-5).squareRoot() * Double(gamma[ch]) + Double(beta[ch])) }
            }
            return s
        }
        var g = FeatureMap(height: 1, width: l, channels: c, data: seed)
        ln.inputGradient(&g, input: FeatureMap(height: 1, width: l, channels: c, data: x))
        let xd = x.map(Double.init)
        let fd = (0..<(l * c)).map { i -> Double in
            var p = xd, m = xd; p[i] += 1e-4; m[i] -= 1e-4
            return (forward(p) - forward(m)) / 2e-4
        }
        assertClose(g.data, fd, 1e-4, "LayerNorm")
    }

    /// The selective scan in Double, written as the recurrence: Σₖ ⟨seedₖ, outₖ⟩.
    func scanObjective(_ x: SelectiveScanInputs, _ orders: ScanOrders, _ seed: [Float],
                       u: [Double], delta: [Double], B: [Double], C: [Double], D: [Double], dirB: [Double]) -> Double {
        let l = x.tokens, e = x.inner, n = x.state
        var s = 0.0
        for k in 0..<4 {
            var h = [Double](repeating: 0, count: e * n)
            for t in 0..<l {
                let p = orders.orders[k][t], d = orders.directions[k][t]
                for ei in 0..<e {
                    var y = 0.0
                    for ni in 0..<n {
                        let a = Foundation.exp(delta[t * e + ei] * Double(x.A[ei * n + ni]))
                        h[ei * n + ni] = a * h[ei * n + ni] + delta[t * e + ei] * (B[t * n + ni] + dirB[d * n + ni]) * u[p * e + ei]
                        y += C[t * n + ni] * h[ei * n + ni]
                    }
                    s += Double(seed[(k * l + p) * e + ei]) * (y + D[ei] * u[p * e + ei])
                }
            }
        }
        return s
    }

    func testSelectiveScanGradientMatchesCentralDifferences() {
        for (hh, ww) in [(2, 3), (3, 3)] {
            let l = hh * ww, e = 5, n = 3
            let orders = ScanOrders(height: hh, width: ww)
            let x = SelectiveScanInputs(u: randoms(l * e), delta: randoms(l * e).map { 0.2 + abs($0) }, A: randoms(e * n).map { -0.3 - abs($0) },
                                        B: randoms(l * n), C: randoms(l * n), D: randoms(e), directionBs: randoms(5 * n, 0.5),
                                        tokens: l, inner: e, state: n)
            let seed = randoms(4 * l * e)
            let g = SelectiveScan.backward(x, orders: orders, dy: seed, threads: 1)
            let base = (x.u.map(Double.init), x.delta.map(Double.init), x.B.map(Double.init), x.C.map(Double.init), x.D.map(Double.init), x.directionBs.map(Double.init))
            func fd(_ which: Int, _ count: Int) -> [Double] {
                (0..<count).map { i in
                    var vals = [base.0, base.1, base.2, base.3, base.4, base.5]
                    var plus = vals, minus = vals
                    plus[which][i] += 1e-4; minus[which][i] -= 1e-4
                    vals = plus
                    let fp = scanObjective(x, orders, seed, u: plus[0], delta: plus[1], B: plus[2], C: plus[3], D: plus[4], dirB: plus[5])
                    let fm = scanObjective(x, orders, seed, u: minus[0], delta: minus[1], B: minus[2], C: minus[3], D: minus[4], dirB: minus[5])
                    return (fp - fm) / 2e-4
                }
            }
            assertClose(g.u, fd(0, l * e), 1e-4, "\(hh)×\(ww) du")
            assertClose(g.delta, fd(1, l * e), 1e-4, "\(hh)×\(ww) dΔ")
            assertClose(g.B, fd(2, l * n), 1e-4, "\(hh)×\(ww) dB")
            assertClose(g.C, fd(3, l * n), 1e-4, "\(hh)×\(ww) dC")
            assertClose(g.D, fd(4, e), 1e-4, "\(hh)×\(ww) dD")
            assertClose(g.directionBs, fd(5, 5 * n), 1e-4, "\(hh)×\(ww) d direction_Bs")
            // Split over threads: the same sums.
            let g2 = SelectiveScan.backward(x, orders: orders, dy: seed, threads: 2)
            assertClose(g2.u, g.u.map(Double.init), 1e-6, "threads")
        }
    }

    /// The C reverse (`vck_scan4_backward`) against the Swift reference walk: channel counts that
    /// fill blocks of 16 and that leave a partial block, the models' N = 16 and another N, a scan
    /// switched off, one and two threads.
    func testFastScanBackwardMatchesReference() {
        for (hh, ww, e, n, enabled) in [(3, 4, 16, 16, [true, true, true, true]), (4, 5, 37, 16, [true, false, true, true]),
                                        (2, 3, 21, 3, [true, true, true, true]), (7, 7, 64, 16, [false, true, true, false])] {
            let l = hh * ww, orders = ScanOrders(height: hh, width: ww)
            let x = SelectiveScanInputs(u: randoms(l * e), delta: randoms(l * e).map { 0.05 + abs($0) }, A: randoms(e * n).map { -0.2 - 2 * abs($0) },
                                        B: randoms(l * n), C: randoms(l * n), D: randoms(e), directionBs: randoms(5 * n, 0.5),
                                        tokens: l, inner: e, state: n)
            let seed = randoms(4 * l * e)
            let ref = SelectiveScan.backwardReference(x, orders: orders, enabled: enabled, dy: seed, threads: 1)
            for threads in [1, 2] {
                let g = SelectiveScan.backward(x, orders: orders, enabled: enabled, dy: seed, threads: threads)
                let what = "\(hh)×\(ww) E \(e) N \(n) threads \(threads)"
                assertClose(g.u, ref.u.map(Double.init), 1e-5, "\(what) du")
                assertClose(g.delta, ref.delta.map(Double.init), 1e-5, "\(what) dΔ")
                assertClose(g.B, ref.B.map(Double.init), 1e-5, "\(what) dB")
                assertClose(g.C, ref.C.map(Double.init), 1e-5, "\(what) dC")
                assertClose(g.D, ref.D.map(Double.init), 1e-5, "\(what) dD")
                assertClose(g.directionBs, ref.directionBs.map(Double.init), 1e-5, "\(what) d direction_Bs")
                XCTAssertEqual(g.u.count, l * e)
            }
        }
    }

    /// A disabled scan contributes nothing: its seed has no effect on any gradient.
    func testDisabledDirectionHasNoGradient() {
        let orders = ScanOrders(height: 2, width: 2)
        let l = 4, e = 3, n = 2
        let x = SelectiveScanInputs(u: randoms(l * e), delta: randoms(l * e).map { 0.1 + abs($0) }, A: randoms(e * n).map { -abs($0) - 0.1 },
                                    B: randoms(l * n), C: randoms(l * n), D: randoms(e), directionBs: randoms(5 * n), tokens: l, inner: e, state: n)
        var seed = [Float](repeating: 0, count: 4 * l * e)
        for i in (l * e)..<(2 * l * e) { seed[i] = 1 }                   // only scan 2 seeded
        let off = SelectiveScan.backward(x, orders: orders, enabled: [true, false, true, true], dy: seed, threads: 1)
        XCTAssertEqual(off.u.map(abs).max(), 0)
        let on = SelectiveScan.backward(x, orders: orders, dy: seed, threads: 1)
        XCTAssertGreaterThan(on.u.map(abs).max()!, 0)
    }
}
