/// A token grid drawn as text in a box: each token a block of `cellWidth` columns × `cellHeight`
/// rows. Terminal cells are about twice as tall as wide, so `cellWidth = 2·cellHeight` makes a
/// token square on screen; the panels take the largest such k that fits. Readable from the back
/// of a lecture hall (arrows, marks), unlike half-block heatmaps.
public struct TokenPanel: Equatable, Sendable {
    /// The outer box.
    public let rect: Rect
    public let cellWidth: Int
    public let cellHeight: Int
    public let rows: Int, cols: Int
    /// What the panel shows: a direction 0…3, `TokenPanel.sum`, `TokenPanel.other`.
    public let tag: Int

    public static let sum = 4
    public static let other = -1
    /// The largest token cell tried (k rows × 2k columns): beyond it a grid only gets emptier.
    static let maxCellHeight = 6

    /// The cells of token (row, col).
    public func cell(row: Int, col: Int) -> Rect {
        Rect(x: rect.x + 1 + col * cellWidth, y: rect.y + 1 + row * cellHeight, w: cellWidth, h: cellHeight)
    }

    /// The token under a screen cell, if any.
    public func token(x: Int, y: Int) -> MapPoint? {
        let cx = x - rect.x - 1, cy = y - rect.y - 1
        guard cx >= 0, cy >= 0, cx < cols * cellWidth, cy < rows * cellHeight else { return nil }
        return MapPoint(y: cy / cellHeight, x: cx / cellWidth)
    }

    static func size(rows: Int, cols: Int, cell: (w: Int, h: Int)) -> (w: Int, h: Int) { (cols * cell.w + 2, rows * cell.h + 2) }

    /// How `count` panels of a rows×cols grid fit in `area`: the largest cell first, then the
    /// fewest rows of panels. Cells are tried square (2k × k) from `maxCellHeight` down, then the
    /// narrow ones of `narrowWidths` (one row tall) when even k = 1 does not fit. nil when nothing fits.
    static func arrange(count: Int, rows: Int, cols: Int, in area: Rect, narrowWidths: [Int] = [], maxPanelRows: Int = 2)
        -> (cell: (w: Int, h: Int), perRow: Int)? {
        guard count > 0 else { return nil }
        let cells = stride(from: maxCellHeight, through: 1, by: -1).map { (w: 2 * $0, h: $0) } + narrowWidths.map { (w: $0, h: 1) }
        for cell in cells {
            for panelRows in 1...max(1, min(maxPanelRows, count)) {
                let perRow = (count + panelRows - 1) / panelRows
                let s = size(rows: rows, cols: cols, cell: cell)
                if perRow * s.w <= area.w && panelRows * s.h <= area.h { return (cell, perRow) }
            }
        }
        return nil
    }

    /// Places panels with the given tags at the top-left of `area`.
    static func place(tags: [Int], rows: Int, cols: Int, in area: Rect, cell: (w: Int, h: Int), perRow: Int) -> [TokenPanel] {
        let s = size(rows: rows, cols: cols, cell: cell)
        return tags.enumerated().map { i, tag in
            TokenPanel(rect: Rect(x: area.x + (i % perRow) * s.w, y: area.y + (i / perRow) * s.h, w: s.w, h: s.h),
                       cellWidth: cell.w, cellHeight: cell.h, rows: rows, cols: cols, tag: tag)
        }
    }

    /// Panels for `tags`, or for `fallback` (fewer) when `tags` do not fit even with the smallest
    /// square cells; large grids then narrow to one column per token. The last resort clips a single panel.
    static func fit(tags: [Int], fallback: [Int], rows: Int, cols: Int, in area: Rect, maxPanelRows: Int = 2) -> [TokenPanel] {
        for (t, narrow) in [(tags, [Int]()), (tags, cols > 8 ? [1] : []), (fallback, [1])] {
            if let a = arrange(count: t.count, rows: rows, cols: cols, in: area, narrowWidths: narrow, maxPanelRows: maxPanelRows) {
                return place(tags: t, rows: rows, cols: cols, in: area, cell: a.cell, perRow: a.perRow)
            }
        }
        return place(tags: [fallback.first ?? 0], rows: rows, cols: cols, in: area, cell: (1, 1), perRow: 1)
    }
}

/// Where everything of the Mamba views goes for a state: shared by the view and mouse hits.
public struct MambaScreen: Sendable {
    /// The status line (the explorer's info row).
    public let header: Rect
    /// The row of view tabs.
    public let tabs: Rect
    /// Below the tabs, down to the hint line.
    public let area: Rect
    /// The token-grid panels of the current view.
    public let tokenPanels: [TokenPanel]
    /// Text lines of the current view (sparklines, read-outs), in order.
    public let lines: [Rect]
    /// Hidden-state view: the 16 per-state maps; CAM view: the picture overlay.
    public let pictures: [Rect]
    /// Pixel size of each picture (half-blocks: two pixel rows per cell row).
    public let pictureSize: (w: Int, h: Int)
    /// Ablation active: original and ablated top-5 side by side.
    public let compare: Rect?
    /// The explanation of the view, in what room is left.
    public let explain: Rect?

