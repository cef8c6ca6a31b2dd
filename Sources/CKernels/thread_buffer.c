// A float buffer per thread and purpose (the pool's threads run products at the same time), grown
// on demand and kept for the thread's life: oneDNN's raw products and scratchpads, and the engine
// kernel's re-spaced tokens. A purpose is never in use twice at once on one thread.
#include "ckernels.h"
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>

typedef struct { float *p; long floats; } slot;
static pthread_key_t key;
static pthread_once_t once = PTHREAD_ONCE_INIT;

static void release(void *v) {
    slot *s = v;
    for (int i = 0; i < VCK_BUF_SLOTS; i++) free(s[i].p);
    free(s);
}
static void make_key(void) { pthread_key_create(&key, release); }

float *vck_thread_floats(int which, long floats, const char *what) {
    pthread_once(&once, make_key);
    slot *s = pthread_getspecific(key);
    if (!s) { s = calloc(VCK_BUF_SLOTS, sizeof *s); if (!s) abort(); pthread_setspecific(key, s); }
    slot *b = &s[which];
    if (b->floats < floats) {
        free(b->p);
        b->p = NULL;
        if (posix_memalign((void **)&b->p, 64, (size_t)floats * 4)) {
            fprintf(stderr, "vcview: out of memory (%ld KB of %s)\n", floats / 256, what);
            abort();
        }
        b->floats = floats;
    }
    return b->p;
}
