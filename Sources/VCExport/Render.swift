import Foundation
import VCEngine
import VCRender

/// How a figure's colours were scaled, for the colour bar and the sidecar.
struct ScaleChoice {
    var scope: ScaleScope
    /// nil when every tile has its own range (channel scope on a sheet).
    var scale: HeatmapScale?
    var symmetric: Bool
    /// "all channels of network.4.11", "every recorded activation (412 sites)".
    var from: String
    /// Why the scope differs from the requested one, if it does.
    var note: String?

    var json: JSONValue {
        var m: [(String, JSONValue)] = [("scope", .string(scope.rawValue))]
        if let s = scale { m += [("lo", .float(s.lo)), ("hi", .float(s.hi))] }
        m += [("symmetric", .bool(symmetric)), ("from", .string(from))]
        if let n = note { m.append(("note", .string(n))) }
        return .object(m)
    }
}

extension Exporter {
    func render(_ view: ExportView, _ o: ExportOptions) throws -> [Rendered] {
        switch view {
        case .channels(let site): return [try renderSheet(site, o)]
        case .channel(let site, let c): return [try renderChannel(site, c, o)]
        case .scans: return [try renderScans(o, step: nil)]
        case .scanFrames:
            guard let (h, w) = source.grid else { throw ExportError("the scan views need the stage-4 grid") }
            return try (0..<(h * w)).map { try renderScans(o, step: $0) }
        case .hidden(let layer):
            return [try renderHiddenMaps(layer, o), try renderHiddenCurves(layer, o), try renderHiddenStates(layer, o)]
        case .attention(let layer, let r, let c, let ch): return [try renderAttention(layer, row: r, col: c, channel: ch, o)]
        case .cam(let i): return [try renderCAM(i, o)]
        }
    }

    // MARK: Shared pieces

    /// The CAM overlay's opacity, 141/256 ≈ 0.55 as on screen.
    static let overlayAlpha = 141

    var imageName: String { source.provenance.imageName }

    /// The scale of a whole view (block) or of all activations (global); channel scope gives nil
    /// (each tile its own). `what` names the values of the block scope.
    func choose(_ o: ExportOptions, block: ChannelStats, symmetric: Bool, what: String, recorded: Bool) -> ScaleChoice {
        switch o.scope {
        case .channel:
            return ScaleChoice(scope: .channel, scale: nil, symmetric: symmetric, from: "each map's own values", note: nil)
        case .block:
            return ScaleChoice(scope: .block, scale: HeatmapScale(block, symmetric: symmetric), symmetric: symmetric, from: what, note: nil)
        case .global:
            if !recorded {
                return ScaleChoice(scope: .block, scale: HeatmapScale(block, symmetric: symmetric), symmetric: symmetric, from: what,
                                   note: "global applies to recorded activations; this view is computed, so its own range is used")
            }
            return ScaleChoice(scope: .global, scale: HeatmapScale(global, symmetric: symmetric), symmetric: symmetric,
                               from: "every recorded activation (\(source.order.count) sites)", note: nil)
        }
    }

    func bar(_ cmap: Colormap, _ o: ExportOptions, _ choice: ScaleChoice) -> ColorBarSpec {
        let name = cmap.rawValue + (o.colormap == nil ? " (auto)" : "")
        let range = choice.symmetric ? "±max|v|" : "min…max"
        if let s = choice.scale {
            var caption = "\(name) · scale: \(choice.scope.rawValue), \(range) of \(choice.from)"
            if choice.note != nil { caption += " (global n/a)" }
            return ColorBarSpec(colormap: cmap, lo: s.lo, hi: s.hi, caption: caption)
        }
        return ColorBarSpec(colormap: cmap, lo: 0, hi: 0, caption: "\(name) · scale: channel, each map its own \(range), written above it",
                            endLabels: choice.symmetric ? ("-max|v|", "+max|v|") : ("min", "max"), markZero: false)
    }

    /// Label of a tile under channel scope: "12  -0.51…3.2".
    func rangeLabel(_ head: String, _ s: HeatmapScale) -> String { "\(head)  \(formatValue(s.lo))…\(formatValue(s.hi))" }

