import CBLAS
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

