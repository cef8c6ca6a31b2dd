import Foundation
import VCEngine
import VCRecording
import VCRender
import VCStyle

// The Mamba views (`m`): drawn in the main area, the rail and the left column staying in place.

/// The official direction codes as marks: 0 start, 1 right, 2 left, 3 up, 4 down.
let directionMarks: [Unicode.Scalar] = ["●", "→", "←", "↑", "↓"]

func drawMamba(_ f: inout Frame, _ s: ExplorerState) {
    let screen = MambaScreen(s)
    drawMambaHeader(&f, s, screen.header)
    drawMambaTabs(&f, s, screen.tabs)
    guard let l = s.mambaLayer else {
        f.text("\(s.currentBlock.site).mamba: its scan sites were not recorded", x: screen.area.x + 1, y: screen.area.y + 1,
               maxWidth: screen.area.w - 2, fg: Theme.warn)
        return
    }
    switch s.mamba.panel {
    case .scans: drawScans(&f, s, l, screen)
    case .hidden: drawHidden(&f, s, l, screen)
    case .attention: drawAttention(&f, s, l, screen)
    case .shares: drawShares(&f, s, l, screen)
    case .cam: drawCAM(&f, s, l, screen)
    }
    if let r = screen.compare { drawCompare(&f, s, r) }
    if let r = screen.explain { drawExplain(&f, s, l, r) }
}

// MARK: Header, tabs, hints

func drawMambaHeader(_ f: inout Frame, _ s: ExplorerState, _ r: Rect) {
    let block = s.currentBlock
    // Segments (text, colour, style); the long form drops to a short one in narrow windows.
    typealias Seg = (String, Paint, Style)
    var status: [Seg] = []
    var shape = ""
    if let l = s.mambaLayer {
        shape = " · \(l.height)×\(l.width) tokens, E \(l.inner), N \(l.state)"
        if s.mamba.panel == .scans || s.mamba.panel == .hidden {
            status = [(" · step ", Theme.dim, []), ("\(ScanNames.step(s.mamba.step))/\(l.tokens)", Theme.accent, .bold),
                      (s.mamba.playing ? " ▶ playing" : " ⏸ paused", .default, s.mamba.playing ? .bold : []),
                      (" \(num(Float(s.mamba.stepsPerSecond)))/s", Theme.dim, [])]
        } else {
            status = [(" · token ", Theme.dim, []), (pt(s.mamba.cursor), Theme.accent, .bold)]
            if s.mamba.panel == .attention {
                status.append((" · " + (s.mamba.channel.map { "channel \($0) of \(l.inner)" } ?? "mean over \(l.inner) channels"), Theme.dim, []))
            }
        }
    }
    let long: [Seg] = [(" \(s.rail.groups[block.group].name) · ", Theme.dim, []), (block.site + ".mamba", .default, .bold),
                       (" (\(block.label))" + shape, Theme.dim, [])] + status
    let short: [Seg] = [(" " + block.site + ".mamba", .default, .bold), (" (\(block.label))", Theme.dim, [])] + status
    let chosen = long.reduce(0) { $0 + $1.0.width } <= r.w ? long : short
    var x = r.x
    for (text, fg, style) in chosen { x = f.text(text, x: x, y: r.y, maxWidth: r.maxX - x, fg: fg, style: style) }
}

func drawMambaTabs(_ f: inout Frame, _ s: ExplorerState, _ r: Rect) {
    f.fill(r)
    var x = r.x + 1
    for p in MambaPanel.allCases {
        let on = p == s.mamba.panel
        x = f.text(" \(p.title) ", x: x, y: r.y, maxWidth: r.maxX - x, fg: on ? Theme.accent : Theme.dim, style: on ? [.reverse, .bold] : [])
        x += 1
    }
    let ab = s.mamba.ablation
    let text = ab.isIdentity ? "ablation: none" : "ablation: \(ab.summary)"
    if x + text.width + 2 <= r.maxX {
        f.text(text, x: r.maxX - text.width - 1, y: r.y, fg: ab.isIdentity ? Theme.dim : Theme.warn, style: ab.isIdentity ? [] : .bold)
    }
}

