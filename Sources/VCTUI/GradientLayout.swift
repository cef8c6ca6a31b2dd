/// Where the gradient view's parts go for a state (pure; the view and the tests share it):
///
///     header   gradients · Grad-CAM of tabby at network.4.3
///     tabs      Grad-CAM  LayerCAM  ERF  saliency  Mamba-Attr  rollout          class 1/5
///     ┌ over the input ┐ ┌ map 7×7 ───────┐  ▸ 1 tabby 41%
///     │ picture + map  │ │ the map alone  │    2 tiger cat 20%
///     └────────────────┘ └────────────────┘    …
///      Grad-CAM 0 ▕████████████▏ 3.2 · magma
///      formula, explanation, the site's note, timing …
///
/// Both panels have the same pixel size, so a map cell covers the same patch in both; in the
/// wide layout that is the input panel's size (the plain picture stays at the left to compare).
public struct GradientScreen: Sendable {
    public let header: Rect
    public let tabs: Rect
    /// Below the tabs, down to the hint line.
    public let area: Rect
    /// The picture with the map blended over it.
    public let overlay: Rect
    /// The map alone (nil when only one panel fits).
    public let plain: Rect?
    /// Pixels of the pictures inside the panels (two pixel rows per cell row).
    public let pictureSize: (w: Int, h: Int)
    /// The colour bar's line, under the panels.
    public let legend: Rect
    /// The top-5 classes, one per line, beside the panels (empty: `classLine` instead).
    public let classLines: [Rect]
    /// The classes on one line, under the legend, when there is no room beside the panels.
    public let classLine: Rect?
    /// What is left below: the formula, the explanation, notes.
    public let text: Rect

    /// Columns the top-5 list needs beside the panels.
    static let classColumns = 16
    /// Rows kept under the panels for the legend and at least three lines of text.
    static let reservedRows = 4

    public init(_ s: ExplorerState) {
        let layout = Layout(s)
        (header, tabs, area) = layout.viewRows
        let aspect = s.info.picture.map { Double($0.height) / Double(max(1, $0.width)) } ?? 1
        func height(_ w: Int) -> Int { max(2, Int((Double(w) * aspect).rounded())) }
        func rows(_ w: Int) -> Int { (height(w) + 1) / 2 + 2 }
        // The widest picture both panels (with a gap) can show, leaving rows for the legend and text.
        var pw = max(4, (area.w - 5) / 2)
        if let input = layout.inputBox, layout.wide { pw = min(pw, input.w - 2) }
        while pw > 4 && rows(pw) > area.h - GradientScreen.reservedRows { pw -= 1 }
        let two = 2 * (pw + 2) + 1 <= area.w
        let ph = height(pw)
        overlay = Rect(x: area.x, y: area.y, w: pw + 2, h: min(rows(pw), area.h))
        plain = two ? Rect(x: overlay.maxX + 1, y: area.y, w: pw + 2, h: overlay.h) : nil
        pictureSize = (pw, ph)
        let right = (plain ?? overlay).maxX + 1
        var used = overlay.h
        legend = Rect(x: area.x, y: area.y + used, w: area.w, h: 1)
        used += 1
        if area.maxX - right >= GradientScreen.classColumns {
            let a = area
            classLines = (0..<min(5, overlay.h)).map { Rect(x: right, y: a.y + $0, w: a.maxX - right, h: 1) }
            classLine = nil
        } else {
            classLines = []
            classLine = used < area.h ? Rect(x: area.x, y: area.y + used, w: area.w, h: 1) : nil
            used += 1
        }
        text = Rect(x: area.x, y: area.y + used, w: min(area.w, 110), h: max(0, area.h - used))
    }
}
