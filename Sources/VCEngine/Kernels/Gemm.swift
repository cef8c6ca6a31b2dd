import CBLAS
import CKernels

/// C[M×N] = A[M×K] · B[N×K]ᵀ (+ C when `accumulate`), all row-major; OpenBLAS sgemm.
///
/// This is the shape of every 1×1 convolution and Linear layer in channels-last layout: A holds
/// tokens × input channels, B is the PyTorch weight (out × in) as stored.
///
/// With several engine threads a large product is cut into one block per thread: by rows of A
/// when there are more tokens than output channels, by rows of B (output channels) otherwise.
/// Each block is an independent single-threaded sgemm.
func gemmABt(_ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
             _ c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, n: Int, k: Int, accumulate: Bool = false,
             threads: Int = EngineThreads.current) {
    if m == 0 || n == 0 { return }
    let beta: Float = accumulate ? 1 : 0
    vck_tally_macs(m * n * k)
    let flops = Double(2 * m * n * k)
    guard threads > 1, Parallel.pays(flops) else {
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
                    1, a, Int32(lda), b, Int32(ldb), beta, c, Int32(ldc))
        return
    }
    nonisolated(unsafe) let a = a, b = b, c = c
    // OpenBLAS packs the whole B block (weights) on every call, so a split by rows makes every
    // thread pack all the weights; split by output channels when the weights are the larger
    // operand (stages 3 and 4: 196 or 49 tokens, 320-2048 channels; measured 1 ms of stage 3).
    if m >= 64 * threads && m >= n {
        Parallel.forEach(threads, threads: threads, flops: flops) { t in
            let r0 = m * t / threads, r1 = m * (t + 1) / threads
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(r1 - r0), Int32(n), Int32(k),
                        1, a + r0 * lda, Int32(lda), b, Int32(ldb), beta, c + r0 * ldc, Int32(ldc))
        }
    } else {
        Parallel.forEach(threads, threads: threads, flops: flops) { t in
            // Column blocks on 8-wide boundaries: 16 left 144 channels split 64/80 (one thread
            // idle a fifth of the time); the two threads share at most one cache line per row.
            let n0 = (n * t / threads + 4) & ~7, n1 = t == threads - 1 ? n : (n * (t + 1) / threads + 4) & ~7
            if n1 <= n0 { return }
            cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n1 - n0), Int32(k),
                        1, a, Int32(lda), b + n0 * ldb, Int32(ldb), beta, c + n0, Int32(ldc))
        }
    }
}

/// Reference for `gemmABt`: the plain triple loop, used by tests.
func gemmABtReference(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m { for j in 0..<n {
        var s: Float = 0
        for p in 0..<k { s += a[i * k + p] * b[j * k + p] }
        c[i * n + j] = s
    } }
    return c
}
