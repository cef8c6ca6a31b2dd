import VCRender

/// How many colours the terminal gets; the screen quantises every RGB cell to this.
public enum ColorDepth: String, CaseIterable, Sendable {
    /// 24-bit colour numbers 0xRRGGBB (a `*-direct` terminfo entry).
    case truecolor
    /// xterm's 256: the 6×6×6 cube (16…231) and the grey ramp (232…255).
    case palette256
    /// The 16 ANSI colours.
    case palette16
    /// No colour at all: data pixels become the glyph ramp ` ░▒▓█`.
    case none

    public var label: String {
        switch self {
        case .truecolor: return "truecolor"
        case .palette256: return "256 colours"
        case .palette16: return "16 colours"
        case .none: return "none (glyph ramp)"
        }
    }

    /// The glyph ramp of monochrome screens, darkest first.
    public static let ramp: [Unicode.Scalar] = [" ", "░", "▒", "▓", "█"]

    public static func rampGlyph(_ level: UInt8) -> Unicode.Scalar { ramp[Int(level) * ramp.count / 256] }
}

/// What the user asked for with `--colors`.
public enum ColorRequest: String, CaseIterable, Sendable {
    case auto, truecolor
    case palette256 = "256"
    case palette16 = "16"
    case none

    /// The depth to use. An explicit request wins over `NO_COLOR`; in `auto`, `NO_COLOR` (set and
    /// not empty) turns colour off, `COLORTERM=truecolor|24bit` or a direct-colour terminfo entry
    /// give truecolor, otherwise the terminfo entry's colour count decides.
    /// `directAvailable` says whether a direct-colour terminfo entry can be used at all.
    public func resolve(environment env: [String: String], terminalColors: Int, directAvailable: Bool) -> ColorDepth {
        switch self {
        case .none: return .none
        case .truecolor: return directAvailable ? .truecolor : (terminalColors >= 256 ? .palette256 : .palette16)
        case .palette256: return terminalColors >= 256 || directAvailable ? .palette256 : .palette16
        case .palette16: return .palette16
        case .auto:
            if let nc = env["NO_COLOR"], !nc.isEmpty { return .none }
            let ct = (env["COLORTERM"] ?? "").lowercased()
            if directAvailable && (ct == "truecolor" || ct == "24bit" || terminalColors >= 1 << 24) { return .truecolor }
            if terminalColors >= 256 { return .palette256 }
            if terminalColors >= 8 { return .palette16 }
            return .none
        }
    }

    /// Whether to look for a direct-colour terminfo entry before starting curses.
    public func wantsDirect(environment env: [String: String]) -> Bool {
        switch self {
        case .truecolor: return true
        case .auto:
            if let nc = env["NO_COLOR"], !nc.isEmpty { return false }
            let ct = (env["COLORTERM"] ?? "").lowercased()
            return ct == "truecolor" || ct == "24bit"
        default: return false
        }
    }
}

/// RGB to palette indices: pure, so they are tested without a terminal.
public enum Quantize {
    static let cubeLevels = [0, 95, 135, 175, 215, 255]

    /// Nearest xterm-256 index among the colour cube and the grey ramp (squared RGB distance).
    public static func xterm256(_ c: RGB8) -> Int {
        func nearestLevel(_ v: UInt8) -> Int {
            var best = 0
            for i in 1..<6 where abs(cubeLevels[i] - Int(v)) < abs(cubeLevels[best] - Int(v)) { best = i }
            return best
        }
        let ri = nearestLevel(c.r), gi = nearestLevel(c.g), bi = nearestLevel(c.b)
        let cube = RGB8(UInt8(cubeLevels[ri]), UInt8(cubeLevels[gi]), UInt8(cubeLevels[bi]))
        let avg = (Int(c.r) + Int(c.g) + Int(c.b)) / 3
        let gi2 = min(23, max(0, (avg - 8 + 5) / 10))
        let g = UInt8(8 + 10 * gi2)
        let grey = RGB8(g, g, g)
        return distance(c, grey) < distance(c, cube) ? 232 + gi2 : 16 + 36 * ri + 6 * gi + bi
    }

    /// xterm's default 16-colour palette.
    public static let ansi16: [RGB8] = [
        RGB8(0, 0, 0), RGB8(205, 0, 0), RGB8(0, 205, 0), RGB8(205, 205, 0),
        RGB8(0, 0, 238), RGB8(205, 0, 205), RGB8(0, 205, 205), RGB8(229, 229, 229),
        RGB8(127, 127, 127), RGB8(255, 0, 0), RGB8(0, 255, 0), RGB8(255, 255, 0),
        RGB8(92, 92, 255), RGB8(255, 0, 255), RGB8(0, 255, 255), RGB8(255, 255, 255),
    ]

    public static func ansi16Index(_ c: RGB8) -> Int {
        var best = 0
        for i in 1..<16 where distance(c, ansi16[i]) < distance(c, ansi16[best]) { best = i }
        return best
    }

    /// A direct-colour number. Numbers below 8 mean ANSI colours in the `*-direct` entries, so
    /// near-black is nudged to 0x000008.
    public static func direct(_ c: RGB8) -> Int { max(8, c.packed) }

    static func distance(_ a: RGB8, _ b: RGB8) -> Int {
        let dr = Int(a.r) - Int(b.r), dg = Int(a.g) - Int(b.g), db = Int(a.b) - Int(b.b)
        return dr * dr + dg * dg + db * db
    }

    /// The terminal colour number of a paint at a depth; -1 = the terminal's default.
    public static func colorNumber(_ p: Paint, depth: ColorDepth) -> Int {
        guard case .rgb(let c) = p else { return -1 }
        switch depth {
        case .truecolor: return direct(c)
        case .palette256: return xterm256(c)
        case .palette16: return ansi16Index(c)
        case .none: return -1
        }
    }

    /// The cell a screen of this depth draws: monochrome turns data pixels into ramp glyphs and
    /// other coloured backgrounds into reverse video; colours become palette numbers elsewhere.
    public static func monochrome(_ cell: Cell) -> Cell {
        var out = Cell(cell.ch, style: cell.style)
        if let level = cell.level {
            out.ch = ColorDepth.rampGlyph(level)
        } else if cell.bg != .default {
            out.style.insert(.reverse)
        }
        return out
    }
}