let mambaHints: [(String, String)] = [("v", "view"), ("space", "play"), (", .", "step"), ("+-", "speed"), ("hjkl", "token"),
                                      ("d", "scan"), ("n", "next"), ("1-4", "off"), ("r", "raster"), ("z", "dirB"), ("m", "close")]

// MARK: Cells

/// A token cell: the glyph in the middle of `cellWidth` columns, on a data colour. Padding
/// cells carry the monochrome level, the glyph stays readable on every screen.
func drawTokenCell(_ f: inout Frame, _ r: Rect, glyph: Unicode.Scalar, fg: Paint = .default, bg: Paint = .default,
                   style: Style = [], level: UInt8? = nil) {
    let mid = r.x + (r.w - 1) / 2, midY = r.y + (r.h - 1) / 2
    for y in r.y..<r.y + max(1, r.h) { for x in r.x..<r.maxX {
        f[x, y] = x == mid && y == midY ? Cell(glyph, fg: fg, bg: bg, style: style)
            : Cell(" ", fg: fg, bg: bg, style: style, level: r.w > 1 || r.h > 1 ? level : nil)
    } }
}

/// A data colour and a readable glyph colour on it.
func dataPaint(_ v: Float, _ scale: HeatmapScale, _ cmap: Colormap) -> (bg: Paint, fg: Paint, level: UInt8) {
    let i = Colormap.index(scale.normalised(v))
    let c = cmap.lut[i]
    return (.rgb(c), .rgb(c.luma > 0.5 ? .black : .white), monoLevel(i, cmap))
}

/// A panel of values on the token grid: every token coloured, `glyph` decides the mark on it.
func drawValuePanel(_ f: inout Frame, _ p: TokenPanel, title: String, values: [Float?], scale: HeatmapScale, cmap: Colormap,
                    highlight: Bool = false, glyph: (Int) -> Unicode.Scalar) {
    f.box(p.rect, title: title, fg: highlight ? Theme.accent : Theme.border, titleStyle: highlight ? .bold : [])
    for row in 0..<p.rows { for col in 0..<p.cols {
        let t = row * p.cols + col
        let r = p.cell(row: row, col: col)
        if let v = values[t], v.isFinite {
            let c = dataPaint(v, scale, cmap)
            drawTokenCell(&f, r, glyph: glyph(t), fg: c.fg, bg: c.bg, level: c.level)
        } else if let v = values[t], let m = Marked.of(v) {
            drawTokenCell(&f, r, glyph: m.glyph, fg: .rgb(.black), bg: .rgb(m.color))
        } else {
            drawTokenCell(&f, r, glyph: glyph(t) == " " ? "·" : glyph(t), fg: Theme.dim)
        }
    } }
}

/// A colour bar with its two ends, on one line.
@discardableResult
func drawColorBar(_ f: inout Frame, x: Int, y: Int, width: Int, scale: HeatmapScale, cmap: Colormap, maxX: Int) -> Int {
    var x = f.text(num(scale.lo) + " ▕", x: x, y: y, maxWidth: maxX - x)
    // The bar gives way to the high label (and one blank after it), so the label is never cut.
    let bw = max(0, min(width, maxX - x - ("▏" + num(scale.hi)).width - 1))
    for i in 0..<bw {
        let idx = Colormap.index((Float(i) + 0.5) / Float(bw))
        f[x + i, y] = Cell("█", fg: .rgb(cmap.lut[idx]), level: monoLevel(idx, cmap))
    }
    x = f.text("▏" + num(scale.hi), x: x + bw, y: y, maxWidth: maxX - x - bw)
    return x
}

/// The long title when it fits on the panel's top edge, else the short one.
func fitTitle(_ long: String, _ short: String, _ p: TokenPanel) -> String { long.width <= p.rect.w - 2 ? long : short }

