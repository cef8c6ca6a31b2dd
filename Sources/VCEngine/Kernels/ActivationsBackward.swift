import CKernels
import Glibc

/// Derivatives of the engine's activations, for the reverse pass: each takes the saved value the
/// forward produced (the pre-activation, or for ReLU the output) and multiplies the incoming
/// gradient in place. The scalar `…Derivative` functions are the readable references the tests
/// check against central differences; the buffer loops are those same formulas.
enum ActivationGradient {
    /// d/dx [x·Φ(x)] = Φ(x) + x·φ(x), Φ(x) = ½(1 + erf(x/√2)), φ(x) = e^(−x²/2)/√(2π) (exact GELU).
    static func geluDerivative(_ x: Float) -> Float {
        0.5 * (1 + erff(x * 0.70710678118654752)) + x * 0.39894228040143268 * expf(-0.5 * x * x)
    }

    /// d/dx [x·σ(x)] = σ(x)·(1 + x·(1 − σ(x))).
    static func siluDerivative(_ x: Float) -> Float {
        let s = 1 / (1 + expf(-x))
        return s * (1 + x * (1 - s))
    }

    /// PyTorch's softplus with threshold 20: x above 20 (derivative 1), else log1p(eˣ) (σ(x)).
    static func softplusDerivative(_ x: Float) -> Float { x > 20 ? 1 : 1 / (1 + expf(-x)) }

    /// g ⊙ gelu′(x) by `vck_gelu_backward` (C, one pass): Φ(x) from the forward's vectorised erf
    /// and φ(x) from its exp. libm's erff and expf per value were a sixth of a VCMamba-B gradient
    /// pass; a Swift loop around vck_gelu and vck_exp (Φ = gelu(x)/x) still took two scratch
    /// buffers and four passes. Tested against `geluDerivative`.
    static func geluFast(_ pre: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ n: Int) {
        if n > 0 { vck_gelu_backward(pre, g, n) }
    }

    /// The activations a reverse pass meets: the epilogue ones and Δ's softplus.
    enum Kind { case none, relu, gelu, silu, softplus }

    /// g ⊙ act′(pre), in place on g. `pre` is the activation's input.
    static func apply(_ act: Kind, pre: UnsafePointer<Float>, _ g: UnsafeMutablePointer<Float>, _ count: Int) {
        nonisolated(unsafe) let pre = pre, g = g
        Parallel.rows(count, flops: Double(count) * 8) { r in
            switch act {
            case .none: break
            case .relu: for i in r where pre[i] <= 0 { g[i] = 0 }
            case .gelu: geluFast(pre + r.lowerBound, g + r.lowerBound, r.count)
            case .silu: for i in r { g[i] *= siluDerivative(pre[i]) }
            case .softplus: for i in r { g[i] *= softplusDerivative(pre[i]) }
            }
        }
    }

    static func apply(_ act: Kind, pre: [Float], _ g: inout [Float]) {
        precondition(pre.count == g.count)
        let n = g.count
        pre.withUnsafeBufferPointer { p in g.withUnsafeMutableBufferPointer { apply(act, pre: p.baseAddress!, $0.baseAddress!, n) } }
    }
}

extension ActivationGradient.Kind {
    init(_ a: EpilogueActivation) {
        switch a {
        case .none: self = .none
        case .relu: self = .relu
        case .gelu: self = .gelu
        case .silu: self = .silu
        }
    }
}
