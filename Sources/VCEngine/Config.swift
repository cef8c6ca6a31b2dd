/// The shape of a VCMamba network, as the official `EfficientFormer(...)` constructor builds it.
///
/// Glossary of dimension letters used across the engine:
///   C1..C4  stage widths            Hd  MLP hidden width (4·C)
///   E       Mamba inner width (2·C4) N   SSM state size (16)
///   R       dt rank ceil(C4/16)      L   tokens on the stage-4 grid (h·w)
///   K       classes
public struct VCMambaConfig: Sendable, Equatable, Codable {
    /// Blocks per stage (stage 4 counts its FFN blocks and its Mamba layers).
    public var depths: [Int]
    /// Channel width per stage.
    public var widths: [Int]
    /// Mamba layers at the end of stage 4 (`vit_num` in the official code).
    public var nMamba: Int
    public var numClasses: Int
    /// MLP hidden width per stage (`int(C * mlp_ratio)`, 4·C in every official model).
    public var mlpHidden: [Int]
    public var stateDim: Int = 16
    public var dtRank: Int
    public var innerDim: Int
    public var convSize: Int = 7
    /// The grid pos_embed was trained for (`resolution // 32`); nil when the model has no pos_embed.
    public var posGrid: [Int]?
    public var hasDistHead: Bool = true
    /// `mamba.gamma` exists only when a model was built with `init_layer_scale` (not the official ones).
    public var hasLayerGamma: Bool = false

    public init(depths: [Int], widths: [Int], nMamba: Int, numClasses: Int = 1000, resolution: Int = 224) {
        self.depths = depths
        self.widths = widths
        self.nMamba = nMamba
        self.numClasses = numClasses
        self.mlpHidden = widths.map { $0 * 4 }
        self.dtRank = (widths[3] + 15) / 16
        self.innerDim = widths[3] * 2
        self.posGrid = [resolution / 32, resolution / 32]
    }

    public static let S = VCMambaConfig(depths: [4, 4, 12, 8], widths: [32, 64, 144, 288], nMamba: 4)
    public static let M = VCMambaConfig(depths: [4, 4, 12, 6], widths: [48, 96, 224, 448], nMamba: 4)
    public static let B = VCMambaConfig(depths: [4, 4, 12, 6], widths: [64, 128, 320, 512], nMamba: 4)

    public static func preset(_ name: String) -> VCMambaConfig? {
        switch name.uppercased() {
        case "S": return .S
        case "M": return .M
        case "B": return .B
        default: return nil
        }
    }

    /// "VCMamba-S/M/B" when the configuration is one of the published ones, else "custom".
    public var variantName: String {
        for (name, preset) in [("S", VCMambaConfig.S), ("M", .M), ("B", .B)] {
            var p = preset
            p.numClasses = numClasses
            if p.depths == depths && p.widths == widths && p.nMamba == nMamba && p.mlpHidden == mlpHidden
                && p.posGrid == posGrid && hasDistHead && !hasLayerGamma {
                return numClasses == 1000 ? "VCMamba-\(name)" : "VCMamba-\(name) (\(numClasses) classes)"
            }
        }
        return "custom"
    }

    /// Input side the model was trained at (pos_embed grid × 32), 224 for the official models.
    public var nativeSize: Int { (posGrid?[0] ?? 7) * 32 }

    /// Index of the first Mamba layer inside stage 4 (`network.6.<firstMamba>`).
    public var firstMamba: Int { depths[3] - nMamba }

