// Matrix products through oneDNN's matmul primitive, on weights reordered once into the layout the
// primitive picks: VCVIEW_GEMM=onednn, and the default only where the engine's own kernel
// (engine_gemm.c) is not built (GemmWeight). It was the default on AVX-512 machines until the
// engine's kernel proved faster there on weights streamed from DRAM (docs/performance.md, Stop 25).
//
// tools/bench/gemm_shapes measured oneDNN 2.6's brgemm matmul (avx512_core) 8–10% faster than the
// OpenBLAS SKYLAKEX kernel on the engine's own product shapes, on one core, in isolation, and whole
// forward passes 5–15% faster (docs/performance.md). Every path is held to the same parity tests.
//
// The library is opened at run time (dlopen of libdnnl.so.2), so vcview neither links against it
// nor needs it installed: built without the header, or run without the library, the path reports
// itself unavailable and the engine stays on OpenBLAS. Before first use it must reproduce
// cblas_sgemm bit for bit on awkward shapes (integer-valued data, so any summation order gives the
// same sums), as the packed path must.
//
// C(T×N) = X(T×K)·Wᵀ with W the PyTorch weight (N×K): in oneDNN's terms src X (T×K, row stride
// ldx), weights Wᵀ (K×N, given as "ba", i.e. W row-major), dst C (T×N, row stride ldc). A primitive
// is made per shape (T, N, K, ldx, ldc) and shared by every weight of that shape; each weight is
// reordered once per layout its primitives ask for (one, in practice). A chunk oneDNN cannot make a
// primitive for is computed by cblas_sgemm on the plain weights kept. Products run in chunks of at
// most 192 tokens, and the engine's own epilogue (the same per-row code as the packed path's, so
// the same bits for the same raw product) runs on each chunk right after it.
#define _GNU_SOURCE
#include "ckernels.h"
#include <dlfcn.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#if __has_include(<oneapi/dnnl/dnnl.h>)
#include <oneapi/dnnl/dnnl.h>
#define VCK_HAVE_DNNL 1
#endif

#ifdef VCK_HAVE_DNNL

// The library's entry points, looked up once.
#define DNNL_FUNCTIONS(X) \
    X(dnnl_engine_create) X(dnnl_stream_create) X(dnnl_stream_destroy) X(dnnl_stream_wait) X(dnnl_memory_desc_init_by_tag) \
    X(dnnl_memory_desc_init_by_strides) X(dnnl_memory_desc_equal) X(dnnl_memory_desc_get_size) \
    X(dnnl_matmul_desc_init) X(dnnl_primitive_attr_create) X(dnnl_primitive_attr_destroy) \
    X(dnnl_primitive_attr_set_scratchpad_mode) X(dnnl_primitive_desc_create) X(dnnl_primitive_desc_destroy) \
    X(dnnl_primitive_desc_query_md) X(dnnl_primitive_desc_query) X(dnnl_primitive_create) \
    X(dnnl_primitive_destroy) X(dnnl_primitive_execute) X(dnnl_memory_create) X(dnnl_memory_destroy) \
    X(dnnl_memory_set_data_handle) \
    X(dnnl_reorder_primitive_desc_create)

#define DECLARE(f) static __typeof__(&f) p_##f;
DNNL_FUNCTIONS(DECLARE)

enum { CHUNK = 192 };

// W reordered into one layout a primitive asked for.
typedef struct layout_entry {
    struct layout_entry *next;
    dnnl_memory_desc_t md;
    dnnl_memory_t mem;
} layout_entry;

// One primitive per product shape (t tokens, n outputs, k inputs, these strides), shared by every
// weight of that shape (the weights are an argument of each run, not part of the primitive): a
// VCMamba-S pass has ~150 weights but ~40 shapes, and making a primitive descriptor per weight was
// most of the 60 ms a one-pass `predict` spent in the library. Kept in a list whose entries never
// move: a thread may run one while another adds the next.
typedef struct shape_entry {
    struct shape_entry *next;
    long id;                   // 0, 1, 2 … in the order made: the index of its per-thread memory objects
    long t, n, k, ldx, ldc;
    dnnl_primitive_t prim;
    size_t scratch;            // bytes of scratchpad the primitive needs
    dnnl_memory_desc_t src, dst, scratch_md, weights;
} shape_entry;

