/// The effective receptive field as VMamba measures it: for each image, dL/d(input) with
/// L = Σ_c relu(site[:, centre]); the map is Σ_c |dL/dx| (H, W), summed over images, then shown as
/// a power or log of the mean (`ERFMap.display`).
public enum ERFMap {
    /// Σ_c |g[0, c, i, j]| for an input gradient g of shape (1, C, H, W); returns (H, W).
    public static func accumulate(_ g: Tensor) -> Tensor {
        let c = g.shape[1], h = g.shape[2], w = g.shape[3]
        var m = [Float](repeating: 0, count: h * w)
        for ch in 0..<c { for p in 0..<(h * w) { m[p] += abs(g.data[ch * h * w + p]) } }
        return Tensor(shape: [h, w], data: m)
    }
}
