import CKernels

/// glibc serves allocations above 128 KB with fresh mmaps and returns them on free, so every
/// forward pass page-faults its activation buffers in again (measured: ~5% of a VCMamba-B forward
/// in the kernel). Raising the thresholds keeps freed buffers in the heap for the next pass.
/// A process that runs the engine calls `apply()` once at start.
public enum MemoryTuning {
    public static func apply() {
        _ = vc_tune_allocator(512 << 20, 1 << 30)
    }
}