static pthread_mutex_t shapes_lock = PTHREAD_MUTEX_INITIALIZER;
static shape_entry *shapes;
static long shape_count;

// A weight's primitive for t tokens with these strides: the shared shape and the weight reordered
// for it, found on first use and then looked up without touching the shared list.
typedef struct prim_entry {
    struct prim_entry *next;
    long t, ldx, ldc;
    const shape_entry *shape;
    const layout_entry *layout;
} prim_entry;

struct vck_onednn {
    long n, k;
    float *plain;              // W (n × k) row-major: reordered for each new layout, and cblas's operand
    pthread_mutex_t lock;
    prim_entry *prims;
    layout_entry *layouts;
};

typedef void (*cblas_sgemm_fn)(int, int, int, int, int, int, float, const float *, int, const float *, int, float, float *, int);
static cblas_sgemm_fn cblas;

static struct {
    pthread_once_t once;
    int available;
    dnnl_engine_t engine;
    char impl[96];
    char why[160];
} D = { PTHREAD_ONCE_INIT, 0, NULL, "", "" };

// One stream per thread: the pool's threads run products at the same time.
static pthread_key_t stream_key, mems_key;
static void free_stream(void *s) { p_dnnl_stream_destroy(s); }

static dnnl_stream_t thread_stream(void) {
    dnnl_stream_t s = pthread_getspecific(stream_key);
    if (!s) {
        if (p_dnnl_stream_create(&s, D.engine, dnnl_stream_default_flags) != dnnl_success) return NULL;
        pthread_setspecific(stream_key, s);
    }
    return s;
}

// This thread's buffer of at least `floats` floats (raw products, scratchpads).
static float *thread_floats(long floats) { return vck_thread_floats(VCK_BUF_ONEDNN, floats, "oneDNN product scratch"); }

void vck_onednn_free(vck_onednn *w) {
    if (!w) return;
    for (prim_entry *e = w->prims, *next; e; e = next) { next = e->next; free(e); }
    for (layout_entry *l = w->layouts, *next; l; l = next) { next = l->next; p_dnnl_memory_destroy(l->mem); free(l); }
    pthread_mutex_destroy(&w->lock);
    free(w->plain);
    free(w);
}

static vck_onednn *prepare(const float *weights, long n, long k) {
    vck_onednn *w = calloc(1, sizeof *w);
    if (!w) return NULL;
    w->n = n; w->k = k;
    w->plain = malloc(sizeof(float) * n * k);
    if (!w->plain) { free(w); return NULL; }
    memcpy(w->plain, weights, sizeof(float) * n * k);
    pthread_mutex_init(&w->lock, NULL);
    return w;
}

// W reordered into the layout md (made on first use); NULL when oneDNN cannot. Under w->lock.
static const layout_entry *layout(vck_onednn *w, const dnnl_memory_desc_t *md) {
    for (const layout_entry *l = w->layouts; l; l = l->next) if (p_dnnl_memory_desc_equal(&l->md, md)) return l;
    layout_entry *l = calloc(1, sizeof *l);
    if (!l) return NULL;
    dnnl_memory_desc_t plain_md;
    dnnl_dims_t wdims = { w->k, w->n };
    dnnl_memory_t from = NULL;
    dnnl_primitive_desc_t rpd = NULL;
    dnnl_primitive_t reorder = NULL;
    int ok = p_dnnl_memory_desc_init_by_tag(&plain_md, 2, wdims, dnnl_f32, dnnl_ba) == dnnl_success
        && p_dnnl_memory_create(&from, &plain_md, D.engine, w->plain) == dnnl_success
        && p_dnnl_memory_create(&l->mem, md, D.engine, DNNL_MEMORY_ALLOCATE) == dnnl_success
        && p_dnnl_reorder_primitive_desc_create(&rpd, &plain_md, D.engine, md, D.engine, NULL) == dnnl_success
        && p_dnnl_primitive_create(&reorder, rpd) == dnnl_success;
    if (ok) {
        dnnl_exec_arg_t args[2] = { { DNNL_ARG_FROM, from }, { DNNL_ARG_TO, l->mem } };
        dnnl_stream_t s = thread_stream();
        ok = s && p_dnnl_primitive_execute(reorder, s, 2, args) == dnnl_success && p_dnnl_stream_wait(s) == dnnl_success;
    }
    if (reorder) p_dnnl_primitive_destroy(reorder);
    if (rpd) p_dnnl_primitive_desc_destroy(rpd);
    if (from) p_dnnl_memory_destroy(from);
    if (!ok) { if (l->mem) p_dnnl_memory_destroy(l->mem); free(l); return NULL; }
    l->md = *md;
    l->next = w->layouts;
    w->layouts = l;
    return l;
}

