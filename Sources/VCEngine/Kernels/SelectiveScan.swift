import CKernels
import Glibc

/// The selective scan of PlainMamba2D, four directions over one token grid.
///
/// For scan k with order oₖ and direction codes dₖ, at step t = 0..L−1 (h starts at 0):
///
///     Δ_t      = softplus(dt_proj(x)_t + dt_proj.bias)      (the bias a second time: official quirk)
///     h_t      = exp(Δ_t·A) ⊙ h_{t−1} + Δ_t · (B_t + direction_Bs[dₖ[t]]) · u[oₖ[t]]
///     y_t      = C_t · h_t + D · u[oₖ[t]]
///     outₖ[oₖ[t]] = y_t
///
/// Δ, B and C are indexed by the step t in raster order while only u is permuted: that is what the
/// official code computes (it permutes x_conv but not dt, B, C), so vcview does the same.
/// Shapes: u, Δ: (L, E) token-major; A: (E, N); B, C: (L, N); D: (E); direction_Bs: (5, N).
struct SelectiveScanInputs {
    var u: [Float]
    var delta: [Float]
    var A: [Float]
    var B: [Float]
    var C: [Float]
    var D: [Float]
    var directionBs: [Float]
    var tokens: Int
    var inner: Int
    var state: Int
}

enum SelectiveScan {
    /// The recurrence exactly as written above: one direction at a time, h as (E, N), exp per
    /// direction. Slow and obvious; the fast path is tested equal to it.
    static func reference(_ x: SelectiveScanInputs, orders: ScanOrders, enabled: [Bool] = [true, true, true, true]) -> [[Float]] {
        let l = x.tokens, e = x.inner, n = x.state
        var outs: [[Float]] = []
        for k in 0..<4 {
            var out = [Float](repeating: 0, count: l * e)
            if enabled[k] {
                var h = [Float](repeating: 0, count: e * n)
                for t in 0..<l {
                    let p = orders.orders[k][t], d = orders.directions[k][t]
                    for ei in 0..<e {
                        let delta = x.delta[t * e + ei], u = x.u[p * e + ei]
                        var y: Float = 0
                        for ni in 0..<n {
                            let bt = x.B[t * n + ni] + x.directionBs[d * n + ni]
                            h[ei * n + ni] = expf(delta * x.A[ei * n + ni]) * h[ei * n + ni] + delta * bt * u
                            y += x.C[t * n + ni] * h[ei * n + ni]
                        }
                        out[p * e + ei] = y + x.D[ei] * u
                    }
                }
            }
            outs.append(out)
        }
        return outs
    }

    /// The fast path, `vck_scan4` (C): sixteen channels at a time, h in registers, exp(Δ_t·A)
    /// computed once per layer (Δ is shared by all four scans) and read by the four directions.
    /// Channel blocks are independent, so they are split over the engine's threads; the per-step
    /// sums below are kept per block and added up in block order afterwards (the same bits for
    /// any thread count).
    ///
    /// `hiddenStates`, when given, receives h after every step as (4, L, E, N) — the layout of the
    /// `….mamba.h` site. `hiddenNormsSquared`, when given, receives Σ_e h[e][n]² after every step
    /// as (4, L, N): the per-state magnitudes, from which ‖h_t‖ is the square root of the sum over
    /// n. `decayMeans` receives exp(Δ_t·A) averaged over channels, (N, L).
    static func fast(_ x: SelectiveScanInputs, orders: ScanOrders, enabled: [Bool] = [true, true, true, true],
                     hiddenStates: UnsafeMutablePointer<Float>? = nil,
                     hiddenNormsSquared: UnsafeMutablePointer<Float>? = nil,
                     decayMeans: UnsafeMutablePointer<Float>? = nil) -> [[Float]] {
        run(x, orders: orders, enabled: enabled, perDirection: true, hiddenStates: hiddenStates,
            hiddenNormsSquared: hiddenNormsSquared, decayMeans: decayMeans).directions!
    }

