// A small fork-join pool for the engine's parallel loops, written for cores that are shared.
//
// A region is cut into chunks that every participant (the caller and up to threads − 1 workers)
// claims one at a time from a shared ticket, so nobody owns a fixed half: when a worker has not
// started (its core is busy with another program, or it is still waking up) the caller takes the
// remaining chunks itself, and a region ends when its last claimed chunk is done.
//
// Nobody spins when spinning cannot help. A worker spins a short while after each region (a
// forward pass has hundreds of them back to back, and a sleeping worker costs a wake-up of several
// microseconds), then sleeps on a futex; the caller, once every chunk is claimed, spins a short
// while for the others' last chunks and then sleeps on a futex too. If the caller had to wait far
// longer for another participant's chunk than its own chunks took — that participant lost its core
// mid-chunk — and the splits of the last hundred or so regions have, all told, cost more than they
// saved, the pool runs the next regions on the caller alone for a back-off time (doubling while it
// keeps happening), because on a shared core every region would risk the same stall. A lone stall
// on free cores (an interrupt, a page fault) is paid for by the regions around it.
//
// The same back-off follows a run of lopsided regions, in which the caller ran almost every chunk
// itself although the others were awake when it was posted: the other participants are not
// getting their cores often enough for a split to pay, and each region risks the stall above.
//
// Regions too small for a hand-off to pay (vck_parallel's flops, against a hand-off time measured
// at first use) run on the caller alone as well. Every second the pool looks again whether the
// other cores are free: a worker that has work soon claims it, and one that does not get its core
// makes every region "too small" for the next second (see measure_handoff and ask_worker).
#define _GNU_SOURCE
#include "ckernels.h"
#include <limits.h>
#include <linux/futex.h>
#include <pthread.h>
#include <sched.h>
#include <stdatomic.h>
#include <stdint.h>
#include <stdlib.h>
#include <sys/syscall.h>
#include <time.h>
#include <unistd.h>
#if defined(__x86_64__)
#include <immintrin.h>
#define VCK_PAUSE() _mm_pause()
#else
#define VCK_PAUSE() ((void)0)
#endif

enum { MAX_WORKERS = 63 };
static const long WORKER_SPIN_NS = 60000;      // a worker's spin after a region before it sleeps
static const long CALLER_SPIN_NS = 30000;      // the caller's spin for the last chunks before it sleeps
static const long STALL_SLACK_NS = 40000;      // a wait longer than 2 chunks + this is a stall
static const long BACKOFF_MIN_NS = 20000000;   // alone for 20 ms after a stall …
static const long BACKOFF_MAX_NS = 1000000000; // … doubling up to 1 s while stalls continue
static const double HANDOFF_FACTOR = 8;        // a region must take this many hand-offs to be split

// The ticket: generation (24 bits) | participants (8) | back (16) | front (16). The chunks not yet
// claimed are front ..< back: the caller claims from the front, the workers from the back, so on two
// threads the caller runs the first chunks of every region and the worker the last ones, and the
// two meet wherever their speeds put the boundary. Chunk i of every region covers the same share
// of tokens or rows (products, depthwise rows, epilogues, the MLP's bands), so each thread mostly
// reads what it wrote itself in the region before, from its own L2; claiming in one order, 8-chunk
// row regions alternated between the threads and the next region read half its input from the
// other core. One word, so a claim (compare-and-swap) can never take a chunk of a region other than
// the one it looked at, however late the claimer runs.
#define T_GEN(t) ((t) >> 40)
#define T_PARTS(t) (((t) >> 32) & 0xff)
#define T_BACK(t) (((t) >> 16) & 0xffff)
#define T_FRONT(t) ((t) & 0xffff)
#define T_REGION(t) ((t) & ~(uint64_t)0xffffffff)

