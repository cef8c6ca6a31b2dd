import Foundation
import VCEngine
import VCRender

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
            status = [(" · step ", Theme.dim, []), ("\(s.mamba.step + 1)/\(l.tokens)", Theme.accent, .bold),
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
    let mid = r.x + (r.w - 1) / 2
    for x in r.x..<r.maxX {
        f[x, r.y] = x == mid ? Cell(glyph, fg: fg, bg: bg, style: style) : Cell(" ", fg: fg, bg: bg, style: style, level: r.w > 1 ? level : nil)
    }
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

/// Values in [0, 1] or any range: lo…hi of the finite ones (never empty).
func rangeScale(_ values: [Float], symmetric: Bool = false) -> HeatmapScale {
    var lo = Float.infinity, hi = -Float.infinity
    for v in values where v.isFinite { lo = min(lo, v); hi = max(hi, v) }
    if lo > hi { return HeatmapScale(lo: 0, hi: 1) }
    if symmetric { let m = max(abs(lo), abs(hi)); return HeatmapScale(lo: m > 0 ? -m : -1, hi: m > 0 ? m : 1) }
    return hi > lo ? HeatmapScale(lo: lo, hi: hi) : HeatmapScale(lo: lo - 1, hi: hi + 1)
}

/// A colour bar with its two ends, on one line.
@discardableResult
func drawColorBar(_ f: inout Frame, x: Int, y: Int, width: Int, scale: HeatmapScale, cmap: Colormap, maxX: Int) -> Int {
    var x = f.text(num(scale.lo) + " ▕", x: x, y: y, maxWidth: maxX - x)
    let bw = max(0, min(width, maxX - x - 10))
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

// MARK: Scans

func drawScans(_ f: inout Frame, _ s: ExplorerState, _ l: MambaLayerData, _ screen: MambaScreen) {
    let t = s.mamba.step
    let cmap = s.colormapOverride ?? .viridis
    let scale = rangeScale(l.hNorm.flatMap { $0 })
    let cursor = s.mamba.cursor.y * l.width + s.mamba.cursor.x
    for p in screen.tokenPanels {
        let d = p.tag
        f.box(p.rect, title: fitTitle(" scan \(d + 1) · \(scanNames[d]) ", fitTitle(" scan \(d + 1) · \(scanShortNames[d]) ", " scan \(d + 1) ", p), p), fg: Theme.border)
        for row in 0..<p.rows { for col in 0..<p.cols {
            let tok = row * l.width + col
            let step = l.orders.inverse[d][tok]
            let mark = directionMarks[l.orders.directions[d][step]]
            let r = p.cell(row: row, col: col)
            var style: Style = tok == cursor ? .underline : []
            if step == t {
                style.insert(.bold)
                drawTokenCell(&f, r, glyph: mark, fg: .rgb(.black), bg: Theme.accent, style: style.union(.reverse).subtracting(.reverse))
                // Monochrome keeps the current token visible: reverse video.
                for x in r.x..<r.maxX { f[x, r.y].style.insert(.bold) }
            } else if step < t {
                let c = dataPaint(l.hNorm[d][step], scale, cmap)
                drawTokenCell(&f, r, glyph: mark, fg: c.fg, bg: c.bg, style: style, level: c.level)
            } else {
                drawTokenCell(&f, r, glyph: mark, fg: Theme.dim, style: style)
            }
        } }
    }
    // One read-out per scan shown: where step t is, the move, ‖h_t‖, when the cursor is read.
    let shown = screen.tokenPanels.map { $0.tag }
    for (i, r) in screen.lines.enumerated() {
        if i < shown.count {
            let d = shown[i]
            let tok = l.orders.orders[d][t]
            var x = f.text(" scan \(d + 1) ", x: r.x, y: r.y, maxWidth: r.w, style: .bold)
            x = f.text("step \(t + 1) reads \(pt(l.point(tok))) ", x: x, y: r.y, maxWidth: r.maxX - x)
            x = f.text(String(directionMarks[l.orders.directions[d][t]]) + " " + ScanOrders.directionNames[l.orders.directions[d][t]],
                       x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.accent)
            x = f.text(" · ‖h‖ \(num(l.hNorm[d][t]))", x: x, y: r.y, maxWidth: r.maxX - x)
            f.text(" · cursor \(pt(s.mamba.cursor)) is step \(l.orders.inverse[d][cursor] + 1)", x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim)
        } else {
            var x = f.text(" visited tokens coloured by ‖h_t‖ ", x: r.x, y: r.y, maxWidth: r.w, fg: Theme.dim)
            drawColorBar(&f, x: x, y: r.y, width: 24, scale: scale, cmap: cmap, maxX: r.maxX)
            x = 0
        }
    }
}

// MARK: Hidden states

let sparkChars: [Unicode.Scalar] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

func drawHidden(_ f: inout Frame, _ s: ExplorerState, _ l: MambaLayerData, _ screen: MambaScreen) {
    let t = s.mamba.step
    let cmap = s.colormapOverride ?? .viridis
    let all = l.hNorm.flatMap { $0 }
    let hi = max(all.filter(\.isFinite).max() ?? 1, 1e-12)
    let scale = rangeScale(all)
    let shown = screen.tokenPanels.filter { $0.tag >= 0 }.map { $0.tag }
    // ‖h_t‖ along each scan: a sparkline with the current step marked.
    for (i, r) in screen.lines.enumerated() where i < shown.count {
        let d = shown[i]
        var x = f.text(" scan \(d + 1) ‖h_t‖ ", x: r.x, y: r.y, maxWidth: r.w, style: .bold)
        let width = max(4, min(l.tokens, r.maxX - x - 22))
        let spans = Heatmap.footprintRanges(from: l.tokens, to: width)
        for (c, span) in spans.enumerated() {
            let here = span.contains(t)
            if let m = span.lazy.compactMap({ Marked.of(l.hNorm[d][$0]) }).first {
                f[x + c, r.y] = Cell(m.glyph, fg: .rgb(.black), bg: .rgb(m.color), style: .bold)
                continue
            }
            let v = span.map { l.hNorm[d][$0] }.max() ?? 0
            let ch = sparkChars[min(7, Int(v / hi * 7.999))]
            f[x + c, r.y] = Cell(ch, fg: here ? Theme.accent : (span.lowerBound <= t ? Theme.bar : Theme.dim), style: here ? [.bold, .reverse] : [])
        }
        x += width
        f.text(" \(num(l.hNorm[d][t])) at step \(t + 1) (max \(num(l.hNorm[d].max() ?? 0)))", x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim)
    }
    // ‖h‖ on the grid, revealed as the scans read the tokens; then the decay map.
    let decay = l.decayMap(stateIndex: s.mamba.stateIndex)
    for p in screen.tokenPanels {
        if p.tag >= 0 {
            let d = p.tag
            let values: [Float?] = (0..<l.tokens).map { l.orders.inverse[d][$0] <= t ? l.hNormMap[d][$0] : nil }
            let now = l.orders.orders[d][t]
            drawValuePanel(&f, p, title: fitTitle(" ‖h‖ scan \(d + 1) ", " ‖h‖ \(d + 1) ", p), values: values, scale: scale, cmap: cmap) { $0 == now ? "◆" : " " }
        } else {
            let title = s.mamba.stateIndex.map { fitTitle(" decay exp(Δ·A) n=\($0) ", " decay n=\($0) ", p) } ?? fitTitle(" decay exp(Δ·A) ", " decay ", p)
            drawValuePanel(&f, p, title: title, values: decay, scale: rangeScale(decay), cmap: s.colormapOverride ?? .magma) { _ in " " }
        }
    }
    // The 16 per-state maps of one scan.
    if !screen.pictures.isEmpty, screen.lines.count > shown.count {
        let d = s.mamba.direction ?? 0
        let r = screen.lines[shown.count]
        var x = f.text(" ‖h‖ per state index n of scan \(d + 1) (d: scan) · decay ", x: r.x, y: r.y, maxWidth: r.w, fg: Theme.dim)
        x = f.text(s.mamba.stateIndex.map { "of n=\($0)" } ?? "mean over n", x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim)
        f.text(" (n: pick n) \(num(decay.min() ?? 0))…\(num(decay.max() ?? 0))", x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim)
        let perN = l.hNormN[d]
        let nScale = rangeScale(perN.flatMap { $0 })
        for (n, pr) in screen.pictures.enumerated() where n < perN.count {
            let values = (0..<l.tokens).map { l.orders.inverse[d][$0] <= t ? perN[n][$0] : Heatmap.noValue }
            let hm = Heatmap(width: l.width, height: l.height, values: values).resampled(width: screen.pictureSize.w, height: screen.pictureSize.h)
            let sel = s.mamba.stateIndex == n
            f.text("n\(n)".clipped(pr.w), x: pr.x, y: pr.y, fg: sel ? Theme.accent : Theme.dim, style: sel ? .bold : [])
            drawHeatmap(&f, hm, x0: pr.x, y0: pr.y + 1, scale: nScale, colormap: cmap)
        }
    }
}

// MARK: Implicit attention

func drawAttention(_ f: inout Frame, _ s: ExplorerState, _ l: MambaLayerData, _ screen: MambaScreen) {
    guard let layer = s.mambaLayerIndex else { return }
    let c = s.mamba.cursor
    let job = MambaJob.attention(layer: layer, row: c.y, col: c.x, channel: s.mamba.channel)
    let cmap = s.colormapOverride ?? .diverging
    let cursor = c.y * l.width + c.x
    let n = l.tokens
    let map: [Float]? = { if case .attention(let t)? = s.cache.output(job) { return t.data } else { return nil } }()
    let sum: [Float]? = map.map { m in (0..<n).map { p in (0..<4).reduce(Float(0)) { $0 + m[$1 * n + p] } } }
    let dirScale = map.map { rangeScale($0, symmetric: true) }
    let sumScale = sum.map { rangeScale($0, symmetric: true) }
    for p in screen.tokenPanels {
        let values: [Float?]
        let scale: HeatmapScale
        if p.tag == TokenPanel.sum {
            values = sum.map { $0.map { Optional($0) } } ?? Array(repeating: nil, count: n)
            scale = sumScale ?? HeatmapScale(lo: -1, hi: 1)
        } else {
            let d = p.tag, tc = l.orders.inverse[d][cursor]
            // Tokens read after the cursor token get no weight: drawn empty.
            values = (0..<n).map { q in map.flatMap { l.orders.inverse[d][q] <= tc ? $0[d * n + q] : nil } }
            scale = dirScale ?? HeatmapScale(lo: -1, hi: 1)
        }
        let title = p.tag == TokenPanel.sum ? fitTitle(" Σ 4 scans ", " Σ ", p) : fitTitle(" α scan \(p.tag + 1) ", " α \(p.tag + 1) ", p)
        drawValuePanel(&f, p, title: title, values: values, scale: scale, cmap: cmap, highlight: p.tag == TokenPanel.sum) { $0 == cursor ? "◆" : " " }
    }
    if map == nil { drawPending(&f, s, job, at: screen.tokenPanels.first.map { Rect(x: $0.rect.x + 2, y: $0.rect.maxY - 1, w: 40, h: 1) }) }
    // Read-outs: per scan, the step of the cursor token and its strongest source; then the residual.
    let shown = screen.tokenPanels.filter { $0.tag >= 0 && $0.tag < 4 }.map { $0.tag }
    let channelText = s.mamba.channel.map { "channel \($0) of \(l.inner)" } ?? "mean over E = \(l.inner) channels"
    for (i, r) in screen.lines.enumerated() {
        if i < shown.count, let m = map {
            let d = shown[i], tc = l.orders.inverse[d][cursor]
            var best = cursor, bestAbs: Float = -1
            for q in 0..<n where l.orders.inverse[d][q] <= tc && abs(m[d * n + q]) > bestAbs { best = q; bestAbs = abs(m[d * n + q]) }
            var x = f.text(" scan \(d + 1) ", x: r.x, y: r.y, maxWidth: r.w, style: .bold)
            x = f.text("reads \(pt(c)) at step \(tc + 1)/\(n) · α self \(num(m[d * n + cursor])) · strongest source ", x: x, y: r.y, maxWidth: r.maxX - x)
            f.text("\(pt(l.point(best))) \(num(m[d * n + best]))", x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.accent)
        } else if i == screen.lines.count - 1 {
            drawResidual(&f, s, layer, r, channelText: channelText)
        } else if i == 0 && map == nil {
            f.text(" \(channelText)", x: r.x, y: r.y, maxWidth: r.w, fg: Theme.dim)
        }
    }
    if let scale = dirScale, let last = screen.lines.last, screen.lines.count >= 2 {
        let r = screen.lines[screen.lines.count - 2]
        if shown.count < screen.lines.count - 1 {
            var x = f.text(" α (\(channelText)) ", x: r.x, y: r.y, maxWidth: r.w, fg: Theme.dim)
            x = drawColorBar(&f, x: x, y: r.y, width: 20, scale: scale, cmap: cmap, maxX: r.maxX)
            _ = last
        }
    }
}

func drawResidual(_ f: inout Frame, _ s: ExplorerState, _ layer: Int, _ r: Rect, channelText: String) {
    let job = MambaJob.residual(layer: layer)
    var x = f.text(" parity: y rebuilt from α vs y ", x: r.x, y: r.y, maxWidth: r.w, style: .bold)
    if case .residual(let errs)? = s.cache.output(job) {
        x = f.text(errs.map { String(format: "%.1e", Double($0)) }.joined(separator: " "), x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.accent)
        let ok = (errs.max() ?? 1) < 1e-4
        x = f.text(ok ? " ✓ float rounding" : " MISMATCH", x: x, y: r.y, maxWidth: r.maxX - x, fg: ok ? .default : Theme.warn, style: ok ? [] : .bold)
        if let ms = s.cache.milliseconds(job) { f.text(" · \(msText(ms))", x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim) }
    } else if let e = s.cache.failure(job) {
        f.text(e, x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.warn)
    } else {
        f.text("computing… (O(L²·E·N))", x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim)
    }
}

func msText(_ ms: Double) -> String {
    ms < 1 ? String(format: "%.2f ms", ms) : (ms < 10 ? String(format: "%.1f ms", ms) : "\(Int(ms.rounded())) ms")
}

func drawPending(_ f: inout Frame, _ s: ExplorerState, _ job: MambaJob, at r: Rect?) {
    guard let r else { return }
    if let e = s.cache.failure(job) { f.text(" \(e) ", x: r.x, y: r.y, maxWidth: r.w, fg: Theme.warn); return }
    f.text(" computing… ", x: r.x, y: r.y, maxWidth: r.w, fg: Theme.accent)
}

// MARK: Direction shares

func drawShares(_ f: inout Frame, _ s: ExplorerState, _ l: MambaLayerData, _ screen: MambaScreen) {
    let cmap = s.colormapOverride ?? .viridis
    let scale = HeatmapScale(lo: 0, hi: 1)
    let dominant: [Int] = (0..<l.tokens).map { p in (0..<4).max { l.dirShare[$0][p] < l.dirShare[$1][p] } ?? 0 }
    for p in screen.tokenPanels {
        if p.tag >= 0 {
            drawValuePanel(&f, p, title: fitTitle(" share scan \(p.tag + 1) ", " \(p.tag + 1) ", p), values: l.dirShare[p.tag], scale: scale, cmap: cmap) {
                dominant[$0] == p.tag ? "★" : " "
            }
        } else {
            // The dominant scan per token, coloured by its share.
            let values = (0..<l.tokens).map { Optional(l.dirShare[dominant[$0]][$0]) }
            drawValuePanel(&f, p, title: fitTitle(" dominant scan ", fitTitle(" dominant ", " max ", p), p), values: values, scale: scale, cmap: cmap, highlight: true) {
                Unicode.Scalar(UInt8(49 + dominant[$0]))
            }
        }
    }
    for (d, r) in screen.lines.enumerated() where d < 4 {
        let mean = l.dirShare[d].reduce(0, +) / Float(max(1, l.tokens))
        let wins = dominant.filter { $0 == d }.count
        var x = f.text(" scan \(d + 1) ", x: r.x, y: r.y, maxWidth: r.w, style: .bold)
        x = f.text(scanNames[d].fitted(22), x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim)
        x = f.text(bar(Double(mean) * 2, width: 16), x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.bar)
        f.text(String(format: " mean share %4.1f%% · dominant on %d/%d tokens", Double(mean * 100), wins, l.tokens), x: x, y: r.y, maxWidth: r.maxX - x)
    }
}

// MARK: Class activation map

func drawCAM(_ f: inout Frame, _ s: ExplorerState, _ l: MambaLayerData, _ screen: MambaScreen) {
    guard let cls = s.camClass, let store = s.store else { return }
    let job = MambaJob.cam(classIndex: cls)
    let cmap = s.colormapOverride ?? .diverging
    var camMap: [Float]? = nil, bias: Float = 0
    if case .cam(let m, let b)? = s.cache.output(job) { camMap = m.data; bias = b }
    let scale = camMap.map { rangeScale($0, symmetric: cmap.isDiverging) } ?? HeatmapScale(lo: -1, hi: 1)
    // The picture, the map blended over it (each token covers its patch of the picture).
    if let pr = screen.pictures.first {
        f.box(pr, title: " CAM · \(s.info.label(cls)) ".clipped(pr.w - 2), fg: Theme.accent, titleStyle: .bold)
        let (pw, ph) = screen.pictureSize
        let inner = pr.inset(1)
        if let pic = s.info.picture {
            let px = pic.resampled(width: pw, height: ph)
            let hm = camMap.map { Heatmap(width: l.width, height: l.height, values: $0).resampled(width: pw, height: ph) }
            func blend(_ i: Int) -> RGB8 {
                guard let hm else { return px[i] }
                let c = cmap.color(scale.normalised(hm.values[i])), a = 0.55, p = px[i]
                func mix(_ u: UInt8, _ v: UInt8) -> UInt8 { UInt8((Double(u) * (1 - a) + Double(v) * a).rounded()) }
                return RGB8(mix(p.r, c.r), mix(p.g, c.g), mix(p.b, c.b))
            }
            for row in 0..<min(inner.h, (ph + 1) / 2) {
                for x in 0..<min(inner.w, pw) {
                    let u = blend(2 * row * pw + x)
                    let lo: RGB8? = 2 * row + 1 < ph ? blend((2 * row + 1) * pw + x) : nil
                    let level = UInt8(((u.luma + (lo ?? u).luma) / 2 * 255).rounded())
                    f[inner.x + x, inner.y + row] = Cell("▀", fg: .rgb(u), bg: lo.map { .rgb($0) } ?? .default, level: level)
                }
            }
        } else {
            f.text("(no picture)", x: inner.x + 1, y: inner.y, maxWidth: inner.w - 1, fg: Theme.dim)
        }
        if camMap == nil { drawPending(&f, s, job, at: Rect(x: inner.x, y: inner.maxY - 1, w: inner.w, h: 1)) }
    }
    for p in screen.tokenPanels {
        drawValuePanel(&f, p, title: fitTitle(" w·z per token ", " CAM ", p), values: camMap.map { $0.map { Optional($0) } } ?? Array(repeating: nil, count: l.tokens),
                       scale: scale, cmap: cmap) { _ in " " }
    }
    // Top-5 to choose from, and the exactness check: mean(map) + bias = the logit.
    let top = store.top(5)
    for (i, r) in screen.lines.enumerated() {
        if i < top.count {
            let sel = top[i].index == cls
            var x = f.text(sel ? " ▸ " : "   ", x: r.x, y: r.y, maxWidth: r.w, fg: Theme.accent, style: .bold)
            x = f.text("\(i + 1) \(s.info.label(top[i].index))".fitted(min(24, max(4, r.maxX - x - 6))), x: x, y: r.y, maxWidth: r.maxX - x, style: sel ? .bold : [])
            f.text(pct(top[i].probability), x: x + 1, y: r.y, maxWidth: r.maxX - x - 1, fg: Theme.dim)
        } else if i == top.count, let m = camMap {
            let mean = m.reduce(0, +) / Float(max(1, m.count))
            let logit = cls < store.logits.count ? store.logits[cls] : .nan
            f.text(" mean \(num(mean, digits: 4)) + bias \(num(bias, digits: 4)) = \(num(mean + bias, digits: 5))", x: r.x, y: r.y, maxWidth: r.w)
            if i + 1 < screen.lines.count {
                let r2 = screen.lines[i + 1]
                var x = f.text(" logit of the forward pass \(num(logit, digits: 5))", x: r2.x, y: r2.y, maxWidth: r2.w, fg: Theme.dim)
                if let ms = s.cache.milliseconds(job) { x = f.text(" · \(msText(ms))", x: x, y: r2.y, maxWidth: r2.maxX - x, fg: Theme.dim) }
            }
        }
    }
}

func pct(_ p: Float) -> String { !p.isFinite ? "n/a" : p < 0.01 && p > 0 ? "<1%" : "\(Int((p * 100).rounded()))%" }

// MARK: Ablation: predictions before and after

/// The top-k of a probability vector, most probable first (ties by index).
func topK(_ p: [Float], _ k: Int) -> [(index: Int, probability: Float)] {
    let idx = p.indices.sorted { p[$0] != p[$1] ? p[$0] > p[$1] : $0 < $1 }
    return idx.prefix(k).map { ($0, p[$0]) }
}

/// The ablated model's probabilities, once computed.
func ablatedProbabilities(_ s: ExplorerState) -> [Float]? {
    guard !s.mamba.ablation.isIdentity, case .logits(let l)? = s.cache.output(.ablation(s.mamba.ablation)) else { return nil }
    return softmax(l)
}

func drawCompare(_ f: inout Frame, _ s: ExplorerState, _ r: Rect) {
    let job = MambaJob.ablation(s.mamba.ablation)
    var title = " predictions: original │ ablated (\(s.mamba.ablation.summary)) "
    if let ms = s.cache.milliseconds(job) { title += "· stage 4 + head \(msText(ms)) " }
    f.box(r, title: title.clipped(r.w - 2), fg: Theme.warn, titleStyle: .bold)
    guard let store = s.store else { return }
    let inner = r.inset(1)
    let half = inner.w / 2
    let orig = store.top(inner.h)
    for (i, t) in orig.enumerated() {
        let x = f.text(" \(i + 1) " + s.info.label(t.index).fitted(max(4, half - 10)), x: inner.x, y: inner.y + i, maxWidth: half)
        f.text(pct(t.probability).leftPadded(5), x: x, y: inner.y + i, maxWidth: inner.x + half - x)
        f[inner.x + half, inner.y + i] = Cell("│", fg: Theme.border)
    }
    guard let ab = ablatedProbabilities(s) else {
        if let e = s.cache.failure(job) { f.text(" " + e, x: inner.x + half + 1, y: inner.y, maxWidth: half - 1, fg: Theme.warn) }
        else { f.text(" recomputing stage 4 and the head…", x: inner.x + half + 1, y: inner.y, maxWidth: half - 1, fg: Theme.accent) }
        return
    }
    for (i, t) in topK(ab, inner.h).enumerated() {
        let x0 = inner.x + half + 1
        var x = f.text(" " + s.info.label(t.index).fitted(max(4, half - 20)), x: x0, y: inner.y + i, maxWidth: inner.maxX - x0)
        x = f.text(pct(t.probability).leftPadded(5), x: x, y: inner.y + i, maxWidth: inner.maxX - x)
        // Without original probabilities (non-finite logits) there is no change to show.
        guard t.index < store.probabilities.count else { continue }
        let delta = (t.probability - store.probabilities[t.index]) * 100
        let same = abs(delta) < 0.05
        f.text(same ? " =  0.0 pt" : String(format: " %@ %+.1f pt", delta > 0 ? "▲" : "▼", Double(delta)), x: x, y: inner.y + i, maxWidth: inner.maxX - x,
               fg: abs(delta) < 0.05 ? Theme.dim : (delta > 0 ? Theme.bar : Theme.warn))
    }
}

/// The narrow layout's one-line predictions, with the ablated top-1 when an ablation is on.
func drawMambaPredictionsLine(_ f: inout Frame, _ s: ExplorerState, _ r: Rect) {
    guard let store = s.store, !store.probabilities.isEmpty else { drawPredictionsLine(&f, s, r); return }
    guard let ab = ablatedProbabilities(s) else {
        drawPredictionsLine(&f, s, r)
        if !s.mamba.ablation.isIdentity { f.text(" ablating…", x: r.maxX - 11, y: r.y, fg: Theme.warn) }
        return
    }
    var x = f.text(" ablated: ", x: r.x, y: r.y, fg: Theme.warn)
    for (i, t) in topK(ab, 3).enumerated() {
        // Without original probabilities (non-finite logits) there is no change to show.
        let change = t.index < store.probabilities.count
            ? " (" + String(format: "%+.1f", Double((t.probability - store.probabilities[t.index]) * 100)) + ")" : ""
        if i > 0 { x = f.text(" · ", x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim) }
        x = f.text("\(s.info.label(t.index)) \(pct(t.probability))\(change)", x: x, y: r.y, maxWidth: r.maxX - x, style: i == 0 ? .bold : [])
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { width >= n ? self : String(repeating: " ", count: n - width) + self }
}

// MARK: Explanations

/// Word-wraps text to lines of at most `width` scalars (paragraphs split at "\n").
func wrap(_ text: String, width: Int) -> [String] {
    guard width > 4 else { return [] }
    var out: [String] = []
    for para in text.split(separator: "\n", omittingEmptySubsequences: false) {
        var line = ""
        for word in para.split(separator: " ") {
            if !line.isEmpty && line.width + 1 + word.unicodeScalars.count > width { out.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        out.append(line)
    }
    return out
}

/// What each view shows, the formula, and the official code's quirks.
func explanation(_ panel: MambaPanel, _ l: MambaLayerData) -> String {
    switch panel {
    case .scans:
        return "Each Mamba layer reads the \(l.height)×\(l.width) tokens four times (PlainMamba2D): a row snake from the top-left, the same path reversed, a column snake from the top-left, and that reversed. Each token shows the official direction code d_k[t] of the move that reached it (● start, → right, ← left, ↑ up, ↓ down); direction_Bs[d] is added to B at that step. The highlighted token is the one read at step t; visited tokens are coloured by ‖h_t‖.\nQuirk of the official code: only u is permuted into scan order; Δ, B and C are taken at raster position t, so step t of every scan uses the Δ, B, C of token t in raster order."
    case .hidden:
        return "h_t = exp(Δ_t·A) ⊙ h_{t−1} + Δ_t·(B_t + direction_Bs[d_t])·u_{o(t)},   y_t = C_t·h_t + D·u_{o(t)}   (E = \(l.inner) channels × N = \(l.state) states). The curves are ‖h_t‖ over all E·N entries along each scan; the maps put ‖h_t‖ back on the token read at step t, the 16 small maps split it per state index n. Decay exp(Δ·A) (mean over channels): near 1 keeps the memory, near 0 forgets. Quirk: Δ = softplus(dt_proj(x) + b) where dt_proj's bias b is added twice (nn.Linear, then the scan's delta_bias)."
    case .attention:
        return "Unrolling the scan gives y_t = Σ_{s≤t} α_{t,s}·u_{o(s)} + D·u_{o(t)} with α_{t,s,e} = Σ_n C_t[n]·exp(A[e,n]·(S_t[e] − S_s[e]))·Δ_s[e]·(B_s[n] + direction_Bs[d_s][n]), S the cumulative Δ. The maps show α of the cursor token (◆) over the tokens it has read, per scan and summed; tokens read later get no weight (·). Parity: y rebuilt from α for every token against the engine's scan output, max |Δy| / max |y| per scan (float rounding expected). α can be negative: blue < 0 < red."
    case .shares:
        return "share_k(p) = Σ_e |y_k[p, e]| / Σ_j Σ_e |y_j[p, e]|: how much of the summed output y = y_1 + y_2 + y_3 + y_4 at token p comes from each scan (★ marks the dominant one). A scan that has read many tokens before p carries more context there; the four snakes start at different corners."
    case .cam:
        return "Exact and gradient-free: after the final LayerNorm the head is linear, logit_c = mean_p (w_c · z_p) + b_c with w = (head.weight + dist_head.weight)/2, b = (head.bias + dist_head.bias)/2 and z_p the normalised token p. The map shows w_c · z_p per token (red for, blue against); its mean plus the bias is the class logit exactly. n / N: another of the top-5 classes."
    }
}

func drawExplain(_ f: inout Frame, _ s: ExplorerState, _ l: MambaLayerData, _ r: Rect) {
    f.box(r, title: " explain ", fg: Theme.border)
    let inner = r.inset(1)
    let lines = wrap(explanation(s.mamba.panel, l), width: inner.w - 2)
    for (i, line) in lines.prefix(inner.h).enumerated() {
        f.text(line, x: inner.x + 1, y: inner.y + i, maxWidth: inner.w - 1)
    }
    if lines.count > inner.h, inner.h > 0 { f[r.maxX - 2, r.maxY - 1] = Cell("…", fg: Theme.dim) }
}
