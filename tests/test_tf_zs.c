/* test_tf_zs.c - zero-shifting calibration before training in the transfer family (ttv2,
 * c_ttv2, agad: optimizer.zs_pulses; spec successors §7.1, [SP26] Alg. 4's two stages with
 * TT-v2 as the second), driven by xbar_aw_step_dense on the perturbed linear device of
 * symmetric point p⋄ = c tau (residual_util.h), one column of 4000 rows (400 for the other
 * kinds' estimate) so that every transfer reads every weight:
 *   estimate  after the first step at lr 0 (no pulse, no read), the reference Z (xbar_aw_array
 *             "zero-shifting reference Z") is A bit for bit, its mean within 2e-3 of p⋄, and the
 *             calibration pulses number zs_pulses x devices, counted apart (calib_pulses) and in
 *             the total;
 *   bias      f = (L/2)(w - w*)^2 with gradient noise N(0, sigma^2): TT-v2 without calibration
 *             keeps T6's bias b = c E|L b + eps|/L (its transfers hold A's mean at 0, off p⋄, so
 *             the mean gradient must cancel A's drift there); with zs_pulses it reads A - Z,
 *             holds A at p⋄ instead, and the mean error W - w* falls below 0.15 |b|;
 *   kinds     c_ttv2 and agad calibrate too (pulses counted, Z listed);
 *   refusal   zs_pulses > 0 with gamma != 0, negative zs_pulses, zs_cyclic 2: refused by
 *             xbar_aw_new with the key in the message;
 *   resume    a save / load after calibration continues bit for bit, and a checkpoint of a run
 *             without calibration keeps its size (the record is only written with zs_pulses). */
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "residual_util.h"
#include "util.h"
#include "xbar.h"

enum { ROWS = 4000 };

static xbar_opt_params tf(xbar_opt_kind kind, int zs)
{
    xbar_opt_params o = xbar_opt_defaults(kind);
    o.fast_lr = 0.05f, o.transfer_lr = 1.0f, o.transfer_every = 1;
    o.transfer_update.scheme = XBAR_SCHEME_EXPECTED;
    o.slow_device_own = 1, o.slow_device = xt_ald(10.0f, 0.0f); /* C: nearly symmetric */
    o.zs_pulses = zs, o.zs_cyclic = 0;
    return o;
}

static xbar_tile_config column(size_t rows, float c)
{
    xbar_tile_config tc = xt_expected_tile(1, xt_ald(1.0f, c), 7);
    tc.rows = rows;
    return tc;
}

static const float *array_named(const xbar_aw *a, const char *name)
{
    const char *what;
    size_t n;
    for (size_t k = 0; k < 8; k++) {
        const float *p = xbar_aw_array(a, k, &what, &n);
        if (!p) return NULL;
        if (!strcmp(what, name)) return p;
    }
    return NULL;
}

/* The calibration's estimate, its pulses, and that c_ttv2 / agad calibrate too. */
static void estimate(xbar_opt_kind kind, size_t rows)
{
    const float c = 0.2f;
    const int zs = 60000;
    xbar_opt_params o = tf(kind, zs);
    xbar_tile_config tc = column(rows, c);
    xbar_aw *a = xbar_aw_new(&o, &tc);
    CHECK(a != NULL, "estimate: %s refused: %s", xbar_opt_kind_name(kind), xbar_last_error());
    if (!a) return;
    float *G = calloc(rows, sizeof *G);
    CHECK(xbar_aw_step_dense(a, G, 0.0f) == XBAR_OK, "estimate: step: %s", xbar_last_error());
    const float *Z = array_named(a, "zero-shifting reference Z"), *A = array_named(a, "fast tile A");
    CHECK(Z && A, "estimate: %s lists no zero-shifting reference", xbar_opt_kind_name(kind));
    xbar_pulse_counts pc;
    xbar_aw_pulse_counts(a, &pc);
    const uint64_t want = (uint64_t)zs * rows;
    CHECK(pc.calib_pulses == want && xbar_aw_pulse_count(a) == want && pc.grad_pulses == 0,
          "estimate: %s: calibration pulses %llu, total %llu, gradient %llu; expected %llu, %llu, 0",
          xbar_opt_kind_name(kind), (unsigned long long)pc.calib_pulses, (unsigned long long)xbar_aw_pulse_count(a),
          (unsigned long long)pc.grad_pulses, (unsigned long long)want, (unsigned long long)want);
    if (Z && A) {
        const double m = xt_mean(Z, rows), p = c * 1.0;
        CHECK(!memcmp(Z, A, rows * sizeof *Z), "estimate: %s: Z is not A after calibration", xbar_opt_kind_name(kind));
        CHECK(fabs(m - p) <= 2e-3, "estimate: %s: mean Z = %.5f, symmetric point %.3f", xbar_opt_kind_name(kind), m, p);
        printf("estimate (%s): mean Z %.5f (symmetric point %.3f), %llu calibration pulses\n", xbar_opt_kind_name(kind),
               m, p, (unsigned long long)pc.calib_pulses);
    }
    free(G);
    xbar_aw_free(a);
}

