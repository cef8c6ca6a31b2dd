import VCRender

/// Draws a state: pure, so every screen can be checked without a terminal.
public func view(_ state: ExplorerState) -> Frame {
    var f = Frame(width: state.size.width, height: state.size.height)
    let layout = Layout(state)
    if layout.tooSmall {
        drawTooSmall(&f, state)
        return f
    }
    drawTitle(&f, state, layout.title)
    let mamba = state.showsMamba && state.isForwardDone
    let gradients = state.gradient != nil && state.isForwardDone
    if layout.presenter, state.isForwardDone {
        drawPresenter(&f, state, layout, mamba: mamba)
    } else {
        drawPanels(&f, state, layout, mamba: mamba)
    }
    if let r = layout.narration { drawNarration(&f, state, r) }
    if let prompt = state.exportPrompt { drawExportPrompt(&f, layout.hint, prompt) }
    else if let status = state.exportStatus { drawStatus(&f, layout.hint, status) }
    else if state.tour != nil { drawTourHints(&f, layout.hint) } else if layout.presenter { drawHints(&f, layout.hint, items: presenterHints) }
    else if gradients { drawHints(&f, layout.hint, items: gradientHints) }
    else if mamba { drawHints(&f, layout.hint, items: mambaHints) } else { drawHints(&f, layout.hint) }
    if state.showHelp { drawHelp(&f, lines: state.tour != nil ? tourHelpLines : helpLines) }
    return f
}

/// The ordinary layouts: rail, picture, predictions, sites, the main area and its legend.
func drawPanels(_ f: inout Frame, _ state: ExplorerState, _ layout: Layout, mamba: Bool) {
    let gradients = state.gradient != nil && state.isForwardDone
    drawRail(&f, state, layout.rail)
    if !mamba && !gradients { drawInfo(&f, state, layout.info) }
    if let r = layout.inputBox { drawPicture(&f, state, r) }
    if let r = layout.predictionsBox { drawPredictionsBox(&f, state, r) }
    if let r = layout.sitesBox { drawSitesBox(&f, state, r) }
    if let r = layout.siteLine, !mamba && !gradients { drawSiteLine(&f, state, r) }
    if let r = layout.predictionsLine { if mamba { drawMambaPredictionsLine(&f, state, r) } else { drawPredictionsLine(&f, state, r) } }
    switch state.phase {
    case .running(let fraction, let site): drawProgress(&f, state, layout.main, fraction: fraction, site: site)
    case .failed(let message): drawFailure(&f, layout.main, message)
    case .done where gradients:
        drawGradient(&f, state)
    case .done where mamba:
        drawMamba(&f, state)
    case .done:
        if state.site == nil {
            f.text("\(state.siteName): not recorded", x: layout.main.x + 1, y: layout.main.y + 1, maxWidth: layout.main.w - 2, fg: Theme.warn)
        } else if state.zoomed {
            drawZoom(&f, state, layout)
        } else {
            drawGrid(&f, state, layout)
        }
        drawLegend(&f, state, layout.legend)
    }
}

/// `view` at another window size (the state's own size otherwise).
public func view(_ state: ExplorerState, size: Size) -> Frame {
    var s = state
    s.size = size
    return view(s)
}

// MARK: Title, info, hints

func drawTitle(_ f: inout Frame, _ s: ExplorerState, _ r: Rect) {
    f.fill(r, Cell(" ", fg: Theme.titleFg, bg: Theme.titleBg))
    var status = "\(s.info.inputHeight)×\(s.info.inputWidth)  "
    switch s.phase {
    case .done(let ms): status += "forward \(Int(ms.rounded())) ms"
    case .running: status += "forward running…"
    case .failed: status += "forward failed"
    }
    if !s.info.colorDepthLabel.isEmpty { status += "  colours: \(s.info.colorDepthLabel)" }
    status += " "
    // The status on the right stays whole as long as it fits; the names on the left give way.
    let left = " vcview  " + [s.info.imageName, s.info.modelDescription].filter { !$0.isEmpty }.joined(separator: "  ")
    let rightX = max(r.x, r.maxX - status.width)
    f.text(left.clipped(max(0, rightX - r.x - 1)), x: r.x, y: r.y, fg: Theme.titleFg, bg: Theme.titleBg, style: .bold)
    f.text(status, x: rightX, y: r.y, maxWidth: r.maxX - rightX, fg: Theme.titleFg, bg: Theme.titleBg)
}

