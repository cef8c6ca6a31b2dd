import Foundation
import VCEngine
import VCRecording
import VCRender
import VCStyle

// Implicit attention of one token, per scan.

extension Exporter {
    func renderAttention(_ layer: String, row: Int, col: Int, channel: Int?, _ o: ExportOptions) throws -> Rendered {
        let tr = try trace(layer)
        let h = tr.height, w = tr.width
        guard row >= 0 && row < h && col >= 0 && col < w else { throw ExportError("token (\(row), \(col)) is outside the \(h)×\(w) grid") }
        if let c = channel, c < 0 || c >= tr.inner { throw ExportError("channel \(c) is outside 0…\(tr.inner - 1) (E = \(tr.inner))") }
        let alpha: Tensor
        do { alpha = try source.analysis.attention(layer: layer, row: row, col: col, channel: channel) }
        catch let e as MambaJobError { throw ExportError(e.description) }
        let values = AttentionMask.masked(alpha.data, orders: tr.orders, token: row * w + col)
        let over = channel.map { "channel \($0) of E = \(tr.inner)" } ?? "mean over E = \(tr.inner) channels"
        return renderDirectionPanels(
            site: layer, title: "\(imageName) · \(layer) · attention of token (\(row),\(col))",
            what: "the four maps", values: values, h: h, w: w, o: o, recorded: false,
            fileSite: layer, viewName: viewName(.attention(layer: layer, row: row, col: col, channel: channel)), kind: "attention",
            quantity: .attention,
            extraSubtitle: ["implicit attention α of token (\(row),\(col)) (red box) over the tokens each scan has read, \(over)",
                            "grey: not read yet by that scan (no attention)"],
            mark: (row, col), rangeValues: o.attentionSelf.rangeValues(values, token: row * w + col), rangeNote: o.attentionSelf.note)
    }
}
