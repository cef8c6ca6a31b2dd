import Glibc

/// Elementwise activations, in place over a whole buffer.
enum Activation {
    /// GELU, exact erf form (torch.nn.GELU default): x · ½(1 + erf(x/√2)). Vectorised; see
    /// `geluReference` for the libm version it is tested against.
    static func gelu(_ d: inout [Float]) {
        let n = d.count
        d.withUnsafeMutableBufferPointer { VectorMath.gelu($0.baseAddress!, n) }
    }

    static func geluReference(_ x: Float) -> Float { 0.5 * x * (1 + erff(x * 0.70710678118654752)) }

    /// SiLU: x · sigmoid(x). Vectorised; `siluReference` is the libm version.
    static func silu(_ d: inout [Float]) {
        let n = d.count
        d.withUnsafeMutableBufferPointer { VectorMath.silu($0.baseAddress!, n) }
    }

    static func siluReference(_ x: Float) -> Float { x / (1 + expf(-x)) }

    static func relu(_ d: inout [Float]) {
        d.withUnsafeMutableBufferPointer { p in for i in 0..<p.count { p[i] = max(p[i], 0) } }
    }

    /// softplus with PyTorch's threshold: x when x > 20, else log1p(exp(x)).
    @inline(__always)
    static func softplus(_ x: Float) -> Float { x > 20 ? x : log1pf(expf(x)) }
}
