import XCTest
import CKernels
@testable import VCEngine

/// Weights packed at load and multiplied by OpenBLAS's kernel (`GemmWeight`, `CKernels/packed_gemm.c`).
final class GemmWeightTests: XCTestCase {
    /// On a CPU with AVX2 or AVX-512 the packed path must be the one in use (it passed its
    /// self-check); elsewhere the engine stays on cblas_sgemm and says so.
    func testPackedPathIsInUseWhereTheCPUHasIt() throws {
        let cpuinfo = try String(contentsOfFile: "/proc/cpuinfo", encoding: .utf8)
        let flags = Set((cpuinfo.split(separator: "\n").first { $0.hasPrefix("flags") } ?? "").split(separator: " ").map(String.init))
        let w = GemmWeight([Float](repeating: 1, count: 12), outputs: 3, inputs: 4, oneDNN: false, engineKernel: false)
        if flags.contains("avx2") && flags.contains("fma") {
            XCTAssertEqual(vck_packed_available(), 1)
            XCTAssertTrue(w.isPacked)
            let avx512 = flags.contains("avx512f") && flags.contains("avx512bw") && flags.contains("avx512dq") && flags.contains("avx512vl")
            let family = avx512 ? "SKYLAKEX" : "HASWELL"
            // The engine's default is its own kernel (AVX2 or AVX-512); the suite also runs with
            // VCVIEW_GEMM=onednn and openblas (scripts/test), and without oneDNN the packed path
            // names why.
            let packed = "OpenBLAS \(family) kernel, weights packed at load"
            XCTAssertEqual(GemmWeight.wantsEngineKernel, [nil, "engine"].contains(GemmWeight.requested))
            if GemmWeight.wantsEngineKernel {
                let name = vck_avx512_build() != 0 ? "AVX-512" : "AVX2"   // what the kernels were compiled for
                XCTAssertTrue(EngineGemm.backend.hasPrefix("the engine's \(name) kernel, weights packed at load"), EngineGemm.backend)
                XCTAssertTrue(GemmWeight([Float](repeating: 1, count: 12), outputs: 3, inputs: 4).isEngineKernel)
            } else if !GemmWeight.wantsOneDNN {
                XCTAssertEqual(EngineGemm.backend, "\(packed) (VCVIEW_GEMM=openblas)")
            } else if vck_onednn_available() == 0 {
                XCTAssertTrue(EngineGemm.backend.hasPrefix("\(packed) (oneDNN: "), EngineGemm.backend)
            } else {
                XCTAssertTrue(EngineGemm.backend.hasPrefix("oneDNN matmul ("), EngineGemm.backend)
            }
        } else {
            XCTAssertFalse(w.isPacked)
            XCTAssertTrue(EngineGemm.backend.hasPrefix("cblas_sgemm"), EngineGemm.backend)
        }
    }

    /// Tails in every dimension, K over one and several passes (512 deep), tokens over several
    /// chunks, a leading dimension wider than K, overwrite and accumulate, one and two threads
    /// (split by tokens and by weight panels): all equal the triple loop.
    func testProductsEqualTheTripleLoop() {
        checkProductsEqualTheTripleLoop(oneDNN: false, engineKernel: false)
    }

