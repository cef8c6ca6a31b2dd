import VCEngine
import VCRender

/// Implicit attention exists only over the tokens a scan has read so far.
public enum AttentionMask {
    /// `attention` (4, h, w) of the token `p` with the tokens each scan reads after `p` set to
    /// `Heatmap.noValue` (a NaN of its own, not a computed one): no attention there, drawn empty on
    /// screen and grey in PNGs.
    public static func masked(_ attention: [Float], orders: ScanOrders, token p: Int) -> [Float] {
        let l = orders.height * orders.width
        var out = attention
        for d in 0..<4 {
            let t = orders.inverse[d][p]
            for q in 0..<l where orders.inverse[d][q] > t { out[d * l + q] = Heatmap.noValue }
        }
        return out
    }
}
