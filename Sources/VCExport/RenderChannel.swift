import Foundation
import VCEngine
import VCRecording
import VCRender
import VCStyle

// One channel of a site, large, with where its extremes are.

extension Exporter {
    func renderChannel(_ site: String, _ c: Int, _ o: ExportOptions) throws -> Rendered {
        let t = try tensor(site, for: "a channel view")
        let d = try siteData(site), maps = d.maps, st = (channels: d.channelStats, all: d.stats)
        guard c >= 0 && c < maps.channels else { throw ExportError("\(site) has channels 0…\(maps.channels - 1), not \(c)") }
        let cs = st.channels[c]
        let quantity = quantity(site)
        let cmap = quantity.colormap(signed: st.all.isSigned, override: o.colormap)
        var choice = choose(o, block: st.all, tails: d.tails, colormap: cmap, what: "all channels of \(site)", recorded: true)
        if let fixed = ScaleRule.fixedRange(source.catalogue.kind(of: site), scope: o.scope, colormap: cmap, block: st.all) {
            choice.scale = fixed; choice.clip = nil; choice.notes = []; choice.from = "shares, centred on 25%"
        }
        if choice.scale == nil { choice.scale = ScaleRule.range(cs, colormap: cmap); choice.from = "channel \(c)" }
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
            body: body, bar: bar(cmap, quantity, o, choice), legend: nil)
        var fields = commonFields(site: site, shape: t.shape, stats: cs, cmap: cmap, o: o, choice: choice, upscale: k)
        fields += [("channel", .int(c)), ("map_size", .ints([maps.height, maps.width])),
                   ("max_at", .ints(maxAt)), ("min_at", .ints(minAt))]
        return finish(fig, fileSite: site, viewName: "channel-\(c)", kind: "channel", site: site, fields: fields,
                      raw: ([maps.height, maps.width], Array(maps.map(c))))
    }
}