    func commonFields(site: String, shape: [Int], stats: ChannelStats, cmap: Colormap, o: ExportOptions,
                      choice: ScaleChoice, upscale: Int?) -> [(String, JSONValue)] {
        var f: [(String, JSONValue)] = [
            ("shape", .ints(shape)),
            ("min", .float(stats.min)), ("max", .float(stats.max)), ("mean", .float(stats.mean)),
            ("colormap", .string(cmap.rawValue)), ("colormap_auto", .bool(o.colormap == nil)),
            ("scale", choice.json),
        ]
        if let k = upscale { f.append(("upscale", .int(k))) }
        return f
    }

    func finish(_ fig: Figure, fileSite: String, viewName: String, kind: String, site: String,
                fields: [(String, JSONValue)], tiles: [Tile]? = nil, tileRects: [Figure.Rect] = [],
                extraLayout: (Figure.Rect) -> [(String, JSONValue)] = { _ in [] },
                raw: (shape: [Int], values: [Float])?) -> Rendered {
        // NaN and ±inf of what the figure shows: marked colours keyed under the bar, and counted
        // in the sidecar with the first site of the forward pass that held any.
        var fig = fig, fields = fields
        if let r = raw, fig.bar != nil {
            let marks = Marked.count(r.values)
            if !marks.isEmpty {
                fig.bar?.marks = marks
                fig.bar?.firstNonFinite = firstNonFinite?.description
                fields.append(("non_finite", nonFiniteJSON(marks)))
            }
        }
        let (canvas, layout) = fig.render()
        var l: [(String, JSONValue)] = [("body", layout.body.json)]
        if let b = layout.colorBar { l.append(("colorbar", b.json)) }
        if let t = tiles { l.append(("tiles", TileGrid.json(t, tileRects, origin: layout.body))) }
        l += extraLayout(layout.body)
        return Rendered(fileSite: fileSite, viewName: viewName, kind: kind, site: site, canvas: canvas,
                        fields: fields, layout: l, raw: raw)
    }

    func nonFiniteJSON(_ c: NonFiniteCount) -> JSONValue {
        .object([("count", .int(c.total)), ("nan", .int(c.nan)), ("inf", .int(c.posInf)), ("-inf", .int(c.negInf)),
                 ("first_site", .optional(firstNonFinite?.site)), ("first_kind", .optional(firstNonFinite?.count.kind)),
                 ("colors", .object(Marked.allCases.map { ($0.label, .string($0.color.description)) }))])
    }

    /// What a site is, in words, for subtitles.
    func describe(_ site: String) -> String {
        let c = source.model.config
        if site == "input" { return "normalised input" }
        if site == "patch_embed" { return "stem output" }
        if site == "pos_embed" { return "stage 4 + position embedding" }
        if site == "norm" { return "head LayerNorm, tokens on the grid" }
        if site.hasSuffix(".decay") { return "decay exp(Δ·A) per state n, mean over channels" }
        if site.hasSuffix(".dir_share") { return "each scan's share of |y| per token" }
        if site.hasSuffix(".h_norm_map") { return "‖h_t‖ per scan, on the grid" }
        let parts = site.split(separator: ".")
        if parts.count >= 2, parts[0] == "network", let n = Int(parts[1]) {
            if parts.count == 2 { return n % 2 == 0 ? "stage \(n / 2 + 1) output" : "downsample \(n / 2 + 1)→\(n / 2 + 2)" }
            if n % 2 == 0, let b = Int(parts[2]) {
                let s = n / 2
                let kind = s == 3 && b >= c.firstMamba ? "Mamba layer \(b - c.firstMamba + 1)/\(c.nMamba)" : "block \(b + 1)/\(s == 3 ? c.firstMamba : c.depths[s])"
                let rest = parts.count > 3 ? " · " + parts[3...].joined(separator: ".") : ""
                return "stage \(s + 1) \(kind)\(rest)"
            }
        }
        return "activation"
    }

    /// "scan 1: rows from (0,0)": how each scan starts, from the orders themselves.
    func scanLabels(_ orders: ScanOrders) -> [String] {
        (0..<4).map { k in
            let first = orders.orders[k][0], w = orders.width
            let kind = k < 2 ? "rows" : "cols"
            return "scan \(k + 1): \(kind) from (\(first / w),\(first % w))"
        }
    }

    func modelLine() -> String {
        var s = source.provenance.model
        if let c = source.provenance.checkpointSHA256 { s += " · sha256 \(c.prefix(12))" }
        return s
    }

