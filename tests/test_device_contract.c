/* test_device_contract.c - the same tests for every device model of the device
 * table (xbar.h, "Devices"), so that a model is tested the moment its line is
 * added to XBAR_DEVICE_MODELS. Each model runs with its defaults, with
 * variation and c2c noise switched on (additive noise too where it reads
 * device.mult_noise) and ideal:
 *   (a) q±, F, G consistent, and q± g = the noise-free one-pulse step
 *   (b) bounds never left under thousands of noisy up / down pulses
 *   (c) closed form of n pulses = the pulse-by-pulse loop (also composed, noise 0)
 *   (d) the expected scheme is w + Δw F(w) - |Δw| G(w) exactly; the count
 *       scheme's mean over many elements equals it (5 standard errors)
 *   (e) symmetric point: G = 0 there, or at a bound with G of one sign
 *   (f) names, summaries and key rows of the table; a key the model does not
 *       read changes nothing
 *   (g) node tables of the piecewise model from a CSV file. */
#define _POSIX_C_SOURCE 200809L /* mkdtemp */
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include "util.h"
#include "xbar.h"

#define ND 16 /* devices per set */

enum { V_DEFAULT, V_VARIED, V_ADDITIVE, V_IDEAL, V_COUNT };
static const char *const variant_names[V_COUNT] = {"defaults", "varied", "additive", "ideal"};

static char label[160]; /* "model/variant" of the checks running */

/* Parameters of model m in variant v; 0 if the variant does not apply (additive noise of
 * a model without an additive form). */
static int params(xbar_device_model m, int v, xbar_device_params *p)
{
    *p = v == V_IDEAL ? xbar_device_ideal(m) : xbar_device_defaults(m);
    if (v == V_VARIED || v == V_ADDITIVE) {
        p->dw_min_dtod = 0.3f, p->up_down_dtod = 0.01f, p->w_max_dtod = p->w_min_dtod = 0.3f;
        p->dw_min_std = 0.3f;
        p->up_down = 0.05f;
        p->mult_noise = v == V_VARIED;
        if (v == V_ADDITIVE && !xbar_device_uses_key(m, "mult_noise")) return 0;
    }
    p->construction_seed = 7;
    return 1;
}

static int make(xbar_devices *d, const xbar_device_params *p, size_t n)
{
    const xbar_status s = xbar_devices_init(d, p, n, 5);
    CHECK(s == XBAR_OK, "%s: init: %s", label, xbar_last_error());
    return s == XBAR_OK;
}

/* Weight bounds of device i (the bounds of g less ref) and a point a fraction u into them. */
static void wbounds(const xbar_devices *d, size_t i, float *lo, float *hi)
{
    *lo = d->b_min[i] - d->ref;
    *hi = d->b_max[i] - d->ref;
}
static float inner(const xbar_devices *d, size_t i, double u)
{
    float lo, hi;
    wbounds(d, i, &lo, &hi);
    return (float)(lo + u * ((double)hi - lo));
}

static double ulp(double x) { return FLT_EPSILON * (fabs(x) > FLT_MIN ? fabs(x) : FLT_MIN); }

/* ---- (a) q±, F, G and the one-pulse step ---------------------------------------------- */

