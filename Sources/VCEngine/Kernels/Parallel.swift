import CKernels

/// The engine's parallel loops: GEMM token or panel chunks, depthwise rows, epilogues, scan
/// channel blocks.
///
/// They run on `vck_parallel` (`CKernels/pool.c`): each region is cut into chunks that the
/// caller and the pool's workers claim one by one, so a worker that has not started (its core busy
/// with another program) leaves its share to the caller instead of holding it up. Each region also
/// states its arithmetic, and the pool runs it on the caller alone when that is less than a few
/// hand-offs between threads (small models, small maps), or while it backs off after a worker lost
/// its core in the middle of a chunk.
enum Parallel {
    /// Chunks per thread for loops whose chunks cost little to start: enough that a late worker's
    /// share is picked up by the caller in pieces, few enough that claiming them stays negligible.
    static let chunksPerThread = 4

    /// body(i) for 0 ≤ i < count, on up to `threads` threads, returning when all are done;
    /// `flops` is the whole region's arithmetic (what the pool weighs against a hand-off).
    static func forEach(_ count: Int, threads: Int = EngineThreads.current, flops: Double, _ body: (Int) -> Void) {
        guard count > 1, threads > 1 else { for i in 0..<count { body(i) }; return }
        withoutActuallyEscaping(body) { body in
            var task = body
            withUnsafeMutablePointer(to: &task) { p in
                vck_parallel(count, threads, flops, { ctx, i in
                    ctx!.assumingMemoryBound(to: ((Int) -> Void).self).pointee(i)
                }, p)
            }
        }
    }

    /// Whether a region of this much arithmetic is worth splitting now (the pool's cost model);
    /// for loops that would rather run as one call than as chunks one after another.
    static func pays(_ flops: Double) -> Bool { vck_parallel_pays(flops) != 0 }

    /// Splits `count` rows into contiguous chunks (a few per thread) handed out as threads come
    /// free; `flops` is the arithmetic of all the rows together. One call over all the rows when
    /// the split does not pay.
    static func rows(_ count: Int, flops: Double, threads: Int = EngineThreads.current, _ body: (Range<Int>) -> Void) {
        let chunks = min(count, threads * chunksPerThread)
        guard threads > 1, chunks > 1, pays(flops) else { body(0..<count); return }
        forEach(chunks, threads: threads, flops: flops) { p in body((count * p / chunks)..<(count * (p + 1) / chunks)) }
    }
}