// The shared primitive for this shape, made on first use; NULL when oneDNN cannot make one.
static const shape_entry *shape_primitive(long t, long n, long k, long ldx, long ldc) {
    pthread_mutex_lock(&shapes_lock);
    shape_entry *e;
    for (e = shapes; e; e = e->next)
        if (e->t == t && e->n == n && e->k == k && e->ldx == ldx && e->ldc == ldc) { pthread_mutex_unlock(&shapes_lock); return e; }
    e = calloc(1, sizeof *e);
    dnnl_primitive_attr_t attr = NULL;
    dnnl_primitive_desc_t pd = NULL;
    int ok = e != NULL;
    if (ok) {
        e->t = t; e->n = n; e->k = k; e->ldx = ldx; e->ldc = ldc;
        dnnl_memory_desc_t any_w;
        dnnl_matmul_desc_t md;
        dnnl_dims_t xdims = { t, k }, xstr = { ldx, 1 }, wdims = { k, n }, cdims = { t, n }, cstr = { ldc, 1 };
        // The scratchpad is passed in per call (this thread's buffer): the library's own is shared.
        ok = p_dnnl_memory_desc_init_by_strides(&e->src, 2, xdims, dnnl_f32, xstr) == dnnl_success
            && p_dnnl_memory_desc_init_by_strides(&e->dst, 2, cdims, dnnl_f32, cstr) == dnnl_success
            && p_dnnl_memory_desc_init_by_tag(&any_w, 2, wdims, dnnl_f32, dnnl_format_tag_any) == dnnl_success
            && p_dnnl_matmul_desc_init(&md, &e->src, &any_w, NULL, &e->dst) == dnnl_success
            && p_dnnl_primitive_attr_create(&attr) == dnnl_success
            && p_dnnl_primitive_attr_set_scratchpad_mode(attr, dnnl_scratchpad_mode_user) == dnnl_success
            && p_dnnl_primitive_desc_create(&pd, &md, attr, D.engine, NULL) == dnnl_success;
    }
    if (ok) {
        const dnnl_memory_desc_t *smd = p_dnnl_primitive_desc_query_md(pd, dnnl_query_scratchpad_md, 0);
        e->scratch = smd ? p_dnnl_memory_desc_get_size(smd) : 0;
        if (smd) e->scratch_md = *smd;
        if (!D.impl[0]) {
            const char *impl = NULL;
            if (p_dnnl_primitive_desc_query(pd, dnnl_query_impl_info_str, 0, &impl) == dnnl_success && impl)
                snprintf(D.impl, sizeof D.impl, "%s", impl);
        }
        const dnnl_memory_desc_t *wmd = p_dnnl_primitive_desc_query_md(pd, dnnl_query_weights_md, 0);
        ok = wmd && p_dnnl_primitive_create(&e->prim, pd) == dnnl_success;
        if (ok) e->weights = *wmd;
    }
    if (attr) p_dnnl_primitive_attr_destroy(attr);
    if (pd) p_dnnl_primitive_desc_destroy(pd);
    if (!ok) { free(e); e = NULL; }
    else { e->id = shape_count++; e->next = shapes; shapes = e; }
    pthread_mutex_unlock(&shapes_lock);
    return e;
}

