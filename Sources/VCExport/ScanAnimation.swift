import Foundation
import VCRender

extension Exporter {
    /// Frames per second of the scan animation, and how long its last frame stays.
    static let animationDelay = 12        // hundredths of a second per step: about 8 steps/s
    static let animationFinalDelay = 150  // the finished scan, 1.5 s before the loop starts again

    /// The scan animation as one looping GIF, `<image>__network.6__scan-animation.gif`, with a
    /// JSON sidecar: the frames of `scan-frames` (every step, the current token boxed in red),
    /// padded to one size. Returns the GIF's path and the sidecar's.
    func writeAnimation(directory: String, options: ExportOptions) throws -> [String] {
        let frames = try render(.scanFrames, options)
        guard let first = frames.first else { throw ExportError("the scan animation needs the stage-4 grid") }
        let w = frames.map(\.canvas.width).max()!, h = frames.map(\.canvas.height).max()!
        let gifFrames = frames.enumerated().map { i, r -> GIFWriter.Frame in
            var c = Canvas(width: w, height: h, background: Style.background)
            c.blit(r.canvas, x: 0, y: 0)
            return GIFWriter.Frame(width: w, height: h, rgb: c.pixels,
                                   delay: i == frames.count - 1 ? Exporter.animationFinalDelay : Exporter.animationDelay)
        }
        let stem = fileStem(site: "network.6", view: "scan-animation")
        let gif = (directory as NSString).appendingPathComponent(stem + ".gif")
        try GIFWriter.write(gifFrames, to: gif)
        var paths = [gif]
        if options.sidecars {
            var r = first
            r.kind = "scan-animation"
            r.fields = r.fields.filter { $0.0 != "step" && $0.0 != "tokens" } + [
                ("frames", .int(frames.count)),
                ("delay_cs", .object([("step", .int(Exporter.animationDelay)), ("last", .int(Exporter.animationFinalDelay))])),
                ("tokens_per_step", .array(frames.compactMap { f in f.fields.first { $0.0 == "tokens" }?.1 })),
            ]
            var object = sidecar(r, png: stem + ".gif", raw: nil)
            if case .object(let members) = object {
                // A GIF, not a PNG: its size and frame count instead of the PNG fields.
                let gifFields: JSONValue = .object([("width", .int(w)), ("height", .int(h)), ("frames", .int(frames.count)), ("loop", .bool(true))])
                object = .object(members.map { (key, value) -> (String, JSONValue) in key == "png" ? ("gif", gifFields) : (key, value) })
            }
            let json = (directory as NSString).appendingPathComponent(stem + ".json")
            do { try Data((object.text(pretty: true) + "\n").utf8).write(to: URL(fileURLWithPath: json), options: .atomic) }
            catch { throw ExportError("\(json): cannot write (\(error.localizedDescription))") }
            paths.append(json)
        }
        return paths
    }
}