static pthread_mutex_t pool_lock = PTHREAD_MUTEX_INITIALIZER;     // one caller at a time
static _Atomic uint64_t ticket = 0;
static _Atomic uint32_t done = 0;             // chunks of the current region finished
static _Atomic uint32_t region_count = 0;     // chunks of the current region (set before its ticket)
static _Atomic uint32_t wake_word = 0;        // bumped per region; sleeping workers wait on it
static _Atomic int sleepers = 0;
static _Atomic int caller_sleeping = 0;
static _Atomic(vck_task) task_fn;
static _Atomic(void *) task_ctx;
static int started = 0;                       // workers created so far (under pool_lock)
static uint64_t generation = 0;               // under pool_lock
static long alone_until = 0, backoff = 0, clean_since_stall = 0;   // under pool_lock
static double lopsided_score = 0;             // moving share of recent split regions that were lopsided
static double split_credit = 0;               // decayed sum of the time recent splits saved (ns; under pool_lock)
static const double CREDIT_DECAY = 0.99;      // about a forward pass's worth of regions
static _Atomic double handoff_ns = -1;        // what the cost model uses: measured at first use, then
                                              // the awake figure or NO_WORKER_NS (written under pool_lock)
static double handoff_awake_ns = -1;          // the last hand-off timed to a worker that came (under pool_lock)
static vck_pool_stats stats;                  // under pool_lock
static _Atomic int force_split = 0;           // tests: split every region, whatever it costs
static _Atomic long small_asked = 0;          // regions vck_parallel_pays kept whole (not under the lock)

static long now_ns(void) {
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return t.tv_sec * 1000000000L + t.tv_nsec;
}

static void futex_wait(_Atomic uint32_t *word, uint32_t expected) {
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAIT_PRIVATE, expected, NULL, NULL, 0);
}

static void futex_wake_all(_Atomic uint32_t *word) {
    syscall(SYS_futex, (uint32_t *)word, FUTEX_WAKE_PRIVATE, INT_MAX, NULL, NULL, 0);
}

// Claims the next chunk of the region `seen` belongs to; -1 when there is none left, or when the
// ticket has moved on to another region (its chunks are claimed after a fresh look at it: the
// claimer's participant check and its finish_chunk must be about the region it claimed from).
// The caller claims from the front, workers from the back.
static long claim(uint64_t seen, int from_back) {
    const uint64_t region = T_REGION(seen);
    while (T_REGION(seen) == region && T_FRONT(seen) < T_BACK(seen)) {
        uint64_t next = from_back ? seen - ((uint64_t)1 << 16) : seen + 1;
        if (atomic_compare_exchange_weak_explicit(&ticket, &seen, next, memory_order_acquire, memory_order_relaxed))
            return from_back ? (long)T_BACK(seen) - 1 : (long)T_FRONT(seen);
        // seen now holds the current ticket.
    }
    return -1;
}

static void finish_chunk(void) {
    // The count is read before this chunk is counted done: until then the region cannot end, so
    // it is still this region's.
    uint32_t count = atomic_load_explicit(&region_count, memory_order_relaxed);
    uint32_t d = atomic_fetch_add(&done, 1) + 1;
    if (d == count && atomic_load(&caller_sleeping)) futex_wake_all(&done);
}

// A worker: claims chunks while the current region has any for it, otherwise waits for the ticket
// to change — spinning for WORKER_SPIN_NS, then asleep on wake_word.
static _Atomic int alive = 0;                 // workers that have started running

// The question worker 1 answers when it is asleep at the time the pool looks again (ask_worker):
// how long after the question it ran, and the longest it then went without running while it
// spun PROBE_WINDOW_NS (the core taken by another program shows as a gap of a time slice).
static _Atomic uint32_t probe_asked = 0, probe_answered = 0;
static _Atomic long probe_asked_at = 0, probe_came_ns = 0, probe_gap_ns = 0;
static _Atomic long slow_wake_ns = 0;         // tests: how late a woken worker looks for work
static const long PROBE_WINDOW_NS = 300000;