// The primitive for t tokens with these strides and this weight reordered for it, found (or made)
// on first use; NULL when oneDNN cannot (the caller then computes the chunk with cblas_sgemm).
static const prim_entry *primitive(vck_onednn *w, long t, long ldx, long ldc) {
    pthread_mutex_lock(&w->lock);
    prim_entry *e;
    for (e = w->prims; e; e = e->next)
        if (e->t == t && e->ldx == ldx && e->ldc == ldc) { pthread_mutex_unlock(&w->lock); return e; }
    e = calloc(1, sizeof *e);
    if (e) {
        e->t = t; e->ldx = ldx; e->ldc = ldc;
        e->shape = shape_primitive(t, w->n, w->k, ldx, ldc);
        e->layout = e->shape ? layout(w, &e->shape->weights) : NULL;
        if (!e->layout) { free(e); e = NULL; }
        else { e->next = w->prims; w->prims = e; }
    }
    pthread_mutex_unlock(&w->lock);
    return e;
}

// This thread's memory objects for a shape (src, dst, scratchpad), made on first use and pointed
// at each call's buffers: creating and destroying three per chunk was ~3% of an S pass (the
// library's own allocations and checks), setting a handle is a store.
typedef struct { dnnl_memory_t src, dst, scratch; } shape_mems;
typedef struct { shape_mems *at; long count; } thread_mems;
static void free_mems(void *p) {
    thread_mems *m = p;
    for (long i = 0; i < m->count; i++) {
        if (m->at[i].src) p_dnnl_memory_destroy(m->at[i].src);
        if (m->at[i].dst) p_dnnl_memory_destroy(m->at[i].dst);
        if (m->at[i].scratch) p_dnnl_memory_destroy(m->at[i].scratch);
    }
    free(m->at);
    free(m);
}

static shape_mems *thread_shape_mems(const shape_entry *e) {
    thread_mems *m = pthread_getspecific(mems_key);
    if (!m) { m = calloc(1, sizeof *m); if (!m) return NULL; pthread_setspecific(mems_key, m); }
    if (e->id >= m->count) {
        long count = (e->id + 1) * 2;
        shape_mems *at = realloc(m->at, sizeof *at * count);
        if (!at) return NULL;
        memset(at + m->count, 0, sizeof *at * (count - m->count));
        m->at = at; m->count = count;
    }
    shape_mems *s = &m->at[e->id];
    if (!s->src) {
        // Made with a placeholder handle (DNNL_MEMORY_NONE), pointed at real buffers per call.
        if (p_dnnl_memory_create(&s->src, &e->src, D.engine, DNNL_MEMORY_NONE) != dnnl_success
            || p_dnnl_memory_create(&s->dst, &e->dst, D.engine, DNNL_MEMORY_NONE) != dnnl_success
            || (e->scratch && p_dnnl_memory_create(&s->scratch, &e->scratch_md, D.engine, DNNL_MEMORY_NONE) != dnnl_success)) {
            if (s->src) p_dnnl_memory_destroy(s->src);
            if (s->dst) p_dnnl_memory_destroy(s->dst);
            s->src = s->dst = s->scratch = NULL;
            return NULL;
        }
    }
    return s;
}

// raw[t][·] = x[t][·]·Wᵀ for t tokens, rows ldx and ldr apart; the scratchpad (if the primitive
// wants one) at sp. 0 when oneDNN failed to run it.
static int raw_product(const prim_entry *e, const float *x, float *raw, float *sp) {
    const shape_entry *sh = e->shape;
    shape_mems *m = thread_shape_mems(sh);
    if (!m) return 0;
    if (p_dnnl_memory_set_data_handle(m->src, (void *)x) != dnnl_success
        || p_dnnl_memory_set_data_handle(m->dst, raw) != dnnl_success
        || (sh->scratch && p_dnnl_memory_set_data_handle(m->scratch, sp) != dnnl_success)) return 0;
    dnnl_exec_arg_t args[4] = { { DNNL_ARG_SRC, m->src }, { DNNL_ARG_WEIGHTS, e->layout->mem }, { DNNL_ARG_DST, m->dst } };
    int nargs = 3;
    if (sh->scratch) args[nargs++] = (dnnl_exec_arg_t){ DNNL_ARG_SCRATCHPAD, m->scratch };
    dnnl_stream_t s = thread_stream();
    return s && p_dnnl_primitive_execute(sh->prim, s, nargs, args) == dnnl_success && p_dnnl_stream_wait(s) == dnnl_success;
}