static void check_qFG(const xbar_devices *d)
{
    const int failures = xt_failures;
    double worst_fg = 0, worst_step = 0, worst_tol = 0;
    int points = 0;
    for (size_t i = 0; i < d->n; i++)
        for (int k = 0; k <= 20; k++) {
            const float w = inner(d, i, 0.05 + 0.9 * k / 20.0);
            double qu, qd, F, G;
            CHECK(xbar_device_q(d, i, w, &qu, &qd) == XBAR_OK && xbar_device_FG(d, i, w, &F, &G) == XBAR_OK,
                  "%s: q / FG: %s", label, xbar_last_error());
            const double ef = fabs(F - 0.5 * (qd + qu)), eg = fabs(G - 0.5 * (qd - qu));
            if (ef > worst_fg) worst_fg = ef;
            if (eg > worst_fg) worst_fg = eg;
            CHECK(ef <= 1e-15 * (fabs(F) + 1) && eg <= 1e-15 * (fabs(G) + 1),
                  "%s: device %zu w %.9g: F %.17g vs (q- + q+)/2 %.17g, G %.17g vs (q- - q+)/2 %.17g", label, i, w, F,
                  0.5 * (qd + qu), G, 0.5 * (qd - qu));
            float lo, hi;
            wbounds(d, i, &lo, &hi);
            for (int up = 0; up < 2; up++) {
                const float w1 = xbar_device_pulse(d, i, w, up, 0.0f);
                if (w1 == lo || w1 == hi) continue; /* clipped: not the step */
                const double step = (up ? qu : qd) * d->granularity, moved = fabs((double)w1 - w);
                /* w1 = ((w + ref) ± step) - ref in float32: three roundings of at most half an ulp of
                 * the largest of |w + ref|, |w1 + ref| and |w1|, so 2 ulps of their sum bound it */
                const double big = fabs(w) + fabs(w1) + 2 * fabs(d->ref), tol = 2 * ulp(big) + 1e-12 * step;
                const double e = fabs(moved - step);
                if (e > worst_step) worst_step = e, worst_tol = tol;
                points++;
                CHECK(e <= tol,
                      "%s: device %zu w %.9g %s: q*granularity %.9g vs |pulse - w| %.9g (diff %.3g, tol %.3g)", label,
                      i, w, up ? "up" : "down", step, moved, e, tol);
            }
        }
    CHECK(points > 0, "%s: no unclipped pulse to compare", label);
    if (xt_failures > failures)
        fprintf(stderr, "  %s (a): |F,G - q| <= %.3g, |q g - step| <= %.3g (tol %.3g), %d steps\n", label, worst_fg,
                worst_step, worst_tol, points);
}

/* ---- (b) bounds never left ----------------------------------------------------------- */

static void check_bounds(xbar_device_params p)
{
    /* big, noisy steps so that the walks hit both bounds often */
    p.dw_min = 0.05f;
    if (p.dw_min_std < 0.5f) p.dw_min_std = 0.5f;
    xbar_devices d;
    if (!make(&d, &p, ND)) return;
    enum { PULSES = 4000 };
    float *xi = malloc(PULSES * sizeof *xi), u[4];
    int at_bound = 0, bad = 0;
    for (size_t i = 0; i < d.n && xi; i++) {
        xbar_rng_normal_fill(xi, PULSES, 11, 200 + i, 0);
        float w = inner(&d, i, 0.5), lo, hi;
        wbounds(&d, i, &lo, &hi);
        int up = 1, left = 0;
        for (int k = 0; k < PULSES; k++) {
            if (left-- <= 0) { /* runs of 1..400 pulses in one direction */
                xbar_rng_uniform4(u, 11, 300 + i, (uint64_t)k);
                up = u[0] < 0.5f, left = 1 + (int)(u[1] * 400);
            }
            const float w0 = w;
            w = xbar_device_pulse(&d, i, w, up, 3.0f * xi[k]); /* 3 sigma draws are common here */
            at_bound += w == lo || w == hi;
            if (!(isfinite(w) && w >= lo && w <= hi && xbar_device_clip(&d, i, w) == w) && bad++ < 3)
                CHECK(0, "%s: device %zu pulse %d %s from %.9g: %.9g outside [%.9g, %.9g]", label, i, k,
                      up ? "up" : "down", w0, w, lo, hi);
        }
    }
    CHECK(bad == 0, "%s: %d pulses left the bounds", label, bad);
    CHECK(at_bound > 0 || p.dw_min_std == 0, "%s: the walks never reached a bound (test too weak)", label);
    free(xi);
    xbar_devices_free(&d);
}

/* ---- (c) closed form = the loop ------------------------------------------------------- */

