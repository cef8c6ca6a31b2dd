import VCRender
import VCStyle

// The presenter layout (`p`, `--presenter`): for a lecture hall, one big panel under a large
// title. In the Mamba views it is the input picture with what the view is about drawn over it
// (the scan path, the attention row, the CAM: PictureOverlay); elsewhere the selected channel
// at full size with its cursor. The legend stays below it, the hint line at the bottom.

let presenterHints: [(String, String)] = [("p", "back"), ("[]", "stage"), ("{}", "block"), ("v", "view"), ("space", "play"), ("hjkl", "move")]

func drawPresenter(_ f: inout Frame, _ s: ExplorerState, _ layout: Layout, mamba: Bool) {
    drawPresenterTitle(&f, s, layout.info, mamba: mamba)
    if s.gradient != nil {
        // The gradient map over the picture, as large as fits; the formula below it.
        let box = presenterPictureBox(s, layout.main)
        f.box(box, title: " \(s.gradientTitle) ".clipped(box.w - 2), fg: Theme.border)
        let inner = box.inset(1)
        if let pic = s.gradientOverlay {
            let ph = min(inner.h * 2, max(1, Int((Double(inner.w * pic.height) / Double(pic.width)).rounded())))
            drawHalfBlocks(&f, pic.resampled(width: inner.w, height: ph), width: inner.w, height: ph, in: inner)
        }
        let line = s.gradientMap.map { "formula: " + $0.formula } ?? (gradientMessage(s).text ?? "computing…")
        f.text(line, x: layout.legend.x + 1, y: layout.legend.y, maxWidth: layout.legend.w - 1, style: .bold)
        if layout.legend.h > 1 { f.text(s.gradient!.method.explanation, x: layout.legend.x + 1, y: layout.legend.y + 1, maxWidth: layout.legend.w - 1, fg: Theme.dim) }
    } else if mamba {
        let box = presenterPictureBox(s, layout.main)
        drawPicture(&f, s, box)
        drawPresenterCaption(&f, s, layout.legend)
    } else if s.site != nil {
        drawZoom(&f, s, layout)
        drawLegend(&f, s, layout.legend)
    } else {
        f.text("\(s.siteName): not recorded", x: layout.main.x + 1, y: layout.main.y + 1, maxWidth: layout.main.w - 2, fg: Theme.warn)
    }
}

/// The picture's box in the presenter area: as large as fits with the picture's aspect (two
/// pixel rows per cell row), centred.
func presenterPictureBox(_ s: ExplorerState, _ area: Rect) -> Rect {
    let aspect = s.info.picture.map { Double($0.height) / Double(max(1, $0.width)) } ?? 1
    let innerH = max(1, area.h - 2)
    var pw = max(1, Int((Double(2 * innerH) / aspect).rounded(.down)))
    if pw > area.w - 2 { pw = max(1, area.w - 2) }
    let rows = min(innerH, max(1, Int((Double(pw) * aspect / 2).rounded(.up))))
    return Rect(x: area.x + (area.w - pw - 2) / 2, y: area.y, w: pw + 2, h: rows + 2)
}

/// The large title: where in the network, and what the panel shows, centred and bold.
func drawPresenterTitle(_ f: inout Frame, _ s: ExplorerState, _ r: Rect, mamba: Bool) {
    let group = s.rail.groups[s.currentBlock.group].name
    var parts = [group, s.siteName]
    if s.gradient != nil {
        parts = [group, s.gradientTitle]
    } else if mamba, let l = s.mambaLayer {
        parts = [group, s.currentBlock.site, s.mamba.panel.title]
        if s.mamba.panel == .scans { parts.append("step \(ScanNames.step(min(s.mamba.step, l.tokens - 1)))/\(l.tokens)") }
        if s.mamba.panel == .attention { parts.append("token \(pt(s.mamba.cursor))") }
        if s.mamba.panel == .cam, let c = s.camClass { parts.append("class \(s.info.label(c))") }
    } else {
        parts.append("channel \(s.channel)")
    }
    let text = " " + parts.joined(separator: "  ·  ") + " "
    let t = text.clipped(r.w)
    f.text(t, x: r.x + max(0, (r.w - t.width) / 2), y: r.y, fg: Theme.accent, style: [.bold, .reverse])
}

/// What the colours over the picture mean, below it.
func drawPresenterCaption(_ f: inout Frame, _ s: ExplorerState, _ r: Rect) {
    guard r.h >= 1 else { return }
    switch s.mamba.panel {
    case .scans:
        var x = r.x + 1
        for d in s.mamba.direction.map({ [$0] }) ?? [0, 1, 2, 3] {
            x = f.text("━━ ", x: x, y: r.y, maxWidth: r.maxX - x, fg: .rgb(overlayDirections[d]), style: .bold)
            x = f.text(ScanNames.title(d) + "   ", x: x, y: r.y, maxWidth: r.maxX - x, style: .bold)
        }
        f.text("paths walked up to the current step; the token read now is boxed", x: r.x + 1, y: r.y + 1, maxWidth: r.w - 1, fg: Theme.dim)
    case .attention:
        f.text("implicit attention of the boxed token (summed over the four scans), blended over the picture", x: r.x + 1, y: r.y, maxWidth: r.w - 1, style: .bold)
    case .cam:
        f.text("class activation map w̄_c·z_p of the chosen class, blended over the picture", x: r.x + 1, y: r.y, maxWidth: r.w - 1, style: .bold)
    case .hidden, .shares:
        f.text("the input picture (this view's maps: p back to the full layout)", x: r.x + 1, y: r.y, maxWidth: r.w - 1, style: .bold)
    }
}
