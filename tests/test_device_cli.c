/* test_device_cli.c - `xbar device` end to end (argv[1] = the program's path; without it, the xbar
 * beside this test's folder):
 *   parity   aihwkit 1.0.0's response curves of fixture case 1 (seven models, starts 0 and 0.3,
 *            500 up then 500 down pulses): every value of response.csv's w within the fixture's
 *            tolerance (1e-6); the fixture folder is $XBAR_FIXTURES, else ../shared/fixtures/aihwkit
 *            beside the source tree (skipped, and said so, when absent);
 *   qf       F = (q- + q+)/2 and G = (q- - q+)/2 on every row of qf.csv, q+ = 0 at the upper
 *            bound of a soft-bounds device, the soft-bounds symmetric point of summary.json equal
 *            to its closed form (s_up - s_dn)/(s_up/b_max - s_dn/b_min), per device, and G = 0 there;
 *   c2c      without noise w_c2c = w; with dw_min_std 0.3 the noisy traces differ, are the same
 *            bits on a rerun and change with --seed; the mean of the noisy end points of many
 *            devices is near the noise-free one;
 *   refusals exit 2, one line naming key and value, no output folder. */
#define _POSIX_C_SOURCE 200809L
#include <libgen.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli_util.h"
#include "plot.h"
#include "util.h"

static char tmp[256];

/* response.csv of dir: rows of 7 numbers into *v (malloc'd); returns the rows, -1 if unreadable */
static long read_csv(const char *dir, const char *name, int ncol, double **v)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = xt_slurp(path, NULL);
    if (!text) return -1;
    long rows = 0, cap = 4096;
    *v = malloc(sizeof(double) * (size_t)(cap * ncol));
    char *save = NULL;
    for (char *line = strtok_r(text, "\n", &save); line; line = strtok_r(NULL, "\n", &save)) {
        if (line == text) continue; /* header */
        if (rows == cap) cap *= 2, *v = realloc(*v, sizeof(double) * (size_t)(cap * ncol));
        char *p = line;
        for (int c = 0; c < ncol; c++) {
            (*v)[rows * ncol + c] = strtod(p, &p);
            if (*p == ',') p++;
        }
        rows++;
    }
    free(text);
    return rows;
}

static cJSON *read_json(const char *dir, const char *name)
{
    char path[512];
    snprintf(path, sizeof path, "%s/%s", dir, name);
    char *text = xt_slurp(path, NULL);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    free(text);
    return j;
}

static double num(const cJSON *o, const char *k)
{
    const cJSON *x = cJSON_GetObjectItemCaseSensitive(o, k);
    return cJSON_IsNumber(x) ? x->valuedouble : cJSON_IsBool(x) ? (cJSON_IsTrue(x) ? 1 : 0) : NAN;
}

