import Foundation
import VCEngine
import VCRecording
import VCRender
import VCStyle

// The gradient view (`a`): the map over the input picture, the map alone with its colour bar,
// the classes, and the formula with a one-line explanation. Pure, like every view.

let gradientHints: [(String, String)] = [("a A", "method"), ("n 1-5", "class"), ("[]{}", "block"), ("⇥", "sites"), ("Esc", "close")]

/// The map on screen, if computed.
extension ExplorerState {
    var gradientMap: AttributionMap? {
        guard case .success(let job)? = gradientJob else { return nil }
        return attributions.map(job)
    }

    /// The map's colours: VCStyle's `AttributionColormap` (as export and `attribute` draw them),
    /// `c` overrides; the range is the shown values' min…max.
    func gradientStyle(_ map: AttributionMap?) -> PanelStyle {
        let method = map?.method ?? gradient?.method ?? .gradcam
        let cmap = colormapOverride ?? AttributionColormap.of(method)
        guard let map else { return PanelStyle(colormap: cmap, scale: HeatmapScale(lo: 0, hi: 1)) }
        var notes: [String] = []
        if let d = map.displayFormula { notes.append("shown as \(d)") }
        let bad = map.values.filter { !$0.isFinite }.count
        if bad == map.values.count { return PanelStyle(colormap: cmap, scale: HeatmapScale(lo: 0, hi: 1), notes: ["all \(bad) values non-finite"]) }
        if bad > 0 { notes.append("\(bad) non-finite") }
        return PanelStyle(colormap: cmap, scale: ScaleRule.range(of: map.displayed, colormap: cmap), notes: notes)
    }

    /// The input picture with the map blended over it at the overlay's opacity, at the picture's
    /// own resolution (each cell of a site's grid covers its patch); the picture alone before the
    /// map exists.
    var gradientOverlay: Picture? {
        guard let pic = info.picture else { return nil }
        guard let map = gradientMap else { return pic }
        let style = gradientStyle(map)
        var c = Canvas(width: pic.width, height: pic.height, background: .black)
        c.drawPicture(rgb: pic.rgb, width: pic.width, height: pic.height, x: 0, y: 0, width: pic.width, height: pic.height)
        c.drawHeatmap(Heatmap(width: map.width, height: map.height, values: map.displayed), x: 0, y: 0, width: pic.width, height: pic.height,
                      scale: style.scale, colormap: style.colormap, nanColor: .black, alpha: Overlay.alpha)
        return Picture(width: pic.width, height: pic.height, rgb: c.pixels)
    }

    /// "Grad-CAM of tabby at network.4.3": the method, its class and where it is taken.
    var gradientTitle: String {
        guard let g = gradient else { return "" }
        var t = g.method.title
        if g.method.needsClass, let k = gradientClass { t += " of \(info.label(k))" }
        switch g.method {
        case .gradcam, .layercam, .erf: t += " at \(gradientSite.site)"
        case .saliency, .ig: t += " at the input"
        case .rollout, .mambaAttr: t += " over the Mamba layers"
        }
        return t
    }
}