    /// The fast path's full form: y = out₁ + out₂ + out₃ + out₄ (L, E), summed inside the kernel
    /// while each block is in cache, and the four outputs themselves only when `perDirection`.
    static func run(_ x: SelectiveScanInputs, orders: ScanOrders, enabled: [Bool] = [true, true, true, true],
                    perDirection: Bool,
                    hiddenStates: UnsafeMutablePointer<Float>? = nil,
                    hiddenNormsSquared: UnsafeMutablePointer<Float>? = nil,
                    decayMeans: UnsafeMutablePointer<Float>? = nil) -> (sum: [Float], directions: [[Float]]?) {
        let l = x.tokens, e = x.inner, n = x.state
        let order32 = orders.orders.flatMap { $0.map(Int32.init) }
        // B_t + direction_Bs[d_k[t]] for every scan and step, (4, L, N): shared by all channel blocks.
        var bdir = [Float](unsafeUninitializedCapacity: 4 * l * n) { _, count in count = 4 * l * n }
        for k in 0..<4 { for t in 0..<l {
            let d = orders.directions[k][t]
            for ni in 0..<n { bdir[(k * l + t) * n + ni] = x.B[t * n + ni] + x.directionBs[d * n + ni] }
        } }
        let enabled32 = enabled.map { Int32($0 ? 1 : 0) }
        vck_tally_scan(enabled.filter { $0 }.count * l * e * n)
        let blocks = (e + 15) / 16
        // Per-block partial sums, added up below in block order whatever the thread split.
        let hnBlocks = hiddenNormsSquared == nil ? nil : UnsafeMutablePointer<Float>.allocate(capacity: blocks * 4 * l * n)
        let dmBlocks = decayMeans == nil ? nil : UnsafeMutablePointer<Float>.allocate(capacity: blocks * n * l)
        defer { hnBlocks?.deallocate(); dmBlocks?.deallocate() }
        var sum = [Float](unsafeUninitializedCapacity: l * e) { _, count in count = l * e }
        var out = [Float](unsafeUninitializedCapacity: perDirection ? 4 * l * e : 0) { _, count in count = perDirection ? 4 * l * e : 0 }
        // Chunks of channel blocks, a few per thread; per step and state about eight operations
        // in each of the four scans.
        let flops = Double(4 * l * e * n * 8)
        let chunks = EngineThreads.current > 1 && Parallel.pays(flops) ? min(blocks, EngineThreads.current * Parallel.chunksPerThread) : 1
        sum.withUnsafeMutableBufferPointer { sp in out.withUnsafeMutableBufferPointer { op in
        x.u.withUnsafeBufferPointer { u in x.delta.withUnsafeBufferPointer { dl in x.A.withUnsafeBufferPointer { a in
        bdir.withUnsafeBufferPointer { bb in x.C.withUnsafeBufferPointer { cc in x.D.withUnsafeBufferPointer { dd in
        order32.withUnsafeBufferPointer { o in enabled32.withUnsafeBufferPointer { en in
            nonisolated(unsafe) let ptrs = (u.baseAddress!, dl.baseAddress!, a.baseAddress!, bb.baseAddress!, cc.baseAddress!,
                                            dd.baseAddress!, o.baseAddress!, en.baseAddress!, sp.baseAddress!, perDirection ? op.baseAddress! : nil)
            nonisolated(unsafe) let hs = hiddenStates
            nonisolated(unsafe) let hn = hnBlocks, dm = dmBlocks
            let run: (Int) -> Void = { t in
                let b0 = blocks * t / chunks, b1 = blocks * (t + 1) / chunks
                if b1 <= b0 { return }
                let raw = UnsafeMutableRawPointer.allocate(byteCount: l * n * 16 * 4, alignment: 64)
                defer { raw.deallocate() }
                let scratch = raw.bindMemory(to: Float.self, capacity: l * n * 16)
                vck_scan4(l, e, n, ptrs.0, ptrs.1, ptrs.2, ptrs.3, ptrs.4, ptrs.5, ptrs.6, ptrs.7,
                          ptrs.8, ptrs.9, hs, hn, dm, scratch, b0 * 16, min(e, b1 * 16))
            }
            Parallel.forEach(chunks, flops: flops, run)
        } } } } } } } } } }
        // Block by block, each a contiguous pass the compiler vectorises (value by value across the
        // blocks was a strided walk, 0.6% of an observed S pass); the same adds in the same order.
        func addBlocks(_ p: UnsafeMutablePointer<Float>, into dst: UnsafeMutablePointer<Float>, count: Int) {
            dst.update(from: p, count: count)
            for b in 1..<max(blocks, 1) {
                let part = p + b * count
                for i in 0..<count { dst[i] += part[i] }
            }
        }
        if let hn = hiddenNormsSquared, let parts = hnBlocks { addBlocks(parts, into: hn, count: 4 * l * n) }
        if let dm = decayMeans, let parts = dmBlocks { addBlocks(parts, into: dm, count: n * l) }
        let directions = perDirection ? (0..<4).map { k in Array(out[(k * l * e)..<((k + 1) * l * e)]) } : nil
        return (sum, directions)
    }
}
