import Foundation
import VCEngine
import VCRecording
import VCRender
import VCStyle

// The hidden-state view: ‖h_t‖ along the scans, on the grid and per state index; the decay.

let sparkChars: [Unicode.Scalar] = ["▁", "▂", "▃", "▄", "▅", "▆", "▇", "█"]

func drawHidden(_ f: inout Frame, _ s: ExplorerState, _ l: MambaLayerData, _ screen: MambaScreen) {
    let t = s.mamba.step
    let style = s.hiddenNormStyle(l), cmap = style.colormap, scale = style.scale
    let hi = max(l.hNorm.flatMap { $0 }.filter(\.isFinite).max() ?? 1, 1e-12)
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
        f.text(" \(num(l.hNorm[d][t])) at step \(ScanNames.step(t)) (max \(num(l.hNorm[d].max() ?? 0)))", x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim)
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
            let ds = s.decayStyle(decay)
            drawValuePanel(&f, p, title: title, values: decay, scale: ds.scale, cmap: ds.colormap) { _ in " " }
        }
    }
    drawPanelLegend(&f, screen.tokenPanels.filter { $0.tag >= 0 }, style, what: "‖h_t‖")
    drawPanelLegend(&f, screen.tokenPanels.filter { $0.tag < 0 }, s.decayStyle(decay), what: "decay")
    // The 16 per-state maps of one scan.
    if !screen.pictures.isEmpty, screen.lines.count > shown.count {
        let d = s.mamba.direction ?? 0
        let r = screen.lines[shown.count]
        let perN = l.hNormN[d]
        let nScale = ScaleRule.range(of: perN.flatMap { $0 }, colormap: cmap)
        // First the legend of the per-state maps below (one shared scale), then the decay words.
        var x = f.text(" |h_t[n]| of scan \(d + 1) (d: scan) ", x: r.x, y: r.y, maxWidth: r.w, fg: Theme.dim)
        x = drawColorBar(&f, x: x, y: r.y, width: 16, scale: nScale, cmap: cmap, maxX: r.maxX)
        x = f.text(" \(cmap.rawValue) · decay ", x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim)
        x = f.text(s.mamba.stateIndex.map { "of n=\($0)" } ?? "mean over n", x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim)
        f.text(" (n: pick n) \(num(decay.min() ?? 0))…\(num(decay.max() ?? 0))", x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim)
        for (n, pr) in screen.pictures.enumerated() where n < perN.count {
            let values = (0..<l.tokens).map { l.orders.inverse[d][$0] <= t ? perN[n][$0] : Heatmap.noValue }
            let hm = Heatmap(width: l.width, height: l.height, values: values).resampled(width: screen.pictureSize.w, height: screen.pictureSize.h)
            let sel = s.mamba.stateIndex == n
            f.text("n\(n)".clipped(pr.w), x: pr.x, y: pr.y, fg: sel ? Theme.accent : Theme.dim, style: sel ? .bold : [])
            drawHeatmap(&f, hm, x0: pr.x, y0: pr.y + 1, scale: nScale, colormap: cmap)
        }
    }
}
