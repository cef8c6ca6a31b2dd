import Foundation
import VCEngine
import VCRecording
import VCRender

/// The steps of `vcview tour`: from the photo to the prediction, each opening the view that shows it.
public enum TourStep: Int, CaseIterable, Sendable {
    case input, stem, local, handover, scans, hidden, attention, shares, cam, prediction, ablation

    public var title: String {
        switch self {
        case .input: return "Input and preprocessing"
        case .stem: return "The convolutional stem"
        case .local: return "Local features: stages 1–3"
        case .handover: return "Hand-over to Mamba"
        case .scans: return "The four scans"
        case .hidden: return "Hidden states"
        case .attention: return "Implicit attention"
        case .shares: return "Direction shares"
        case .cam: return "Class activation map"
        case .prediction: return "The prediction"
        case .ablation: return "Ablation, live"
        }
    }
}

/// Where the tour is: the step, and presenter mode (autoplay).
public struct TourState: Sendable, Equatable {
    public var index = 0
    public var autoplay = false
    /// Milliseconds spent on this step while autoplaying.
    public var elapsed: Double = 0
    /// How long autoplay stays on a step.
    public var dwellMilliseconds: Double = 12_000

    public init(autoplay: Bool = false, dwellMilliseconds: Double = 12_000) {
        self.autoplay = autoplay; self.dwellMilliseconds = dwellMilliseconds
    }

    public var step: TourStep { TourStep.allCases[index] }
    public var count: Int { TourStep.allCases.count }

    /// First narration line shown (`<` `>` scroll it); back to 0 on each step.
    public var scroll = 0

    /// Rows of the narration box for a window height: what the text needs (its wrapped lines and
    /// the box), at most a share of the window that grows with it; the rest scrolls.
    public static func narrationRows(height: Int, lines: Int = .max) -> Int {
        let most = height >= 50 ? 14 : (height >= 36 ? 11 : (height >= 28 ? 8 : (height >= 24 ? 6 : 4)))
        return max(3, min(most, lines == .max ? most : lines + 2))
    }
}

let tourHelpLines: [(String, String)] = [
    ("space  →  ↓  PgDn", "next step of the tour"),
    ("b  ←  ↑  PgUp  ⌫", "previous step"),
    ("Home", "first step"),
    ("<  >", "scroll the narration up / down (\"more ↓\" when it goes on)"),
    ("p", "presenter layout: one big panel, large title (p again: back)"),
    ("a", "autoplay (presenter mode): next step every few seconds"),
    ("click the narration", "next step"),
    ("v  ,  .  +  -  hjkl", "as in the explorer: view, step the scan, speed, token"),
    ("d  n  1-4  r  z  0", "as in the explorer: scan, item, ablations"),
    ("[ ] { }  m  c", "as in the explorer: stage, block, Mamba views, colours"),
    ("?", "show / hide this help"),
    ("q", "quit the tour"),
]

extension ExplorerState {
    /// Starts the tour on its first step.
    public mutating func startTour(autoplay: Bool = false, dwellMilliseconds: Double = 12_000) {
        tour = TourState(autoplay: autoplay, dwellMilliseconds: dwellMilliseconds)
        applyTourStep()
    }

    /// Tour keys; the rest go to the explorer.
    mutating func handleTour(_ key: Key) -> Bool {
        guard tour != nil else { return false }
        switch key {
        case .char(" "), .right, .down, .pageDown: goToTourStep(tour!.index + 1)
        case .char("b"), .left, .up, .pageUp, .backspace: goToTourStep(tour!.index - 1)
        case .home: goToTourStep(0)
        case .char(">"): scrollNarration(+1)
        case .char("<"): scrollNarration(-1)
        case .char("a"):
            tour!.autoplay.toggle()
            tour!.elapsed = 0
        default: return false
        }
        return true
    }

    mutating func handleTourMouse(_ m: MouseEvent) -> Bool {
        guard tour != nil, m.kind == .press, let r = Layout(self).narration, r.contains(x: m.x, y: m.y) else { return false }
        goToTourStep(tour!.index + 1)
        return true
    }

    /// Scrolls the narration by `lines`, within its text (nothing to scroll when it all fits).
    mutating func scrollNarration(_ lines: Int) {
        guard tour != nil, let r = Layout(self).narration else { return }
        let total = narrationLines(width: size.width).count
        tour!.scroll = min(max(0, tour!.scroll + lines), max(0, total - (r.h - 2)))
    }

    /// The narration wrapped for a window `width` wide (inside the box and its margins).
    func narrationLines(width: Int) -> [String] { tour == nil ? [] : wrap(narration, width: width - 4) }

