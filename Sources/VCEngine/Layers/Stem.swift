/// The convolutional stem (official `stem`, `patch_embed`): two Conv3×3/2 → BN → ReLU.
struct Stem: Sendable {
    let conv0: DenseConv, bn1: BatchNorm, conv3: DenseConv, bn4: BatchNorm

    init(_ w: Weights) throws {
        conv0 = try w.conv("patch_embed.0", stride: 2, padding: 1)
        bn1 = try w.batchNorm("patch_embed.1")
        conv3 = try w.conv("patch_embed.3", stride: 2, padding: 1)
        bn4 = try w.batchNorm("patch_embed.4")
    }

    func callAsFunction(_ x: FeatureMap, _ tap: Tap) -> FeatureMap {
        var h = conv0(x)                                 // (H/2, W/2, C1/2)
        tap.map("patch_embed.0", h)
        bn1.apply(&h)
        tap.map("patch_embed.1", h)
        Activation.relu(&h.data)
        tap.map("patch_embed.2", h)
        var o = conv3(h)                                 // (H/4, W/4, C1)
        tap.map("patch_embed.3", o)
        bn4.apply(&o)
        tap.map("patch_embed.4", o)
        Activation.relu(&o.data)
        tap.map("patch_embed.5", o)
        tap.map("patch_embed", o)
        return o
    }
}

/// A downsampling between stages (official `Embedding`, `network.{1,3,5}`): Conv3×3/2 → BN.
struct Downsample: Sendable {
    let proj: DenseConv, norm: BatchNorm
    let name: String, projSite: String, normSite: String

    init(_ w: Weights, prefix p: String) throws {
        proj = try w.conv("\(p).proj", stride: 2, padding: 1)
        norm = try w.batchNorm("\(p).norm")
        name = p; projSite = "\(p).proj"; normSite = "\(p).norm"
    }

    func callAsFunction(_ x: FeatureMap, _ tap: Tap) -> FeatureMap {
        var h = proj(x)                                  // (h/2, w/2, C')
        tap.map(projSite, h)
        norm.apply(&h)
        tap.map(normSite, h)
        tap.map(name, h)
        return h
    }
}
