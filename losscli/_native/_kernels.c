/* losscli._native._kernels: fused loss kernels (validation, loss and accumulator block statistics in one
 * pass over cache-sized tiles) for the cross-entropy family, with their own vectorisable float64 exp/log.
 *
 * One build carries three copies of the kernels (AVX-512, AVX2+FMA, baseline; see kernels_impl.h) and
 * picks the best one the CPU supports when the module is imported; set_level() forces a lower one.
 * Work is shared out to threads with the GIL released; every result depends only on the input values and
 * their positions (the statistics of a block are taken by a fixed summation tree), so it is bit-identical
 * for any chunking of the input and any number of threads.
 */
#define PY_SSIZE_T_CLEAN
#include <Python.h>

#include <math.h>
#include <pthread.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#ifdef __linux__
#include <sys/mman.h>
#endif
#if defined(__x86_64__) && defined(__GNUC__)
#include <immintrin.h>
#endif

/* dtype codes of the input arrays */
#define K_F64 0
#define K_F32 1
#define K_I64 2
#define K_I32 3
#define K_U8 4
#define K_I8 5

/* kernels */
#define K_BCE_LOGITS 1
#define K_BCE_PROBS 2
#define K_SPARSE_LOGITS 3
#define K_MSE 4
#define K_MAE 5
#define K_HUBER 6
#define K_CCE_LOGITS 7
#define K_CCE_PROBS 8

#define K_TILE_ROWS 2048    /* rows per tile of an element-wise kernel */
#define K_TILE_VALUES 4096  /* logits per tile of a multi-class kernel (32 KiB as float64) */
#define K_AHEAD 4096        /* bytes ahead of its reads that a wide row prefetches: the next 4 KiB page, where the
                             * hardware's prefetcher stops (without it the 200k × 1000 case ran a quarter slower) */

#define K_SHIFT 0x1.8p52
#define K_SHIFT8 0x1.8p49                    /* 1.5·2^49: adding it rounds to a multiple of 1/8 */
#define K_SHIFT8_BITS 0x4308000000000000ull  /* its bits */
#define K_INV_LN2 0x1.71547652b82fep+0
#define K_LN2_HI 0x1.62e42ff000000p-1
#define K_LN2_LO -0x1.718432a1b0e26p-35
#define K_SQRTHALF_BITS 0x3fe6a09e667f3bcdull

#define K_E3 0x1.5555555555555p-3 /* 1/3! */
#define K_E4 0x1.5555555555555p-5 /* 1/4! */
#define K_E5 0x1.1111111111111p-7 /* 1/5! */
#define K_E6 0x1.6c16c16c16c17p-10 /* 1/6! */
#define K_E7 0x1.a01a01a01a01ap-13 /* 1/7! */
#define K_E8 0x1.a01a01a01a01ap-16 /* 1/8! */
#define K_E9 0x1.71de3a556c734p-19 /* 1/9! */
#define K_E10 0x1.27e4fb7789f5cp-22 /* 1/10! */
#define K_E11 0x1.ae64567f544e4p-26 /* 1/11! */
#define K_E12 0x1.1eed8eff8d898p-29 /* 1/12! */
#define K_E13 0x1.6124613a86d09p-33 /* 1/13! */
#define K_E14 0x1.93974a8c07c9dp-37 /* 1/14! */
/* the vector levels' e^r − 1 = r·(1 + r·Σ_{i=0..5} K_Xi+2·r^i) on |r| ≤ ln2/16: the coefficients that minimise the
 * largest relative error of 1 + q against e^r (2^-58.2 after rounding them to doubles; tests/_native/test_kernels.py
 * recomputes the bound with mpmath) */
#define K_X2 0x1.000000000010bp-1
#define K_X3 0x1.5555555555131p-3
#define K_X4 0x1.555555480d697p-5
#define K_X5 0x1.11111125da9a1p-7
#define K_X6 0x1.6c1cbdcd08511p-10
#define K_X7 0x1.a01639a0c6d56p-13
#define K_L1 0x1.5555555555555p-1 /* 2/3 */
#define K_L2 0x1.999999999999ap-2 /* 2/5 */
#define K_L3 0x1.2492492492492p-2 /* 2/7 */
#define K_L4 0x1.c71c71c71c71cp-3 /* 2/9 */
#define K_L5 0x1.745d1745d1746p-3 /* 2/11 */
#define K_L6 0x1.3b13b13b13b14p-3 /* 2/13 */
#define K_L7 0x1.1111111111111p-3 /* 2/15 */
#define K_L8 0x1.e1e1e1e1e1e1ep-4 /* 2/17 */
#define K_L9 0x1.af286bca1af28p-4 /* 2/19 */
#define K_L10 0x1.8618618618618p-4 /* 2/21 */
#define K_L11 0x1.642c8590b2164p-4 /* 2/23 */
#define K_P3 0x1.5555555555555p-2 /* 1/3 */
#define K_P5 0x1.999999999999ap-3 /* 1/5 */
#define K_P6 -0x1.5555555555555p-3 /* −1/6 */
#define K_P7 0x1.2492492492492p-3 /* 1/7 */
#define K_P8 -0x1.0000000000000p-3 /* −1/8 */
#define K_P9 0x1.c71c71c71c71cp-4 /* 1/9 */
#define K_P10 -0x1.999999999999ap-4 /* −1/10 */
#define K_P11 0x1.745d1745d1746p-4 /* 1/11 */
#define K_P12 -0x1.5555555555555p-4 /* −1/12 */

/* exp's table (vector levels, kernels_impl.h): 2^{j/8} for j = 0..7 rounded to a double
 * (tests/_native/test_kernels.py recomputes it with mpmath) */
