import VCTensor

/// How values that have no place on a colour scale are drawn: NaN, +∞ and −∞ each in a colour
/// of its own (none of them in any colormap, so they never read as a value), with a glyph for
/// terminals without colour. Scales and colour bars are taken over the finite values only.
///
/// "No value" (padding of a flat map, a token a scan has not read yet) is something else: it is
/// `Heatmap.noValue` and is drawn in the view's neutral background.
public enum Marked: Sendable, CaseIterable {
    case nan, posInf, negInf

    /// Which mark a value gets; nil for finite values and for `Heatmap.noValue`.
    @inlinable public static func of(_ v: Float) -> Marked? {
        if v.isFinite { return nil }
        if v.isNaN { return Heatmap.isNoValue(v) ? nil : .nan }
        return v > 0 ? .posInf : .negInf
    }

    /// Saturated colours that no colormap contains (checked by the tests): magenta for NaN, lime
    /// for +∞, cyan for −∞.
    public var color: RGB8 {
        switch self {
        case .nan: return RGB8(255, 0, 255)
        case .posInf: return RGB8(0, 255, 0)
        case .negInf: return RGB8(0, 255, 255)
        }
    }

    /// The terminal glyph of a marked cell (drawn in every colour depth, so monochrome shows it too).
    public var glyph: Unicode.Scalar {
        switch self {
        case .nan: return "×"
        case .posInf: return "+"
        case .negInf: return "−"
        }
    }

    public var label: String {
        switch self {
        case .nan: return "NaN"
        case .posInf: return "+inf"
        case .negInf: return "-inf"
        }
    }

    /// How many values of `count` carry this mark.
    public func count(in c: NonFiniteCount) -> Int {
        switch self {
        case .nan: return c.nan
        case .posInf: return c.posInf
        case .negInf: return c.negInf
        }
    }
}

extension Marked {
    /// The non-finite values of an activation among `values`, padding (`Heatmap.noValue`) not counted.
    public static func count(_ values: [Float]) -> NonFiniteCount {
        var c = NonFiniteCount()
        for v in values where !v.isFinite {
            switch Marked.of(v) {
            case .nan?: c.nan += 1
            case .posInf?: c.posInf += 1
            case .negInf?: c.negInf += 1
            case nil: break
            }
        }
        return c
    }
}
