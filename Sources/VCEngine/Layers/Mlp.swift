import CKernels

/// The convolutional MLP shared by FFN blocks and Mamba layers (official `Mlp(mid_conv=True)`):
///
///     x = act(norm1(fc1(x)))          # 1×1 conv C → Hd, BN, GELU   (sites mlp.fc1, mlp.norm1, mlp.act.0)
///     x = act(mid_norm(mid(x)))       # 3×3 depthwise, BN, GELU     (mlp.mid, mlp.mid_norm, mlp.act.1)
///     x = norm2(fc2(x))               # 1×1 conv Hd → C, BN         (mlp.fc2, mlp.norm2, mlp)
///
/// The same GELU module runs twice, so its two calls get the sites `mlp.act.0` and `mlp.act.1`.
/// Each conv→BN→GELU runs as the raw convolution plus one fused epilogue; the MLP's output is
/// added straight into the residual stream (`addInto`).
struct Mlp: Sendable {
    let fc1: ConvBN
    let mid: DepthwiseConv, midNorm: BatchNorm
    let fc2: ConvBN
    let site: Sites

    struct Sites: Sendable {
        let fc1, norm1, act0, mid, midNorm, act1, fc2, norm2, out: String
        init(_ p: String) {
            fc1 = "\(p).fc1"; norm1 = "\(p).norm1"; act0 = "\(p).act.0"
            mid = "\(p).mid"; midNorm = "\(p).mid_norm"; act1 = "\(p).act.1"
            fc2 = "\(p).fc2"; norm2 = "\(p).norm2"; out = p
            all = [fc1, norm1, act0, mid, midNorm, act1, fc2, norm2, out]
        }
        /// Every site above, built once (checked on every forward pass).
        let all: [String]
    }

    init(_ w: Weights, prefix p: String) throws {
        fc1 = ConvBN(try w.conv("\(p).fc1"), try w.batchNorm("\(p).norm1"))
        mid = DepthwiseConv(weight: try w("\(p).mid.weight"), bias: w.optional("\(p).mid.bias"))
        midNorm = try w.batchNorm("\(p).mid_norm")
        fc2 = ConvBN(try w.conv("\(p).fc2"), try w.batchNorm("\(p).norm2"))
        site = Sites(p)
    }

    /// The hidden activation after the second GELU, (L, Hd).
    func hidden(_ x: FeatureMap, _ tap: Tap) -> FeatureMap {
        vck_tally_gelu(2 * x.tokens * fc1.conv.outChannels)      // act.0 and act.1
        let h = fc1(x, .gelu, tap, convSite: site.fc1, bnSite: site.norm1, actSite: site.act0)
        if tap.wants(site.mid) || tap.wants(site.midNorm) {
            var m = mid(h)
            tap.map(site.mid, m)
            midNorm.apply(&m)
            tap.map(site.midNorm, m)
            Activation.gelu(&m.data)
            tap.map(site.act1, m)
            return m
        }
        let m = mid(h, epilogue: (midNorm.scale, midNorm.shift, .gelu))
        tap.map(site.act1, m)
        return m
    }

    /// residual += gain ⊙ mlp(input): fc2's product with BN and the (optional) layer scale applied
    /// while adding into the residual stream, inside the product's tiles unless an observer wants
    /// fc2's, norm2's or the MLP's own output (then from the kept accumulator, as its own pass).
    /// On large maps with no observer of the MLP's own sites, band by band (`addIntoByBands`).
    func addInto(_ residual: inout FeatureMap, from input: FeatureMap, gain: [Float]?, _ tap: Tap) {
        if bandsPay(height: input.height, width: input.width) && !site.all.contains(where: { tap.wants($0) }) {
            addIntoByBands(&residual, from: input, gain: gain)
        } else {
            addIntoByLayers(&residual, from: input, gain: gain, tap)
        }
    }

    func addIntoByLayers(_ residual: inout FeatureMap, from input: FeatureMap, gain: [Float]?, _ tap: Tap) {
        let h = hidden(input, tap)
        let c = residual.channels
        let epilogue = { (x: UnsafeMutablePointer<Float>) in
            GemmEpilogue(scale: fc2.bn.scale, shift: fc2.shift, residual: x, ldr: c, gain: gain)
        }
        if !tap.wants(site.fc2) && !tap.wants(site.norm2) && !tap.wants(site.out) {
            residual.data.withUnsafeMutableBufferPointer { x in _ = fc2.conv.raw(h, epilogue: epilogue(x.baseAddress!)) }
            return
        }
        var acc = fc2.conv.raw(h)                                    // (L, C)
        tap.map(site.fc2, acc, shift: fc2.conv.bias)
        tap.map(site.norm2, acc, scale: fc2.bn.scale, shift: fc2.shift)
        tap.map(site.out, acc, scale: fc2.bn.scale, shift: fc2.shift)
        let rows = acc.tokens
        residual.data.withUnsafeMutableBufferPointer { x in acc.data.withUnsafeMutableBufferPointer { a in
            epilogue(x.baseAddress!).applySeparately(a.baseAddress!, ldc: c, rows: rows, channels: c)
        } }
    }
}
