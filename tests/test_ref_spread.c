/* test_ref_spread.c - per-device reference offsets, device.ref_std (xbar.h "Devices",
 * xbar_devices; docs/algorithms/reference_offsets.md): device i of soft_bounds_ref works on
 * g = w + r_i, r_i = reference_mean + ref_std xi_i (aihwkit SoftBoundsReferenceDevice
 * reference_std), device i of the ALD has the symmetric point sym_point + ref_std xi_i;
 * xi_i is lane i%4 of block i/4 of xbar_rng_normal4(construction_seed,
 * xbar_stream(XBAR_RNG_DTOD, object, 1)).
 *   (a) the drawn references have mean ref and std ref_std (4 standard errors, 10^4 devices),
 *   (b) the symmetric point of device i is the closed form: soft_bounds_ref g* - r_i with
 *       g* = (s_up - s_dn)/(s_up/b_max - s_dn/b_min) (q+ = q-), ALD sym_point + ref_std xi_i,
 *   (c) the folded arrays step as the unfolded formula s (1 - (w + r_i)/b) within float32
 *       rounding; the per-device array path (additive noise, large offsets) gives the bits of
 *       aihwkit's float order and of a set whose scalar reference is r_i, in the per-pulse,
 *       composed and tile (row kernel) paths,
 *   (d) ref_std = 0 (and models that do not read it) leaves every array bit-identical,
 *   (e) the configs of `xbar train` and `xbar lsq` accept device.ref_std for ald and
 *       soft_bounds_ref and refuse it for the other models, naming key and value. */
#include <float.h>
#include <stdlib.h>
#include <string.h>

#include "cfg.h"
#include "lsq_cfg.h"
#include "train_cfg.h"
#include "util.h"
#include "xbar.h"

#define SEED 11u
#define OBJ 5u

static int make(xbar_devices *d, const xbar_device_params *p, size_t n)
{
    const xbar_status s = xbar_devices_init(d, p, n, OBJ);
    CHECK(s == XBAR_OK, "init %s: %s", xbar_device_model_name(p->model), xbar_last_error());
    return s == XBAR_OK;
}

/* d drawn from p, d0 from p with ref_std = 0 (its twin without the spread); 0 (nothing held)
 * if either cannot be made. */
static int make_twins(xbar_devices *d, xbar_devices *d0, const xbar_device_params *p, size_t n)
{
    xbar_device_params p0 = *p;
    p0.ref_std = 0.0f;
    if (!make(d, p, n)) return 0;
    if (!make(d0, &p0, n)) {
        xbar_devices_free(d);
        return 0;
    }
    return 1;
}

/* xi_i of the contract above */
static float xi_at(size_t i)
{
    float z[4];
    xbar_rng_normal4(z, SEED, xbar_stream(XBAR_RNG_DTOD, OBJ, 1), i >> 2);
    return z[i & 3];
}

/* The sign of the draw: r_i = ref + sign ref_std xi_i (ALD: the symmetric point moves by +ref_std xi_i). */
static float sign_of(xbar_device_model m) { return m == XBAR_DEV_ALD ? -1.0f : 1.0f; }

/* The scalar reference of the model (xbar_devices.ref). */
static float ref_of(const xbar_device_params *p)
{
    return p->model == XBAR_DEV_ALD ? -p->sym_point : p->reference_mean;
}

/* soft_bounds_ref at reference_mean 0.1 (aihwkit defaults: variation, additive c2c; bound spread
 * w_max_dtod = w_min_dtod = bdtod) and the ALD at sym_point 0.2 (ideal), both with ref_std;
 * mult: multiplicative c2c; dw_min_std: c2c noise. */
static xbar_device_params sbr(float ref_std, int mult, float bdtod)
{
    xbar_device_params p = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS_REF);
    p.reference_mean = 0.1f, p.ref_std = ref_std, p.mult_noise = mult, p.construction_seed = SEED;
    p.w_max_dtod = p.w_min_dtod = bdtod;
    return p;
}

static xbar_device_params ald(float ref_std, float dw_min_std, int mult)
{
    xbar_device_params p = xbar_device_defaults(XBAR_DEV_ALD);
    p.sym_point = 0.2f, p.tau = 1.0f, p.dw_min = 0.01f, p.ref_std = ref_std, p.dw_min_std = dw_min_std;
    p.mult_noise = mult, p.construction_seed = SEED;
    return p;
}

