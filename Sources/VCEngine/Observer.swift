import Foundation

/// Instrumentation: the engine's named hook sites (see docs/sites.md for every name and layout).
///
/// Two phases, as in ggml's scheduler callback: the engine first asks `wants(site)`; only for a
/// `true` answer does it build the PyTorch-layout copy and call `record`. With no observer the
/// forward pass does one nil check per site and nothing else.
public protocol ActivationObserver: AnyObject {
    /// Does this observer want the activation named `site`? Called once per site per forward.
    func wants(_ site: String) -> Bool
    /// The activation, in the layout docs/sites.md gives for `site`.
    func record(_ site: String, _ tensor: Tensor)
}

/// Glob patterns over site names: `*` matches any run of characters, `?` one character.
///
/// The hidden-state sites (`….mamba.h`) are large (4·L·E·N floats per layer) and are matched only
/// by a pattern that itself ends in `.h`, so `*` never asks for them by accident.
public struct SitePattern: Sendable {
    public let patterns: [String]
    /// The patterns' bytes, converted once: `matches` runs for every site of every observed
    /// forward pass (hundreds), and converting each pattern per call cost ~2 ms per VCMamba-S pass.
    private let bytes: [[UInt8]]
    /// Which patterns may match the hidden-state sites (those ending in `.h`).
    private let reachesHidden: [Bool]

    /// `spec` is a comma-separated list of globs; empty means `*`.
    public init(_ spec: String = "*") {
        let parts = spec.split(separator: ",").map { $0.trimmingCharacters(in: " ") }.filter { !$0.isEmpty }
        patterns = parts.isEmpty ? ["*"] : parts
        bytes = patterns.map { Array($0.utf8) }
        reachesHidden = patterns.map { $0.hasSuffix(".h") }
    }

    public func matches(_ site: String) -> Bool {
        let expensive = SitePattern.isExpensive(site)
        var site = site
        return site.withUTF8 { s in
            for (k, p) in bytes.enumerated() {
                if expensive && !reachesHidden[k] { continue }
                if p.withUnsafeBufferPointer({ SitePattern.glob($0, s) }) { return true }
            }
            return false
        }
    }

    /// Every block output, every Mamba internal and hidden-state norm, the head: what the issue on
    /// performance calls "the TUI's full set of observers" (the explorer itself records `*`, which
    /// adds each MLP's intermediate maps).
    public static let blocksAndMamba = SitePattern(
        "input,patch_embed,network.?,network.?.?,network.?.??,pos_embed,network.6.*.mamba*,norm,pool,head,dist_head,logits")

    /// Sites that cost real memory to produce (hidden states at every scan step).
    public static func isExpensive(_ site: String) -> Bool { site.hasSuffix(".mamba.h") }

    static func glob(_ p: UnsafeBufferPointer<UInt8>, _ s: UnsafeBufferPointer<UInt8>) -> Bool {
        // Iterative wildcard match with single backtrack point (classic two-pointer algorithm).
        var pi = 0, si = 0, star = -1, mark = 0
        while si < s.count {
            if pi < p.count && (p[pi] == UInt8(ascii: "?") || p[pi] == s[si]) {
                pi += 1; si += 1
            } else if pi < p.count && p[pi] == UInt8(ascii: "*") {
                star = pi; mark = si; pi += 1
            } else if star >= 0 {
                pi = star + 1; mark += 1; si = mark
            } else {
                return false
            }
        }
        while pi < p.count && p[pi] == UInt8(ascii: "*") { pi += 1 }
        return pi == p.count
    }
}

extension String {
    fileprivate func trimmingCharacters(in set: Character) -> String {
        var s = Substring(self)
        while s.first == set { s = s.dropFirst() }
        while s.last == set { s = s.dropLast() }
        return String(s)
    }
}
extension Substring {
    fileprivate func trimmingCharacters(in set: Character) -> String { String(self).trimmingCharacters(in: set) }
}

/// Keeps every activation matching a pattern, in the order the forward pass produced them.
///
/// With a `byteLimit`, activations beyond it are measured and dropped instead of kept, so a
/// forward pass at a large input size cannot fill memory; `checkLimit` then says how much the
/// recording would have needed and which input size would fit.
public final class RecordingObserver: ActivationObserver {
    public let pattern: SitePattern
    public private(set) var order: [String] = []
    public private(set) var tensors: [String: Tensor] = [:]
    public let byteLimit: Int
    /// Bytes of the tensors kept, and of all those offered (kept or dropped).
    public private(set) var keptBytes = 0
    public private(set) var neededBytes = 0

    public init(_ pattern: SitePattern = SitePattern(), byteLimit: Int = .max) {
        self.pattern = pattern
        self.byteLimit = byteLimit
    }

    public func wants(_ site: String) -> Bool { pattern.matches(site) }

    public func record(_ site: String, _ tensor: Tensor) {
        let bytes = tensor.count * MemoryLayout<Float>.stride
        neededBytes += bytes
        guard keptBytes + bytes <= byteLimit || tensors[site] != nil else { return }
        if tensors[site] == nil { order.append(site); keptBytes += bytes }
        tensors[site] = tensor
    }

    /// Throws when some activation was dropped for the byte limit: the message gives what the
    /// recording needed, the limit, and the largest square input side (a multiple of 32) whose
    /// activations would fit, since they grow with the input's area.
    public func checkLimit(inputHeight h: Int, inputWidth w: Int) throws {
        guard neededBytes > byteLimit else { return }
        let fits = Double(max(h, w)) * (Double(byteLimit) / Double(neededBytes)).squareRoot()
        let side = max(32, Int(fits) / 32 * 32)
        func mb(_ b: Int) -> String { "\(b >> 20) MB" }
        throw ModelError("recording every activation at \(h)×\(w) needs \(mb(neededBytes)), more than the limit of \(mb(byteLimit)) (\(RecordingObserver.limitSource)); use --size \(side) or smaller")
    }

    /// The limit the explorer and `export` record under: $VCVIEW_RECORD_LIMIT_MB, else an eighth
    /// of physical memory, at most 2 GiB. The views hold about two more copies of what is
    /// recorded (maps and statistics), so this keeps a session within about 3× the limit.
    public static var defaultByteLimit: Int {
        if let s = ProcessInfo.processInfo.environment["VCVIEW_RECORD_LIMIT_MB"], let mb = Int(s), mb > 0 { return mb << 20 }
        return min(2 << 30, Int(ProcessInfo.processInfo.physicalMemory / 8))
    }

    static var limitSource: String {
        ProcessInfo.processInfo.environment["VCVIEW_RECORD_LIMIT_MB"] != nil ? "VCVIEW_RECORD_LIMIT_MB" : "1/8 of memory, at most 2 GiB; VCVIEW_RECORD_LIMIT_MB sets it"
    }

    public subscript(site: String) -> Tensor? { tensors[site] }
}
