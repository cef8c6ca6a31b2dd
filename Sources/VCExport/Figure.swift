import Foundation
import VCEngine
import VCRender

/// Colours and sizes shared by every exported figure.
enum Style {
    static let background = RGB8.white
    static let ink = RGB8(26, 26, 26)
    static let secondary = RGB8(90, 90, 90)
    static let rule = RGB8(200, 200, 200)
    /// No value: padding of a flat map, a token a scan has not read yet.
    static let nan = RGB8(214, 214, 214)
    static let highlight = RGB8(214, 39, 40)
    /// Okabe–Ito colours for the four scan directions (distinguishable with colour-vision deficiencies).
    static let directions = [RGB8(0, 114, 178), RGB8(213, 94, 0), RGB8(0, 158, 115), RGB8(204, 121, 167)]
    static let margin = 12
    static let titleScale = 2
    static let barHeight = 14
    static let barMinWidth = 256
    static let barMaxWidth = 512
}

/// The colour bar under a figure: the colormap from `lo` (left end) to `hi` (right end), with
/// the two values and zero (when inside the range) written under it, and a caption.
struct ColorBarSpec {
    var colormap: Colormap
    var lo: Float
    var hi: Float
    var caption: String
    /// Labels for the ends instead of the numbers (e.g. "0" and "48" for steps); nil = numbers.
    var endLabels: (String, String)? = nil
    var markZero = true
    /// The legend's notes (clip "clipped at p99.5: 41.2; max 3491", narrow range, units), on a
    /// line under the caption.
    var notes: [String] = []
    /// Ends a percentile clip cut: each gets a triangle pointing out of the bar (values beyond
    /// are drawn in the end colour).
    var clippedEnds = (lo: false, hi: false)
    /// NaN and ±inf among the values drawn: keyed with their colours under the caption.
    var marks = NonFiniteCount()
    /// "first NaN at network.4.1.mlp.fc1", written beside the key.
    var firstNonFinite: String? = nil

    /// "■ NaN 12544  ■ +inf 3 · first NaN at …": the key's entries and its closing note.
    var markEntries: [(RGB8, String)] {
        Marked.allCases.compactMap { m in m.count(in: marks) > 0 ? (m.color, "\(m.label) \(m.count(in: marks))") : nil }
    }
}

/// What sits under the body instead of a colour bar, for line plots: coloured keys.
struct LegendSpec {
    var entries: [(RGB8, String)]
    var caption: String
}

/// A figure: title, subtitle lines, a body (already drawn), and a colour bar or a legend.
/// `render` lays them out top to bottom and reports where everything went (for the sidecar).
struct Figure {
    var title: String
    var subtitle: [String]
    var body: Canvas
    var bar: ColorBarSpec?
    var legend: LegendSpec?

    struct Layout {
        var body: Rect
        var colorBar: Rect?
    }

    struct Rect {
        var x, y, width, height: Int
        var json: JSONValue { .object([("x", .int(x)), ("y", .int(y)), ("width", .int(width)), ("height", .int(height))]) }
    }

