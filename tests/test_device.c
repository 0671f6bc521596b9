/* test_device.c - device models (xbar.h "Devices"; spec paper.md §2):
 * (a) exact multi-pulse composition of the ALD, (b) bounded weights
 * (Theorem 1), (c) response factors, F, G and symmetric points,
 * (d) device-to-device draws, (e) parameter validation. */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "util.h"
#include "xbar.h"

static xbar_devices make(const xbar_device_params *p, size_t n, uint32_t object)
{
    xbar_devices d;
    const xbar_status s = xbar_devices_init(&d, p, n, object);
    CHECK(s == XBAR_OK, "init %s: %s", xbar_device_model_name(p->model), xbar_last_error());
    if (s != XBAR_OK) exit(xt_done("test_device"));
    return d;
}

static xbar_device_params ald(float tau, float sym_point, float dw_min)
{
    xbar_device_params p = xbar_device_defaults(XBAR_DEV_ALD);
    p.tau = tau;
    p.sym_point = sym_point;
    p.dw_min = dw_min;
    return p;
}

/* ------------------------------------------------------------------------ */
/* (a) tau - w_n = (1 - dw/tau)^n (tau - w_0), and the down analogue        */
/* ------------------------------------------------------------------------ */

static void test_ald_composition(void)
{
    const float cfg[][3] = {{1.0f, 0.0f, 0.001f}, {0.5f, 0.2f, 0.01f}, {2.0f, -0.5f, 0.05f}};
    double worst_loop = 0, worst_closed = 0;
    for (int c = 0; c < 3; c++) {
        const float tau = cfg[c][0], sp = cfg[c][1], dw = cfg[c][2];
        xbar_device_params p = ald(tau, sp, dw);
        xbar_devices d = make(&p, 1, 0);
        const double rel[] = {-0.9, -0.3, 0.0, 0.45, 0.99};
        for (int k = 0; k < 5; k++)
            for (int up = 0; up < 2; up++) {
                const float w0 = (float)(sp + rel[k] * tau);
                const double sg = up ? 1.0 : -1.0, f = 1.0 - (double)dw / tau;
                float w = w0;
                double dev = 0;
                for (unsigned n = 1; n <= 1000; n++) {
                    w = xbar_device_pulse(&d, 0, w, up, 0.0f);
                    /* sg tau - (w_n - sp) = f^n (sg tau - (w_0 - sp)) */
                    const double want = sp + sg * tau - pow(f, n) * (sg * tau - ((double)w0 - sp));
                    dev = fmax(dev, fabs(w - want));
                    if (n == 1 || n == 37 || n == 1000) {
                        const float wc = xbar_device_pulses(&d, 0, w0, up, n);
                        worst_closed = fmax(worst_closed, fabs(wc - want));
                        CHECK_NEAR(wc, want, 2 * FLT_EPSILON * (fabs(sp) + tau), "ALD closed form");
                    }
                }
                /* float32 round-off: about one ulp per pulse, contracted by f per pulse, so at
                 * most ulp * tau/dw (near a bound the float weight stalls that far off) */
                CHECK(dev <= FLT_EPSILON * (fabs(sp) + tau) * tau / dw, "ALD tau=%g sp=%g dw=%g w0=%g up=%d: loop dev %.3g",
                      tau, sp, dw, w0, up, dev);
                worst_loop = fmax(worst_loop, dev);
            }
        CHECK(xbar_device_pulses(&d, 0, 0.3f, 1, 0) == 0.3f, "0 pulses must not move w");
        xbar_devices_free(&d);
    }
    printf("(a) ALD composition: max |dev| %.3g (pulse by pulse), %.3g (xbar_device_pulses)\n", worst_loop,
           worst_closed);

    /* models without a closed form: xbar_device_pulses is the pulse loop */
    xbar_device_params p = xbar_device_ideal(XBAR_DEV_POW_STEP);
    p.pow_gamma = 1.5f;
    p.pow_up_down = 0.2f;
    xbar_devices d = make(&p, 1, 0);
    float w = -0.1f;
    for (int k = 0; k < 300; k++) w = xbar_device_pulse(&d, 0, w, 1, 0.0f);
    CHECK(xbar_device_pulses(&d, 0, -0.1f, 1, 300) == w, "pow_step: pulses != loop");
    xbar_devices_free(&d);
}

