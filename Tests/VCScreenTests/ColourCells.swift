import Foundation

/// The glyph and colours of every cell of a `capture-pane -p -e` (256 colours or RGB, as tmux
/// writes them), to compare panels cell by cell.
struct ColourCells {
    struct Cell: Equatable { var glyph: Character = " "; var fg = "", bg = "" }
    var rows: [[Cell]] = []

    init(_ escaped: String) {
        var fg = "", bg = "", row: [Cell] = []
        ColourCells.scan(escaped, sgr: { params in
            let p = params.split(separator: ";", omittingEmptySubsequences: false).map { Int($0) ?? 0 }
            var k = 0
            while k < p.count {
                switch p[k] {
                case 0: fg = ""; bg = ""
                case 39: fg = ""
                case 49: bg = ""
                case 38, 48:
                    let n = k + 1 < p.count && p[k + 1] == 5 ? 2 : 4
                    let v = p[min(p.count, k + 1)..<min(p.count, k + 1 + n)].map(String.init).joined(separator: ";")
                    if p[k] == 38 { fg = v } else { bg = v }
                    k += n
                default: break
                }
                k += 1
            }
        }, text: { c in
            if c == "\n" { rows.append(row); row = [] } else { row.append(Cell(glyph: Character(c), fg: fg, bg: bg)) }
        })
        rows.append(row)
    }

    /// Walks a capture: `sgr` gets the parameters of each SGR sequence (`ESC [ … m`), `text` every
    /// other character; other CSI sequences are skipped.
    static func scan(_ escaped: String, sgr: (String) -> Void, text: (Unicode.Scalar) -> Void) {
        let s = Array(escaped.unicodeScalars)
        var i = 0
        while i < s.count {
            if s[i] == "\u{1B}", i + 1 < s.count, s[i + 1] == "[" {
                var j = i + 2, params = ""
                while j < s.count, !(("@"..."~").contains(s[j])) { params.unicodeScalars.append(s[j]); j += 1 }
                if j < s.count, s[j] == "m" { sgr(params) }
                i = j + 1
            } else {
                text(s[i])
                i += 1
            }
        }
    }

    subscript(x: Int, y: Int) -> Cell { y < rows.count && x < rows[y].count ? rows[y][x] : Cell() }
}
