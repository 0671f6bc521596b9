/* test_fit_cli.c - `xbar fit` end to end (argv[1] = the program's path; without it, the xbar beside
 * this test's folder). Synthetic data from the library's own devices (xbar_device_pulse, one
 * device, no device-to-device variation): cycles of N up then N down pulses across the range,
 * optionally with cycle-to-cycle noise (lane k%4 of xbar_rng_normal4(seed, stream, k/4)):
 *   recovery  for each model, fitted alone (fit.models = it), every parameter within 5 % (exp_step's
 *             A_up with noise: 10 %, see below) of the
 *             generator's (relative to its size, or to the range for a parameter near 0), noise-free
 *             and with c2c noise; with noise the c2c_std estimate within 15 %; fit.ini (and
 *             fit_MODEL.ini) loads as the [device] section of `xbar device --config`; the residuals
 *             through the library device of fit.ini (rmse_library) within 2 % of the fit's rmse;
 *   choice    with every model offered, BIC picks the generating one on noisy data, 3 seeds each
 *             (exp_paper's data may go to exp_step within 2 of BIC: the same step functions);
 *   se        with noise, every parameter within 6 of its reported standard errors;
 *   refusals  bad CSVs (empty, non-numeric, NaN, too few steps, one direction only, two fields, a
 *             non-integer pulse count) exit 2 with FILE:LINE in one line and no output folder. */
#define _POSIX_C_SOURCE 200809L
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli_util.h"
#include "util.h"
#include "xbar.h"

static char tmp[256];

typedef struct {
    const char *model;               /* the fit model = the library model */
    const char *keys;                /* [device] lines beyond the zero spreads */
    const char *pnames[6];           /* the fit's parameters */
    double pvals[6];                 /* their true values */
    double sigma;                    /* c2c noise of the noisy data */
    int n;                           /* pulses per half cycle */
} gen_case;

static const gen_case cases[] = {
    {"soft_bounds", "model = soft_bounds\ndw_min = 0.01\nup_down = 0.2\nw_max = 0.8\nw_min = -0.4\n",
     {"s_up", "s_dn", "b_max", "b_min"}, {0.01, 0.008, 0.8, -0.4}, 0.1, 300},
    {"ald", "model = ald\ndw_min = 0.01\ntau = 0.7\nsym_point = 0.15\n", {"delta", "tau", "sym_point"},
     {0.01, 0.7, 0.15}, 0.3, 300},
    {"pow_step", "model = pow_step\ndw_min = 0.02\npow_gamma = 1.5\npow_up_down = 0.2\nw_max = 0.6\nw_min = -0.6\n",
     {"s_up", "s_dn", "gamma_up", "gamma_down", "b_max", "b_min"}, {0.02, 0.02, 1.5, 1.2, 0.6, -0.6}, 0.1, 400},
    {"exp_paper", "model = exp_paper\ndw_min = 0.01\npow_gamma = 3\npow_up_down = -0.3\nw_max = 0.6\nw_min = -0.6\n",
     {"s_up", "s_dn", "gamma_up", "gamma_down", "b_max", "b_min"}, {0.01, 0.01, 2.1, 3, 0.6, -0.6}, 0.1, 400},
    {"exp_step", "model = exp_step\ndw_min = 0.01\nw_max = 0.6\nw_min = -0.6\n",
     {"s_up", "s_dn", "A_up", "A_down", "gamma_up", "gamma_down"}, {0.01, 0.01, 0.00081, 0.36833, 12.44625, 12.78785},
     0.01, 300}, /* A and gamma are nearly collinear: at c2c 0.1 A_up is known to about 20 %, at 0.03 to 12 % */
    {"pow_zs", "model = pow_zs\ndw_min = 0.01\ntau = 0.7\nsym_point = 0.1\ngamma_res = 2\n",
     {"delta", "tau", "sym_point", "gamma_res"}, {0.01, 0.7, 0.1, 2}, 0.1, 400},
    {"exp_zs", "model = exp_zs\ndw_min = 0.01\ntau = 0.7\nsym_point = 0.1\ngamma_res = 2\n",
     {"delta", "tau", "sym_point", "gamma_res"}, {0.01, 0.7, 0.1, 2}, 0.1, 400},
};
#define NCASES ((int)(sizeof cases / sizeof *cases))

/* Draw the device of `ini` (its [device] section) and write `csv`: 3 cycles of n up, n down pulses
 * from the middle of its range, noise sigma (0: none). */