/* ------------------------------------------------------------------------ */
/* (b) Theorem 1: weights stay in [sp - tau, sp + tau]                      */
/* ------------------------------------------------------------------------ */

static void test_bounded(void)
{
    const float cfg[][4] = {/* tau, sp, dw_min, dw_min_std */
                            {1.0f, 0.0f, 0.01f, 0.0f},
                            {1.0f, 0.0f, 0.01f, 0.3f},
                            {0.5f, 0.1f, 0.2f, 0.0f},
                            {0.5f, 0.1f, 0.2f, 1.0f}};
    for (int c = 0; c < 4; c++) {
        xbar_device_params p = ald(cfg[c][0], cfg[c][1], cfg[c][2]);
        p.dw_min_std = cfg[c][3];
        const size_t nd = 4, per = 250000; /* 10^6 pulses */
        xbar_devices d = make(&p, nd, 1);
        const float lo = cfg[c][1] - cfg[c][0], hi = cfg[c][1] + cfg[c][0];
        size_t out = 0, at_bound = 0;
        for (size_t i = 0; i < nd; i++) {
            float w = 0.0f;
            int up = 1;
            for (size_t k = 0; k < per; k++) {
                float u[4], z[4]; /* direction flips, c2c normal */
                xbar_rng_uniform4(u, 9, xbar_stream(XBAR_RNG_USER, (uint32_t)c, (uint32_t)i), k);
                xbar_rng_normal4(z, 9, xbar_stream(XBAR_RNG_USER + 1, (uint32_t)c, (uint32_t)i), k);
                if (u[0] < 0.002f) up = !up; /* long runs: the bounds are reached */
                w = xbar_device_pulse(&d, i, w, up, z[0]);
                out += !(w >= lo && w <= hi);
                at_bound += w - lo < 1e-3f || hi - w < 1e-3f;
            }
        }
        printf("(b) ALD tau=%g dw=%g c2c=%g: %zu of %zu pulses out of bounds, %zu within 1e-3 of a bound\n",
               cfg[c][0], cfg[c][2], cfg[c][3], out, nd * per, at_bound);
        CHECK(out == 0, "ALD config %d: %zu weights left [%g, %g]", c, out, lo, hi);
        CHECK(at_bound > 0, "config %d never approached a bound", c);
        xbar_devices_free(&d);
    }
}

/* ------------------------------------------------------------------------ */
/* (c) q, F, G, symmetric point                                             */
/* ------------------------------------------------------------------------ */

static void check_q(const xbar_devices *d, double w, double qu_want, double qd_want, const char *what)
{
    double qu, qd, F, G;
    /* wanted values are given as step/dw_min; xbar's q is step/granularity */
    const double sc = (double)d->p.dw_min / d->granularity;
    qu_want *= sc;
    qd_want *= sc;
    xbar_device_q(d, 0, w, &qu, &qd);
    xbar_device_FG(d, 0, w, &F, &G);
    CHECK_NEAR(qu, qu_want, 2e-6, what);
    CHECK_NEAR(qd, qd_want, 2e-6, what);
    CHECK_NEAR(F, 0.5 * (qd_want + qu_want), 2e-6, what);
    CHECK_NEAR(G, 0.5 * (qd_want - qu_want), 2e-6, what);
    /* a noise-free pulse moves w by g q (away from the bounds) */
    const float w1 = xbar_device_pulse(d, 0, (float)w, 1, 0.0f);
    if (w1 < xbar_device_clip(d, 0, 1e30f)) CHECK_NEAR(w1 - (float)w, d->granularity * qu, 1e-7, what);
}

