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
        let m = mlp(x, tap)
        var out = x
        let c = x.channels
        layerScale.withUnsafeBufferPointer { s in m.data.withUnsafeBufferPointer { md in out.data.withUnsafeMutableBufferPointer { o in
            for p in 0..<x.tokens { for ch in 0..<c { o[p * c + ch] += s[ch] * md[p * c + ch] } }
        } } }
        tap.map(name, out)
        return out
    }
}
