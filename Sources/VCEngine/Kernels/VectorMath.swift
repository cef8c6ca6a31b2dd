import CKernels

/// Vectorised exp, GELU, SiLU and softplus over float buffers.
///
/// libm's scalar `erff`/`expf` cost ~10 ns each, and a VCMamba-B forward evaluates GELU on ~15 M
/// values. The polynomial versions live in C (`Sources/CKernels/vmath.h`): written in Swift with
/// `SIMD16<Float>` they compiled to separate multiplies and adds (Swift does not fuse them) and
/// to out-of-line calls that passed each vector in four pieces, 1.2 ns per GELU value; in C with
/// clang's vector extensions they are inlined fused multiply-adds on 512-bit registers. They are
/// tested against the libm references in `Activation` (within a few float ulps, far below the
/// 1e-4 parity tolerance).
enum VectorMath {
    /// GELU (erf form) in place.
    static func gelu(_ p: UnsafeMutablePointer<Float>, _ count: Int) { vck_gelu(p, count) }

    /// SiLU x·sigmoid(x) in place.
    static func silu(_ p: UnsafeMutablePointer<Float>, _ count: Int) { vck_silu(p, count) }

    /// exp in place.
    static func exp(_ p: UnsafeMutablePointer<Float>, _ count: Int) { vck_exp(p, count) }

    /// softplus (PyTorch's, threshold 20) in place.
    static func softplus(_ p: UnsafeMutablePointer<Float>, _ count: Int) { vck_softplus(p, count) }
}