    // MARK: Channel sheet

    func renderSheet(_ site: String, _ o: ExportOptions) throws -> Rendered {
        let t = try tensor(site, for: "its channel sheet")
        let maps = mapsFor(site), st = stats(site)
        guard maps.channels > 0, maps.pixelsPerMap > 0 else { throw ExportError("\(site) is empty") }
        // As on screen: decay maps in magma; direction shares are fractions, on a fixed 0…1 scale.
        let cmap = o.colormap ?? (site.hasSuffix(".decay") ? .magma : colormap(o, signed: st.all.isSigned))
        let sym = cmap.isDiverging
        var choice = choose(o, block: st.all, symmetric: sym, what: "all channels of \(site)", recorded: true)
        if site.hasSuffix(".dir_share") && o.scope == .block && !sym {
            choice.scale = HeatmapScale(lo: 0, hi: 1); choice.from = "shares (fractions of |y|, fixed)"
        }
        let order = o.sort.order(st.channels)
        let k = max(1, o.upscale ?? max(1, 112 / max(maps.height, maps.width)))
        let name: (Int) -> String = { c in
            if site.hasSuffix(".decay") { return "n=\(c)" }
            if site.hasSuffix(".dir_share") { return "scan \(c + 1)" }
            return "\(c)"
        }
        let tiles: [Tile] = order.map { c in
            let cs = st.channels[c]
            let scale = choice.scale ?? HeatmapScale(cs, symmetric: sym)
            return Tile(map: maps.heatmap(c), label: choice.scale == nil ? rangeLabel(name(c), scale) : name(c), scale: scale,
                        info: [("channel", .int(c)), ("min", .float(cs.min)), ("max", .float(cs.max)),
                               ("lo", .float(scale.lo)), ("hi", .float(scale.hi))])
        }
        let (body, rects) = TileGrid.draw(tiles, columns: nil, tileWidth: maps.width * k, tileHeight: maps.height * k, colormap: cmap)
        let layoutText: String
        switch maps.layout {
        case .maps: layoutText = "\(maps.channels) maps of \(maps.height)×\(maps.width)"
        case .tokens: layoutText = "\(maps.channels) features of \(maps.height * maps.width) tokens on the \(maps.height)×\(maps.width) grid"
        case .flat: layoutText = "values wrapped at \(maps.width) columns"
        }
        let fig = Figure(
            title: "\(imageName) · \(site)",
            subtitle: ["\(describe(site)) · \(shapeText(t.shape)) · \(layoutText), sorted by \(o.sort.rawValue), drawn ×\(k)",
                       "values: min \(formatValue(st.all.min)) · max \(formatValue(st.all.max)) · mean \(formatValue(st.all.mean)) · \(modelLine())"],
            body: body, bar: bar(cmap, o, choice), legend: nil)
        var fields = commonFields(site: site, shape: t.shape, stats: st.all, cmap: cmap, o: o, choice: choice, upscale: k)
        fields += [("sort", .string(o.sort.rawValue)), ("order", .ints(order))]
        return finish(fig, fileSite: site, viewName: "channels", kind: "channels", site: site, fields: fields,
                      tiles: tiles, tileRects: rects, raw: (t.shape, t.data))
    }

    // MARK: One channel