/* ---- (a) mean and std of the references ---------------------------------------------- */

/* r_i - ref = sp(device i at ref_std 0) - sp(device i): the symmetric point is g* - r_i and g*
 * does not depend on the reference (the arrays are drawn from the other stream). */
static void test_moments(void)
{
    const size_t n = 100 * 100;
    const float sd = 0.05f;
    const xbar_device_params ps[] = {sbr(sd, 0, 0.3f), sbr(sd, 1, 0.1f), ald(sd, 0.0f, 0)};
    for (size_t c = 0; c < sizeof ps / sizeof ps[0]; c++) {
        xbar_devices d, d0;
        if (!make_twins(&d, &d0, &ps[c], n)) continue;
        xt_stat st = {0, 0, 0};
        for (size_t i = 0; i < n; i++)
            xt_stat_add(&st, xbar_device_symmetric_point(&d0, i) - xbar_device_symmetric_point(&d, i));
        /* mean 0 within 4 SE; std sd within 4 SE of a normal sample's std, sd / sqrt(2(n - 1)) */
        const double se_sd = sd / sqrt(2.0 * (double)(n - 1)), s = sqrt(xt_stat_var(&st));
        CHECK(fabs(st.mean) <= 4 * xt_stat_se(&st), "%s c%zu: mean of r_i - ref %.3g, 4 SE %.3g",
              xbar_device_model_name(ps[c].model), c, st.mean, 4 * xt_stat_se(&st));
        CHECK(fabs(s - sd) <= 4 * se_sd, "%s c%zu: std of r_i %.5g, want %.5g +- %.3g",
              xbar_device_model_name(ps[c].model), c, s, (double)sd, 4 * se_sd);
        xbar_devices_free(&d);
        xbar_devices_free(&d0);
    }
}

/* ---- (b) the symmetric point of device i --------------------------------------------- */

static void test_symmetric_point(void)
{
    const size_t n = 400;
    /* soft_bounds_ref: folded (mult), per-device array (additive) and large offsets (array) */
    const xbar_device_params ps[] = {sbr(0.03f, 1, 0.1f), sbr(0.05f, 0, 0.3f), sbr(0.5f, 1, 0.3f)};
    for (size_t c = 0; c < sizeof ps / sizeof ps[0]; c++) {
        xbar_devices d, d0;
        if (!make_twins(&d, &d0, &ps[c], n)) continue;
        double worst = 0;
        for (size_t i = 0; i < n; i++) {
            /* aihwkit's symmetric point (rpu_softbounds_reference_device.cpp), in g */
            const double su = d0.s_up[i], sdn = d0.s_dn[i], bx = d0.b_max[i], bn = d0.b_min[i];
            const double r = (double)ps[c].reference_mean + (double)ps[c].ref_std * xi_at(i);
            const double g = (su - sdn) / (su / bx - sdn / bn), want = fmin(fmax(g - r, bn - r), bx - r);
            const double got = xbar_device_symmetric_point(&d, i), tol = 16 * FLT_EPSILON * (bx - bn + fabs(r));
            worst = fmax(worst, fabs(got - want));
            CHECK(fabs(got - want) <= tol, "soft_bounds_ref c%zu device %zu: symmetric point %.9g, want %.9g", c, i,
                  got, want);
            /* and G vanishes there (F, G of the device itself) */
            double G;
            xbar_device_FG(&d, i, got, NULL, &G);
            CHECK(fabs(G) <= 1e-4, "soft_bounds_ref c%zu device %zu: G(sp) = %.3g", c, i, G);
        }
        printf("soft_bounds_ref c%zu (%s): max |sp - closed form| %.3g\n", c, d.ref_dev ? "array" : "folded", worst);
        xbar_devices_free(&d);
        xbar_devices_free(&d0);
    }
    /* ALD (ideal: equal steps, bounds sym_point +- tau): w*_i = sym_point + ref_std xi_i */
    const xbar_device_params pa[] = {ald(0.05f, 0.0f, 0), ald(0.05f, 0.1f, 0), ald(0.8f, 0.0f, 0)};
    for (size_t c = 0; c < sizeof pa / sizeof pa[0]; c++) {
        xbar_devices d;
        if (!make(&d, &pa[c], n)) continue;
        double worst = 0;
        for (size_t i = 0; i < n; i++) {
            const double want = (double)pa[c].sym_point + (double)pa[c].ref_std * xi_at(i);
            const double lo = pa[c].sym_point - pa[c].tau + pa[c].ref_std * xi_at(i);
            const double got = xbar_device_symmetric_point(&d, i);
            worst = fmax(worst, fabs(got - want));
            CHECK(fabs(got - want) <= 8 * FLT_EPSILON * (fabs(want) + pa[c].tau),
                  "ald c%zu device %zu: symmetric point %.9g, want %.9g", c, i, got, want);
            /* the range moves with it: [w*_i - tau, w*_i + tau] */
            CHECK(fabs(xbar_device_clip(&d, i, -10.0f) - lo) <= 8 * FLT_EPSILON * (fabs(lo) + 1),
                  "ald c%zu device %zu: lower clip %.9g, want %.9g", c, i, xbar_device_clip(&d, i, -10.0f), lo);
        }
        printf("ald c%zu (%s): max |sp - closed form| %.3g\n", c, d.ref_dev ? "array" : "folded", worst);
        xbar_devices_free(&d);
    }
}

