/// The convolutional stem (official `stem`, `patch_embed`): two Conv3×3/2 → BN → ReLU.
struct Stem: Sendable {
    let first: ConvBN, second: ConvBN

    init(_ w: Weights) throws {
        first = ConvBN(try w.conv("patch_embed.0", stride: 2, padding: 1), try w.batchNorm("patch_embed.1"))
        second = ConvBN(try w.conv("patch_embed.3", stride: 2, padding: 1), try w.batchNorm("patch_embed.4"))
    }

    func callAsFunction(_ x: FeatureMap, _ tap: Tap) -> FeatureMap {
        let h = first(x, .relu, tap, convSite: "patch_embed.0", bnSite: "patch_embed.1", actSite: "patch_embed.2")   // (H/2, W/2, C1/2)
        let o = second(h, .relu, tap, convSite: "patch_embed.3", bnSite: "patch_embed.4", actSite: "patch_embed.5")  // (H/4, W/4, C1)
        tap.map("patch_embed", o)
        return o
    }
}

/// A downsampling between stages (official `Embedding`, `network.{1,3,5}`): Conv3×3/2 → BN.
struct Downsample: Sendable {
    let proj: ConvBN
    let name: String, projSite: String, normSite: String

    init(_ w: Weights, prefix p: String) throws {
        proj = ConvBN(try w.conv("\(p).proj", stride: 2, padding: 1), try w.batchNorm("\(p).norm"))
        name = p; projSite = "\(p).proj"; normSite = "\(p).norm"
    }

    func callAsFunction(_ x: FeatureMap, _ tap: Tap) -> FeatureMap {
        let h = proj(x, .none, tap, convSite: projSite, bnSite: normSite, actSite: nil)   // (h/2, w/2, C')
        tap.map(name, h)
        return h
    }
}