    func renderChannel(_ site: String, _ c: Int, _ o: ExportOptions) throws -> Rendered {
        let t = try tensor(site, for: "a channel view")
        let maps = mapsFor(site), st = stats(site)
        guard c >= 0 && c < maps.channels else { throw ExportError("\(site) has channels 0…\(maps.channels - 1), not \(c)") }
        let cs = st.channels[c]
        let cmap = colormap(o, signed: st.all.isSigned)
        let sym = cmap.isDiverging
        var choice = choose(o, block: st.all, symmetric: sym, what: "all channels of \(site)", recorded: true)
        if choice.scale == nil { choice.scale = HeatmapScale(cs, symmetric: sym); choice.from = "channel \(c)" }
        let k = max(1, o.upscale ?? max(1, 224 / max(maps.height, maps.width)))
        let hm = maps.heatmap(c)
        var body = Canvas(width: maps.width * k, height: maps.height * k, background: Style.background)
        body.drawHeatmap(hm, x: 0, y: 0, width: body.width, height: body.height, scale: choice.scale!, colormap: cmap, nanColor: Style.nan)
        var maxAt = [0, 0], minAt = [0, 0], best = -Float.infinity, worst = Float.infinity
        for y in 0..<maps.height { for x in 0..<maps.width {
            let v = hm[y, x]
            guard v.isFinite else { continue }
            if v > best { best = v; maxAt = [y, x] }
            if v < worst { worst = v; minAt = [y, x] }
        } }
        let fig = Figure(
            title: "\(imageName) · \(site) · channel \(c)",
            subtitle: ["\(describe(site)) · channel \(c) of \(maps.channels) · \(maps.height)×\(maps.width) map drawn ×\(k)",
                       "channel: min \(formatValue(cs.min)) at (\(minAt[0]),\(minAt[1])) · max \(formatValue(cs.max)) at (\(maxAt[0]),\(maxAt[1])) · mean \(formatValue(cs.mean)) · std \(formatValue(cs.std))",
                       modelLine()],
            body: body, bar: bar(cmap, o, choice), legend: nil)
        var fields = commonFields(site: site, shape: t.shape, stats: cs, cmap: cmap, o: o, choice: choice, upscale: k)
        fields += [("channel", .int(c)), ("map_size", .ints([maps.height, maps.width])),
                   ("max_at", .ints(maxAt)), ("min_at", .ints(minAt))]
        return finish(fig, fileSite: site, viewName: "channel-\(c)", kind: "channel", site: site, fields: fields,
                      raw: ([maps.height, maps.width], Array(maps.map(c))))
    }

    // MARK: Hidden states