func drawInfo(_ f: inout Frame, _ s: ExplorerState, _ r: Rect) {
    let block = s.currentBlock
    let group = s.rail.groups[block.group].name
    let shape = s.site.map { shapeText($0.maps.shape) } ?? (s.siteName == block.site ? shapeText(block.expectedShape) : "")
    var x = f.text(" \(group) · ", x: r.x, y: r.y, maxWidth: r.w, fg: Theme.dim)
    x = f.text(s.siteName, x: x, y: r.y, maxWidth: r.maxX - x, style: .bold)
    var rest = " (\(block.label)) · \(shape)"
    if let site = s.site {
        if site.maps.layout == .tokens { rest += " on \(site.maps.height)×\(site.maps.width)" }
        rest += " · sort: \(s.sort.rawValue)"
        if s.zoomed {
            rest += " · zoom ch \(s.channel)"
        } else if let g = s.gridGeometry(Layout(s)) {
            let pages = (site.maps.channels + g.perPage - 1) / g.perPage
            rest += " · page \(s.channelPosition / g.perPage + 1)/\(pages)"
        }
    }
    // NaN/inf go first, right after the name: on a diverged checkpoint they matter most.
    if let site = s.site, let store = s.store, let note = store.nonFiniteNote(site.stats.marked) {
        x = f.text(" · " + note, x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.warn, style: .bold)
    }
    f.text(rest, x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim)
}

let explorerHints: [(String, String)] = [("[]", "stage"), ("{}", "block"), ("⇥", "pane"), ("hjkl", "move"), ("⏎", "zoom"),
                                         ("o", "sort"), ("c", "colours"), ("s", "scale"), ("m", "Mamba"), ("p", "present"), ("e", "export")]

/// A one-line report (an export's result) in place of the hints; `? help` and `q quit` stay.
func drawStatus(_ f: inout Frame, _ r: Rect, _ message: String) {
    let fixed = "  ? help  q quit"
    let x = f.text(" " + message, x: r.x, y: r.y, maxWidth: max(0, r.w - fixed.width), fg: Theme.accent)
    var fx = max(x, r.maxX - fixed.width)
    fx = f.text("  ?", x: fx, y: r.y, fg: Theme.accent, style: .bold)
    fx = f.text(" help  ", x: fx, y: r.y, fg: Theme.dim)
    fx = f.text("q", x: fx, y: r.y, fg: Theme.accent, style: .bold)
    f.text(" quit", x: fx, y: r.y, maxWidth: r.maxX - fx, fg: Theme.dim)
}

func drawHints(_ f: inout Frame, _ r: Rect, items: [(String, String)] = explorerHints) {
    let fixed: [(String, String)] = [("?", "help"), ("q", "quit")]
    func width(_ list: [(String, String)]) -> Int { list.reduce(0) { $0 + $1.0.width + $1.1.width + 3 } + 1 }
    var shown: [(String, String)] = []
    for item in items where width(shown + [item] + fixed) <= r.w { shown.append(item) }
    var x = r.x + 1
    for (k, d) in shown + fixed {
        x = f.text(k, x: x, y: r.y, fg: Theme.accent, style: .bold)
        x = f.text(" " + d + "  ", x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim)
    }
}

// MARK: Rail

func drawRail(_ f: inout Frame, _ s: ExplorerState, _ r: Rect) {
    let rl = RailLayout(rail: s.rail, area: r)
    let selectedGroup = s.currentBlock.group
    for (i, c) in rl.columns.enumerated() {
        let selected = c.group == selectedGroup
        let style: Style = selected ? (s.focus == .rail ? [.bold, .reverse] : [.bold, .underline]) : []
        f.text(c.name, x: c.x, y: rl.namesRow, fg: selected ? Theme.accent : .default, style: style)
        if i + 1 < rl.columns.count { f.text(rl.separator, x: c.x + c.width, y: rl.namesRow, fg: Theme.dim) }
        if let y = rl.shapesRow { f.text(c.shape, x: c.x, y: y, maxWidth: c.width, fg: Theme.dim) }
        for b in s.rail.groups[c.group].blocks {
            let kind = s.rail.blocks[b].kind
            let mark: Unicode.Scalar = b == s.block ? (kind == .downsample ? "◆" : "●") : (kind == .downsample ? "◇" : "○")
            f[c.x + b - s.rail.groups[c.group].blocks.lowerBound, rl.blocksRow] =
                Cell(mark, fg: b == s.block ? Theme.accent : Theme.dim, style: b == s.block ? .bold : [])
        }
    }
}

