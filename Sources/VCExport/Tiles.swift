import VCRender

/// One map of a grid of tiles: its values, the label written above it, and its colour scale.
struct Tile {
    var map: Heatmap
    var label: String
    var scale: HeatmapScale
    /// Extra members of the tile's sidecar entry (channel, direction, its range).
    var info: [(String, JSONValue)]
}

/// Tiles on a grid with labels above them, drawn with one colormap; reports each tile's map
/// rectangle (relative to the returned canvas).
struct TileGrid {
    static var labelHeight: Int { PixelFont.lineHeight + 2 }
    static let gap = 8

    /// Columns for `n` tiles of pitch px × py: a landscape sheet, about 4:3, and of the column
    /// counts next to that the one that leaves the fewest empty places in the last row.
    static func columns(_ n: Int, pitchX: Int, pitchY: Int) -> Int {
        guard n > 1 else { return 1 }
        let c = max(1, min(n, Int((Double(n) * Double(pitchY) / Double(pitchX) * 4 / 3).squareRoot().rounded(.up))))
        func empty(_ k: Int) -> Int { (n + k - 1) / k * k - n }
        return [c, c - 1, c + 1].filter { $0 >= 1 && $0 <= n }.min { empty($0) < empty($1) } ?? c
    }

    static func draw(_ tiles: [Tile], columns requested: Int?, tileWidth tw: Int, tileHeight th: Int,
                     colormap: Colormap) -> (Canvas, [Figure.Rect]) {
        let labelW = tiles.map { PixelFont.width($0.label) }.max() ?? 0
        let pitchX = max(tw, labelW) + gap, pitchY = labelHeight + th + gap
        let cols = requested ?? columns(tiles.count, pitchX: pitchX, pitchY: pitchY)
        let rows = max(1, (tiles.count + cols - 1) / cols)
        let width = max(1, cols * pitchX - gap), height = max(1, rows * pitchY - gap)
        var c = Canvas(width: width, height: height, background: Style.background)
        var rects: [Figure.Rect] = []
        for (i, t) in tiles.enumerated() {
            let x = (i % cols) * pitchX, y = (i / cols) * pitchY
            c.text(t.label, x: x, y: y, color: Style.ink)
            c.drawHeatmap(t.map, x: x, y: y + labelHeight, width: tw, height: th, scale: t.scale, colormap: colormap, nanColor: Style.nan)
            rects.append(Figure.Rect(x: x, y: y + labelHeight, width: tw, height: th))
        }
        return (c, rects)
    }

    /// The sidecar's "tiles": each tile's map rectangle in PNG coordinates, with its info.
    static func json(_ tiles: [Tile], _ rects: [Figure.Rect], origin: Figure.Rect) -> JSONValue {
        .array(zip(tiles, rects).map { t, r in
            .object(t.info + [("x", .int(origin.x + r.x)), ("y", .int(origin.y + r.y)), ("width", .int(r.width)), ("height", .int(r.height))])
        })
    }
}
