/// The reverse of `Stem` and `Downsample`, with the forward's site names.
struct StemGradient: Sendable {
    let first: ConvBNGradient, second: ConvBNGradient

    init(_ stem: Stem, _ w: Weights) throws {
        first = ConvBNGradient(stem.first, weight: try w("patch_embed.0.weight"))
        second = ConvBNGradient(stem.second, weight: try w("patch_embed.3.weight"))
    }

    typealias Saved = (ConvBNGradient.Saved, ConvBNGradient.Saved)

    func forward(_ x: FeatureMap, _ tap: Tap) -> (FeatureMap, Saved) {
        let (h, s1) = first.forward(x, .relu, tap, convSite: "patch_embed.0", bnSite: "patch_embed.1", actSite: "patch_embed.2")
        let (o, s2) = second.forward(h, .relu, tap, convSite: "patch_embed.3", bnSite: "patch_embed.4", actSite: "patch_embed.5")
        tap.map("patch_embed", o)
        return (o, (s1, s2))
    }

    func backward(_ g: FeatureMap, _ s: Saved, _ tap: GradientTap) -> FeatureMap {
        var g = g
        tap.map("patch_embed", &g)
        let h = second.backward(g, s.1, .relu, tap, convSite: "patch_embed.3", bnSite: "patch_embed.4", actSite: "patch_embed.5")
        return first.backward(h, s.0, .relu, tap, convSite: "patch_embed.0", bnSite: "patch_embed.1", actSite: "patch_embed.2")
    }
}

struct DownsampleGradient: Sendable {
    let down: Downsample
    let proj: ConvBNGradient

    init(_ d: Downsample, _ w: Weights) throws {
        down = d
        proj = ConvBNGradient(d.proj, weight: try w("\(d.projSite).weight"))
    }

    func forward(_ x: FeatureMap, _ tap: Tap) -> (FeatureMap, ConvBNGradient.Saved) {
        let (h, s) = proj.forward(x, .none, tap, convSite: down.projSite, bnSite: down.normSite, actSite: nil)
        tap.map(down.name, h)
        return (h, s)
    }

    func backward(_ g: FeatureMap, _ s: ConvBNGradient.Saved, _ tap: GradientTap) -> FeatureMap {
        var g = g
        tap.map(down.name, &g)
        return proj.backward(g, s, .none, tap, convSite: down.projSite, bnSite: down.normSite, actSite: nil)
    }
}