static void answer_probe(uint64_t t) {
    uint32_t q = atomic_load(&probe_asked);
    long start = now_ns(), last = start, gap = 0;
    long came = start - atomic_load(&probe_asked_at);
    // Cut short by a region: the worker is needed, and it ran.
    while (atomic_load_explicit(&ticket, memory_order_relaxed) == t) {
        long n = now_ns();
        if (n - last > gap) gap = n - last;
        last = n;
        if (n - start > PROBE_WINDOW_NS) break;
        VCK_PAUSE();
    }
    atomic_store(&probe_came_ns, came);
    atomic_store(&probe_gap_ns, gap);
    atomic_store(&probe_answered, q);
}

static void *worker(void *arg) {
    long id = (long)arg;                    // 1 … MAX_WORKERS; the caller is participant 0
    atomic_fetch_add(&alive, 1);
    for (;;) {
        uint64_t t = atomic_load_explicit(&ticket, memory_order_acquire);
        if ((long)T_PARTS(t) > id && T_FRONT(t) < T_BACK(t)) {
            long chunk = claim(t, 1);
            if (chunk >= 0) {
                // The claim succeeded on region t, which cannot end before this chunk does, so the
                // task it names is still the one published with it.
                vck_task fn = atomic_load_explicit(&task_fn, memory_order_relaxed);
                fn(atomic_load_explicit(&task_ctx, memory_order_relaxed), chunk);
                finish_chunk();
            }
            continue;
        }
        long spin_start = now_ns();
        for (int n = 1; atomic_load_explicit(&ticket, memory_order_relaxed) == t; n++) {
            VCK_PAUSE();
            if (id == 1 && atomic_load_explicit(&probe_asked, memory_order_relaxed) != atomic_load_explicit(&probe_answered, memory_order_relaxed)) {
                answer_probe(t);
                spin_start = now_ns();
            }
            if (n % 64 == 0 && now_ns() - spin_start > WORKER_SPIN_NS) {
                uint32_t w = atomic_load(&wake_word);
                atomic_fetch_add(&sleepers, 1);
                // Seen after the caller's store of a new ticket, or the caller sees sleepers > 0.
                if (atomic_load(&ticket) == t && atomic_load(&probe_asked) == atomic_load(&probe_answered)) futex_wait(&wake_word, w);
                atomic_fetch_sub(&sleepers, 1);
                long late = atomic_load_explicit(&slow_wake_ns, memory_order_relaxed);
                for (long w0 = now_ns(); late > 0 && now_ns() - w0 < late;) VCK_PAUSE();
                spin_start = now_ns();
            }
        }
    }
    return 0;
}

static void start_workers(long wanted) {
    while (started < wanted) {
        pthread_t t;
        pthread_attr_t attr;
        pthread_attr_init(&attr);
        pthread_attr_setdetachstate(&attr, PTHREAD_CREATE_DETACHED);
        int failed = pthread_create(&t, &attr, worker, (void *)(long)(started + 1));
        pthread_attr_destroy(&attr);
        if (failed) break;
        started++;
    }
}

static void run_alone(long count, vck_task fn, void *ctx) {
    for (long i = 0; i < count; i++) fn(ctx, i);
}

// Posts a region and takes part in it; returns the nanoseconds the caller waited, after its last
// chunk, for the others' (and its own chunk count and time in *mine, *busy, and in *woke whether a
// worker was asleep when it was posted).
static long run_region(long count, long parts, vck_task fn, void *ctx, long *mine, long *busy, int *woke) {
    atomic_store_explicit(&task_fn, fn, memory_order_relaxed);
    atomic_store_explicit(&task_ctx, ctx, memory_order_relaxed);
    atomic_store_explicit(&done, 0, memory_order_relaxed);
    atomic_store_explicit(&region_count, (uint32_t)count, memory_order_relaxed);
    generation = (generation + 1) & 0xffffff;
    uint64_t t = generation << 40 | (uint64_t)parts << 32 | (uint64_t)count << 16;
    atomic_store(&ticket, t);                  // publishes the task fields with it
    atomic_fetch_add(&wake_word, 1);
    *woke = atomic_load(&sleepers) > 0;
    if (*woke) futex_wake_all(&wake_word);
    long t0 = now_ns();
    *mine = 0;
    for (long chunk; (chunk = claim(atomic_load_explicit(&ticket, memory_order_relaxed), 0)) >= 0;) {
        fn(ctx, chunk);
        (*mine)++;
        finish_chunk();
    }
    long t1 = now_ns();
    *busy = t1 - t0;
    if (atomic_load(&done) == (uint32_t)count) return 0;
    for (int n = 1; atomic_load(&done) < (uint32_t)count; n++) {
        VCK_PAUSE();
        if (n % 64 == 0 && now_ns() - t1 > CALLER_SPIN_NS) {
            atomic_store(&caller_sleeping, 1);
            uint32_t d;
            while ((d = atomic_load(&done)) < (uint32_t)count) futex_wait(&done, d);
            atomic_store(&caller_sleeping, 0);
        }
    }
    return now_ns() - t1;
}

