// A small fork-join pool for the engine's parallel loops.
//
// Dispatch's concurrentPerform wakes its workers through the kernel for every call; a VCMamba
// forward has hundreds of short parallel regions (GEMM halves, epilogues, depthwise rows), and on
// two cores ~15% of the time went to the scheduler. Here the workers spin briefly on a generation
// counter after each task, so back-to-back regions start within a cache-line transfer, and only
// sleep on a condition variable after a quiet spell (so an idle explorer uses no CPU).
#include "ckernels.h"
#include <pthread.h>
#include <stdatomic.h>
#include <stdbool.h>
#include <sched.h>
#include <stdlib.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define VCK_PAUSE() _mm_pause()
#else
#define VCK_PAUSE() ((void)0)
#endif

enum { MAX_WORKERS = 63, SPIN_ROUNDS = 200000 };   // ~200000 pauses ≈ tens of microseconds

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;     // one caller at a time
static pthread_mutex_t sleep_lock = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t wake = PTHREAD_COND_INITIALIZER;
static int started = 0;                    // workers created so far (under pool_lock)
static _Atomic long generation = 0;        // bumped once per task
static _Atomic long pending = 0;           // workers that have not yet finished (or skipped) the current task
static _Atomic int sleepers = 0;
static vck_task task_fn;
static void *task_ctx;
static long task_count;

struct worker_start { long id, generation; };

static void *worker(void *arg) {
    // The generation current when the worker was created: a task posted before the thread got
    // to run is then still seen as new.
    struct worker_start start = *(struct worker_start *)arg;
    free(arg);
    long id = start.id;                    // 1 … MAX_WORKERS; part 0 is the caller's
    long seen = start.generation;
    for (;;) {
        long g;
        int spins = 0;
        while ((g = atomic_load_explicit(&generation, memory_order_acquire)) == seen && spins < SPIN_ROUNDS) {
            VCK_PAUSE();
            // Now and then let another runnable thread have the core (a no-op when none is).
            if (++spins % 4096 == 0) sched_yield();
        }
        if (g == seen) {
            pthread_mutex_lock(&sleep_lock);
            atomic_fetch_add(&sleepers, 1);
            while ((g = atomic_load_explicit(&generation, memory_order_acquire)) == seen) pthread_cond_wait(&wake, &sleep_lock);
            atomic_fetch_sub(&sleepers, 1);
            pthread_mutex_unlock(&sleep_lock);
        }
        seen = g;
        // Every worker acknowledges every task, even one it has no part in, so the caller never
        // rewrites the task while a worker could still be reading it.
        if (id < task_count) task_fn(task_ctx, id);
        atomic_fetch_sub_explicit(&pending, 1, memory_order_release);
    }
    return 0;
}

void vck_parallel(long count, vck_task fn, void *ctx) {
    if (count <= 1 || pthread_mutex_trylock(&pool_lock) != 0) {
        // One part, or another thread is using the pool (the explorer's background work): serial.
        for (long i = 0; i < count; i++) fn(ctx, i);
        return;
    }
    // At most one worker per other core: spinning workers on an oversubscribed machine would take
    // turns with the threads doing the work. Parts beyond that run on the caller.
    static long cores = 0;                 // read once (glibc reads /sys for it)
    if (cores == 0) cores = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
    long wanted = count - 1;
    if (wanted > cores - 1) wanted = cores - 1;
    if (wanted > MAX_WORKERS) wanted = MAX_WORKERS;
    while (started < wanted) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        struct worker_start *start = malloc(sizeof *start);
        if (!start) { pthread_attr_destroy(&attr); break; }
        start->id = started + 1;
        start->generation = atomic_load(&generation);
        if (pthread_create(&t, &attr, worker, start) != 0) { free(start); pthread_attr_destroy(&attr); break; }
        pthread_attr_destroy(&attr);
        started++;
    }
    long parts = count < started + 1 ? count : started + 1;
    task_fn = fn; task_ctx = ctx; task_count = parts;
    atomic_store_explicit(&pending, started, memory_order_relaxed);
    // Workers beyond `parts` see the new generation too and skip the task.
    atomic_fetch_add_explicit(&generation, 1, memory_order_acq_rel);
    if (atomic_load(&sleepers) > 0) {
        pthread_mutex_lock(&sleep_lock);
        pthread_cond_broadcast(&wake);
        pthread_mutex_unlock(&sleep_lock);
    }
    fn(ctx, 0);
    for (long i = parts; i < count; i++) fn(ctx, i);      // only if workers could not be created
    while (atomic_load_explicit(&pending, memory_order_acquire) > 0) VCK_PAUSE();
    pthread_mutex_unlock(&pool_lock);
}
