import VCRecording
import VCRender
import VCStyle

/// The input picture with what the open Mamba view is about drawn on it, at the picture's own
/// resolution (so pixel terminals show it sharp; half blocks show it coarse):
///
/// - scans: the path each shown scan has walked up to the current step, and the token it reads
///   now boxed (the four scans in the exports' Okabe–Ito colours);
/// - attention: the cursor token's implicit attention (summed over the four scans) blended over
///   the picture, the cursor token boxed;
/// - CAM: the class activation map blended over the picture;
/// - the other views: the picture as it is.
///
/// Each stage-4 token covers its patch of the picture: token (i, j) of an h×w grid is the
/// rectangle [j·W/w, (j+1)·W/w) × [i·H/h, (i+1)·H/h).
func overlaidPicture(_ s: ExplorerState) -> Picture? {
    guard let pic = s.info.picture else { return nil }
    guard s.showsMamba, let l = s.mambaLayer, l.width > 0, l.height > 0 else { return pic }
    var c = Canvas(width: pic.width, height: pic.height, background: .black)
    c.drawPicture(rgb: pic.rgb, width: pic.width, height: pic.height, x: 0, y: 0, width: pic.width, height: pic.height)
    let gw = l.width, gh = l.height
    let area = TokenGridArea(x: 0, y: 0, width: pic.width, height: pic.height, gridHeight: gh, gridWidth: gw)
    let thick = max(1, min(pic.width, pic.height) / 112)
    switch s.mamba.panel {
    case .scans:
        let t = min(s.mamba.step, l.tokens - 1)
        for d in s.mamba.direction.map({ [$0] }) ?? [0, 1, 2, 3] {
            // Offset each scan's line a little so that four paths over the same tokens stay apart.
            c.drawScanPath(l.orders.orders[d], upTo: t, area: area, color: overlayDirections[d], thickness: thick,
                           offset: s.mamba.direction == nil ? (d - 1) * thick * 2 : 0)
        }
    case .attention:
        guard let layer = s.mambaLayerIndex else { break }
        let cur = s.mamba.cursor
        let job = MambaJob.attention(layer: layer, row: cur.y, col: cur.x, channel: s.mamba.channel)
        if case .attention(let a)? = s.cache.output(job) {
            let n = l.tokens
            let sum = (0..<n).map { p in (0..<4).reduce(Float(0)) { $0 + a.data[$1 * n + p] } }
            let cmap = s.colormapOverride ?? .diverging
            c.drawHeatmap(Heatmap(width: gw, height: gh, values: sum), x: 0, y: 0, width: pic.width, height: pic.height,
                          scale: ScaleRule.range(of: sum, colormap: cmap), colormap: cmap, nanColor: .black, alpha: Overlay.alpha)
        }
        if cur.y >= 0 && cur.x >= 0 {
            let b = area.box(cur.y * gw + cur.x)
            c.strokeRect(x: b.x, y: b.y, width: b.w, height: b.h, color: .black, thickness: thick + 2)
            c.strokeRect(x: b.x + 1, y: b.y + 1, width: b.w - 2, height: b.h - 2, color: RGB8(255, 196, 0), thickness: thick)
        }
    case .cam:
        guard let cls = s.camClass else { break }
        if case .cam(let m, _)? = s.cache.output(.cam(classIndex: cls)) {
            let cmap = s.colormapOverride ?? .diverging
            c.drawHeatmap(Heatmap(width: gw, height: gh, values: m.data), x: 0, y: 0, width: pic.width, height: pic.height,
                          scale: ScaleRule.range(of: m.data, colormap: cmap), colormap: cmap, nanColor: .black, alpha: Overlay.alpha)
        }
    case .hidden, .shares:
        return pic
    }
    return Picture(width: pic.width, height: pic.height, rgb: c.pixels)
}

/// The four scans' colours, as in the exports (Okabe–Ito: blue, vermillion, bluish green,
/// reddish purple; distinguishable with colour-vision deficiencies).
let overlayDirections = [RGB8(0, 114, 178), RGB8(213, 94, 0), RGB8(0, 158, 115), RGB8(204, 121, 167)]