static void generate(const gen_case *g, double sigma, unsigned seed, const char *csv)
{
    xbar_device_params p;
    /* parse the key lines with the library's key rows */
    char text[512];
    snprintf(text, sizeof text, "%s", g->keys);
    const int model = xbar_device_model_from_name(g->model);
    p = xbar_device_ideal((xbar_device_model)model);
    for (char *line = strtok(text, "\n"); line; line = strtok(NULL, "\n")) {
        char *eq = strchr(line, '=');
        *eq = 0;
        char key[64];
        sscanf(line, "%63s", key);
        if (!strcmp(key, "model")) continue;
        const xbar_key *k = xbar_key_find(xbar_device_keys(), "device", key);
        CHECK(k && xbar_key_set(k, &p, eq + 1) == XBAR_OK, "generator: key %s", key);
    }
    p.dw_min_std = (float)sigma;
    xbar_devices d;
    CHECK(xbar_devices_init(&d, &p, 1, 0) == XBAR_OK, "generator: %s", xbar_last_error());
    FILE *f = fopen(csv, "w");
    fprintf(f, "pulse,direction,weight\n");
    float w = 0.5f * (xbar_device_clip(&d, 0, -1e30f) + xbar_device_clip(&d, 0, 1e30f)), z[4];
    long k = 0;
    fprintf(f, "0,0,%.9g\n", (double)w);
    for (int c = 0; c < 6; c++)
        for (int j = 0; j < (c == 0 ? g->n / 2 : g->n); j++, k++) {
            if (k % 4 == 0) xbar_rng_normal4(z, seed, xbar_stream(XBAR_RNG_USER, 7, 0), (uint64_t)k / 4);
            const int up = c % 2 == 0;
            w = xbar_device_pulse(&d, 0, w, up, z[k % 4]);
            fprintf(f, "%ld,%d,%.9g\n", k + 1, up ? 1 : -1, (double)w);
        }
    fclose(f);
    xbar_devices_free(&d);
}

static cJSON *summary(const char *dir)
{
    char path[512];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *text = xt_slurp(path, NULL);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    free(text);
    return j;
}

static const cJSON *model_entry(const cJSON *s, const char *name)
{
    const cJSON *m;
    cJSON_ArrayForEach(m, cJSON_GetObjectItemCaseSensitive(s, "models"))
        if (!strcmp(cJSON_GetObjectItemCaseSensitive(m, "model")->valuestring, name)) return m;
    return NULL;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(x) ? x->valuedouble : NAN;
}

static void recovery(const gen_case *g, int noisy)
{
    char csv[400], out[400], a[1400];
    snprintf(csv, sizeof csv, "%s/%s-%d.csv", tmp, g->model, noisy);
    snprintf(out, sizeof out, "%s/r-%s-%d", tmp, g->model, noisy);
    generate(g, noisy ? g->sigma : 0, 11, csv);
    snprintf(a, sizeof a, "fit %s --set fit.models=%s --quiet --out %s", csv, g->model, out);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    cJSON *s = summary(out);
    const cJSON *m = model_entry(s, g->model);
    CHECK(m, "%s: no entry %s in summary.json", out, g->model);
    if (!m) return cJSON_Delete(s);
    const cJSON *pv = cJSON_GetObjectItemCaseSensitive(m, "parameters");
    const cJSON *pe = cJSON_GetObjectItemCaseSensitive(m, "std_errors");
    double worst = 0;
    for (int k = 0; k < 6 && g->pnames[k]; k++) {
        const double got = num(pv, g->pnames[k]), want = g->pvals[k];
        const double scale = fabs(want) > 0.2 ? fabs(want) : strstr(g->pnames[k], "sym") ? 1.0 : fabs(want);
        const double rel = fabs(got - want) / scale;
        worst = fmax(worst, rel);
        /* exp_step's A_up (0.00081) shows only in the last steps before the hard bound, where noisy pulses
         * are clipped and the noise-free prediction is biased: 10 % there (8.8 % measured at c2c 0.01) */
        const double tol = noisy && !strcmp(g->pnames[k], "A_up") ? 0.10 : 0.05;
        CHECK(rel <= tol, "%s%s: %s = %.6g, true %.6g (%.1f %%)", g->model, noisy ? " (c2c noise)" : "", g->pnames[k],
              got, want, 100 * rel);
        /* the standard errors are roughly honest: the error within 6 of them (they come from a
         * piecewise-constant variance model of the steps, so they are approximate) */
        const double se = num(pe, g->pnames[k]);
        if (noisy) CHECK(fabs(got - want) <= 6 * se, "%s: %s = %.6g, true %.6g, std_error %.3g", g->model, g->pnames[k],
                         got, want, se);
    }
    const double rmse = num(m, "rmse"), lib = num(m, "rmse_library");
    CHECK(fabs(lib - rmse) <= 0.02 * rmse + 1e-7, "%s: rmse %.6g but %.6g through the library device", g->model, rmse,
          lib);
    if (noisy) {
        const double c2c = num(m, "c2c_std");
        CHECK(fabs(c2c - g->sigma) <= 0.15 * g->sigma, "%s: c2c_std %.4g, true %.4g", g->model, c2c, g->sigma);
    }
    printf("recovery %-10s %-9s worst parameter error %.2f %%, rmse %.3g, c2c_std %.3g\n", g->model,
           noisy ? "c2c" : "noise-free", 100 * worst, rmse, num(m, "c2c_std"));
    /* fit.ini is a [device] section the program loads */
    snprintf(a, sizeof a, "device --config %s/fit.ini --set device_tool.pulses=10 --quiet --out %s/dev", out, out);
    CHECK(xt_run(a) == 0, "xbar %s failed (fit.ini not loadable)", a);
    cJSON_Delete(s);
}