static void check_closed_form(const xbar_devices *d)
{
    const int failures = xt_failures;
    static const unsigned ns[] = {1, 2, 7, 31, 100, 500};
    double worst = 0, worst_tol = 0;
    int composed = 0, compared = 0;
    for (size_t i = 0; i < d->n; i++)
        for (int k = 0; k < 5; k++)
            for (size_t a = 0; a < sizeof ns / sizeof ns[0]; a++)
                for (int up = 0; up < 2; up++) {
                    const unsigned n = ns[a];
                    const float w0 = inner(d, i, 0.1 + 0.2 * k);
                    float loop = w0, out;
                    for (unsigned j = 0; j < n; j++) loop = xbar_device_pulse(d, i, loop, up, 0.0f);
                    /* The loop rounds the weight to float32 after each pulse (at most 1.5 ulps a
                     * pulse, so n ulps bound the walk); the closed form (compose.h) takes f^n in
                     * single precision by binary powering, a relative error of a few 1e-7 of the
                     * distance moved, and the double form near the bounds is closer still: a
                     * relative 1e-5 of the move plus n ulps covers both with room. */
                    const double move = fabs((double)loop - w0);
                    const double tol = 1e-5 * move + (n + 2) * ulp(fabs(w0) + fabs(loop) + fabs(d->ref));
                    const float cf = xbar_device_pulses(d, i, w0, up, n);
                    const double e = fabs((double)cf - loop);
                    if (e > worst) worst = e, worst_tol = tol;
                    compared++;
                    CHECK(e <= tol,
                          "%s: device %zu w0 %.9g %u %s pulses: closed form %.9g vs loop %.9g (diff %.3g, "
                          "tol %.3g)",
                          label, i, w0, n, up ? "up" : "down", cf, loop, e, tol);
                    if (xbar_device_pulses_composed(d, i, w0, up, n, 0.0f, &out)) {
                        composed++;
                        const double ec = fabs((double)out - loop);
                        CHECK(ec <= tol,
                              "%s: device %zu w0 %.9g %u %s pulses: composed (xi 0) %.9g vs loop %.9g (diff "
                              "%.3g, tol %.3g)",
                              label, i, w0, n, up ? "up" : "down", out, loop, ec, tol);
                    }
                }
    if (xt_failures > failures)
        fprintf(stderr, "  %s (c): %d closed forms, worst diff %.3g (tol %.3g); %d composed\n", label, compared, worst,
                worst_tol, composed);
}

/* ---- (d) the expected scheme and the count scheme's mean ------------------------------ */

enum { TR = 32, TC = 64, TN = TR * TC };

static xbar_tile *tile(const xbar_device_params *p, xbar_scheme s, uint64_t seed)
{
    xbar_tile_config c = xbar_tile_config_defaults(TR, TC);
    c.device = *p;
    c.update.scheme = s;
    c.seed = seed;
    xbar_tile *t = xbar_tile_new(&c);
    CHECK(t != NULL, "%s: tile: %s", label, xbar_last_error());
    return t;
}

/* Weights inside each device's bounds and increments of x granularities, random signs. */
static void tile_inputs(const xbar_devices *d, float *W, float *dW, double x, uint64_t seed)
{
    float u[4];
    for (size_t k = 0; k < TN; k++) {
        xbar_rng_uniform4(u, seed, 400, k);
        W[k] = inner(d, k, 0.2 + 0.6 * u[0]);
        dW[k] = (float)((u[1] < 0.5f ? -1.0 : 1.0) * x * (0.8 + 0.4 * u[2]) * d->granularity);
    }
}

/* w + Δw q±(w) (= w + Δw F - |Δw| G), clipped: the expected scheme (docs/model.md §d). */
static float expected_of(const xbar_devices *d, size_t k, float w, float dw)
{
    double qu, qd;
    xbar_device_q(d, k, w, &qu, &qd);
    return xbar_device_clip(d, k, (float)(w + (double)dw * (dw > 0.0f ? qu : qd)));
}

