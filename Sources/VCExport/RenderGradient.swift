import Foundation
import VCEngine
import VCRecording
import VCRender
import VCStyle

// A gradient map (VCEngine's `Attribution`) beside the input picture and over it, laid out as
// the CAM view is: input, map, overlay. Site-grid maps (Grad-CAM, LayerCAM, rollout, Mamba-Attr)
// are drawn at the picture's size by nearest neighbour, so each token covers its patch; pixel
// maps (saliency, IG, ERF) lie on the picture pixel for pixel.

extension Exporter {
    func renderGradient(_ method: AttributionMethod, site: String, classIndex: Int?, _ o: ExportOptions) throws -> Rendered {
        guard let gm = gradients else {
            throw ExportError("the \(method.rawValue) view needs the model's reverse pass (Exporter(source:gradients:))")
        }
        let x = try tensor("input", for: "the \(method.rawValue) view")
        guard let pic = source.inputPicture else { throw ExportError("the \(method.rawValue) overlay needs the input picture") }
        let map: AttributionMap
        do {
            map = try Attribution.compute(method, gradients: gm, input: x, classIndex: classIndex ?? 0, site: site, steps: o.igSteps)
        } catch let e as ModelError { throw ExportError("\(method.rawValue) at \(site): \(e.description)") }
        let (h, w) = (map.height, map.width)
        // ERF: the field's faint tail is what matters, so it is shown as VMamba shows it; the
        // .npy keeps the map itself.
        let shown = method == .erf ? Attribution.erfPowerDisplay(map.values) : map.values
        let st = shown.withUnsafeBufferPointer { ChannelStats(buffer: $0) }
        // VCStyle's rule for computed maps: diverging (zero at the centre) for IG's signed map,
        // sequential for the others, which are ≥ 0 by construction.
        let cmap = o.colormap ?? AttributionColormap.of(method)
        let tails = Tails(shown)
        var choice = choose(o, block: st, tails: tails, colormap: cmap, what: "the map", recorded: false)
        if choice.scale == nil {
            // One map: the channel scope means its own range, which is the block range.
            choice.take(ScaleRule.robust(st, tails: tails, colormap: cmap, clip: o.clip)); choice.scope = .block; choice.from = "the map"
        }
        let scale = choice.scale!
        let hm = Heatmap(width: w, height: h, values: shown)
        let k = max(1, o.upscale ?? max(1, 224 / max(pic.width, pic.height)))
        let pw = pic.width * k, ph = pic.height * k, gap = TileGrid.gap, lh = TileGrid.labelHeight
        var body = Canvas(width: 3 * pw + 2 * gap, height: lh + ph, background: Style.background)
        body.text("input \(pic.width)×\(pic.height)", x: 0, y: 0, color: Style.ink)
        body.drawPicture(rgb: pic.rgb, width: pic.width, height: pic.height, x: 0, y: lh, width: pw, height: ph)
        body.text("\(method.rawValue) \(h)×\(w)", x: pw + gap, y: 0, color: Style.ink)
        body.drawHeatmap(hm, x: pw + gap, y: lh, width: pw, height: ph, scale: scale, colormap: cmap, nanColor: Style.nan)
        body.text("overlay (\(Overlay.percent))", x: 2 * (pw + gap), y: 0, color: Style.ink)
        body.drawPicture(rgb: pic.rgb, width: pic.width, height: pic.height, x: 2 * (pw + gap), y: lh, width: pw, height: ph)
        body.drawHeatmap(hm, x: 2 * (pw + gap), y: lh, width: pw, height: ph, scale: scale, colormap: cmap, nanColor: Style.nan, alpha: Overlay.alpha)

        let logits = source.recording.logits, probs = source.recording.probabilities
        var what = "", classLine = ""
        if let c = map.classIndex {
            let prob = c < probs.count ? probs[c] : .nan
            let rank = topClasses(logits.count).firstIndex(of: c).map { $0 + 1 }
            // A diverged model's probabilities are NaN: no "nan%" in the title.
            what = " of \(source.label(c))" + (prob.isFinite ? " (\(String(format: "%.1f", Double(prob) * 100))%)" : "")
            classLine = "class \(c)\(rank.map { ", rank \($0)" } ?? "") · logit \(formatValue(c < logits.count ? logits[c] : .nan)) · "
        }
        let objective = method == .erf ? "objective: the centre token (h/2, w/2) of \(site) · " : method == .rollout ? "no class (gradient-free) · " : ""
        let shownLine = method == .erf ? "shown: \(Attribution.erfPowerFormula) of m, m = \(map.formula)" : map.formula
        let grid = method.onSiteGrid ? "\(h)×\(w) map on the grid of \(map.site)" : "\(h)×\(w) map over the input pixels"
        let steps = method == .ig ? " · \(o.igSteps) steps" : ""
        let lines = [shownLine,
                     classLine + objective + grid + ", drawn at \(pw)×\(ph)" + steps,
                     (st.count > 0 ? "values: min \(formatValue(st.min)) · max \(formatValue(st.max))" : "values: none finite") + " · \(modelLine())"]
        let fig = Figure(
            title: "\(imageName) · \(method.title)\(what) at \(map.site)",
            subtitle: lines.flatMap { MapFigure.wrap($0, width: max(body.width, 560)) },
            body: body, bar: bar(cmap, autoNote: method.signed ? "(auto: signed)" : "(auto)", legendNote: legendNote(method), o, choice),
            legend: nil)

        var fields = commonFields(site: map.site, shape: [h, w], stats: st, cmap: cmap, o: o, choice: choice, upscale: k)
        let c = map.classIndex
        fields += [("method", .string(method.rawValue)), ("class", c.map { .int($0) } ?? .null),
                   ("label", c.map { .string(source.label($0)) } ?? .null),
                   ("logit", c.map { .float($0 < logits.count ? logits[$0] : .nan) } ?? .null),
                   ("probability", c.map { .double(Double($0 < probs.count ? probs[$0] : .nan)) } ?? .null),
                   ("formula", .string(map.formula)),
                   ("display", .string(method == .erf ? Attribution.erfPowerFormula : "m")),
                   ("steps", method == .ig ? .int(o.igSteps) : .null),
                   ("overlay_alpha", .double(Double(Overlay.alpha) / 256))]
        let panels: (Figure.Rect) -> JSONValue = { b in .array((0..<3).map { i in
            .object([("name", .string(["input", "map", "overlay"][i])), ("x", .int(b.x + i * (pw + gap))),
                     ("width", .int(pw)), ("height", .int(ph))])
        }) }
        var r = finish(fig, fileSite: map.site, viewName: viewName(.gradient(method: method, site: site, classIndex: classIndex)),
                       kind: method.rawValue, site: map.site, fields: fields,
                       extraLayout: { b in [("panels_y", .int(b.y + lh)), ("panels", panels(b))] },
                       raw: ([h, w], map.values))
        r.alwaysRaw = true
        return r
    }

    /// What the colours mean, under the bar.
    private func legendNote(_ m: AttributionMethod) -> String {
        switch m {
        case .gradcam, .layercam: return "relu of the gradient-weighted activation: where the class evidence is"
        case .saliency: return "largest |gradient| over R, G, B"
        case .ig: return "signed: + raises the logit, − lowers it (baseline 0)"
        case .rollout: return "mean relevance of each token over all queries"
        case .mambaAttr: return "rollout of gradient-weighted hidden attention"
        case .erf: return "\(Attribution.erfPowerFormula): 1 at the strongest pixel"
        }
    }
}