    /// The engine's own kernel (`CKernels/engine_gemm.c`, the default where it is built: AVX2 or
    /// AVX-512): the triple loop's products, the packed path's epilogues, and for every output
    /// exactly the bits of one chain of fused multiply-adds over k in order from zero — so the same
    /// bits for a token wherever it falls in a call (cut at tile and panel tails, one token at a
    /// time), which OpenBLAS's HASWELL kernel and oneDNN's AVX2 products do not give, and the same
    /// on an AVX2 machine as on an AVX-512 one. Rows of X 4 KB apart (lda 1024) take the path that
    /// packs the tokens first.
    func testEngineKernelProductsAreFMAChainsAndKeepTheirBitsAnywhere() throws {
        guard vck_egemm_available() != 0 else { throw XCTSkip("the engine's kernel is built for AVX2 + FMA or AVX-512 machines") }
        checkProductsEqualTheTripleLoop(oneDNN: false, engineKernel: true)
        for (m, n, k, lda) in [(61, 50, 97, 97), (33, 70, 1000, 1024), (31, 40, 2048, 2048)] {
            let a = SeededWeights.uniforms(seed: 6, key: "a\(k)", count: m * lda).map { 2 * $0 - 1 }
            let b = SeededWeights.uniforms(seed: 6, key: "b\(k)", count: n * k).map { $0 - 0.5 }
            let scale = SeededWeights.uniforms(seed: 6, key: "s", count: n), shift = SeededWeights.uniforms(seed: 6, key: "t", count: n)
            let w = GemmWeight(b, outputs: n, inputs: k, oneDNN: false, engineKernel: true)
            let packed = GemmWeight(b, outputs: n, inputs: k, oneDNN: false, engineKernel: false)
            XCTAssertTrue(w.isEngineKernel)
            func product(_ w: GemmWeight, rows: Range<Int>, into c: inout [Float], epilogue: GemmEpilogue? = nil) {
                a.withUnsafeBufferPointer { ap in c.withUnsafeMutableBufferPointer { cp in
                    w.product(ap.baseAddress! + rows.lowerBound * lda, lda: lda, cp.baseAddress! + rows.lowerBound * n, ldc: n,
                              rows: rows.count, epilogue: epilogue, threads: 1)
                } }
            }
            var whole = [Float](repeating: .nan, count: m * n)
            product(w, rows: 0..<m, into: &whole)
            var chains = whole
            for i in 0..<m { for j in 0..<n {
                var acc: Float = 0
                for kk in 0..<k { acc = acc.addingProduct(a[i * lda + kk], b[j * k + kk]) }
                chains[i * n + j] = acc
            } }
            XCTAssertTrue(whole.elementsEqual(chains, by: { $0.bitPattern == $1.bitPattern }), "\(m)×\(n)×\(k): not the FMA chains")
            for cuts in [[1], [5, 6], [7, 13, 30], Array(1..<m)] {
                var pieces = [Float](repeating: .nan, count: m * n)
                for (lo, hi) in zip([0] + cuts, cuts + [m]) { product(w, rows: lo..<hi, into: &pieces) }
                XCTAssertTrue(pieces.elementsEqual(whole, by: { $0.bitPattern == $1.bitPattern }), "\(m)×\(n)×\(k) cut at \(cuts.prefix(3))")
            }
            let gelu = GemmEpilogue(scale: scale, shift: shift, act: .gelu)
            var mine = [Float](repeating: .nan, count: m * n), theirs = mine
            product(w, rows: 0..<m, into: &mine, epilogue: gelu)
            product(packed, rows: 0..<m, into: &theirs, epilogue: gelu)
            XCTAssertLessThan(Tensor(shape: [m, n], data: mine).relativeError(to: Tensor(shape: [m, n], data: theirs)), 1e-5)
        }
    }

    /// oneDNN's path (`CKernels/onednn_gemm.c`, the engine's default where the library is
    /// installed): it must then pass its self-check, and give the triple loop's products (the
    /// same shapes, accumulate, threads) and the packed path's epilogues.
    func testOneDNNProductsEqualTheTripleLoop() throws {
        guard FileManager.default.fileExists(atPath: "/usr/lib/x86_64-linux-gnu/libdnnl.so.2") else {
            throw XCTSkip("libdnnl.so.2 is not installed (scripts/setup installs libdnnl-dev)")
        }
        XCTAssertEqual(vck_onednn_available(), 1, String(cString: vck_onednn_status()))
        XCTAssertTrue(GemmWeight([Float](repeating: 1, count: 12), outputs: 3, inputs: 4, oneDNN: true).isOneDNN)
        checkProductsEqualTheTripleLoop(oneDNN: true, engineKernel: false)
        // Epilogues (BN + GELU in place; BN × gain added into a residual) as the packed path applies them.
        let saved = EngineThreads.current
        defer { EngineThreads.set(saved) }
        for threads in [1, 2] {
            EngineThreads.set(threads)
            for (m, n, k) in [(196, 320, 128), (450, 64, 256), (49, 600, 33)] {
                let a = SeededWeights.uniforms(seed: 5, key: "a\(m)", count: m * k)
                let b = SeededWeights.uniforms(seed: 5, key: "b\(n)", count: n * k)
                let scale = SeededWeights.uniforms(seed: 5, key: "s", count: n), shift = SeededWeights.uniforms(seed: 5, key: "t", count: n)
                let gain = SeededWeights.uniforms(seed: 5, key: "g", count: n)
                let residual0 = SeededWeights.uniforms(seed: 5, key: "r", count: m * n)
                func run(_ w: GemmWeight) -> (gelu: [Float], residual: [Float]) {
                    var c = [Float](repeating: .nan, count: m * n), raw = [Float](repeating: .nan, count: m * n), r = residual0
                    a.withUnsafeBufferPointer { ap in c.withUnsafeMutableBufferPointer { cp in
                        w.product(ap.baseAddress!, lda: k, cp.baseAddress!, ldc: n, rows: m, epilogue: GemmEpilogue(scale: scale, shift: shift, act: .gelu))
                    } }
                    a.withUnsafeBufferPointer { ap in raw.withUnsafeMutableBufferPointer { cp in r.withUnsafeMutableBufferPointer { rp in
                        w.product(ap.baseAddress!, lda: k, cp.baseAddress!, ldc: n, rows: m,
                                  epilogue: GemmEpilogue(scale: scale, shift: shift, residual: rp.baseAddress!, ldr: n, gain: gain))
                    } } }
                    return (c, r)
                }
                let want = run(GemmWeight(b, outputs: n, inputs: k, oneDNN: false, engineKernel: false)), got = run(GemmWeight(b, outputs: n, inputs: k, oneDNN: true))
                for (x, y, what) in [(got.gelu, want.gelu, "BN + GELU"), (got.residual, want.residual, "residual")] {
                    let err = Tensor(shape: [m, n], data: x).relativeError(to: Tensor(shape: [m, n], data: y))
                    XCTAssertLessThan(err, 1e-5, "\(what), \(m)×\(n)×\(k), \(threads) threads")
                }
            }
        }
    }

