import VCRender

/// The class activation map blended over the picture.
public enum Overlay {
    /// The map's opacity: 141/256 ≈ 55 %, in integer arithmetic so screen and PNG agree exactly.
    public static let alpha = 141

    /// "55%", for labels.
    public static var percent: String { "\(Int((Double(alpha) / 256 * 100).rounded()))%" }

    /// `color` over `under`: (c·α + u·(256 − α) + 128) / 256 per channel, as `Canvas.drawHeatmap`
    /// blends with `alpha`.
    public static func blend(_ color: RGB8, over under: RGB8) -> RGB8 {
        RGB8(Canvas.mix(color.r, under.r, alpha), Canvas.mix(color.g, under.g, alpha), Canvas.mix(color.b, under.b, alpha))
    }
}
