import VCRender

/// The explorer's transition function: the next state after `event`. Pure: no terminal, no clock,
/// no model; the forward pass arrives as events.
public func update(_ state: ExplorerState, _ event: Event) -> ExplorerState {
    var s = state
    switch event {
    case .resize(let size):
        s.size = size
    case .tick:
        s.ticks &+= 1
    case .forwardProgress(let fraction, let site):
        if case .running = s.phase { s.phase = .running(fraction: fraction, site: site) }
    case .forwardDone(let store, let ms):
        s.store = store
        s.phase = .done(milliseconds: ms)
        s.clampSelection()
        s.reapplyTourStep()
        s.clampMamba()
    case .forwardFailed(let message):
        s.phase = .failed(message)
    case .key(let key):
        s.handle(key)
    case .mouse(let m):
        // The gradient view covers the main area: clicks there are not the hidden grid's.
        let covered = s.gradient != nil && Layout(s).main.contains(x: m.x, y: m.y)
        if !covered && !s.handleTourMouse(m) && !s.handleMambaMouse(m) { s.handle(m) }
        if s.currentBlock.kind != .mamba { s.mambaOpen = false }
    case .frame(let ms):
        s.advance(milliseconds: ms)
    case .jobsStarted(let jobs):
        s.cache.pending.formUnion(jobs)
    case .computed(let result):
        s.receive(result)
    case .attributionsStarted(let jobs):
        s.attributions.pending.formUnion(jobs)
    case .attributed(let result):
        s.attributions.pending.remove(result.job)
        s.attributions.results[result.job] = result
    case .attributionDropped(let job):
        s.attributions.pending.remove(job)
    case .exportStarted:
        s.exportRequest = nil
        s.exporting = true
    case .exportFinished(let message):
        s.exporting = false
        s.exportStatus = message
    }
    return s
}

extension ExplorerState {
    mutating func handle(_ key: Key) {
        if exportPrompt != nil { handlePromptKey(key); return }
        if key == .char("q") || key == .char("Q") { shouldQuit = true; return }
        if !exporting { exportStatus = nil }
        if !showHelp && handleExportKey(key) { return }
        if showHelp {
            if key == .char("?") || key == .escape || key == .enter { showHelp = false }
            return
        }
        if handleTour(key) { return }
        if handleGradient(key) { return }
        if handleMamba(key) { clampMamba(); return }
        defer { if currentBlock.kind != .mamba { mambaOpen = false } else { clampMamba() } }
        switch key {
        case .char("?"): showHelp = true
        case .char("["): selectGroup(rail.blocks[block].group - 1)
        case .char("]"): selectGroup(rail.blocks[block].group + 1)
        case .char("{"): selectBlock(block - 1)
        case .char("}"): selectBlock(block + 1)
        case .tab: focus = Pane.allCases[(Pane.allCases.firstIndex(of: focus)! + 1) % Pane.allCases.count]
        case .backTab: focus = Pane.allCases[(Pane.allCases.firstIndex(of: focus)! + Pane.allCases.count - 1) % Pane.allCases.count]
        case .char("o"): sort = sort.next
        case .char("s"): scope = scope.next
        case .char("%"): clip = clip.next
        case .char("x"): attentionSelf = attentionSelf.next
        case .char("c"): cycleColormap()
        case .char("p"): presenter.toggle()
        case .enter:
            if focus == .grid { if site != nil { zoomed = true } } else { focus = .grid }
        case .escape:
            if zoomed && focus == .grid { zoomed = false } else { focus = .grid }
        case .pageDown, .char(" "): page(+1)
        case .pageUp: page(-1)
        case .home, .char("g"): moveChannel(to: 0)
        case .end, .char("G"): moveChannel(to: channelOrder.count - 1)
        default:
            guard let d = direction(key) else { return }
            move(d, big: key == .char("H") || key == .char("J") || key == .char("K") || key == .char("L"))
        }
    }

    /// (dy, dx) of an arrow or vi key.
    func direction(_ key: Key) -> (Int, Int)? {
        switch key {
        case .up, .char("k"), .char("K"): return (-1, 0)
        case .down, .char("j"), .char("J"): return (1, 0)
        case .left, .char("h"), .char("H"): return (0, -1)
        case .right, .char("l"), .char("L"): return (0, 1)
        default: return nil
        }
    }

    mutating func move(_ d: (Int, Int), big: Bool) {
        switch focus {
        case .rail:
            if d.1 != 0 { selectBlock(block + d.1) } else { selectGroup(rail.blocks[block].group + d.0) }
        case .sites:
            if d.0 != 0 { selectSite(siteIndexResolved + d.0) } else { selectBlock(block + d.1) }
        case .grid:
            if zoomed {
                guard let s = site else { return }
                let step = big ? 8 : 1
                cursor.y = min(max(cursor.y + d.0 * step, 0), s.maps.height - 1)
                cursor.x = min(max(cursor.x + d.1 * step, 0), s.maps.width - 1)
            } else {
                guard let g = gridGeometry(Layout(self)) else { return }
                let step = d.0 != 0 ? d.0 * g.columns : d.1
                moveChannel(to: channelPosition + step * (big ? 4 : 1))
            }
        }
    }