static const double K_EXP2_8[8] = {
    0x1.0000000000000p+0, 0x1.172b83c7d517bp+0, 0x1.306fe0a31b715p+0, 0x1.4bfdad5362a27p+0,
    0x1.6a09e667f3bcdp+0, 0x1.8ace5422aa0dbp+0, 0x1.ae89f995ad3adp+0, 0x1.d5818dcfba487p+0};

/* log's table (vector levels, kernels_impl.h; the AVX2 level divides for 1/c_j): j = 15..30, 1/c_j = 20/j
 * rounded to a double, and −log of that double as a sum of two doubles (tests/_native/test_kernels.py
 * recomputes them with mpmath) */
static const double K_INVC[16] = {
    0x1.5555555555555p+0, 0x1.4000000000000p+0, 0x1.2d2d2d2d2d2d3p+0, 0x1.1c71c71c71c72p+0,
    0x1.0d79435e50d79p+0, 0x1.0000000000000p+0, 0x1.e79e79e79e79ep-1, 0x1.d1745d1745d17p-1,
    0x1.bd37a6f4de9bdp-1, 0x1.aaaaaaaaaaaabp-1, 0x1.999999999999ap-1, 0x1.89d89d89d89d9p-1,
    0x1.7b425ed097b42p-1, 0x1.6db6db6db6db7p-1, 0x1.611a7b9611a7cp-1, 0x1.5555555555555p-1};
static const double K_LOGC_HI[16] = {
    -0x1.269621134db91p-2, -0x1.c8ff7c79a9a22p-3, -0x1.4cd6b97964179p-3, -0x1.af8e8210a4161p-4,
    -0x1.a431d5bcc1930p-5, 0x0.0p+0, 0x1.8fb063ef2c7f1p-5, 0x1.8663f793c46c9p-4,
    0x1.1e3b825dd05edp-3, 0x1.7565011e49675p-3, 0x1.c8ff7c79a9a20p-3, 0x1.0ca937be1b9dbp-2,
    0x1.334e9e47d07f6p-2, 0x1.588c2d913348fp-2, 0x1.7c7b282d0d46ap-2, 0x1.9f323ecbf984dp-2};
static const double K_LOGC_LO[16] = {
    -0x1.e0efadd9db02ap-56, 0x1.4f689f8434012p-57, -0x1.1be763d729e08p-57, 0x1.79ae923b232ffp-58,
    0x1.c4e09eb14216ep-59, 0x0.0p+0, 0x1.b13b78bef0e10p-59, 0x1.245183a6ac619p-63,
    -0x1.c984fddbf55f6p-57, -0x1.81495b2eb862bp-57, -0x1.4f689f8434011p-57, -0x1.15b342f333172p-57,
    -0x1.a386f26446ff8p-56, 0x1.fafb06b03f0a5p-57, 0x1.b1281009f0d53p-57, -0x1.a92e513217f58p-59};

/* K_LOGC_HI[j] and K_LOGC_LO[j] side by side, one 16-byte row per j (the AVX2 level reads a row per lane),
 * filled from them when the module is loaded */
static double K_LOGC_ROWS[16][2];

static void k_tables_init(void) {
    for (int j = 0; j < 16; j++) {
        K_LOGC_ROWS[j][0] = K_LOGC_HI[j];
        K_LOGC_ROWS[j][1] = K_LOGC_LO[j];
    }
}

static inline uint64_t k_asuint(double x) { uint64_t u; memcpy(&u, &x, 8); return u; }
static inline double k_asdouble(uint64_t u) { double x; memcpy(&x, &u, 8); return x; }

typedef struct {
    int kind;
    const void *yp; int yp_code;
    const void *yt; int yt_code;
    const void *sw; int sw_code;
    int64_t n, c;
    int has_smooth; double smooth;
    int has_pw; double pw;
    double delta;
    int clip; double lo, hi;
    int has_floor; double floor;
    int keras32;
    int renorm;          /* probability rows divided by their sum first (Keras) */
    int has_ignore; int64_t ignore;
    double sum_tol;      /* label rows must sum to 1 within this (categorical) */
    int lax_sums;        /* rows off by more are counted (offsum), not invalid: a convention that warns (Keras,
                          * scikit-learn) */
    int cw_argmax;       /* class weight of argmax(y) multiplies the loss (Keras), else Σ_c y_c·w_c weights */
    int focal;           /* focal: (1 − p_t)^gamma · BCE, or (1 − p_c)^gamma per class */
    double gamma;        /* 0 ≤ gamma ≤ 16 */
    int has_alpha; double alpha;
    const double *alphas; /* categorical focal: one α per class (else the scalar α when has_alpha) */
    const double *cw;
    double *out; double *wout; uint8_t *cout;
    int64_t head, block, nblocks;
    double *stats;
    int64_t *units;      /* row boundaries of the units of work, nunits + 1 of them */
    int64_t *ublock;     /* the accumulator block a unit lies in, or -1 (rows outside whole blocks) */
    int64_t *left;       /* atomic, per block: its units not yet done (the last one takes its statistics) */
    int64_t nunits;
    int64_t next_unit;   /* atomic: the next unit a thread takes */
    int bad;             /* atomic: an invalid value was found */
} k_job;

/* Where a unit's per-sample values go: arrays whose element 0 is row `at`. */
typedef struct {
    double *out; double *wout; uint8_t *cout;
    int64_t at;
} k_dest;

typedef struct k_part_s {
    k_job *job;
    double *scratch;
    double *bout, *bwout; uint8_t *bcout;  /* a block's values, when they are not kept (else NULL) */
    int bad;
    int64_t clipped;
    int64_t offsum;      /* rows not summing to 1 within the tolerance (lax_sums) */
    double xmin, xmax;
} k_part;

#if defined(__GNUC__)  /* a read soon (the hardware's prefetcher stops at 4 KiB pages) */
#define K_PREFETCH(p) __builtin_prefetch((p), 0, 3)
#else
#define K_PREFETCH(p) ((void)(p))
#endif

