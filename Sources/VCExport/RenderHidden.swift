import Foundation
import VCEngine
import VCRecording
import VCRender
import VCStyle

// The hidden-state views: ‖h_t‖ maps per scan, curves over the steps, per-state maps.

extension Exporter {
    /// Four maps (one per scan direction) of a (4, h, w) tensor, in a row.
    func renderDirectionPanels(site: String, title: String, what: String, values: [Float], h: Int, w: Int,
                               o: ExportOptions, recorded: Bool, fileSite: String, viewName: String, kind: String,
                               quantity: Quantity, extraSubtitle: [String], mark: (row: Int, col: Int)?,
                               rangeValues: [Float]? = nil, rangeNote: String? = nil) -> Rendered {
        let l = h * w
        let per = (0..<4).map { d in values[(d * l)..<((d + 1) * l)].withContiguousStorageIfAvailable { ChannelStats(buffer: $0) } ?? ChannelStats(values[(d * l)..<((d + 1) * l)]) }
        let all = ChannelStats.merged(per)
        // The range may be taken over fewer values than are drawn (attention without its own weight).
        let ranged = rangeValues ?? values
        let rangeStats = rangeValues.map { r in r.withUnsafeBufferPointer { ChannelStats(buffer: $0) } } ?? all
        let cmap = quantity.colormap(signed: rangeStats.isSigned, override: o.colormap)
        var choice = choose(o, block: rangeStats, tails: Tails(ranged), colormap: cmap, what: what, recorded: recorded)
        if let n = rangeNote { choice.notes.insert(n, at: 0) }
        let k = max(1, o.upscale ?? max(1, 224 / max(h, w)))
        let labels = (0..<4).map(ScanNames.title)
        let tiles: [Tile] = (0..<4).map { d in
            let scale = choice.scale ?? ScaleRule.range(per[d], colormap: cmap)
            return Tile(map: Heatmap(width: w, height: h, values: Array(values[(d * l)..<((d + 1) * l)])),
                        label: choice.scale == nil ? rangeLabel(labels[d], scale) : labels[d], scale: scale,
                        info: [("direction", .int(d + 1)), ("min", .float(per[d].min)), ("max", .float(per[d].max)),
                               ("lo", .float(scale.lo)), ("hi", .float(scale.hi))])
        }
        var (body, rects) = TileGrid.draw(tiles, columns: 4, tileWidth: w * k, tileHeight: h * k, colormap: cmap)
        if let m = mark {
            for r in rects {
                body.strokeRect(x: r.x + m.col * k - 1, y: r.y + m.row * k - 1, width: k + 2, height: k + 2,
                                color: Style.highlight, thickness: max(2, k / 12))
            }
        }
        let fig = Figure(title: title,
                         subtitle: extraSubtitle + ["values: min \(formatValue(all.min)) · max \(formatValue(all.max)) · \(h)×\(w) grid drawn ×\(k) · \(modelLine())"],
                         body: body, bar: bar(cmap, quantity, o, choice), legend: nil)
        var fields = commonFields(site: site, shape: [4, h, w], stats: all, cmap: cmap, o: o, choice: choice, upscale: k)
        if let m = mark {
            fields += [("quantity", .string("implicit attention α; NaN where the scan has not read the token yet")),
                       ("token", .ints([m.row, m.col]))]
        }
        return finish(fig, fileSite: fileSite, viewName: viewName, kind: kind, site: site, fields: fields,
                      tiles: tiles, tileRects: rects, raw: ([4, h, w], values))
    }

    func renderHiddenMaps(_ layer: String, _ o: ExportOptions) throws -> Rendered {
        let site = "\(layer).h_norm_map"
        let t = try tensor(site, for: "the hidden-state view")
        guard t.shape.count == 3, t.shape[0] == 4 else { throw ExportError("\(site) has shape \(t.shape), expected (4, h, w)") }
        return renderDirectionPanels(
            site: site, title: "\(imageName) · \(layer) · hidden-state magnitude", what: "the four maps",
            values: t.data, h: t.shape[1], w: t.shape[2], o: o, recorded: true, fileSite: layer, viewName: "hidden-maps",
            kind: "hidden-maps", quantity: quantity(site), extraSubtitle: ["‖h_t‖ (L2 over E×N states) after each scan reads a token, drawn at the token"], mark: nil)
    }

