import Foundation
import VCEngine
import VCRender

/// Which attention weights set the colour range. A token's weight on itself dominates its row
/// (α self is often ten times the next source), so by default it is left out of the range and
/// drawn at the end of the scale; the legend says so. Switchable (`x` in the attention view).
public enum AttentionSelf: String, CaseIterable, Sendable {
    /// The range is taken over every read token but the query itself.
    case excluded
    /// The range is taken over every read token, the query included.
    case included

    public var next: AttentionSelf { self == .excluded ? .included : .excluded }

    /// The words on the legend.
    public var note: String { self == .excluded ? "own weight excluded from the range" : "own weight included" }

    /// `masked` (4, h, w) attention of the token `p` with the query's own weight in each scan
    /// replaced by `Heatmap.noValue` when excluded: the values the range is taken from (the
    /// drawn values keep it).
    public func rangeValues(_ masked: [Float], token p: Int) -> [Float] {
        guard self == .excluded else { return masked }
        let l = masked.count / 4
        var out = masked
        for d in 0..<4 where p < l { out[d * l + p] = Heatmap.noValue }
        return out
    }
}

/// Direction shares as differences from an even split: with four scans every share is near
/// 25 %, so a 0…1 scale is flat; points above or below 25 % on a diverging scale show which scan
/// carries a token ("+8 pt vs 25%").
public enum ShareDifference {
    /// The even share of one of the four scans.
    public static let even: Float = 0.25

    /// A share (0…1) as points (percent) above or below 25 %; NaN stays NaN.
    public static func points(_ share: Float) -> Float { (share - even) * 100 }

    public static func points(_ shares: [Float]) -> [Float] { shares.map(points) }

    /// "+8 pt vs 25%", "-3.5 pt vs 25%".
    public static func label(_ points: Float) -> String {
        let v = (points * 10).rounded() / 10
        let s = v == v.rounded() ? String(Int(v)) : String(format: "%.1f", Double(v))
        return (v > 0 ? "+" : "") + s + " pt vs 25%"
    }

    /// The colour bar's caption.
    public static let caption = "share − 25%, in points (diverging: 0 = even split)"
}
