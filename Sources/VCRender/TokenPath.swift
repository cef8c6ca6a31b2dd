/// Drawing on a picture in stage-4 token units: token (i, j) of an h×w grid covers the rectangle
/// [j·W/w, (j+1)·W/w) × [i·H/h, (i+1)·H/h) of a W×H area. Shared by the explorer's input panel
/// and the exported scan-path figure.
public struct TokenGridArea: Sendable {
    public var x: Int, y: Int, width: Int, height: Int
    public var gridHeight: Int, gridWidth: Int

    public init(x: Int, y: Int, width: Int, height: Int, gridHeight: Int, gridWidth: Int) {
        self.x = x; self.y = y; self.width = width; self.height = height
        self.gridHeight = max(1, gridHeight); self.gridWidth = max(1, gridWidth)
    }

    /// The token's rectangle.
    public func box(_ token: Int) -> (x: Int, y: Int, w: Int, h: Int) {
        let i = token / gridWidth, j = token % gridWidth
        let x0 = j * width / gridWidth, y0 = i * height / gridHeight
        return (x + x0, y + y0, (j + 1) * width / gridWidth - x0, (i + 1) * height / gridHeight - y0)
    }

    public func centre(_ token: Int) -> (x: Int, y: Int) { let b = box(token); return (b.x + b.w / 2, b.y + b.h / 2) }
}

extension Canvas {
    /// A scan's path over `area` from its first token to step `upTo`: a line of `color` with a
    /// black edge (visible on any picture), a disc at the start, and the token of step `upTo`
    /// boxed. `offset` shifts the line (several scans over the same tokens stay apart).
    public mutating func drawScanPath(_ order: [Int], upTo t: Int, area: TokenGridArea, color: RGB8,
                                      thickness: Int, offset: Int = 0, arrow: Bool = false) {
        guard !order.isEmpty else { return }
        let last = min(max(0, t), order.count - 1)
        // The black edge of the whole path first, so that no segment's edge cuts the next one.
        for (c, t) in [(RGB8.black, thickness + 2), (color, thickness)] {
            for k in 0..<last {
                let a = area.centre(order[k]), b = area.centre(order[k + 1])
                line(x0: a.x + offset, y0: a.y + offset, x1: b.x + offset, y1: b.y + offset, color: c, thickness: t)
            }
        }
        let s = area.centre(order[0])
        disc(cx: s.x + offset, cy: s.y + offset, radius: thickness * 2 + 1, color: color)
        if arrow, last >= 1 {
            let a = area.centre(order[last - 1]), b = area.centre(order[last])
            arrowhead(fromX: a.x + offset, fromY: a.y + offset, tipX: b.x + offset, tipY: b.y + offset, size: thickness * 4 + 4, color: color)
        }
        let b = area.box(order[last])
        strokeRect(x: b.x, y: b.y, width: b.w, height: b.h, color: color, thickness: thickness + 1)
    }
}