    func renderHiddenStates(_ layer: String, _ o: ExportOptions) throws -> Rendered {
        let site = "\(layer).h_norm_n"
        let t = try tensor(site, for: "the hidden-state view")
        guard t.shape.count == 4, t.shape[0] == 4 else { throw ExportError("\(site) has shape \(t.shape), expected (4, N, h, w)") }
        let n = t.shape[1], h = t.shape[2], w = t.shape[3]
        let d = try siteData(site), maps = d.maps, st = (channels: d.channelStats, all: d.stats)
        let quantity = quantity(site)
        let cmap = quantity.colormap(signed: st.all.isSigned, override: o.colormap)
        let choice = choose(o, block: st.all, tails: d.tails, colormap: cmap, what: "all \(4 * n) maps", recorded: true)
        let k = max(1, o.upscale ?? max(1, 112 / max(h, w)))
        let tiles: [Tile] = (0..<(4 * n)).map { c in
            let scale = choice.scale ?? ScaleRule.range(st.channels[c], colormap: cmap)
            let label = "\(c / n + 1)·n\(c % n)"
            return Tile(map: maps.heatmap(c), label: choice.scale == nil ? rangeLabel(label, scale) : label, scale: scale,
                        info: [("direction", .int(c / n + 1)), ("state", .int(c % n)), ("min", .float(st.channels[c].min)),
                               ("max", .float(st.channels[c].max)), ("lo", .float(scale.lo)), ("hi", .float(scale.hi))])
        }
        let (body, rects) = TileGrid.draw(tiles, columns: n, tileWidth: w * k, tileHeight: h * k, colormap: cmap)
        let fig = Figure(
            title: "\(imageName) · \(layer) · hidden state per state index",
            subtitle: ["|h_t[n]| (L2 over E channels) per state n (columns) and scan (rows 1–4), drawn at the token read",
                       "values: min \(formatValue(st.all.min)) · max \(formatValue(st.all.max)) · \(h)×\(w) grid drawn ×\(k) · \(modelLine())"],
            body: body, bar: bar(cmap, quantity, o, choice), legend: nil)
        let fields = commonFields(site: site, shape: t.shape, stats: st.all, cmap: cmap, o: o, choice: choice, upscale: k)
        return finish(fig, fileSite: layer, viewName: "hidden-states", kind: "hidden-states", site: site, fields: fields,
                      tiles: tiles, tileRects: rects, raw: (t.shape, t.data))
    }

    func renderHiddenCurves(_ layer: String, _ o: ExportOptions) throws -> Rendered {
        let site = "\(layer).h_norm"
        let t = try tensor(site, for: "the hidden-state view")
        guard t.shape.count == 2, t.shape[0] == 4, t.shape[1] > 0 else { throw ExportError("\(site) has shape \(t.shape), expected (4, L)") }
        let l = t.shape[1]
        let st = t.data.withUnsafeBufferPointer { ChannelStats(buffer: $0) }
        let yMax = st.max > 0 ? st.max : 1
        // Plot geometry: y labels on the left, x labels below.
        let yLabels = [0, yMax / 2, yMax].map(formatValue)
        let left = (yLabels.map { PixelFont.width($0) }.max() ?? 0) + 8
        let pw = max(360, min(960, l * 8)), ph = 240
        let bottom = PixelFont.lineHeight + 8
        var body = Canvas(width: left + pw + 4, height: ph + bottom + 8, background: Style.background)
        let x0 = left, y0 = 6
        func px(_ step: Int) -> Int { x0 + (l == 1 ? 0 : step * (pw - 1) / (l - 1)) }
        func py(_ v: Float) -> Int { y0 + ph - 1 - Int(((v / yMax) * Float(ph - 1)).rounded()) }
        for (i, frac) in [Float(0), 0.25, 0.5, 0.75, 1].enumerated() {
            let y = py(frac * yMax)
            body.fill(x: x0, y: y, width: pw, height: 1, color: Style.rule)
            if i % 2 == 0 {
                let s = yLabels[i / 2]
                body.text(s, x: x0 - 6 - PixelFont.width(s), y: y - 3, color: Style.ink)
            }
        }
        body.fill(x: x0, y: y0, width: 1, height: ph, color: Style.ink)
        body.fill(x: x0, y: y0 + ph - 1, width: pw, height: 1, color: Style.ink)
        let ticks = Array(Set([0, (l - 1) / 4, (l - 1) / 2, 3 * (l - 1) / 4, l - 1])).sorted()
        for s in ticks {
            let x = px(s)
            body.fill(x: x, y: y0 + ph - 1, width: 1, height: 4, color: Style.ink)
            let label = String(ScanNames.step(s))
            body.text(label, x: min(max(x - PixelFont.width(label) / 2, 0), body.width - PixelFont.width(label)), y: y0 + ph + 5, color: Style.ink)
        }
        for d in 0..<4 {
            // A NaN or ∞ step has no height on the plot: the line breaks there.
            for s in 1..<max(l, 1) where t.data[d * l + s - 1].isFinite && t.data[d * l + s].isFinite {
                body.line(x0: px(s - 1), y0: py(t.data[d * l + s - 1]), x1: px(s), y1: py(t.data[d * l + s]), color: Style.directions[d], thickness: 2)
            }
            if l == 1 && t.data[d * l].isFinite { body.disc(cx: px(0), cy: py(t.data[d * l]), radius: 2, color: Style.directions[d]) }
        }
        let labels = (0..<4).map(ScanNames.title)
        let fig = Figure(
            title: "\(imageName) · \(layer) · hidden-state magnitude over the scan",
            subtitle: ["‖h_t‖ (L2 over E×N states) after step t of each scan, t = 1…\(l) (x), from 0 to the maximum (y)",
                       "values: min \(formatValue(st.min)) · max \(formatValue(st.max)) · \(modelLine())"],
            body: body, bar: nil,
            legend: LegendSpec(entries: (0..<4).map { (Style.directions[$0], labels[$0]) },
                               caption: "one line per scan direction; y from 0 to \(formatValue(yMax))"))
        let fields: [(String, JSONValue)] = [
            ("shape", .ints(t.shape)), ("min", .float(st.min)), ("max", .float(st.max)), ("mean", .float(st.mean)),
            ("colormap", .null), ("y_range", .floats([0, yMax])),
            ("line_colors", .array(Style.directions.map { .string($0.description) })),
        ]
        return finish(fig, fileSite: layer, viewName: "hidden-curves", kind: "hidden-curves", site: site, fields: fields,
                      extraLayout: { b in [("plot", Figure.Rect(x: b.x + x0, y: b.y + y0, width: pw, height: ph).json)] },
                      raw: (t.shape, t.data))
    }
}
