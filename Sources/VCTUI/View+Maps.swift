import VCRender
import VCStyle

/// Monochrome intensity of a LUT index: the index itself for sequential maps, the distance
/// from the centre (|value| relative to the scale) for the diverging one.
func monoLevel(_ index: Int, _ colormap: Colormap) -> UInt8 {
    colormap.isDiverging ? UInt8(min(255, abs(2 * index - 255))) : UInt8(index)
}

/// Draws a heatmap already at its pixel size with half-blocks: the upper pixel is the cell's
/// foreground (`▀`), the lower its background. Padding stays empty; a cell holding a NaN or ±∞
/// shows that mark's glyph on its colour (the glyph alone in monochrome).
func drawHeatmap(_ f: inout Frame, _ hm: Heatmap, x0: Int, y0: Int, scale: HeatmapScale, colormap: Colormap) {
    let lut = colormap.lut
    for row in 0..<((hm.height + 1) / 2) {
        for x in 0..<hm.width {
            let u = hm[2 * row, x]
            let l: Float = 2 * row + 1 < hm.height ? hm[2 * row + 1, x] : Heatmap.noValue
            if let m = Marked.of(u) ?? Marked.of(l) {
                f[x0 + x, y0 + row] = Cell(m.glyph, fg: .rgb(.black), bg: .rgb(m.color), style: .bold)
                continue
            }
            let iu = u.isFinite ? Colormap.index(scale.normalised(u)) : nil
            let il = l.isFinite ? Colormap.index(scale.normalised(l)) : nil
            var cell = Cell.blank
            switch (iu, il) {
            case let (a?, b?):
                cell = Cell("▀", fg: .rgb(lut[a]), bg: .rgb(lut[b]),
                            level: UInt8((Int(monoLevel(a, colormap)) + Int(monoLevel(b, colormap)) + 1) / 2))
            case let (a?, nil): cell = Cell("▀", fg: .rgb(lut[a]), level: monoLevel(a, colormap))
            case let (nil, b?): cell = Cell("▄", fg: .rgb(lut[b]), level: monoLevel(b, colormap))
            case (nil, nil): break
            }
            f[x0 + x, y0 + row] = cell
        }
    }
}

func drawGrid(_ f: inout Frame, _ s: ExplorerState, _ layout: Layout) {
    guard let site = s.site, let g = s.gridGeometry(layout) else { return }
    let order = s.channelOrder
    let first = (s.channelPosition / g.perPage) * g.perPage
    let cmap = s.colormap
    for slot in 0..<g.perPage {
        let pos = first + slot
        guard pos < order.count else { break }
        let c = order[pos]
        let r = g.tile(slot)
        let selected = c == s.channel
        let focused = selected && s.focus == .grid
        var title = "ch \(c)"
        if s.sort != .index {
            let st = site.channelStats[c]
            let v: Float = s.sort == .mean ? st.mean : (s.sort == .max ? st.max : st.variance)
            if title.width + 1 + num(v, digits: 2).width <= g.tileWidth { title += " " + num(v, digits: 2) }
        }
        f.box(r, title: title, fg: selected ? Theme.accent : Theme.border,
              titleStyle: focused ? [.bold, .reverse] : (selected ? .bold : []), style: selected ? .bold : [])
        guard let scale = s.scale(channel: c) else { continue }
        let hm = site.maps.heatmap(c).resampled(width: g.tileWidth, height: g.pixelRows)
        drawHeatmap(&f, hm, x0: r.x + 1, y0: r.y + 1, scale: scale, colormap: cmap)
    }
}

func drawZoom(_ f: inout Frame, _ s: ExplorerState, _ layout: Layout) {
    guard let site = s.site, let z = s.zoomGeometry(layout), let scale = s.scale(channel: s.channel) else { return }
    let c = s.channel, st = site.channelStats[c]
    let v = site.maps.value(channel: c, y: s.cursor.y, x: s.cursor.x)
    var x = f.text(" ch \(c)", x: layout.main.x, y: layout.main.y, fg: Theme.accent, style: .bold)
    x = f.text(" (\(s.channelPosition + 1)/\(site.maps.channels)) · ", x: x, y: layout.main.y, maxWidth: layout.main.maxX - x, fg: Theme.dim)
    x = f.text("(\(s.cursor.y), \(s.cursor.x)) ", x: x, y: layout.main.y, maxWidth: layout.main.maxX - x, style: .bold)
    x = f.text(num(v, digits: 4), x: x, y: layout.main.y, maxWidth: layout.main.maxX - x, fg: Theme.accent, style: .bold)
    f.text(" · channel mean \(num(st.mean)) std \(num(st.std)) min \(num(st.min)) max \(num(st.max))",
           x: x, y: layout.main.y, maxWidth: layout.main.maxX - x, fg: Theme.dim)
    let hm = site.maps.heatmap(c).resampled(width: z.pixelWidth, height: z.pixelHeight)
    drawHeatmap(&f, hm, x0: z.origin.x, y0: z.origin.y, scale: scale, colormap: s.colormap)
    // The cursor: a marker in the middle of the cell's footprint, contrasting with its colour.
    let xs = z.pixels(x: s.cursor.x), ys = z.pixels(y: s.cursor.y)
    let px = (xs.lowerBound + xs.upperBound - 1) / 2, py = (ys.lowerBound + ys.upperBound - 1) / 2
    let under = s.colormap.color(scale.normalised(v))
    f[z.origin.x + px, z.origin.y + py / 2] = Cell("◆", fg: .rgb(under.luma > 0.5 ? .black : .white), bg: .rgb(under), style: .bold)
    f.images.append(.zoom(site.maps.heatmap(c), scale: scale, colormap: s.colormap, cursor: (s.cursor.y, s.cursor.x),
                          rect: Rect(x: z.origin.x, y: z.origin.y, w: z.pixelWidth, h: z.cellRows),
                          marks: [Rect(x: z.origin.x + px, y: z.origin.y + py / 2, w: 1, h: 1)]))
    // Ticks outside the map point at the cursor's row and column.
    if z.origin.x > layout.main.x { f[z.origin.x - 1, z.origin.y + py / 2] = Cell("▶", fg: Theme.accent) }
    if z.origin.y + z.cellRows < layout.main.maxY { f[z.origin.x + px, z.origin.y + z.cellRows] = Cell("▲", fg: Theme.accent) }
}