#define LEVEL base
#define TARGET_ATTR
#include "kernels_impl.h"
#undef LEVEL
#undef TARGET_ATTR

#if defined(__x86_64__) && defined(__GNUC__)
#define K_HAVE_X86 1
#define LEVEL avx2
#define K_AVX2 1
#define K_HAS_FMA 1
#define TARGET_ATTR __attribute__((target("avx2,fma")))
#include "kernels_impl.h"
#undef K_AVX2
#undef K_HAS_FMA
#undef LEVEL
#undef TARGET_ATTR

#define LEVEL avx512
#define K_VEC512 1
#define K_HAS_FMA 1
#if defined(__clang__)
#define TARGET_ATTR __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma")))
#else
#define TARGET_ATTR __attribute__((target("avx512f,avx512dq,avx512vl,avx512bw,avx2,fma,prefer-vector-width=512")))
#endif
#include "kernels_impl.h"
#undef LEVEL
#undef K_VEC512
#undef K_HAS_FMA
#undef TARGET_ATTR
#endif

/* ------------------------------------------------------------------------------------------ dispatch */

typedef struct {
    const char *name;
    void (*work)(k_part *);
    void (*block_stats)(const double *, const double *, const uint8_t *, int64_t, double *);
    void (*vexp)(const double *, double *, int64_t);
    void (*vlog)(const double *, double *, int64_t);
    void (*vlog1p)(const double *, double *, int64_t);
    void (*vexpm1_neg)(const double *, double *, int64_t);
    void (*vpow)(double *, int64_t, double);
} k_level;

static const k_level LEVELS[] = {
#ifdef K_HAVE_X86
    {"avx512", work_avx512, block_stats_avx512, vexp_avx512, vlog_avx512, vlog1p_avx512, vexpm1_neg_avx512, vpow_avx512},
    {"avx2", work_avx2, block_stats_avx2, vexp_avx2, vlog_avx2, vlog1p_avx2, vexpm1_neg_avx2, vpow_avx2},
#endif
    {"baseline", work_base, block_stats_base, vexp_base, vlog_base, vlog1p_base, vexpm1_neg_base, vpow_base},
};
#define N_LEVELS ((int)(sizeof(LEVELS) / sizeof(LEVELS[0])))

static int level_supported(const char *name) {
#ifdef K_HAVE_X86
    __builtin_cpu_init();
    if (!strcmp(name, "avx512"))
        return __builtin_cpu_supports("avx512f") && __builtin_cpu_supports("avx512dq") &&
               __builtin_cpu_supports("avx512vl") && __builtin_cpu_supports("avx512bw") &&
               __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
    if (!strcmp(name, "avx2"))
        return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
#endif
    return !strcmp(name, "baseline");
}

static const k_level *current = NULL;

static const k_level *best_level(void) {
    for (int i = 0; i < N_LEVELS; i++)
        if (level_supported(LEVELS[i].name)) return &LEVELS[i];
    return &LEVELS[N_LEVELS - 1];
}

/* ------------------------------------------------------------------------------------------ buffers */

typedef struct {
    Py_buffer views[12];
    int count;
} k_views;

static void release_views(k_views *v) {
    for (int i = 0; i < v->count; i++) PyBuffer_Release(&v->views[i]);
    v->count = 0;
}

/* A contiguous buffer of at least `need` bytes from obj (None gives NULL when optional). */
static int get_buf(k_views *v, PyObject *obj, int writable, Py_ssize_t need, void **ptr, const char *what) {
    *ptr = NULL;
    if (obj == Py_None) return 0;
    Py_buffer *b = &v->views[v->count];
    if (PyObject_GetBuffer(obj, b, (writable ? PyBUF_WRITABLE : 0) | PyBUF_C_CONTIGUOUS) < 0) return -1;
    v->count++;
    if (b->len < need) {
        PyErr_Format(PyExc_ValueError, "%s: buffer of %zd bytes, %zd needed", what, b->len, need);
        return -1;
    }
    *ptr = b->buf;
    return 0;
}

static Py_ssize_t code_size(int code) {
    switch (code) {
    case K_F64: case K_I64: return 8;
    case K_F32: case K_I32: return 4;
    case K_U8: case K_I8: return 1;
    default: return -1;
    }
}

/* ----------------------------------------------------------------------------------------- threads */

/* A pool of worker threads that live from the first call on and sleep between calls: a thread created
 * per call waits for its first time slice behind every other runnable process, a sleeping one is woken
 * with priority. One call runs at a time; its first part runs on the calling thread. */
#define K_MAX_THREADS 64

static pthread_mutex_t pool_mu = PTHREAD_MUTEX_INITIALIZER;
static pthread_cond_t pool_wake = PTHREAD_COND_INITIALIZER;
static pthread_cond_t pool_done = PTHREAD_COND_INITIALIZER;
static pthread_mutex_t call_mu = PTHREAD_MUTEX_INITIALIZER;
static int pool_size = 0;            /* workers started */
static uint64_t pool_gen = 0;        /* incremented for every call */
static uint64_t pool_seen[K_MAX_THREADS];
static k_part *pool_parts = NULL;
static int pool_want = 0;            /* workers taking part in the current call */
static int pool_running = 0;         /* of those, still working */

static void *pool_main(void *arg) {
    int idx = (int)(intptr_t)arg;
    pthread_mutex_lock(&pool_mu);
    for (;;) {
        while (pool_gen == pool_seen[idx]) pthread_cond_wait(&pool_wake, &pool_mu);
        pool_seen[idx] = pool_gen;
        if (idx >= pool_want) continue;
        k_part *p = &pool_parts[idx + 1];
        pthread_mutex_unlock(&pool_mu);
        current->work(p);
        pthread_mutex_lock(&pool_mu);
        if (--pool_running == 0) pthread_cond_signal(&pool_done);
    }
    return NULL;
}