func pt(_ p: MapPoint) -> String { "(\(p.y), \(p.x))" }

/// A Mamba view's legend, written over the bottom border of the token panels it keys
/// (`panels`, one row of them): "‖h_t‖ 0.1 ▕bar▏▶ 3.2 viridis · clipped at p99.5: …"; cut with "…".
/// Returns whether the whole legend (range, bar, colormap and every note) fitted there; when it
/// did not and `fallback` is a line of the view, the whole legend is written on that line too.
@discardableResult
func drawPanelLegend(_ f: inout Frame, _ panels: [TokenPanel], _ style: PanelStyle, what: String,
                     label: (Float) -> String = { num($0) }, fallback: Rect? = nil) -> Bool {
    guard let first = panels.first else { return false }
    let y = first.rect.maxY - 1
    let row = panels.filter { $0.rect.maxY - 1 == y }
    let x1 = (row.map { $0.rect.maxX }.max() ?? first.rect.maxX) - 1
    drawBorderLegend(&f, x0: first.rect.x + 1, x1: x1, y: y, style, what: what, label: label)
    let fits = borderLegendWidth(style, what: what, label: label) <= x1 - first.rect.x - 1
    if !fits, let r = fallback { drawBorderLegend(&f, x0: r.x, x1: r.maxX, y: r.y, style, what: what, label: label) }
    return fits
}

/// The columns a border legend needs with a 4-cell bar and every note.
func borderLegendWidth(_ style: PanelStyle, what: String, label: (Float) -> String = { num($0) }) -> Int {
    let ends = (style.clip?.lo != nil ? 1 : 0) + (style.clip?.hi != nil ? 1 : 0)
    let notes = style.notes.isEmpty ? "" : " · " + style.notes.joined(separator: " · ")
    return " \(what) \(label(style.scale.lo)) ".width + 4 + " \(label(style.scale.hi)) · \(style.colormap.rawValue)".width + ends + notes.width + 1
}

/// The same legend on any box's bottom edge (or any line), between columns x0 and x1. The bar
/// shrinks first (16 cells down to 4), then the notes are cut with "…", then the colormap's name
/// goes; the range and the bar always stay.
func drawBorderLegend(_ f: inout Frame, x0: Int, x1: Int, y: Int, _ style: PanelStyle, what: String,
                      label: (Float) -> String = { num($0) }) {
    guard x1 - x0 >= 8 else { return }
    let loClip = style.clip?.lo != nil, hiClip = style.clip?.hi != nil
    let head = " \(what) \(label(style.scale.lo)) " + (loClip ? "◀" : "")
    var tail = (hiClip ? "▶" : "") + " \(label(style.scale.hi)) · \(style.colormap.rawValue)"
    let notes = style.notes.isEmpty ? "" : " · " + style.notes.joined(separator: " · ")
    let avail = x1 - x0
    if avail - head.width - tail.width < 4 { tail = (hiClip ? "▶" : "") + " \(label(style.scale.hi))" }
    let room = avail - head.width - tail.width
    let bw = room - notes.width - 1 >= 4 ? min(16, room - notes.width - 1) : min(4, max(0, room))
    var x = f.text(head, x: x0, y: y, maxWidth: avail, fg: Theme.dim)
    for i in 0..<bw where x + i < x1 {
        let idx = Colormap.index((Float(i) + 0.5) / Float(bw))
        f[x + i, y] = Cell("█", fg: .rgb(style.colormap.lut[idx]), level: monoLevel(idx, style.colormap))
    }
    x = f.text(tail, x: x + bw, y: y, maxWidth: max(0, x1 - x - bw), fg: Theme.dim)
    if !notes.isEmpty, x1 - x >= 3 {
        f.text((notes + " ").clipped(x1 - x), x: x, y: y, maxWidth: x1 - x, fg: style.clip != nil ? Theme.warn : Theme.dim)
    }
}
