import CNcurses
import Foundation
import VCRender

/// The thin layer that talks to curses: starts and restores the terminal, draws frames (only
/// the cells that changed), and turns curses input into `Event`s. Everything else is pure.
final class Screen {
    let depth: ColorDepth
    /// The terminfo entry in use ("xterm-direct" when switched for truecolor).
    let termName: String
    private var screen: OpaquePointer?
    private var last: Frame?
    private var pairs: [Int: Int32] = [:]
    private var fastErrors = 0
    /// Pictures drawn as pixels (kitty, sixel, iTerm2) beside curses; Graphics/GraphicsLayer.swift.
    private var graphics: GraphicsLayer
    private(set) var ended = false

    /// Starts curses. `request` and the environment pick the colour depth; for truecolor a
    /// `*-direct` terminfo entry is used when the current one does not take RGB numbers.
    init(request: ColorRequest, mouse: Bool, graphics: GraphicsSetup = .halfBlocks) throws {
        guard isatty(0) == 1 && isatty(1) == 1 else {
            throw ExplorerError("the explorer needs a terminal on stdin and stdout (for piped output use `vcview predict`)")
        }
        Screen.setUTF8Locale()
        let env = ProcessInfo.processInfo.environment
        var term = env["TERM"] ?? "xterm"
        if request.wantsDirect(environment: env) && !Screen.isDirect(term) {
            let candidate = term.hasPrefix("tmux") || term.hasPrefix("screen") ? "tmux-direct" : "xterm-direct"
            if Screen.isDirect(candidate) { term = candidate }
        }
        guard let scr = newterm(term, vc_stdout(), vc_stdin()) else {
            throw ExplorerError("cannot start the terminal (TERM=\(term)): is this a terminal?")
        }
        screen = scr
        termName = term
        self.graphics = GraphicsLayer(setup: graphics)
        _ = set_term(scr)
        cbreak(); noecho(); nonl()
        intrflush(vc_stdscr(), false)
        keypad(vc_stdscr(), true)
        _ = curs_set(0)
        set_escdelay(25)
        var colors = 0
        if has_colors() {
            start_color()
            use_default_colors()
            colors = Int(vc_colors())   // COLORS is set by start_color
        }
        depth = colors == 0 ? .none : request.resolve(environment: env, terminalColors: colors, directAvailable: vc_has_direct_color() != 0)
        if mouse {
            _ = mousemask(vc_mouse_mask_wanted(), nil)
            _ = mouseinterval(0)
        }
    }

    /// ▀ needs a UTF-8 locale: the user's if it is one, else C.UTF-8.
    static func setUTF8Locale() {
        setlocale(LC_ALL, "")
        let codeset = String(cString: nl_langinfo(nl_item(CODESET)))
        if codeset.uppercased().replacingOccurrences(of: "-", with: "") != "UTF8" {
            setlocale(LC_ALL, "C.UTF-8")
        }
    }

    /// Whether a terminfo entry exists and takes direct RGB colour numbers.
    static func isDirect(_ name: String) -> Bool {
        var err: Int32 = 0
        guard setupterm(name, 1, &err) == OK else { return false }
        return vc_has_direct_color() != 0
    }

    var size: Size { Size(width: Int(vc_cols()), height: Int(vc_lines())) }

    /// Restores the terminal. Safe to call more than once.
    /// After a crash signal on another thread the process is about to die: any curses call from
    /// here would put the terminal back into raw mode, so the UI thread waits for the end.
    static func parkIfCrashed() {
        guard SignalGuard.crashed.load(ordering: .sequentiallyConsistent) else { return }
        while true { sleep(60) }
    }

    func end() {
        guard !ended else { return }
        ended = true
        if graphics.active { writeRaw(graphics.forget()) }
        endwin()
    }

    // MARK: Drawing

    /// Draws a frame: every cell after a size change, only the changed cells otherwise; then the
    /// frame's pictures as pixels when the terminal has a graphics protocol.
    func draw(_ frame: Frame) {
        Screen.parkIfCrashed()
        let images = graphics.drawable(frame)
        let frame = images.isEmpty ? frame : GraphicsLayer.blanked(frame, under: images)
        if let l = last, l.width != frame.width || l.height != frame.height { last = nil }
        if last == nil { erase(); writeRaw(graphics.forget()) }
        // Pixels of a picture that went away stay until their cells are written again: make curses
        // rewrite those rows in full (kitty images are deleted by id instead).
        if graphics.setup.mode == .sixel || graphics.setup.mode == .iterm2 {
            for im in graphics.removed(next: images) { wredrawln(vc_stdscr(), Int32(im.rect.y), Int32(im.rect.h)) }
        }
        let w = frame.width
        frame.cells.withUnsafeBufferPointer { cells in
            last?.cells.withUnsafeBufferPointer { old in
                for i in 0..<cells.count where cells[i] != old[i] { put(cells[i], x: i % w, y: i / w) }
            } ?? {
                for i in 0..<cells.count { put(cells[i], x: i % w, y: i / w) }
            }()
        }
        last = frame
        refresh()
        if graphics.active { writeRaw(graphics.update(to: images)) }
    }

