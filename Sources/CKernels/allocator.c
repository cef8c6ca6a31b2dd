#include "ckernels_allocator.h"
#include <malloc.h>

int vc_tune_allocator(long mmap_threshold_bytes, long trim_threshold_bytes) {
    int ok = mallopt(M_MMAP_THRESHOLD, (int)mmap_threshold_bytes);
    ok &= mallopt(M_TRIM_THRESHOLD, (int)trim_threshold_bytes);
    return ok ? 0 : -1;
}