    mutating func goToTourStep(_ i: Int) {
        guard let t = tour, i >= 0, i < t.count, i != t.index else { return }
        tour!.index = i
        tour!.scroll = 0
        tour!.elapsed = 0
        applyTourStep()
    }

    /// Autoplay: the next step after the dwell time; it stops on the last step.
    mutating func advanceTour(milliseconds ms: Double) {
        guard let t = tour, t.autoplay else { return }
        tour!.elapsed += ms
        if tour!.elapsed >= t.dwellMilliseconds {
            if t.index + 1 < t.count { goToTourStep(t.index + 1) } else { tour!.autoplay = false; tour!.elapsed = 0 }
        }
    }

    /// After the forward pass: the step again, now that every site exists.
    mutating func reapplyTourStep() { if tour != nil { applyTourStep() } }

    /// Opens the view of the current step.
    mutating func applyTourStep() {
        guard let t = tour else { return }
        zoomed = false
        showHelp = false
        focus = .grid
        mambaOpen = false
        mamba.playing = false
        mamba.direction = nil
        mamba.channel = nil
        mamba.stateIndex = nil
        mamba.camRank = 0
        if t.step != .ablation { mamba.ablation = MambaAblation() }
        let mambaBlock = rail.blocks.firstIndex { $0.kind == .mamba }
        func show(block b: Int?, site: String? = nil) {
            guard let b else { return }
            block = b
            siteIndex = site.flatMap { blockSites.firstIndex(of: $0) }
            clampSelection()
        }
        func openMamba(_ panel: MambaPanel, playing: Bool = false) {
            show(block: mambaBlock)
            mambaOpen = true
            mamba.panel = panel
            mamba.step = 0
            mamba.clock = 0
            mamba.playing = playing
        }
        switch t.step {
        case .input: show(block: 0, site: "input")
        case .stem: show(block: 0, site: "patch_embed")
        case .local:
            let s1 = rail.groups.firstIndex { $0.name == "S1" }
            show(block: s1.map { rail.groups[$0].blocks.upperBound - 1 })
        case .handover: show(block: mambaBlock, site: "pos_embed")
        case .scans: openMamba(.scans, playing: true)
        case .hidden: openMamba(.hidden, playing: true)
        case .attention:
            openMamba(.attention)
            if let l = mambaLayer { mamba.cursor = MapPoint(y: l.height / 2, x: l.width / 2) }
        case .shares: openMamba(.shares)
        case .cam: openMamba(.cam)
        case .prediction:
            show(block: rail.blocks.count - 1, site: "logits")
        case .ablation:
            openMamba(.shares)
            mamba.ablation = MambaAblation(rasterScan: true)
        }
        clampMamba()
    }
}

// MARK: Narration

