import Foundation
import VCEngine
import VCRecording
import VCRender
import VCStyle

// The scans view: the four snake scans walking the token grid, step by step.

func drawScans(_ f: inout Frame, _ s: ExplorerState, _ l: MambaLayerData, _ screen: MambaScreen) {
    let t = s.mamba.step
    let style0 = s.hiddenNormStyle(l), cmap = style0.colormap, scale = style0.scale
    let cursor = s.mamba.cursor.y * l.width + s.mamba.cursor.x
    for p in screen.tokenPanels {
        let d = p.tag
        f.box(p.rect, title: fitTitle(" \(ScanNames.title(d)) ", fitTitle(" \(ScanNames.shortTitle(d)) ", " scan \(d + 1) ", p), p), fg: Theme.border)
        for row in 0..<p.rows { for col in 0..<p.cols {
            let tok = row * l.width + col
            let step = l.orders.inverse[d][tok]
            let mark = directionMarks[l.orders.directions[d][step]]
            let r = p.cell(row: row, col: col)
            var style: Style = tok == cursor ? .underline : []
            if step == t {
                style.insert(.bold)
                // Not the accent yellow (the top of viridis): a colour outside the colormap, and
                // in monochrome reverse video (the Frame's level-less cells reverse there).
                drawTokenCell(&f, r, glyph: mark, fg: .rgb(.black), bg: Theme.current(for: cmap), style: style)
            } else if step < t {
                let c = dataPaint(l.hNorm[d][step], scale, cmap)
                // Bold: in 16 colours a dark data colour must not pass for an unread token.
                drawTokenCell(&f, r, glyph: mark, fg: c.fg, bg: c.bg, style: style.union(.bold), level: c.level)
            } else {
                drawTokenCell(&f, r, glyph: mark, fg: Theme.dim, style: style)
            }
        } }
    }
    drawPanelLegend(&f, screen.tokenPanels, style0, what: "visited: ‖h_t‖")
    // One read-out per scan shown: where step t is, the move, ‖h_t‖, when the cursor is read.
    let shown = screen.tokenPanels.map { $0.tag }
    for (i, r) in screen.lines.enumerated() {
        if i < shown.count {
            let d = shown[i]
            let tok = l.orders.orders[d][t]
            var x = f.text(" scan \(d + 1) ", x: r.x, y: r.y, maxWidth: r.w, style: .bold)
            x = f.text("step \(ScanNames.step(t)) reads \(pt(l.point(tok))) ", x: x, y: r.y, maxWidth: r.maxX - x)
            x = f.text(String(directionMarks[l.orders.directions[d][t]]) + " " + ScanOrders.directionNames[l.orders.directions[d][t]],
                       x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.accent)
            x = f.text(" · ‖h‖ \(num(l.hNorm[d][t]))", x: x, y: r.y, maxWidth: r.maxX - x)
            f.text(" · cursor \(pt(s.mamba.cursor)) is step \(ScanNames.step(l.orders.inverse[d][cursor]))", x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim)
        } else {
            var x = f.text(" visited tokens coloured by ‖h_t‖ ", x: r.x, y: r.y, maxWidth: r.w, fg: Theme.dim)
            drawColorBar(&f, x: x, y: r.y, width: 24, scale: scale, cmap: cmap, maxX: r.maxX)
            x = 0
        }
    }
}