    public init(_ s: ExplorerState) {
        let layout = Layout(s)
        (header, tabs, area) = layout.viewRows
        var room = area
        // The comparison of predictions comes first when an ablation is on.
        let classes = min(5, s.store?.probabilities.count ?? 5)
        if !s.mamba.ablation.isIdentity && room.h >= classes + 2 + 9 {
            compare = Rect(x: room.x, y: room.maxY - (classes + 2), w: min(room.w, 96), h: classes + 2)
            room.h -= classes + 2
        } else {
            compare = nil
        }
        var panels: [TokenPanel] = [], lines: [Rect] = [], pictures: [Rect] = []
        var pictureSize = (w: 0, h: 0)
        var used = 0
        if let l = s.mambaLayer {
            let dirs = s.mamba.direction.map { [$0] } ?? [0, 1, 2, 3]
            let one = [s.mamba.direction ?? 0]
            // Below a narrow layout's picture (at the right of the area) lines get the full width.
            func width(at y: Int) -> Int { layout.inputBox.map { !layout.wide && y >= $0.maxY ? layout.size.width - room.x : room.w } ?? room.w }
            func line() { if used < room.h { lines.append(Rect(x: room.x, y: room.y + used, w: width(at: room.y + used), h: 1)) }; used += 1 }
            // The panels take the largest square cells that leave `reserve` rows for the lines
            // below them; when nothing fits so, they may use those rows too.
            func grid(_ tags: [Int], _ fallback: [Int], maxPanelRows: Int = 1, reserve: Int = 0) {
                let r = Rect(x: room.x, y: room.y + used, w: room.w, h: room.h - used)
                let kept = Rect(x: r.x, y: r.y, w: r.w, h: max(0, r.h - reserve))
                var p = TokenPanel.fit(tags: tags, fallback: fallback, rows: l.height, cols: l.width, in: kept, maxPanelRows: maxPanelRows)
                if p.contains(where: { $0.rect.maxY > kept.maxY || $0.rect.maxX > kept.maxX }) {
                    p = TokenPanel.fit(tags: tags, fallback: fallback, rows: l.height, cols: l.width, in: r, maxPanelRows: maxPanelRows)
                }
                panels += p
                used += (p.map { $0.rect.maxY }.max() ?? r.y) - r.y
            }
            switch s.mamba.panel {
            case .scans:
                grid(dirs, one, maxPanelRows: 2, reserve: min(4, dirs.count + 1))
                for _ in 0..<min(4, panels.count + 1) { line() }
            case .hidden:
                let shown = room.h >= l.height + 2 + 6 ? dirs : one
                for _ in shown { line() }
                grid(shown + [TokenPanel.other], one + [TokenPanel.other])
                // The 16 per-state maps of one direction, as half-block heatmaps, when they fit.
                let free = Rect(x: room.x, y: room.y + used, w: room.w, h: room.h - used)
                if !l.hNormN.isEmpty && free.h >= 4 {
                    let perRow = [8, 4].first { p in (free.w / p - 1) >= min(l.width, 4) } ?? 0
                    if perRow > 0 {
                        let pw = min(l.width, free.w / perRow - 1)
                        let ph = max(1, Int((Double(pw * l.height) / Double(l.width)).rounded()))
                        let cellRows = (ph + 1) / 2 + 1
                        let mapRows = (l.state + perRow - 1) / perRow
                        if free.h >= mapRows * cellRows + 1 {
                            line()
                            for n in 0..<l.state {
                                pictures.append(Rect(x: free.x + (n % perRow) * (pw + 1), y: free.y + 1 + (n / perRow) * cellRows, w: pw, h: cellRows))
                            }
                            pictureSize = (pw, ph)
                            used += mapRows * cellRows
                        }
                    }
                }
            case .attention:
                grid(dirs + [TokenPanel.sum], one + [TokenPanel.sum], maxPanelRows: 2, reserve: min(4, dirs.count) + 1)
                for _ in 0..<min(4, panels.count) { line() }
                line()
            case .shares:
                grid([0, 1, 2, 3, TokenPanel.other], [0, TokenPanel.other], maxPanelRows: 2, reserve: 4)
                // Four read-outs, then (where a row is left) the legend in full when the panels'
                // bottom edge is too narrow for it.
                for _ in 0..<5 { line() }
            case .cam:
                // The picture with the map over it, then the map as numbers-on-a-grid panel.
                // The picture grows with the window: up to half the width, leaving rows for the check.
                let rowsAvail = max(3, room.h - 9)
                let pw = min(room.w / 2 - 2, 2 * rowsAvail)
                let ph = max(2, Int((Double(pw) * Double(s.info.picture?.height ?? 1) / Double(max(1, s.info.picture?.width ?? 1))).rounded()))
                let pr = Rect(x: room.x, y: room.y, w: pw + 2, h: (ph + 1) / 2 + 2)
                pictures.append(pr)
                pictureSize = (pw, ph)
                let right = Rect(x: pr.maxX + 1, y: room.y, w: room.w - pr.w - 1, h: room.h)
                let p = TokenPanel.fit(tags: [TokenPanel.other], fallback: [TokenPanel.other], rows: l.height, cols: l.width, in: right, maxPanelRows: 1)
                if let first = p.first, first.rect.maxX <= room.maxX { panels += p }
                used = max(pr.h, (p.first?.rect.h ?? 0))
                // The top-5 to choose from beside the map when there is room, else below; the check below.
                let textX = panels.first.map { $0.rect.maxX + 1 } ?? pr.maxX + 1
                if room.maxX - textX >= 30 {
                    for i in 0..<min(5, room.h) { lines.append(Rect(x: textX, y: room.y + i, w: room.maxX - textX, h: 1)) }
                } else {
                    for _ in 0..<5 { line() }
                }
                line(); line()
            }
        }
        self.tokenPanels = panels
        self.lines = lines
        self.pictures = pictures
        self.pictureSize = pictureSize
        let left = room.h - used - 1
        let width = min(room.w, 110)
        if left >= 3, let l = s.mambaLayer {
            let needed = wrap(explanation(s.mamba.panel, l), width: width - 4).count + 2
            explain = Rect(x: room.x, y: room.y + used + 1, w: width, h: min(left, needed))
        } else {
            explain = nil
        }
    }
}