static void pool_after_fork(void) {     /* the child has none of the parent's threads */
    pthread_mutex_init(&pool_mu, NULL);
    pthread_mutex_init(&call_mu, NULL);
    pthread_cond_init(&pool_wake, NULL);
    pthread_cond_init(&pool_done, NULL);
    pool_size = 0;
    pool_running = 0;
    pool_want = 0;
}

/* Run parts[0..threads) (GIL released by the caller); parts the pool cannot take run here. */
static void pool_run(k_part *parts, int threads) {
    pthread_mutex_lock(&call_mu);
    pthread_mutex_lock(&pool_mu);
    while (pool_size < threads - 1) {
        pthread_t tid;
        pool_seen[pool_size] = pool_gen;
        if (pthread_create(&tid, NULL, pool_main, (void *)(intptr_t)pool_size) != 0) break;
        pthread_detach(tid);
        pool_size++;
    }
    int workers = threads - 1 < pool_size ? threads - 1 : pool_size;
    pool_parts = parts;
    pool_want = workers;
    pool_running = workers;
    pool_gen++;
    if (workers) pthread_cond_broadcast(&pool_wake);
    pthread_mutex_unlock(&pool_mu);
    for (int t = workers + 1; t < threads; t++) current->work(&parts[t]);
    current->work(&parts[0]);
    pthread_mutex_lock(&pool_mu);
    while (pool_running > 0) pthread_cond_wait(&pool_done, &pool_mu);
    pool_want = 0;
    pthread_mutex_unlock(&pool_mu);
    pthread_mutex_unlock(&call_mu);
}