    func render() -> (Canvas, Layout) {
        let m = Style.margin, ts = Style.titleScale
        let titleH = PixelFont.glyphHeight * ts
        let line = PixelFont.lineHeight + 2
        var widths = [PixelFont.width(title, scale: ts), body.width]
        widths += subtitle.map { PixelFont.width($0) }
        var barW = 0
        if let b = bar {
            barW = min(Style.barMaxWidth, max(Style.barMinWidth, body.width))
            widths.append(barW)
            widths.append(PixelFont.width(b.caption))
            if !b.notes.isEmpty { widths.append(PixelFont.width(b.notes.joined(separator: " · "))) }
            if !b.marks.isEmpty { widths.append(marksWidth(b)) }
        }
        if let l = legend {
            widths.append(legendWidth(l))
            widths.append(PixelFont.width(l.caption))
        }
        let width = m + widths.max()! + m
        var y = m
        let titleY = y
        y += titleH + 6
        let subY = y
        y += subtitle.count * line
        y += 6
        let bodyY = y
        y += body.height + 12
        let footY = y
        if bar != nil { y += Style.barHeight + 4 + line + line }
        if let b = bar, !b.notes.isEmpty { y += line }
        if let b = bar, !b.marks.isEmpty { y += line + 2 }
        if legend != nil { y += 12 + 6 + line }
        let height = y + m - (bar == nil && legend == nil ? 12 : 0)

        var c = Canvas(width: width, height: height, background: Style.background)
        c.text(title, x: m, y: titleY, color: Style.ink, scale: ts)
        for (i, s) in subtitle.enumerated() { c.text(s, x: m, y: subY + i * line, color: Style.secondary) }
        c.blit(body, x: m, y: bodyY)
        var layout = Layout(body: Rect(x: m, y: bodyY, width: body.width, height: body.height), colorBar: nil)

        if let b = bar {
            let bx = m, by = footY
            c.colorBar(x: bx, y: by, width: barW, height: Style.barHeight, colormap: b.colormap)
            layout.colorBar = Rect(x: bx, y: by, width: barW, height: Style.barHeight)
            let ly = by + Style.barHeight + 4
            let (loText, hiText) = b.endLabels ?? (formatValue(b.lo), formatValue(b.hi))
            // End ticks, and the numbers under them.
            c.fill(x: bx, y: by + Style.barHeight, width: 1, height: 3, color: Style.ink)
            c.fill(x: bx + barW - 1, y: by + Style.barHeight, width: 1, height: 3, color: Style.ink)
            c.text(loText, x: bx, y: ly, color: Style.ink)
            let hiX = bx + barW - PixelFont.width(hiText)
            c.text(hiText, x: hiX, y: ly, color: Style.ink)
            if b.markZero, b.hi > b.lo, b.lo < 0, b.hi > 0 {
                let t = (0 - b.lo) / (b.hi - b.lo)
                let zx = bx + Int((t * Float(barW - 1)).rounded())
                c.fill(x: zx, y: by + Style.barHeight, width: 1, height: 3, color: Style.ink)
                let zw = PixelFont.width("0")
                let zl = zx - zw / 2
                if zl > bx + PixelFont.width(loText) + 4 && zl + zw + 4 < hiX { c.text("0", x: zl, y: ly, color: Style.ink) }
            }
            c.text(b.caption, x: bx, y: ly + line, color: Style.secondary)
            // A clipped end: a triangle in the end's colour pointing outwards, in the margin.
            for (clipped, x0, dir, idx) in [(b.clippedEnds.lo, bx - 2, -1, 0), (b.clippedEnds.hi, bx + barW + 1, 1, 255)] where clipped {
                for i in 0..<(m - 4) {
                    let half = (Style.barHeight / 2) * (m - 4 - i) / (m - 4)
                    c.fill(x: x0 + dir * i, y: by + Style.barHeight / 2 - half, width: 1, height: max(1, 2 * half), color: b.colormap.lut[idx])
                }
            }
            let notesY = ly + 2 * line
            if !b.notes.isEmpty { c.text(b.notes.joined(separator: " · "), x: bx, y: notesY, color: Style.highlight) }
            if !b.marks.isEmpty {
                var x = bx
                let my = notesY + (b.notes.isEmpty ? 0 : line) + 2
                for (color, label) in b.markEntries {
                    c.fill(x: x, y: my, width: 12, height: 8, color: color)
                    x = c.text(label, x: x + 16, y: my, color: Style.ink) + 12
                }
                if let first = b.firstNonFinite { c.text("· " + first, x: x, y: my, color: Style.highlight) }
            }
        }
        if let l = legend {
            var x = m
            let ly = footY
            for (color, label) in l.entries {
                c.fill(x: x, y: ly, width: 18, height: 12, color: color)
                x = c.text(label, x: x + 24, y: ly + 2, color: Style.ink) + 16
            }
            c.text(l.caption, x: m, y: ly + 18, color: Style.secondary)
        }
        return (c, layout)
    }

    private func marksWidth(_ b: ColorBarSpec) -> Int {
        b.markEntries.reduce(0) { $0 + 16 + PixelFont.width($1.1) + 12 } + (b.firstNonFinite.map { PixelFont.width("· " + $0) } ?? 0)
    }

    private func legendWidth(_ l: LegendSpec) -> Int {
        l.entries.reduce(0) { $0 + 24 + PixelFont.width($1.1) + 16 }
    }
}

/// Numbers on figures: 4 significant digits, exponent form outside [1e-3, 1e5).
func formatValue(_ v: Float) -> String {
    if v == 0 { return "0" }
    if !v.isFinite { return v.isNaN ? "nan" : (v > 0 ? "inf" : "-inf") }
    let a = abs(Double(v))
    if a >= 1e5 || a < 1e-3 { return String(format: "%.3e", Double(v)) }
    var s = String(format: "%.4g", Double(v))
    if s.contains("e") { s = String(format: "%.3e", Double(v)) }
    return s
}

/// "C×H×W" of a shape, batch dimension dropped.
func shapeText(_ shape: [Int]) -> String {
    let s = shape.count > 1 && shape[0] == 1 ? Array(shape.dropFirst()) : shape
    return s.map(String.init).joined(separator: "×")
}