    /// Every parameter and buffer the official code registers for this configuration, with its shape,
    /// in state_dict order. `num_batches_tracked` buffers are included (int64, not weights).
    public func expectedKeys() -> [(key: String, shape: [Int])] {
        var out: [(String, [Int])] = []
        func bn(_ p: String, _ c: Int) {
            for s in ["weight", "bias", "running_mean", "running_var"] { out.append(("\(p).\(s)", [c])) }
            out.append(("\(p).num_batches_tracked", []))
        }
        func conv(_ p: String, _ o: Int, _ i: Int, _ k: Int, bias: Bool = true) {
            out.append(("\(p).weight", [o, i, k, k]))
            if bias { out.append(("\(p).bias", [o])) }
        }
        func mlp(_ p: String, _ c: Int, _ hd: Int) {
            conv("\(p).fc1", hd, c, 1)
            conv("\(p).fc2", c, hd, 1)
            conv("\(p).mid", hd, 1, 3)
            bn("\(p).mid_norm", hd)
            bn("\(p).norm1", hd)
            bn("\(p).norm2", c)
        }
        let c1 = widths[0]
        conv("patch_embed.0", c1 / 2, 3, 3); bn("patch_embed.1", c1 / 2)
        conv("patch_embed.3", c1, c1 / 2, 3); bn("patch_embed.4", c1)
        if let g = posGrid { out.append(("pos_embed", [1, widths[3], g[0], g[1]])) }
        for s in 0..<4 {
            let c = widths[s], hd = mlpHidden[s]
            for b in 0..<depths[s] {
                let p = "network.\(2 * s).\(b)"
                if s == 3 && b >= firstMamba {
                    let e = innerDim, n = stateDim
                    bn("\(p).norm", c); bn("\(p).norm2", c)
                    let m = "\(p).mamba"
                    if hasLayerGamma { out.append(("\(m).gamma", [c])) }
                    out.append(("\(m).A_log", [e, n]))
                    out.append(("\(m).D", [e]))
                    conv("\(m).in_conv.0", e, c, 1); bn("\(m).in_conv.1", e)
                    conv("\(m).conv2d", e, 1, convSize)
                    out.append(("\(m).x_proj.weight", [dtRank + 2 * n, e]))
                    out.append(("\(m).dt_proj.weight", [e, dtRank]))
                    out.append(("\(m).dt_proj.bias", [e]))
                    out.append(("\(m).norm.weight", [e])); out.append(("\(m).norm.bias", [e]))
                    conv("\(m).out_conv.1", c, e, 1); bn("\(m).out_conv.2", c)
                    out.append(("\(m).direction_Bs", [5, n]))
                    mlp("\(p).mlp", c, hd)
                } else {
                    out.append(("\(p).layer_scale_2", [c, 1, 1]))
                    mlp("\(p).mlp", c, hd)
                }
            }
            if s < 3 {
                let p = "network.\(2 * s + 1)"
                conv("\(p).proj", widths[s + 1], c, 3); bn("\(p).norm", widths[s + 1])
            }
        }
        out.append(("norm.weight", [widths[3]])); out.append(("norm.bias", [widths[3]]))
        out.append(("head.weight", [numClasses, widths[3]])); out.append(("head.bias", [numClasses]))
        if hasDistHead {
            out.append(("dist_head.weight", [numClasses, widths[3]])); out.append(("dist_head.bias", [numClasses]))
        }
        return out
    }

    /// Learnable parameters (BatchNorm running statistics and counters excluded), as the paper counts them.
    public var parameterCount: Int {
        expectedKeys().filter { !$0.key.hasSuffix("running_mean") && !$0.key.hasSuffix("running_var") && !$0.key.hasSuffix("num_batches_tracked") }
            .reduce(0) { $0 + $1.shape.reduce(1, *) }
    }
}

/// A problem found while matching a checkpoint's keys against the configuration inferred from it.
public struct KeyReport: Sendable, Equatable {
    public var missing: [String] = []
    public var unexpected: [String] = []
    /// (key, expected shape, shape in the file)
    public var misshaped: [(String, [Int], [Int])] = []

    public var isLoadable: Bool { missing.isEmpty && misshaped.isEmpty }
    public var isClean: Bool { isLoadable && unexpected.isEmpty }

    public static func == (a: KeyReport, b: KeyReport) -> Bool {
        a.missing == b.missing && a.unexpected == b.unexpected
            && a.misshaped.map { "\($0.0)\($0.1)\($0.2)" } == b.misshaped.map { "\($0.0)\($0.1)\($0.2)" }
    }

    /// One line per kind of problem, each naming the keys (at most `limit` of them).
    public func lines(limit: Int = 6) -> [String] {
        func list(_ keys: [String]) -> String {
            let shown = keys.prefix(limit).map { printable($0) }.joined(separator: ", ")
            return keys.count <= limit ? shown : shown + ", … (\(keys.count) in all)"
        }
        var out: [String] = []
        if !missing.isEmpty { out.append("missing keys: " + list(missing)) }
        if !misshaped.isEmpty {
            out.append("mis-shaped keys: " + list(misshaped.map { "\(printable($0.0)) (expected \(fmt($0.1)), found \(fmt($0.2)))" }))
        }
        if !unexpected.isEmpty { out.append("unexpected keys: " + list(unexpected)) }
        return out
    }
}

/// A name from a file, safe to print on a terminal: control characters (C0, DEL, C1) and the
/// line/paragraph separators are written as \u{…}, so a key cannot move the cursor, change
/// colours or fake an output line.
public func printable(_ name: String, limit: Int = 200) -> String {
    var out = ""
    for scalar in name.unicodeScalars.prefix(limit) {
        let v = scalar.value
        if v < 0x20 || v == 0x7f || (0x80...0x9f).contains(v) || v == 0x2028 || v == 0x2029 {
            out += "\\u{" + String(v, radix: 16) + "}"
        } else {
            out.unicodeScalars.append(scalar)
        }
    }
    return name.unicodeScalars.count > limit ? out + "…" : out
}

func fmt(_ shape: [Int]) -> String { "(" + shape.map(String.init).joined(separator: ", ") + ")" }

/// Why a set of tensors cannot be a VCMamba model.
public struct ModelError: Error, CustomStringConvertible, Sendable {
    public let description: String
    public init(_ description: String) { self.description = description }
}

