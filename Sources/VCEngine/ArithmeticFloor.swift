import CKernels

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

    /// Milliseconds `macs` multiply-adds take at `gflops` per core on `threads` cores.
    public static func floorMilliseconds(macs: Int, gflops: Double, threads: Int) -> Double {
        Double(macs) * 2 / (gflops * 1e9 * Double(threads)) * 1e3
    }
}
