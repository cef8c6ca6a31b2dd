import Foundation

/// What the terminal said about itself when asked, before curses started.
struct TerminalReport: Equatable, Sendable {
    /// It answered the kitty graphics query with OK.
    var kitty = false
    /// Its primary device attributes list 4 (sixel graphics).
    var sixel = false
    /// Sixel colour registers (XTSMGRAPHICS), when reported.
    var colorRegisters: Int? = nil
    /// Pixels of one cell (CSI 16 t), when reported.
    var cellPixels: PixelSize? = nil
    /// The primary device attributes arrived: everything asked before them has been answered.
    var complete = false
}

/// A size in pixels.
struct PixelSize: Equatable, Sendable {
    var width: Int, height: Int
}

/// Asks the terminal what it can draw: the kitty graphics query, the sixel colour registers,
/// the cell size, and the primary device attributes last. Every terminal answers the latter,
/// and answers in order, so its reply ends the wait; a terminal that answers nothing costs the
/// time budget and no more (the input is read with `poll`, never a blocking read).
enum TerminalProbe {
    /// The queries, in the order they are written.
    static let kittyQuery = "\u{1B}_Gi=31,s=1,v=1,a=q,t=d,f=24;AAAA\u{1B}\\"
    static let registersQuery = "\u{1B}[?1;1;0S"
    static let cellSizeQuery = "\u{1B}[16t"
    static let attributesQuery = "\u{1B}[c"
    static var queries: String { kittyQuery + registersQuery + cellSizeQuery + attributesQuery }

    /// Writes the queries to `fd` (a terminal) in raw mode and reads replies for at most
    /// `budgetMs`. Input that arrives meanwhile and is not a reply is dropped (it was typed
    /// before the screen existed). Returns nil when `fd` is not a terminal.
    static func ask(fd: Int32 = 0, out: Int32 = 1, budgetMs: Int = 150) -> TerminalReport? {
        var saved = termios()
        guard isatty(fd) == 1, tcgetattr(fd, &saved) == 0 else { return nil }
        var raw = saved
        raw.c_lflag &= ~tcflag_t(ICANON | ECHO)
        withUnsafeMutableBytes(of: &raw.c_cc) { cc in cc[Int(VMIN)] = 0; cc[Int(VTIME)] = 0 }
        guard tcsetattr(fd, TCSANOW, &raw) == 0 else { return nil }
        defer { tcsetattr(fd, TCSANOW, &saved) }
        let q = Array(queries.utf8)
        _ = q.withUnsafeBytes { write(out, $0.baseAddress, $0.count) }
        var bytes: [UInt8] = []
        let deadline = DispatchTime.now().uptimeNanoseconds + UInt64(budgetMs) * 1_000_000
        var buffer = [UInt8](repeating: 0, count: 512)
        while true {
            let now = DispatchTime.now().uptimeNanoseconds
            if now >= deadline { break }
            var p = pollfd(fd: fd, events: Int16(POLLIN), revents: 0)
            let r = poll(&p, 1, Int32(max(1, (deadline - now) / 1_000_000)))
            if r < 0 && errno == EINTR { continue }
            if r <= 0 { break }
            let n = buffer.withUnsafeMutableBytes { read(fd, $0.baseAddress, $0.count) }
            if n <= 0 { break }
            bytes += buffer[0..<n]
            if parse(bytes).complete { break }
        }
        tcflush(fd, TCIFLUSH)   // a reply that comes after the budget must not reach the key reader
        return parse(bytes)
    }

    /// Reads the replies out of what the terminal sent (pure: the tests feed it recorded answers).
    static func parse(_ bytes: [UInt8]) -> TerminalReport {
        var report = TerminalReport()
        let s = String(decoding: bytes, as: UTF8.self)
        if s.contains("\u{1B}_Gi=31;OK") { report.kitty = true }
        for (body, final) in controlSequences(s) {
            if final == "c", body.hasPrefix("?") {
                report.complete = true
                report.sixel = body.dropFirst().split(separator: ";").contains("4")
            } else if final == "S", body.hasPrefix("?1;0;") {
                report.colorRegisters = Int(body.dropFirst(5))
            } else if final == "t" {
                let f = body.split(separator: ";").compactMap { Int($0) }
                if f.count == 3, f[0] == 6, f[1] > 0, f[2] > 0 { report.cellPixels = PixelSize(width: f[2], height: f[1]) }
            }
        }
        return report
    }

    /// Every CSI sequence in `s`: its parameter bytes and its final character.
    private static func controlSequences(_ s: String) -> [(String, Character)] {
        var out: [(String, Character)] = []
        let scalars = Array(s.unicodeScalars)
        var i = 0
        while i + 1 < scalars.count {
            guard scalars[i] == "\u{1B}", scalars[i + 1] == "[" else { i += 1; continue }
            var j = i + 2, body = String.UnicodeScalarView()
            while j < scalars.count, (0x20...0x3F).contains(scalars[j].value) { body.append(scalars[j]); j += 1 }
            if j < scalars.count, (0x40...0x7E).contains(scalars[j].value) { out.append((String(body), Character(scalars[j]))) }
            i = j + 1
        }
        return out
    }

    /// Pixels of one cell from the kernel's window size, when the terminal filled them in
    /// (xterm, kitty and mlterm do; many others leave them zero).
    static func cellPixelsFromWindowSize(fd: Int32 = 1) -> PixelSize? {
        var ws = winsize()
        guard ioctl(fd, UInt(TIOCGWINSZ), &ws) == 0, ws.ws_col > 0, ws.ws_row > 0, ws.ws_xpixel > 0, ws.ws_ypixel > 0 else { return nil }
        return PixelSize(width: Int(ws.ws_xpixel) / Int(ws.ws_col), height: Int(ws.ws_ypixel) / Int(ws.ws_row))
    }
}
