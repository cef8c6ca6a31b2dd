/// Every named site of a VCMamba at one input size, known before the forward pass from the
/// configuration alone: its name (docs/sites.md), the block it belongs to, what kind of value it
/// holds, its shape and what it is in words. The explorer's rail, the PNG export and the site
/// tests read names from here instead of parsing them back.
///
///     let sites = SiteCatalogue(config: model.config, inputHeight: 224, inputWidth: 224)
///     sites.blocks.map(\.label)          // "stem", "FFN 1/3", "down 1→2", …, "Mamba 1/4", "head"
///     sites["network.6.4.mamba.decay"]   // kind .decay, shape (16, 7, 7), block of network.6.4
public struct SiteCatalogue: Sendable, Equatable {
    /// One selectable step of the network: the stem, a stage block, a downsample, a Mamba layer,
    /// the head.
    public struct Block: Sendable, Equatable {
        public enum Kind: Sendable, Equatable { case stem, ffn, downsample, mamba, head }
        public let kind: Kind
        /// The block's output site (`patch_embed`, `network.4.7`, `network.3`, `norm`).
        public let site: String
        /// "stem", "FFN 8/12", "down 2→3", "Mamba 1/4", "head".
        public let label: String
        /// Stage 0…3 of the block (the downsample into stage s counts as stage s); nil for the
        /// stem and the head.
        public let stage: Int?
        /// The output site's shape.
        public let shape: [Int]
    }

    /// One named activation.
    public struct Site: Sendable, Equatable {
        public let name: String
        /// Index into `blocks`.
        public let block: Int
        public let kind: SiteKind
        public let shape: [Int]
    }

    public let config: VCMambaConfig
    public let inputHeight: Int
    public let inputWidth: Int
    public let blocks: [Block]
    /// Every site in the order the forward pass emits them (the hidden states `….mamba.h`
    /// included, though only a pattern ending in `.h` records them).
    public let sites: [Site]
    /// The stage-4 token grid [h, w].
    public let grid: [Int]
    private let index: [String: Int]

    public init(config c: VCMambaConfig, inputHeight: Int, inputWidth: Int) {
        config = c
        self.inputHeight = inputHeight
        self.inputWidth = inputWidth
        func halve(_ n: Int, _ times: Int) -> Int { var n = n; for _ in 0..<times { n = (n + 1) / 2 }; return n }
        func map(_ ch: Int, _ stride: Int) -> [Int] { [1, ch, halve(inputHeight, stride), halve(inputWidth, stride)] }
        let g = [halve(inputHeight, 5), halve(inputWidth, 5)], l = g[0] * g[1]
        var blocks: [Block] = [], sites: [Site] = []
        func add(_ name: String, _ kind: SiteKind, _ shape: [Int], block: Int? = nil) {
            sites.append(Site(name: name, block: block ?? blocks.count - 1, kind: kind, shape: shape))
        }
        func mlp(_ p: String, _ s: Int) {
            let hd = map(c.mlpHidden[s], s + 2), out = map(c.widths[s], s + 2)
            for n in ["fc1", "norm1", "act.0", "mid", "mid_norm", "act.1"] { add("\(p).mlp.\(n)", .map, hd) }
            for n in ["fc2", "norm2"] { add("\(p).mlp.\(n)", .map, out) }
            add("\(p).mlp", .map, out)
        }

        func mambaLayer(_ p: String, _ s: Int, _ out: [Int]) {
            let m = "\(p).mamba", e = c.innerDim, n = c.stateDim
            let grid = { (ch: Int) in [1, ch, g[0], g[1]] }
            add("\(p).norm", .map, out)
            for x in ["in_conv.0", "in_conv.1", "in_conv", "conv2d"] { add("\(m).\(x)", .map, grid(e)) }
            add("\(m).u", .mambaGrid, grid(e))
            add("\(m).x_proj", .tokens, [1, l, c.dtRank + 2 * n])
            add("\(m).dt_proj", .tokens, [1, l, e])
            add("\(m).dt", .mambaGrid, grid(e))
            add("\(m).B", .mambaGrid, grid(n))
            add("\(m).C", .mambaGrid, grid(n))
            add("\(m).h", .hiddenState, [4, l, e, n])
            add("\(m).h_norm", .hiddenNorm, [4, l])
            add("\(m).h_norm_map", .hiddenNorm, [4, g[0], g[1]])
            add("\(m).h_norm_n", .hiddenNorm, [4, n, g[0], g[1]])
            add("\(m).decay", .decay, [n, g[0], g[1]])
            add("\(m).dir_share", .directionShare, [4, g[0], g[1]])
            for k in 1...4 { add("\(m).y.\(k)", .mambaGrid, grid(e)) }
            add("\(m).y", .mambaGrid, grid(e))
            add("\(m).norm", .tokens, [1, l, e])
            add("\(m).out_conv.0", .map, grid(e))
            for x in ["out_conv.1", "out_conv.2", "out_conv"] { add("\(m).\(x)", .map, out) }
            add(m, .map, out)
            add("\(p).norm2", .map, out)
        }

        add("input", .input, [1, 3, inputHeight, inputWidth], block: 0)
        blocks.append(Block(kind: .stem, site: "patch_embed", label: "stem", stage: nil, shape: map(c.widths[0], 2)))
        for i in 0..<6 { add("patch_embed.\(i)", .map, map(i < 3 ? c.widths[0] / 2 : c.widths[0], i < 3 ? 1 : 2)) }
        add("patch_embed", .map, map(c.widths[0], 2))
        for s in 0..<4 {
            let ffnCount = s == 3 ? c.firstMamba : c.depths[s]
            let out = map(c.widths[s], s + 2)
            if s > 0 {
                let d = "network.\(2 * s - 1)"
                blocks.append(Block(kind: .downsample, site: d, label: "down \(s)→\(s + 1)", stage: s, shape: out))
                for n in ["proj", "norm"] { add("\(d).\(n)", .map, out) }
                add(d, .map, out)
            }
            for b in 0..<c.depths[s] {
                let p = "network.\(2 * s).\(b)"
                if s == 3 && b >= c.firstMamba {
                    let k = b - c.firstMamba
                    blocks.append(Block(kind: .mamba, site: p, label: "Mamba \(k + 1)/\(c.nMamba)", stage: s, shape: out))
                    if k == 0 { add("pos_embed", .map, out) }
                    mambaLayer(p, s, out)
                } else {
                    blocks.append(Block(kind: .ffn, site: p, label: "FFN \(b + 1)/\(ffnCount)", stage: s, shape: out))
                }
                mlp(p, s)
                add(p, .map, out)
            }
            // The stage output equals its last block's output: listed with that block.
            add("network.\(2 * s)", .map, out)
        }
        blocks.append(Block(kind: .head, site: "norm", label: "head", stage: nil, shape: [1, l, c.widths[3]]))
        add("norm", .tokens, [1, l, c.widths[3]])
        add("pool", .vector, [1, c.widths[3]])
        add("head", .vector, [1, c.numClasses])
        if c.hasDistHead { add("dist_head", .vector, [1, c.numClasses]) }
        add("logits", .vector, [1, c.numClasses])

        self.blocks = blocks
        self.sites = sites
        self.grid = g
        index = Dictionary(sites.enumerated().map { ($1.name, $0) }, uniquingKeysWith: { a, _ in a })
    }