static PyObject *py_fused(PyObject *self, PyObject *args) {
    (void)self;
    k_job j;
    memset(&j, 0, sizeof j);
    PyObject *yp, *yt, *sw, *cw, *alphas, *out, *wout, *cout, *stats;
    long long n, c, head, block, ignore;
    int threads, discard = 0;
    if (!PyArg_ParseTuple(args, "iOiOiOiLL(ididd)(iddidii)(iLdii)(ididO)OOOOLLOi|p", &j.kind, &yp, &j.yp_code, &yt,
                          &j.yt_code, &sw, &j.sw_code, &n, &c, &j.has_smooth, &j.smooth, &j.has_pw, &j.pw, &j.delta,
                          &j.clip, &j.lo, &j.hi, &j.has_floor, &j.floor, &j.keras32, &j.renorm, &j.has_ignore, &ignore, &j.sum_tol, &j.lax_sums, &j.cw_argmax,
                          &j.focal, &j.gamma, &j.has_alpha, &j.alpha, &alphas,
                          &cw, &out, &wout, &cout, &head, &block, &stats, &threads, &discard))
        return NULL;
    if (j.focal && !(j.gamma >= 0.0 && j.gamma <= 16.0)) {
        PyErr_SetString(PyExc_ValueError, "fused: focal gamma must be in [0, 16]");
        return NULL;
    }
    if (n < 0 || c < 1 || block < 8 || head < 0 || code_size(j.yp_code) < 0 || code_size(j.yt_code) < 0 ||
        (sw != Py_None && code_size(j.sw_code) < 0) || j.kind < K_BCE_LOGITS || j.kind > K_CCE_PROBS) {
        PyErr_SetString(PyExc_ValueError, "fused: invalid arguments");
        return NULL;
    }
    j.n = n; j.c = c; j.ignore = ignore; j.head = head > n ? n : head; j.block = block;
    j.nblocks = (n - j.head) / block;
    k_views v = {.count = 0};
    void *p;
    int64_t per_row = c;                                                /* predictions per row */
    int64_t labels_per_row = j.kind == K_SPARSE_LOGITS ? 1 : per_row;  /* categorical: one per class */
    if (get_buf(&v, yp, 0, (Py_ssize_t)(n * per_row) * code_size(j.yp_code), &p, "y_pred") < 0) goto fail;
    j.yp = p;
    if (get_buf(&v, yt, 0, (Py_ssize_t)(n * labels_per_row) * code_size(j.yt_code), &p, "y_true") < 0) goto fail;
    j.yt = p;
    if (get_buf(&v, sw, 0, (Py_ssize_t)n * code_size(j.sw_code), &p, "sample_weight") < 0) goto fail;
    j.sw = p;
    if (get_buf(&v, cw, 0, (Py_ssize_t)c * 8, &p, "class_weights") < 0) goto fail;
    j.cw = p;
    if (get_buf(&v, alphas, 0, (Py_ssize_t)c * 8, &p, "alphas") < 0) goto fail;
    j.alphas = p;
    if (get_buf(&v, out, 1, (Py_ssize_t)n * 8, &p, "out") < 0) goto fail;
    j.out = p;
    if (get_buf(&v, wout, 1, (Py_ssize_t)n * 8, &p, "weights") < 0) goto fail;
    j.wout = p;
    if (get_buf(&v, cout, 1, (Py_ssize_t)n, &p, "counted") < 0) goto fail;
    j.cout = p;
    if (get_buf(&v, stats, 1, (Py_ssize_t)j.nblocks * 7 * 8, &p, "stats") < 0) goto fail;
    j.stats = p;
    if ((j.cw && !j.wout) || (j.has_ignore && !j.cout) || (j.sw && !j.wout)) {
        PyErr_SetString(PyExc_ValueError, "fused: weights/counted outputs missing");
        goto fail;
    }
    if (!j.out || !j.yp || !j.yt) {
        PyErr_SetString(PyExc_ValueError, "fused: missing arrays");
        goto fail;
    }
    for (int64_t b = 0; b < j.nblocks; b++) j.stats[7 * b] = -1.0;  /* not yet taken */

    if (threads < 1) threads = 1;
    if (threads > K_MAX_THREADS) threads = K_MAX_THREADS;
    int64_t min_rows = (1 << 15) / per_row + 1;                  /* no thread for less work than this */
    if (n / threads < min_rows) threads = (int)(n / min_rows > 0 ? n / min_rows : 1);
    if (threads > K_MAX_THREADS) threads = K_MAX_THREADS;
    k_part parts[K_MAX_THREADS];
    int64_t tile_vals = (K_TILE_VALUES > per_row ? K_TILE_VALUES : per_row);
    size_t scratch_doubles = 5 * ((size_t)tile_vals + K_TILE_ROWS);  /* see rows() in kernels_impl.h */
    /* with `discard`, each thread also has a block of values, weights and counted flags of its own */
    size_t own_doubles = discard ? 2 * (size_t)block + ((size_t)block + 7) / 8 : 0;
    size_t per_thread = scratch_doubles + own_doubles;
    double *scratch = malloc(sizeof(double) * per_thread * (size_t)threads);
    if (!scratch) { PyErr_NoMemory(); goto fail; }
    /* units of work: each whole accumulator block (cut into equal pieces when there are too few blocks
     * to keep every thread busy, with at least 32 Ki values a piece), and pieces of about 64 Ki values
     * of the rows before the first and after the last whole block; threads take them in turn (load from
     * other processes then delays one unit, not a fixed share); the thread that finishes the last unit
     * of a block takes its statistics */
    int64_t piece = (1 << 16) / per_row > 0 ? (1 << 16) / per_row : 1;
    int64_t cuts = 1;
    if (j.nblocks > 0 && j.nblocks < 4 * (int64_t)threads) {
        cuts = (4 * (int64_t)threads + j.nblocks - 1) / j.nblocks;
        int64_t min_piece = (1 << 15) / per_row > 0 ? (1 << 15) / per_row : 1;
        if (cuts > block / min_piece) cuts = block / min_piece > 0 ? block / min_piece : 1;
    }
    int64_t max_units = j.nblocks * cuts + (n / piece) + 4;
    j.units = malloc(sizeof(int64_t) * (size_t)(max_units + 1));
    j.ublock = malloc(sizeof(int64_t) * (size_t)(max_units + 1));
    j.left = malloc(sizeof(int64_t) * (size_t)(j.nblocks + 1));
    if (!j.units || !j.ublock || !j.left) {
        free(scratch); free(j.units); free(j.ublock); free(j.left);
        PyErr_NoMemory();
        goto fail;
    }
    int64_t nu = 0, r = 0;
    j.units[0] = 0;
    int64_t edges[2] = {j.head, j.head + j.nblocks * block};
    for (int seg = 0; seg < 3; seg++) {
        int64_t end = seg < 2 ? edges[seg] : n;
        if (seg == 1) {
            for (int64_t b = 0; b < j.nblocks; b++) {
                int64_t start = r;
                j.left[b] = cuts;
                for (int64_t k = 1; k <= cuts; k++) {
                    j.ublock[nu] = b;
                    j.units[++nu] = start + block * k / cuts;
                }
                r = start + block;
            }
            continue;
        }
        while (r < end) {
            r = end - r > piece ? r + piece : end;
            j.ublock[nu] = -1;
            j.units[++nu] = r;
        }
    }
    j.nunits = nu;
    if (threads > nu) threads = nu > 0 ? (int)nu : 1;
    for (int t = 0; t < threads; t++) {
        double *mine = scratch + per_thread * (size_t)t;
        parts[t] = (k_part){.job = &j, .scratch = mine, .bad = 0, .clipped = 0, .offsum = 0,
                            .bout = discard ? mine + scratch_doubles : NULL,
                            .bwout = discard ? mine + scratch_doubles + block : NULL,
                            .bcout = discard ? (uint8_t *)(mine + scratch_doubles + 2 * block) : NULL,
                            .xmin = __builtin_inf(), .xmax = -__builtin_inf()};
    }
    Py_BEGIN_ALLOW_THREADS
    pool_run(parts, threads);
    Py_END_ALLOW_THREADS
    free(scratch);
    free(j.units);
    free(j.ublock);
    free(j.left);
    int bad = 0;
    int64_t clipped = 0, offsum = 0;
    double xmin = __builtin_inf(), xmax = -__builtin_inf();
    for (int t = 0; t < threads; t++) {
        bad |= parts[t].bad;
        clipped += parts[t].clipped;
        offsum += parts[t].offsum;
        xmin = parts[t].xmin < xmin ? parts[t].xmin : xmin;
        xmax = parts[t].xmax > xmax ? parts[t].xmax : xmax;
    }
    if (!bad) {
        for (int64_t b = 0; b < j.nblocks; b++) {
            if (j.stats[7 * b] < 0) {
                int64_t s = j.head + b * block;
                current->block_stats(j.out + s, j.wout ? j.wout + s : NULL, j.cout ? j.cout + s : NULL, block,
                                     j.stats + 7 * b);
            }
        }
    }
    release_views(&v);
    return Py_BuildValue("(iLddL)", bad, (long long)clipped, xmin, xmax, (long long)offsum);
fail:
    release_views(&v);
    return NULL;
}

static PyObject *py_block_stats(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *vo, *wo, *co;
    long long n;
    if (!PyArg_ParseTuple(args, "OOOL", &vo, &wo, &co, &n)) return NULL;
    k_views v = {.count = 0};
    void *pv, *pw, *pc;
    if (n < 0 || get_buf(&v, vo, 0, (Py_ssize_t)n * 8, &pv, "values") < 0 ||
        get_buf(&v, wo, 0, (Py_ssize_t)n * 8, &pw, "weights") < 0 ||
        get_buf(&v, co, 0, (Py_ssize_t)n, &pc, "counted") < 0) {
        release_views(&v);
        if (!PyErr_Occurred()) PyErr_SetString(PyExc_ValueError, "block_stats: n < 0");
        return NULL;
    }
    double s[7];
    Py_BEGIN_ALLOW_THREADS
    current->block_stats((const double *)pv, (const double *)pw, (const uint8_t *)pc, n, s);
    Py_END_ALLOW_THREADS
    release_views(&v);
    return Py_BuildValue("(Ldddddd)", (long long)s[0], s[1], s[2], s[3], s[4], s[5], s[6]);
}

