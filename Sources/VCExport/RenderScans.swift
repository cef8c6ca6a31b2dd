import Foundation
import VCEngine
import VCRecording
import VCRender
import VCStyle

// The four scan orders on the stage-4 grid, whole or one frame per step.

extension Exporter {
    func renderScans(_ o: ExportOptions, step: Int?) throws -> Rendered {
        guard let (h, w) = source.grid else { throw ExportError("the scan views need the stage-4 grid") }
        let orders = source.recording.scanOrders
        let l = h * w
        let cs = max(4, o.upscale ?? max(12, 224 / max(h, w)))
        let cmap = Quantity.scanSteps.colormap(signed: false, override: o.colormap)
        let labels = (0..<4).map(ScanNames.title)
        let lh = TileGrid.labelHeight, gap = TileGrid.gap + 8
        let panelW = w * cs, panelH = h * cs
        let pitch = max(panelW, labels.map { PixelFont.width($0) }.max() ?? 0) + gap
        var body = Canvas(width: 4 * pitch - gap, height: lh + panelH, background: Style.background)
        let lut = cmap.lut
        let showNumbers = cs >= PixelFont.width(String(ScanNames.step(l - 1))) + 4 && cs >= PixelFont.glyphHeight + 4
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
                    body.text(String(ScanNames.step(s)), x: x0 + j * cs + 2, y: y0 + i * cs + 2, color: under.luma > 0.5 ? Style.ink : .white)
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
        let title = step.map { "\(imageName) · scan orders · step \(ScanNames.step($0)) of \(l)" } ?? "\(imageName) · scan orders"
        let fig = Figure(
            title: title,
            subtitle: ["the four snake scans of the Mamba layers on the \(h)×\(w) stage-4 grid, coloured by step"
                       + (step == nil ? "; dot: start, arrow: end" : "; red: the token read at this step, grey: not read yet"),
                       "\(l) tokens, p = i·\(w)+j · each cell \(cs)×\(cs) px · \(modelLine())"],
            body: body,
            bar: ColorBarSpec(colormap: cmap, lo: 1, hi: Float(max(l, 2)), caption: "\(cmap.rawValue) · colour = scan step",
                              endLabels: ("step 1", "step \(l)"), markZero: false),
            legend: nil)
        var fields: [(String, JSONValue)] = [
            ("shape", .ints([4, l])), ("grid", .ints([h, w])), ("colormap", .string(cmap.rawValue)),
            ("scale", .object([("scope", .string("steps")), ("lo", .int(1)), ("hi", .int(l))])),
            ("cell", .int(cs)), ("orders", .array(orders.orders.map { .ints($0) })),
        ]
        if let t = step { fields.append(("step", .int(ScanNames.step(t)))); fields.append(("tokens", .ints((0..<4).map { orders.orders[$0][t] }))) }
        let raw: (shape: [Int], values: [Float])? = step == nil ? ([4, l], orders.orders.flatMap { $0.map(Float.init) }) : nil
        return finish(fig, fileSite: "network.6", viewName: step.map { scanFrameName($0, of: l) } ?? "scans",
                      kind: step == nil ? "scans" : "scan-frame", site: "network.6", fields: fields,
                      extraLayout: { b in [("panels", .array(rects.map { Figure.Rect(x: b.x + $0.x, y: b.y + $0.y, width: $0.width, height: $0.height).json }))] },
                      raw: raw)
    }
}