// MARK: Left column (wide) and its one-line forms (narrow)

func drawPicture(_ f: inout Frame, _ s: ExplorerState, _ r: Rect) {
    f.box(r, title: " input ", fg: Theme.border)
    guard let p = overlaidPicture(s) else {
        f.text("(no picture)", x: r.x + 2, y: r.y + 1, maxWidth: r.w - 3, fg: Theme.dim)
        return
    }
    let inner = r.inset(1)
    let pw = inner.w
    let ph = min(inner.h * 2, max(1, Int((Double(pw * p.height) / Double(p.width)).rounded())))
    let px = p.resampled(width: pw, height: ph)
    for row in 0..<((ph + 1) / 2) {
        for x in 0..<pw {
            let u = px[2 * row * pw + x]
            let l: RGB8? = 2 * row + 1 < ph ? px[(2 * row + 1) * pw + x] : nil
            let level = UInt8(((u.luma + (l ?? u).luma) / 2 * 255).rounded())
            f[inner.x + x, inner.y + row] = Cell("▀", fg: .rgb(u), bg: l.map { .rgb($0) } ?? .default, level: level)
        }
    }
    f.images.append(FrameImage(slot: .input, rect: Rect(x: inner.x, y: inner.y, w: pw, h: (ph + 1) / 2), width: p.width, height: p.height, rgb: p.rgb))
}

func drawPredictionsBox(_ f: inout Frame, _ s: ExplorerState, _ r: Rect) {
    f.box(r, title: " prediction ", fg: Theme.border)
    let inner = r.inset(1)
    guard let store = s.store, !store.probabilities.isEmpty else {
        if let bad = s.store?.nonFiniteLogitsNote {
            f.text(bad, x: inner.x + 1, y: inner.y, maxWidth: inner.w - 1, fg: Theme.warn)
            if let first = s.store?.firstNonFinite { f.text(first.description, x: inner.x + 1, y: inner.y + 1, maxWidth: inner.w - 1, fg: Theme.warn) }
            return
        }
        f.text(s.isForwardDone ? "(no logits)" : "…", x: inner.x + 1, y: inner.y, maxWidth: inner.w - 1, fg: Theme.dim)
        return
    }
    for (row, t) in store.top(inner.h).enumerated() {
        let pct = t.probability < 0.01 ? "<1%" : "\(Int((t.probability * 100).rounded()))%"
        let barWidth = 5, labelWidth = inner.w - barWidth - 6
        var x = f.text(s.info.label(t.index).fitted(labelWidth), x: inner.x, y: inner.y + row, style: row == 0 ? .bold : [])
        x = f.text(" ", x: x, y: inner.y + row)
        x = f.text(bar(Double(t.probability), width: barWidth), x: x, y: inner.y + row, fg: Theme.bar)
        f.text(String(repeating: " ", count: max(0, 5 - pct.width)) + pct, x: x, y: inner.y + row)
    }
}

/// The site's name relative to its block: "mlp.fc1", "output" for the block's own output.
func relativeName(_ site: String, block: RailBlock) -> String {
    if site == block.site { return "output" }
    if site.hasPrefix(block.site + ".") { return String(site.dropFirst(block.site.count + 1)) }
    return site
}

