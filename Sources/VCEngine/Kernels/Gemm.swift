import CBLAS

/// C[M×N] = A[M×K] · B[N×K]ᵀ (+ C when `accumulate`), all row-major; OpenBLAS sgemm.
///
/// This is the shape of every 1×1 convolution and Linear layer in channels-last layout: A holds
/// tokens × input channels, B is the PyTorch weight (out × in) as stored.
@inline(__always)
func gemmABt(_ a: UnsafePointer<Float>, lda: Int, _ b: UnsafePointer<Float>, ldb: Int,
             _ c: UnsafeMutablePointer<Float>, ldc: Int, m: Int, n: Int, k: Int, accumulate: Bool = false) {
    if m == 0 || n == 0 { return }
    cblas_sgemm(CblasRowMajor, CblasNoTrans, CblasTrans, Int32(m), Int32(n), Int32(k),
                1, a, Int32(lda), b, Int32(ldb), accumulate ? 1 : 0, c, Int32(ldc))
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