static void check_schemes(const xbar_device_params *p)
{
    xbar_tile *te = tile(p, XBAR_SCHEME_EXPECTED, 1);
    if (!te) return;
    const xbar_devices *d = xbar_tile_devices(te);
    float *W = malloc(3 * TN * sizeof *W), *dW = W + TN, *out = W + 2 * TN;
    /* expected: exactly the formula, and within an ulp of the F / G form */
    tile_inputs(d, W, dW, 3.0, 21);
    xbar_tile_set_weights(te, W, TC);
    xbar_tile_get_weights(te, W, TC);
    CHECK(xbar_tile_apply_delta(te, dW) == XBAR_OK, "%s: apply_delta: %s", label, xbar_last_error());
    xbar_tile_get_weights(te, out, TC);
    int bad = 0;
    for (size_t k = 0; k < TN; k++) {
        double F, G;
        xbar_device_FG(d, k, W[k], &F, &G);
        const float e = expected_of(d, k, W[k], dW[k]);
        const float fg = xbar_device_clip(d, k, (float)(W[k] + (double)dW[k] * F - fabs((double)dW[k]) * G));
        if ((out[k] != e || fabs((double)fg - out[k]) > ulp(out[k])) && bad++ < 3)
            CHECK(0,
                  "%s: expected scheme, element %zu: w %.9g dw %.9g: tile %.9g, w + dw q %.9g, w + dw F - |dw| G "
                  "%.9g",
                  label, k, W[k], dW[k], out[k], e, fg);
    }
    CHECK(bad == 0, "%s: expected scheme: %d of %d elements differ from w + dw F - |dw| G", label, bad, TN);

    /* count: the mean of (count result - expected result) over elements and repetitions is 0
     * within 5 standard errors. Below one granularity (x = 0.4: 0 or 1 pulse) the mean is exact;
     * at x = 1.5 (1 or 2 pulses) the second pulse sees the first's change of the step, a bias of
     * about step * slope, far below the standard error here. */
    for (int r = 0; r < 2; r++) {
        const double x = r ? 1.5 : 0.4;
        xt_stat st = {0, 0, 0};
        for (int rep = 0; rep < 8; rep++) {
            xbar_tile *tc = tile(p, XBAR_SCHEME_COUNT, 100 + rep);
            if (!tc) break;
            tile_inputs(d, W, dW, x, 31 + rep);
            xbar_tile_set_weights(tc, W, TC);
            xbar_tile_get_weights(tc, W, TC);
            CHECK(xbar_tile_apply_delta(tc, dW) == XBAR_OK, "%s: apply_delta: %s", label, xbar_last_error());
            xbar_tile_get_weights(tc, out, TC);
            for (size_t k = 0; k < TN; k++)
                xt_stat_add(&st, ((double)out[k] - expected_of(d, k, W[k], dW[k])) / d->granularity);
            xbar_tile_free(tc);
        }
        const double se = xt_stat_se(&st);
        CHECK(fabs(st.mean) <= 5 * se + 1e-9,
              "%s: count scheme at %.1f granularities: mean of (count - expected) = "
              "%.4g granularities over %.0f elements, standard error %.3g",
              label, x, st.mean, st.n, se);
    }
    free(W);
    xbar_tile_free(te);
}

/* ---- (e) symmetric point --------------------------------------------------------------- */

static void check_symmetric_point(const xbar_devices *d)
{
    for (size_t i = 0; i < d->n; i++) {
        const double sp = xbar_device_symmetric_point(d, i);
        float lo, hi;
        wbounds(d, i, &lo, &hi);
        double F, G, Gm, Gp;
        xbar_device_FG(d, i, sp, &F, &G);
        CHECK(isfinite(sp) && sp >= lo && sp <= hi, "%s: device %zu: symmetric point %.9g outside [%.9g, %.9g]", label,
              i, sp, lo, hi);
        if (sp <= lo || sp >= hi) { /* at a bound: G keeps one sign over the range */
            xbar_device_FG(d, i, sp <= lo ? hi : lo, NULL, &Gp);
            CHECK(sp <= lo ? G >= -1e-6 && Gp >= -1e-6 : G <= 1e-6 && Gp <= 1e-6,
                  "%s: device %zu: symmetric point at the bound %.9g, yet G there %.3g and at the other bound %.3g",
                  label, i, sp, G, Gp);
        } else { /* G = 0 there: within the float32 resolution of q, and changing sign across it */
            const double h = 1e-3 * ((double)hi - lo);
            xbar_device_FG(d, i, sp - h, NULL, &Gm);
            xbar_device_FG(d, i, sp + h, NULL, &Gp);
            CHECK(fabs(G) <= 1e-4 * (fabs(F) + 1) && Gm <= 1e-6 && Gp >= -1e-6,
                  "%s: device %zu: symmetric point %.9g: G there %.3g (F %.3g), G(sp - %.2g) %.3g, G(sp + %.2g) %.3g",
                  label, i, sp, G, F, h, Gm, h, Gp);
        }
    }
}