    private func checkProductsEqualTheTripleLoop(oneDNN: Bool, engineKernel: Bool) {
        let saved = EngineThreads.current
        defer { EngineThreads.set(saved) }
        let shapes = [(1, 1, 1), (7, 5, 9), (49, 2048, 80), (49, 200, 1100), (196, 320, 1280), (700, 64, 256), (3, 17, 600)]
        for threads in [1, 2] {
            EngineThreads.set(threads)
            for (m, n, k) in shapes {
                let lda = k + 3
                let a = SeededWeights.uniforms(seed: 3, key: "a\(m)x\(k)", count: m * lda)
                let b = SeededWeights.uniforms(seed: 3, key: "b\(n)x\(k)", count: n * k)
                let dense = (0..<m).flatMap { i in a[(i * lda)..<(i * lda + k)] }
                let ref = gemmABtReference(dense, b, m: m, n: n, k: k)
                let w = GemmWeight(b, outputs: n, inputs: k, oneDNN: oneDNN, engineKernel: engineKernel)
                XCTAssertEqual(w.isOneDNN, oneDNN)
                XCTAssertEqual(w.isEngineKernel, engineKernel)
                for accumulate in [false, true] {
                    var c = [Float](repeating: accumulate ? 1 : .nan, count: m * n)
                    a.withUnsafeBufferPointer { ap in c.withUnsafeMutableBufferPointer { cp in
                        w.product(ap.baseAddress!, lda: lda, cp.baseAddress!, ldc: n, rows: m, accumulate: accumulate)
                    } }
                    let expected = accumulate ? ref.map { $0 + 1 } : ref
                    let err = Tensor(shape: [m, n], data: c).relativeError(to: Tensor(shape: [m, n], data: expected))
                    XCTAssertLessThan(err, 1e-5, "\(m)×\(n)×\(k), \(threads) threads, accumulate \(accumulate), oneDNN \(oneDNN), engine kernel \(engineKernel)")
                }
            }
        }
    }

    /// A product writes only its own columns of a wider C (the x_proj output feeds dt_proj with a
    /// leading dimension of R + 2N), and leaves the rest alone.
    func testProductLeavesOtherColumnsOfCAlone() {
        let m = 30, n = 20, k = 40, ldc = 27
        let a = SeededWeights.uniforms(seed: 4, key: "a", count: m * k), b = SeededWeights.uniforms(seed: 4, key: "b", count: n * k)
        let ref = gemmABtReference(a, b, m: m, n: n, k: k)
        var c = [Float](repeating: 42, count: m * ldc)
        a.withUnsafeBufferPointer { ap in c.withUnsafeMutableBufferPointer { cp in
            GemmWeight(b, outputs: n, inputs: k).product(ap.baseAddress!, lda: k, cp.baseAddress!, ldc: ldc, rows: m)
        } }
        for i in 0..<m {
            for j in 0..<n { XCTAssertEqual(c[i * ldc + j], ref[i * n + j], accuracy: 1e-5) }
            for j in n..<ldc { XCTAssertEqual(c[i * ldc + j], 42, "row \(i) column \(j)") }
        }
    }
}
