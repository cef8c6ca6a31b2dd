/// Drops terminal replies from the key stream: answers to the graphics queries that arrive
/// after the probe's time budget (a terminal still starting up) would otherwise read as keys
/// (ESC [ ? 6 2 ; 4 c would press `?` and `c`). Replies come in one write, so they arrive in one
/// batch of input; what is dropped is exactly a reply's shape: ESC _ … ESC \ (kitty), and
/// ESC [ followed by `?`, digits and `;` up to a final `c`, `S` or `t`.
enum ReplyFilter {
    /// `chars`: one batch of input, (is a curses key code, value) in order.
    static func filter(_ chars: [(Bool, UInt32)]) -> [(Bool, UInt32)] {
        var out: [(Bool, UInt32)] = []
        var i = 0
        func plain(_ j: Int, _ v: UInt8) -> Bool { j < chars.count && !chars[j].0 && chars[j].1 == UInt32(v) }
        while i < chars.count {
            if plain(i, 27) && plain(i + 1, UInt8(ascii: "_")) {
                var j = i + 2
                while j < chars.count && !(plain(j, 27) && plain(j + 1, UInt8(ascii: "\\"))) { j += 1 }
                i = min(chars.count, j + 2)
                continue
            }
            if plain(i, 27) && plain(i + 1, UInt8(ascii: "[")) {
                var j = i + 2
                let body = Set("?0123456789;".utf8.map(UInt32.init))
                while j < chars.count && !chars[j].0 && body.contains(chars[j].1) { j += 1 }
                let finals = Set("cSt".utf8.map(UInt32.init))
                if j > i + 2, j < chars.count, !chars[j].0, finals.contains(chars[j].1) {
                    i = j + 1
                    continue
                }
            }
            out.append(chars[i])
            i += 1
        }
        return out
    }
}