/* ---- (c) the folded step and the per-device array ------------------------------------ */

/* Which path a set takes: the fold for noise-free or multiplicative noise where every
 * delta_i = r_i - ref lies in [b_min/2, b_max/2] of its device (as drawn), else the array. */
static void test_paths(void)
{
    const size_t n = 1000;
    const struct {
        xbar_device_params p;
        int array; /* the path the rule gives for these draws */
    } cases[] = {{sbr(0.03f, 1, 0.1f), 0}, {sbr(0.05f, 1, 0.3f), 1}, {sbr(0.05f, 0, 0.3f), 1}, {sbr(0.5f, 1, 0.3f), 1},
                 {ald(0.05f, 0.0f, 0), 0}, {ald(0.05f, 0.1f, 1), 0}, {ald(0.05f, 0.1f, 0), 1}, {ald(0.8f, 0.0f, 0), 1}};
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        xbar_device_params p0 = cases[c].p;
        p0.ref_std = 0.0f;
        xbar_devices d, d0;
        if (!make(&d0, &p0, n)) continue;
        int outside = 0;
        for (size_t i = 0; i < n; i++) {
            const float dl = sign_of(p0.model) * cases[c].p.ref_std * xi_at(i);
            outside += !(dl >= 0.5f * d0.b_min[i] && dl <= 0.5f * d0.b_max[i]);
        }
        xbar_devices_free(&d0);
        const int rule = outside > 0 || (p0.dw_min_std != 0.0f && !p0.mult_noise);
        CHECK(rule == cases[c].array, "case %zu: %d devices outside half their bounds: the rule gives %d", c, outside,
              rule);
        if (!make(&d, &cases[c].p, n)) continue;
        CHECK((d.ref_dev != NULL) == rule, "%s case %zu: ref_dev %s, the rule says %s",
              xbar_device_model_name(cases[c].p.model), c, d.ref_dev ? "set" : "NULL", rule ? "set" : "NULL");
        CHECK(d.ref == ref_of(&cases[c].p), "case %zu: ref %.9g", c, d.ref);
        /* the array holds r_i = ref + (sign ref_std) xi_i, in float as drawn */
        for (size_t i = 0; d.ref_dev && i < d.n; i++) {
            const float want = ref_of(&cases[c].p) + sign_of(cases[c].p.model) * cases[c].p.ref_std * xi_at(i);
            CHECK(d.ref_dev[i] == want, "case %zu device %zu: r = %.9g, want %.9g", c, i, d.ref_dev[i], want);
        }
        xbar_devices_free(&d);
    }
}

/* One pulse of the folded sets from a grid of w against the unfolded formula in double:
 * g = w + r_i, g' = clip(g +- s (1 - g/b)(1 + sigma xi)), w' = g' - r_i. */