    /// The site named `name`, if the model has it.
    public subscript(name: String) -> Site? { index[name].map { sites[$0] } }

    /// The block a site belongs to. Sites the catalogue does not list (the dump's computed
    /// `….attn` and `cam`, anything new) go by their longest block prefix, else to the head.
    public func block(of name: String) -> Int {
        if let s = self[name] { return s.block }
        var best: Int? = nil
        for (i, b) in blocks.enumerated() where name == b.site || name.hasPrefix(b.site + ".") {
            if best == nil || b.site.count > blocks[best!].site.count { best = i }
        }
        return best ?? blocks.count - 1
    }

    /// What kind of value a site holds (`.map` for names the catalogue does not list).
    public func kind(of name: String) -> SiteKind { self[name]?.kind ?? .map }

    /// Block outputs in rail order: the stem, per stage its downsample then its blocks, the head's norm.
    public var blockOutputs: [String] { blocks.map(\.site) }

    /// The stem and the four stage outputs.
    public var stageOutputs: [String] { ["patch_embed"] + (0..<4).map { "network.\(2 * $0)" } }

    /// Official names of the Mamba mixers, `network.6.K.mamba`, in order.
    public var mambaLayers: [String] { blocks.filter { $0.kind == .mamba }.map { $0.site + ".mamba" } }

    /// What a site is, in words, for titles and subtitles: "stage 3 block 4/6 · mlp.fc1",
    /// "stage 4 Mamba layer 1/2 · mamba.u", "downsample 2→3", "head LayerNorm, tokens on the grid".
    public func describe(_ name: String) -> String {
        let c = config
        switch kind(of: name) {
        case .input: return "normalised input"
        case .decay: return "decay exp(Δ·A) per state n, mean over channels"
        case .directionShare: return "each scan's share of |y| per token"
        default: break
        }
        if name == "patch_embed" { return "stem output" }
        if name == "pos_embed" { return "stage 4 + position embedding" }
        if name == "norm" { return "head LayerNorm, tokens on the grid" }
        if name.hasSuffix(".h_norm_map") { return "‖h_t‖ per scan, on the grid" }
        let parts = name.split(separator: ".")
        if parts.count >= 2, parts[0] == "network", let n = Int(parts[1]) {
            if parts.count == 2 { return n % 2 == 0 ? "stage \(n / 2 + 1) output" : "downsample \(n / 2 + 1)→\(n / 2 + 2)" }
            if n % 2 == 0, let b = Int(parts[2]) {
                let s = n / 2
                let kind = s == 3 && b >= c.firstMamba ? "Mamba layer \(b - c.firstMamba + 1)/\(c.nMamba)" : "block \(b + 1)/\(s == 3 ? c.firstMamba : c.depths[s])"
                let rest = parts.count > 3 ? " · " + parts[3...].joined(separator: ".") : ""
                return "stage \(s + 1) \(kind)\(rest)"
            }
        }
        return "activation"
    }
}

/// What a site holds, as far as drawing it is concerned (docs/sites.md, "Layout").
public enum SiteKind: String, Sendable, Equatable {
    /// The normalised input tensor (1, 3, H, W).
    case input
    /// A conv-style module output (1, C, H, W).
    case map
    /// A token-style output (1, L, F) over the stage-4 grid.
    case tokens
    /// A vector (1, F): pool, the heads, the logits.
    case vector
    /// A Mamba quantity put on the grid (1, F, h, w): u, Δ, B, C, the scan outputs y.k and y.
    case mambaGrid
    /// The hidden states (4, L, E, N): recorded only when asked for by name.
    case hiddenState
    /// ‖h_t‖ per scan step, on the grid, or per state index.
    case hiddenNorm
    /// exp(Δ·A) per state index, mean over channels (N, h, w).
    case decay
    /// Each scan's share of |y| per token (4, h, w): fractions.
    case directionShare
}