static void test_response(void)
{
    /* ALD: F = 1, G = (w - sp)/tau */
    xbar_device_params p = ald(0.8f, 0.1f, 0.001f);
    xbar_devices d = make(&p, 1, 0);
    for (double w = -0.7; w <= 0.9; w += 0.1) {
        double F, G;
        xbar_device_FG(&d, 0, w, &F, &G);
        CHECK_NEAR(F, 1.0, 1e-6, "ALD F");
        CHECK_NEAR(G, (w - 0.1) / 0.8, 1e-6, "ALD G");
        check_q(&d, w, 1 - (w - 0.1) / 0.8, 1 + (w - 0.1) / 0.8, "ALD q");
    }
    CHECK_NEAR(xbar_device_symmetric_point(&d, 0), 0.1, 1e-7, "ALD symmetric point");
    CHECK_NEAR(xbar_device_clip(&d, 0, 5.0f), 0.9, 1e-7, "ALD clip up");
    CHECK_NEAR(xbar_device_clip(&d, 0, -5.0f), -0.7, 1e-7, "ALD clip down");
    CHECK(xbar_device_clip(&d, 0, 0.25f) == 0.25f, "ALD clip inside");
    xbar_devices_free(&d);

    /* soft bounds: F = 1 - (1/tmax + 1/tmin) w / 2, G = (1/tmax - 1/tmin) w / 2 */
    p = xbar_device_ideal(XBAR_DEV_SOFT_BOUNDS);
    p.w_max = 0.8f;
    p.w_min = -0.4f;
    p.dw_min = 0.01f;
    d = make(&p, 1, 0);
    const double tmax = p.w_max, tmin = p.w_min;
    for (double w = -0.4; w <= 0.8; w += 0.05) {
        double F, G;
        xbar_device_FG(&d, 0, w, &F, &G);
        CHECK_NEAR(F, 1 - 0.5 * (1 / tmax + 1 / tmin) * w, 1e-6, "soft bounds F");
        CHECK_NEAR(G, 0.5 * (1 / tmax - 1 / tmin) * w, 1e-6, "soft bounds G");
    }
    xbar_devices_free(&d);

    /* the other formulas of xbar.h, evaluated in double */
    p = xbar_device_ideal(XBAR_DEV_LINEAR_STEP);
    p.gamma_up = 0.5f;
    p.gamma_down = 0.3f;
    d = make(&p, 1, 0);
    for (double w = -0.6; w <= 0.6; w += 0.1) check_q(&d, w, 1 - 0.5 * w / 0.6, 1 - 0.3 * w / -0.6, "linear q");
    xbar_devices_free(&d);

    p = xbar_device_ideal(XBAR_DEV_POW_STEP);
    p.pow_gamma = 1.5f;
    p.pow_up_down = 0.2f;
    d = make(&p, 1, 0);
    for (double w = -0.6; w <= 0.6; w += 0.1)
        check_q(&d, w, pow((0.6 - w) / 1.2, 1.5), pow((w + 0.6) / 1.2, 1.5 * 0.8), "pow_step q");
    xbar_devices_free(&d);

    p = xbar_device_ideal(XBAR_DEV_EXP_STEP);
    d = make(&p, 1, 0);
    for (double w = -0.6; w <= 0.6; w += 0.1) {
        const double z = 2 * w / 1.2 * 0.244 + 0.2425;
        check_q(&d, w, fmax(1 - 0.00081 * exp(12.44625 * z), 0), fmax(1 - 0.36833 * exp(-12.78785 * z), 0),
                "exp_step q");
    }
    xbar_devices_free(&d);

    p = xbar_device_ideal(XBAR_DEV_EXP_PAPER);
    p.pow_gamma = 3.0f;
    d = make(&p, 1, 0);
    for (double w = -0.6; w <= 0.6; w += 0.1)
        check_q(&d, w, 1 - exp(-3 * (0.6 - w) / 1.2), 1 - exp(-3 * (w + 0.6) / 1.2), "exp_paper q");
    xbar_devices_free(&d);

    p = xbar_device_defaults(XBAR_DEV_POW_ZS);
    d = make(&p, 1, 0);
    for (double w = -1; w <= 1; w += 0.125) check_q(&d, w, pow(1 - w, 2), pow(1 + w, 2), "pow_zs q");
    xbar_devices_free(&d);

    p = xbar_device_defaults(XBAR_DEV_EXP_ZS);
    p.gamma_res = 3.0f;
    d = make(&p, 1, 0);
    for (double w = -1; w <= 1; w += 0.125)
        check_q(&d, w, expm1(3 * (1 - w)) / expm1(3), expm1(3 * (1 + w)) / expm1(3), "exp_zs q");
    xbar_devices_free(&d);

    p = xbar_device_ideal(XBAR_DEV_PIECEWISE_STEP);
    const float up[] = {1.5f, 1.2f, 1.0f, 0.6f, 0.1f}, dn[] = {0.1f, 0.7f, 1.0f, 1.3f, 1.6f};
    p.piecewise_n = 5;
    memcpy(p.piecewise_up, up, sizeof up);
    memcpy(p.piecewise_down, dn, sizeof dn);
    d = make(&p, 1, 0);
    for (int k = 0; k < 5; k++) check_q(&d, -0.6 + 0.3 * k, up[k], dn[k], "piecewise nodes");
    check_q(&d, -0.45, 1.35, 0.4, "piecewise midpoint");
    CHECK_NEAR(d.granularity, 0.001f, 1e-12, "piecewise granularity = dw_min * up[n/2]");
    xbar_devices_free(&d);
}