func drawSitesBox(_ f: inout Frame, _ s: ExplorerState, _ r: Rect) {
    guard r.h >= 3 else { return }
    let focused = s.focus == .sites
    f.box(r, title: " sites ", fg: focused ? Theme.accent : Theme.border, titleStyle: focused ? .bold : [])
    let list = SiteListLayout(state: s, box: r)
    let sites = s.blockSites, selected = s.siteIndexResolved
    let inner = r.inset(1)
    for row in 0..<list.rows {
        let i = list.first + row
        guard i < sites.count else { break }
        let name = relativeName(sites[i], block: s.currentBlock)
        let shape = s.store?.sites[sites[i]].map { shapeText($0.maps.shape) } ?? ""
        let nameWidth = inner.w - (shape.width + 1 <= inner.w - 8 ? shape.width + 1 : 0)
        let isSel = i == selected
        let style: Style = isSel ? (focused ? [.reverse, .bold] : .bold) : []
        f.text(name.fitted(nameWidth), x: inner.x, y: inner.y + row, fg: isSel && !focused ? Theme.accent : .default, style: style)
        if nameWidth < inner.w { f.text(" " + shape, x: inner.x + nameWidth, y: inner.y + row, fg: Theme.dim) }
    }
    if list.first > 0 { f[r.maxX - 2, r.y] = Cell("▲", fg: Theme.dim) }
    if list.first + list.rows < sites.count { f[r.maxX - 2, r.maxY - 1] = Cell("▼", fg: Theme.dim) }
}

func drawSiteLine(_ f: inout Frame, _ s: ExplorerState, _ r: Rect) {
    let focused = s.focus == .sites
    var x = f.text(" site ", x: r.x, y: r.y, fg: Theme.dim)
    x = f.text("‹ \(relativeName(s.siteName, block: s.currentBlock)) ›", x: x, y: r.y, maxWidth: r.maxX - x,
               fg: focused ? Theme.accent : .default, style: focused ? [.bold, .reverse] : .bold)
    f.text(" \(s.siteIndexResolved + 1)/\(s.blockSites.count)" + (focused ? "  ↑↓ choose" : "  ⇥⇥ to choose"),
           x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim)
}

func drawPredictionsLine(_ f: inout Frame, _ s: ExplorerState, _ r: Rect) {
    var x = f.text(" top: ", x: r.x, y: r.y, fg: Theme.dim)
    guard let store = s.store, !store.probabilities.isEmpty else {
        f.text(s.store?.nonFiniteLogitsNote ?? "…", x: x, y: r.y, maxWidth: r.maxX - x, fg: s.store?.nonFiniteLogitsNote == nil ? Theme.dim : Theme.warn)
        return
    }
    for (i, t) in store.top(5).enumerated() {
        let item = "\(s.info.label(t.index)) \(Int((t.probability * 100).rounded()))%"
        if i > 0 { x = f.text(" · ", x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim) }
        x = f.text(item, x: x, y: r.y, maxWidth: r.maxX - x, style: i == 0 ? .bold : [])
    }
}

// MARK: Progress and failure

func drawProgress(_ f: inout Frame, _ s: ExplorerState, _ r: Rect, fraction: Double, site: String) {
    let spin = Theme.spinner[s.ticks % Theme.spinner.count]
    let y = r.y + max(0, r.h / 2 - 2)
    let w = min(r.w - 4, 40)
    let x = r.x + max(1, (r.w - w) / 2)
    f[x, y] = Cell(spin, fg: Theme.accent, style: .bold)
    f.text(" running the forward pass…", x: x + 1, y: y, maxWidth: w)
    f.text(bar(fraction, width: w - 5), x: x, y: y + 1, fg: Theme.bar)
    f.text(String(format: "%4d%%", Int((fraction * 100).rounded())), x: x + w - 5, y: y + 1)
    if !site.isEmpty { f.text("done: \(site)", x: x, y: y + 2, maxWidth: w, fg: Theme.dim) }
}

func drawFailure(_ f: inout Frame, _ r: Rect, _ message: String) {
    f.text("The forward pass failed:", x: r.x + 1, y: r.y + 1, maxWidth: r.w - 2, fg: Theme.warn, style: .bold)
    var y = r.y + 2
    var line = ""
    for word in message.split(separator: " ") {
        if line.width + word.count + 1 > r.w - 2 { f.text(line, x: r.x + 1, y: y, maxWidth: r.w - 2); y += 1; line = "" }
        line += (line.isEmpty ? "" : " ") + word
    }
    if !line.isEmpty && y < r.maxY { f.text(line, x: r.x + 1, y: y, maxWidth: r.w - 2) }
}

// MARK: Overlays