    /// Writes escape sequences straight to the terminal, behind curses (after its refresh).
    private func writeRaw(_ s: String) {
        guard !s.isEmpty else { return }
        var bytes = Array(s.utf8)[...]
        while !bytes.isEmpty {
            let n = bytes.withUnsafeBytes { write(1, $0.baseAddress, $0.count) }
            if n < 0 { if errno == EINTR { continue } else { return } }
            bytes = bytes.dropFirst(n)
        }
    }

    /// Forgets what is on the screen: the next frame is drawn in full.
    func invalidate() {
        last = nil
        clearok(vc_stdscr(), true)
        writeRaw(graphics.forget())
    }

    private func put(_ cell: Cell, x: Int, y: Int) {
        var c = cell
        var pair: Int32 = 0
        if depth == .none {
            c = Quantize.monochrome(cell)
        } else {
            pair = self.pair(Quantize.colorNumber(c.fg, depth: depth), Quantize.colorNumber(c.bg, depth: depth))
        }
        var attrs = vc_a_normal()
        if c.style.contains(.bold) { attrs |= vc_a_bold() }
        if c.style.contains(.reverse) { attrs |= vc_a_reverse() }
        if c.style.contains(.underline) { attrs |= vc_a_underline() }
        if c.style.contains(.dim) { attrs |= vc_a_dim() }
        _ = vc_put(Int32(y), Int32(x), wchar_t(c.ch.value), attrs, pair)
    }

    private func pair(_ fg: Int, _ bg: Int) -> Int32 {
        if fg == -1 && bg == -1 { return 0 }
        let key = (fg + 1) << 32 | (bg + 1)
        if let p = pairs[key] { return p }
        let p = alloc_pair(Int32(fg), Int32(bg))
        let pair = p < 0 ? 0 : p
        pairs[key] = pair
        return pair
    }

    // MARK: Input

    /// Waits up to `timeoutMs` for input and returns what arrived (nothing on a timeout).
    /// `nil` means the terminal is gone (a blocking read keeps failing at once): quit.
    func readEvents(timeoutMs: Int32) -> [Event]? {
        Screen.parkIfCrashed()
        var events: [Event] = []
        wtimeout(vc_stdscr(), timeoutMs)
        let start = DispatchTime.now().uptimeNanoseconds
        var ch: wint_t = 0
        var r = wget_wch(vc_stdscr(), &ch)
        if r == ERR {
            let elapsedMs = Double(DispatchTime.now().uptimeNanoseconds - start) / 1e6
            if errno != EINTR && elapsedMs < Double(timeoutMs) / 4 {
                fastErrors += 1
                if fastErrors >= 20 { return nil }
            } else {
                fastErrors = 0
            }
            return []
        }
        fastErrors = 0
        wtimeout(vc_stdscr(), 0)
        var batch: [(Bool, UInt32)] = []
        while r != ERR {
            batch.append((r == KEY_CODE_YES, UInt32(ch)))
            r = wget_wch(vc_stdscr(), &ch)
        }
        for (isKey, c) in ReplyFilter.filter(batch) {
            if let e = translate(isKey ? KEY_CODE_YES : OK, wint_t(c)) { events.append(e) }
        }
        return events
    }

    private func translate(_ r: Int32, _ ch: wint_t) -> Event? {
        if r == KEY_CODE_YES {
            switch Int32(ch) {
            case KEY_UP: return .key(.up)
            case KEY_DOWN: return .key(.down)
            case KEY_LEFT: return .key(.left)
            case KEY_RIGHT: return .key(.right)
            case KEY_NPAGE: return .key(.pageDown)
            case KEY_PPAGE: return .key(.pageUp)
            case KEY_HOME: return .key(.home)
            case KEY_END: return .key(.end)
            case KEY_ENTER: return .key(.enter)
            case KEY_BTAB: return .key(.backTab)
            case KEY_BACKSPACE: return .key(.backspace)
            case KEY_RESIZE:
                invalidate()
                return .resize(size)
            case KEY_MOUSE:
                var x: Int32 = 0, y: Int32 = 0
                var b: mmask_t = 0
                guard vc_get_mouse(&x, &y, &b) == 0 else { return nil }
                let kind: MouseEvent.Kind
                if vc_mouse_is_wheel_up(b) != 0 { kind = .wheelUp }
                else if vc_mouse_is_wheel_down(b) != 0 { kind = .wheelDown }
                else if vc_mouse_is_press(b) != 0 { kind = .press }
                else { return nil }
                return .mouse(MouseEvent(x: Int(x), y: Int(y), kind: kind))
            default: return nil
            }
        }
        switch ch {
        case 9: return .key(.tab)
        case 10, 13: return .key(.enter)
        case 27: return .key(.escape)
        case 8, 127: return .key(.backspace)
        default:
            guard let u = Unicode.Scalar(UInt32(ch)) else { return nil }
            return .key(.char(Character(u)))
        }
    }
}

/// A problem that stops the explorer, with a message for the user.
public struct ExplorerError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}
