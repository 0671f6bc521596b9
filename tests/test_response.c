/* test_response.c - the response-function family (spec successors T8; docs/model.md):
 *   (a) power and exponential responses (pow_zs, exp_zs): q+(tau) = q-(-tau) = 0, F(0) = 1,
 *       G(0) = 0, F and G against their closed forms, and G'(0) = gamma/tau (power),
 *       gamma e^gamma / (tau (e^gamma - 1)) (exponential) within 1e-6 relative
 *       (xbar_device_response's central differences);
 *   (b) the perturbed linear response (ald with device.resp_c = c): F = 1 - c u/tau, G = u/tau - c
 *       (u = w - sym_point), and the symmetric point sym_point + c tau, for both signs of c;
 *       c = 0 draws the ALD bit for bit; |c| >= 1 is refused naming the key;
 *   (c) soft bounds with w_min < 0 and unequal steps: the closed-form symmetric point ([NC24]
 *       eq. 8, xbar_device_symmetric_point) is the numeric root of G;
 *   (d) T9, the implicit penalty's drift: one Analog SGD step at zero mean gradient moves the
 *       weights by -alpha E|g| G(w) on average (power response at w = +-0.3 tau). */
#include <math.h>
#include <string.h>

#include "util.h"
#include "xbar.h"

static int make(xbar_devices *d, const xbar_device_params *p, size_t n)
{
    const xbar_status s = xbar_devices_init(d, p, n, 3u);
    CHECK(s == XBAR_OK, "init %s: %s", xbar_device_model_name(p->model), xbar_last_error());
    return s == XBAR_OK;
}

static xbar_response at(const xbar_devices *d, double w)
{
    xbar_response r;
    memset(&r, 0, sizeof r);
    CHECK(xbar_device_response(d, 0, w, &r) == XBAR_OK, "response at %g: %s", w, xbar_last_error());
    return r;
}

static int rel_ok(double got, double want, double tol)
{
    return fabs(got - want) <= tol * fmax(fabs(want), 1e-300) || (want == 0 && fabs(got) <= tol);
}

static void zero_shifted(void)
{
    const float taus[] = {1.0f, 0.6f}, gammas[] = {0.5f, 2.0f, 3.0f};
    for (int m = 0; m < 2; m++)
        for (int t = 0; t < 2; t++)
            for (int k = 0; k < 3; k++) {
                const int pw = m == 0;
                xbar_device_params p = xbar_device_defaults(pw ? XBAR_DEV_POW_ZS : XBAR_DEV_EXP_ZS);
                const double tau = taus[t], g = gammas[k];
                p.tau = taus[t], p.gamma_res = gammas[k], p.dw_min = 1e-3f;
                xbar_devices d;
                if (!make(&d, &p, 1)) continue;
                const char *name = pw ? "pow_zs" : "exp_zs";
                const xbar_response hi = at(&d, tau), lo = at(&d, -tau), z = at(&d, 0);
                CHECK(hi.q_up == 0 && lo.q_dn == 0, "%s tau %g gamma %g: q+(tau) = %g, q-(-tau) = %g", name, tau, g,
                      hi.q_up, lo.q_dn);
                CHECK(fabs(z.F - 1) <= 1e-12 && fabs(z.G) <= 1e-12, "%s tau %g gamma %g: F(0) = %.15g, G(0) = %.3g",
                      name, tau, g, z.F, z.G);
                const double dg0 = pw ? g / tau : g * exp(g) / (tau * expm1(g));
                CHECK(rel_ok(z.dG, dg0, 1e-6), "%s tau %g gamma %g: G'(0) = %.12g, closed form %.12g", name, tau, g,
                      z.dG, dg0);
                for (double x = -0.8; x <= 0.81; x += 0.4) { /* F and G at w = x tau */
                    const xbar_response r = at(&d, x * tau);
                    double F, G;
                    if (pw) {
                        F = 0.5 * (pow(1 + x, g) + pow(1 - x, g)), G = 0.5 * (pow(1 + x, g) - pow(1 - x, g));
                    } else {
                        F = (exp(g) * cosh(g * x) - 1) / expm1(g), G = exp(g) * sinh(g * x) / expm1(g);
                    }
                    CHECK(rel_ok(r.F, F, 1e-9) && rel_ok(r.G, G, 1e-9), "%s tau %g gamma %g w %g tau: F %.12g vs %.12g, "
                          "G %.12g vs %.12g", name, tau, g, x, r.F, F, r.G, G);
                }
                xbar_devices_free(&d);
            }
}

