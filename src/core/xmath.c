/* xmath.c - a fast, deterministic float tanh (xbar_tanhf, xbar_tanh_fill; internal.h).
 *
 * The float input is widened to double, every step is done in double, and the result is
 * rounded to float once. The double value is within 2^-29 (relative) of tanh, its rounding
 * errors are ~2^-50, and it increases with x (the jumps of the approximation error where
 * the exp reduction's k changes are far below tanh's rise over one input ulp), so its
 * rounding is monotone and is the correctly rounded tanh except within ~2^-5 ulp of a
 * midpoint between two floats (there it is 1 ulp off; 0.5175 ulp of error at most, over
 * every float). Float arithmetic throughout would add several roundings of half an ulp of
 * the result; for x > 0.25 tanh rises by less than one output ulp per input ulp, and such
 * noise broke monotonicity at ~1 input in 1000 (tried).
 *
 * Method, for a = |x| (the sign is put back at the end, so tanh(-x) = -tanh(x) exactly):
 *   a < TH_SMALL (0.55): tanh(a) = a + a (s P(s)), s = a^2, P of degree 4 (minimax for the
 *     relative error of tanh on [0, 0.55]: 2^-29.8).
 *   otherwise tanh(a) = 1 - 2 / (e + 1), e = exp(2a):
 *     2a = k ln2 + r, k the nearest integer to 2a / ln2 (the 1.5 * 2^52 shift), |r| <= 0.3467;
 *     exp(r) by a polynomial of degree 6 (minimax for the relative error: 2^-29.0), times 2^k
 *     built in the exponent bits.
 *   a is first clamped to TH_SAT (9.5): above 9.0109 tanh rounds to 1, and so does the
 *     formula; NaN, compared false, is clamped too, and its lane returns x + x at the end.
 *     tanh(+-inf) = +-1, tanh(-0) = -0; a subnormal x gives x.
 * The coefficients were fitted for this file by a Remez exchange in 50-digit arithmetic.
 * tests/test_xmath.c checks accuracy, symmetry and monotonicity on a dense sweep.
 *
 * Every path is computed for every element and selected, so the fill loop has no branch and
 * vectorises (SSE2; target_clones adds AVX2). The file is built with -ffp-contract=off
 * (CMakeLists.txt) and no clone enables FMA, so the scalar function and both clones of the
 * fill give the same bits on every x86-64 machine. No libm call. */
#include <stddef.h>
#include <stdint.h>
#include <string.h>

#include "internal.h"

#if defined(__GNUC__) && !defined(__clang__) && defined(__x86_64__) && defined(__linux__)
#define XBAR_CLONES __attribute__((target_clones("avx2", "default")))
#else
#define XBAR_CLONES
#endif
#if defined(__GNUC__) && !defined(__clang__)
#define XBAR_IVDEP _Pragma("GCC ivdep")
#else
#define XBAR_IVDEP
#endif

/* branch points */
#define TH_SMALL 0.55
#define TH_SAT 9.5
/* tanh(a) = a + a (s (T1 + s (T2 + s (T3 + s (T4 + s T5))))), s = a^2, a < TH_SMALL */
#define T1 -0x1.55554abf7079fp-2
#define T2 0x1.110d2632f3fc9p-3
#define T3 -0x1.b9287ac060accp-5
#define T4 0x1.593d07425df8ap-6
#define T5 -0x1.9b30468526379p-8
/* exp(r) = E0 + r (E1 + r (E2 + r (E3 + r (E4 + r (E5 + r E6))))), |r| <= 0.3467 */
#define E0 0x1.0000000263151p+0
#define E1 0x1.0000009c5838cp+0
#define E2 0x1.fffffaac5b568p-2
#define E3 0x1.55540a030c379p-3
#define E4 0x1.55589b7a53793p-5
#define E5 0x1.126d4ca2904f4p-7
#define E6 0x1.6ab9400e3470fp-10
#define INV_LN2 0x1.71547652b82fep+0
#define LN2 0x1.62e42fefa39efp-1
/* 1.5 * 2^52: v + SHIFT rounds v (|v| < 2^51) to an integer held in the low mantissa bits */
#define SHIFT 0x1.8p+52

static inline uint64_t bits_of(double f)
{
    uint64_t u;
    memcpy(&u, &f, sizeof u);
    return u;
}

static inline double double_of(uint64_t u)
{
    double f;
    memcpy(&f, &u, sizeof f);
    return f;
}

/* The one definition of the function, inlined into the scalar entry and into each clone of
 * the fill loop: straight-line double and integer arithmetic with selects. */
__attribute__((always_inline)) static inline float tanh_body(float xf)
{
    const double x = (double)xf; /* exact */
    const uint64_t ux = bits_of(x), sign = ux & 0x8000000000000000u;
    const double a = double_of(ux & 0x7fffffffffffffffu);

    /* small: odd polynomial */
    const double s = a * a;
    const double small = a + a * (s * (T1 + s * (T2 + s * (T3 + s * (T4 + s * T5)))));

    /* large: 1 - 2 / (exp(2 ac) + 1) */
    const double ac = a < TH_SAT ? a : TH_SAT; /* NaN -> TH_SAT */
    const double y = ac + ac;
    const double t = y * INV_LN2 + SHIFT;
    const double kf = t - SHIFT;                    /* integer in [0, 27] */
    const uint64_t k = bits_of(t) - bits_of(SHIFT); /* the same integer */
    const double r = y - kf * LN2;
    const double p = E0 + r * (E1 + r * (E2 + r * (E3 + r * (E4 + r * (E5 + r * E6)))));
    const double e = p * double_of((k + 1023u) << 52); /* times 2^k, exact */
    const double large = 1.0 - 2.0 / (e + 1.0);

    const double m = a < TH_SMALL ? small : large; /* >= 0, never NaN */
    const double res = x != x ? x + x : double_of(bits_of(m) | sign);
    return (float)res;
}

float xbar_tanhf(float x) { return tanh_body(x); }

/* Blocks of 16, then the tail one by one (the same function, so the same bits). The block
 * loop has a constant trip count, which gcc's -O2 cost model (very-cheap) vectorises; the
 * plain loop over n it vectorises only at -O3. ivdep: element i reads x[i] before it writes
 * y[i], so y == x is fine (partial overlap is not); the pragma spares the vectoriser a
 * run-time overlap check. Static: gcc exports the dispatcher of a non-static
 * target_clones function whatever its visibility (tests/exports.sh). */
XBAR_CLONES static void tanh_fill(float *y, const float *x, size_t n)
{
    size_t i = 0;
    for (; i + 16 <= n; i += 16) {
        XBAR_IVDEP
        for (size_t j = 0; j < 16; j++) y[i + j] = tanh_body(x[i + j]);
    }
    for (; i < n; i++) y[i] = tanh_body(x[i]);
}

void xbar_tanh_fill(float *y, const float *x, size_t n) { tanh_fill(y, x, n); }