static void test_fold_step(void)
{
    const size_t n = 64;
    const xbar_device_params ps[] = {sbr(0.03f, 1, 0.1f), ald(0.05f, 0.0f, 0), ald(0.05f, 0.2f, 1),
                                     ald(0.12f, 0.3f, 1)};
    const float xis[] = {0.0f, 1.3f, -2.1f};
    for (size_t c = 0; c < sizeof ps / sizeof ps[0]; c++) {
        xbar_devices d, d0;
        if (!make_twins(&d, &d0, &ps[c], n)) continue;
        CHECK(d.ref_dev == NULL, "case %zu: not folded", c);
        const double sg = sign_of(ps[c].model), sigma = ps[c].dw_min_std;
        double worst = 0;
        int checked = 0;
        for (size_t i = 0; i < n; i++) {
            const double r = (double)ref_of(&ps[c]) + sg * ps[c].ref_std * xi_at(i);
            const double bx = d0.b_max[i], bn = d0.b_min[i];
            for (int k = 0; k <= 40; k++) {
                /* w from 5% below the range to 5% above it */
                const float w = (float)(bn - r + (bx - bn) * (-0.05 + 1.1 * k / 40.0));
                for (int up = 0; up < 2; up++)
                    for (size_t x = 0; x < sizeof xis / sizeof xis[0]; x++) {
                        const double s = up ? d0.s_up[i] : d0.s_dn[i], b = up ? bx : bn;
                        const double g = (double)w + r, st = s * (1.0 - g / b) * (1.0 + sigma * xis[x]);
                        const double want = fmin(fmax(up ? g + st : g - st, bn), bx) - r;
                        const float got = xbar_device_pulse(&d, i, w, up, xis[x]);
                        const double tol = 8 * FLT_EPSILON * (fabs(w) + fabs(r) + bx - bn);
                        worst = fmax(worst, fabs(got - want));
                        CHECK(fabs(got - want) <= tol, "case %zu device %zu w %.9g up %d xi %g: %.9g, want %.9g", c, i,
                              w, up, xis[x], got, want);
                        checked++;
                    }
            }
        }
        printf("fold case %zu (%s): %d pulses, max |folded - unfolded| %.3g\n", c, xbar_device_model_name(ps[c].model),
               checked, worst);
        xbar_devices_free(&d);
        xbar_devices_free(&d0);
    }
}

/* Additive c2c noise keeps its size with a per-device reference: s (q + sigma xi) moves g by
 * s sigma xi beyond the noise-free step, s as drawn (aihwkit's update_once_add). The fold, which
 * would scale it by 1 - delta/b, is not taken there. */
static void test_noise_size(void)
{
    const size_t n = 200;
    /* offsets small enough for the fold's half-bound rule: only the additive noise keeps the array */
    const xbar_device_params ps[] = {sbr(0.04f, 0, 0.1f), ald(0.1f, 0.3f, 0)};
    for (size_t c = 0; c < sizeof ps / sizeof ps[0]; c++) {
        xbar_devices d, d0;
        if (!make_twins(&d, &d0, &ps[c], n)) continue;
        const float xi = 1.5f;
        double worst = 0;
        for (size_t i = 0; i < n; i++) {
            /* the middle of the device's range: no clip for a step plus 1.5 sigma */
            const float w = 0.5f * (xbar_device_clip(&d, i, -10.0f) + xbar_device_clip(&d, i, 10.0f));
            for (int up = 0; up < 2; up++) {
                const double s = up ? d0.s_up[i] : d0.s_dn[i], want = (up ? 1 : -1) * s * ps[c].dw_min_std * xi;
                const double got = (double)xbar_device_pulse(&d, i, w, up, xi) - xbar_device_pulse(&d, i, w, up, 0.0f);
                worst = fmax(worst, fabs(got - want) / fabs(want));
                CHECK(fabs(got - want) <= 4 * FLT_EPSILON * (fabs(w) + 2), "%s device %zu up %d: noise %.6g, want %.6g",
                      xbar_device_model_name(ps[c].model), i, up, got, want);
            }
        }
        printf("%s: additive noise size, max relative deviation %.3g\n", xbar_device_model_name(ps[c].model), worst);
        xbar_devices_free(&d);
        xbar_devices_free(&d0);
    }
}

/* The array path: device k of the set steps with the bits of aihwkit's float order
 * (w += r; step; clip; w -= r) and of a set whose scalar reference is r_k (same seed and object,
 * ref_std 0, so the same arrays): pulses, n composed pulses, q, clip. */
