import Foundation
import VCImage
import VCRender

/// One scalar map (an ERF, a class activation map, a saliency map) as a figure: title, subtitle,
/// the map upscaled by whole pixels, a colour bar, written as PNG beside a JSON sidecar. For the
/// gradient commands (`vcview erf`, `vcview attribute`), which have no `ExportSource`.
public struct MapFigure {
    public var title: String
    public var subtitle: [String]
    /// (height, width) row-major.
    public var values: [Float]
    public var height: Int, width: Int
    public var colormap: Colormap
    public var caption: String

    public init(title: String, subtitle: [String], values: [Float], height: Int, width: Int, colormap: Colormap, caption: String) {
        precondition(values.count == height * width)
        self.title = title; self.subtitle = subtitle; self.values = values
        self.height = height; self.width = width; self.colormap = colormap; self.caption = caption
    }

    /// Writes `<stem>.png` and `<stem>.json` (the sidecar: `fields`, then the figure's layout and
    /// the value range) into `directory`; returns the two paths.
    @discardableResult
    public func write(directory: String, stem: String, fields: [(String, JSONValue)]) throws -> [String] {
        let finite = values.filter { $0.isFinite }
        var lo = finite.min() ?? 0, hi = finite.max() ?? 1
        if colormap.isDiverging { let m = max(abs(lo), abs(hi)); lo = -m; hi = m }
        if hi <= lo { hi = lo + 1 }
        let k = max(1, min(64, 448 / max(height, width)))      // small maps (7×7) drawn large
        var body = Canvas(width: width * k, height: height * k)
        for i in 0..<height { for j in 0..<width {
            let v = values[i * width + j]
            body.fill(x: j * k, y: i * k, width: k, height: k, color: v.isFinite ? colormap.color((v - lo) / (hi - lo)) : Style.nan)
        } }
        // Subtitles wrap at " · " and ", " to the body's width (at least 560 px), so a long model
        // line does not make the figure three times as wide as its map.
        let lines = subtitle.flatMap { MapFigure.wrap($0, width: max(body.width, 560)) }
        let fig = Figure(title: title, subtitle: lines, body: body,
                         bar: ColorBarSpec(colormap: colormap, lo: lo, hi: hi, caption: caption), legend: nil)
        let (canvas, layout) = fig.render()
        let png = (directory as NSString).appendingPathComponent(stem + ".png")
        let json = (directory as NSString).appendingPathComponent(stem + ".json")
        do { try PNGWriter.write(RGBImage(width: canvas.width, height: canvas.height, pixels: canvas.pixels), to: png) }
        catch let e as ImageError { throw ExportError(e.description) }
        var obj = fields
        obj.append(("png", .object([("width", .int(canvas.width)), ("height", .int(canvas.height)), ("upscale", .int(k))])))
        obj.append(("layout", .object([("body", layout.body.json)] + (layout.colorBar.map { [("colorbar", $0.json)] } ?? []))))
        obj.append(("range", .object([("lo", .float(lo)), ("hi", .float(hi))])))
        obj.append(("colormap", .string(colormap.rawValue)))
        do { try (JSONValue.object(obj).text(pretty: true) + "\n").write(toFile: json, atomically: true, encoding: .utf8) }
        catch { throw ExportError("\(json): cannot write (\(error.localizedDescription))") }
        return [png, json]
    }

    /// `text` broken after " · ", ", " or a space so that each line is at most `width` pixels in
    /// the figure font; a single word longer than that stays on its own line.
    static func wrap(_ text: String, width: Int) -> [String] {
        guard PixelFont.width(text) > width else { return [text] }
        var out: [String] = [], line = ""
        for word in text.split(separator: " ", omittingEmptySubsequences: false).map(String.init) {
            let candidate = line.isEmpty ? word : line + " " + word
            if !line.isEmpty && PixelFont.width(candidate) > width { out.append(line); line = word } else { line = candidate }
        }
        if !line.isEmpty { out.append(line) }
        return out
    }
}
