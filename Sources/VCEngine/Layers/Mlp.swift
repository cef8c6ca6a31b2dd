/// The convolutional MLP shared by FFN blocks and Mamba layers (official `Mlp(mid_conv=True)`):
///
///     x = act(norm1(fc1(x)))          # 1×1 conv C → Hd, BN, GELU   (sites mlp.fc1, mlp.norm1, mlp.act.0)
///     x = act(mid_norm(mid(x)))       # 3×3 depthwise, BN, GELU     (mlp.mid, mlp.mid_norm, mlp.act.1)
///     x = norm2(fc2(x))               # 1×1 conv Hd → C, BN         (mlp.fc2, mlp.norm2, mlp)
///
/// The same GELU module runs twice, so its two calls get the sites `mlp.act.0` and `mlp.act.1`.
struct Mlp: Sendable {
    let fc1: DenseConv, norm1: BatchNorm
    let mid: DepthwiseConv, midNorm: BatchNorm
    let fc2: DenseConv, norm2: BatchNorm
    let site: Sites

    struct Sites: Sendable {
        let fc1, norm1, act0, mid, midNorm, act1, fc2, norm2, out: String
        init(_ p: String) {
            fc1 = "\(p).fc1"; norm1 = "\(p).norm1"; act0 = "\(p).act.0"
            mid = "\(p).mid"; midNorm = "\(p).mid_norm"; act1 = "\(p).act.1"
            fc2 = "\(p).fc2"; norm2 = "\(p).norm2"; out = p
        }
    }

    init(_ w: Weights, prefix p: String) throws {
        fc1 = try w.conv("\(p).fc1"); norm1 = try w.batchNorm("\(p).norm1")
        mid = DepthwiseConv(weight: try w("\(p).mid.weight"), bias: w.optional("\(p).mid.bias"))
        midNorm = try w.batchNorm("\(p).mid_norm")
        fc2 = try w.conv("\(p).fc2"); norm2 = try w.batchNorm("\(p).norm2")
        site = Sites(p)
    }

    func callAsFunction(_ x: FeatureMap, _ tap: Tap) -> FeatureMap {
        var h = fc1(x)                                   // (L, Hd)
        tap.map(site.fc1, h)
        norm1.apply(&h)
        tap.map(site.norm1, h)
        Activation.gelu(&h.data)
        tap.map(site.act0, h)
        var m = mid(h)                                   // (L, Hd)
        tap.map(site.mid, m)
        midNorm.apply(&m)
        tap.map(site.midNorm, m)
        Activation.gelu(&m.data)
        tap.map(site.act1, m)
        var o = fc2(m)                                   // (L, C)
        tap.map(site.fc2, o)
        norm2.apply(&o)
        tap.map(site.norm2, o)
        tap.map(site.out, o)
        return o
    }
}
