/// Where each station of the rail sits: names on the first row, output shapes on the second
/// (when there is room), one mark per block on the last. Shared by the view and mouse hits.
struct RailLayout {
    struct Column { let group: Int; let x: Int; let width: Int; let name: String; let shape: String }
    enum Hit: Equatable { case group(Int), block(Int) }

    let columns: [Column]
    let separator: String
    let namesRow: Int
    let shapesRow: Int?
    let blocksRow: Int

    init(rail: Rail, area: Rect) {
        let shapes = rail.groups.map { g -> String in
            let last = rail.blocks[g.blocks.upperBound - 1]
            return last.kind == .head ? "\(rail.classes) cls" : shapeText(last.expectedShape)
        }
        // From the most to the least spacious arrangement; the first that fits wins.
        let options: [(short: Bool, shapes: Bool, sep: String)] = [
            (false, true, " ▸ "), (false, true, "▸"), (true, true, "▸"),
            (false, false, " ▸ "), (false, false, "▸"), (true, false, "▸"),
        ].filter { !$0.shapes || area.h >= 3 }
        var chosen = options.last!
        var widths: [Int] = []
        for o in options {
            widths = rail.groups.enumerated().map { i, g in
                max((o.short ? g.shortName : g.name).width, o.shapes ? shapes[i].width : 0, g.blocks.count)
            }
            chosen = o
            if widths.reduce(0, +) + o.sep.width * (widths.count - 1) <= area.w { break }
        }
        var x = area.x, cols: [Column] = []
        for (i, g) in rail.groups.enumerated() {
            cols.append(Column(group: i, x: x, width: widths[i], name: chosen.short ? g.shortName : g.name, shape: chosen.shapes ? shapes[i] : ""))
            x += widths[i] + chosen.sep.width
        }
        columns = cols
        separator = chosen.sep
        namesRow = area.y
        shapesRow = chosen.shapes ? area.y + 1 : nil
        blocksRow = area.y + area.h - 1
        self.rail = rail
    }

    private let rail: Rail

    func hit(x: Int, y: Int) -> Hit? {
        for c in columns where x >= c.x && x < c.x + c.width {
            let blocks = rail.groups[c.group].blocks
            if y == blocksRow {
                let i = blocks.lowerBound + (x - c.x)
                return blocks.contains(i) ? .block(i) : .group(c.group)
            }
            return .group(c.group)
        }
        return nil
    }
}

/// The site list of the wide layout: one row per site, scrolled to keep the selection visible.
struct SiteListLayout {
    let first: Int
    let rows: Int
    let top: Int
    let count: Int

    init(state: ExplorerState, box: Rect) {
        rows = max(0, box.h - 2)
        top = box.y + 1
        count = state.blockSites.count
        let sel = state.siteIndexResolved
        first = rows == 0 ? 0 : min(max(0, sel - rows / 2), max(0, count - rows))
    }

    func index(atRow y: Int) -> Int? {
        let i = first + (y - top)
        return y >= top && y < top + rows && i < count ? i : nil
    }
}
