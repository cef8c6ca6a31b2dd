/// An FFN block of stages 1–4 (official `FFN`): `x = x + layer_scale_2 * mlp(x)`.
struct FFNBlock: Sendable {
    let mlp: Mlp
    let layerScale: [Float]      // (C), stored as (C, 1, 1)
    let name: String

    init(_ w: Weights, prefix p: String) throws {
        mlp = try Mlp(w, prefix: "\(p).mlp")
        layerScale = try w("\(p).layer_scale_2").data
        name = p
    }

    func callAsFunction(_ x: FeatureMap, _ tap: Tap) -> FeatureMap {
        var out = x
        mlp.addInto(&out, from: x, gain: layerScale, tap)
        tap.map(name, out)
        return out
    }
}