static void test_symmetric_point(void)
{
    xbar_device_params ps[9];
    ps[0] = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS_REF); /* variation on */
    ps[1] = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
    ps[2] = xbar_device_defaults(XBAR_DEV_LINEAR_STEP);
    ps[2].gamma_up = 0.5f, ps[2].gamma_down = 0.3f, ps[2].up_down = 0.1f;
    ps[3] = xbar_device_ideal(XBAR_DEV_SOFT_BOUNDS_REF);
    ps[3].up_down = 0.2f, ps[3].reference_mean = 0.1f;
    ps[4] = xbar_device_defaults(XBAR_DEV_POW_STEP);
    ps[4].pow_gamma = 1.5f, ps[4].pow_up_down = 0.2f;
    ps[5] = xbar_device_defaults(XBAR_DEV_EXP_STEP);
    ps[6] = xbar_device_ideal(XBAR_DEV_EXP_PAPER);
    ps[6].pow_gamma = 2.0f, ps[6].pow_up_down = -0.3f;
    ps[7] = xbar_device_defaults(XBAR_DEV_EXP_ZS);
    ps[8] = xbar_device_ideal(XBAR_DEV_PIECEWISE_STEP);
    ps[8].piecewise_n = 3;
    ps[8].piecewise_up[0] = 2.0f, ps[8].piecewise_up[2] = 0.2f;
    ps[8].piecewise_down[0] = 0.5f, ps[8].piecewise_down[2] = 1.5f;
    double worst = 0;
    for (int c = 0; c < 9; c++) {
        xbar_devices d = make(&ps[c], 16, 2);
        for (size_t i = 0; i < d.n; i++) {
            const double sp = xbar_device_symmetric_point(&d, i);
            double F, G;
            xbar_device_FG(&d, i, sp, &F, &G);
            CHECK(fabs(G) <= 2e-6, "%s device %zu: G(%.6g) = %.3g", xbar_device_model_name(ps[c].model), i, sp, G);
            CHECK(sp == xbar_device_clip(&d, i, (float)sp) || fabs(sp - xbar_device_clip(&d, i, (float)sp)) < 1e-6,
                  "%s: symmetric point %.6g outside the bounds", xbar_device_model_name(ps[c].model), sp);
            worst = fmax(worst, fabs(G));
            if (ps[c].model == XBAR_DEV_SOFT_BOUNDS_REF) { /* aihwkit: (su - sd)/(su/bmax - sd/bmin) - ref */
                const double su = d.s_up[i], sd = d.s_dn[i];
                CHECK_NEAR(sp, (su - sd) / (su / d.b_max[i] - sd / d.b_min[i]) - d.ref, 1e-9, "SBR sp");
            }
        }
        xbar_devices_free(&d);
    }
    printf("(c) symmetric points of 9 configurations x 16 devices: max |G| %.3g\n", worst);
}

/* ------------------------------------------------------------------------ */
/* (d) device-to-device draws                                               */
/* ------------------------------------------------------------------------ */

/* Mean and std of |X|, X ~ N(mu, sigma^2) (enforce_consistency takes abs). */
static void folded(double mu, double sigma, double *m, double *s)
{
    const double a = mu / sigma;
    *m = sigma * sqrt(2 / 3.14159265358979323846) * exp(-0.5 * a * a) + mu * erf(a / sqrt(2));
    *s = sqrt(mu * mu + sigma * sigma - *m * *m);
}

