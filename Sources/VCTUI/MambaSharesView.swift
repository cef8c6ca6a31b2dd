import Foundation
import VCEngine
import VCRecording
import VCRender
import VCStyle

// The shares view: each scan's share of the summed output per token.

func drawShares(_ f: inout Frame, _ s: ExplorerState, _ l: MambaLayerData, _ screen: MambaScreen) {
    let style = s.sharesStyle(l), cmap = style.colormap, scale = style.scale
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
    let points: (Float) -> String = { ShareDifference.label(ShareDifference.points($0)) }
    drawPanelLegend(&f, screen.tokenPanels.filter { $0.tag >= 0 }, style, what: "share", label: cmap.isDiverging ? points : { num($0) },
                    fallback: screen.lines.count > 4 ? screen.lines[4] : nil)
    for (d, r) in screen.lines.enumerated() where d < 4 {
        let mean = l.dirShare[d].reduce(0, +) / Float(max(1, l.tokens))
        let wins = dominant.filter { $0 == d }.count
        var x = f.text(" scan \(d + 1) ", x: r.x, y: r.y, maxWidth: r.w, style: .bold)
        x = f.text(ScanNames.names[d].fitted(22), x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim)
        x = f.text(bar(Double(mean) * 2, width: 16), x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.bar)
        f.text(String(format: " mean share %4.1f%% · dominant on %d/%d tokens", Double(mean * 100), wins, l.tokens), x: x, y: r.y, maxWidth: r.maxX - x)
    }
}