int main(int argc, char **argv)
{
    xt_cli_start(argc, argv, "fit", tmp, sizeof tmp);
    char a[2048], d[400], csv[400];

    for (int c = 0; c < NCASES; c++)
        for (int noisy = 0; noisy < 2; noisy++) recovery(&cases[c], noisy);

    /* the choice: every model offered, BIC, three seeds per generating model */
    for (int c = 0; c < NCASES; c++) {
        int right = 0;
        for (unsigned seed = 1; seed <= 3; seed++) {
            snprintf(csv, sizeof csv, "%s/choice-%s-%u.csv", tmp, cases[c].model, seed);
            snprintf(d, sizeof d, "%s/c-%s-%u", tmp, cases[c].model, seed);
            generate(&cases[c], cases[c].sigma, 100 + seed, csv);
            snprintf(a, sizeof a, "fit %s --quiet --out %s", csv, d);
            CHECK(xt_run(a) == 0, "xbar %s failed", a);
            cJSON *s = summary(d);
            const cJSON *b = cJSON_GetObjectItemCaseSensitive(s, "best");
            const char *best = cJSON_IsString(b) ? b->valuestring : "none";
            /* exp_paper and exp_step have the same step functions inside the bounds, s (1 - C e^(+-k w)); on
             * exp_paper data (never at a bound with a non-zero step) they tie: exp_step counts if within 2 */
            const double dpaper = num(model_entry(s, "exp_paper"), "delta");
            const int tie = !strcmp(cases[c].model, "exp_paper") && !strcmp(best, "exp_step") && dpaper <= 2;
            right += !strcmp(best, cases[c].model) || tie;
            CHECK(!strcmp(best, cases[c].model) || tie, "seed %u: data of %s, BIC picked %s", seed, cases[c].model,
                  best);
            cJSON_Delete(s);
        }
        printf("choice %-10s right %d of 3\n", cases[c].model, right);
    }

    /* refusals: FILE:LINE */
    static const char *const bad[][3] = {
        {"", ":0:", "empty file"},
        {"pulse,direction,weight\n", ":1:", "no readings"},
        {"0,0,0.1\n1,1,abc\n", ":2:", "not a number"},
        {"0,0,0.1\n1,1,nan\n", ":2:", "finite"},
        {"0,0,0.1\n1,1\n", ":2:", "2 fields"},
        {"0,0,0.1\n1,0.5,0.2\n", ":2:", "integer"},
        {"0,0,0.1\n1,1,0.2\n2,-1,0.1\n3,1,0.2\n", ":4:", "at least 10"},
    };
    snprintf(d, sizeof d, "%s/bad", tmp);
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(csv, sizeof csv, "%s/bad%zu.csv", tmp, i);
        FILE *f = fopen(csv, "w");
        fputs(bad[i][0], f);
        fclose(f);
        char want[400];
        snprintf(want, sizeof want, "bad%zu.csv%s", i, bad[i][1]);
        snprintf(a, sizeof a, "fit %s --quiet --out %s", csv, d);
        xt_bad(a, want, bad[i][2], d);
    }
    /* one direction only: 30 up pulses */
    snprintf(csv, sizeof csv, "%s/up.csv", tmp);
    FILE *f = fopen(csv, "w");
    for (int k = 0; k <= 30; k++) fprintf(f, "%d,1,%g\n", k, 0.01 * k);
    fclose(f);
    snprintf(a, sizeof a, "fit %s --quiet --out %s", csv, d);
    xt_bad(a, "up.csv:31:", "30 up and 0 down", d);
    snprintf(a, sizeof a, "fit %s/none.csv --quiet --out %s", tmp, d);
    xt_bad(a, "none.csv", "cannot read", d);
    snprintf(a, sizeof a, "fit %s --set fit.models=soft_bounds,linear --out %s", csv, d);
    xt_bad(a, "fit.models = soft_bounds,linear", "'linear'", d);
    snprintf(a, sizeof a, "fit --out %s", d);
    xt_bad(a, "missing the data file", NULL, d);

    if (!getenv("XBAR_TEST_KEEP")) xt_cli_done();
    return xt_done("test_fit_cli");
}