static void perturbed_linear(void)
{
    const float cs[] = {-0.3f, 0.2f, 0.5f};
    for (int k = 0; k < 3; k++) {
        xbar_device_params p = xbar_device_defaults(XBAR_DEV_ALD);
        p.tau = 0.8f, p.sym_point = 0.1f, p.dw_min = 1e-3f, p.resp_c = cs[k];
        const double c = cs[k], tau = p.tau, wd = p.sym_point;
        xbar_devices d;
        if (!make(&d, &p, 1)) continue;
        const double sp = xbar_device_symmetric_point(&d, 0);
        CHECK(fabs(sp - (wd + c * tau)) <= 1e-6 * tau, "resp_c %g: symmetric point %.9g, expected %.9g", c, sp,
              wd + c * tau);
        for (double x = -0.6; x <= 0.61; x += 0.3) {
            const double u = x * tau;
            const xbar_response r = at(&d, wd + u);
            /* with the float32 arrays (steps (1 +- c) dw_min, bounds +-tau) */
            const double F = 1 - c * u / tau, G = u / tau - c;
            CHECK(fabs(r.F - F) <= 1e-6 && fabs(r.G - G) <= 1e-6 && fabs(r.dG - 1 / tau) <= 1e-6 / tau,
                  "resp_c %g, u = %g: F %.9g vs %.9g, G %.9g vs %.9g, G' %.9g vs %.9g", c, u, r.F, F, r.G, G, r.dG,
                  1 / tau);
        }
        xbar_devices_free(&d);
    }
    /* c = 0 is the ALD, bit for bit (variation on, so every array is drawn) */
    xbar_device_params p = xbar_device_defaults(XBAR_DEV_ALD), q;
    p.dw_min_dtod = 0.3f, p.up_down_dtod = 0.1f, p.w_max_dtod = 0.2f;
    q = p;
    q.resp_c = 0.0f;
    xbar_devices a, b;
    if (make(&a, &p, 64) && make(&b, &q, 64)) {
        CHECK(!memcmp(a.s_up, b.s_up, 64 * sizeof(float)) && !memcmp(a.s_dn, b.s_dn, 64 * sizeof(float)) &&
                  !memcmp(a.b_max, b.b_max, 64 * sizeof(float)),
              "resp_c = 0 changes the ALD's arrays");
        xbar_devices_free(&a), xbar_devices_free(&b);
    }
    const float bad[] = {1.0f, -1.0f, 1.5f};
    for (int k = 0; k < 3; k++) {
        p = xbar_device_defaults(XBAR_DEV_ALD);
        p.resp_c = bad[k];
        const char *why = xbar_device_check(&p);
        CHECK(why && strstr(why, "device.resp_c") && strstr(why, "(-1, 1)"), "resp_c = %g: %s", bad[k],
              why ? why : "accepted");
    }
    p = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS);
    CHECK(!xbar_device_uses_key(XBAR_DEV_SOFT_BOUNDS, "resp_c") && xbar_device_uses_key(XBAR_DEV_ALD, "resp_c"),
          "resp_c: read by the ald only");
}

static void soft_bounds_root(void)
{
    xbar_device_params p = xbar_device_ideal(XBAR_DEV_SOFT_BOUNDS);
    p.w_max = 0.9f, p.w_min = -0.5f, p.dw_min = 1e-3f, p.up_down = 0.2f;
    xbar_devices d;
    if (!make(&d, &p, 1)) return;
    double a = -0.5, b = 0.9; /* G increases with w */
    for (int k = 0; k < 200 && b - a > 1e-15; k++) {
        const double m = 0.5 * (a + b);
        *(at(&d, m).G > 0 ? &b : &a) = m;
    }
    const double sp = xbar_device_symmetric_point(&d, 0);
    CHECK(fabs(sp - 0.5 * (a + b)) <= 1e-9, "soft bounds: closed-form symmetric point %.12g, root of G %.12g", sp,
          0.5 * (a + b));
    CHECK(fabs(at(&d, sp).G) <= 1e-9, "soft bounds: G at the symmetric point %.3g", at(&d, sp).G);
    xbar_devices_free(&d);
}

/* T9: at a point where E grad = 0, one Analog SGD step (expected update) moves the weights by
 * -alpha E|g| G(w) on average: power response (gamma 2, tau 1) at w = +-0.3, g ~ N(0, s^2), the
 * mean over 20,000 weights within 4 standard errors. */
static void implicit_drift(void)
{
    enum { N = 20000 };
    const double alpha = 0.1, s = 0.5, g = 2.0;
    for (int sign = -1; sign <= 1; sign += 2) {
        const double w0 = 0.3 * sign;
        xbar_tile_config tc = xbar_tile_config_defaults(1, N);
        tc.device = xbar_device_defaults(XBAR_DEV_POW_ZS);
        tc.device.tau = 1.0f, tc.device.gamma_res = (float)g, tc.device.dw_min = 1e-3f;
        tc.update.scheme = XBAR_SCHEME_EXPECTED;
        xbar_opt_params o = xbar_opt_defaults(XBAR_OPT_ANALOG_SGD);
        xbar_aw *a = xbar_aw_new(&o, &tc);
        CHECK(a != NULL, "T9: analog_sgd: %s", xbar_last_error());
        if (!a) return;
        static float W[N], G[N], W1[N];
        for (int j = 0; j < N; j++) {
            double z[2];
            xbar_rng_normal2d(z, 5, 9, (uint64_t)j / 2);
            W[j] = (float)w0, G[j] = (float)(s * z[j & 1]);
        }
        xbar_aw_set_weights(a, W);
        CHECK(xbar_aw_step_dense(a, G, (float)alpha) == XBAR_OK, "T9: step: %s", xbar_last_error());
        xbar_aw_get_weights(a, W1);
        double m = 0, q = 0;
        for (int j = 0; j < N; j++) m += (double)W1[j] - W[j], q += ((double)W1[j] - W[j]) * ((double)W1[j] - W[j]);
        m /= N;
        const double se = sqrt(fmax(q / N - m * m, 0) / N);
        const double G0 = 0.5 * (pow(1 + w0, g) - pow(1 - w0, g)), want = -alpha * s * sqrt(2 / 3.14159265358979323846) * G0;
        CHECK(fabs(m - want) <= 4 * se, "T9: w = %+.1f: mean drift %.6g, -alpha E|g| G(w) = %.6g (se %.2g)", w0, m, want,
              se);
        printf("T9: w = %+.1f tau: mean drift of one step %+.6f, -alpha E|g| G(w) = %+.6f (se %.1g)\n", w0, m, want, se);
        xbar_aw_free(a);
    }
}

int main(void)
{
    zero_shifted();
    implicit_drift();
    perturbed_linear();
    soft_bounds_root();
    xbar_response r;
    CHECK(xbar_device_response(NULL, 0, 0.0, &r) == XBAR_EINVAL, "response of a NULL set accepted");
    return xt_done("test_response");
}