static void test_array_exact(void)
{
    const size_t n = 48;
    const xbar_device_params ps[] = {sbr(0.05f, 0, 0.3f), sbr(0.5f, 1, 0.3f), ald(0.05f, 0.1f, 0), ald(0.8f, 0.0f, 0)};
    for (size_t c = 0; c < sizeof ps / sizeof ps[0]; c++) {
        xbar_devices d;
        if (!make(&d, &ps[c], n)) continue;
        CHECK(d.ref_dev != NULL, "case %zu: folded", c);
        if (!d.ref_dev) {
            xbar_devices_free(&d);
            continue;
        }
        int bad = 0;
        for (size_t k = 0; k < n; k += 5) {
            const float r = d.ref_dev[k];
            xbar_device_params pk = ps[c];
            pk.ref_std = 0.0f;
            if (pk.model == XBAR_DEV_ALD)
                pk.sym_point = -r;
            else
                pk.reference_mean = r;
            xbar_devices e;
            if (!make(&e, &pk, n)) continue;
            CHECK(e.ref == r && e.b_max[k] == d.b_max[k] && e.s_up[k] == d.s_up[k], "case %zu device %zu: twin", c, k);
            for (int j = 0; j <= 20; j++) {
                const float w = (float)(d.b_min[k] - r + (d.b_max[k] - d.b_min[k]) * j / 20.0);
                for (int up = 0; up < 2; up++) {
                    const float xi = 0.7f * (float)(j - 10) / 10.0f;
                    /* aihwkit's order, float32 (rpu_softbounds_reference_device.cpp update_once_*) */
                    const float s = up ? d.s_up[k] : d.s_dn[k], b = up ? d.b_max[k] : d.b_min[k];
                    const float nz = ps[c].dw_min_std * xi, g = w + r, q = 1.0f - g / b;
                    const float st = ps[c].mult_noise ? s * q * (1.0f + nz) : s * (q + nz);
                    float g1 = up ? g + st : g - st;
                    g1 = g1 > d.b_max[k] ? d.b_max[k] : (g1 < d.b_min[k] ? d.b_min[k] : g1);
                    const float want = g1 - r;
                    const float got = xbar_device_pulse(&d, k, w, up, xi);
                    bad += memcmp(&got, &want, 4) != 0;
                    bad += got != xbar_device_pulse(&e, k, w, up, xi);
                    for (unsigned np = 1; np <= 40; np += 13) {
                        float a = 0, b2 = 0;
                        const int ca = xbar_device_pulses_composed(&d, k, w, up, np, xi, &a);
                        const int cb = xbar_device_pulses_composed(&e, k, w, up, np, xi, &b2);
                        bad += ca != cb || (ca && memcmp(&a, &b2, 4) != 0);
                        const float pa = xbar_device_pulses(&d, k, w, up, np),
                                    pb = xbar_device_pulses(&e, k, w, up, np);
                        bad += memcmp(&pa, &pb, 4) != 0;
                    }
                    double qa, qb, qc, qd;
                    xbar_device_q(&d, k, w, &qa, &qb);
                    xbar_device_q(&e, k, w, &qc, &qd);
                    bad += qa != qc || qb != qd;
                }
                bad += xbar_device_clip(&d, k, 3.0f * w) != xbar_device_clip(&e, k, 3.0f * w);
            }
            bad += xbar_device_symmetric_point(&d, k) != xbar_device_symmetric_point(&e, k);
            xbar_devices_free(&e);
        }
        CHECK(bad == 0, "%s case %zu: %d results differ from the twin set / aihwkit's order",
              xbar_device_model_name(ps[c].model), c, bad);
        xbar_devices_free(&d);
    }
}

/* The row kernel with per-device references (gathered slots): one pulse per slot (BL = 1), so the
 * composed update (compose_pulses = 1) and pulse by pulse (0) take the same arithmetic and the
 * same normals: the weights agree bit for bit. */
