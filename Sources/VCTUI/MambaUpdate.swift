import VCEngine
import VCRecording

// The Mamba views' part of `update`: keys, animation frames, computed results, and which
// derived computations the current screen needs. Pure, like the rest of `update`.

extension ExplorerState {
    /// Index of the selected block's Mamba layer in the store, if a Mamba block is selected.
    public var mambaLayerIndex: Int? {
        guard currentBlock.kind == .mamba else { return nil }
        return store?.mambaLayer(block: currentBlock.site)
    }

    /// The selected Mamba layer's data.
    public var mambaLayer: MambaLayerData? { mambaLayerIndex.flatMap { store?.mamba[$0] } }

    /// Whether the screen shows the Mamba views (open, a Mamba block selected, and no gradient
    /// view over them).
    public var showsMamba: Bool { mambaOpen && currentBlock.kind == .mamba && gradient == nil }

    /// The class the CAM view shows: the original top-5's entry at `camRank`.
    public var camClass: Int? {
        guard let store, !store.probabilities.isEmpty else { return nil }
        let top = store.top(5)
        return top[min(mamba.camRank, top.count - 1)].index
    }

    /// Milliseconds between `.frame` events while something animates; nil when nothing does.
    public var frameInterval: Double? {
        var best: Double? = nil
        if showsMamba && mamba.playing { best = mamba.stepMilliseconds }
        if tour?.autoplay == true { best = min(best ?? 250, 250) }
        return best
    }

    /// Opens the Mamba views (on the first Mamba layer when another block is selected).
    mutating func openMamba() {
        if currentBlock.kind != .mamba, let first = rail.blocks.firstIndex(where: { $0.kind == .mamba }) {
            selectBlock(first)
        }
        guard currentBlock.kind == .mamba else { return }
        mambaOpen = true
        focus = .grid
        clampMamba()
    }

    /// Keeps the step and the cursor on the grid of the selected layer.
    mutating func clampMamba() {
        guard let l = mambaLayer else { return }
        mamba.step = min(max(mamba.step, 0), l.tokens - 1)
        if mamba.cursor.y < 0 || mamba.cursor.x < 0 { mamba.cursor = MapPoint(y: l.height / 2, x: l.width / 2) }
        mamba.cursor.y = min(max(mamba.cursor.y, 0), l.height - 1)
        mamba.cursor.x = min(max(mamba.cursor.x, 0), l.width - 1)
        if let c = mamba.channel { mamba.channel = min(max(c, 0), l.inner - 1) }
        if let n = mamba.stateIndex { mamba.stateIndex = min(max(n, 0), l.state - 1) }
    }

    /// Keys of the Mamba views. Returns false for keys they leave to the explorer.
    mutating func handleMamba(_ key: Key) -> Bool {
        if key == .char("m") {
            if showsMamba { mambaOpen = false } else { openMamba() }
            return true
        }
        if key == .enter && focus == .rail && currentBlock.kind == .mamba { openMamba(); return true }
        guard showsMamba else { return false }
        let l = mambaLayer
        let tokens = l?.tokens ?? 1
        switch key {
        case .escape: mambaOpen = false
        case .char("v"): mamba.panel = mamba.panel.next
        case .char("V"): mamba.panel = mamba.panel.previous
        case .char(" "):
            mamba.playing.toggle()
            mamba.clock = 0
            if mamba.playing && mamba.step >= tokens - 1 { mamba.step = 0 }
        case .char(","): mamba.playing = false; mamba.step = max(0, mamba.step - 1)
        case .char("."): mamba.playing = false; mamba.step = min(tokens - 1, mamba.step + 1)
        case .home, .char("g"): mamba.step = 0
        case .end, .char("G"): mamba.step = tokens - 1
        case .char("+"), .char("="): mamba.speed = min(MambaViewState.speeds.count - 1, mamba.speed + 1)
        case .char("-"), .char("_"): mamba.speed = max(0, mamba.speed - 1)
        case .char("1"), .char("2"), .char("3"), .char("4"):
            let d = Int(String(key == .char("1") ? "1" : key == .char("2") ? "2" : key == .char("3") ? "3" : "4"))! - 1
            mamba.ablation.enabledDirections[d].toggle()
        case .char("r"): mamba.ablation.rasterScan.toggle()
        case .char("z"): mamba.ablation.zeroDirectionBs.toggle()
        case .char("0"): mamba.ablation = MambaAblation()
        case .char("d"): mamba.direction = mamba.direction.map { $0 < 3 ? $0 + 1 : nil } ?? 0
        case .char("D"): mamba.direction = mamba.direction.map { $0 > 0 ? $0 - 1 : nil } ?? 3
        case .char("n"): nextItem(+1)
        case .char("N"): nextItem(-1)
        case .pageDown: nextItem(+16)
        case .pageUp: nextItem(-16)
        default:
            guard focus == .grid, let d = direction(key), let l else { return false }
            let step = (key == .char("H") || key == .char("J") || key == .char("K") || key == .char("L")) ? 3 : 1
            mamba.cursor.y = min(max(mamba.cursor.y + d.0 * step, 0), l.height - 1)
            mamba.cursor.x = min(max(mamba.cursor.x + d.1 * step, 0), l.width - 1)
        }
        return true
    }

