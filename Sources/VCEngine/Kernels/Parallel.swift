import Dispatch

/// Splits row-parallel work (depthwise convolutions, epilogues, residual adds) over the engine's
/// threads. GEMMs are threaded by OpenBLAS itself; everything between them would otherwise run on
/// one core while the other waits (Amdahl's law at 2 cores: half the non-GEMM time back).
enum Parallel {
    /// Below this many values a split costs more than it saves (measured: thread hand-off ≈ 5 µs).
    static let minimumWork = 32_768

    static func rows(_ count: Int, work: Int, _ body: (Range<Int>) -> Void) {
        let threads = EngineThreads.current
        guard threads > 1, work >= minimumWork, count > 1 else { body(0..<count); return }
        let parts = min(threads, count)
        withoutActuallyEscaping(body) { body in
            // The parts touch disjoint rows; the closure itself is only read.
            nonisolated(unsafe) let body = body
            DispatchQueue.concurrentPerform(iterations: parts) { p in
                body((count * p / parts)..<(count * (p + 1) / parts))
            }
        }
    }
}