static void check_draws(const float *x, size_t n, double mu, double sigma, const char *what)
{
    xt_stat st = {0};
    double m, s, m4 = 0;
    for (size_t i = 0; i < n; i++) xt_stat_add(&st, x[i]);
    for (size_t i = 0; i < n; i++) m4 += pow(x[i] - st.mean, 4) / n;
    const double sd = sqrt(xt_stat_var(&st)), se_sd = sqrt(fmax(m4 - pow(sd, 4) * (n - 3.0) / (n - 1), 0) / n) / (2 * sd);
    folded(mu, sigma, &m, &s);
    printf("(d) %-6s mean %.6g (want %.6g, z %.2f)  std %.6g (want %.6g, z %.2f)\n", what, st.mean, m,
           (st.mean - m) / xt_stat_se(&st), sd, s, (sd - s) / se_sd);
    CHECK_NEAR(st.mean, m, 4 * xt_stat_se(&st), what);
    CHECK_NEAR(sd, s, 4 * se_sd, what);
}

static void test_d2d(void)
{
    const size_t n = 50000;
    xbar_device_params p = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
    p.construction_seed = 42;
    p.up_down = 0.1f;
    xbar_devices a = make(&p, n, 5), b = make(&p, n, 5), c = make(&p, n, 6);
    const double dw = p.dw_min, sg = sqrt(0.3 * 0.3 + 0.01 * 0.01);
    check_draws(a.s_up, n, dw * 1.0, dw * sg, "s_up");
    check_draws(a.s_dn, n, dw * 0.9, dw * sg, "s_dn");
    check_draws(a.b_max, n, 0.6, 0.18, "b_max");
    for (size_t i = 0; i < n; i++) a.b_min[i] = -a.b_min[i];
    check_draws(a.b_min, n, 0.6, 0.18, "-b_min");
    for (size_t i = 0; i < n; i++) a.b_min[i] = -a.b_min[i];
    int ok = 1, differ = 0;
    for (size_t i = 0; i < n; i++) {
        ok &= a.b_max[i] > 0 && a.b_min[i] < 0 && a.s_up[i] > 0 && a.s_dn[i] > 0;
        ok &= a.a_up[i] == -a.s_up[i] / a.b_max[i] && a.a_dn[i] == -a.s_dn[i] / a.b_min[i];
        differ += a.s_up[i] != c.s_up[i];
    }
    CHECK(ok, "consistency / slopes of the drawn devices");
    CHECK(!memcmp(a.b_max, b.b_max, 6 * n * sizeof(float)) && a.ref == b.ref, "reruns are not bit-identical");
    CHECK(differ > (int)(n * 0.99), "object 5 and 6 share draws (%d of %zu differ)", differ, n);
    xbar_devices_free(&a);
    xbar_devices_free(&b);
    xbar_devices_free(&c);
    xbar_devices_free(&c); /* freeing twice (and NULL) is harmless */
    xbar_devices_free(NULL);

    /* ideal devices: every device equals the nominal one */
    p = xbar_device_ideal(XBAR_DEV_SOFT_BOUNDS_REF);
    p.up_down = 0.2f;
    a = make(&p, 3, 0);
    CHECK(a.s_up[2] == 0.001f && a.s_dn[2] == 0.8f * 0.001f && a.b_max[2] == 0.6f && a.b_min[2] == -0.6f,
          "ideal SBR: s_up %.9g s_dn %.9g", a.s_up[2], a.s_dn[2]);
    xbar_devices_free(&a);
}

/* ------------------------------------------------------------------------ */
/* (e) validation, names, defaults                                          */
/* ------------------------------------------------------------------------ */

static void expect_bad(xbar_device_params p, const char *key, const char *value)
{
    const char *msg = xbar_device_check(&p);
    CHECK(msg && strstr(msg, key) && strstr(msg, value), "check: want '%s' '%s', got '%s'", key, value,
          msg ? msg : "(accepted)");
    xbar_devices d;
    CHECK(xbar_devices_init(&d, &p, 4, 0) == XBAR_EINVAL && strstr(xbar_last_error(), key), "init accepted %s = %s",
          key, value);
}