// Round trip of a region whose first chunk waits until another participant has claimed the
// second: the cost of handing work over to a worker that is spinning, as a forward pass sees it.
struct handoff_probe { _Atomic int claimed; };
static void handoff_task(void *ctx, long i) {
    struct handoff_probe *p = ctx;
    if (i == 1) { atomic_store(&p->claimed, 1); return; }
    long start = now_ns();
    while (!atomic_load(&p->claimed) && now_ns() - start < 100000) VCK_PAUSE();
}

// Measured at first use and again every HANDOFF_EVERY_NS: what it costs changes with the load on
// the other cores (a busy core hands over late, and then regions are better run alone). At most
// about half a millisecond of rounds (a worker that is awake and has its core claims within a
// microsecond or two; one that has not come within 100 µs is not coming soon), the best one
// counting. Timed this way only when the worker is awake (at first use, or spinning after a
// region): waking a sleeping one is not part of a hand-off in a pass, and on some VMs an idle
// vCPU runs a thread woken on it 0.1–3 ms late although nothing else wants it (a 2-vCPU Zen 5
// guest: this probe, given a sleeping worker, said "busy" nearly every second, and a two-thread
// pass split no region at all and ran slower than one thread). A sleeping worker is asked
// instead (ask_worker).
static const long HANDOFF_EVERY_NS = 1000000000;
static const long WAKE_NS = 5000000;           // a worker asked must run within this …
static const long GAP_NS = 200000;             // … and then not lose its core longer than this
static const double NO_WORKER_NS = 100000;     // the hand-off figure when it does not: regions run alone
static int probe_pending = 0;                  // under pool_lock
static long probe_sent_at = 0;
static const long WORKER_START_NS = 5000000;     // how long a new worker may take to start
static long handoff_measured_at = 0;

static void measure_handoff(void) {
    // A worker created a moment ago may not be running yet; timing hand-offs to it would measure
    // thread start-up and, as "too slow to pay", keep a fresh process on one thread for the next
    // second (a `predict` is one pass). Wait a little for the workers to start first.
    for (long t0 = now_ns(); atomic_load(&alive) < started && now_ns() - t0 < WORKER_START_NS;) sched_yield();
    long best = 1000000, start = now_ns();
    for (int round = 0; round < 24 && (round < 3 || now_ns() - start < 500000); round++) {
        struct handoff_probe p = { 0 };
        long mine, busy, t0 = now_ns();
        int woke;
        run_region(2, 2, handoff_task, &p, &mine, &busy, &woke);
        long t = now_ns() - t0;
        if (round >= 2 && t < best) best = t;   // the first rounds wake the worker
    }
    handoff_ns = (double)best;
    if (best < NO_WORKER_NS) handoff_awake_ns = (double)best;
    // A probe that saw no worker within its 100 µs says the other cores are busy: that holds for
    // the next second too. (Looking again after 20 ms let a hogged machine catch a lucky probe,
    // split the demo model's regions and stall: max 2.8× its median.)
    handoff_measured_at = now_ns();
}

