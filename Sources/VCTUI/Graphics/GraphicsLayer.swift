/// The screen's pixel layer: which of a frame's images it draws as pixels, and the escape
/// sequences that draw and remove them.
///
/// Curses must not know: its model of those cells is blank (so it never writes over them), and
/// the sequences go out after its refresh, with the cursor saved and restored around them
/// (DECSC/DECRC) so that its idea of where the cursor is stays true.
struct GraphicsLayer {
    let setup: GraphicsSetup
    /// The images on the terminal now.
    private(set) var shown: [FrameImage] = []

    init(setup: GraphicsSetup) { self.setup = setup }

    var active: Bool { setup.mode != .none }

    /// The images of `frame` to draw as pixels: those whose every cell still shows the view's
    /// half blocks (anything drawn over them, such as the help box, keeps the half blocks).
    func drawable(_ frame: Frame) -> [FrameImage] {
        guard active else { return [] }
        return frame.images.filter { im in
            let r = im.rect
            guard !r.isEmpty, r.x >= 0, r.y >= 0, r.maxX <= frame.width, r.maxY <= frame.height else { return false }
            for y in r.y..<r.maxY { for x in r.x..<r.maxX where frame[x, y].level == nil {
                if !im.marks.contains(where: { $0.contains(x: x, y: y) }) { return false }
            } }
            return true
        }
    }

    /// The frame curses is given: the cells under drawn images blank.
    static func blanked(_ frame: Frame, under images: [FrameImage]) -> Frame {
        var f = frame
        for im in images { f.fill(im.rect) }
        return f
    }

    /// Images on the terminal that `next` no longer has (or has elsewhere, or changed).
    func removed(next: [FrameImage]) -> [FrameImage] { shown.filter { !next.contains($0) } }

    /// Sequences to write after curses' refresh: removals (kitty; for sixel and iTerm2 the cells
    /// are redrawn by curses instead), then every image that is new or changed.
    mutating func update(to next: [FrameImage]) -> String {
        var out = ""
        if setup.mode == .kitty {
            for im in removed(next: next) where !next.contains(where: { $0.slot == im.slot }) { out += wrap(KittyEncoder.delete(id: im.slot.rawValue)) }
        }
        for im in toDraw(next) { out += place(im) }
        shown = next
        return out
    }

    /// The images of `next` to send: the new and changed ones and, for sixel and iTerm2, every
    /// other image sharing rows with them or with a removed one. xterm repaints the rows under a
    /// replaced image from its text, and curses rewrites the rows of a removed one (`wredrawln`),
    /// both wiping the pixels of any image beside it in those rows.
    func toDraw(_ next: [FrameImage]) -> [FrameImage] {
        var send = next.filter { !shown.contains($0) }
        guard setup.mode == .sixel || setup.mode == .iterm2 else { return send }
        var touched = send + removed(next: next)
        var grew = true
        while grew {
            grew = false
            for im in next where !send.contains(im) && touched.contains(where: { $0.rect.y < im.rect.maxY && im.rect.y < $0.rect.maxY }) {
                send.append(im); touched.append(im); grew = true
            }
        }
        return next.filter { send.contains($0) }
    }

    /// Everything on the terminal is gone (a resize, a full redraw): draw it all again next time.
    mutating func forget() -> String {
        shown = []
        return setup.mode == .kitty ? wrap(KittyEncoder.deleteAll) : ""
    }

    /// The sequence drawing one image at its rectangle's top-left cell.
    func place(_ im: FrameImage) -> String {
        let size = im.fittedSize(cell: setup.cell)
        guard size.width > 0 && size.height > 0 else { return "" }
        let px = im.scaled(to: size)
        let body: String
        switch setup.mode {
        case .kitty: body = KittyEncoder.encode(rgb: px, width: size.width, height: size.height, id: im.slot.rawValue)
        case .sixel: body = SixelEncoder.encode(rgb: px, width: size.width, height: size.height, colors: setup.colorRegisters)
        case .iterm2: body = ITermEncoder.encode(rgb: px, width: size.width, height: size.height)
        case .none: return ""
        }
        return "\u{1B}7\u{1B}[\(im.rect.y + 1);\(im.rect.x + 1)H" + wrap(body) + "\u{1B}8"
    }

    private func wrap(_ s: String) -> String { setup.tmux ? TmuxPassthrough.wrap(s) : s }
}
