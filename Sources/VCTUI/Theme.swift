import Foundation
import VCRender

/// The explorer's few non-data colours; every one of them is decoration (monochrome drops them
/// and keeps the styles).
enum Theme {
    static let accent = Paint.rgb(RGB8(255, 196, 0))
    static let dim = Paint.rgb(RGB8(140, 140, 140))
    static let border = Paint.rgb(RGB8(96, 96, 96))
    static let titleFg = Paint.rgb(RGB8(235, 235, 235))
    static let titleBg = Paint.rgb(RGB8(28, 48, 80))
    static let warn = Paint.rgb(RGB8(255, 110, 90))
    static let bar = Paint.rgb(RGB8(110, 170, 255))
    /// The token a scan reads now: a colour the active colormap does not contain (viridis and
    /// magma end in yellow, so never the accent yellow); monochrome reverses it instead.
    static func current(for cmap: Colormap) -> Paint {
        cmap == .magma ? .rgb(RGB8(0, 190, 255)) : .rgb(RGB8(255, 0, 200))
    }
    static let spinner: [Unicode.Scalar] = ["⠋", "⠙", "⠹", "⠸", "⠼", "⠴", "⠦", "⠧", "⠇", "⠏"]
}

/// A number in at most about 8 characters: 3 significant digits, exponent form when very large or small.
func num(_ v: Float, digits: Int = 3) -> String {
    if v.isNaN { return "nan" }
    if v.isInfinite { return v > 0 ? "inf" : "-inf" }
    if v == 0 { return "0" }
    let a = abs(v)
    if a >= 1e5 || a < 1e-3 { return String(format: "%.\(max(1, digits - 1))e", Double(v)) }
    return String(format: "%.\(digits)g", Double(v))
}

/// A horizontal bar of `width` cells filled to `fraction`, in eighths.
func bar(_ fraction: Double, width: Int) -> String {
    let eighths = fraction.isFinite ? Int((min(max(fraction, 0), 1) * Double(width * 8)).rounded()) : 0
    let parts: [Character] = [" ", "▏", "▎", "▍", "▌", "▋", "▊", "▉"]
    var s = String(repeating: "█", count: eighths / 8)
    if eighths % 8 > 0 { s.append(parts[eighths % 8]) }
    return s.fitted(width, ellipsis: false)
}