static void test_check(void)
{
    xbar_device_params p = xbar_device_defaults(XBAR_DEV_ALD);
    CHECK(xbar_device_check(&p) == NULL, "ALD defaults rejected: %s", xbar_device_check(&p));
    p.tau = -1;
    expect_bad(p, "device.tau", "-1");
    p.tau = 0;
    expect_bad(p, "device.tau", "0");
    p = xbar_device_defaults(XBAR_DEV_ALD);
    p.dw_min = 0;
    expect_bad(p, "device.dw_min", "0");
    p.dw_min = -0.5f;
    expect_bad(p, "device.dw_min", "-0.5");
    p.dw_min = 1.5f;
    expect_bad(p, "device.dw_min", "1.5");
    p.dw_min = 1.0f; /* = tau */
    expect_bad(p, "device.dw_min", "1");
    p = xbar_device_defaults(XBAR_DEV_ALD);
    p.tau = NAN;
    expect_bad(p, "device.tau", "nan");
    p = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
    p.dw_min_std = NAN;
    expect_bad(p, "device.dw_min_std", "nan");
    p = xbar_device_defaults(XBAR_DEV_CONSTANT_STEP);
    p.w_max = INFINITY;
    expect_bad(p, "device.w_max", "inf");
    p = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
    p.w_max_dtod = -0.1f;
    expect_bad(p, "device.w_max_dtod", "-0.1");
    p = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
    p.w_min = 0.2f;
    expect_bad(p, "device.w_min", "0.2");
    p = xbar_device_defaults(XBAR_DEV_PIECEWISE_STEP);
    p.piecewise_n = 1;
    expect_bad(p, "device.piecewise_n", "1");
    p.model = (xbar_device_model)99;
    expect_bad(p, "device.model", "99");

    for (int m = 0; m < XBAR_DEV_COUNT_; m++) {
        xbar_device_params q = xbar_device_defaults((xbar_device_model)m), r = xbar_device_ideal((xbar_device_model)m);
        CHECK(xbar_device_check(&q) == NULL && xbar_device_check(&r) == NULL, "defaults of %d rejected", m);
        CHECK(xbar_device_model_from_name(xbar_device_model_name((xbar_device_model)m)) == m, "name of %d", m);
        CHECK(r.dw_min_dtod == 0 && r.up_down_dtod == 0 && r.w_max_dtod == 0 && r.w_min_dtod == 0 && r.dw_min_std == 0,
              "ideal %d has variation", m);
    }
    CHECK(xbar_device_model_from_name("soft_bounds_ref") == XBAR_DEV_SOFT_BOUNDS_REF, "from_name");
    CHECK(xbar_device_model_from_name("nope") == -1 && xbar_device_model_from_name(NULL) == -1, "unknown name");
    p = xbar_device_defaults(XBAR_DEV_ALD);
    CHECK(p.dw_min == 0.001f && p.tau == 1 && p.sym_point == 0 && p.dw_min_std == 0 && p.dw_min_dtod == 0 &&
              p.mult_noise == 0 && p.w_max == 1 && p.w_min == -1,
          "ALD defaults");
    p = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
    CHECK(p.dw_min == 0.001f && p.w_max == 0.6f && p.dw_min_dtod == 0.3f && p.up_down_dtod == 0.01f &&
              p.dw_min_std == 0.3f && p.mult_noise == 1,
          "aihwkit defaults");
    CHECK(xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS_REF).mult_noise == 0, "SBR additive noise by default");
    p = xbar_device_ideal(XBAR_DEV_POW_STEP);
    p.dw_min = 0.02f;
    p.pow_gamma = 1.5f;
    xbar_devices d = make(&p, 1, 0);
    CHECK_NEAR(d.granularity, 0.02 * pow(0.5, 1.5), 1e-9, "pow_step granularity");
    xbar_devices_free(&d);
    xbar_devices e;
    CHECK(xbar_devices_init(&e, &p, 0, 0) == XBAR_EINVAL, "n = 0 accepted");
}

int main(void)
{
    test_ald_composition();
    test_bounded();
    test_response();
    test_symmetric_point();
    test_d2d();
    test_check();
    return xt_done("test_device");
}