/* The accumulator's fold of whole blocks' statistics (losscli.engine.accumulator: Accumulator._absorb with
 * ExactSum.add), the same floating-point operations in the same order, so the state is bit-identical to
 * the Python loop's. */

/* Python's max(a, b) and min(a, b) of floats: b where it compares greater (less), else a */
static inline double py_max(double a, double b) { return b > a ? b : a; }
static inline double py_min(double a, double b) { return b < a ? b : a; }

/* ExactSum.add: Shewchuk's partials p[0..*len) grow by at most one */
static void exact_add(double *p, Py_ssize_t *len, double x) {
    if (!isfinite(x)) {
        p[(*len)++] = x;
        return;
    }
    Py_ssize_t i = 0;
    for (Py_ssize_t k = 0; k < *len; k++) {
        double y = p[k];
        if (!isfinite(y)) {
            p[i++] = y;
            continue;
        }
        if (fabs(x) < fabs(y)) {
            double t = x;
            x = y;
            y = t;
        }
        double hi = x + y;
        double lo = y - (hi - x);
        if (lo != 0.0) p[i++] = lo;
        x = hi;
    }
    p[i++] = x;
    *len = i;
}

/* a list of floats into a new array with room for `extra` more; NULL (an exception set) on failure */
static double *partials_in(PyObject *list, Py_ssize_t extra, Py_ssize_t *len) {
    if (!PyList_Check(list)) {
        PyErr_SetString(PyExc_TypeError, "fold: partials must be a list of floats");
        return NULL;
    }
    Py_ssize_t m = PyList_GET_SIZE(list);
    double *p = malloc(sizeof(double) * (size_t)(m + extra + 1));
    if (!p) {
        PyErr_NoMemory();
        return NULL;
    }
    for (Py_ssize_t k = 0; k < m; k++) {
        p[k] = PyFloat_AsDouble(PyList_GET_ITEM(list, k));
        if (p[k] == -1.0 && PyErr_Occurred()) {
            free(p);
            return NULL;
        }
    }
    *len = m;
    return p;
}

static PyObject *partials_out(const double *p, Py_ssize_t len) {
    PyObject *list = PyList_New(len);
    if (!list) return NULL;
    for (Py_ssize_t k = 0; k < len; k++) {
        PyObject *f = PyFloat_FromDouble(p[k]);
        if (!f) {
            Py_DECREF(list);
            return NULL;
        }
        PyList_SET_ITEM(list, k, f);
    }
    return list;
}

/* fold(stats, start, big, n, mean, m2, lo, hi, partials_v, partials_w): blocks start, start + 1, … of
 * the (nblocks, 7) float64 rows (count, Σv, Σw, mean, M2, min, max), while each is one the accumulator
 * takes as it is (a count, |values| and |Σw| below big, Σv and M2 finite: evaluator._as_given); returns
 * (the first block not taken, or nblocks; n, mean, m2, lo, hi, partials_v, partials_w) */
static PyObject *py_fold(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *so, *pvo, *pwo;
    long long start, n;
    double big, mean, m2, lo, hi;
    if (!PyArg_ParseTuple(args, "OLdLddddOO", &so, &start, &big, &n, &mean, &m2, &lo, &hi, &pvo, &pwo))
        return NULL;
    Py_buffer view;
    if (PyObject_GetBuffer(so, &view, PyBUF_C_CONTIGUOUS | PyBUF_FORMAT) < 0) return NULL;
    if (view.itemsize != 8 || (view.format && strcmp(view.format, "d") != 0) || view.len % (7 * 8) != 0) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "fold: stats must be a C-contiguous float64 array of rows of 7");
        return NULL;
    }
    const double *s = view.buf;
    long long nblocks = (long long)(view.len / (7 * 8));
    if (start < 0 || start > nblocks || n < 0) {
        PyBuffer_Release(&view);
        PyErr_SetString(PyExc_ValueError, "fold: invalid start or count");
        return NULL;
    }
    Py_ssize_t lv, lw;
    double *pv = partials_in(pvo, (Py_ssize_t)(nblocks - start), &lv);
    double *pw = pv ? partials_in(pwo, (Py_ssize_t)(nblocks - start), &lw) : NULL;
    if (!pw) {
        free(pv);
        PyBuffer_Release(&view);
        return NULL;
    }
    long long b = start;
    for (; b < nblocks; b++) {
        const double *r = s + 7 * b;
        double sv = r[1], sw = r[2], mean_b = r[3], m2_b = r[4], lo_b = r[5], hi_b = r[6];
        long long nb = (long long)r[0];
        if (!(nb != 0 && py_max(-lo_b, hi_b) < big && fabs(sw) < big && isfinite(sv) && isfinite(m2_b))) break;
        exact_add(pv, &lv, sv);
        exact_add(pw, &lw, sw);
        if (n == 0) {
            mean = mean_b;
            m2 = m2_b;
            n = nb;
            lo = lo_b;
            hi = hi_b;
        } else {
            long long total = n + nb;
            double delta = mean_b - mean;
            mean += delta * (double)nb / (double)total;
            m2 += m2_b + delta * delta * (double)n * (double)nb / (double)total;
            n = total;
            lo = py_min(lo, lo_b);
            hi = py_max(hi, hi_b);
        }
    }
    PyBuffer_Release(&view);
    PyObject *lvo = partials_out(pv, lv), *lwo = lvo ? partials_out(pw, lw) : NULL;
    free(pv);
    free(pw);
    if (!lwo) {
        Py_XDECREF(lvo);
        return NULL;
    }
    return Py_BuildValue("(LLddddNN)", b, n, mean, m2, lo, hi, lvo, lwo);
}

