import Foundation
import VCEngine
import VCRecording
import VCRender
import VCStyle

extension Exporter {
    /// The four scans drawn over the input picture: each panel the picture (224 px at least) with
    /// one scan's whole path, its start as a disc and its last token boxed with an arrow, in the
    /// direction colours of the other scan figures. For a lecture slide: where on the photo the
    /// Mamba layers start reading and which way they go. `--views scan-paths`.
    func renderScanPaths(_ o: ExportOptions) throws -> Rendered {
        guard let (h, w) = source.grid else { throw ExportError("the scan views need the stage-4 grid") }
        let orders = source.recording.scanOrders
        guard let picture = source.inputPicture else { throw ExportError("the scan paths need the input picture") }
        let k = max(1, o.upscale ?? (224 + picture.width - 1) / picture.width)
        let pw = picture.width * k, ph = picture.height * k
        let labels = (0..<4).map(ScanNames.title)
        let lh = TileGrid.labelHeight, gap = TileGrid.gap + 8
        let pitch = max(pw, labels.map { PixelFont.width($0) }.max() ?? 0) + gap
        var body = Canvas(width: 4 * pitch - gap, height: lh + ph, background: Style.background)
        let thick = max(1, pw / 112)
        var rects: [Figure.Rect] = []
        for d in 0..<4 {
            let x0 = d * pitch
            body.text(labels[d], x: x0, y: 0, color: Style.ink)
            body.drawPicture(rgb: picture.rgb, width: picture.width, height: picture.height, x: x0, y: lh, width: pw, height: ph)
            let area = TokenGridArea(x: x0, y: lh, width: pw, height: ph, gridHeight: h, gridWidth: w)
            body.drawScanPath(orders.orders[d], upTo: h * w - 1, area: area, color: Style.directions[d], thickness: thick, arrow: true)
            rects.append(Figure.Rect(x: x0, y: lh, width: pw, height: ph))
        }
        let fig = Figure(
            title: "\(imageName) · scan paths",
            subtitle: ["the four snake scans of the Mamba layers over the picture: each of the \(h)×\(w) tokens covers a \(picture.width / w)×\(picture.height / h) px patch",
                       "disc: the first token read, box and arrow: the last · \(modelLine())"],
            body: body, bar: nil,
            legend: LegendSpec(entries: (0..<4).map { (Style.directions[$0], labels[$0]) }, caption: "line: the order in which tokens are read"))
        let fields: [(String, JSONValue)] = [("grid", .ints([h, w])), ("orders", .array(orders.orders.map { .ints($0) })),
                                             ("picture_scale", .int(k))]
        return finish(fig, fileSite: "network.6", viewName: "scan-paths", kind: "scan-paths", site: "network.6", fields: fields,
                      extraLayout: { b in [("panels", .array(rects.map { Figure.Rect(x: b.x + $0.x, y: b.y + $0.y, width: $0.width, height: $0.height).json }))] },
                      raw: nil)
    }
}