// The look every second when the worker sleeps: wake it with a question instead of a region, go
// on (the regions meanwhile keep the last figure), and read its answer at a later region. It came
// within WAKE_NS and kept its core: the last hand-off timed to an awake worker holds (or, if none
// ever came, it is timed now, while the worker spins after answering); otherwise the other cores
// are busy for the next second. Under pool_lock.
static void ask_worker(long now) {
    if (probe_pending) {
        if (atomic_load(&probe_answered) == atomic_load(&probe_asked)) {
            probe_pending = 0;
            if (atomic_load(&probe_came_ns) < WAKE_NS && atomic_load(&probe_gap_ns) < GAP_NS) {
                if (handoff_awake_ns < 0) { measure_handoff(); return; }
                handoff_ns = handoff_awake_ns;
            } else {
                handoff_ns = NO_WORKER_NS;
            }
            handoff_measured_at = now;
        } else if (now - probe_sent_at > WAKE_NS) {
            probe_pending = 0;                 // (its late answer to this question is ignored)
            handoff_ns = NO_WORKER_NS;
            handoff_measured_at = now;
        }
        return;
    }
    probe_sent_at = now;
    atomic_store(&probe_asked_at, now);
    atomic_fetch_add(&probe_asked, 1);
    atomic_fetch_add(&wake_word, 1);
    if (atomic_load(&sleepers) > 0) futex_wake_all(&wake_word);
    probe_pending = 1;
}

// Whether it is time to look again, and the look: timed directly at first use or when the worker
// is awake, asked when it sleeps. Under pool_lock, with workers started.
static void refresh_handoff(long now) {
    if (!probe_pending && handoff_ns >= 0 && now - handoff_measured_at <= HANDOFF_EVERY_NS) return;
    if (handoff_ns < 0 || (!probe_pending && atomic_load(&sleepers) == 0)) { probe_pending = 0; measure_handoff(); return; }
    ask_worker(now);
}

void vck_parallel(long count, long threads, double flops, vck_task fn, void *ctx) {
    if (count <= 1 || threads <= 1 || count > 0xffff || pthread_mutex_trylock(&pool_lock) != 0) {
        // One chunk or one thread, more chunks than the ticket counts (callers ask for far
        // fewer), or another thread is using the pool (the explorer's background work, or a
        // region nested in one of this thread's chunks): all on the caller.
        run_alone(count, fn, ctx);
        return;
    }
    static long cores = 0;                 // read once (glibc reads /sys for it)
    if (cores == 0) cores = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
    // At most one participant per core: more would take turns with each other.
    long parts = threads < cores ? threads : cores;
    if (parts > MAX_WORKERS + 1) parts = MAX_WORKERS + 1;
    start_workers(parts - 1);
    if (parts > started + 1) parts = started + 1;
    if (parts > count) parts = count;
    long now = now_ns();
    if (parts > 1) refresh_handoff(now);
    stats.regions++;
    int forced = atomic_load_explicit(&force_split, memory_order_relaxed);
    if (parts <= 1 || (!forced && flops / vck_flops_per_ns() < HANDOFF_FACTOR * handoff_ns)) {
        stats.small++;
        run_alone(count, fn, ctx);
        stats.alone_ns += now_ns() - now;
    } else if (!forced && now < alone_until) {
        stats.backed_off++;
        run_alone(count, fn, ctx);
        stats.alone_ns += now_ns() - now;
    } else {
        long mine, busy;
        int woke;
        long waited = run_region(count, parts, fn, ctx, &mine, &busy, &woke);
        stats.split_ns += now_ns() - now;
        stats.wait_ns += waited;
        stats.split++;
        stats.caller_chunks += mine;
        stats.chunks += count;
        // Lopsided: the others ran less than a quarter of their fair share of the chunks.
        long others = count - mine;
        int lopsided = others * 4 * parts < count * (parts - 1);
        if (lopsided) stats.lopsided++;
        // A region posted to a sleeping worker is lopsided whenever it is shorter than the wake-up
        // (on some VMs 0.1–3 ms with the other core idle), which says little about the core being
        // taken: counted in full, such regions backed off observed passes on free cores, whose
        // observers' copies between regions outlast the worker's spin (S on two threads, 145–2270
        // regions alone backing off in 15 runs, median 18–32 ms). They count a quarter as much:
        // a run of about 22 of them in a row still backs off (a core taken between two looks of
        // the hand-off probe, whose wakes are late for the same reason).
        double weight = woke ? 0.03125 : 0.125;
        lopsided_score = lopsided_score * (1 - weight) + (lopsided ? weight : 0);
        int stalled = waited > 2 * busy / (mine > 0 ? mine : 1) + STALL_SLACK_NS;
        if (stalled) { stats.stalls++; stats.stall_ns += waited; }
        // What splitting this region saved: the caller's chunks' pace applied to all of them,
        // against what the region took. A stall makes it negative.
        double alone_ns = mine > 0 ? (double)busy * count / mine : (double)busy;
        split_credit = split_credit * CREDIT_DECAY + (alone_ns - (double)(busy + waited));
        if ((stalled && split_credit < 0) || lopsided_score > 0.5) {
            // Recent splits have cost more than they saved (other participants lose their cores
            // mid-chunk), or the others have hardly been taking part: alone for a while. A rare
            // stall on free cores (an interrupt, a page fault) is paid for by the regions around
            // it and does not stop the splitting.
            lopsided_score = 0;
            split_credit = 0;
            backoff = backoff == 0 ? BACKOFF_MIN_NS : backoff * 2 > BACKOFF_MAX_NS ? BACKOFF_MAX_NS : backoff * 2;
            alone_until = now_ns() + backoff;
            clean_since_stall = 0;
        } else if (backoff > 0 && ++clean_since_stall >= 200) {
            backoff = 0;                       // a long clean spell: the cores are ours again
        }
    }
    pthread_mutex_unlock(&pool_lock);
}

