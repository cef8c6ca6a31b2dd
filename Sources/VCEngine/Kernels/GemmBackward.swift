import CBLAS

/// C[M×N] = A[M×K] · B[K×N] (+ C when `accumulate`), row-major: the product a reverse pass needs
/// to send a gradient back through a layer whose forward was A·Wᵀ (here B = W as stored, out × in).
/// Large products are split by rows of A over the engine's threads, each block one sgemm.
func gemmAB(_ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
            _ c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, n: Int, k: Int, accumulate: Bool = false) {
    if m == 0 || n == 0 { return }
    let beta: Float = accumulate ? 1 : 0
    let threads = EngineThreads.current
    nonisolated(unsafe) let a = a, b = b, c = c
    let parts = threads > 1 && m * n * k >= 2_000_000 && m >= 8 * threads ? threads : 1
    Parallel.forEach(parts, flops: 2 * Double(m) * Double(n) * Double(k)) { t in
        let r0 = m * t / parts, r1 = m * (t + 1) / parts
        cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasNoTrans, Int32(r1 - r0), Int32(n), Int32(k),
                    1, a + r0 * lda, Int32(lda), b, Int32(ldb), beta, c + r0 * ldc, Int32(ldc))
    }
}

/// Reference for `gemmAB`: the plain triple loop.
func gemmABReference(_ a: [Float], _ b: [Float], m: Int, n: Int, k: Int) -> [Float] {
    var c = [Float](repeating: 0, count: m * n)
    for i in 0..<m { for p in 0..<k { let x = a[i * k + p]; for j in 0..<n { c[i * n + j] += x * b[p * n + j] } } }
    return c
}
