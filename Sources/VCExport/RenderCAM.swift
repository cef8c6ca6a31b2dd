import Foundation
import VCEngine
import VCRecording
import VCRender
import VCStyle

// The class activation map beside the picture and over it.

extension Exporter {
    func renderCAM(_ classIndex: Int, _ o: ExportOptions) throws -> Rendered {
        _ = try tensor("norm", for: "the CAM")
        guard let (h, w) = source.grid else { throw ExportError("the CAM needs the stage-4 grid") }
        let cam: (map: Tensor, bias: Float)
        do { cam = try source.analysis.classActivationMap(classIndex: classIndex) }
        catch let e as MambaJobError { throw ExportError(e.description) }
        guard let pic = source.inputPicture else { throw ExportError("the CAM overlay needs the input picture") }
        let st = cam.map.data.withUnsafeBufferPointer { ChannelStats(buffer: $0) }
        let cmap = Quantity.classActivation.colormap(signed: st.isSigned, override: o.colormap)
        let tails = Tails(cam.map.data)
        var choice = choose(o, block: st, tails: tails, colormap: cmap, what: "the map", recorded: false)
        if choice.scale == nil {
            choice.take(ScaleRule.robust(st, tails: tails, colormap: cmap, clip: o.clip)); choice.scope = .block; choice.from = "the map"
        }
        let scale = choice.scale!
        let hm = Heatmap(width: w, height: h, values: cam.map.data)
        let pw = pic.width, ph = pic.height, gap = TileGrid.gap, lh = TileGrid.labelHeight
        var body = Canvas(width: 3 * pw + 2 * gap, height: lh + ph, background: Style.background)
        body.text("input \(pw)×\(ph)", x: 0, y: 0, color: Style.ink)
        body.drawPicture(rgb: pic.rgb, width: pw, height: ph, x: 0, y: lh, width: pw, height: ph)
        body.text("CAM \(h)×\(w)", x: pw + gap, y: 0, color: Style.ink)
        body.drawHeatmap(hm, x: pw + gap, y: lh, width: pw, height: ph, scale: scale, colormap: cmap, nanColor: Style.nan)
        body.text("overlay (\(Overlay.percent))", x: 2 * (pw + gap), y: 0, color: Style.ink)
        body.drawPicture(rgb: pic.rgb, width: pw, height: ph, x: 2 * (pw + gap), y: lh, width: pw, height: ph)
        body.drawHeatmap(hm, x: 2 * (pw + gap), y: lh, width: pw, height: ph, scale: scale, colormap: cmap, nanColor: Style.nan, alpha: Overlay.alpha)
        let logits = source.recording.logits, probs = source.recording.probabilities
        let prob = classIndex < probs.count ? probs[classIndex] : .nan
        let rank = topClasses(logits.count).firstIndex(of: classIndex).map { $0 + 1 }
        let logit = classIndex < logits.count ? logits[classIndex] : .nan
        let fig = Figure(
            title: "\(imageName) · CAM · \(source.label(classIndex)) (\(String(format: "%.1f", Double(prob) * 100))%)",
            subtitle: ["class \(classIndex)\(rank.map { ", rank \($0)" } ?? "") · logit \(formatValue(logit)) = mean over tokens p of w·z_p, + bias \(formatValue(cam.bias))",
                       "w·z_p: token p's share of the logit (w = the class row of (head + dist_head)/2, z = LayerNorm output; exact, no gradients)",
                       "values: min \(formatValue(st.min)) · max \(formatValue(st.max)) · \(h)×\(w) grid drawn at \(pw)×\(ph) · \(modelLine())"],
            body: body, bar: bar(cmap, .classActivation, o, choice), legend: nil)
        var fields = commonFields(site: "norm", shape: [h, w], stats: st, cmap: cmap, o: o, choice: choice, upscale: nil)
        fields += [("quantity", .string("class activation map w·z_p from the norm site (exact)")), ("class", .int(classIndex)), ("label", .string(source.label(classIndex))),
                   ("probability", .double(Double(prob))), ("rank", rank.map { .int($0) } ?? .null),
                   ("logit", .float(logit)), ("bias", .float(cam.bias)), ("overlay_alpha", .double(Double(Overlay.alpha) / 256))]
        let panels: JSONValue = .array((0..<3).map { i in
            .object([("name", .string(["input", "cam", "overlay"][i])), ("x", .int(Style.margin + i * (pw + gap))),
                     ("width", .int(pw)), ("height", .int(ph))])
        })
        return finish(fig, fileSite: "head", viewName: "cam-class-\(classIndex)", kind: "cam", site: "norm", fields: fields,
                      extraLayout: { b in [("panels_y", .int(b.y + lh)), ("panels", panels)] },
                      raw: ([h, w], cam.map.data))
    }
}
