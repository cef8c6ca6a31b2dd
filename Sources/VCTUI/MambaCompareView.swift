import Foundation
import VCEngine
import VCRecording
import VCRender
import VCStyle

// The ablation comparison: predictions before and after, in a box or on one line.

/// The ablated model's probabilities, once computed.
func ablatedProbabilities(_ s: ExplorerState) -> [Float]? {
    guard !s.mamba.ablation.isIdentity, case .logits(let l)? = s.cache.output(.ablation(s.mamba.ablation)) else { return nil }
    return softmax(l).map(Float.init)
}

func drawCompare(_ f: inout Frame, _ s: ExplorerState, _ r: Rect) {
    let job = MambaJob.ablation(s.mamba.ablation)
    var title = " predictions: original │ ablated (\(s.mamba.ablation.summary)) "
    if let ms = s.cache.milliseconds(job) { title += "· stage 4 + head \(msText(ms)) " }
    f.box(r, title: title.clipped(r.w - 2), fg: Theme.warn, titleStyle: .bold)
    guard let store = s.store else { return }
    let inner = r.inset(1)
    let half = inner.w / 2
    let orig = store.top(inner.h)
    for (i, t) in orig.enumerated() {
        let x = f.text(" \(i + 1) " + s.info.label(t.index).fitted(max(4, half - 10)), x: inner.x, y: inner.y + i, maxWidth: half)
        f.text(pct(t.probability).leftPadded(5), x: x, y: inner.y + i, maxWidth: inner.x + half - x)
        f[inner.x + half, inner.y + i] = Cell("│", fg: Theme.border)
    }
    guard let ab = ablatedProbabilities(s) else {
        if let e = s.cache.failure(job) { f.text(" " + e, x: inner.x + half + 1, y: inner.y, maxWidth: half - 1, fg: Theme.warn) }
        else { f.text(" recomputing stage 4 and the head…", x: inner.x + half + 1, y: inner.y, maxWidth: half - 1, fg: Theme.accent) }
        return
    }
    for (i, t) in topK(ab, inner.h).enumerated() {
        let x0 = inner.x + half + 1
        var x = f.text(" " + s.info.label(t.index).fitted(max(4, half - 20)), x: x0, y: inner.y + i, maxWidth: inner.maxX - x0)
        x = f.text(pct(t.probability).leftPadded(5), x: x, y: inner.y + i, maxWidth: inner.maxX - x)
        // Without original probabilities (non-finite logits) there is no change to show.
        guard t.index < store.probabilities.count else { continue }
        let delta = (t.probability - store.probabilities[t.index]) * 100
        let same = abs(delta) < 0.05
        f.text(same ? " =  0.0 pt" : String(format: " %@ %+.1f pt", delta > 0 ? "▲" : "▼", Double(delta)), x: x, y: inner.y + i, maxWidth: inner.maxX - x,
               fg: abs(delta) < 0.05 ? Theme.dim : (delta > 0 ? Theme.bar : Theme.warn))
    }
}

/// The narrow layout's one-line predictions, with the ablated top-1 when an ablation is on.
func drawMambaPredictionsLine(_ f: inout Frame, _ s: ExplorerState, _ r: Rect) {
    guard let store = s.store, !store.probabilities.isEmpty else { drawPredictionsLine(&f, s, r); return }
    guard let ab = ablatedProbabilities(s) else {
        drawPredictionsLine(&f, s, r)
        if !s.mamba.ablation.isIdentity { f.text(" ablating…", x: r.maxX - 11, y: r.y, fg: Theme.warn) }
        return
    }
    var x = f.text(" ablated: ", x: r.x, y: r.y, fg: Theme.warn)
    for (i, t) in topK(ab, 3).enumerated() {
        // Without original probabilities (non-finite logits) there is no change to show.
        let change = t.index < store.probabilities.count
            ? " (" + String(format: "%+.1f", Double((t.probability - store.probabilities[t.index]) * 100)) + ")" : ""
        if i > 0 { x = f.text(" · ", x: x, y: r.y, maxWidth: r.maxX - x, fg: Theme.dim) }
        x = f.text("\(s.info.label(t.index)) \(pct(t.probability))\(change)", x: x, y: r.y, maxWidth: r.maxX - x, style: i == 0 ? .bold : [])
    }
}

extension String {
    func leftPadded(_ n: Int) -> String { width >= n ? self : String(repeating: " ", count: n - width) + self }
}
