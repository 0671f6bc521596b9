/* test_contract.c - the argument contract of include/xbar.h ("Argument contract"), function by
 * function in header order: every NULL pointer argument, sizes and indices out of range, NaN / Inf
 * weights, increments and learning rates are refused (XBAR_EINVAL, NULL, 0 or NaN, with a message
 * naming the argument) without a crash and without changing the object; NULL frees are no-ops.
 * Values a network computes itself (its gradients) are not refused: a diverging network still
 * steps and xbar_net_find_nonfinite reports it. */
#include <math.h>
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xbar.h"

/* Before each call: a last error that no check below looks for ("cannot read : No such
 * file or directory", from a refused public call), so each check sees its own call's. */
static void clear_error(void)
{
    xbar_idx_set s;
    xbar_idx_load(&s, "", "", 1);
}

static int has(const char *needle) { return xbar_last_error()[0] && strstr(xbar_last_error(), needle); }

/* call returns XBAR_EINVAL and the message holds needle */
#define EINVAL(call, needle)                                                                                     \
    do {                                                                                                         \
        clear_error();                                                                                           \
        xbar_status s_ = (call);                                                                                 \
        CHECK(s_ == XBAR_EINVAL && has(needle), "%s: status %d, message '%s' (want '%s')", #call, (int)s_,      \
              xbar_last_error(), needle);                                                                        \
    } while (0)
