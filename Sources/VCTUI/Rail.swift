import VCEngine

/// One selectable step of the network: a stage block, a downsample, the stem or the head.
public struct RailBlock: Equatable, Sendable {
    public enum Kind: Sendable, Equatable { case stem, ffn, downsample, mamba, head }
    public let kind: Kind
    /// Index of its group in `Rail.groups`.
    public let group: Int
    /// The site shown by default: the block's output (`network.4.7`), `patch_embed`, `norm`.
    public let site: String
    /// "FFN 8/12", "down 2→3", "Mamba 1/4", "stem", "head".
    public let label: String
    /// The shape the site will have, known before the forward pass from the configuration.
    public let expectedShape: [Int]
}

/// A group of blocks shown as one station of the rail: stem, S1…S3, S4·FFN, S4·Mamba×n, head.
public struct RailGroup: Equatable, Sendable {
    public let name: String
    /// A shorter name for narrow windows.
    public let shortName: String
    public let blocks: Range<Int>
}

/// The rail: the network's blocks in forward order, derived from the configuration alone.
///
/// Downsamples (`network.1/3/5`) open the stage they lead into; `pos_embed` and the stage outputs
/// are reachable as sites of the blocks they belong to (see `ActivationStore.blockSites`).
public struct Rail: Equatable, Sendable {
    public let groups: [RailGroup]
    public let blocks: [RailBlock]
    /// The stage-4 token grid (h, w), for (1, L, F) token tensors.
    public let grid: [Int]
    /// Classes of the head.
    public let classes: Int

    public init(config c: VCMambaConfig, inputHeight: Int, inputWidth: Int) {
        var groups: [RailGroup] = [], blocks: [RailBlock] = []
        func halve(_ n: Int, _ times: Int) -> Int { var n = n; for _ in 0..<times { n = (n + 1) / 2 }; return n }
        func mapShape(_ ch: Int, _ stride: Int) -> [Int] { [1, ch, halve(inputHeight, stride), halve(inputWidth, stride)] }
        func group(_ name: String, _ short: String, _ add: () -> Void) {
            let start = blocks.count
            add()
            if blocks.count > start { groups.append(RailGroup(name: name, shortName: short, blocks: start..<blocks.count)) }
        }
        let gi = { groups.count }
        group("stem", "stem") {
            blocks.append(RailBlock(kind: .stem, group: gi(), site: "patch_embed", label: "stem", expectedShape: mapShape(c.widths[0], 2)))
        }
        for s in 0..<4 {
            let ffnCount = s == 3 ? c.firstMamba : c.depths[s]
            group(s == 3 ? "S4·FFN" : "S\(s + 1)", s == 3 ? "S4F" : "S\(s + 1)") {
                if s > 0 {
                    blocks.append(RailBlock(kind: .downsample, group: gi(), site: "network.\(2 * s - 1)",
                                            label: "down \(s)→\(s + 1)", expectedShape: mapShape(c.widths[s], s + 2)))
                }
                for b in 0..<ffnCount {
                    blocks.append(RailBlock(kind: .ffn, group: gi(), site: "network.\(2 * s).\(b)",
                                            label: "FFN \(b + 1)/\(ffnCount)", expectedShape: mapShape(c.widths[s], s + 2)))
                }
            }
        }
        group("S4·Mamba×\(c.nMamba)", "S4M") {
            for k in 0..<c.nMamba {
                blocks.append(RailBlock(kind: .mamba, group: gi(), site: "network.6.\(c.firstMamba + k)",
                                        label: "Mamba \(k + 1)/\(c.nMamba)", expectedShape: mapShape(c.widths[3], 5)))
            }
        }
        let g = [halve(inputHeight, 5), halve(inputWidth, 5)]
        group("head", "head") {
            blocks.append(RailBlock(kind: .head, group: gi(), site: "norm", label: "head", expectedShape: [1, g[0] * g[1], c.widths[3]]))
        }
        self.groups = groups
        self.blocks = blocks
        self.grid = g
        self.classes = c.numClasses
    }

    /// The group's block a stage jump lands on: its first stage block (not the downsample), if any.
    public func entryBlock(ofGroup g: Int) -> Int {
        let r = groups[g].blocks
        return r.first { blocks[$0].kind != .downsample } ?? r.lowerBound
    }

    /// Which block a recorded site belongs to (its own prefix, or the rules for shared sites).
    public func block(forSite site: String, stageOutput: Bool = true) -> Int {
        // Longest matching block site wins (network.1 must not claim network.10…; the dot guards that).
        var best: Int? = nil
        for (i, b) in blocks.enumerated() where site == b.site || site.hasPrefix(b.site + ".") {
            if best == nil || b.site.count > blocks[best!].site.count { best = i }
        }
        if let best { return best }
        if site == "input" { return 0 }
        if site == "pos_embed" { return blocks.firstIndex { $0.kind == .mamba } ?? blocks.count - 1 }
        // Stage outputs network.0/2/4/6 equal the stage's last block: list them there.
        if site.hasPrefix("network."), let s = Int(site.dropFirst("network.".count)), s % 2 == 0 {
            if let last = blocks.lastIndex(where: { $0.site.hasPrefix("network.\(s).") }) { return last }
        }
        return blocks.count - 1   // norm, pool, head, dist_head, logits and anything new: the head
    }
}

/// "144×14×14" (batch dimension dropped).
func shapeText(_ shape: [Int]) -> String {
    let dims = shape.first == 1 && shape.count > 1 ? Array(shape.dropFirst()) : shape
    return dims.map(String.init).joined(separator: "×")
}
