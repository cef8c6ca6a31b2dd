#ifndef CKERNELS_ALLOCATOR_H
#define CKERNELS_ALLOCATOR_H
// glibc allocator tuning for the engine's activation buffers (malloc.h is not part of Swift's
// Glibc module).

/// Keeps freed large buffers in the heap instead of returning them to the kernel, so the
/// activations of the next forward pass reuse pages already mapped. Returns 0 on success.
int vc_tune_allocator(long mmap_threshold_bytes, long trim_threshold_bytes);

#endif