/* call returns NULL and the message holds needle */
#define ENULL(call, needle)                                                                                      \
    do {                                                                                                         \
        clear_error();                                                                                           \
        const void *p_ = (call);                                                                                 \
        CHECK(!p_ && has(needle), "%s: %p, message '%s' (want '%s')", #call, p_, xbar_last_error(), needle);    \
    } while (0)
/* void call: the message holds needle */
#define EVOID(call, needle)                                                                                      \
    do {                                                                                                         \
        clear_error();                                                                                           \
        call;                                                                                                    \
        CHECK(has(needle), "%s: message '%s' (want '%s')", #call, xbar_last_error(), needle);                   \
    } while (0)
/* call returns value (compared with ==) and the message holds needle */
#define EVALUE(call, value, needle)                                                                              \
    do {                                                                                                         \
        clear_error();                                                                                           \
        CHECK((call) == (value) && has(needle), "%s: message '%s' (want '%s')", #call, xbar_last_error(),       \
              needle);                                                                                           \
    } while (0)
/* call returns NaN and the message holds needle */
#define ENAN(call, needle)                                                                                       \
    do {                                                                                                         \
        clear_error();                                                                                           \
        double v_ = (double)(call);                                                                              \
        CHECK(isnan(v_) && has(needle), "%s: %g, message '%s' (want '%s')", #call, v_, xbar_last_error(), needle); \
    } while (0)
/* a checker returns a message holding needle */
#define EMSG(call, needle)                                                                                       \
    do {                                                                                                         \
        const char *m_ = (call);                                                                                 \
        CHECK(m_ && strstr(m_, needle), "%s: '%s' (want '%s')", #call, m_ ? m_ : "(null)", needle);              \
    } while (0)

enum { R = 3, C = 4, B = 2 };

static xbar_tile_config tile_cfg(xbar_scheme scheme)
{
    xbar_tile_config c = xbar_tile_config_defaults(R, C);
    c.device = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
    c.update.scheme = scheme;
    c.seed = 7;
    return c;
}

static void fill(float *v, size_t n, uint32_t stream, float amp)
{
    xbar_rng_normal_fill(v, n, 11, stream, 0);
    for (size_t k = 0; k < n; k++) v[k] *= amp;
}

/* ---- errors, rng -------------------------------------------------------------------------------- */

static void test_basics(void)
{
    CHECK(xbar_version() == XBAR_VERSION_MAJOR * 10000 + XBAR_VERSION_MINOR * 100 + XBAR_VERSION_PATCH, "version");
    CHECK(xbar_last_error() != NULL, "last_error NULL");
    CHECK(!strcmp(xbar_strerror((xbar_status)99), "unknown error"), "strerror(99)");
    uint32_t out[4] = {0}, ctr[4] = {1, 2, 3, 4}, key[2] = {5, 6};
    EVOID(xbar_philox4x32_10(NULL, ctr, key), "out is NULL");
    EVOID(xbar_philox4x32_10(out, NULL, key), "ctr is NULL");
    EVOID(xbar_philox4x32_10(out, ctr, NULL), "key is NULL");
    EVOID(xbar_rng_uniform4(NULL, 1, 2, 3), "u is NULL");
    EVOID(xbar_rng_normal4(NULL, 1, 2, 3), "z is NULL");
    EVOID(xbar_rng_normal2d(NULL, 1, 2, 3), "z is NULL");
    EVOID(xbar_rng_uniform_fill(NULL, 5, 1, 2, 3), "u is NULL");
    EVOID(xbar_rng_normal_fill(NULL, 5, 1, 2, 3), "z is NULL");
    EVOID(xbar_rng_normal_fill(NULL, 0, 1, 2, 3), "z is NULL");
    CHECK(xbar_stream(1, 2, 3) == ((1ull << 56) | (2ull << 32) | 3u), "stream");
    CHECK(xbar_get_threads() >= 1, "threads");
    xbar_idx_free(NULL);
}

/* ---- devices -------------------------------------------------------------------------------------- */

static void test_devices(void)
{
    CHECK(xbar_device_check(NULL) != NULL, "device_check(NULL)");
    CHECK(xbar_device_check(&(xbar_device_params){0}) != NULL, "device_check(zeros) accepted");
    xbar_device_params bad = xbar_device_defaults(XBAR_DEV_COUNT_);
    EMSG(xbar_device_check(&bad), "model");
    bad = xbar_device_ideal((xbar_device_model)-1);
    EMSG(xbar_device_check(&bad), "model");
    CHECK(!strcmp(xbar_device_model_name(XBAR_DEV_COUNT_), "unknown"), "model_name(out of range)");
    CHECK(xbar_device_model_from_name(NULL) == -1 && xbar_device_model_from_name("nope") == -1, "model_from_name");

    xbar_device_params p = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
    xbar_devices d;
    EINVAL(xbar_devices_init(NULL, &p, 4, 0), "d is NULL");
    EINVAL(xbar_devices_init(&d, NULL, 4, 0), "p is NULL");
    EINVAL(xbar_devices_init(&d, &p, 0, 0), "n = 0");
    xbar_devices_free(NULL);
    xbar_devices zero;
    memset(&zero, 0, sizeof zero);
    xbar_devices_free(&zero);
    CHECK(xbar_devices_init(&d, &p, 4, 0) == XBAR_OK, "devices_init");

    float out = 0.5f;
    double q = 0, g = 0;
    ENAN(xbar_device_pulse(NULL, 0, 0.1f, 1, 0.0f), "d is NULL");
    ENAN(xbar_device_pulse(&d, 4, 0.1f, 1, 0.0f), "device 4 >= 4");
    ENAN(xbar_device_pulse(&zero, 0, 0.1f, 1, 0.0f), "not initialised");
    ENAN(xbar_device_pulses(NULL, 0, 0.1f, 1, 3), "d is NULL");
    ENAN(xbar_device_pulses(&d, 9, 0.1f, 1, 3), "device 9 >= 4");
    EVALUE(xbar_device_pulses_composed(NULL, 0, 0.1f, 1, 3, 0.0f, &out), 0, "d is NULL");
    EVALUE(xbar_device_pulses_composed(&d, 4, 0.1f, 1, 3, 0.0f, &out), 0, "device 4 >= 4");
    EVALUE(xbar_device_pulses_composed(&d, 0, 0.1f, 1, 3, 0.0f, NULL), 0, "out is NULL");
    CHECK(out == 0.5f, "pulses_composed wrote *out on error");
    EINVAL(xbar_device_q(NULL, 0, 0.0, &q, &g), "d is NULL");
    EINVAL(xbar_device_q(&d, 4, 0.0, &q, &g), "device 4 >= 4");
    EINVAL(xbar_device_FG(NULL, 0, 0.0, &q, &g), "d is NULL");
    EINVAL(xbar_device_FG(&d, 4, 0.0, &q, &g), "device 4 >= 4");
    CHECK(xbar_device_q(&d, 0, 0.0, NULL, &g) == XBAR_OK && g > 0, "device_q with q_up NULL");
    CHECK(xbar_device_FG(&d, 0, 0.0, &q, NULL) == XBAR_OK && q > 0, "device_FG with G NULL");
    ENAN(xbar_device_symmetric_point(NULL, 0), "d is NULL");
    ENAN(xbar_device_symmetric_point(&d, 4), "device 4 >= 4");
    ENAN(xbar_device_clip(NULL, 0, 0.1f), "d is NULL");
    ENAN(xbar_device_clip(&d, 4, 0.1f), "device 4 >= 4");
    CHECK(xbar_device_clip(&d, 3, 0.1f) == 0.1f && isfinite(xbar_device_pulse(&d, 3, 0.1f, 1, 0.0f)),
          "valid device calls");
    xbar_devices_free(&d);
}

/* ---- tiles ---------------------------------------------------------------------------------------- */

/* Weights and counters of t equal to a snapshot. */
typedef struct {
    float w[R * C];
    uint64_t updates, pulses;
} tile_snap;

static tile_snap snap(const xbar_tile *t)
{
    tile_snap s;
    xbar_tile_get_weights(t, s.w, C);
    s.updates = xbar_tile_update_count(t);
    s.pulses = xbar_tile_pulse_count(t);
    return s;
}

static int same(const xbar_tile *t, const tile_snap *a)
{
    tile_snap b = snap(t);
    return !memcmp(a->w, b.w, sizeof a->w) && a->updates == b.updates && a->pulses == b.pulses;
}

static void test_tile_refusals(xbar_scheme scheme)
{
    xbar_tile_config c = tile_cfg(scheme);
    xbar_tile *t = xbar_tile_new(&c);
    CHECK(t != NULL, "tile_new: %s", xbar_last_error());
    if (!t) return;
    float W[R * C], X[B * C], D[B * R], Y[B * R], Z[B * C], dW[R * C], y[R];
    fill(W, R * C, 1, 0.2f);
    fill(X, B * C, 2, 1.0f);
    fill(D, B * R, 3, 0.5f);
    fill(dW, R * C, 4, 0.01f);
    CHECK(xbar_tile_set_weights(t, W, C) == XBAR_OK, "set_weights");
    CHECK(xbar_tile_update(t, X, D, B, 0.1f) == XBAR_OK, "update: %s", xbar_last_error());
    const tile_snap s0 = snap(t);

    EINVAL(xbar_tile_set_weights(NULL, W, C), "t is NULL");
    EINVAL(xbar_tile_set_weights(t, NULL, C), "W is NULL");
    EINVAL(xbar_tile_set_weights(t, W, C - 1), "ldw = 3");
    EINVAL(xbar_tile_get_weights(NULL, Y, C), "t is NULL");
    EINVAL(xbar_tile_get_weights(t, NULL, C), "W is NULL");
    EINVAL(xbar_tile_get_weights(t, Y, C - 1), "ldw = 3");
    float Wbad[R * C];
    memcpy(Wbad, W, sizeof W);
    Wbad[R * C - 1] = NAN;
    EINVAL(xbar_tile_set_weights(t, Wbad, C), "W row 2 column 3 = nan");
    Wbad[R * C - 1] = W[R * C - 1];
    Wbad[5] = -INFINITY;
    EINVAL(xbar_tile_set_weights(t, Wbad, C), "W row 1 column 1 = -inf");
    CHECK(same(t, &s0), "refused set_weights changed the tile");

    EINVAL(xbar_tile_forward(NULL, Y, X, B), "t is NULL");
    EINVAL(xbar_tile_forward(t, NULL, X, B), "Y is NULL");
    EINVAL(xbar_tile_forward(t, Y, NULL, B), "X is NULL");
    EINVAL(xbar_tile_forward(t, Y, X, SIZE_MAX), "too large");
    EINVAL(xbar_tile_backward(NULL, Z, D, B), "t is NULL");
    EINVAL(xbar_tile_backward(t, NULL, D, B), "Z is NULL");
    EINVAL(xbar_tile_backward(t, Z, NULL, B), "D is NULL");
    EINVAL(xbar_tile_backward(t, Z, D, SIZE_MAX / 2), "too large");

    EINVAL(xbar_tile_update(NULL, X, D, B, 0.1f), "t is NULL");
    EINVAL(xbar_tile_update(t, NULL, D, B, 0.1f), "X is NULL");
    EINVAL(xbar_tile_update(t, X, NULL, B, 0.1f), "D is NULL");
    EINVAL(xbar_tile_update(t, X, D, B, NAN), "learning rate");
    EINVAL(xbar_tile_update(t, X, D, B, INFINITY), "learning rate");
    EINVAL(xbar_tile_update(t, X, D, B, -0.1f), "learning rate");
    EINVAL(xbar_tile_update(t, X, D, SIZE_MAX, 0.1f), "too large");
    float Xbad[B * C], Dbad[B * R];
    memcpy(Xbad, X, sizeof X);
    memcpy(Dbad, D, sizeof D);
    Xbad[B * C - 1] = NAN;
    Dbad[0] = INFINITY;
    EINVAL(xbar_tile_update(t, Xbad, D, B, 0.1f), "X[7] = nan");
    EINVAL(xbar_tile_update(t, X, Dbad, B, 0.1f), "D[0] = inf");
    EINVAL(xbar_tile_update(t, Xbad, D, B, 0.0f), "X[7] = nan"); /* refused even when it would not move */
    EINVAL(xbar_tile_apply_delta(NULL, dW), "t is NULL");
    EINVAL(xbar_tile_apply_delta(t, NULL), "dW is NULL");
    float dWbad[R * C];
    memcpy(dWbad, dW, sizeof dW);
    dWbad[6] = NAN;
    EINVAL(xbar_tile_apply_delta(t, dWbad), "dW[6] = nan");
    dWbad[6] = -INFINITY;
    EINVAL(xbar_tile_apply_delta(t, dWbad), "dW[6] = -inf");
    CHECK(same(t, &s0), "refused update / apply_delta changed the tile");

    EINVAL(xbar_tile_read_col(NULL, y, 0, 0.0f), "t is NULL");
    EINVAL(xbar_tile_read_col(t, NULL, 0, 0.0f), "y is NULL");
    EINVAL(xbar_tile_read_col(t, y, C, 0.0f), "column 4 >= 4");
    EINVAL(xbar_tile_read_col(t, y, 0, NAN), "read_noise");
    EINVAL(xbar_tile_read_col(t, y, 0, -1.0f), "read_noise");
    EINVAL(xbar_tile_read_col(t, y, 0, INFINITY), "read_noise");
    xbar_io_params io = xbar_io_plain();
    EINVAL(xbar_tile_read_col_io(NULL, y, 0, &io), "t is NULL");
    EINVAL(xbar_tile_read_col_io(t, NULL, 0, &io), "y is NULL");
    EINVAL(xbar_tile_read_col_io(t, y, 0, NULL), "io is NULL");
    EINVAL(xbar_tile_read_col_io(t, y, C, &io), "column 4 >= 4");

    EINVAL(xbar_tile_save(NULL, stdout), "t is NULL");
    EINVAL(xbar_tile_save(t, NULL), "f is NULL");
    EINVAL(xbar_tile_load(NULL, stdin), "t is NULL");
    EINVAL(xbar_tile_load(t, NULL), "f is NULL");
    CHECK(same(t, &s0), "refused calls changed the tile");

    /* the checked entry points still work on good data */
    CHECK(xbar_tile_apply_delta(t, dW) == XBAR_OK && xbar_tile_read_col(t, y, 1, 0.0f) == XBAR_OK &&
              xbar_tile_forward(t, Y, X, B) == XBAR_OK && xbar_tile_backward(t, Z, D, B) == XBAR_OK &&
              xbar_tile_forward(t, Y, X, 0) == XBAR_OK,
          "valid tile calls: %s", xbar_last_error());
    xbar_tile_free(t);
}

static void test_tiles(void)
{
    xbar_io_params io = xbar_io_defaults();
    EMSG(xbar_io_check(NULL, "forward"), "NULL");
    EMSG(xbar_io_check(NULL, NULL), "NULL");
    CHECK(xbar_io_check(&io, NULL) == NULL, "io_check(defaults, NULL prefix)");
    io = xbar_io_plain();
    CHECK(xbar_io_check(&io, "x") == NULL, "io_check(plain)");
    EMSG(xbar_tile_config_check(NULL), "NULL");
    xbar_tile_config c0 = xbar_tile_config_defaults(0, 3);
    EMSG(xbar_tile_config_check(&c0), "must be positive");
    ENULL(xbar_tile_new(NULL), "NULL");
    ENULL(xbar_tile_new(&c0), "must be positive");
    xbar_tile_free(NULL);
    ENULL(xbar_tile_get_config(NULL), "t is NULL");
    ENULL(xbar_tile_devices(NULL), "t is NULL");
    ENULL(xbar_tile_weights(NULL), "t is NULL");
    CHECK(xbar_tile_pulse_count(NULL) == 0 && xbar_tile_update_count(NULL) == 0, "counts of a NULL tile");

    xbar_update_params u = xbar_update_defaults();
    xbar_um um;
    clear_error();
    um = xbar_update_management(NULL, 0.1, 1.0, 1.0, 0.001);
    CHECK(um.bl == 0 && has("u is NULL"), "update_management(NULL): bl %d, '%s'", um.bl, xbar_last_error());
    clear_error();
    um = xbar_update_management(&u, 0.1, 1.0, 1.0, 0.0);
    CHECK(um.bl == 0 && has("granularity"), "update_management(g = 0): bl %d, '%s'", um.bl, xbar_last_error());
    clear_error();
    um = xbar_update_management(&u, 0.1, INFINITY, 1.0, 0.001);
    CHECK(um.bl == 0 && has("finite"), "update_management(xmax = inf): bl %d, '%s'", um.bl, xbar_last_error());
    u.desired_bl = 0;
    clear_error();
    um = xbar_update_management(&u, 0.1, 1.0, 1.0, 0.001);
    CHECK(um.bl == 0 && has("desired_bl"), "update_management(bl 0): bl %d, '%s'", um.bl, xbar_last_error());
    u = xbar_update_defaults();
    CHECK(xbar_update_management(&u, 0.1, 1.0, 1.0, 0.001).bl > 0, "update_management(valid)");
    CHECK(xbar_update_management(&u, 0.0, 1.0, 1.0, 0.001).bl == 0, "update_management(lr 0): skip");

    test_tile_refusals(XBAR_SCHEME_STOCHASTIC);
    test_tile_refusals(XBAR_SCHEME_EXPECTED);
    test_tile_refusals(XBAR_SCHEME_COUNT);
}

/* ---- optimizers ----------------------------------------------------------------------------------- */

static void test_aw(xbar_opt_kind kind)
{
    xbar_opt_params o = xbar_opt_defaults(kind);
    xbar_tile_config c = tile_cfg(XBAR_SCHEME_STOCHASTIC);
    xbar_aw *a = xbar_aw_new(&o, &c);
    CHECK(a != NULL, "aw_new(%s): %s", xbar_opt_kind_name(kind), xbar_last_error());
    if (!a) return;
    float W[R * C], W0[R * C], W1[R * C], X[B * C], D[B * R], G[R * C], Y[B * R], Z[B * C];
    fill(W, R * C, 5, 0.2f);
    fill(X, B * C, 6, 1.0f);
    fill(D, B * R, 7, 0.5f);
    fill(G, R * C, 8, 0.1f);
    CHECK(xbar_aw_set_weights(a, W) == XBAR_OK && xbar_aw_update(a, X, D, B, 0.1f) == XBAR_OK, "aw set / update");
    xbar_aw_get_weights(a, W0);
    const uint64_t p0 = xbar_aw_pulse_count(a);
    const xbar_tile *fast = xbar_aw_fast_tile(a);
    const uint64_t u0 = xbar_tile_update_count(fast);

    EINVAL(xbar_aw_get_weights(NULL, W1), "a is NULL");
    EINVAL(xbar_aw_get_weights(a, NULL), "W is NULL");
    EINVAL(xbar_aw_set_weights(NULL, W), "a is NULL");
    EINVAL(xbar_aw_set_weights(a, NULL), "W is NULL");
    float Wbad[R * C];
    memcpy(Wbad, W, sizeof W);
    Wbad[2] = NAN;
    EINVAL(xbar_aw_set_weights(a, Wbad), "W[2] = nan");
    Wbad[2] = INFINITY;
    EINVAL(xbar_aw_set_weights(a, Wbad), "W[2] = inf");
    EINVAL(xbar_aw_forward(NULL, Y, X, B), "a is NULL");
    EINVAL(xbar_aw_forward(a, NULL, X, B), "Y is NULL");
    EINVAL(xbar_aw_forward(a, Y, NULL, B), "X is NULL");
    EINVAL(xbar_aw_forward(a, Y, X, SIZE_MAX), "too large");
    EINVAL(xbar_aw_backward(NULL, Z, D, B), "a is NULL");
    EINVAL(xbar_aw_backward(a, NULL, D, B), "Z is NULL");
    EINVAL(xbar_aw_backward(a, Z, NULL, B), "D is NULL");
    EINVAL(xbar_aw_update(NULL, X, D, B, 0.1f), "a is NULL");
    EINVAL(xbar_aw_update(a, NULL, D, B, 0.1f), "X is NULL");
    EINVAL(xbar_aw_update(a, X, NULL, B, 0.1f), "D is NULL");
    EINVAL(xbar_aw_update(a, X, D, B, NAN), "learning rate");
    EINVAL(xbar_aw_update(a, X, D, B, -INFINITY), "learning rate");
    float Xbad[B * C], Dbad[B * R], Gbad[R * C];
    memcpy(Xbad, X, sizeof X);
    memcpy(Dbad, D, sizeof D);
    memcpy(Gbad, G, sizeof G);
    Xbad[3] = -INFINITY;
    Dbad[4] = NAN;
    Gbad[R * C - 1] = NAN;
    EINVAL(xbar_aw_update(a, Xbad, D, B, 0.1f), "X[3] = -inf");
    EINVAL(xbar_aw_update(a, X, Dbad, B, 0.1f), "D[4] = nan");
    EINVAL(xbar_aw_step_dense(NULL, G, 0.1f), "a is NULL");
    EINVAL(xbar_aw_step_dense(a, NULL, 0.1f), "G is NULL");
    EINVAL(xbar_aw_step_dense(a, G, INFINITY), "learning rate");
    EINVAL(xbar_aw_step_dense(a, Gbad, 0.1f), "G[11] = nan");
    EINVAL(xbar_aw_save(NULL, stdout), "a is NULL");
    EINVAL(xbar_aw_save(a, NULL), "f is NULL");
    EINVAL(xbar_aw_load(NULL, stdin), "a is NULL");
    EINVAL(xbar_aw_load(a, NULL), "f is NULL");
    xbar_aw_get_weights(a, W1);
    CHECK(!memcmp(W0, W1, sizeof W0) && xbar_aw_pulse_count(a) == p0 && xbar_tile_update_count(fast) == u0,
          "%s: refused calls changed the weights or counters", xbar_opt_kind_name(kind));
    CHECK(xbar_aw_step_dense(a, G, 0.1f) == XBAR_OK && xbar_aw_forward(a, Y, X, B) == XBAR_OK &&
              xbar_aw_backward(a, Z, D, B) == XBAR_OK,
          "valid aw calls: %s", xbar_last_error());
    xbar_aw_free(a);
}

static void test_optimizers(void)
{
    EMSG(xbar_opt_check(NULL), "NULL");
    CHECK(!strcmp(xbar_opt_kind_name(XBAR_OPT_COUNT_), "?") && xbar_opt_kind_from_name(NULL) == -1,
          "opt kind names");
    xbar_opt_params o = xbar_opt_defaults(XBAR_OPT_ANALOG_SGD);
    xbar_tile_config c = tile_cfg(XBAR_SCHEME_STOCHASTIC);
    ENULL(xbar_aw_new(NULL, &c), "NULL");
    ENULL(xbar_aw_new(&o, NULL), "tile is NULL");
    xbar_aw_free(NULL);
    ENULL(xbar_aw_fast_tile(NULL), "a is NULL");
    ENULL(xbar_aw_slow_tile(NULL), "a is NULL");
    CHECK(xbar_aw_pulse_count(NULL) == 0, "aw_pulse_count(NULL)");
    test_aw(XBAR_OPT_DIGITAL);
    test_aw(XBAR_OPT_ANALOG_SGD);
    test_aw(XBAR_OPT_TIKI_TAKA);
}

/* ---- networks ------------------------------------------------------------------------------------- */

enum { IN = 6, HID = 5, OUT = 3, NB = 4 };

static xbar_net *small_net(void)
{
    xbar_layer_spec L[3] = {xbar_layer_defaults(XBAR_LAYER_LINEAR), xbar_layer_defaults(XBAR_LAYER_TANH),
                            xbar_layer_defaults(XBAR_LAYER_LINEAR)};
    L[0].out = HID;
    L[2].out = OUT;
    L[2].opt = xbar_opt_defaults(XBAR_OPT_ANALOG_SGD);
    L[2].tile.device = xbar_device_ideal(XBAR_DEV_SOFT_BOUNDS);
    L[2].tile.update.scheme = XBAR_SCHEME_EXPECTED;
    L[2].tile.forward = L[2].tile.backward = xbar_io_plain();
    return xbar_net_new(L, 3, IN, 1, 1, 3);
}

static void test_networks(void)
{
    CHECK(!strcmp(xbar_layer_kind_name(XBAR_LAYER_KIND_COUNT_), "unknown") && xbar_layer_kind_from_name(NULL) == -1,
          "layer kind names");
    xbar_layer_spec L = xbar_layer_defaults(XBAR_LAYER_LINEAR);
    L.out = 2;
    ENULL(xbar_net_new(NULL, 1, 1, 1, 1, 0), "no layers");
    ENULL(xbar_net_new(&L, 0, 1, 1, 1, 0), "no layers");
    ENULL(xbar_net_new(&L, 1, 0, 1, 1, 0), "input shape");
    xbar_net_free(NULL);
    CHECK(xbar_net_n_layers(NULL) == 0 && xbar_net_in_size(NULL) == 0 && xbar_net_out_size(NULL) == 0 &&
              xbar_net_pulse_count(NULL) == 0,
          "sizes of a NULL net");

    xbar_net *net = small_net();
    CHECK(net != NULL, "net_new: %s", xbar_last_error());
    if (!net) return;
    float X[NB * IN], Y[NB * OUT], dX[NB * IN], Xbad[NB * IN];
    uint8_t lab[NB] = {0, 1, 2, 1}, badlab[NB] = {0, 1, 3, 1};
    fill(X, NB * IN, 9, 1.0f);
    memcpy(Xbad, X, sizeof X);
    Xbad[NB * IN - 2] = NAN;
    size_t c = 9, h = 9, w = 9, n = 0, correct = 0;
    double loss = 0;
    char buf[256];

    EINVAL(xbar_net_layer_shape(NULL, 0, &c, &h, &w), "net is NULL");
    EINVAL(xbar_net_layer_shape(net, 3, &c, &h, &w), "layer 3 >= 3 layers");
    EINVAL(xbar_net_layer_shape(net, SIZE_MAX, &c, &h, &w), ">= 3 layers");
    CHECK(c == 9 && h == 9 && w == 9, "refused layer_shape wrote its outputs");
    CHECK(xbar_net_layer_shape(net, 2, &c, NULL, NULL) == XBAR_OK && c == OUT, "layer_shape(2): c %zu", c);
    EINVAL(xbar_net_describe(NULL, buf, sizeof buf), "net is NULL");
    EINVAL(xbar_net_describe(net, NULL, sizeof buf), "buf is NULL");
    CHECK(xbar_net_describe(net, buf, sizeof buf) == XBAR_OK && strstr(buf, "2 linear"), "describe: %s", buf);
    CHECK(xbar_net_describe(net, buf, 0) == XBAR_OK, "describe(cap 0)");
    EINVAL(xbar_net_param(NULL, 0, XBAR_PARAM_WEIGHT, NULL, NULL, &n), "net is NULL");
    EINVAL(xbar_net_param(net, 3, XBAR_PARAM_WEIGHT, NULL, NULL, &n), "layer 3 >= 3");
    ENULL(xbar_net_layer_aw(NULL, 2), "net is NULL");
    ENULL(xbar_net_layer_aw(net, 3), "layer 3 >= 3");
    CHECK(xbar_net_layer_aw(net, 2) != NULL && xbar_net_layer_aw(net, 0) == NULL, "layer_aw of valid layers");
    EVALUE(xbar_net_find_nonfinite(NULL, XBAR_FIND_PARAMS, NULL), 0, "net is NULL");
    EINVAL(xbar_net_save(NULL, stdout), "net is NULL");
    EINVAL(xbar_net_save(net, NULL), "f is NULL");
    EINVAL(xbar_net_load(NULL, stdin), "net is NULL");
    EINVAL(xbar_net_load(net, NULL), "f is NULL");

    /* training calls; a refused call keeps the state of the sequence */
    EINVAL(xbar_net_forward(NULL, Y, X, NB), "net is NULL");
    EINVAL(xbar_net_forward(net, Y, NULL, NB), "X is NULL");
    EINVAL(xbar_net_forward(net, Y, X, 0), "empty batch");
    EINVAL(xbar_net_forward(net, Y, X, SIZE_MAX), "too large");
    EINVAL(xbar_net_forward(net, Y, Xbad, NB), "X[22] = nan");
    EINVAL(xbar_net_backward(net, dX), "xbar_net_loss");
    CHECK(xbar_net_forward(net, Y, X, NB) == XBAR_OK, "forward: %s", xbar_last_error());
    EINVAL(xbar_net_loss(NULL, lab, NB, &loss, &correct), "net is NULL");
    EINVAL(xbar_net_loss(net, NULL, NB, &loss, &correct), "labels is NULL");
    EINVAL(xbar_net_loss(net, badlab, NB, &loss, &correct), "label 3 of sample 2");
    EINVAL(xbar_net_loss(net, lab, NB - 1, &loss, &correct), "batch 3");
    CHECK(xbar_net_loss(net, lab, NB, &loss, NULL) == XBAR_OK && isfinite(loss), "loss: %s", xbar_last_error());
    EINVAL(xbar_net_forward(net, Y, Xbad, NB), "X[22] = nan"); /* refused: the loss is still seeded */
    EINVAL(xbar_net_backward(NULL, dX), "net is NULL");
    CHECK(xbar_net_backward(net, dX) == XBAR_OK, "backward after a refused forward: %s", xbar_last_error());
    EINVAL(xbar_net_step(NULL, 0.1f), "net is NULL");
    EINVAL(xbar_net_step(net, NAN), "learning rate");
    EINVAL(xbar_net_step(net, INFINITY), "learning rate");
    CHECK(xbar_net_step(net, 0.1f) == XBAR_OK, "step: %s", xbar_last_error());

    const uint64_t p0 = xbar_net_pulse_count(net);
    float *w0 = NULL;
    CHECK(xbar_net_param(net, 0, XBAR_PARAM_WEIGHT, &w0, NULL, &n) == XBAR_OK && w0 && n == HID * IN, "param");
    float keep[HID * IN];
    if (w0) memcpy(keep, w0, sizeof keep);
    EINVAL(xbar_net_train_batch(NULL, X, lab, NB, 0.1f, &loss, &correct), "net is NULL");
    EINVAL(xbar_net_train_batch(net, NULL, lab, NB, 0.1f, &loss, &correct), "X is NULL");
    EINVAL(xbar_net_train_batch(net, X, NULL, NB, 0.1f, &loss, &correct), "labels is NULL");
    EINVAL(xbar_net_train_batch(net, X, lab, NB, NAN, &loss, &correct), "learning rate");
    EINVAL(xbar_net_train_batch(net, X, lab, NB, -1.0f, &loss, &correct), "learning rate");
    EINVAL(xbar_net_train_batch(net, X, badlab, NB, 0.1f, &loss, &correct), "label 3 of sample 2");
    EINVAL(xbar_net_train_batch(net, Xbad, lab, NB, 0.1f, &loss, &correct), "X[22] = nan");
    CHECK(w0 && !memcmp(keep, w0, sizeof keep) && xbar_net_pulse_count(net) == p0,
          "refused train_batch changed the network");
    EINVAL(xbar_net_evaluate(NULL, X, lab, NB, 2, &loss, &correct), "net is NULL");
    EINVAL(xbar_net_evaluate(net, NULL, lab, NB, 2, &loss, &correct), "X is NULL");
    EINVAL(xbar_net_evaluate(net, X, NULL, NB, 2, &loss, &correct), "labels is NULL");
    EINVAL(xbar_net_evaluate(net, X, lab, NB, 0, &loss, &correct), "batch = 0");
    EINVAL(xbar_net_evaluate(net, X, badlab, NB, 2, &loss, &correct), "label 3 of sample 2");
    EINVAL(xbar_net_evaluate(net, Xbad, lab, NB, 2, &loss, &correct), "X[22] = nan");
    CHECK(xbar_net_evaluate(net, X, lab, NB, 3, &loss, NULL) == XBAR_OK && isfinite(loss), "evaluate: %s",
          xbar_last_error());
    CHECK(xbar_net_train_batch(net, X, lab, NB, 0.1f, NULL, NULL) == XBAR_OK, "train_batch: %s", xbar_last_error());

    /* a network's own non-finite values are not refused: poison a digital weight (the values of
     * xbar_net_param are the caller's, unchecked); the NaN flows into the analog layer's update
     * (its x) through internal calls, which must not refuse it; find_nonfinite reports it */
    if (w0) w0[0] = NAN;
    CHECK(xbar_net_train_batch(net, X, lab, NB, 0.1f, &loss, NULL) == XBAR_OK && isnan(loss),
          "diverged network: train_batch refused its own NaN (%s)", xbar_last_error());
    xbar_nonfinite where;
    CHECK(xbar_net_find_nonfinite(net, XBAR_FIND_PARAMS, &where) == 1 && where.layer == 0, "find_nonfinite");
    xbar_net_free(net);
}

static void test_data(void)
{
    xbar_idx_set s;
    EINVAL(xbar_idx_load(NULL, "a", "b", 10), "s is NULL");
    EINVAL(xbar_idx_load(&s, NULL, "b", 10), "images_path is NULL");
    CHECK(s.images == NULL && s.labels == NULL && s.n == 0, "xbar_idx_load: s not zeroed");
    EINVAL(xbar_idx_load(&s, "a", NULL, 10), "labels_path is NULL");
    xbar_idx_free(NULL);
}

int main(void)
{
    test_basics();
    test_devices();
    test_tiles();
    test_optimizers();
    test_networks();
    test_data();
    return xt_done("test_contract");
}