func drawGradient(_ f: inout Frame, _ s: ExplorerState) {
    guard let g = s.gradient else { return }
    let screen = GradientScreen(s)
    let map = s.gradientMap
    let style = s.gradientStyle(map)
    // Header: what is shown; in narrow windows the site, whose selector line the tabs replace.
    var x = f.text(" gradients · ", x: screen.header.x, y: screen.header.y, maxWidth: screen.header.w, fg: Theme.dim)
    x = f.text(s.gradientTitle, x: x, y: screen.header.y, maxWidth: screen.header.maxX - x, style: .bold)
    // The site on screen, when the map is not taken there (the narrow layouts hide its selector).
    let at = [.gradcam, .layercam, .erf].contains(g.method) ? s.gradientSite.site : nil
    if at != s.siteName { f.text(" · site \(s.siteName)", x: x, y: screen.header.y, maxWidth: screen.header.maxX - x, fg: Theme.dim) }
    drawGradientTabs(&f, s, screen.tabs)

    let (pw, ph) = screen.pictureSize
    f.box(screen.overlay, title: " over the input ".clipped(screen.overlay.w - 2), fg: Theme.accent, titleStyle: .bold)
    let cells = Rect(x: screen.overlay.x + 1, y: screen.overlay.y + 1, w: pw, h: min(screen.overlay.h - 2, (ph + 1) / 2))
    if let pic = s.gradientOverlay {
        drawHalfBlocks(&f, pic.resampled(width: pw, height: ph), width: pw, height: ph, in: screen.overlay.inset(1))
        // Pixel terminals draw both panels at the picture's resolution over the same cells.
        f.images.append(FrameImage(slot: .gradientOverlay, rect: cells, width: pic.width, height: pic.height, rgb: pic.rgb))
    } else {
        f.text("(no picture)", x: screen.overlay.x + 1, y: screen.overlay.y + 1, maxWidth: screen.overlay.w - 2, fg: Theme.dim)
    }
    if let r = screen.plain {
        let grid = map.map { " map \($0.height)×\($0.width) " } ?? " map "
        f.box(r, title: grid.clipped(r.w - 2), fg: Theme.border)
        if let map {
            let hm = Heatmap(width: map.width, height: map.height, values: map.displayed).resampled(width: pw, height: ph)
            drawHeatmap(&f, hm, x0: r.x + 1, y0: r.y + 1, scale: style.scale, colormap: style.colormap)
            if let pic = s.info.picture {
                var c = Canvas(width: pic.width, height: pic.height, background: .black)
                c.drawHeatmap(Heatmap(width: map.width, height: map.height, values: map.displayed), x: 0, y: 0, width: pic.width, height: pic.height,
                              scale: style.scale, colormap: style.colormap, nanColor: .black)
                f.images.append(FrameImage(slot: .gradientMap, rect: Rect(x: r.x + 1, y: cells.y, w: pw, h: cells.h),
                                           width: pic.width, height: pic.height, rgb: c.pixels))
            }
        }
    }
    let status = screen.plain ?? screen.overlay
    let message = gradientMessage(s)
    if map == nil {
        let r = Rect(x: status.x + 1, y: status.y + status.h / 2, w: status.w - 2, h: 1)
        f.text(message.pending ? " computing… " : " no map ", x: r.x, y: r.y, maxWidth: r.w, fg: message.pending ? Theme.accent : Theme.warn, style: .bold)
    } else {
        drawBorderLegend(&f, x0: screen.legend.x, x1: screen.legend.maxX, y: screen.legend.y, style, what: g.method.title)
    }
    drawGradientClasses(&f, s, screen)
    drawGradientText(&f, s, screen.text, map: map, message: message)
}

/// The methods, the shown one reversed (in monochrome too), on the tabs row.
func drawGradientTabs(_ f: inout Frame, _ s: ExplorerState, _ r: Rect) {
    f.fill(r)
    guard let g = s.gradient else { return }
    let methods = s.gradientMethods
    // Padded names when they fit, else packed, else the short names.
    let padded = methods.reduce(1) { $0 + $1.title.width + 3 } <= r.w
    let names = padded || methods.reduce(1) { $0 + $1.title.width + 1 } <= r.w ? methods.map(\.title) : methods.map(\.shortTitle)
    var x = r.x + 1
    for (m, name) in zip(methods, names) {
        let on = m == g.method
        x = f.text(padded ? " \(name) " : name, x: x, y: r.y, maxWidth: r.maxX - x, fg: on ? Theme.accent : Theme.dim, style: on ? [.reverse, .bold] : [])
        x += 1
    }
}

/// The top-5 beside the panels (the explained one marked), or the class on one line.
func drawGradientClasses(_ f: inout Frame, _ s: ExplorerState, _ screen: GradientScreen) {
    guard let g = s.gradient, let store = s.store else { return }
    let top = store.top(5)
    let cls = g.method.needsClass ? s.gradientClass : nil
    if let r = screen.classLine {
        var x = f.text(" class ", x: r.x, y: r.y, maxWidth: r.w, fg: Theme.dim)
        if let k = cls, let i = top.firstIndex(where: { $0.index == k }) {
            x = f.text("\(i + 1)/\(top.count) \(s.info.label(k))", x: x, y: r.y, maxWidth: r.maxX - x, style: .bold)
            f.text(" \(pct(top[i].probability)) · n: next", x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim)
        } else {
            f.text(g.method.needsClass ? "none (the logits are not finite)" : "none: \(g.method.title) explains no class", x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim)
        }
        return
    }
    for (i, r) in screen.classLines.enumerated() where i < top.count {
        let sel = top[i].index == cls
        var x = f.text(sel ? " ▸ " : "   ", x: r.x, y: r.y, maxWidth: r.w, fg: Theme.accent, style: .bold)
        x = f.text("\(i + 1) \(s.info.label(top[i].index))".fitted(min(24, max(4, r.maxX - x - 5))), x: x, y: r.y, maxWidth: r.maxX - x,
                   fg: cls == nil ? Theme.dim : .default, style: sel ? .bold : [])
        f.text(" " + pct(top[i].probability), x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim)
    }
    if cls == nil, screen.classLines.count > top.count {
        let r = screen.classLines[top.count]
        f.text(g.method.needsClass ? "   no class" : "   \(g.method.title): no class", x: r.x, y: r.y, maxWidth: r.w, fg: Theme.dim)
    }
}

