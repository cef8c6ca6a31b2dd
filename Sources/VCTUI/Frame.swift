import VCRender

/// A terminal size in cells.
public struct Size: Equatable, Sendable {
    public var width: Int
    public var height: Int
    public init(width: Int, height: Int) { self.width = width; self.height = height }
}

/// A rectangle of cells; `x`, `y` is the top-left corner.
public struct Rect: Equatable, Sendable {
    public var x: Int, y: Int, w: Int, h: Int
    public init(x: Int, y: Int, w: Int, h: Int) { self.x = x; self.y = y; self.w = max(0, w); self.h = max(0, h) }
    public var maxX: Int { x + w }
    public var maxY: Int { y + h }
    public var isEmpty: Bool { w <= 0 || h <= 0 }
    public func contains(x px: Int, y py: Int) -> Bool { px >= x && px < maxX && py >= y && py < maxY }
    /// The rectangle shrunk by `n` cells on every side (a box's inside).
    public func inset(_ n: Int) -> Rect { Rect(x: x + n, y: y + n, w: w - 2 * n, h: h - 2 * n) }
}

/// A cell colour: the terminal's default, or an RGB colour the screen quantises to its depth.
public enum Paint: Hashable, Sendable {
    case `default`
    case rgb(RGB8)
}

/// Text attributes that survive every colour depth (they are not colours: NO_COLOR keeps them).
public struct Style: OptionSet, Hashable, Sendable {
    public let rawValue: UInt8
    public init(rawValue: UInt8) { self.rawValue = rawValue }
    public static let bold = Style(rawValue: 1)
    public static let reverse = Style(rawValue: 2)
    public static let underline = Style(rawValue: 4)
    public static let dim = Style(rawValue: 8)
}

/// One screen cell.
///
/// `level` marks a data pixel (heatmap or picture): its intensity 0…255, which a monochrome
/// screen draws with the glyph ramp ` ░▒▓█` instead of colours.
public struct Cell: Hashable, Sendable {
    public var ch: Unicode.Scalar
    public var fg: Paint
    public var bg: Paint
    public var style: Style
    public var level: UInt8?

    public init(_ ch: Unicode.Scalar = " ", fg: Paint = .default, bg: Paint = .default, style: Style = [], level: UInt8? = nil) {
        self.ch = ch; self.fg = fg; self.bg = bg; self.style = style; self.level = level
    }

    public static let blank = Cell()
}

/// What `view` returns: a full screen of cells, drawn by the screen layer as it is.
public struct Frame: Equatable, Sendable {
    public let width: Int
    public let height: Int
    public private(set) var cells: [Cell]
    /// Pictures to show as real pixels where the terminal can (Graphics/FrameImage.swift).
    public var images: [FrameImage] = []

    public init(width: Int, height: Int) {
        self.width = max(0, width); self.height = max(0, height)
        cells = [Cell](repeating: .blank, count: self.width * self.height)
    }

    public subscript(x: Int, y: Int) -> Cell {
        get { cells[y * width + x] }
        set { if x >= 0 && x < width && y >= 0 && y < height { cells[y * width + x] = newValue } }
    }

    /// Writes `text` from (x, y), clipped to `maxWidth` cells and to the frame. Returns the column after it.
    @discardableResult
    public mutating func text(_ text: String, x: Int, y: Int, maxWidth: Int? = nil, fg: Paint = .default, bg: Paint = .default, style: Style = []) -> Int {
        guard y >= 0 && y < height else { return x }
        let limit = min(width, x + (maxWidth ?? width))
        var cx = x
        let scalars = Array(text.unicodeScalars)
        for (i, s) in scalars.enumerated() {
            if cx >= limit {
                // Cut: the last cell says so, unless only blanks were left out.
                if cx - 1 >= max(0, x), scalars[i...].contains(where: { $0 != " " }) { cells[y * width + cx - 1] = Cell("…", fg: fg, bg: bg, style: style) }
                break
            }
            if cx >= 0 { cells[y * width + cx] = Cell(s, fg: fg, bg: bg, style: style) }
            cx += 1
        }
        return cx
    }

    /// Fills a rectangle with one cell.
    public mutating func fill(_ r: Rect, _ cell: Cell = .blank) {
        for y in max(0, r.y)..<min(height, r.maxY) { for x in max(0, r.x)..<min(width, r.maxX) { cells[y * width + x] = cell } }
    }

    /// Sets the style of every cell of a rectangle (keeps characters and colours).
    public mutating func addStyle(_ r: Rect, _ style: Style) {
        for y in max(0, r.y)..<min(height, r.maxY) { for x in max(0, r.x)..<min(width, r.maxX) { cells[y * width + x].style.formUnion(style) } }
    }

    /// A box border (light lines) with an optional title on the top edge.
    public mutating func box(_ r: Rect, title: String = "", fg: Paint = .default, titleStyle: Style = [], style: Style = []) {
        guard r.w >= 2 && r.h >= 2 else { return }
        let top = r.y, bottom = r.maxY - 1, left = r.x, right = r.maxX - 1
        for x in (left + 1)..<right {
            self[x, top] = Cell("─", fg: fg, style: style); self[x, bottom] = Cell("─", fg: fg, style: style)
        }
        for y in (top + 1)..<bottom {
            self[left, y] = Cell("│", fg: fg, style: style); self[right, y] = Cell("│", fg: fg, style: style)
        }
        self[left, top] = Cell("┌", fg: fg, style: style); self[right, top] = Cell("┐", fg: fg, style: style)
        self[left, bottom] = Cell("└", fg: fg, style: style); self[right, bottom] = Cell("┘", fg: fg, style: style)
        if !title.isEmpty && r.w > 2 {
            text(title, x: left + 1, y: top, maxWidth: r.w - 2, fg: fg, style: titleStyle.union(style))
        }
    }

    /// The characters of row `y` (for tests and logs).
    public func row(_ y: Int) -> String {
        var s = String.UnicodeScalarView()
        for x in 0..<width { s.append(cells[y * width + x].ch) }
        return String(s)
    }

    /// Every row joined by newlines.
    public var text: String { (0..<height).map(row).joined(separator: "\n") }
}

extension String {
    /// Pads with spaces or truncates (with an ellipsis) to exactly `n` scalars.
    func fitted(_ n: Int, ellipsis: Bool = true) -> String {
        guard n > 0 else { return "" }
        let count = unicodeScalars.count
        if count == n { return self }
        if count < n { return self + String(repeating: " ", count: n - count) }
        var v = String.UnicodeScalarView()
        v.append(contentsOf: unicodeScalars.prefix(ellipsis ? n - 1 : n))
        if ellipsis { v.append("…") }
        return String(v)
    }

    /// Truncated (with an ellipsis) to at most `n` scalars.
    func clipped(_ n: Int) -> String {
        unicodeScalars.count <= n ? self : fitted(n)
    }

    var width: Int { unicodeScalars.count }
}