/* ---- (f) the table: names, summaries, key rows, unused keys ------------------------------ */

static void check_table(xbar_device_model m)
{
    const char *name = xbar_device_model_name(m), *const *names = xbar_device_model_names();
    CHECK(xbar_device_model_from_name(name) == (int)m, "%s: from_name(name(%d)) = %d", name, (int)m,
          xbar_device_model_from_name(name));
    CHECK(names && names[m] && !strcmp(names[m], name), "%s: xbar_device_model_names()[%d] = %s", name, (int)m,
          names && names[m] ? names[m] : "NULL");
    const char *sum = xbar_device_model_summary(m);
    CHECK(sum && strlen(sum) > 10 && !strchr(sum, '\n'), "%s: summary \"%s\"", name, sum ? sum : "NULL");
    const xbar_key *keys = xbar_device_keys();
    for (const xbar_key *k = keys; k->section; k++) {
        const int u = xbar_device_uses_key(m, k->key);
        const char *why = xbar_device_key_unused(m, k->key);
        CHECK(u == (why == NULL), "%s: %s: uses %d but unused text \"%s\"", name, k->key, u, why ? why : "NULL");
        CHECK(!why || (why[0] == '(' && strstr(why, "); ")), "%s: %s: unused text \"%s\"", name, k->key, why);
    }
    /* every model reads the shared keys, and its range from tau / sym_point or w_max / w_min */
    static const char *const all[] = {"model",      "dw_min",     "up_down",    "dw_min_dtod",      "up_down_dtod",
                                      "w_max_dtod", "w_min_dtod", "dw_min_std", "construction_seed"};
    for (size_t j = 0; j < sizeof all / sizeof all[0]; j++)
        CHECK(xbar_device_uses_key(m, all[j]), "%s does not read device.%s", name, all[j]);
    const int tau = xbar_device_uses_key(m, "tau"), wb = xbar_device_uses_key(m, "w_max");
    CHECK(tau == xbar_device_uses_key(m, "sym_point") && wb == xbar_device_uses_key(m, "w_min") && tau != wb,
          "%s: range keys: tau %d, w_max %d", name, tau, wb);
}

/* A key the model does not read, set to another value, changes nothing: the same devices and
 * the same bits of noisy pulses and of q. */
static void check_unused_keys(xbar_device_model m, const xbar_device_params *p0)
{
    xbar_devices a, b;
    if (!make(&a, p0, ND)) return;
    for (const xbar_key *k = xbar_device_keys(); k->section; k++) {
        if (xbar_device_uses_key(m, k->key)) continue;
        xbar_device_params p = *p0;
        void *f = (char *)&p + k->offset;
        if (k->type == XBAR_KEY_FLOAT)
            *(float *)f = *(float *)f * 1.5f + 0.25f;
        else if (k->type == XBAR_KEY_BOOL || k->type == XBAR_KEY_INT)
            *(int *)f = !*(int *)f;
        else
            continue;
        const char *why = xbar_device_check(&p);
        CHECK(!why, "%s: unused key %s changed makes the parameters invalid: %s", label, k->key, why);
        if (why || !make(&b, &p, ND)) continue;
        int same = a.ref == b.ref && a.granularity == b.granularity;
        for (size_t i = 0; i < ND; i++)
            same &= a.b_max[i] == b.b_max[i] && a.b_min[i] == b.b_min[i] && a.s_up[i] == b.s_up[i] &&
                    a.s_dn[i] == b.s_dn[i] && a.a_up[i] == b.a_up[i] && a.a_dn[i] == b.a_dn[i];
        for (size_t i = 0; i < ND && same; i++) {
            float wa = inner(&a, i, 0.5), wb = wa, xi[64];
            xbar_rng_normal_fill(xi, 64, 3, i, 0);
            for (int j = 0; j < 64; j++) {
                wa = xbar_device_pulse(&a, i, wa, j % 3 != 0, xi[j]);
                wb = xbar_device_pulse(&b, i, wb, j % 3 != 0, xi[j]);
                double qa, qb;
                xbar_device_q(&a, i, wa, &qa, NULL);
                xbar_device_q(&b, i, wa, &qb, NULL);
                same &= wa == wb && qa == qb;
            }
        }
        CHECK(same, "%s: device.%s, which the model does not read, changes its devices or pulses", label, k->key);
        xbar_devices_free(&b);
    }
    xbar_devices_free(&a);
}

