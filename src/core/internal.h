/* internal.h - helpers shared by the library's .c files; not installed. */
#ifndef XBAR_INTERNAL_H
#define XBAR_INTERNAL_H

#include <string.h>

#include "xbar.h"

/** Record a printf-style message for xbar_last_error() and return s. */
xbar_status xbar_fail(xbar_status s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Same, returning NULL (for constructors). */
void *xbar_fail_null(xbar_status s, const char *fmt, ...) __attribute__((format(printf, 2, 3)));
/** Format into a thread-local buffer and return it (for *_check functions). */
const char *xbar_msg(const char *fmt, ...) __attribute__((format(printf, 1, 2)));

/* ---- argument checks of the public entry points (xbar.h, "Argument contract") ---- */

/* Return XBAR_EINVAL (XBAR_NONNULL), `ret` (XBAR_NONNULL_OR) or nothing (XBAR_NONNULL_VOID)
 * with the message "<function>: <argument> is NULL" when pointer p is NULL. */
#define XBAR_NONNULL(p)                                                                                          \
    do {                                                                                                         \
        if (!(p)) return xbar_fail(XBAR_EINVAL, "%s: %s is NULL", __func__, #p);                                 \
    } while (0)
#define XBAR_NONNULL_OR(ret, p)                                                                                  \
    do {                                                                                                         \
        if (!(p)) {                                                                                              \
            xbar_fail(XBAR_EINVAL, "%s: %s is NULL", __func__, #p);                                              \
            return ret;                                                                                          \
        }                                                                                                        \
    } while (0)
#define XBAR_NONNULL_VOID(p)                                                                                     \
    do {                                                                                                         \
        if (!(p)) {                                                                                              \
            xbar_fail(XBAR_EINVAL, "%s: %s is NULL", __func__, #p);                                              \
            return;                                                                                              \
        }                                                                                                        \
    } while (0)

/** Index of the first NaN or +-Inf of x[0..n), or n if every entry is finite. One pass:
 *  blocks of 64 are tested on their exponent bits (all ones: NaN or Inf), integer
 *  operations that vectorise without -ffast-math; only the block holding a non-finite
 *  value is scanned again to find it. */
static inline size_t xbar_first_nonfinite(const float *x, size_t n)
{
    size_t k = 0;
    for (; k + 64 <= n; k += 64) {
        uint32_t bad = 0;
        for (size_t i = 0; i < 64; i++) {
            uint32_t u;
            memcpy(&u, x + k + i, sizeof u);
            bad |= (uint32_t)((u & 0x7f800000u) == 0x7f800000u);
        }
        if (bad) break;
    }
    for (; k < n; k++) {
        uint32_t u;
        memcpy(&u, x + k, sizeof u);
        if ((u & 0x7f800000u) == 0x7f800000u) break;
    }
    return k;
}

/** XBAR_OK if the n floats of x are finite, else XBAR_EINVAL with "<fn>: <what>[k] = nan:
 *  must be finite" (k the first bad index). For caller data that the library stores or
 *  applies (weights, update inputs, increments); internal data is not checked. */
xbar_status xbar_check_finite(const char *fn, const char *what, const float *x, size_t n);

/** XBAR_OK if lr is finite and >= 0, else XBAR_EINVAL naming fn and lr. */
xbar_status xbar_check_lr(const char *fn, float lr);

/* ---- unchecked variants of public functions --------------------------------------
 * The same code without the argument checks of the public entry points: for the library's
 * own calls on data it computed (network gradients, transfers, the per-pulse loops), which
 * must neither pay for the checks in hot loops nor be refused when training diverges
 * (xbar_net_find_nonfinite reports that). Arguments must be valid: d initialised and
 * i < d->n, pointers non-NULL, sizes as in xbar.h. */
/* p valid (xbar_device_check), d non-NULL: the construction of xbar_devices_init. */
xbar_status xbar_devices_init_unchecked(xbar_devices *d, const xbar_device_params *p, size_t n, uint32_t object);
float xbar_device_pulse_unchecked(const xbar_devices *d, size_t i, float w, int up, float xi);
float xbar_device_pulses_unchecked(const xbar_devices *d, size_t i, float w, int up, unsigned n);
int xbar_device_pulses_composed_unchecked(const xbar_devices *d, size_t i, float w, int up, unsigned n, float xi,
                                          float *out);
void xbar_device_q_unchecked(const xbar_devices *d, size_t i, double w, double *q_up, double *q_dn);
float xbar_device_clip_unchecked(const xbar_devices *d, size_t i, float w);
void xbar_tile_set_weights_unchecked(xbar_tile *t, const float *W, size_t ldw);
/* Those of the four below that take lr expect it checked (>= 0 and finite) by the caller. */
xbar_status xbar_tile_update_unchecked(xbar_tile *t, const float *X, const float *D, size_t batch, float lr);
xbar_status xbar_tile_apply_delta_unchecked(xbar_tile *t, const float *dW);
/* One pulse into device (i, j) of column j for every row i with s[i] != 0: up where s[i] > 0,
 * down where s[i] < 0 (src/tile/pulse_col.c). The c2c normal of row i is lane i%4 of block i/4
 * of stream xbar_stream(XBAR_RNG_SINGLE, id, n_updates) (no draw without c2c noise); the call
 * is one update step (n_updates + 1) and its pulses are counted (xbar_tile_pulse_count). */
xbar_status xbar_tile_pulse_col_unchecked(xbar_tile *t, size_t j, const float *s);
/* The granularity update management uses for t's per-sample schemes (STOCHASTIC, IMPLICIT):
 * g > 0 replaces the device's (aihwkit's compound granularity, the mean of its devices'; set by the
 * transfer family on its fast tile A), 0 restores it. Not saved: configuration, set at creation. */
void xbar_tile_set_um_granularity(xbar_tile *t, float g);
xbar_status xbar_aw_update_unchecked(xbar_aw *a, const float *X, const float *D, size_t batch, float lr);
xbar_status xbar_aw_step_dense_unchecked(xbar_aw *a, const float *G, float lr);

/* Every parallel loop of the library: XBAR_PAR_FOR(cond, clauses, for (...) body) runs the
 * for statement as an OpenMP `parallel for` with `clauses` (e.g. schedule(static)
 * reduction(+ : n)) on the library's thread count (xbar_set_threads) when that is > 1 and
 * `cond` holds (enough work), else as plain serial code, without entering the OpenMP runtime:
 * a parallel region costs a futex system call even with one thread (libgomp's team barrier;
 * about 5 us on a VM, 66 of them per batch of the paper's CNN). The loop may not contain
 * preprocessor directives (it is a macro argument). */
#define XBAR_PRAGMA_(x) _Pragma(#x)
#ifdef XBAR_HAVE_OPENMP
#define XBAR_PAR_FOR(cond, clauses, ...)                                                                         \
    do {                                                                                                         \
        if (xbar_get_threads() > 1 && (cond)) {                                                                  \
            XBAR_PRAGMA_(omp parallel for clauses num_threads(xbar_get_threads()))                               \
            __VA_ARGS__                                                                                          \
        } else {                                                                                                 \
            __VA_ARGS__                                                                                          \
        }                                                                                                        \
    } while (0)
#else
#define XBAR_PAR_FOR(cond, clauses, ...)                                                                         \
    do {                                                                                                         \
        (void)sizeof(cond); /* not evaluated; its variables count as used */                                    \
        __VA_ARGS__                                                                                              \
    } while (0)
#endif

/** z[0] of xbar_rng_normal4 (same bits), for callers that need one normal. */
float xbar_rng_normal_first(uint64_t seed, uint64_t stream, uint64_t counter);

/** Four standard normals from one Philox block (seed, stream, counter) by the ziggurat
 *  method: the fast generator of the hot loops (pulse noise, read noise). N(0,1) up to
 *  float32 rounding; rare rejections continue on a secondary counter, so the result is
 *  still a pure function of (seed, stream, counter). Not the same bits as
 *  xbar_rng_normal4 (Box-Muller, kept for construction-time draws). */
void xbar_rng_znormal4(float z[4], uint64_t seed, uint64_t stream, uint64_t counter);
/** z[k] = lane k%4 of xbar_rng_znormal4(seed, stream, counter0 + k/4), k < n. */
void xbar_rng_znormal_fill(float *z, size_t n, uint64_t seed, uint64_t stream, uint64_t counter0);
/** z[k] = lane 0 of xbar_rng_znormal4(seed, stream, counter[k]), k < n: the first normal of
 *  blocks at counters of their own (xbar_rng_znormal_fill(z + k, 1, seed, stream, counter[k])),
 *  eight blocks per AVX2 call where the CPU has it. */
void xbar_rng_znormal_first(float *z, const uint64_t *counter, size_t n, uint64_t seed, uint64_t stream);

/** Row-major C = alpha op(A) op(B) + beta C (op: transpose when trans_* != 0; op(A) is
 *  M x K, op(B) K x N). The same bits for every thread count (blas.c). */
void xbar_sgemm(int trans_a, int trans_b, size_t M, size_t N, size_t K, float alpha, const float *A, size_t lda,
                const float *B, size_t ldb, float beta, float *C, size_t ldc);

/** max_j |x_j| of n floats (0 for n = 0; NaNs ignored). For |x| not NaN the bits, as a
 *  positive int32, order as the values, so this is an integer max (NaN, above inf, counts as
 *  0), which SSE2 vectorises (signed compares only) where a float max reduction would not
 *  (-fno-fast-math). The value is that of a float max over |x_j|. */
static inline float xbar_abs_max(const float *x, size_t n)
{
    int32_t m = 0;
    for (size_t j = 0; j < n; j++) {
        uint32_t u;
        memcpy(&u, &x[j], sizeof u);
        int32_t a = (int32_t)(u & 0x7fffffffu);
        a = a > 0x7f800000 ? 0 : a;
        m = a > m ? a : m;
    }
    float r;
    memcpy(&r, &m, sizeof r);
    return r;
}

/** Index of `name` in names[0..n), -1 if absent or NULL: the name -> enum lookups of the
 *  library's name tables. */
static inline int xbar_name_index(const char *const *names, int n, const char *name)
{
    for (int k = 0; name && k < n; k++)
        if (!strcmp(name, names[k])) return k;
    return -1;
}

/* ---- float math (xmath.c) ---- */

/** tanh of a float, without libm: within 1 ulp of the correctly rounded tanh (0.52 ulp
 *  measured over every float), odd (tanh(-x) = -tanh(x) bit for bit), monotone
 *  non-decreasing; tanh(+-0) = +-0, +-1 from |x| = 9.0109 on (as the correctly rounded tanh)
 *  and for +-inf, NaN for NaN. The same bits on every x86-64 machine (no FMA, no libm). */
float xbar_tanhf(float x);
/** y[i] = xbar_tanhf(x[i]) for i < n, bit for bit, vectorised (SSE2; AVX2 where the CPU has
 *  it: ~1.5 ns an element, ~9x faster than a glibc tanhf loop). In place (y == x) is
 *  allowed; other overlap is not. */
void xbar_tanh_fill(float *y, const float *x, size_t n);

static inline float xbar_clampf(float w, float lo, float hi) { return w < lo ? lo : (w > hi ? hi : w); }

#endif
