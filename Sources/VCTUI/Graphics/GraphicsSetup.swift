import Foundation

/// The graphics mode the screen uses, and what it needs to know to draw pixels: the size of a
/// cell in pixels, sixel's colour registers, and whether to wrap everything for tmux.
public struct GraphicsSetup: Equatable, Sendable {
    public var mode: GraphicsMode
    /// Pixels of one cell (reported by the terminal, or 8×16 when it would not say).
    var cell: PixelSize
    var colorRegisters: Int
    /// Sequences go through tmux's passthrough.
    var tmux: Bool
    /// How the mode was chosen, for the timing log ("env TERM=xterm-kitty", "query: DA1 4", …).
    public var reason: String
    /// How long the terminal queries took.
    public var probeMilliseconds: Double

    static let fallbackCell = PixelSize(width: 8, height: 16)

    init(mode: GraphicsMode, cell: PixelSize = GraphicsSetup.fallbackCell, colorRegisters: Int = 256,
         tmux: Bool = false, reason: String, probeMilliseconds: Double = 0) {
        self.mode = mode; self.cell = cell; self.colorRegisters = colorRegisters
        self.tmux = tmux; self.reason = reason; self.probeMilliseconds = probeMilliseconds
    }

    public static let halfBlocks = GraphicsSetup(mode: .none, reason: "half blocks")

    /// Detects the mode for `request`: the environment first, then the terminal's answers to
    /// queries written before curses starts (at most `budgetMs`). Inside tmux the outer terminal
    /// is named by tmux itself, and pixels are drawn only when `allow-passthrough` is on (or the
    /// mode is forced). `--graphics none` asks nothing.
    public static func detect(request: GraphicsRequest, environment env: [String: String], budgetMs: Int = 150) -> GraphicsSetup {
        if request == .none { return GraphicsSetup(mode: .none, reason: "--graphics none") }
        let t0 = DispatchTime.now().uptimeNanoseconds
        let ms = { Double(DispatchTime.now().uptimeNanoseconds - t0) / 1e6 }
        let windowCell = TerminalProbe.cellPixelsFromWindowSize()
        if GraphicsEnvironment.insideTmux(env) {
            let t = TmuxPassthrough.query()
            var mode = GraphicsEnvironment.mode(["TERM": t.clientTerm])
            if mode == nil && t.features.split(separator: ",").contains("sixel") { mode = .sixel }
            var reason = "tmux client \(t.clientTerm.isEmpty ? "?" : t.clientTerm), passthrough \(t.enabled ? "on" : "off")"
            if let forced = request.forced { mode = forced; reason += ", forced" }
            else if !t.enabled { mode = GraphicsMode.none }
            return GraphicsSetup(mode: mode ?? .none, cell: windowCell ?? fallbackCell, tmux: true, reason: reason, probeMilliseconds: ms())
        }
        // A terminal the environment names, with its cell size in the window size, needs no
        // question (kitty under a software renderer answers only after its window appears).
        let named = request.forced ?? GraphicsEnvironment.mode(env)
        let needQuery = named == nil || windowCell == nil || named == .sixel
        let report = needQuery ? TerminalProbe.ask(budgetMs: budgetMs) ?? TerminalReport() : TerminalReport()
        let cell = report.cellPixels ?? windowCell ?? fallbackCell
        let registers = min(256, max(16, report.colorRegisters ?? 256))
        let mode: GraphicsMode, reason: String
        if let forced = request.forced {
            (mode, reason) = (forced, "--graphics \(request.rawValue)")
        } else if let m = GraphicsEnvironment.mode(env) {
            (mode, reason) = (m, "environment (TERM=\(env["TERM"] ?? ""), TERM_PROGRAM=\(env["TERM_PROGRAM"] ?? ""))")
        } else if report.kitty {
            (mode, reason) = (.kitty, "query: kitty graphics OK")
        } else if report.sixel {
            (mode, reason) = (.sixel, "query: device attributes list sixel")
        } else {
            (mode, reason) = (.none, report.complete ? "query: no image protocol" : "query: no answer in \(budgetMs) ms")
        }
        return GraphicsSetup(mode: mode, cell: cell, colorRegisters: registers, reason: reason, probeMilliseconds: ms())
    }
}