    /// Next page of tiles; in zoom, the next channel in display order.
    mutating func page(_ dir: Int) {
        guard site != nil else { return }
        if zoomed { moveChannel(to: channelPosition + dir); return }
        guard let g = gridGeometry(Layout(self)) else { return }
        let n = channelOrder.count, per = g.perPage
        let pageIndex = channelPosition / per, slot = channelPosition % per
        let pages = (n + per - 1) / per
        let target = min(max(pageIndex + dir, 0), pages - 1)
        moveChannel(to: min(target * per + slot, n - 1))
    }

    mutating func moveChannel(to position: Int) {
        let order = channelOrder
        guard !order.isEmpty else { return }
        channel = order[min(max(position, 0), order.count - 1)]
    }

    mutating func selectGroup(_ g: Int) {
        guard g >= 0 && g < rail.groups.count else { return }
        selectBlock(rail.entryBlock(ofGroup: g))
    }

    mutating func selectBlock(_ b: Int) {
        guard b >= 0 && b < rail.blocks.count, b != block else { return }
        let before = site.map { ($0.maps.height, $0.maps.width) }
        block = b
        siteIndex = nil
        afterSiteChange(previous: before)
    }

    mutating func selectSite(_ i: Int) {
        let sites = blockSites
        guard i >= 0 && i < sites.count else { return }
        let before = site.map { ($0.maps.height, $0.maps.width) }
        siteIndex = i
        afterSiteChange(previous: before)
    }

    /// Keeps the channel id (clamped) and carries the zoom cursor over proportionally.
    mutating func afterSiteChange(previous: (Int, Int)?) {
        guard let s = site else { return }
        if let (h, w) = previous, h > 0, w > 0 {
            cursor = MapPoint(y: cursor.y * s.maps.height / h, x: cursor.x * s.maps.width / w)
        }
        clampSelection()
    }

    mutating func clampSelection() {
        guard let s = site else { return }
        channel = min(max(channel, 0), s.maps.channels - 1)
        cursor.y = min(max(cursor.y, 0), s.maps.height - 1)
        cursor.x = min(max(cursor.x, 0), s.maps.width - 1)
    }

    /// auto → viridis → magma → grey → diverging → auto.
    mutating func cycleColormap() {
        switch colormapOverride {
        case nil: colormapOverride = .viridis
        case .viridis: colormapOverride = .magma
        case .magma: colormapOverride = .grey
        case .grey: colormapOverride = .diverging
        case .diverging: colormapOverride = nil
        }
    }

    mutating func handle(_ m: MouseEvent) {
        if showHelp { if m.kind == .press || m.kind == .doubleClick { showHelp = false }; return }
        let layout = Layout(self)
        guard !layout.tooSmall else { return }
        switch m.kind {
        case .wheelUp, .wheelDown:
            let dir = m.kind == .wheelUp ? -1 : 1
            if layout.main.contains(x: m.x, y: m.y) { page(dir) }
            else if layout.rail.contains(x: m.x, y: m.y) { selectBlock(block + dir) }
            else if let sb = layout.sitesBox, sb.contains(x: m.x, y: m.y) { selectSite(siteIndexResolved + dir) }
            return
        case .press, .doubleClick:
            break
        }
        if layout.rail.contains(x: m.x, y: m.y) {
            focus = .rail
            if let hit = RailLayout(rail: rail, area: layout.rail).hit(x: m.x, y: m.y) {
                switch hit {
                case .group(let g): selectGroup(g)
                case .block(let b): selectBlock(b)
                }
            }
        } else if let sb = layout.sitesBox, sb.contains(x: m.x, y: m.y) {
            focus = .sites
            let list = SiteListLayout(state: self, box: sb)
            if let i = list.index(atRow: m.y) { selectSite(i) }
        } else if let sl = layout.siteLine, sl.contains(x: m.x, y: m.y) {
            focus = .sites
        } else if layout.main.contains(x: m.x, y: m.y), site != nil {
            focus = .grid
            if zoomed {
                if let z = zoomGeometry(layout), let p = z.mapPoint(x: m.x, y: m.y) { cursor = p }
            } else if let g = gridGeometry(layout), let slot = g.slot(x: m.x, y: m.y) {
                let pos = (channelPosition / g.perPage) * g.perPage + slot
                guard pos < channelOrder.count else { return }
                let id = channelOrder[pos]
                if m.kind == .doubleClick || id == channel { zoomed = true }
                channel = id
            }
        }
    }
}