/* the [device] section of one fixture entry as an INI file */
static void write_entry_ini(const cJSON *e, const char *ini, const char *nodes)
{
    const char *name = cJSON_GetObjectItemCaseSensitive(e, "name")->valuestring;
    const cJSON *ps = cJSON_GetObjectItemCaseSensitive(e, "device_params_set");
    FILE *f = fopen(ini, "w");
    fprintf(f, "[device_tool]\npulses = %d\nstart = 0, 0.3\ndevices = 1\n\n[device]\nmodel = %s\n",
            (int)num(e, "n_up"), strcmp(name, "soft_bounds_reference") ? name : "soft_bounds_ref");
    fprintf(f, "dw_min_dtod = 0\nup_down_dtod = 0\nw_max_dtod = 0\nw_min_dtod = 0\ndw_min_std = 0\n");
    static const char *const map[][2] = {{"dw_min", "dw_min"},     {"w_min", "w_min"},
                                         {"w_max", "w_max"},       {"up_down", "up_down"},
                                         {"gamma_up", "gamma_up"}, {"gamma_down", "gamma_down"},
                                         {"A_up", "exp_A_up"},     {"A_down", "exp_A_down"},
                                         {"a", "exp_a"},           {"b", "exp_b"},
                                         {"pow_gamma", "pow_gamma"}, {"pow_up_down", "pow_up_down"},
                                         {"reference_mean", "reference_mean"}};
    for (size_t k = 0; k < sizeof map / sizeof *map; k++)
        if (cJSON_IsNumber(cJSON_GetObjectItemCaseSensitive(ps, map[k][0])))
            fprintf(f, "%s = %.9g\n", map[k][1], num(ps, map[k][0]));
    if (cJSON_IsBool(cJSON_GetObjectItemCaseSensitive(ps, "mean_bound_reference")))
        fprintf(f, "mean_bound_reference = %s\n", num(ps, "mean_bound_reference") ? "true" : "false");
    const cJSON *up = cJSON_GetObjectItemCaseSensitive(ps, "piecewise_up");
    const cJSON *dn = cJSON_GetObjectItemCaseSensitive(ps, "piecewise_down");
    if (up && dn) {
        FILE *g = fopen(nodes, "w");
        fprintf(g, "up,down\n");
        for (int k = 0; k < cJSON_GetArraySize(up); k++)
            fprintf(g, "%.9g,%.9g\n", cJSON_GetArrayItem(up, k)->valuedouble, cJSON_GetArrayItem(dn, k)->valuedouble);
        fclose(g);
        fprintf(f, "piecewise_file = %s\n", nodes);
    }
    fclose(f);
}

static void parity(void)
{
    char dir[1024], path[1200];
    const char *env = getenv("XBAR_FIXTURES");
    if (env && *env) snprintf(dir, sizeof dir, "%s", env);
    else {
        char src[1024];
        snprintf(src, sizeof src, "%s", __FILE__);
        snprintf(dir, sizeof dir, "%s/../../shared/fixtures/aihwkit", dirname(src));
    }
    snprintf(path, sizeof path, "%s/case1_response_curves.json", dir);
    char *text = xt_slurp(path, NULL);
    if (!text) {
        printf("parity: SKIPPED, no fixture %s (set XBAR_FIXTURES)\n", path);
        return;
    }
    cJSON *root = cJSON_Parse(text);
    free(text);
    CHECK(root, "%s: not JSON", path);
    const double tol = num(cJSON_GetObjectItemCaseSensitive(root, "tolerance"), "abs");
    const cJSON *e;
    int entries = 0;
    cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(root, "entries")) {
        const char *name = cJSON_GetObjectItemCaseSensitive(e, "name")->valuestring;
        char ini[400], nodes[400], out[400], a[1400];
        snprintf(ini, sizeof ini, "%s/%s.ini", tmp, name);
        snprintf(nodes, sizeof nodes, "%s/%s-nodes.csv", tmp, name);
        snprintf(out, sizeof out, "%s/p-%s", tmp, name);
        write_entry_ini(e, ini, nodes);
        snprintf(a, sizeof a, "device --config %s --quiet --out %s", ini, out);
        CHECK(xt_run(a) == 0, "xbar %s failed", a);
        double *v = NULL;
        const long rows = read_csv(out, "response.csv", 7, &v);
        const int len = (int)num(e, "n_up") + (int)num(e, "n_down") + 1;
        const cJSON *curves = cJSON_GetObjectItemCaseSensitive(e, "curves");
        CHECK(rows == (long)cJSON_GetArraySize(curves) * len, "%s: response.csv has %ld rows, expected %d", name, rows,
              cJSON_GetArraySize(curves) * len);
        double dev = 0;
        for (int c = 0; rows == (long)cJSON_GetArraySize(curves) * len && c < cJSON_GetArraySize(curves); c++) {
            const cJSON *w = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(curves, c), "w");
            for (int k = 0; k < len; k++) {
                const double *row = v + (size_t)(c * len + k) * 7; /* device,start_index,start,pulse,direction,w,w_c2c */
                dev = fmax(dev, fabs(row[5] - cJSON_GetArrayItem(w, k)->valuedouble));
                CHECK(row[1] == c && row[3] == k && row[4] == (k == 0 ? 0 : k <= len / 2 ? 1 : -1) && row[6] == row[5],
                      "%s: row %d of curve %d: index, direction or w_c2c wrong", name, k, c);
            }
        }
        printf("parity case 1 %-22s max |w - aihwkit| = %.3g\n", name, dev);
        CHECK(dev <= tol, "%s: response.csv deviates from aihwkit by %.3g > %.3g", name, dev, tol);
        free(v);
        entries++;
    }
    CHECK(entries == 7, "fixture case 1 has %d entries, expected 7", entries);
    cJSON_Delete(root);
}

