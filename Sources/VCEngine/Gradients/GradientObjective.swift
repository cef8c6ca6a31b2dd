/// The scalar a reverse pass differentiates: L = f(activation at `site`), given by its value and
/// its gradient dL/d(site) at the forward's activation (in the site's PyTorch layout).
public struct GradientObjective: Sendable {
    public let site: String
    /// What L is, in words (written into sidecars).
    public let summary: String
    public let value: @Sendable (Tensor) -> Float
    public let seed: @Sendable (Tensor) -> Tensor
    /// Why the objective does not apply to an activation of this shape (nil when it does).
    public let problem: @Sendable (Tensor) -> String?

    public init(site: String, summary: String, value: @escaping @Sendable (Tensor) -> Float,
                seed: @escaping @Sendable (Tensor) -> Tensor, problem: @escaping @Sendable (Tensor) -> String? = { _ in nil }) {
        self.site = site; self.summary = summary; self.value = value; self.seed = seed; self.problem = problem
    }

    /// L = logits[k] (the eval output, (head + dist_head)/2).
    public static func logit(_ k: Int) -> GradientObjective {
        GradientObjective(site: "logits", summary: "logits[\(k)]", value: { $0.data[k] }, seed: { t in
            var s = Tensor(zeros: t.shape); s.data[k] = 1; return s
        }, problem: { t in k >= 0 && k < t.count ? nil : "class \(k) is out of range: the model has \(t.count) classes (0..<\(t.count))" })
    }

    /// L = Σ of one channel over a map site (1, C, H, W) or a token site (1, L, C).
    public static func channel(_ c: Int, at site: String) -> GradientObjective {
        GradientObjective(site: site, summary: "sum of channel \(c) of \(site)", value: { t in
            mask(t, channel: c).enumerated().reduce(0) { $0 + ($1.element ? t.data[$1.offset] : 0) }
        }, seed: { t in Tensor(shape: t.shape, data: mask(t, channel: c).map { $0 ? 1 : 0 }) }, problem: { t in
            let channels = t.shape.count == 4 ? t.shape[1] : t.shape.last!
            return c >= 0 && c < channels ? nil : "channel \(c) is out of range: \(site) has \(channels) channels"
        })
    }

    /// L = Σ over channels of one token (row i, column j) of a map site (1, C, H, W).
    public static func token(row i: Int, column j: Int, at site: String) -> GradientObjective {
        GradientObjective(site: site, summary: "sum over channels of token (\(i), \(j)) of \(site)", value: { t in
            mask(t, row: i, column: j).enumerated().reduce(0) { $0 + ($1.element ? t.data[$1.offset] : 0) }
        }, seed: { t in Tensor(shape: t.shape, data: mask(t, row: i, column: j).map { $0 ? 1 : 0 }) }, problem: { t in
            guard t.shape.count == 4 else { return "a token objective needs a (1, C, H, W) map site; \(site) has shape \(fmt(t.shape))" }
            return i >= 0 && i < t.shape[2] && j >= 0 && j < t.shape[3] ? nil : "token (\(i), \(j)) is outside \(site)'s \(t.shape[2])×\(t.shape[3]) grid"
        })
    }

    /// VMamba's ERF objective: L = Σ_c relu(site[0, c, H/2, W/2]) (integer halves, as `size // 2`).
    public static func centreReLU(at site: String) -> GradientObjective {
        let centre: @Sendable (Tensor) -> [Bool] = { t in mask(t, row: t.shape[2] / 2, column: t.shape[3] / 2) }
        return GradientObjective(site: site, summary: "sum over channels of relu(\(site)[:, H/2, W/2])", value: { t in
            centre(t).enumerated().reduce(0) { $0 + ($1.element ? max(t.data[$1.offset], 0) : 0) }
        }, seed: { t in Tensor(shape: t.shape, data: zip(centre(t), t.data).map { $0 && $1 > 0 ? 1 : 0 }) }, problem: { t in
            t.shape.count == 4 ? nil : "the ERF objective needs a (1, C, H, W) map site; \(site) has shape \(fmt(t.shape))"
        })
    }

    static func mask(_ t: Tensor, channel c: Int) -> [Bool] {
        var m = [Bool](repeating: false, count: t.count)
        if t.shape.count == 4 {
            let hw = t.shape[2] * t.shape[3]
            for p in 0..<hw { m[c * hw + p] = true }
        } else {
            let ch = t.shape.last!
            for p in 0..<(t.count / ch) { m[p * ch + c] = true }
        }
        return m
    }

    static func mask(_ t: Tensor, row i: Int, column j: Int) -> [Bool] {
        var m = [Bool](repeating: false, count: t.count)
        let c = t.shape[1], h = t.shape[2], w = t.shape[3]
        for ch in 0..<c { m[(ch * h + i) * w + j] = true }
        return m
    }
}