void vck_onednn_gemm(vck_onednn *w, const float *x, long ldx, float *c, long ldc,
                     long t0, long t1, int accumulate, const vck_epilogue *epilogue) {
    long n = w->n;
    long chunks = (t1 - t0 + CHUNK - 1) / CHUNK;
    // A residual epilogue or an accumulate needs the raw product apart from C; otherwise the
    // product goes straight into C and the epilogue (if any) runs on it in place.
    int apart = accumulate || (epilogue && epilogue->residual);
    long rawFloats = apart ? (CHUNK * n + 15) / 16 * 16 : 0;
    for (long q = 0; q < chunks; q++) {
        long j0 = t0 + (t1 - t0) * q / chunks, nc = t0 + (t1 - t0) * (q + 1) / chunks - j0;
        const prim_entry *e = primitive(w, nc, ldx, apart ? n : ldc);
        // This thread's buffer: the raw product (when apart), then the scratchpad.
        float *buf = thread_floats(rawFloats + (e ? (long)(e->shape->scratch / 4) : 0) + 16);
        float *raw = apart ? buf : c + j0 * ldc;
        if (!e || !raw_product(e, x + j0 * ldx, raw, buf + rawFloats))
            cblas(101, 111, 112, (int)nc, (int)n, (int)w->k, 1.0f, x + j0 * ldx, (int)ldx, w->plain, (int)w->k, 0.0f, raw, (int)(apart ? n : ldc));
        if (!apart) {
            if (epilogue) vck_tile_epilogue(epilogue, c, ldc, j0, nc, 0, n);
            continue;
        }
        if (accumulate) {
            for (long j = 0; j < nc; j++) {
                float *cr = c + (j0 + j) * ldc;
                const float *rr = buf + j * n;
                for (long ch = 0; ch < n; ch++) cr[ch] += rr[ch];
            }
            if (epilogue) vck_tile_epilogue(epilogue, c, ldc, j0, nc, 0, n);
        } else {
            vck_tile_epilogue_from(epilogue, buf, n, c, ldc, j0, nc, 0, n);
        }
    }
}

// One product on integer-valued data against cblas_sgemm; 1 when they agree exactly (and oneDNN,
// not the fallback, computed it).
static int check_shape(cblas_sgemm_fn sgemm, long t, long n, long k, long ldx, long ldc) {
    float *x = malloc(sizeof(float) * t * ldx), *wt = malloc(sizeof(float) * n * k);
    float *want = malloc(sizeof(float) * t * ldc), *got = malloc(sizeof(float) * t * ldc);
    int ok = 0;
    vck_onednn *w = NULL;
    if (!x || !wt || !want || !got) goto done;
    unsigned s = 777u + (unsigned)(t * 31 + k * 7 + n);
    for (long i = 0; i < t * ldx; i++) { s = s * 1103515245u + 12345u; x[i] = (float)((int)(s >> 16) % 9 - 4); }
    for (long i = 0; i < n * k; i++) { s = s * 1103515245u + 12345u; wt[i] = (float)((int)(s >> 16) % 7 - 3); }
    for (long i = 0; i < t * ldc; i++) want[i] = got[i] = -5.0f;   // columns past n must stay as they are
    sgemm(101, 111, 112, (int)t, (int)n, (int)k, 1.0f, x, (int)ldx, wt, (int)k, 0.0f, want, (int)ldc);
    w = prepare(wt, n, k);
    if (!w || !primitive(w, t < CHUNK ? t : t / ((t + CHUNK - 1) / CHUNK), ldx, ldc)) goto done;
    vck_onednn_gemm(w, x, ldx, got, ldc, 0, t, 0, NULL);
    ok = memcmp(want, got, sizeof(float) * t * ldc) == 0;
done:
    vck_onednn_free(w);
    free(x); free(wt); free(want); free(got);
    return ok;
}