extension ExplorerState {
    /// What the tour says at its current step: real shapes from the configuration and real numbers
    /// from this forward pass (or "…" while they are being computed).
    public var narration: String {
        guard let t = tour else { return "" }
        let c = info.config
        func shape(_ b: RailBlock) -> String { shapeText(b.expectedShape) }
        let groups = rail.groups
        func group(_ name: String) -> RailGroup? { groups.first { $0.name == name } }
        func stageShape(_ name: String) -> String { group(name).map { shape(rail.blocks[$0.blocks.upperBound - 1]) } ?? "?" }
        func stageBlocks(_ name: String) -> Int { group(name).map { g in g.blocks.filter { rail.blocks[$0].kind == .ffn }.count } ?? 0 }
        let layer = store?.mamba.first
        let l = layer.map { "\($0.height)×\($0.width)" } ?? "\(rail.grid[0])×\(rail.grid[1])"
        let tokens = layer?.tokens ?? rail.grid[0] * rail.grid[1]
        let c4 = c?.widths[3] ?? rail.blocks.last { $0.kind == .mamba }?.expectedShape[1] ?? 0
        let e = layer?.inner ?? c?.innerDim ?? 2 * c4, n = layer?.state ?? c?.stateDim ?? 16
        let nMamba = rail.blocks.filter { $0.kind == .mamba }.count
        let top = store.map { $0.top(5) } ?? []
        let topText = top.first.map { "\(info.label($0.index)) (\(pctText($0.probability)))" } ?? "…"
        switch t.step {
        case .input:
            let side = min(info.inputHeight, info.inputWidth)
            return "\(info.imageName): the official eval transform resizes the shorter side to \(Int(Double(side) / 0.875)) px (bicubic), crops the centre \(info.inputHeight)×\(info.inputWidth), scales to [0, 1] and normalises each colour with ImageNet's mean (0.485, 0.456, 0.406) and std (0.229, 0.224, 0.225). The network sees the tensor 1×3×\(info.inputHeight)×\(info.inputWidth); the three maps here are its R, G and B channels (blue below the mean, red above)."
        case .stem:
            let c1 = rail.blocks[0].expectedShape[1]
            return "patch_embed, the stem: a 3×3 convolution with stride 2 (3 → \(c1 / 2) channels), BatchNorm, ReLU, then another 3×3 stride-2 convolution (\(c1 / 2) → \(c1)), BatchNorm, ReLU. Two halvings turn the \(info.inputHeight)×\(info.inputWidth) picture into \(shape(rail.blocks[0])): \(c1) feature maps, each pixel seeing a 7×7 patch of the input."
        case .local:
            return "Stages 1–3 are convolutional. S1: \(stageBlocks("S1")) blocks at \(stageShape("S1")); S2: \(stageBlocks("S2")) at \(stageShape("S2")); S3: \(stageBlocks("S3")) at \(stageShape("S3")), with a stride-2 3×3 convolution between stages. Each FFN block is x + γ·mlp(x), mlp = 1×1 conv to 4C, BN, GELU, 3×3 depthwise conv, BN, GELU, 1×1 conv back to C, BN. Every output depends on a small neighbourhood: local features such as edges, textures and parts. Shown: \(currentBlock.site), the last block of S1 ([ ] and { } move on)."
        case .handover:
            let ffn4 = stageBlocks("S4·FFN")
            return "network.5, a stride-2 convolution, turns S3's \(stageShape("S3")) into \(stageShape("S4·FFN")): a \(l) grid of \(tokens) tokens with \(c4) channels. Stage 4 runs \(ffn4) more FFN blocks, adds the learned position embedding pos_embed (shown: its output, the input of the first Mamba layer; vcview resizes it bicubically for other input sizes, the official code cannot) and hands the tokens to \(nMamba) Mamba layers, which mix information across the whole grid."
        case .scans:
            return "Mamba layer 1 (\(currentBlock.site).mamba): a 1×1 conv to E = \(e) channels, a 7×7 depthwise conv and SiLU give u; a selective state space model then reads the \(tokens) tokens in four orders (all four run on the same u and add up). Arrows are the official direction codes of the moves; the yellow token is the one read at step t. Quirk of the official code: only u is permuted, Δ, B and C stay in raster order. , and . step, space pauses."
        case .hidden:
            var text = "Each scan carries a hidden state h_t of E×N = \(e)×\(n) numbers: h_t = exp(Δ_t·A)⊙h_{t−1} + Δ_t·B_t·u_t. The curves are ‖h_t‖ along the scans, the maps put it back on the grid, and the 16 small maps split it per state index."
            if let l = layer {
                var best = (d: 0, t: 0, v: Float(0))
                for d in 0..<4 { for s in 0..<l.tokens where l.hNorm[d][s] > best.v { best = (d, s, l.hNorm[d][s]) } }
                let decay = l.decayMap(stateIndex: nil)
                let mean = decay.reduce(0, +) / Float(max(1, decay.count))
                text += " Here ‖h‖ peaks at \(num(best.v)) (scan \(best.d + 1), step \(best.t + 1), token \(pt(l.point(l.orders.orders[best.d][best.t])))); the decay exp(Δ·A) averages \(num(mean)) (from \(num(decay.min() ?? 0)) to \(num(decay.max() ?? 0))): how much of the state survives one step."
            }
            return text
        case .attention:
            var text = "Unrolled, the scan is a weighted sum: y_t = Σ_{s≤t} α_{t,s}·u_s + D·u_t. The maps show α of the token \(pt(mamba.cursor)) (◆) for each scan and summed, mean over the \(e) channels; hjkl moves the token."
            if let li = mambaLayerIndex {
                if case .residual(let errs)? = cache.output(.residual(layer: li)) {
                    text += " Parity: rebuilding y from α for all \(tokens) tokens matches the engine's scan to \(String(format: "%.1e", Double(errs.max() ?? 0))) (max relative error): float rounding, so α is the scan."
                    if let ms = cache.milliseconds(.residual(layer: li)) { text += " (That check costs O(L²·E·N): \(msText(ms)).)" }
                } else {
                    text += " Parity: rebuilding y from α… (computing)"
                }
            }
            return text
        case .shares:
            var text = "The four scans' outputs are added: y = y_1 + y_2 + y_3 + y_4. The maps show each scan's share of |y| per token (★ the dominant scan)."
            if let l = layer {
                let means = (0..<4).map { d in l.dirShare[d].reduce(0, +) / Float(max(1, l.tokens)) }
                text += " Mean shares here: " + means.enumerated().map { "scan \($0.offset + 1) \(String(format: "%.0f%%", Double($0.element * 100)))" }.joined(separator: ", ") + ". A token late in a scan has seen more of the image through it."
            }
            return text
        case .cam:
            var text = "Where does the network see \(top.first.map { info.label($0.index) } ?? "its top class")? After the last LayerNorm the head is linear, so each token's contribution w·z_p to the logit (w the mean of the two heads' weights) is exact, with no gradients: the overlay is that map (red for, blue against)."
            if let cls = camClass, case .cam(let m, let b)? = cache.output(.cam(classIndex: cls)), let store {
                let mean = m.data.reduce(0, +) / Float(max(1, m.count))
                text += " Check: mean \(num(mean, digits: 4)) + bias \(num(b, digits: 4)) = \(num(mean + b, digits: 5)), the logit is \(num(store.logits[cls], digits: 5)). n shows the other top-5 classes."
            }
            return text
        case .prediction:
            let list = top.map { "\(info.label($0.index)) \(pctText($0.probability))" }.joined(separator: ", ")
            return "The head: LayerNorm per token (norm), the mean over the \(tokens) tokens (pool, \(c4) numbers), then the average of two linear heads, head and dist_head, gives \(rail.classes) logits; softmax turns them into probabilities. The top-5: \(list.isEmpty ? "…" : list). The model's answer: \(topText)."
        case .ablation:
            var text = "What do the snakes matter? This replaces the four snake orders by a plain raster scan and recomputes only stage 4 and the head from the recorded input of stage 4 (network.5), not the whole network."
            if case .logits(let lg)? = cache.output(.ablation(mamba.ablation)), let store, let t1 = top.first {
                let p = softmax(lg).map(Float.init)
                let newTop = topK(p, 1)[0]
                text += " \(info.label(t1.index)): \(pctText(t1.probability)) → \(pctText(p[t1.index])); the top-1 is now \(info.label(newTop.index)) (\(pctText(newTop.probability)))"
                if let ms = cache.milliseconds(.ablation(mamba.ablation)) { text += ", recomputed in \(msText(ms))" }
                text += "."
                _ = store
            } else {
                text += " (recomputing…)"
            }
            return text + " Try 1–4 (a scan off), r (raster), z (direction_Bs = 0), 0 (reset). The end: q quits, b goes back."
        }
    }
}