static PyObject *py_math(PyObject *args, int which) {
    PyObject *xo, *yo;
    if (!PyArg_ParseTuple(args, "OO", &xo, &yo)) return NULL;
    k_views v = {.count = 0};
    void *px, *py;
    if (get_buf(&v, xo, 0, 0, &px, "x") < 0) { release_views(&v); return NULL; }
    Py_ssize_t n = v.views[0].len / 8;
    if (get_buf(&v, yo, 1, n * 8, &py, "out") < 0) { release_views(&v); return NULL; }
    if (which == 0) current->vexp(px, py, n);
    else if (which == 1) current->vlog(px, py, n);
    else if (which == 2) current->vlog1p(px, py, n);
    else current->vexpm1_neg(px, py, n);
    release_views(&v);
    Py_RETURN_NONE;
}
static PyObject *py_exp(PyObject *s, PyObject *a) { (void)s; return py_math(a, 0); }
static PyObject *py_log(PyObject *s, PyObject *a) { (void)s; return py_math(a, 1); }
static PyObject *py_log1p(PyObject *s, PyObject *a) { (void)s; return py_math(a, 2); }
static PyObject *py_expm1(PyObject *s, PyObject *a) { (void)s; return py_math(a, 3); }

static PyObject *py_power(PyObject *self, PyObject *args) {
    (void)self;
    PyObject *xo, *yo;
    double g;
    if (!PyArg_ParseTuple(args, "OOd", &xo, &yo, &g)) return NULL;
    if (!(g >= 0.0 && g <= 16.0)) {
        PyErr_SetString(PyExc_ValueError, "power: gamma must be in [0, 16]");
        return NULL;
    }
    k_views v = {.count = 0};
    void *px, *py;
    if (get_buf(&v, xo, 0, 0, &px, "x") < 0) { release_views(&v); return NULL; }
    Py_ssize_t n = v.views[0].len / 8;
    if (get_buf(&v, yo, 1, n * 8, &py, "out") < 0) { release_views(&v); return NULL; }
    memcpy(py, px, (size_t)n * 8);
    current->vpow(py, n, g);
    release_views(&v);
    Py_RETURN_NONE;
}

/* ---------------------------------------------------------------------- per-sample buffers
 * block(nbytes) returns a Block, a writable buffer that np.frombuffer makes the memory of a per-sample array.
 * When the last reference to a Block goes, its memory is kept in a small cache (K_CACHE_BLOCKS blocks,
 * K_CACHE_BYTES in all, the oldest freed first) instead of returning to the operating system, and the next
 * block of about its size takes it: a fresh block of tens of megabytes costs the system's zeroing of every
 * page on first touch (about 0.1 ms a megabyte, as much as the loss itself for the element-wise kernels), a
 * reused one nothing. Blocks of K_CACHE_MIN and more are aligned to 2 MiB and asked to be backed by huge
 * pages, as NumPy asks for its own large arrays. Everything here runs with the GIL held. */
#define K_CACHE_MIN (1 << 20)
#define K_CACHE_BLOCKS 4
#define K_CACHE_BYTES ((size_t)256 << 20)
#define K_HUGE ((size_t)2 << 20)

typedef struct {
    PyObject_HEAD
    void *mem;
    size_t len;   /* bytes exported */
    size_t cap;   /* bytes allocated */
} k_block;

static struct {
    void *mem[K_CACHE_BLOCKS];
    size_t cap[K_CACHE_BLOCKS];
    int count;
    size_t bytes;
} cache;

/* Entry i out of the cache (its memory is the caller's). */
static void cache_remove(int i) {
    cache.bytes -= cache.cap[i];
    for (int k = i + 1; k < cache.count; k++) {
        cache.mem[k - 1] = cache.mem[k];
        cache.cap[k - 1] = cache.cap[k];
    }
    cache.count--;
}

static void cache_drop(int i) {
    free(cache.mem[i]);
    cache_remove(i);
}

/* A cached block of at least len bytes and at most a quarter more (so that a small array does not hold a
 * large block), the smallest such; NULL when there is none. */
static void *cache_take(size_t len, size_t *cap) {
    int best = -1;
    for (int i = 0; i < cache.count; i++)
        if (cache.cap[i] >= len && cache.cap[i] - len <= len / 4 + K_HUGE && (best < 0 || cache.cap[i] < cache.cap[best]))
            best = i;
    if (best < 0) return NULL;
    void *mem = cache.mem[best];
    *cap = cache.cap[best];
    cache_remove(best);
    return mem;
}

static void cache_give(void *mem, size_t cap) {
    if (cap < K_CACHE_MIN || cap > K_CACHE_BYTES) {
        free(mem);
        return;
    }
    while (cache.count > 0 && (cache.count == K_CACHE_BLOCKS || cache.bytes + cap > K_CACHE_BYTES)) cache_drop(0);
    cache.mem[cache.count] = mem;
    cache.cap[cache.count] = cap;
    cache.count++;
    cache.bytes += cap;
}

static void block_dealloc(PyObject *o) {
    k_block *b = (k_block *)o;
    if (b->mem) cache_give(b->mem, b->cap);
    Py_TYPE(o)->tp_free(o);
}

static int block_getbuffer(PyObject *o, Py_buffer *view, int flags) {
    k_block *b = (k_block *)o;
    return PyBuffer_FillInfo(view, o, b->mem, (Py_ssize_t)b->len, 0, flags);
}