    /// `n` / `N`: the next channel (attention), state index (hidden states) or class (CAM).
    mutating func nextItem(_ delta: Int) {
        guard let l = mambaLayer else { return }
        // nil (the mean) sits before index 0.
        func cycle(_ v: Int?, count: Int) -> Int? {
            let pos = (v ?? -1) + delta
            if pos < 0 { return delta < 0 && v == nil ? count - 1 : nil }
            return pos >= count ? (delta > 0 && v == count - 1 ? nil : count - 1) : pos
        }
        switch mamba.panel {
        case .attention: mamba.channel = cycle(mamba.channel, count: l.inner)
        case .hidden: mamba.stateIndex = cycle(mamba.stateIndex, count: l.state)
        case .cam:
            // No probabilities (non-finite logits): no classes to step through.
            let n = min(5, store?.probabilities.count ?? 1)
            if n > 0 { mamba.camRank = ((mamba.camRank + delta) % n + n) % n }
        case .scans, .shares: break
        }
    }

    /// A frame of time: advances the playing scan and the tour's autoplay.
    mutating func advance(milliseconds ms: Double) {
        if showsMamba && mamba.playing, let l = mambaLayer {
            mamba.clock += ms
            while mamba.clock >= mamba.stepMilliseconds {
                mamba.clock -= mamba.stepMilliseconds
                mamba.step = (mamba.step + 1) % l.tokens
            }
        }
        advanceTour(milliseconds: ms)
    }

    /// Mouse on the Mamba views: a click on a token of any grid panel moves the cursor there.
    mutating func handleMambaMouse(_ m: MouseEvent) -> Bool {
        guard showsMamba, m.kind == .press || m.kind == .doubleClick else { return false }
        let screen = MambaScreen(self)
        for panel in screen.tokenPanels {
            if let p = panel.token(x: m.x, y: m.y) {
                mamba.cursor = p
                focus = .grid
                return true
            }
        }
        return false
    }

    /// Records a finished computation.
    mutating func receive(_ r: MambaResult) {
        cache.pending.remove(r.job)
        cache.results[r.job] = r
    }
}

/// The derived computations the screen needs now (the attention of the cursor token, the parity
/// residual, the ablated predictions, the CAM), whether done or not.
public func wantedJobs(_ s: ExplorerState) -> [MambaJob] {
    guard s.showsMamba, s.isForwardDone, let layer = s.mambaLayerIndex else { return [] }
    var jobs: [MambaJob] = []
    switch s.mamba.panel {
    case .attention:
        jobs.append(.attention(layer: layer, row: s.mamba.cursor.y, col: s.mamba.cursor.x, channel: s.mamba.channel))
        jobs.append(.residual(layer: layer))
    case .cam:
        if let c = s.camClass { jobs.append(.cam(classIndex: c)) }
    case .scans, .hidden, .shares:
        break
    }
    if !s.mamba.ablation.isIdentity { jobs.append(.ablation(s.mamba.ablation)) }
    return jobs
}

/// The wanted computations that are neither done nor on their way: what the loop starts next.
public func jobsToStart(_ s: ExplorerState) -> [MambaJob] {
    wantedJobs(s).filter { s.cache.results[$0] == nil && !s.cache.pending.contains($0) }
}
