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
    guard r.h >= 1, let scale = s.scale(channel: s.channel) else { return }
    let cmap = s.colormap
    let lo = num(scale.lo), hi = num(scale.hi)
    let cmapText = cmap.rawValue + (s.colormapOverride == nil ? " " + s.siteQuantity.autoNote(cmap) : "")
    let scopeText = "scale: " + (s.scope == .channel ? "channel \(s.channel)" : s.scope.rawValue)
    let long = "\(cmapText) · \(scopeText)", short = "\(cmap.rawValue) · \(s.scope.rawValue)"
    let numbers = lo.width + hi.width + 6
    // The description goes after the bar when a bar of 16 cells still fits, else it shortens.
    let desc = r.w - numbers - long.width - 2 >= 16 ? long : short
    let bw = max(4, min(48, r.w - numbers - desc.width - 2))
    var x = f.text(" " + lo + " ▕", x: r.x, y: r.y)
    let barX = x
    for i in 0..<bw {
        let idx = Colormap.index((Float(i) + 0.5) / Float(bw))
        f[barX + i, r.y] = Cell("█", fg: .rgb(cmap.lut[idx]), level: monoLevel(idx, cmap))
    }
    x = f.text("▏ " + hi, x: barX + bw, y: r.y)
    f.text("  " + desc, x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim)
    let zx = scale.zeroPosition.map { barX + min(bw - 1, Int($0 * Float(bw))) }
    if r.h >= 2 {
        if let zx {
            f.text("▲ 0", x: zx, y: r.y + 1, fg: Theme.accent)
        } else {
            f.text(scale.lo > 0 ? "0 is below the range" : "0 is above the range", x: barX, y: r.y + 1, fg: Theme.dim)
        }
    } else if let zx {
        f[zx, r.y] = Cell("0", fg: .default, bg: f[zx, r.y].fg, style: .bold)
    }
}
