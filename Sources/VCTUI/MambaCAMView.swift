import Foundation
import VCEngine
import VCRecording
import VCRender
import VCStyle

// The CAM view: the exact class activation map over the picture, and its check.

func drawCAM(_ f: inout Frame, _ s: ExplorerState, _ l: MambaLayerData, _ screen: MambaScreen) {
    guard let cls = s.camClass, let store = s.store else { return }
    let job = MambaJob.cam(classIndex: cls)
    var camMap: [Float]? = nil, bias: Float = 0
    if case .cam(let m, let b)? = s.cache.output(job) { camMap = m.data; bias = b }
    let style = s.camStyle(camMap), cmap = style.colormap, scale = style.scale
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
                return Overlay.blend(cmap.color(scale.normalised(hm.values[i])), over: px[i])
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
        if camMap != nil { drawBorderLegend(&f, x0: pr.x + 1, x1: pr.maxX - 1, y: pr.maxY - 1, style, what: "CAM") }
        if camMap == nil { drawPending(&f, s, job, at: Rect(x: inner.x, y: inner.maxY - 1, w: inner.w, h: 1)) }
    }
    for p in screen.tokenPanels {
        drawValuePanel(&f, p, title: fitTitle(" w·z per token ", " CAM ", p), values: camMap.map { $0.map { Optional($0) } } ?? Array(repeating: nil, count: l.tokens),
                       scale: scale, cmap: cmap) { _ in " " }
    }
    if camMap != nil { drawPanelLegend(&f, screen.tokenPanels, style, what: "CAM") }
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
                // What the map's colours are: its units and sign (the legend's note, in full here).
                if let note = Quantity.classActivation.legendNote, r2.maxX - x >= 12 {
                    f.text(" · map: \(note)".clipped(r2.maxX - x), x: x, y: r2.y, maxWidth: r2.maxX - x, fg: Theme.dim)
                }
            }
        }
    }
}

func pct(_ p: Float) -> String { !p.isFinite ? "n/a" : p < 0.01 && p > 0 ? "<1%" : "\(Int((p * 100).rounded()))%" }