static void test_tile_rows(void)
{
    const size_t rows = 12, cols = 37, batch = 4;
    const xbar_device_params ps[] = {sbr(0.05f, 0, 0.3f), ald(0.05f, 0.2f, 0)};
    for (size_t c = 0; c < sizeof ps / sizeof ps[0]; c++) {
        float W[2][12 * 37];
        for (int compose = 0; compose < 2; compose++) {
            xbar_tile_config tc = xbar_tile_config_defaults(rows, cols);
            tc.device = ps[c];
            tc.update.desired_bl = 1;
            tc.update.compose_pulses = compose;
            tc.seed = 3, tc.id = 2;
            xbar_tile *t = xbar_tile_new(&tc);
            CHECK(t != NULL, "tile: %s", xbar_last_error());
            if (!t) return;
            CHECK(xbar_tile_devices(t)->ref_dev != NULL, "tile case %zu: folded", c);
            float X[4 * 37], D[4 * 12];
            for (int step = 0; step < 30; step++) {
                xbar_rng_normal_fill(X, batch * cols, 5, xbar_stream(XBAR_RNG_USER, 1, (uint32_t)step), 0);
                xbar_rng_normal_fill(D, batch * rows, 5, xbar_stream(XBAR_RNG_USER, 2, (uint32_t)step), 0);
                for (size_t j = 0; j < batch * cols; j += 3) X[j] = 0.0f; /* sparse columns */
                if (step % 2)
                    for (size_t j = 0; j < batch * cols; j++) X[j] = fabsf(X[j]); /* one direction */
                CHECK(xbar_tile_update(t, X, D, batch, 0.05f) == XBAR_OK, "update: %s", xbar_last_error());
            }
            CHECK(xbar_tile_pulse_count(t) > 1000, "tile case %zu: %llu pulses", c,
                  (unsigned long long)xbar_tile_pulse_count(t));
            xbar_tile_get_weights(t, W[compose], cols);
            xbar_tile_free(t);
        }
        CHECK(!memcmp(W[0], W[1], sizeof W[0]), "tile case %zu: composed and pulse-by-pulse weights differ", c);
    }
}

/* ---- (d) ref_std = 0 and the models that do not read it ------------------------------- */

static int same_set(const xbar_devices *a, const xbar_devices *b)
{
    if (a->n != b->n || memcmp(&a->ref, &b->ref, 4) || memcmp(&a->granularity, &b->granularity, 4) ||
        (a->ref_dev == NULL) != (b->ref_dev == NULL))
        return 0;
    const float *x[6] = {a->b_max, a->b_min, a->s_up, a->s_dn, a->a_up, a->a_dn};
    const float *y[6] = {b->b_max, b->b_min, b->s_up, b->s_dn, b->a_up, b->a_dn};
    for (int k = 0; k < 6; k++)
        if (memcmp(x[k], y[k], a->n * sizeof(float))) return 0;
    return 1;
}

static void test_zero_and_unused(void)
{
    const size_t n = 500;
    for (int m = 0; m < XBAR_DEV_COUNT_; m++) {
        const xbar_device_model model = (xbar_device_model)m;
        xbar_device_params absent = xbar_device_defaults(model);
        absent.construction_seed = SEED;
        CHECK(absent.ref_std == 0.0f, "%s: default ref_std %g", xbar_device_model_name(model), absent.ref_std);
        xbar_device_params zero = absent;
        CHECK(xbar_device_params_set(&zero, "device.ref_std = 0") == XBAR_OK, "set: %s", xbar_last_error());
        xbar_devices a, b;
        if (!make(&a, &absent, n)) continue;
        if (make(&b, &zero, n)) {
            CHECK(same_set(&a, &b) && !b.ref_dev, "%s: ref_std = 0 changes the devices", xbar_device_model_name(model));
            xbar_devices_free(&b);
        }
        /* spread on: a model that reads it keeps its drawn arrays where it does not fold (the other
         * stream); one that does not read it is the same set to the bit */
        xbar_device_params on = absent;
        on.ref_std = 0.2f;
        on.mult_noise = 0, on.dw_min_std = 0.3f; /* additive noise: no fold */
        xbar_device_params off = on;
        off.ref_std = 0.0f;
        if (make(&b, &on, n)) {
            xbar_devices c0;
            if (make(&c0, &off, n)) {
                const int reads = xbar_device_uses_key(model, "ref_std");
                if (reads) {
                    xbar_devices bb = b;
                    bb.ref_dev = NULL;
                    CHECK(same_set(&bb, &c0) && b.ref_dev, "%s: ref_std changed the drawn arrays",
                          xbar_device_model_name(model));
                } else {
                    CHECK(same_set(&b, &c0), "%s: ref_std, not read, changed the devices",
                          xbar_device_model_name(model));
                }
                xbar_devices_free(&c0);
            }
            xbar_devices_free(&b);
        }
        xbar_devices_free(&a);
    }
    /* who reads it, and the check */
    for (int m = 0; m < XBAR_DEV_COUNT_; m++) {
        const int want = m == XBAR_DEV_ALD || m == XBAR_DEV_SOFT_BOUNDS_REF;
        CHECK(xbar_device_uses_key((xbar_device_model)m, "ref_std") == want, "%s: uses ref_std %d",
              xbar_device_model_name((xbar_device_model)m), !want);
    }
    xbar_device_params p = sbr(-0.1f, 0, 0.3f);
    const char *why = xbar_device_check(&p);
    CHECK(why && strstr(why, "device.ref_std = -0.1") && strstr(why, ">= 0"), "negative ref_std: %s",
          why ? why : "accepted");
    /* one row, the last (xbar_device_keys: the shared keys added since come after the models' rows) */
    int rows = 0, at = -1, total = 0;
    for (const xbar_key *k = xbar_device_keys(); k->section; k++, total++)
        if (!strcmp(k->key, "ref_std")) rows++, at = total;
    CHECK(rows == 1 && at == total - 1, "device.ref_std: %d rows, row %d of %d", rows, at, total);
}

