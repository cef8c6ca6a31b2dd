import Foundation
import VCEngine
import VCRecording
import VCRender
import VCStyle

// The attention view: implicit attention α of the cursor token, and the parity residual.

func drawAttention(_ f: inout Frame, _ s: ExplorerState, _ l: MambaLayerData, _ screen: MambaScreen) {
    guard let layer = s.mambaLayerIndex else { return }
    let c = s.mamba.cursor
    let job = MambaJob.attention(layer: layer, row: c.y, col: c.x, channel: s.mamba.channel)
    let cursor = c.y * l.width + c.x
    let n = l.tokens
    let map: [Float]? = { if case .attention(let t)? = s.cache.output(job) { return t.data } else { return nil } }()
    // Tokens a scan reads after the cursor token get no weight: NaN, drawn empty.
    let masked = map.map { AttentionMask.masked($0, orders: l.orders, token: cursor) }
    let sum: [Float]? = map.map { m in (0..<n).map { p in (0..<4).reduce(Float(0)) { $0 + m[$1 * n + p] } } }
    let style = s.attentionStyle(masked: masked, token: cursor), cmap = style.colormap
    let dirScale = map.map { _ in style.scale }
    let sumScale = sum.map { ScaleRule.range(of: $0, colormap: cmap) }
    for p in screen.tokenPanels {
        let values: [Float?]
        let scale: HeatmapScale
        if p.tag == TokenPanel.sum {
            values = sum.map { $0.map { Optional($0) } } ?? Array(repeating: nil, count: n)
            scale = sumScale ?? HeatmapScale(lo: -1, hi: 1)
        } else {
            let d = p.tag
            values = (0..<n).map { q in masked.map { $0[d * n + q] } }
            scale = dirScale ?? HeatmapScale(lo: -1, hi: 1)
        }
        let title = p.tag == TokenPanel.sum ? fitTitle(" Σ 4 scans ", " Σ ", p) : fitTitle(" α scan \(p.tag + 1) ", " α \(p.tag + 1) ", p)
        drawValuePanel(&f, p, title: title, values: values, scale: scale, cmap: cmap, highlight: p.tag == TokenPanel.sum) { $0 == cursor ? "◆" : " " }
    }
    // Where the panels' edge is too narrow for the whole legend, the α line below carries it.
    let legendFits = map == nil || drawPanelLegend(&f, screen.tokenPanels.filter { $0.tag >= 0 && $0.tag < 4 }, style, what: "α")
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
            // When it carries the legend's notes too, the channel words give way (the status line
            // above says them) and the bar takes what the notes leave.
            let notes = !legendFits && !style.notes.isEmpty ? " · " + style.notes.joined(separator: " · ") : ""
            let lead = notes.isEmpty ? " α (\(channelText)) " : " α "
            var x = f.text(lead, x: r.x, y: r.y, maxWidth: r.w, fg: Theme.dim)
            let barWidth = notes.isEmpty ? 20 : max(4, min(20, r.maxX - x - notes.width - 24))
            x = drawColorBar(&f, x: x, y: r.y, width: barWidth, scale: scale, cmap: cmap, maxX: r.maxX - notes.width)
            if !notes.isEmpty {
                f.text(notes, x: x, y: r.y, maxWidth: r.maxX - x, fg: style.clip != nil ? Theme.warn : Theme.dim)
            }
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
