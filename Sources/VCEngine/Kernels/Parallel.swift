import CKernels

/// The engine's parallel loops: GEMM halves, depthwise rows, epilogues, scan channel blocks.
///
/// They run on `vck_parallel`, a small fork-join pool whose workers spin briefly between tasks
/// (Dispatch's concurrentPerform woke its workers through the kernel for each of the hundreds of
/// short regions of a forward pass: ~15% of the time on two cores went to the scheduler).
enum Parallel {
    /// Below this many values a split costs more than it saves.
    static let minimumWork = 32_768

    /// body(i) for 0 ≤ i < count, concurrently; returns when all are done.
    static func forEach(_ count: Int, _ body: (Int) -> Void) {
        guard count > 1 else { if count == 1 { body(0) }; return }
        withoutActuallyEscaping(body) { body in
            var task = body
            withUnsafeMutablePointer(to: &task) { p in
                vck_parallel(count, { ctx, i in
                    ctx!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(i)
                }, p)
            }
        }
    }

    /// Splits `count` rows into one contiguous range per thread (when there is enough work).
    static func rows(_ count: Int, work: Int, threads: Int = EngineThreads.current, _ body: (Range<Int>) -> Void) {
        guard threads > 1, work >= minimumWork, count > 1 else { body(0..<count); return }
        let parts = min(threads, count)
        forEach(parts) { p in body((count * p / parts)..<(count * (p + 1) / parts)) }
    }
}