/* ---- one model, every generic check ---------------------------------------------------- */

static void check_model(const xbar_device_params *p)
{
    xbar_devices d;
    const char *why = xbar_device_check(p);
    CHECK(!why, "%s: parameters refused: %s", label, why);
    if (why || !make(&d, p, ND)) return;
    CHECK(d.granularity > 0 && isfinite(d.granularity), "%s: granularity %g", label, d.granularity);
    check_qFG(&d);
    check_closed_form(&d);
    check_symmetric_point(&d);
    xbar_devices_free(&d);
    check_bounds(*p);
    check_schemes(p);
}

/* ---- (g) node tables from a file ------------------------------------------------------ */

static char dir[] = "/tmp/xbar_nodes_XXXXXX";

static void write_file(const char *name, const char *text, xbar_device_params *p)
{
    snprintf(p->piecewise_file, sizeof p->piecewise_file, "%s/%s", dir, name);
    FILE *f = fopen(p->piecewise_file, "w");
    if (f) fputs(text, f), fclose(f);
}

static void expect_refused(const char *name, const char *text, xbar_status want, const char *needle)
{
    xbar_device_params p = xbar_device_defaults(XBAR_DEV_PIECEWISE_STEP), before;
    write_file(name, text, &p);
    before = p;
    const xbar_status s = xbar_device_load_nodes(&p);
    const char *e = xbar_last_error();
    CHECK(s == want && strstr(e, needle) && strstr(e, p.piecewise_file),
          "nodes %s: status %d (want %d): \"%s\" "
          "(want the path and \"%s\")",
          name, (int)s, (int)want, e, needle);
    CHECK(!memcmp(&p, &before, sizeof p), "nodes %s: parameters changed on error", name);
}

