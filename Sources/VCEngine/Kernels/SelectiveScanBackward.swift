import CKernels

/// The reverse of the four-direction selective scan (`SelectiveScan`), given dL/d outₖ for each
/// scan (4, L, E) in raster order: for y = out₁ + out₂ + out₃ + out₄ alone, dL/dy four times.
///
/// Scan k at step t reads token p = oₖ[t]; with aₜ = exp(Δₜ·A) and b̃ₜ = Bₜ + direction_Bs[dₖ[t]]:
///
///     hₜ = aₜ ⊙ hₜ₋₁ + Δₜ · b̃ₜ · u_p          yₜ = Cₜ · hₜ + D · u_p         outₖ[p] = yₜ
///
/// Walking t = L−1 … 0 with the state gradient ĥ (0 after the last step) and ḡ = dL/d outₖ[p]:
///
///     gₜ    = ĥ + ḡ · Cₜ                       (dL/dhₜ, over n)
///     dCₜ  += ḡ · hₜ                            dD += ḡ · u_p
///     du_p += D · ḡ + Σₙ gₜ · Δₜ · b̃ₜ
///     dΔₜ  += Σₙ gₜ · (A · aₜ ⊙ hₜ₋₁ + b̃ₜ · u_p)
///     dBₜ  += gₜ · Δₜ · u_p                      (and the same into direction_Bs[dₖ[t]])
///     ĥ     = aₜ ⊙ gₜ
///
/// h is not saved by the forward: each channel's states are recomputed (L·N floats) just before
/// its reverse walk. exp(Δ·A) is shared by the four scans (Δ is indexed by the step), so it is
/// evaluated once per layer. Channels are independent apart from the sums over e in dB, dC and
/// direction_Bs, so channel ranges run on the engine's threads with their own partial sums, added
/// up in order afterwards.
///
/// `backward` is the fast path (`vck_scan4_backward`, C: sixteen channels a vector, the state
/// gradient in registers, the sums over channels as horizontal sums per block of 16);
/// `backwardReference` is the same walk one channel at a time in Swift, the readable form the fast
/// path is tested against (`LayerGradientTests`).
extension SelectiveScan {
    /// dL/d(each input of the scan); B, C as (L, N), direction_Bs as (5, N).
    struct Gradients {
        var u: [Float], delta: [Float], B: [Float], C: [Float], D: [Float], directionBs: [Float]
    }

    /// b̃ₜ = Bₜ + direction_Bs[dₖ[t]] for every scan and step, (4, L, N).
    static func stepB(_ x: SelectiveScanInputs, orders: ScanOrders) -> [Float] {
        let l = x.tokens, n = x.state
        var bdir = [Float](repeating: 0, count: 4 * l * n)
        for k in 0..<4 { for t in 0..<l { let d = orders.directions[k][t]
            for ni in 0..<n { bdir[(k * l + t) * n + ni] = x.B[t * n + ni] + x.directionBs[d * n + ni] } } }
        return bdir
    }

