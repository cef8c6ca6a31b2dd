/// Where every panel goes for a window size: a pure function of the state, shared by `update`
/// (paging, mouse hits) and `view` (drawing), so both always agree.
public struct Layout: Equatable, Sendable {
    public static let minWidth = 44
    public static let minHeight = 14
    /// From this size on the input picture, predictions and site list get a column of their own.
    public static let wideWidth = 96
    public static let wideHeight = 28
    /// The left column of the wide layout: 24 columns, a fifth of wider windows (at most 48) so
    /// that the input picture grows with the window.
    static func leftWidth(_ width: Int) -> Int { max(24, min(48, width / 5)) }

    public let size: Size
    public let tooSmall: Bool
    public let wide: Bool
    /// One big panel (`main`) under a large title (`info`), a legend and the hints: for lectures.
    public let presenter: Bool
    public let title: Rect
    public let hint: Rect
    /// The input picture: the top of the left column when wide, the right of the main area when
    /// narrow and there is room (nil otherwise, and in the presenter layout).
    public let inputBox: Rect?
    public let predictionsBox: Rect?
    public let sitesBox: Rect?
    public let rail: Rect
    public let info: Rect
    /// Narrow windows: the site selector line.
    public let siteLine: Rect?
    /// Narrow windows: the top predictions on one line.
    public let predictionsLine: Rect?
    public let main: Rect
    public let legend: Rect
    /// The tour's narration, full width above the hint line (nil outside the tour).
    public let narration: Rect?

    /// `narrationRows` reserves that many rows above the hint line (the tour's narration).
    public init(size: Size, pictureAspect: Double = 1, narrationRows: Int = 0, presenter: Bool = false) {
        self.size = size
        let w = size.width, fullHeight = size.height
        tooSmall = w < Layout.minWidth || fullHeight < Layout.minHeight
        let n = tooSmall ? 0 : max(0, min(narrationRows, fullHeight - 10))
        let h = fullHeight - n
        narration = n > 0 ? Rect(x: 0, y: h - 1, w: w, h: n) : nil
        self.presenter = presenter
        wide = !presenter && w >= Layout.wideWidth && h >= Layout.wideHeight
        title = Rect(x: 0, y: 0, w: w, h: 1)
        hint = Rect(x: 0, y: fullHeight - 1, w: w, h: 1)
        if presenter {
            inputBox = nil; predictionsBox = nil; sitesBox = nil; siteLine = nil; predictionsLine = nil
            rail = Rect(x: 0, y: 1, w: w, h: 0)
            info = Rect(x: 0, y: 1, w: w, h: 1)
            legend = Rect(x: 0, y: h - 3, w: w, h: 2)
            main = Rect(x: 0, y: 2, w: w, h: legend.y - 2)
        } else if wide {
            let lw = Layout.leftWidth(w)
            // The picture as tall as its aspect asks, leaving the predictions and a few sites.
            let maxRows = max(16, h - 1 - 7 - 8 - 2)
            let picRows = max(3, min(maxRows, Int((Double(lw - 2) * pictureAspect / 2).rounded(.up))))
            let input = Rect(x: 0, y: 1, w: lw, h: picRows + 2)
            let preds = Rect(x: 0, y: input.maxY, w: lw, h: 7)
            inputBox = input
            predictionsBox = preds
            sitesBox = Rect(x: 0, y: preds.maxY, w: lw, h: h - 1 - preds.maxY)
            let x = lw + 1, rw = w - x
            rail = Rect(x: x, y: 1, w: rw, h: 3)
            info = Rect(x: x, y: rail.maxY, w: rw, h: 1)
            siteLine = nil
            predictionsLine = nil
            legend = Rect(x: x, y: h - 3, w: rw, h: 2)
            main = Rect(x: x, y: info.maxY, w: rw, h: legend.y - info.maxY)
        } else {
            predictionsBox = nil; sitesBox = nil
            rail = Rect(x: 0, y: 1, w: w, h: h >= 24 ? 3 : 2)
            info = Rect(x: 0, y: rail.maxY, w: w, h: 1)
            siteLine = Rect(x: 0, y: info.maxY, w: w, h: 1)
            predictionsLine = Rect(x: 0, y: siteLine!.maxY, w: w, h: 1)
            legend = Rect(x: 0, y: h - 2, w: w, h: 1)
            let area = Rect(x: 0, y: predictionsLine!.maxY, w: w, h: legend.y - predictionsLine!.maxY)
            // A smaller picture at the right of the main area, as long as 5 rows and 56 columns allow.
            let pw = max(8, min(22, w / 5 - 2))
            let picRows = min(area.h - 2, max(2, Int((Double(pw) * pictureAspect / 2).rounded(.up))))
            if w >= 56 && area.h >= 5 && picRows >= 2 {
                let box = Rect(x: w - pw - 2, y: area.y, w: pw + 2, h: picRows + 2)
                inputBox = box
                main = Rect(x: 0, y: area.y, w: w - box.w, h: area.h)
            } else {
                inputBox = nil
                main = area
            }
        }
    }

