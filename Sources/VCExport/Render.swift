import Foundation
import VCEngine
import VCRecording
import VCRender
import VCStyle

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
    /// What a percentile clip left out (VCStyle's `ScaleRule.robust`), if it clipped.
    var clip: ClipInfo? = nil
    /// The legend's words besides the range: clip, narrow range, units (the screen's too).
    var notes: [String] = []

    var json: JSONValue {
        var m: [(String, JSONValue)] = [("scope", .string(scope.rawValue))]
        if let s = scale { m += [("lo", .float(s.lo)), ("hi", .float(s.hi))] }
        m += [("symmetric", .bool(symmetric)), ("from", .string(from))]
        if let n = note { m.append(("note", .string(n))) }
        if let c = clip {
            m.append(("clip", .object([("percentile", .double(c.percentile)), ("magnitude", .bool(c.magnitude)),
                                       ("lo", c.lo.map { .float($0) } ?? .null), ("hi", c.hi.map { .float($0) } ?? .null),
                                       ("min", .float(c.min)), ("max", .float(c.max)), ("text", .string(c.text(formatValue)))])))
        }
        if !notes.isEmpty { m.append(("notes", .array(notes.map { .string($0) }))) }
        return .object(m)
    }

    /// Takes a robust scale's range, clip and notes.
    mutating func take(_ r: RobustScale) {
        scale = r.scale; clip = r.clip
        notes = r.notes(formatValue)
    }
}

extension Exporter {
    func render(_ view: ExportView, _ o: ExportOptions) throws -> [Rendered] {
        switch view {
        case .channels(let site): return [try renderSheet(site, o)]
        case .channel(let site, let c): return [try renderChannel(site, c, o)]
        case .scans: return [try renderScans(o, step: nil)]
        case .scanPaths: return [try renderScanPaths(o)]
        case .scanFrames, .scanAnimation:
            guard let (h, w) = source.grid else { throw ExportError("the scan views need the stage-4 grid") }
            return try (0..<(h * w)).map { try renderScans(o, step: $0) }
        case .hidden(let layer):
            return [try renderHiddenMaps(layer, o), try renderHiddenCurves(layer, o), try renderHiddenStates(layer, o)]
        case .attention(let layer, let r, let c, let ch): return [try renderAttention(layer, row: r, col: c, channel: ch, o)]
        case .cam(let i): return [try renderCAM(i, o)]
        case .gradient(let m, let site, let k): return [try renderGradient(m, site: site, classIndex: k, o)]
        }
    }

    // MARK: Shared pieces

    var imageName: String { source.provenance.imageName }

    /// The scale of a whole view (block) or of all activations (global); channel scope gives nil
    /// (each tile its own). `what` names the values of the block scope.
    /// Block and global scales are clipped at a percentile as `o.clip` asks (VCStyle's
    /// `ScaleRule.robust`, over `tails`, the ends of the block's values).
    func choose(_ o: ExportOptions, block: ChannelStats, tails: Tails, colormap: Colormap, what: String, recorded: Bool) -> ScaleChoice {
        let symmetric = colormap.isDiverging
        var c: ScaleChoice
        switch o.scope {
        case .channel:
            return ScaleChoice(scope: .channel, scale: nil, symmetric: symmetric, from: "each map's own values", note: nil)
        case .block:
            c = ScaleChoice(scope: .block, scale: nil, symmetric: symmetric, from: what, note: nil)
            c.take(ScaleRule.robust(block, tails: tails, colormap: colormap, clip: o.clip))
        case .global:
            if !recorded {
                c = ScaleChoice(scope: .block, scale: nil, symmetric: symmetric, from: what,
                                note: "global applies to recorded activations; this view is computed, so its own range is used")
                c.take(ScaleRule.robust(block, tails: tails, colormap: colormap, clip: o.clip))
            } else {
                c = ScaleChoice(scope: .global, scale: nil, symmetric: symmetric,
                                from: "every recorded activation (\(source.order.count) sites)", note: nil)
                c.take(ScaleRule.robust(global, tails: source.recording.globalTails, colormap: colormap, clip: o.clip))
            }
        }
        return c
    }

    func bar(_ cmap: Colormap, _ quantity: Quantity, _ o: ExportOptions, _ choice: ScaleChoice) -> ColorBarSpec {
        bar(cmap, autoNote: quantity.autoNote(cmap), legendNote: quantity.legendNote, o, choice)
    }

    /// The same for values that are no VCStyle `Quantity` (the gradient maps): the words after an
    /// automatic colormap's name and the legend's note about the units given directly.
    func bar(_ cmap: Colormap, autoNote: String, legendNote: String?, _ o: ExportOptions, _ choice: ScaleChoice) -> ColorBarSpec {
        let name = cmap.rawValue + (o.colormap == nil ? " " + autoNote : "")
        let range = choice.symmetric ? "±max|v|" : "min…max"
        if let s = choice.scale {
            var caption = "\(name) · scale: \(choice.scope.rawValue), \(range) of \(choice.from)"
            if choice.note != nil { caption += " (global n/a)" }
            var spec = ColorBarSpec(colormap: cmap, lo: s.lo, hi: s.hi, caption: caption)
            spec.notes = (legendNote.map { [$0] } ?? []) + choice.notes
            spec.clippedEnds = (choice.clip?.lo != nil, choice.clip?.hi != nil)
            return spec
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

    /// What a site is, in words, for subtitles (the engine's site catalogue says).
    func describe(_ site: String) -> String { source.catalogue.describe(site) }

    func modelLine() -> String {
        var s = source.provenance.model
        if let c = source.provenance.checkpointSHA256 { s += " · sha256 \(c.prefix(12))" }
        return s
    }
}