    static func backward(_ x: SelectiveScanInputs, orders: ScanOrders, enabled: [Bool] = [true, true, true, true],
                         dy: [Float], threads: Int = EngineThreads.current) -> Gradients {
        let l = x.tokens, e = x.inner, n = x.state
        precondition(dy.count == 4 * l * e, "scan backward: dy must be (4, L, E)")
        let bdir = stepB(x, orders: orders)
        let order32 = orders.orders.flatMap { $0.map(Int32.init) }, dirs32 = orders.directions.flatMap { $0.map(Int32.init) }
        let enabled32 = enabled.map { Int32($0 ? 1 : 0) }
        let blocks = (e + 15) / 16
        var du = [Float](repeating: 0, count: l * e), dDelta = du, dD = [Float](repeating: 0, count: e)
        // Per block of 16 channels: its share of dB, dC (L, N) and d direction_Bs (5, N).
        var partB = [Float](repeating: 0, count: blocks * l * n), partC = partB, partDir = [Float](repeating: 0, count: blocks * 5 * n)
        let flops = 24 * Double(l) * Double(e) * Double(n)
        let chunks = threads > 1 && Parallel.pays(flops) ? min(blocks, threads * Parallel.chunksPerThread) : 1
        du.withUnsafeMutableBufferPointer { duB in dDelta.withUnsafeMutableBufferPointer { ddB in dD.withUnsafeMutableBufferPointer { dDB in
        partB.withUnsafeMutableBufferPointer { pB in partC.withUnsafeMutableBufferPointer { pC in partDir.withUnsafeMutableBufferPointer { pDir in
        x.u.withUnsafeBufferPointer { uB in x.delta.withUnsafeBufferPointer { dlB in x.A.withUnsafeBufferPointer { AB in
        bdir.withUnsafeBufferPointer { bdB in x.C.withUnsafeBufferPointer { CB in x.D.withUnsafeBufferPointer { DB in
        order32.withUnsafeBufferPointer { oB in dirs32.withUnsafeBufferPointer { dirB in enabled32.withUnsafeBufferPointer { enB in
        dy.withUnsafeBufferPointer { dyB in
            nonisolated(unsafe) let outs = (duB.baseAddress!, ddB.baseAddress!, dDB.baseAddress!, pB.baseAddress!, pC.baseAddress!, pDir.baseAddress!)
            nonisolated(unsafe) let ins = (uB.baseAddress!, dlB.baseAddress!, AB.baseAddress!, bdB.baseAddress!, CB.baseAddress!, DB.baseAddress!,
                                           oB.baseAddress!, dirB.baseAddress!, enB.baseAddress!, dyB.baseAddress!)
            Parallel.forEach(chunks, threads: threads, flops: flops) { c in
                let b0 = blocks * c / chunks, b1 = blocks * (c + 1) / chunks
                if b1 <= b0 { return }
                let floats = (2 * l + 1) * n * 16
                let raw = UnsafeMutableRawPointer.allocate(byteCount: floats * 4, alignment: 64)
                defer { raw.deallocate() }
                vck_scan4_backward(l, e, n, ins.0, ins.1, ins.2, ins.3, ins.4, ins.5, ins.6, ins.7, ins.8, ins.9,
                                   outs.0, outs.1, outs.2, outs.3, outs.4, outs.5, raw.bindMemory(to: Float.self, capacity: floats),
                                   b0 * 16, min(e, b1 * 16))
            }
        } } } } } } } } } } } } } } } }
        func blockSum(_ p: [Float], _ count: Int) -> [Float] {
            var s = [Float](repeating: 0, count: count)
            for b in 0..<blocks { for i in 0..<count { s[i] += p[b * count + i] } }
            return s
        }
        return Gradients(u: du, delta: dDelta, B: blockSum(partB, l * n), C: blockSum(partC, l * n), D: dD,
                         directionBs: blockSum(partDir, 5 * n))
    }

