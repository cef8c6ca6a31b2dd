import CKernels
import Glibc

/// What a forward pass costs at the least on this machine: its multiply-adds at the core's
/// measured FMA peak. `vcview bench` prints its time over this floor, a ratio that is meaningful
/// on a machine whose speed drifts from minute to minute (the probe drifts with it).
public enum ArithmeticFloor {
    /// The calling core's fp32 FMA peak in GFLOP/s: the best of `bursts` register-only bursts of
    /// about `burstMicroseconds` each (`CKernels/fma_probe.c`, the loop of tools/bench/fma_peak.c).
    public static func fmaPeak(bursts: Int = 4, burstMicroseconds: Int = 250) -> Double {
        vck_fma_peak(bursts, burstMicroseconds)
    }

    /// Multiply-adds the engine's products and depthwise convolutions have performed in this
    /// process so far; the difference across a forward pass is that pass's count.
    public static var macsSoFar: Int { vck_macs_tallied() }

    /// GELU values the MLPs have evaluated, and the selective scan's state updates, so far.
    public static var geluSoFar: Int { vck_gelu_tallied() }
    public static var scanUpdatesSoFar: Int { vck_scan_tallied() }

    /// Nanoseconds per GELU value on this core: the engine's own `vck_gelu` over 4096 values in
    /// L1, best of `rounds` bursts by thread CPU time (the two GELUs per MLP hidden value are the
    /// largest work of a pass that is not multiply-adds). Applied again and again in place: the
    /// values drift but stay finite, and the kernel's time does not depend on them.
    public static func geluNanoseconds(rounds: Int = 5) -> Double {
        let n = 4096
        var y = (0..<n).map { Float($0 % 1201) * 0.01 - 6 }
        var best = Double.infinity
        for _ in 0..<rounds {
            let t0 = threadCPUNanoseconds()
            y.withUnsafeMutableBufferPointer { for _ in 0..<50 { vck_gelu($0.baseAddress!, n) } }
            best = min(best, (threadCPUNanoseconds() - t0) / Double(50 * n))
        }
        return best
    }

    /// Nanoseconds per state update of the four-direction scan on this core: `vck_scan4` on
    /// VCMamba-S's stage-4 shape (49 tokens, 576 channels, 16 states), best of `rounds` by
    /// thread CPU time (the first round warms the caches); an update also carries its share of
    /// the exp(Δ·A) the four scans share.
    public static func scanNanosecondsPerUpdate(rounds: Int = 6) -> Double {
        let l = 49, e = 576, n = 16
        func filled(_ key: String, _ count: Int, _ lo: Float, _ hi: Float) -> [Float] {
            SeededWeights.uniforms(seed: 0, key: key, count: count).map { lo + (hi - lo) * $0 }
        }
        let u = filled("u", l * e, -1, 1), delta = filled("delta", l * e, 0.01, 2), a = filled("A", e * n, -8, -0.5)
        let bdir = filled("B", 4 * l * n, -1, 1), c = filled("C", l * n, -1, 1), d = filled("D", e, 0, 1)
        let orders = (0..<4).flatMap { k in (0..<l).map { Int32(k % 2 == 0 ? $0 : l - 1 - $0) } }
        let enabled: [Int32] = [1, 1, 1, 1]
        var ysum = [Float](repeating: 0, count: l * e)
        let scratch = UnsafeMutableRawPointer.allocate(byteCount: l * n * 16 * 4, alignment: 64)
        defer { scratch.deallocate() }
        let dec = scratch.bindMemory(to: Float.self, capacity: l * n * 16)
        var best = Double.infinity
        for _ in 0..<rounds {
            let t0 = threadCPUNanoseconds()
            ysum.withUnsafeMutableBufferPointer { y in
                vck_scan4(l, e, n, u, delta, a, bdir, c, d, orders, enabled, y.baseAddress!, nil, nil, nil, nil, dec, 0, e)
            }
            best = min(best, (threadCPUNanoseconds() - t0) / Double(4 * l * e * n))
        }
        return best
    }

    private static func threadCPUNanoseconds() -> Double {
        var t = timespec()
        clock_gettime(CLOCK_THREAD_CPUTIME_ID, &t)
        return Double(t.tv_sec) * 1e9 + Double(t.tv_nsec)
    }

    /// Milliseconds `macs` multiply-adds take at `gflops` per core on `threads` cores.
    public static func floorMilliseconds(macs: Int, gflops: Double, threads: Int) -> Double {
        Double(macs) * 2 / (gflops * 1e9 * Double(threads)) * 1e3
    }
}