    /// The layout of a state (its size, its picture's aspect, the tour's narration, presenter).
    public init(_ state: ExplorerState) {
        let aspect = state.info.picture.map { Double($0.height) / Double(max(1, $0.width)) } ?? 1
        let narration = state.tour == nil ? 0 : TourState.narrationRows(height: state.size.height, lines: state.narrationLines(width: state.size.width).count)
        self.init(size: state.size, pictureAspect: aspect, narrationRows: narration, presenter: state.presenter)
    }
}

extension Layout {
    /// The rows a view that takes the whole main area (the Mamba views, the gradient view) is
    /// drawn in: the info line as its header, a row of tabs (in narrow windows the site line's),
    /// and the area below the tabs down to the hint line, the legend's rows included.
    var viewRows: (header: Rect, tabs: Rect, area: Rect) {
        let bottom = legend.maxY
        if let line = siteLine {
            return (info, line, Rect(x: main.x, y: main.y, w: main.w, h: bottom - main.y))
        }
        return (info, Rect(x: main.x, y: main.y, w: main.w, h: 1), Rect(x: main.x, y: main.y + 1, w: main.w, h: max(0, bottom - main.y - 1)))
    }
}

/// The paged grid of channel tiles inside the main area, for maps of one size.
public struct GridGeometry: Equatable, Sendable {
    public let area: Rect
    /// Inside of a tile, in cells.
    public let tileWidth: Int
    public let tileRows: Int
    /// Pixel rows of a tile's picture (two per cell row; odd counts leave the last half empty).
    public let pixelRows: Int
    public let columns: Int
    public let rows: Int
    public var perPage: Int { columns * rows }
    var outerWidth: Int { tileWidth + 2 }
    var outerHeight: Int { tileRows + 2 }

    /// Tiles as large as the space allows while a page still shows a dozen channels: sizes that
    /// are integer multiples or fractions of the map (up to 4× for small maps, 64 cells at most)
    /// are tried from the largest; when none gives a dozen, tiles at most 14 cells wide (maps
    /// shrunk by an integer factor), narrower until a handful fit.
    public init(area: Rect, mapWidth: Int, mapHeight: Int, channels: Int) {
        self.area = area
        func rowsOfPixels(_ tw: Int) -> Int { max(1, Int((Double(tw * mapHeight) / Double(max(1, mapWidth))).rounded())) }
        func fit(_ tw: Int) -> (Int, Int, Int) {
            let pr = rowsOfPixels(tw), tr = (pr + 1) / 2
            return (pr, max(0, area.w / (tw + 2)), max(0, area.h / (tr + 2)))
        }
        let dozen = min(channels, GridGeometry.roomyPage)
        let sizes = Set((1...4).map { mapWidth * $0 } + (2...8).map { mapWidth / $0 }).filter { $0 > 14 && $0 <= 64 }.sorted(by: >)
        if let big = sizes.first(where: { let (_, c, r) = fit($0); return c * r >= max(1, dozen) }) {
            let (pr, cols, rows) = fit(big)
            tileWidth = big; pixelRows = pr; tileRows = (pr + 1) / 2
            columns = max(1, cols); self.rows = max(1, rows)
            return
        }
        let target = 14
        // Maps up to the target width are shown 1:1, larger ones shrunk by an integer factor.
        var tw = mapWidth > target ? mapWidth / Int((Double(mapWidth) / Double(target)).rounded(.up)) : mapWidth
        tw = max(4, tw)
        var (pr, cols, rows) = fit(tw)
        let wanted = min(channels, 6)
        while tw > 4 && (cols * rows < wanted || cols == 0 || rows == 0) {
            tw = max(4, tw * 2 / 3)
            (pr, cols, rows) = fit(tw)
        }
        tileWidth = tw
        self.pixelRows = pr
        tileRows = (pr + 1) / 2
        columns = max(1, cols)
        self.rows = max(1, rows)
    }