extension VCMambaConfig {
    /// Reads the configuration off the keys and shapes of a state dict, the way the official code
    /// would have had to be called to produce it. Throws when the essential keys are absent.
    public static func infer(from shapes: [String: [Int]]) throws -> VCMambaConfig {
        func need(_ key: String, rank: Int) throws -> [Int] {
            guard let s = shapes[key] else { throw ModelError("not a VCMamba state dict: key \(key) is missing") }
            guard s.count == rank else { throw ModelError("key \(key): expected \(rank) dimensions, found shape \(fmt(s))") }
            return s
        }
        let c1 = try need("patch_embed.3.weight", rank: 4)[0]
        var widths = [c1]
        for d in [1, 3, 5] { widths.append(try need("network.\(d).proj.weight", rank: 4)[0]) }
        // Blocks per stage: the distinct block indices under network.{0,2,4,6}.
        var blocks = [Set<Int>](repeating: [], count: 4)
        var mambaBlocks = Set<Int>()
        for key in shapes.keys where key.hasPrefix("network.") {
            let parts = key.split(separator: ".")
            guard parts.count >= 3, let stage = Int(parts[1]), stage % 2 == 0, stage <= 6, let b = Int(parts[2]) else { continue }
            blocks[stage / 2].insert(b)
            if stage == 6 && parts.count > 3 && parts[3] == "mamba" { mambaBlocks.insert(b) }
        }
        let depths = blocks.map { $0.count }
        for s in 0..<4 where depths[s] == 0 { throw ModelError("not a VCMamba state dict: stage \(s + 1) (network.\(2 * s)) has no blocks") }
        for s in 0..<4 where blocks[s].max()! != depths[s] - 1 {
            throw ModelError("network.\(2 * s): block indices are not 0..<\(depths[s]) (found \(blocks[s].sorted()))")
        }
        let nMamba = mambaBlocks.count
        if nMamba > 0 && mambaBlocks.min()! != depths[3] - nMamba {
            throw ModelError("network.6: Mamba layers must be the last blocks of stage 4 (found at \(mambaBlocks.sorted()))")
        }
        // Classes: from whichever classifier tensor survives, so a file missing head.weight is
        // still described and its missing keys listed by `check`.
        guard let classes = ["head.weight", "head.bias", "dist_head.weight", "dist_head.bias"].lazy.compactMap({ shapes[$0]?.first }).first else {
            throw ModelError("not a VCMamba state dict: no classifier (head.weight, head.bias, dist_head.*) found")
        }
        var cfg = VCMambaConfig(depths: depths, widths: widths, nMamba: nMamba, numClasses: classes)
        cfg.mlpHidden = (0..<4).map { s in shapes["network.\(2 * s).0.mlp.fc1.weight"]?[0] ?? widths[s] * 4 }
        if let p = shapes["pos_embed"], p.count == 4 { cfg.posGrid = [p[2], p[3]] } else { cfg.posGrid = nil }
        cfg.hasDistHead = shapes["dist_head.weight"] != nil || shapes["dist_head.bias"] != nil
        if nMamba > 0 {
            let m = "network.6.\(cfg.firstMamba).mamba"
            if let a = shapes["\(m).A_log"], a.count == 2 { cfg.innerDim = a[0]; cfg.stateDim = a[1] }
            if let d = shapes["\(m).dt_proj.weight"], d.count == 2 { cfg.dtRank = d[1] }
            if let k = shapes["\(m).conv2d.weight"], k.count == 4 { cfg.convSize = k[2] }
            cfg.hasLayerGamma = shapes["\(m).gamma"] != nil
        }
        return cfg
    }

    /// The first parameter (in state_dict order) with a dimension of size 0, and why that cannot
    /// run: 0 classes, an SSM with no state (N = 0), an empty pos_embed grid, a zero width. Such
    /// files load as tensors but would divide by zero or index an empty grid in the forward pass
    /// and the views, so the model refuses them by name.
    public func emptyParameter() -> (key: String, shape: [Int], why: String)? {
        for (key, shape) in expectedKeys() where shape.contains(0) {
            let why: String
            if key.hasPrefix("head.") || key.hasPrefix("dist_head.") { why = "a classifier with 0 classes" }
            else if key.hasSuffix("mamba.A_log") || key.hasSuffix("direction_Bs") { why = "an SSM with state size N = 0" }
            else if key == "pos_embed" { why = "an empty position-embedding grid" }
            else { why = "a dimension of size 0" }
            return (key, shape, why)
        }
        return nil
    }

    /// Compares a state dict's keys and shapes with what this configuration needs.
    public func check(_ shapes: [String: [Int]]) -> KeyReport {
        var report = KeyReport()
        var expected = Set<String>()
        for (key, shape) in expectedKeys() {
            expected.insert(key)
            guard let found = shapes[key] else {
                if !key.hasSuffix("num_batches_tracked") { report.missing.append(key) }
                continue
            }
            if key.hasSuffix("num_batches_tracked") { continue }
            // layer_scale_2 is (C,1,1) in the official code; accept a flat (C) too.
            if found != shape && !(found.reduce(1, *) == shape.reduce(1, *) && key.hasSuffix("layer_scale_2")) {
                report.misshaped.append((key, shape, found))
            }
        }
        report.unexpected = shapes.keys.filter { !expected.contains($0) }.sorted()
        return report
    }
}