/* ---- (e) the program's configurations ------------------------------------------------- */

static const char *const unused_msg =
    ": the %s model does not use ref_std (only ald and soft_bounds_ref use it); its response has no "
    "reference offset to spread";

static void test_config(void)
{
    char err[1024], model[64], want[512];
    for (int m = 0; m < XBAR_DEV_COUNT_; m++) {
        const char *name = xbar_device_model_name((xbar_device_model)m);
        const int reads = m == XBAR_DEV_ALD || m == XBAR_DEV_SOFT_BOUNDS_REF;
        snprintf(model, sizeof model, "device.model=%s", name);
        const char *sets[] = {model, "device.ref_std=0.07"};
        snprintf(want, sizeof want, "device.ref_std = 0.07");
        size_t at = strlen(want);
        snprintf(want + at, sizeof want - at, unused_msg, name);
        /* xbar train */
        train_cfg t = train_cfg_defaults();
        int rc = 0;
        for (int j = 0; j < 2 && !rc; j++) rc = cfg_set(train_keys(), &t, sets[j], err, sizeof err);
        CHECK(rc == 0 && t.device.ref_std == 0.07f, "train %s: --set refused: %s", name, err);
        err[0] = 0;
        rc = train_cfg_check_given(&t, NULL, sets, 2, err, sizeof err);
        if (reads)
            CHECK(rc == 0, "train %s: device.ref_std refused: %s", name, err);
        else
            CHECK(rc != 0 && !strcmp(err, want), "train %s: rc %d, \"%s\"\n  want \"%s\"", name, rc, err, want);
        /* xbar lsq */
        lsq_cfg l = lsq_cfg_defaults();
        rc = 0;
        for (int j = 0; j < 2 && !rc; j++) rc = cfg_set(lsq_keys(), &l, sets[j], err, sizeof err);
        CHECK(rc == 0, "lsq %s: --set refused: %s", name, err);
        err[0] = 0;
        rc = lsq_cfg_check_given(&l, NULL, sets, 2, err, sizeof err);
        if (reads)
            CHECK(rc == 0, "lsq %s: device.ref_std refused: %s", name, err);
        else
            CHECK(rc != 0 && strstr(err, "device.ref_std = 0.07") && strstr(err, "does not use ref_std"),
                  "lsq %s: rc %d, \"%s\"", name, rc, err);
    }
    /* a negative value is refused when set, naming key and value */
    train_cfg t = train_cfg_defaults();
    err[0] = 0;
    const int rc = cfg_set(train_keys(), &t, "device.ref_std=-0.5", err, sizeof err);
    CHECK(rc != 0 && strstr(err, "device.ref_std") && strstr(err, "-0.5"), "negative ref_std: rc %d, \"%s\"", rc, err);
}

int main(void)
{
    test_moments();
    test_symmetric_point();
    test_paths();
    test_fold_step();
    test_noise_size();
    test_array_exact();
    test_tile_rows();
    test_zero_and_unused();
    test_config();
    return xt_done("test_ref_spread");
}
