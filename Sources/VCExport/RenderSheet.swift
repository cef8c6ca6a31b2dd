import Foundation
import VCEngine
import VCRecording
import VCRender
import VCStyle

// A site's channels as a contact sheet.

extension Exporter {
    func renderSheet(_ site: String, _ o: ExportOptions) throws -> Rendered {
        let t = try tensor(site, for: "its channel sheet")
        let d = try siteData(site), maps = d.maps, st = (channels: d.channelStats, all: d.stats)
        guard maps.channels > 0, maps.pixelsPerMap > 0 else { throw ExportError("\(site) is empty") }
        let quantity = quantity(site), kind = source.catalogue.kind(of: site)
        let cmap = quantity.colormap(signed: st.all.isSigned, override: o.colormap)
        var choice = choose(o, block: st.all, tails: d.tails, colormap: cmap, what: "all channels of \(site)", recorded: true)
        if let fixed = ScaleRule.fixedRange(kind, scope: o.scope, colormap: cmap, block: st.all) {
            choice.scale = fixed; choice.clip = nil; choice.notes = []; choice.from = "shares, centred on 25%"
        }
        let order = o.sort.order(st.channels)
        let k = max(1, o.upscale ?? max(1, 112 / max(maps.height, maps.width)))
        let name: (Int) -> String = { c in
            if kind == .decay { return "n=\(c)" }
            if kind == .directionShare { return "scan \(c + 1)" }
            return "\(c)"
        }
        let tiles: [Tile] = order.map { c in
            let cs = st.channels[c]
            let scale = choice.scale ?? ScaleRule.range(cs, colormap: cmap)
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
            body: body, bar: bar(cmap, quantity, o, choice), legend: nil)
        var fields = commonFields(site: site, shape: t.shape, stats: st.all, cmap: cmap, o: o, choice: choice, upscale: k)
        fields += [("sort", .string(o.sort.rawValue)), ("order", .ints(order))]
        return finish(fig, fileSite: site, viewName: "channels", kind: "channels", site: site, fields: fields,
                      tiles: tiles, tileRects: rects, raw: (t.shape, t.data))
    }
}
