import Foundation
import VCEngine
import VCRecording
import VCRender
import VCStyle

// The explain box: what each Mamba view shows, its formula and the official code's quirks.

/// Word-wraps text to lines of at most `width` scalars (paragraphs split at "\n").
func wrap(_ text: String, width: Int) -> [String] {
    guard width > 4 else { return [] }
    var out: [String] = []
    for para in text.split(separator: "\n", omittingEmptySubsequences: false) {
        var line = ""
        for word in para.split(separator: " ") {
            if !line.isEmpty && line.width + 1 + word.unicodeScalars.count > width { out.append(line); line = "" }
            line += (line.isEmpty ? "" : " ") + word
        }
        out.append(line)
    }
    return out
}

/// What each view shows, the formula, and the official code's quirks.
func explanation(_ panel: MambaPanel, _ l: MambaLayerData) -> String {
    switch panel {
    case .scans:
        return "Each Mamba layer reads the \(l.height)×\(l.width) tokens four times (PlainMamba2D): a row snake from the top-left, the same path reversed, a column snake from the top-left, and that reversed. Each token shows the official direction code d_k[t] of the move that reached it (● start, → right, ← left, ↑ up, ↓ down); direction_Bs[d] is added to B at that step. The highlighted token is the one read at step t; visited tokens are coloured by ‖h_t‖.\nQuirk of the official code: only u is permuted into scan order; Δ, B and C are taken at raster position t, so step t of every scan uses the Δ, B, C of token t in raster order."
    case .hidden:
        return "h_t = exp(Δ_t·A) ⊙ h_{t−1} + Δ_t·(B_t + direction_Bs[d_t])·u_{o(t)},   y_t = C_t·h_t + D·u_{o(t)}   (E = \(l.inner) channels × N = \(l.state) states). The curves are ‖h_t‖ over all E·N entries along each scan; the maps put ‖h_t‖ back on the token read at step t, the 16 small maps split it per state index n. Decay exp(Δ·A) (mean over channels): near 1 keeps the memory, near 0 forgets. Quirk: Δ = softplus(dt_proj(x) + b) where dt_proj's bias b is added twice (nn.Linear, then the scan's delta_bias)."
    case .attention:
        return "Unrolling the scan gives y_t = Σ_{s≤t} α_{t,s}·u_{o(s)} + D·u_{o(t)} with α_{t,s,e} = Σ_n C_t[n]·exp(A[e,n]·(S_t[e] − S_s[e]))·Δ_s[e]·(B_s[n] + direction_Bs[d_s][n]), S the cumulative Δ. The maps show α of the cursor token (◆) over the tokens it has read, per scan and summed; tokens read later get no weight (·). Parity: y rebuilt from α for every token against the engine's scan output, max |Δy| / max |y| per scan (float rounding expected). α can be negative: blue < 0 < red."
    case .shares:
        return "share_k(p) = Σ_e |y_k[p, e]| / Σ_j Σ_e |y_j[p, e]|: how much of the summed output y = y_1 + y_2 + y_3 + y_4 at token p comes from each scan (★ marks the dominant one). A scan that has read many tokens before p carries more context there; the four snakes start at different corners."
    case .cam:
        return "Exact and gradient-free: after the final LayerNorm the head is linear, logit_c = mean_p (w_c · z_p) + b_c with w = (head.weight + dist_head.weight)/2, b = (head.bias + dist_head.bias)/2 and z_p the normalised token p. The map shows w_c · z_p per token (in logit units: red for, blue against when the map is signed, viridis when it is one-signed); its mean plus the bias is the class logit exactly. n / N: another of the top-5 classes."
    }
}

func drawExplain(_ f: inout Frame, _ s: ExplorerState, _ l: MambaLayerData, _ r: Rect) {
    f.box(r, title: " explain ", fg: Theme.border)
    let inner = r.inset(1)
    let lines = wrap(explanation(s.mamba.panel, l), width: inner.w - 2)
    for (i, line) in lines.prefix(inner.h).enumerated() {
        f.text(line, x: inner.x + 1, y: inner.y + i, maxWidth: inner.w - 1)
    }
    if lines.count > inner.h, inner.h > 0 { f[r.maxX - 2, r.maxY - 1] = Cell("…", fg: Theme.dim) }
}
