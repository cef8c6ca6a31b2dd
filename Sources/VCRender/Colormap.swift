/// The colormaps vcview paints activations with, each a 256-entry lookup table built once.
///
/// Sequential maps (`viridis`, `magma`, `grey`) suit non-negative values; `diverging` (blue, white,
/// red) suits signed values with zero in the middle of a symmetric scale. An index `i` stands for
/// the normalised value `t = i / 255`.
public enum Colormap: String, CaseIterable, Sendable {
    case viridis, magma, grey, diverging

    /// 256 colours, index 0 for the low end of the scale.
    public var lut: [RGB8] {
        switch self {
        case .viridis: return Colormap.viridisLUT
        case .magma: return Colormap.magmaLUT
        case .grey: return Colormap.greyLUT
        case .diverging: return Colormap.divergingLUT
        }
    }

    /// Whether the map is meant for signed values (zero at its centre).
    public var isDiverging: Bool { self == .diverging }

    /// The colour for a normalised value `t` (clamped to [0, 1]; NaN gives index 0).
    @inlinable public func color(_ t: Float) -> RGB8 { lut[Colormap.index(t)] }

    /// LUT index of a normalised value: round(t · 255), clamped; NaN maps to 0.
    @inlinable public static func index(_ t: Float) -> Int {
        guard t == t else { return 0 }
        let i = (t * 255).rounded()
        return i <= 0 ? 0 : (i >= 255 ? 255 : Int(i))
    }

    // MARK: Tables

    /// Expands anchors spaced evenly over [0, 1] into 256 entries by linear interpolation.
    static func table(_ anchors: [(Double, Double, Double)]) -> [RGB8] {
        let segments = Double(anchors.count - 1)
        return (0..<256).map { i in
            let s = Double(i) / 255 * segments
            let a = min(Int(s), anchors.count - 2)
            let f = s - Double(a)
            let p = anchors[a], q = anchors[a + 1]
            return RGB8(unit: p.0 + (q.0 - p.0) * f, p.1 + (q.1 - p.1) * f, p.2 + (q.2 - p.2) * f)
        }
    }

    /// matplotlib's viridis (van der Walt, Smith, Firing; CC0): entries 0, 15, 30, …, 255 of its
    /// 256-entry table. Interpolating them stays within 5/255 of the full table.
    static let viridisAnchors: [(Double, Double, Double)] = [
        (0.267004, 0.004874, 0.329415),  // 0
        (0.281924, 0.089666, 0.412415),  // 15
        (0.280255, 0.165693, 0.476498),  // 30
        (0.263663, 0.237631, 0.518762),  // 45
        (0.237441, 0.305202, 0.541921),  // 60
        (0.208623, 0.367752, 0.552675),  // 75
        (0.182256, 0.426184, 0.557120),  // 90
        (0.159194, 0.482237, 0.558073),  // 105
        (0.137770, 0.537492, 0.554906),  // 120
        (0.121148, 0.592739, 0.544641),  // 135
        (0.128087, 0.647749, 0.523491),  // 150
        (0.180653, 0.701402, 0.488189),  // 165
        (0.274149, 0.751988, 0.436601),  // 180
        (0.395174, 0.797475, 0.367757),  // 195
        (0.535621, 0.835785, 0.281908),  // 210
        (0.688944, 0.865448, 0.182725),  // 225
        (0.845561, 0.887322, 0.099702),  // 240
        (0.993248, 0.906157, 0.143936),  // 255
    ]

    /// matplotlib's magma (Smith, van der Walt; CC0): entries 0, 15, 30, …, 255 (within 3/255).
    static let magmaAnchors: [(Double, Double, Double)] = [
        (0.001462, 0.000466, 0.013866),  // 0
        (0.035520, 0.028397, 0.125209),  // 15
        (0.102815, 0.063010, 0.257854),  // 30
        (0.191460, 0.064818, 0.396152),  // 45
        (0.291366, 0.064553, 0.475462),  // 60
        (0.384299, 0.097855, 0.501002),  // 75
        (0.475780, 0.134577, 0.507921),  // 90
        (0.569172, 0.167454, 0.504105),  // 105
        (0.664915, 0.198075, 0.488836),  // 120
        (0.761077, 0.231214, 0.460162),  // 135
        (0.852126, 0.276106, 0.418573),  // 150
        (0.925937, 0.346844, 0.374959),  // 165
        (0.969680, 0.446936, 0.360311),  // 180
        (0.989363, 0.557873, 0.391671),  // 195
        (0.996580, 0.668256, 0.456192),  // 210
        (0.996727, 0.776795, 0.541039),  // 225
        (0.992440, 0.884330, 0.640099),  // 240
        (0.987053, 0.991438, 0.749504),  // 255
    ]

    /// Dark blue → blue → near-white at the centre → red → dark red (vcview's own ramp).
    static let divergingAnchors: [(Double, Double, Double)] = [
        (0.020, 0.188, 0.380),
        (0.263, 0.576, 0.765),
        (0.969, 0.969, 0.969),
        (0.839, 0.376, 0.302),
        (0.404, 0.000, 0.122),
    ]

    static let viridisLUT = table(viridisAnchors)
    static let magmaLUT = table(magmaAnchors)
    static let greyLUT = (0..<256).map { RGB8(UInt8($0), UInt8($0), UInt8($0)) }
    static let divergingLUT = table(divergingAnchors)
}