func drawLegend(_ f: inout Frame, _ s: ExplorerState, _ r: Rect) {
    guard r.h >= 1, let robust = s.robustScale(channel: s.channel) else { return }
    let cmap = s.colormap
    let shares = s.rail.sites.kind(of: s.siteName) == .directionShare && cmap.isDiverging && s.scope != .channel
    let cmapText = cmap.rawValue + (s.colormapOverride == nil ? " " + s.siteQuantity.autoNote(cmap) : "")
    let scopeText = "scale: " + (s.scope == .channel ? "channel \(s.channel)" : s.scope.rawValue) + (s.scope == .channel ? "" : " · clip \(s.clip.rawValue)")
    let notes = robust.notes { num($0) } + (shares ? [ShareDifference.caption] : [])
    drawLegendRow(&f, r, robust, cmap: cmap, label: shares ? { ShareDifference.label(ShareDifference.points($0)).replacingOccurrences(of: " vs 25%", with: "") } : { num($0) },
                  long: "\(cmapText) · \(scopeText)", short: "\(cmap.rawValue) · \(s.scope.rawValue)", notes: notes,
                  zero: shares ? (ShareDifference.even, "25%") : (0, "0"))
}

/// One legend: "lo ▕bar▏ hi  description" on the first row, ◀ ▶ at an end the scale clipped;
/// on a second row the zero tick ("▲ 0", under the bar, never drawn inside it) and the notes
/// (clip, narrow range). With one row, the notes replace the description when they fit.
func drawLegendRow(_ f: inout Frame, _ r: Rect, _ robust: RobustScale, cmap: Colormap, label: (Float) -> String,
                   long: String, short: String, notes: [String], zero: (Float, String)) {
    let scale = robust.scale
    let loClip = robust.clip?.lo != nil, hiClip = robust.clip?.hi != nil
    let lo = label(scale.lo), hi = label(scale.hi)
    let numbers = lo.width + hi.width + 6 + (loClip ? 1 : 0) + (hiClip ? 1 : 0)
    let noteText = notes.joined(separator: " · ")
    var desc = r.w - numbers - long.width - 2 >= 16 ? long : short
    if r.h < 2, !notes.isEmpty { desc = r.w - numbers - noteText.width - 2 >= 12 ? noteText : notes[0] }
    let bw = max(4, min(48, r.w - numbers - desc.width - 2))
    var x = f.text(" " + lo + " " + (loClip ? "◀" : "") + "▕", x: r.x, y: r.y, maxWidth: r.w)
    let barX = x
    for i in 0..<bw where barX + i < r.maxX {
        let idx = Colormap.index((Float(i) + 0.5) / Float(bw))
        f[barX + i, r.y] = Cell("█", fg: .rgb(cmap.lut[idx]), level: monoLevel(idx, cmap))
    }
    x = f.text("▏" + (hiClip ? "▶" : "") + " " + hi, x: barX + bw, y: r.y, maxWidth: max(0, r.maxX - barX - bw))
    f.text("  " + desc, x: x, y: r.y, maxWidth: max(0, r.maxX - x), fg: Theme.dim)
    guard r.h >= 2 else { return }
    let t = scale.normalised(zero.0)
    var nx = barX
    if t >= 0 && t <= 1 {
        let zx = barX + min(bw - 1, Int(t * Float(bw)))
        nx = f.text("▲ " + zero.1, x: zx, y: r.y + 1, maxWidth: max(0, r.maxX - zx), fg: Theme.accent) + 2
    } else {
        nx = f.text(zero.1 + (scale.lo > zero.0 ? " is below the range" : " is above the range"), x: barX, y: r.y + 1,
                    maxWidth: max(0, r.maxX - barX), fg: Theme.dim) + 2
    }
    if !notes.isEmpty, nx < r.maxX {
        f.text(noteText.clipped(r.maxX - nx), x: nx, y: r.y + 1, maxWidth: r.maxX - nx, fg: Theme.warn)
    }
}