static PyBufferProcs BLOCK_BUFFER = {block_getbuffer, NULL};

static PyTypeObject BLOCK_TYPE = {
    PyVarObject_HEAD_INIT(NULL, 0)
    .tp_name = "losscli._native._kernels.Block",
    .tp_basicsize = sizeof(k_block),
    .tp_dealloc = block_dealloc,
    .tp_as_buffer = &BLOCK_BUFFER,
    .tp_flags = Py_TPFLAGS_DEFAULT,
    .tp_doc = "Memory for a per-sample array, returned to losscli's cache when the last reference goes.",
};

static PyObject *py_block(PyObject *self, PyObject *args) {
    (void)self;
    Py_ssize_t len;
    if (!PyArg_ParseTuple(args, "n", &len)) return NULL;
    if (len < 0) {
        PyErr_SetString(PyExc_ValueError, "block: a negative size");
        return NULL;
    }
    size_t cap = 0;
    void *mem = (size_t)len >= K_CACHE_MIN ? cache_take((size_t)len, &cap) : NULL;
    if (!mem) {
        size_t align = (size_t)len >= K_CACHE_MIN ? K_HUGE : 64;
        cap = len > 0 ? ((size_t)len + align - 1) / align * align : align;
        if (posix_memalign(&mem, align, cap) != 0) return PyErr_NoMemory();
#if defined(__linux__) && defined(MADV_HUGEPAGE)
        if (align == K_HUGE) madvise(mem, cap, MADV_HUGEPAGE);
#endif
    }
    k_block *b = PyObject_New(k_block, &BLOCK_TYPE);
    if (!b) {
        cache_give(mem, cap);
        return NULL;
    }
    b->mem = mem;
    b->len = (size_t)len;
    b->cap = cap;
    return (PyObject *)b;
}

/* cached() → (blocks, bytes) held by the cache; release() frees them. */
static PyObject *py_cached(PyObject *self, PyObject *noargs) {
    (void)self; (void)noargs;
    return Py_BuildValue("(in)", cache.count, (Py_ssize_t)cache.bytes);
}

static PyObject *py_release(PyObject *self, PyObject *noargs) {
    (void)self; (void)noargs;
    while (cache.count > 0) cache_drop(0);
    Py_RETURN_NONE;
}

static PyObject *py_levels(PyObject *self, PyObject *noargs) {
    (void)self; (void)noargs;
    PyObject *out = PyList_New(0);
    if (!out) return NULL;
    for (int i = 0; i < N_LEVELS; i++) {
        if (!level_supported(LEVELS[i].name)) continue;
        PyObject *s = PyUnicode_FromString(LEVELS[i].name);
        if (!s || PyList_Append(out, s) < 0) { Py_XDECREF(s); Py_DECREF(out); return NULL; }
        Py_DECREF(s);
    }
    return out;
}

static PyObject *py_level(PyObject *self, PyObject *noargs) {
    (void)self; (void)noargs;
    return PyUnicode_FromString(current->name);
}

static PyObject *py_set_level(PyObject *self, PyObject *args) {
    (void)self;
    const char *name;
    if (!PyArg_ParseTuple(args, "s", &name)) return NULL;
    for (int i = 0; i < N_LEVELS; i++) {
        if (!strcmp(LEVELS[i].name, name)) {
            if (!level_supported(name)) {
                PyErr_Format(PyExc_ValueError, "this CPU does not support the %s kernels", name);
                return NULL;
            }
            current = &LEVELS[i];
            Py_RETURN_NONE;
        }
    }
    PyErr_Format(PyExc_ValueError, "unknown kernel level %s", name);
    return NULL;
}

static PyMethodDef METHODS[] = {
    {"fused", py_fused, METH_VARARGS, "Validate, evaluate and reduce one chunk (see losscli._native)."},
    {"block_stats", py_block_stats, METH_VARARGS, "Accumulator statistics of one block."},
    {"fold", py_fold, METH_VARARGS, "Fold whole blocks' statistics into the accumulator's state."},
    {"exp", py_exp, METH_VARARGS, "exp(x) into out (float64 arrays)."},
    {"log", py_log, METH_VARARGS, "log(x) into out (float64 arrays)."},
    {"log1p", py_log1p, METH_VARARGS, "log1p(x) into out (float64 arrays)."},
    {"expm1", py_expm1, METH_VARARGS, "expm1(x) into out for x <= 0 (float64 arrays)."},
    {"power", py_power, METH_VARARGS, "x**gamma into out for 0 <= x <= 1, 0 <= gamma <= 16 (float64 arrays)."},
    {"block", py_block, METH_VARARGS, "A writable buffer of nbytes for a per-sample array (its memory is cached)."},
    {"cached", py_cached, METH_NOARGS, "(blocks, bytes) of freed per-sample memory the cache holds."},
    {"release", py_release, METH_NOARGS, "Free the per-sample memory the cache holds."},
    {"levels", py_levels, METH_NOARGS, "Instruction-set levels this CPU supports, best first."},
    {"level", py_level, METH_NOARGS, "The level in use."},
    {"set_level", py_set_level, METH_VARARGS, "Use another supported level."},
    {NULL, NULL, 0, NULL},
};

static struct PyModuleDef MODULE = {PyModuleDef_HEAD_INIT, "_kernels", NULL, -1, METHODS, NULL, NULL, NULL, NULL};

PyMODINIT_FUNC PyInit__kernels(void) {
    k_tables_init();
    current = best_level();
    pthread_atfork(NULL, NULL, pool_after_fork);
    if (PyType_Ready(&BLOCK_TYPE) < 0) return NULL;
    PyObject *m = PyModule_Create(&MODULE);
    if (m && PyModule_AddIntConstant(m, "ABI", 1) < 0) { Py_DECREF(m); return NULL; }
    return m;
}