func drawTooSmall(_ f: inout Frame, _ s: ExplorerState) {
    let lines = ["window too small: \(s.size.width)×\(s.size.height)",
                 "vcview needs \(Layout.minWidth)×\(Layout.minHeight)",
                 "enlarge it to continue, q quits"]
    let top = max(0, (f.height - lines.count) / 2 - 1)
    for (i, l) in lines.enumerated() {
        f.text(l, x: max(0, (f.width - l.width) / 2), y: top + i, maxWidth: f.width, fg: i == 0 ? Theme.warn : .default, style: i == 0 ? .bold : [])
    }
    if f.height >= 2 {
        var x = f.text(" ?", x: 0, y: f.height - 1, fg: Theme.accent, style: .bold)
        x = f.text(" help  ", x: x, y: f.height - 1, fg: Theme.dim)
        x = f.text("q", x: x, y: f.height - 1, fg: Theme.accent, style: .bold)
        f.text(" quit", x: x, y: f.height - 1, fg: Theme.dim)
    }
}

/// Every key, as the help overlay lists them.
public let helpLines: [(String, String)] = [
    ("[  ]", "previous / next stage"),
    ("{  }", "previous / next block"),
    ("Tab  S-Tab", "next / previous pane: rail, sites, channels"),
    ("← → ↑ ↓  h j k l", "move in the focused pane (the cursor when zoomed)"),
    ("H J K L", "move faster"),
    ("PgUp PgDn  space", "previous / next page of channels (zoomed: channel)"),
    ("Home End  g G", "first / last channel"),
    ("Enter", "zoom into the selected channel"),
    ("Esc", "back: leave the zoom, close this help"),
    ("o", "sort channels: index, mean, max, variance"),
    ("c", "colormap: auto, viridis, magma, grey, diverging"),
    ("s", "scale: per channel, per block, global"),
    ("%", "clip: auto (p99.5 on outliers), none, p99, p99.5"),
    ("mouse", "click a stage, block, site, channel or cell;"),
    ("", "click the selected channel to zoom; wheel pages"),
    ("m  (⏎ on the rail)", "Mamba views of a Mamba layer (m, Esc: close)"),
    ("  v  V", "  view: scans, hidden states, attention, shares, CAM"),
    ("  space  , .  g G", "  play / pause the scan, step back / on, first / last"),
    ("  +  -", "  scan speed (1 to 16 steps per second)"),
    ("  arrows  hjkl", "  move the token cursor (click a token too)"),
    ("  d  D", "  one scan alone / all four side by side"),
    ("  n  N  PgUp PgDn", "  attention: channel · hidden: state n · CAM: class"),
    ("  x", "  attention: own weight in / out of the range"),
    ("  1 2 3 4", "  ablation: switch scan k off / on"),
    ("  r  z  0", "  ablation: raster scan, direction_Bs = 0, reset"),
    ("a  A", "gradient view of this site; again: next / previous method"),
    ("  n N  1-5  Esc", "  gradient view: class of the top-5 · close"),
    ("p", "presenter layout: one big panel, large title (p again: back)"),
    ("e", "export this view as PNG + JSON (asks for the folder)"),
    ("E", "export every view of this image (PNGs, the scan GIF)"),
    ("?", "show / hide this help"),
    ("q", "quit"),
]

func drawHelp(_ f: inout Frame, lines helpLines: [(String, String)] = helpLines) {
    let keyWidth = helpLines.map { $0.0.width }.max()! + 2
    let textWidth = helpLines.map { $0.1.width }.max()!
    let w = min(f.width - 2, keyWidth + textWidth + 4)
    let h = min(f.height - 2, helpLines.count + 4)
    let r = Rect(x: (f.width - w) / 2, y: (f.height - h) / 2, w: w, h: h)
    f.fill(r)
    f.box(r, title: " help: every key ", fg: Theme.accent, titleStyle: .bold)
    for (i, (k, d)) in helpLines.enumerated() where i < h - 4 {
        f.text(k, x: r.x + 2, y: r.y + 2 + i, maxWidth: w - 4, fg: Theme.accent, style: .bold)
        f.text(d, x: r.x + 2 + keyWidth, y: r.y + 2 + i, maxWidth: w - 4 - keyWidth)
    }
    // A window too low for every key says so on the box's bottom edge.
    if helpLines.count > h - 4 { f.text(" … \(helpLines.count - (h - 4)) more: a taller window shows them ".clipped(w - 4), x: r.x + 2, y: r.maxY - 1, fg: Theme.dim) }
}