    /// Channels a page should still show before tiles grow beyond 14 cells.
    static let roomyPage = 12

    /// The outer rectangle (border included) of the tile in `slot` (0 ..< perPage).
    public func tile(_ slot: Int) -> Rect {
        Rect(x: area.x + (slot % columns) * outerWidth, y: area.y + (slot / columns) * outerHeight, w: outerWidth, h: outerHeight)
    }

    /// The slot under a cell, if any.
    public func slot(x: Int, y: Int) -> Int? {
        guard x >= area.x, y >= area.y else { return nil }
        let c = (x - area.x) / outerWidth, r = (y - area.y) / outerHeight
        guard c < columns, r < rows else { return nil }
        return r * columns + c
    }
}

/// One channel at full size in the main area, under a status line.
public struct ZoomGeometry: Equatable, Sendable {
    /// Where the picture starts (below the status line).
    public let origin: (x: Int, y: Int)
    public let pixelWidth: Int
    public let pixelHeight: Int
    public let mapWidth: Int
    public let mapHeight: Int
    public var cellRows: Int { (pixelHeight + 1) / 2 }

    public static func == (a: ZoomGeometry, b: ZoomGeometry) -> Bool {
        a.origin == b.origin && a.pixelWidth == b.pixelWidth && a.pixelHeight == b.pixelHeight && a.mapWidth == b.mapWidth && a.mapHeight == b.mapHeight
    }

    /// Integer magnification when it fits (each map cell k×k pixels), else shrunk to fit.
    public init(area: Rect, mapWidth: Int, mapHeight: Int) {
        self.mapWidth = mapWidth; self.mapHeight = mapHeight
        let availW = max(1, area.w), availH = max(2, 2 * (area.h - 1))
        let k = min(availW / max(1, mapWidth), availH / max(1, mapHeight))
        if k >= 1 {
            pixelWidth = mapWidth * k; pixelHeight = mapHeight * k
        } else {
            let s = min(Double(availW) / Double(mapWidth), Double(availH) / Double(mapHeight))
            pixelWidth = max(1, Int(Double(mapWidth) * s)); pixelHeight = max(1, Int(Double(mapHeight) * s))
        }
        origin = (area.x + max(0, (area.w - pixelWidth) / 2), area.y + 1)
    }

    /// The pixel columns / rows showing map column `x` / row `y`.
    public func pixels(x: Int) -> Range<Int> { range(x, mapWidth, pixelWidth) }
    public func pixels(y: Int) -> Range<Int> { range(y, mapHeight, pixelHeight) }

    func range(_ i: Int, _ n: Int, _ m: Int) -> Range<Int> {
        let lo = i * m / n
        return lo..<max(lo + 1, (i + 1) * m / n)
    }

    /// The map cell under a screen cell (the upper pixel of a half-block row), if any.
    public func mapPoint(x: Int, y: Int) -> MapPoint? {
        let px = x - origin.x, py = (y - origin.y) * 2
        guard px >= 0, px < pixelWidth, py >= 0, py < pixelHeight else { return nil }
        return MapPoint(y: min(mapHeight - 1, py * mapHeight / pixelHeight), x: min(mapWidth - 1, px * mapWidth / pixelWidth))
    }
}

extension ExplorerState {
    /// The grid geometry for the current site (nil before its activation exists).
    public func gridGeometry(_ layout: Layout) -> GridGeometry? {
        guard let s = site else { return nil }
        return GridGeometry(area: layout.main, mapWidth: s.maps.width, mapHeight: s.maps.height, channels: s.maps.channels)
    }

    public func zoomGeometry(_ layout: Layout) -> ZoomGeometry? {
        guard let s = site else { return nil }
        return ZoomGeometry(area: layout.main, mapWidth: s.maps.width, mapHeight: s.maps.height)
    }
}