static void discover(void) {
    // oneDNN's OpenMP would start a team on every core inside every pool thread's product: the
    // engine owns the threads (as with OPENBLAS_NUM_THREADS=1). libgomp reads this when it loads.
    setenv("OMP_NUM_THREADS", "1", 0);
    void *lib = dlopen("libdnnl.so.2", RTLD_NOW | RTLD_LOCAL);
    if (!lib) { snprintf(D.why, sizeof D.why, "libdnnl.so.2 not found (apt-get install libdnnl2)"); return; }
#define LOOKUP(f) if (!(p_##f = (__typeof__(&f))dlsym(lib, #f))) { snprintf(D.why, sizeof D.why, "libdnnl.so.2 lacks %s", #f); return; }
    DNNL_FUNCTIONS(LOOKUP)
    if (p_dnnl_engine_create(&D.engine, dnnl_cpu, 0) != dnnl_success) { snprintf(D.why, sizeof D.why, "oneDNN has no CPU engine"); return; }
    pthread_key_create(&stream_key, free_stream);
    pthread_key_create(&mems_key, free_mems);
    cblas_sgemm_fn sgemm = cblas = (cblas_sgemm_fn)dlsym(RTLD_DEFAULT, "cblas_sgemm");
    if (!sgemm) { snprintf(D.why, sizeof D.why, "no cblas_sgemm to check it against"); return; }
    // Tails in every dimension, several token chunks, rows of X and C wider than K and N.
    static const long shapes[][5] = {
        {37, 19, 23, 23, 19}, {1, 7, 1, 1, 7}, {5, 1100, 70, 70, 1100}, {400, 33, 130, 131, 40}, {49, 600, 200, 200, 600}, {3, 64, 17, 20, 64},
    };
    for (unsigned i = 0; i < sizeof shapes / sizeof shapes[0]; i++)
        if (!check_shape(sgemm, shapes[i][0], shapes[i][1], shapes[i][2], shapes[i][3], shapes[i][4])) {
            snprintf(D.why, sizeof D.why, "oneDNN's products differ from cblas_sgemm's on %ld×%ld×%ld", shapes[i][0], shapes[i][1], shapes[i][2]);
            return;
        }
    D.available = 1;
}

vck_onednn *vck_onednn_prepare(const float *w, long n, long k) {
    if (!vck_onednn_available() || n <= 0 || k <= 0) return NULL;
    return prepare(w, n, k);
}

#else   // built without oneDNN's header

struct vck_onednn { int unused; };
static struct { pthread_once_t once; int available; char impl[8]; char why[64]; } D = { PTHREAD_ONCE_INIT, 0, "", "" };
static void discover(void) { snprintf(D.why, sizeof D.why, "built without oneDNN's header (libdnnl-dev)"); }
vck_onednn *vck_onednn_prepare(const float *w, long n, long k) { (void)w; (void)n; (void)k; return NULL; }
void vck_onednn_free(vck_onednn *w) { (void)w; }
void vck_onednn_gemm(vck_onednn *w, const float *x, long ldx, float *c, long ldc,
                     long t0, long t1, int accumulate, const vck_epilogue *epilogue) {
    (void)w; (void)x; (void)ldx; (void)c; (void)ldc; (void)t0; (void)t1; (void)accumulate; (void)epilogue;
    abort();   // vck_onednn_prepare never returned a handle
}

#endif

int vck_onednn_available(void) {
    pthread_once(&D.once, discover);
    return D.available;
}

const char *vck_onednn_status(void) {
    pthread_once(&D.once, discover);
    return D.available ? D.impl : D.why;
}