int main(int argc, char **argv)
{
    xt_cli_start(argc, argv, "device", tmp, sizeof tmp);
    char a[2048], d[400];

    /* --help lists the keys */
    CHECK(xt_run("device --help") == 0, "device --help failed");
    snprintf(d, sizeof d, "%s/out.txt", tmp);
    char *help = xt_slurp(d, NULL);
    static const char *const keys[] = {"device_tool.pulses", "device_tool.start", "device_tool.devices",
                                       "device_tool.grid", "device_tool.seed", "device.model", NULL};
    for (const char *const *k = keys; *k; k++) CHECK(help && strstr(help, *k), "device --help lacks %s", *k);
    free(help);

    parity();

    /* qf: soft bounds with device-to-device variation and c2c noise, 8 devices */
    snprintf(a, sizeof a, "device --set device.model=soft_bounds --set device.dw_min=0.01 --set device_tool.devices=8 "
             "--set device_tool.pulses=200 --set device_tool.start=-0.2,0.1 --set device_tool.grid=101 --quiet "
             "--out %s/q1", tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(d, sizeof d, "%s/q1", tmp);
    double *v = NULL;
    long rows = read_csv(d, "qf.csv", 6, &v);
    CHECK(rows == 8 * 101, "qf.csv: %ld rows, expected 808", rows);
    double worst = 0;
    for (long r = 0; r < rows; r++) {
        const double *x = v + r * 6; /* device,w,q_up,q_dn,F,G */
        worst = fmax(worst, fabs(x[4] - 0.5 * (x[3] + x[2])) + fabs(x[5] - 0.5 * (x[3] - x[2])));
    }
    CHECK(worst < 1e-7, "qf.csv: F, G differ from (q- +- q+)/2 by %.3g", worst);
    cJSON *s = read_json(d, "summary.json");
    CHECK(s, "%s/summary.json missing", d);
    const cJSON *devs = cJSON_GetObjectItemCaseSensitive(s, "devices");
    CHECK(cJSON_GetArraySize(devs) == 8, "summary.json: %d devices", cJSON_GetArraySize(devs));
    for (int i = 0; i < cJSON_GetArraySize(devs) && rows == 808; i++) {
        const cJSON *o = cJSON_GetArrayItem(devs, i);
        const double su = num(o, "s_up"), sd = num(o, "s_dn"), bmax = num(o, "w_max"), bmin = num(o, "w_min");
        const double sp = (su - sd) / (su / bmax - sd / bmin);
        CHECK(fabs(num(o, "symmetric_point") - sp) <= 1e-6 * (bmax - bmin),
              "device %d: symmetric point %.9g, closed form %.9g", i, num(o, "symmetric_point"), sp);
        /* q+ = 0 at the upper bound (last grid row); G changes sign at the symmetric point */
        const double *top = v + (i * 101 + 100) * 6, *bot = v + (i * 101) * 6;
        CHECK(fabs(top[2]) < 1e-5 && fabs(top[1] - bmax) < 1e-6, "device %d: q+ %.3g at w %.6g (b_max %.6g)", i,
              top[2], top[1], bmax);
        CHECK(bot[5] < 0 && top[5] > 0, "device %d: G does not change sign over the range", i);
        for (int k = 0; k < 100; k++) {
            const double *p0 = v + (i * 101 + k) * 6, *p1 = p0 + 6;
            if (p0[1] <= sp && sp <= p1[1]) {
                const double g = p0[5] + (p1[5] - p0[5]) * (sp - p0[1]) / (p1[1] - p0[1]);
                CHECK(fabs(g) < 1e-6, "device %d: G = %.3g at the symmetric point", i, g);
            }
        }
    }
    free(v);
    /* c2c: the noisy traces differ from the noise-free ones; their end points scatter around them */
    rows = read_csv(d, "response.csv", 7, &v);
    CHECK(rows == 8 * 2 * 401, "response.csv: %ld rows, expected %d", rows, 8 * 2 * 401);
    xt_stat diff;
    memset(&diff, 0, sizeof diff);
    int differ = 0;
    for (long t = 0; rows == 8 * 2 * 401 && t < 16; t++) {
        const double *end = v + (t * 401 + 400) * 7;
        differ += end[6] != end[5];
        xt_stat_add(&diff, end[6] - end[5]);
    }
    CHECK(differ == 16, "only %d of 16 noisy traces differ from the noise-free ones", differ);
    CHECK(fabs(diff.mean) < 4 * xt_stat_se(&diff) + 1e-4, "noisy end points are biased: %.3g +- %.3g", diff.mean,
          xt_stat_se(&diff));
    free(v);
    cJSON_Delete(s);
    char p1[400], p2[400];
    snprintf(a, sizeof a, "device --set device.model=soft_bounds --set device.dw_min=0.01 --set device_tool.devices=8 "
             "--set device_tool.pulses=200 --set device_tool.start=-0.2,0.1 --set device_tool.grid=101 --quiet "
             "--out %s/q2", tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(p1, sizeof p1, "%s/q1/response.csv", tmp);
    snprintf(p2, sizeof p2, "%s/q2/response.csv", tmp);
    CHECK(xt_same_file(p1, p2), "a rerun gives other bits");
    snprintf(a, sizeof a, "device --config %s/q1/config.ini --seed 9 --quiet --out %s/q3", tmp, tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(p2, sizeof p2, "%s/q3/response.csv", tmp);
    CHECK(!xt_same_file(p1, p2), "--seed 9 gives the bits of seed 1");
    snprintf(d, sizeof d, "%s/q1/qf.png", tmp);
    CHECK(!plot_available() || xt_exists(d), "qf.png missing (gnuplot is installed)");
    snprintf(d, sizeof d, "%s/q1/response.png", tmp);
    CHECK(!plot_available() || xt_exists(d), "response.png missing (gnuplot is installed)");

    /* refusals */
    snprintf(d, sizeof d, "%s/bad", tmp);
    static const char *const bad[][3] = {
        {"device_tool.pulses=0", "device_tool.pulses=0", "must be"},
        {"device_tool.start=1e40", "device_tool.start = 1e+40", "float32"},
        {"device_tool.devices=65", "device_tool.devices=65", "must be"},
        {"device.tau=0.5", "device.tau = 0.5", "soft_bounds"},
        {"device_tool.colour=red", "device_tool.colour", "unknown key"},
        {"device.dw_min=5", "device.dw_min = 5", "range"},
        {"device_tool.pulses=1000000 --set device_tool.devices=8", "device_tool.pulses = 1000000", "2^22"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(a, sizeof a, "device --quiet --set %s --out %s", bad[i][0], d);
        xt_bad(a, bad[i][1], bad[i][2], d);
    }
    snprintf(a, sizeof a, "device --quiet --out %s/q1", tmp);
    xt_bad(a, "exists", "--force", NULL);

    xt_cli_done();
    return xt_done("test_device_cli");
}