    static func backwardReference(_ x: SelectiveScanInputs, orders: ScanOrders, enabled: [Bool] = [true, true, true, true],
                                  dy: [Float], threads: Int = EngineThreads.current) -> Gradients {
        let l = x.tokens, e = x.inner, n = x.state
        precondition(dy.count == 4 * l * e, "scan backward: dy must be (4, L, E)")
        // a[t][e][n] = exp(Δ[t][e] · A[e][n]), (L, E, N).
        var decay = [Float](unsafeUninitializedCapacity: l * e * n) { _, c in c = l * e * n }
        for t in 0..<l { for ei in 0..<e { for ni in 0..<n { decay[(t * e + ei) * n + ni] = x.delta[t * e + ei] * x.A[ei * n + ni] } } }
        decay.withUnsafeMutableBufferPointer { VectorMath.exp($0.baseAddress!, l * e * n) }
        let bdir = stepB(x, orders: orders)

        let parts = max(1, min(threads, e / 16, l * e * n >= 65_536 ? threads : 1))
        var du = [Float](repeating: 0, count: l * e), dDelta = du, dD = [Float](repeating: 0, count: e)
        var partB = [[Float]](repeating: [], count: parts), partC = partB, partDir = partB
        du.withUnsafeMutableBufferPointer { duB in dDelta.withUnsafeMutableBufferPointer { ddB in dD.withUnsafeMutableBufferPointer { dDB in
        partB.withUnsafeMutableBufferPointer { pB in partC.withUnsafeMutableBufferPointer { pC in partDir.withUnsafeMutableBufferPointer { pDir in
        decay.withUnsafeBufferPointer { aB in bdir.withUnsafeBufferPointer { bdB in dy.withUnsafeBufferPointer { dyB in
        x.u.withUnsafeBufferPointer { uB in x.delta.withUnsafeBufferPointer { dlB in x.A.withUnsafeBufferPointer { AB in
        x.C.withUnsafeBufferPointer { CB in x.D.withUnsafeBufferPointer { DB in
            nonisolated(unsafe) let du = duB.baseAddress!, dDelta = ddB.baseAddress!, dD = dDB.baseAddress!
            nonisolated(unsafe) let pB = pB.baseAddress!, pC = pC.baseAddress!, pDir = pDir.baseAddress!
            nonisolated(unsafe) let a = aB.baseAddress!, bd = bdB.baseAddress!, dyp = dyB.baseAddress!
            nonisolated(unsafe) let u = uB.baseAddress!, dl = dlB.baseAddress!, A = AB.baseAddress!, C = CB.baseAddress!, D = DB.baseAddress!
            // About a dozen multiply-adds per (step, channel, state) for the reverse recurrence and its sums.
            Parallel.forEach(parts, threads: threads, flops: 24 * Double(l) * Double(e) * Double(n)) { part in
                let e0 = e * part / parts, e1 = e * (part + 1) / parts
                var gB = [Float](repeating: 0, count: l * n), gC = gB, gDir = [Float](repeating: 0, count: 5 * n)
                var h = [Float](repeating: 0, count: (l + 1) * n)        // h[t + 1] = state after step t; h[0] = 0
                var gh = [Float](repeating: 0, count: n), g = gh
                for k in 0..<4 where enabled[k] {
                    let order = orders.orders[k], dirs = orders.directions[k]
                    for ei in e0..<e1 {
                        let Ae = A + ei * n
                        for t in 0..<l {
                            let p = order[t], dt = dl[t * e + ei], up = u[p * e + ei]
                            let at = a + (t * e + ei) * n, bt = bd + (k * l + t) * n
                            for ni in 0..<n { h[(t + 1) * n + ni] = at[ni] * h[t * n + ni] + dt * bt[ni] * up }
                        }
                        for ni in 0..<n { gh[ni] = 0 }
                        var dDe: Float = 0
                        for t in stride(from: l - 1, through: 0, by: -1) {
                            let p = order[t], dt = dl[t * e + ei], up = u[p * e + ei], yb = dyp[(k * l + p) * e + ei]
                            let at = a + (t * e + ei) * n, bt = bd + (k * l + t) * n, ct = C + t * n
                            var duAcc: Float = 0, ddAcc: Float = 0
                            for ni in 0..<n {
                                let gv = gh[ni] + yb * ct[ni]
                                g[ni] = gv
                                gC[t * n + ni] += yb * h[(t + 1) * n + ni]
                                duAcc += gv * dt * bt[ni]
                                ddAcc += gv * (Ae[ni] * at[ni] * h[t * n + ni] + bt[ni] * up)
                                gB[t * n + ni] += gv * dt * up
                                gh[ni] = at[ni] * gv
                            }
                            let d = dirs[t]
                            for ni in 0..<n { gDir[d * n + ni] += g[ni] * dt * up }
                            du[p * e + ei] += D[ei] * yb + duAcc
                            dDelta[t * e + ei] += ddAcc
                            dDe += yb * up
                        }
                        dD[ei] += dDe
                    }
                }
                pB[part] = gB; pC[part] = gC; pDir[part] = gDir
            }
        } } } } } } } } } } } } } }
        func total(_ ps: [[Float]], _ count: Int) -> [Float] {
            var s = [Float](repeating: 0, count: count)
            for p in ps { for i in 0..<count { s[i] += p[i] } }
            return s
        }
        return Gradients(u: du, delta: dDelta, B: total(partB, l * n), C: total(partC, l * n), D: dD, directionBs: total(partDir, 5 * n))
    }
}