func pctText(_ p: Float) -> String { p < 0.001 ? String(format: "%.2f%%", Double(p * 100)) : String(format: "%.1f%%", Double(p * 100)) }

func drawNarration(_ f: inout Frame, _ s: ExplorerState, _ r: Rect) {
    guard let t = s.tour else { return }
    f.fill(r)
    var title = " tour \(t.index + 1)/\(t.count) · \(t.step.title) "
    if t.autoplay { title += "· autoplay ▶ next in \(Int(((t.dwellMilliseconds - t.elapsed) / 1000).rounded(.up))) s " }
    f.box(r, title: title, fg: Theme.accent, titleStyle: .bold)
    let inner = r.inset(1)
    let lines = s.narrationLines(width: r.w)
    let first = min(t.scroll, max(0, lines.count - inner.h))
    for (i, line) in lines.dropFirst(first).prefix(inner.h).enumerated() { f.text(line, x: inner.x + 1, y: inner.y + i, maxWidth: inner.w - 1) }
    // Where the text goes on: markers on the box's edges, with the keys that scroll.
    var markerEnd = r.x + 2
    if first + inner.h < lines.count { markerEnd = f.text(" more ↓ (>) ", x: r.x + 2, y: r.maxY - 1, fg: Theme.accent, style: .bold) }
    if first > 0 { f.text(" ↑ (<) ", x: max(r.x + 2, r.maxX - 9), y: r.y, fg: Theme.accent, style: .bold) }
    // Progress dots on the bottom edge.
    let dots = (0..<t.count).map { $0 == t.index ? "●" : "○" }.joined()
    if dots.width + 4 < r.w && r.maxX - dots.width - 2 > markerEnd { f.text(dots, x: r.maxX - dots.width - 2, y: r.maxY - 1, fg: Theme.accent) }
}

func drawTourHints(_ f: inout Frame, _ r: Rect) {
    drawHints(&f, r, items: [("space →", "next"), ("b ←", "back"), ("< >", "scroll"), ("a", "autoplay"), ("p", "presenter"), ("v", "view"), ("hjkl", "token")])
}