    /// Four maps (one per scan direction) of a (4, h, w) tensor, in a row.
    func renderDirectionPanels(site: String, title: String, what: String, values: [Float], h: Int, w: Int,
                               o: ExportOptions, recorded: Bool, fileSite: String, viewName: String, kind: String,
                               defaultColormap: Colormap? = nil, extraSubtitle: [String], mark: (row: Int, col: Int)?) -> Rendered {
        let l = h * w
        let orders = ScanOrders(height: h, width: w)
        let per = (0..<4).map { d in values[(d * l)..<((d + 1) * l)].withContiguousStorageIfAvailable { ChannelStats(buffer: $0) } ?? ChannelStats(values[(d * l)..<((d + 1) * l)]) }
        let all = ChannelStats.merged(per)
        let cmap = o.colormap ?? defaultColormap ?? colormap(o, signed: all.isSigned)
        let sym = cmap.isDiverging
        let choice = choose(o, block: all, symmetric: sym, what: what, recorded: recorded)
        let k = max(1, o.upscale ?? max(1, 224 / max(h, w)))
        let labels = scanLabels(orders)
        let tiles: [Tile] = (0..<4).map { d in
            let scale = choice.scale ?? HeatmapScale(per[d], symmetric: sym)
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
                         body: body, bar: bar(cmap, o, choice), legend: nil)
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
            kind: "hidden-maps", extraSubtitle: ["‖h_t‖ (L2 over E×N states) after each scan reads a token, drawn at the token"], mark: nil)
    }

    func renderHiddenStates(_ layer: String, _ o: ExportOptions) throws -> Rendered {
        let site = "\(layer).h_norm_n"
        let t = try tensor(site, for: "the hidden-state view")
        guard t.shape.count == 4, t.shape[0] == 4 else { throw ExportError("\(site) has shape \(t.shape), expected (4, N, h, w)") }
        let n = t.shape[1], h = t.shape[2], w = t.shape[3]
        let maps = mapsFor(site), st = stats(site)
        let cmap = colormap(o, signed: st.all.isSigned)
        let sym = cmap.isDiverging
        let choice = choose(o, block: st.all, symmetric: sym, what: "all \(4 * n) maps", recorded: true)
        let k = max(1, o.upscale ?? max(1, 112 / max(h, w)))
        let tiles: [Tile] = (0..<(4 * n)).map { c in
            let scale = choice.scale ?? HeatmapScale(st.channels[c], symmetric: sym)
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
            body: body, bar: bar(cmap, o, choice), legend: nil)
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
            let label = String(s)
            body.text(label, x: min(max(x - PixelFont.width(label) / 2, 0), body.width - PixelFont.width(label)), y: y0 + ph + 5, color: Style.ink)
        }
        for d in 0..<4 {
            // A NaN or ∞ step has no height on the plot: the line breaks there.
            for s in 1..<max(l, 1) where t.data[d * l + s - 1].isFinite && t.data[d * l + s].isFinite {
                body.line(x0: px(s - 1), y0: py(t.data[d * l + s - 1]), x1: px(s), y1: py(t.data[d * l + s]), color: Style.directions[d], thickness: 2)
            }
            if l == 1 && t.data[d * l].isFinite { body.disc(cx: px(0), cy: py(t.data[d * l]), radius: 2, color: Style.directions[d]) }
        }
        let orders = source.grid.map { ScanOrders(height: $0.0, width: $0.1) }
        let labels = orders.map(scanLabels) ?? (1...4).map { "scan \($0)" }
        let fig = Figure(
            title: "\(imageName) · \(layer) · hidden-state magnitude over the scan",
            subtitle: ["‖h_t‖ (L2 over E×N states) after step t of each scan, t = 0…\(l - 1) (x), from 0 to the maximum (y)",
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

    // MARK: Implicit attention

    func renderAttention(_ layer: String, row: Int, col: Int, channel: Int?, _ o: ExportOptions) throws -> Rendered {
        let tr = try trace(layer)
        let h = tr.height, w = tr.width, l = h * w
        guard row >= 0 && row < h && col >= 0 && col < w else { throw ExportError("token (\(row), \(col)) is outside the \(h)×\(w) grid") }
        if let c = channel, c < 0 || c >= tr.inner { throw ExportError("channel \(c) is outside 0…\(tr.inner - 1) (E = \(tr.inner))") }
        var values = tr.attentionMap(row: row, col: col, channel: channel).data
        let over = channel.map { "channel \($0) of E = \(tr.inner)" } ?? "mean over E = \(tr.inner) channels"
        let p = row * w + col
        for d in 0..<4 { for s in 0..<l where tr.orders.inverse[d][s] > tr.orders.inverse[d][p] { values[d * l + s] = Heatmap.noValue } }
        return renderDirectionPanels(
            site: layer, title: "\(imageName) · \(layer) · attention of token (\(row),\(col))",
            what: "the four maps", values: values, h: h, w: w, o: o, recorded: false,
            fileSite: layer, viewName: viewName(.attention(layer: layer, row: row, col: col, channel: channel)), kind: "attention",
            defaultColormap: .diverging,
            extraSubtitle: ["implicit attention α of token (\(row),\(col)) (red box) over the tokens each scan has read, \(over)",
                            "grey: not read yet by that scan (no attention)"],
            mark: (row, col))
    }

    // MARK: Class activation map

    func renderCAM(_ classIndex: Int, _ o: ExportOptions) throws -> Rendered {
        let norm = try tensor("norm", for: "the CAM")
        guard let (h, w) = source.grid else { throw ExportError("the CAM needs the stage-4 grid") }
        let cam: (map: Tensor, bias: Float)
        do { cam = try source.model.classActivationMap(norm: norm, classIndex: classIndex, height: h, width: w) }
        catch let e as ModelError { throw ExportError(e.description) }
        guard let pic = source.inputPicture else { throw ExportError("the CAM overlay needs the input picture") }
        let st = cam.map.data.withUnsafeBufferPointer { ChannelStats(buffer: $0) }
        let cmap = o.colormap ?? .diverging          // as on screen: a CAM is a signed share of the logit
        let sym = cmap.isDiverging
        var choice = choose(o, block: st, symmetric: sym, what: "the map", recorded: false)
        if choice.scale == nil { choice.scale = HeatmapScale(st, symmetric: sym); choice.scope = .block; choice.from = "the map" }
        let scale = choice.scale!
        let hm = Heatmap(width: w, height: h, values: cam.map.data)
        let pw = pic.width, ph = pic.height, gap = TileGrid.gap, lh = TileGrid.labelHeight
        var body = Canvas(width: 3 * pw + 2 * gap, height: lh + ph, background: Style.background)
        body.text("input \(pw)×\(ph)", x: 0, y: 0, color: Style.ink)
        body.drawPicture(rgb: pic.pixels, width: pw, height: ph, x: 0, y: lh, width: pw, height: ph)
        body.text("CAM \(h)×\(w)", x: pw + gap, y: 0, color: Style.ink)
        body.drawHeatmap(hm, x: pw + gap, y: lh, width: pw, height: ph, scale: scale, colormap: cmap, nanColor: Style.nan)
        body.text("overlay (55%)", x: 2 * (pw + gap), y: 0, color: Style.ink)
        body.drawPicture(rgb: pic.pixels, width: pw, height: ph, x: 2 * (pw + gap), y: lh, width: pw, height: ph)
        body.drawHeatmap(hm, x: 2 * (pw + gap), y: lh, width: pw, height: ph, scale: scale, colormap: cmap, nanColor: Style.nan, alpha: Exporter.overlayAlpha)
        let logits = source.tensors["logits"]?.data ?? []
        let probs = softmax(logits)
        let prob = classIndex < probs.count ? probs[classIndex] : .nan
        let rank = topClasses(logits.count).firstIndex(of: classIndex).map { $0 + 1 }
        let logit = classIndex < logits.count ? logits[classIndex] : .nan
        let fig = Figure(
            title: "\(imageName) · CAM · \(source.label(classIndex)) (\(String(format: "%.1f", Double(prob) * 100))%)",
            subtitle: ["class \(classIndex)\(rank.map { ", rank \($0)" } ?? "") · logit \(formatValue(logit)) = mean over tokens p of w·z_p, + bias \(formatValue(cam.bias))",
                       "w·z_p: token p's share of the logit (w = the class row of (head + dist_head)/2, z = LayerNorm output; exact, no gradients)",
                       "values: min \(formatValue(st.min)) · max \(formatValue(st.max)) · \(h)×\(w) grid drawn at \(pw)×\(ph) · \(modelLine())"],
            body: body, bar: bar(cmap, o, choice), legend: nil)
        var fields = commonFields(site: "norm", shape: [h, w], stats: st, cmap: cmap, o: o, choice: choice, upscale: nil)
        fields += [("quantity", .string("class activation map w·z_p from the norm site (exact)")), ("class", .int(classIndex)), ("label", .string(source.label(classIndex))),
                   ("probability", .double(Double(prob))), ("rank", rank.map { .int($0) } ?? .null),
                   ("logit", .float(logit)), ("bias", .float(cam.bias)), ("overlay_alpha", .double(Double(Exporter.overlayAlpha) / 256))]
        let panels: JSONValue = .array((0..<3).map { i in
            .object([("name", .string(["input", "cam", "overlay"][i])), ("x", .int(Style.margin + i * (pw + gap))),
                     ("width", .int(pw)), ("height", .int(ph))])
        })
        return finish(fig, fileSite: "head", viewName: "cam-class-\(classIndex)", kind: "cam", site: "norm", fields: fields,
                      extraLayout: { b in [("panels_y", .int(b.y + lh)), ("panels", panels)] },
                      raw: ([h, w], cam.map.data))
    }

    // MARK: Scan orders

    func renderScans(_ o: ExportOptions, step: Int?) throws -> Rendered {
        guard let (h, w) = source.grid else { throw ExportError("the scan views need the stage-4 grid") }
        let orders = ScanOrders(height: h, width: w)
        let l = h * w
        let cs = max(4, o.upscale ?? max(12, 224 / max(h, w)))
        let cmap = o.colormap ?? .viridis
        let labels = scanLabels(orders)
        let lh = TileGrid.labelHeight, gap = TileGrid.gap + 8
        let panelW = w * cs, panelH = h * cs
        let pitch = max(panelW, labels.map { PixelFont.width($0) }.max() ?? 0) + gap
        var body = Canvas(width: 4 * pitch - gap, height: lh + panelH, background: Style.background)
        let lut = cmap.lut
        let showNumbers = cs >= PixelFont.width(String(l - 1)) + 4 && cs >= PixelFont.glyphHeight + 4
        let lineW = max(1, cs / 10)
        var rects: [Figure.Rect] = []
        for d in 0..<4 {
            let x0 = d * pitch, y0 = lh
            body.text(labels[d], x: x0, y: 0, color: Style.ink)
            rects.append(Figure.Rect(x: x0, y: y0, width: panelW, height: panelH))
            let order = orders.orders[d]
            let last = step ?? (l - 1)
            for s in 0..<l {
                let p = order[s], i = p / w, j = p % w
                let color = s <= last ? lut[l == 1 ? 255 : Colormap.index(Float(s) / Float(l - 1))] : Style.nan
                body.fill(x: x0 + j * cs, y: y0 + i * cs, width: cs, height: cs, color: color)
            }
            // Cell borders, so the grid reads as tokens.
            for i in 1..<max(h, 1) where cs >= 8 { body.fill(x: x0, y: y0 + i * cs, width: panelW, height: 1, color: Style.background) }
            for j in 1..<max(w, 1) where cs >= 8 { body.fill(x: x0 + j * cs, y: y0, width: 1, height: panelH, color: Style.background) }
            if showNumbers {
                for s in 0...last {
                    let p = order[s], i = p / w, j = p % w
                    let under = lut[l == 1 ? 255 : Colormap.index(Float(s) / Float(l - 1))]
                    body.text(String(s), x: x0 + j * cs + 2, y: y0 + i * cs + 2, color: under.luma > 0.5 ? Style.ink : .white)
                }
            }
            func centre(_ p: Int) -> (Int, Int) { (x0 + (p % w) * cs + cs / 2, y0 + (p / w) * cs + cs / 2) }
            if last >= 1 {
                for s in 1...last {
                    let a = centre(order[s - 1]), b = centre(order[s])
                    body.line(x0: a.0, y0: a.1, x1: b.0, y1: b.1, color: Style.ink, thickness: lineW)
                }
                let a = centre(order[last - 1]), b = centre(order[last])
                body.arrowhead(fromX: a.0, fromY: a.1, tipX: b.0, tipY: b.1, size: max(5, cs / 3), color: Style.ink)
            }
            let s0 = centre(order[0])
            body.disc(cx: s0.0, cy: s0.1, radius: max(2, cs / 7), color: Style.ink)
            if let t = step {
                let p = order[t]
                body.strokeRect(x: x0 + (p % w) * cs, y: y0 + (p / w) * cs, width: cs, height: cs, color: Style.highlight, thickness: max(2, cs / 10))
            }
        }
        let title = step.map { "\(imageName) · scan orders · step \($0) of \(l - 1)" } ?? "\(imageName) · scan orders"
        let fig = Figure(
            title: title,
            subtitle: ["the four snake scans of the Mamba layers on the \(h)×\(w) stage-4 grid, coloured by step"
                       + (step == nil ? "; dot: start, arrow: end" : "; red: the token read at this step, grey: not read yet"),
                       "\(l) tokens, p = i·\(w)+j · each cell \(cs)×\(cs) px · \(modelLine())"],
            body: body,
            bar: ColorBarSpec(colormap: cmap, lo: 0, hi: Float(max(l - 1, 1)), caption: "\(cmap.rawValue) · colour = scan step",
                              endLabels: ("step 0", "step \(l - 1)"), markZero: false),
            legend: nil)
        var fields: [(String, JSONValue)] = [
            ("shape", .ints([4, l])), ("grid", .ints([h, w])), ("colormap", .string(cmap.rawValue)),
            ("scale", .object([("scope", .string("steps")), ("lo", .int(0)), ("hi", .int(l - 1))])),
            ("cell", .int(cs)), ("orders", .array(orders.orders.map { .ints($0) })),
        ]
        if let t = step { fields.append(("step", .int(t))); fields.append(("tokens", .ints((0..<4).map { orders.orders[$0][t] }))) }
        let raw: (shape: [Int], values: [Float])? = step == nil ? ([4, l], orders.orders.flatMap { $0.map(Float.init) }) : nil
        return finish(fig, fileSite: "network.6", viewName: step.map { "scan-frame-" + pad($0, l - 1) } ?? "scans",
                      kind: step == nil ? "scans" : "scan-frame", site: "network.6", fields: fields,
                      extraLayout: { b in [("panels", .array(rects.map { Figure.Rect(x: b.x + $0.x, y: b.y + $0.y, width: $0.width, height: $0.height).json }))] },
                      raw: raw)
    }
}

func softmax(_ x: [Float]) -> [Float] {
    guard let m = x.max() else { return [] }
    let e = x.map { Foundation.exp(Double($0 - m)) }
    let s = e.reduce(0, +)
    return e.map { Float($0 / s) }
}
