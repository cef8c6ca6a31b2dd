import CBLAS
import CKernels
import Foundation

/// How many threads the engine uses (default: one per core).
///
/// The engine owns all of its threading: OpenBLAS is kept single-threaded and each large GEMM is
/// split into per-thread blocks (`gemmABt`), like the depthwise convolutions and epilogues. Mixing
/// OpenBLAS's own pool with the engine's threads made them fight: OpenBLAS's workers spin after
/// every call and took the core the next depthwise convolution needed (2 threads gained ~10%).
public enum EngineThreads {
    nonisolated(unsafe) private static var count: Int = {
        openblas_set_num_threads(1)
        return max(1, ProcessInfo.processInfo.activeProcessorCount)
    }()

    public static func set(_ n: Int) {
        _ = current
        count = max(1, n)
    }

    public static var current: Int { count }
}


/// What the engine's thread pool did (`CKernels/pool.c`), for `vcview bench`.
public struct PoolStats: Sendable {
    /// Regions that reached the pool; run on the caller alone because they were small, or
    /// because the pool was backing off after a stall; split over threads.
    public let regions, small, backedOff, split: Int
    /// Chunks of the split regions, and how many of them the calling thread ran itself.
    public let chunks, callerChunks: Int
    /// Split regions in which the other threads ran less than a quarter of their share.
    public let lopsided: Int
    /// Split regions in which another thread held a chunk far longer than the caller's took,
    /// and the milliseconds the caller waited in them.
    public let stalls: Int
    public let stallMilliseconds: Double
    /// Wall time of the split regions, of the caller's waits at their ends for the other threads'
    /// last chunks, and of the regions run alone. What a pass spends outside all three is serial
    /// code between regions.
    public let splitMilliseconds, endWaitMilliseconds, aloneMilliseconds: Double

    public static func read() -> PoolStats {
        let s = vck_pool_stats_read()
        return PoolStats(regions: s.regions, small: s.small, backedOff: s.backed_off, split: s.split, chunks: s.chunks,
                         callerChunks: s.caller_chunks, lopsided: s.lopsided, stalls: s.stalls, stallMilliseconds: Double(s.stall_ns) / 1e6,
                         splitMilliseconds: Double(s.split_ns) / 1e6, endWaitMilliseconds: Double(s.wait_ns) / 1e6,
                         aloneMilliseconds: Double(s.alone_ns) / 1e6)
    }

    /// Statistics to zero, and any back-off forgotten.
    public static func reset() { vck_pool_reset() }

    /// The measured cost of handing a region's chunk to a worker, in microseconds (nil on one core).
    public static var handoffMicroseconds: Double? {
        let h = vck_handoff_ns()
        return h < 0 ? nil : h / 1000
    }
}