static void test_nodes(void)
{
    if (!mkdtemp(dir)) {
        CHECK(0, "mkdtemp %s", dir);
        return;
    }
    xbar_device_params p = xbar_device_defaults(XBAR_DEV_PIECEWISE_STEP);
    CHECK(xbar_device_load_nodes(&p) == XBAR_OK && p.piecewise_n == 2, "nodes: empty name: %s", xbar_last_error());
    write_file("good.csv", "up,down\n1.5, 0.5\r\n\n1.2,0.8\n1,1\n0.8,1.2\n0.5,1.5", &p);
    CHECK(xbar_device_load_nodes(&p) == XBAR_OK, "nodes good.csv: %s", xbar_last_error());
    static const float up[] = {1.5f, 1.2f, 1.0f, 0.8f, 0.5f}, dn[] = {0.5f, 0.8f, 1.0f, 1.2f, 1.5f};
    CHECK(p.piecewise_n == 5 && !memcmp(p.piecewise_up, up, sizeof up) && !memcmp(p.piecewise_down, dn, sizeof dn),
          "nodes good.csv: n %d, up %g %g .. %g, down %g .. %g", p.piecewise_n, p.piecewise_up[0], p.piecewise_up[1],
          p.piecewise_up[4], p.piecewise_down[0], p.piecewise_down[4]);
    snprintf(label, sizeof label, "piecewise_step/good.csv");
    check_model(&p); /* the generic tests on a shaped table */
    xbar_device_params q = xbar_device_defaults(XBAR_DEV_PIECEWISE_STEP);
    write_file("noheader.csv", "2,0\n0,2\n", &q);
    CHECK(xbar_device_load_nodes(&q) == XBAR_OK && q.piecewise_n == 2 && q.piecewise_up[0] == 2.0f &&
              q.piecewise_down[1] == 2.0f,
          "nodes noheader.csv: %s", xbar_last_error());

    expect_refused("short.csv", "up,down\n1,1\n", XBAR_EFORMAT, "1 node: needs 2 to 32");
    expect_refused("empty.csv", "", XBAR_EFORMAT, "0 nodes");
    expect_refused("negative.csv", "up,down\n1,1\n1,-0.5\n", XBAR_EFORMAT, "line 3: down = \"-0.5\": must be a finite");
    expect_refused("nan.csv", "1,1\nnan,1\n", XBAR_EFORMAT, "line 2: up = \"nan\"");
    expect_refused("word.csv", "up,down\n1,1\n1,x1\n", XBAR_EFORMAT, "line 3: down = \"x1\"");
    expect_refused("three.csv", "1,1\n1,1,1\n", XBAR_EFORMAT, "line 2: \"1,1,1\": expected two values");
    expect_refused("one.csv", "1,1\n1\n", XBAR_EFORMAT, "line 2: \"1\": expected two values");
    char many[2048] = "up,down\n";
    for (int k = 0; k < XBAR_PIECEWISE_MAX + 1; k++) strcat(many, "1,1\n");
    expect_refused("many.csv", many, XBAR_EFORMAT, "line 34: more than 32 nodes");
    xbar_device_params r = xbar_device_defaults(XBAR_DEV_PIECEWISE_STEP);
    snprintf(r.piecewise_file, sizeof r.piecewise_file, "%s/absent.csv", dir);
    CHECK(xbar_device_load_nodes(&r) == XBAR_EIO && strstr(xbar_last_error(), "absent.csv: cannot read"),
          "nodes absent.csv: %s", xbar_last_error());
    snprintf(r.piecewise_file, sizeof r.piecewise_file, "%s", dir);
    CHECK(xbar_device_load_nodes(&r) == XBAR_EIO && strstr(xbar_last_error(), "not a regular file"),
          "nodes on a directory: %s", xbar_last_error());
    CHECK(xbar_device_load_nodes(NULL) == XBAR_EINVAL, "nodes NULL");
    static const char *const files[] = {"good.csv", "noheader.csv", "short.csv", "empty.csv", "negative.csv",
                                        "nan.csv",  "word.csv",     "three.csv", "one.csv",   "many.csv"};
    char path[600];
    for (size_t k = 0; k < sizeof files / sizeof files[0]; k++)
        snprintf(path, sizeof path, "%s/%s", dir, files[k]), unlink(path);
    rmdir(dir);
}

/* ---- the table's keys as a whole --------------------------------------------------------- */