void vck_pool_force_split(int on) { atomic_store(&force_split, on); }
void vck_pool_test_slow_wake(long ns) { atomic_store(&slow_wake_ns, ns); }

int vck_parallel_pays(double flops) {
    if (atomic_load_explicit(&force_split, memory_order_relaxed)) return 1;
    double h = vck_handoff_ns();
    if (h >= 0 && flops / vck_flops_per_ns() >= HANDOFF_FACTOR * h) return 1;
    atomic_fetch_add_explicit(&small_asked, 1, memory_order_relaxed);
    return 0;
}

double vck_handoff_ns(void) {
    // Busy pool (another caller, or asked from inside a chunk of this thread's region): the last
    // figure, unmeasured (−1) meaning "do not split".
    if (pthread_mutex_trylock(&pool_lock) != 0) return handoff_ns;
    static long cores = 0;
    if (cores == 0) cores = sysconf(_SC_NPROCESSORS_ONLN) > 0 ? sysconf(_SC_NPROCESSORS_ONLN) : 1;
    if (cores > 1) {
        start_workers(1);
        if (started > 0) refresh_handoff(now_ns());
    }
    double h = handoff_ns;
    pthread_mutex_unlock(&pool_lock);
    return h;
}

vck_pool_stats vck_pool_stats_read(void) {
    pthread_mutex_lock(&pool_lock);
    vck_pool_stats s = stats;
    pthread_mutex_unlock(&pool_lock);
    long asked = atomic_load(&small_asked);
    s.regions += asked;
    s.small += asked;
    return s;
}

void vck_pool_reset(void) {
    pthread_mutex_lock(&pool_lock);
    vck_pool_stats zero = { 0 };
    stats = zero;
    atomic_store(&small_asked, 0);
    alone_until = 0; backoff = 0; clean_since_stall = 0; lopsided_score = 0; split_credit = 0;
    pthread_mutex_unlock(&pool_lock);
}

void vck_pool_test_look_again(void) {
    pthread_mutex_lock(&pool_lock);
    handoff_measured_at = 0;
    if (handoff_ns >= 0) handoff_ns = NO_WORKER_NS;
    pthread_mutex_unlock(&pool_lock);
}