/* Mean W - w* over weights and the last quarter of the steps. */
static double bias_run(int zs, float c)
{
    enum { K = 8000 };
    xbar_opt_params o = tf(XBAR_OPT_TTV2, zs);
    xbar_tile_config tc = column(ROWS, c);
    xbar_aw *a = xbar_aw_new(&o, &tc);
    CHECK(a != NULL, "bias: refused: %s", xbar_last_error());
    if (!a) return NAN;
    const double bias = xt_bias_run(a, ROWS, K, 5, 77000000);
    xbar_aw_free(a);
    return bias;
}

static void bias(void)
{
    const float c = 0.2f;
    const double b = xt_t6_bias(c, 1.0, 0.1);
    const double plain = bias_run(0, c), zs = bias_run(50000, c);
    CHECK(fabs(plain - b) <= 0.15 * fabs(b), "bias: ttv2 without calibration: W - w* = %.5f, T6 bias %.5f", plain, b);
    CHECK(fabs(zs) <= 0.15 * fabs(b), "bias: ttv2 after zero-shifting: W - w* = %.5f, should be below 0.15 |%.5f|", zs,
          b);
    printf("bias (c = %.1f): W - w*: ttv2 %+.5f (T6 bias %+.5f), zero-shifting then ttv2 %+.5f\n", c, plain, b, zs);
}

static void refusal(void)
{
    xbar_tile_config tc = column(4, 0.1f);
    struct {
        xbar_opt_kind kind;
        int zs, cyclic;
        float gamma;
        const char *key;
    } bad[] = {{XBAR_OPT_TTV2, 10, 1, 0.5f, "optimizer.gamma"},
               {XBAR_OPT_AGAD, 10, 1, 0.1f, "optimizer.gamma"},
               {XBAR_OPT_C_TTV2, -1, 1, 0.0f, "optimizer.zs_pulses"},
               {XBAR_OPT_TTV2, 10, 2, 0.0f, "optimizer.zs_cyclic"}};
    for (size_t k = 0; k < sizeof bad / sizeof *bad; k++) {
        xbar_opt_params o = tf(bad[k].kind, bad[k].zs);
        o.zs_cyclic = bad[k].cyclic, o.gamma = bad[k].gamma;
        xbar_aw *a = xbar_aw_new(&o, &tc);
        CHECK(a == NULL && strstr(xbar_last_error(), bad[k].key), "refusal %zu: accepted or no %s in \"%s\"", k,
              bad[k].key, a ? "" : xbar_last_error());
        xbar_aw_free(a);
    }
}

static long saved_size(xbar_aw *a)
{
    FILE *f = tmpfile();
    if (!f || xbar_aw_save(a, f) != XBAR_OK) return -1;
    const long n = ftell(f);
    fclose(f);
    return n;
}

/* A save / load after calibration continues bit for bit. */
static void resume(void)
{
    enum { N = 24, K = 150 };
    xbar_opt_params o = tf(XBAR_OPT_TTV2, 40);
    o.transfer_update.scheme = XBAR_SCHEME_STOCHASTIC;
    xbar_tile_config tc = column(3, 0.1f);
    tc.cols = N / 3, tc.update.scheme = XBAR_SCHEME_STOCHASTIC;
    xbar_aw *a = xbar_aw_new(&o, &tc), *b = xbar_aw_new(&o, &tc);
    xbar_opt_params o0 = o;
    o0.zs_pulses = 0;
    xbar_aw *c = xbar_aw_new(&o0, &tc);
    CHECK(a && b && c, "resume: %s", xbar_last_error());
    if (!a || !b || !c) return;
    const long without = saved_size(c);
    long bytes = 0;
    const int same = xt_resume_same(a, b, N, K, 5, &bytes);
    CHECK(same >= 0, "resume: save / load: %s", xbar_last_error());
    CHECK(same == 1, "resume: the loaded copy departs");
    CHECK(bytes == without + 8 + 16 + N * 4, /* the record: tag and version, two u64, Z */
          "resume: checkpoint of %ld bytes, %ld without calibration", bytes, without);
    xbar_pulse_counts pa;
    xbar_aw_pulse_counts(a, &pa);
    CHECK(pa.calib_pulses == 40ull * N && pa.writes > 0, "resume: %llu calibration pulses, %llu writes",
          (unsigned long long)pa.calib_pulses, (unsigned long long)pa.writes);
    xbar_aw_free(a), xbar_aw_free(b), xbar_aw_free(c);
}

int main(void)
{
    estimate(XBAR_OPT_TTV2, ROWS);
    estimate(XBAR_OPT_C_TTV2, ROWS / 10);
    estimate(XBAR_OPT_AGAD, ROWS / 10);
    bias();
    refusal();
    resume();
    return xt_done("test_tf_zs");
}
