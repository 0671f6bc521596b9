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

/* OpenMP clause of every parallel loop: the library's thread count
 * (xbar_set_threads), and serial unless it is > 1 and `cond` holds (enough work). */
#define XBAR_PAR(cond) num_threads(xbar_get_threads()) if (xbar_get_threads() > 1 && (cond))

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

static inline float xbar_clampf(float w, float lo, float hi) { return w < lo ? lo : (w > hi ? hi : w); }

#endif
