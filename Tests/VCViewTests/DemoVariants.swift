import Foundation
import XCTest
import VCCheckpoint

/// Checkpoints made from the bundled demo model with some tensors changed: what real files
/// contain when training diverged (NaN, ±inf, huge values) or a model was built with degenerate
/// sizes. Written to a scratch directory per test run, never committed.
enum DemoVariants {
    static let demo = CLI.asset("vcmamba-demo.safetensors")
    static let directory: String = {
        let d = FileManager.default.temporaryDirectory.appendingPathComponent("vcview-variants-\(getpid())").path
        try? FileManager.default.createDirectory(atPath: d, withIntermediateDirectories: true)
        return d
    }()

    typealias Tensors = [String: (shape: [Int], values: [Float])]

    /// The demo's tensors (num_batches_tracked counters left out: they are optional) and metadata.
    static func load() throws -> (order: [String], tensors: Tensors, metadata: [String: String]) {
        let loaded = try CheckpointLoader.load(path: demo)
        var t: Tensors = [:]
        var order: [String] = []
        for k in loaded.stateDict.keys where !k.hasSuffix("num_batches_tracked") {
            let d = try XCTUnwrap(loaded.stateDict[k])
            t[k] = (d.shape, try d.floats())
            order.append(k)
        }
        return (order, t, loaded.info.metadata)
    }

    /// Writes `name`.safetensors with `change` applied; returns its path.
    static func write(_ name: String, dropClassNames: Bool = false, _ change: (inout Tensors) -> Void) throws -> String {
        var (order, tensors, metadata) = try load()
        change(&tensors)
        if dropClassNames { metadata["classes"] = nil }
        let path = directory + "/\(name).safetensors"
        try Safetensors.write(path: path, tensors: order.compactMap { k in tensors[k].map { (k, $0.shape, $0.values) } }, metadata: metadata)
        return path
    }

    /// Every value of `key` set to `v`.
    static func fill(_ key: String, _ v: Float) -> (inout Tensors) -> Void {
        { t in t[key] = (t[key]!.shape, [Float](repeating: v, count: t[key]!.values.count)) }
    }

    /// The first `n` rows of `key` (rows along dimension 0).
    static func rows(_ t: inout Tensors, _ key: String, _ n: Int) {
        let (shape, values) = t[key]!
        let per = shape.dropFirst().reduce(1, *)
        t[key] = ([n] + shape.dropFirst(), Array(values.prefix(n * per)))
    }

    /// The first `n` entries along the last dimension of a 2-D `key`.
    static func columns(_ t: inout Tensors, _ key: String, _ n: Int) {
        let (shape, values) = t[key]!
        var out: [Float] = []
        for r in 0..<shape[0] { out += values[(r * shape[1])..<(r * shape[1] + n)] }
        t[key] = ([shape[0], n], out)
    }
}