static void test_keys(void)
{
    static const char *const order[] = {"model",        "tau",        "sym_point",      "dw_min",
                                        "w_max",        "w_min",      "up_down",        "dw_min_dtod",
                                        "up_down_dtod", "w_max_dtod", "w_min_dtod",     "dw_min_std",
                                        "mult_noise",   "gamma_up",   "gamma_down",     "pow_gamma",
                                        "pow_up_down",  "gamma_res",  "reference_mean", "construction_seed"};
    const xbar_key *k = xbar_device_keys();
    size_t n = 0;
    for (; k[n].section; n++) {
        CHECK(!strcmp(k[n].section, "device") && k[n].offset < sizeof(xbar_device_params) && k[n].doc,
              "row %zu (%s): section %s, offset %zu", n, k[n].key, k[n].section, k[n].offset);
        for (size_t j = 0; j < n; j++) CHECK(strcmp(k[j].key, k[n].key), "row %s twice", k[n].key);
        if (n < sizeof order / sizeof order[0])
            CHECK(!strcmp(k[n].key, order[n]), "row %zu: %s, was %s", n, k[n].key, order[n]);
    }
    CHECK(n >= 25, "%zu rows", n);
    CHECK(k[0].type == XBAR_KEY_ENUM && k[0].choices == xbar_device_model_names(), "device.model's choices");
    const char *const *names = xbar_device_model_names();
    int count = 0;
    while (names[count]) count++;
    CHECK(count == XBAR_DEV_COUNT_, "%d names for %d models", count, XBAR_DEV_COUNT_);
    CHECK(xbar_device_model_summary(XBAR_DEV_COUNT_) == NULL &&
              !strcmp(xbar_device_model_name(XBAR_DEV_COUNT_), "unknown"),
          "model out of range");
    /* the texts of the command-line program's "does not use" messages */
    static const struct {
        xbar_device_model m;
        const char *key, *text;
    } texts[] = {
        {XBAR_DEV_SOFT_BOUNDS, "tau",
         "(only ald, pow_zs and exp_zs use it); its range is set by device.w_max / device.w_min"},
        {XBAR_DEV_ALD, "w_max",
         "(every model but ald, pow_zs and exp_zs uses it); its range is set by device.tau and "
         "device.sym_point: [sym_point - tau, sym_point + tau]"},
        {XBAR_DEV_SOFT_BOUNDS, "gamma_up",
         "(only linear_step and exp_step use it); its slope follows from device.w_max / device.w_min"},
        {XBAR_DEV_ALD, "reference_mean", "(only soft_bounds_ref uses it); its offset is device.sym_point"},
        {XBAR_DEV_CONSTANT_STEP, "mult_noise",
         "(it has no additive noise form); its cycle-to-cycle noise is always multiplicative, step*(1 + "
         "dw_min_std*xi): set its size with device.dw_min_std"},
        {XBAR_DEV_POW_ZS, "pow_gamma", "(only pow_step and exp_paper use it); its exponent is set by device.gamma_res"},
        {XBAR_DEV_EXP_PAPER, "gamma_res",
         "(only pow_zs and exp_zs use it); its exponent is set by device.pow_gamma / "
         "device.pow_up_down"},
        {XBAR_DEV_LINEAR_STEP, "exp_a",
         "(only exp_step uses it); its shape is set by device.gamma_up / device.gamma_down"},
    };
    for (size_t j = 0; j < sizeof texts / sizeof texts[0]; j++) {
        const char *t = xbar_device_key_unused(texts[j].m, texts[j].key);
        CHECK(t && !strcmp(t, texts[j].text), "%s / %s: \"%s\"\n  want \"%s\"", xbar_device_model_name(texts[j].m),
              texts[j].key, t ? t : "NULL", texts[j].text);
    }
    CHECK(xbar_device_uses_key(XBAR_DEV_ALD, "no_such_key") == 1 && xbar_device_uses_key(XBAR_DEV_COUNT_, "tau") == 0 &&
              xbar_device_uses_key(XBAR_DEV_SOFT_BOUNDS, "dw_min") == 1 &&
              xbar_device_key_unused(XBAR_DEV_ALD, "no_such_key") == NULL,
          "uses_key of unknown keys / models");
}

int main(void)
{
    test_keys();
    for (int m = 0; m < XBAR_DEV_COUNT_; m++) {
        check_table((xbar_device_model)m);
        for (int v = 0; v < V_COUNT; v++) {
            xbar_device_params p;
            if (!params((xbar_device_model)m, v, &p)) continue;
            snprintf(label, sizeof label, "%s/%s", xbar_device_model_name((xbar_device_model)m), variant_names[v]);
            const int before = xt_failures;
            check_model(&p);
            check_unused_keys((xbar_device_model)m, &p);
            printf("%-28s %s\n", label, xt_failures == before ? "ok" : "FAILED");
        }
    }
    test_nodes();
    return xt_done("test_device_contract");
}