/// Why there is no map yet: on its way, or the reason it cannot be made.
func gradientMessage(_ s: ExplorerState) -> (pending: Bool, text: String?) {
    switch s.gradientJob {
    case .failure(let e)?: return (false, e.description)
    case .success(let job)?:
        if let e = s.attributions.failure(job) { return (false, e) }
        if s.attributions.map(job) != nil { return (false, nil) }
        return (true, nil)
    case nil: return (true, nil)
    }
}

/// The text under the panels: the site's note, the formula, the explanation, the cost. Cut with
/// "…" when the window has no room for all of it.
func drawGradientText(_ f: inout Frame, _ s: ExplorerState, _ r: Rect, map: AttributionMap?, message: (pending: Bool, text: String?)) {
    guard let g = s.gradient, r.h > 0, r.w > 8 else { return }
    var paragraphs: [(String, Paint, Style)] = []
    if [.gradcam, .layercam, .erf].contains(g.method), let note = s.gradientSite.note { paragraphs.append((note, Theme.warn, [])) }
    if let e = message.text { paragraphs.append((e, Theme.warn, .bold)) }
    if let map {
        paragraphs.append(("formula: " + map.formula + (map.displayFormula.map { "; shown as \($0)" } ?? ""), .default, .bold))
    } else if message.pending {
        let first = s.attributions.results.isEmpty
        paragraphs.append(("computing… " + (first ? "(the first map builds the gradient model: a second copy of the weights)" : ""), Theme.accent, []))
    }
    paragraphs.append((g.method.explanation, .default, []))
    if case .success(let job)? = s.gradientJob, let result = s.attributions.results[job], map != nil {
        var cost = "computed in \(msText(result.milliseconds))"
        if let m = result.modelMilliseconds { cost += " · gradient model built in \(msText(m)) (once)" }
        paragraphs.append((cost, Theme.dim, []))
    }
    var lines: [(String, Paint, Style)] = []
    for (text, fg, style) in paragraphs { for l in wrap(text, width: r.w - 2) { lines.append((l, fg, style)) } }
    for (i, (line, fg, style)) in lines.prefix(r.h).enumerated() {
        // The last row shown says so when more text follows.
        var shown = line
        if i == r.h - 1 && lines.count > r.h {
            shown = line.width <= r.w - 4 ? line + " …" : String(String.UnicodeScalarView(line.unicodeScalars.prefix(r.w - 3))) + "…"
        }
        f.text(shown, x: r.x + 1, y: r.y + i, maxWidth: r.w - 1, fg: fg, style: style)
    }
}

/// Pixels `width`×`height` (row-major) as half blocks from the top-left of `r`: two pixel rows
/// per cell, the monochrome level their mean luma.
func drawHalfBlocks(_ f: inout Frame, _ px: [RGB8], width pw: Int, height ph: Int, in r: Rect) {
    for row in 0..<min(r.h, (ph + 1) / 2) {
        for x in 0..<min(r.w, pw) {
            let u = px[2 * row * pw + x]
            let l: RGB8? = 2 * row + 1 < ph ? px[(2 * row + 1) * pw + x] : nil
            let level = UInt8(((u.luma + (l ?? u).luma) / 2 * 255).rounded())
            f[r.x + x, r.y + row] = Cell("▀", fg: .rgb(u), bg: l.map { .rgb($0) } ?? .default, level: level)
        }
    }
}
