/* test_calibrate_cli.c - `xbar calibrate` end to end (argv[1] = the program's path; without it,
 * the xbar beside this test's folder), on ALD devices (tau 1, dw_min = delta = 0.01, no
 * cycle-to-cycle noise, no step spread) whose symmetric points differ per device (device.ref_std
 * 0.1 around sym_point 0.2), 2,048 devices, N = 25 ... 1600, fixed seeds:
 *   cyclic  rms_err falls with N until the floor; at the largest N rms_err is in [0.3, 0.7]
 *           delta and mean_err = +delta/(2 - delta/tau) (T10: after a down pulse every device
 *           sits delta/(2 - delta/tau) below its symmetric point);
 *   random  at the largest N the mean of e^2 is delta tau/2 within 20 % (T10's floor);
 *   files   the rows of results.csv are the pulses list; rms^2 = mean^2 + std^2 (n-1)/n;
 *           rel_mean_err = |mean_err| / |mean_sp|; summary.json holds the same rows and the
 *           smallest N with rel_mean_err <= 1 %; config.ini re-runs the run; calibrate.png
 *           (when gnuplot is installed);
 *   bits    a rerun, --threads 1 vs 2 and the rerun from config.ini give the same results.csv
 *           but for the seconds column; another --seed changes the random run;
 *   refusals exit 2, one line naming key and value, no output folder: pulses not increasing,
 *           0, over 2^32, not integers; rows = 0; rows * cols over 2^26; an unknown key (--set
 *           and in a file); a device key the model does not read; an existing --out without
 *           --force (left as it was). */
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

#define NCOL 9 /* pulses,total_pulses,mean_err,std_err,rms_err,rel_mean_err,mean_sp,sp_std,seconds */
#define MAXROW 16

static const double DELTA = 0.01, TAU = 1.0;
static const int DEVICES = 32 * 64;
static const double PULSES[] = {25, 50, 100, 200, 400, 800, 1600};
#define NP ((int)(sizeof PULSES / sizeof *PULSES))

static char tmp[256];

/* results.csv of DIR into v (an empty field: NaN); the header must be the columns above. @return rows, -1 if unreadable. */
static int read_results(const char *dir, double v[MAXROW][NCOL])
{
    char path[400];
    snprintf(path, sizeof path, "%s/results.csv", dir);
    char *text = xt_slurp(path, NULL);
    if (!text) return -1;
    int rows = -1;
    const char *head = "pulses,total_pulses,mean_err,std_err,rms_err,rel_mean_err,mean_sp,sp_std,seconds\n";
    CHECK(!strncmp(text, head, strlen(head)), "%s: header is not %s", path, head);
    for (char *line = strtok(text, "\n"); line && rows < MAXROW; line = strtok(NULL, "\n"), rows++) {
        if (rows < 0) continue;
        const char *f = line;
        for (int c = 0; c < NCOL; c++) {
            char *end;
            v[rows][c] = *f == ',' || !*f ? NAN : strtod(f, &end);
            if (*f != ',' && *f) f = end;
            CHECK(c == NCOL - 1 ? *f == 0 : *f == ',', "%s row %d: bad field %d", path, rows, c);
            if (*f) f++;
        }
    }
    free(text);
    return rows;
}

/* results.csv of a and b are identical but for the last column (seconds). */
static int same_but_seconds(const char *a, const char *b)
{
    char pa[400], pb[400];
    snprintf(pa, sizeof pa, "%s/results.csv", a);
    snprintf(pb, sizeof pb, "%s/results.csv", b);
    char *x = xt_slurp(pa, NULL), *y = xt_slurp(pb, NULL);
    int same = x && y && *x;
    const char *p = x, *q = y;
    while (same && (*p || *q)) {
        const char *pe = strchr(p, '\n'), *qe = strchr(q, '\n');
        if (!pe || !qe) {
            same = 0;
            break;
        }
        const char *pc = pe, *qc = qe; /* the start of each line's last field */
        while (pc > p && pc[-1] != ',') pc--;
        while (qc > q && qc[-1] != ',') qc--;
        same = pc - p == qc - q && !memcmp(p, q, (size_t)(pc - p));
        p = pe + 1, q = qe + 1;
    }
    free(x);
    free(y);
    return same;
}

/* The properties every run's files have: rows = the pulses list, totals, the identities
 * between the columns, summary.json with the same numbers and smallest_n_1pct. */
static void check_files(const char *dir, double v[MAXROW][NCOL])
{
    const int rows = read_results(dir, v);
    CHECK(rows == NP, "%s/results.csv: %d rows, expected %d", dir, rows, NP);
    if (rows != NP) return;
    double nmin = 0;
    for (int i = 0; i < NP; i++) {
        CHECK(v[i][0] == PULSES[i], "%s: row %d has pulses %g, expected %g", dir, i, v[i][0], PULSES[i]);
        CHECK(v[i][1] == PULSES[i] * DEVICES, "%s: row %d total_pulses %g", dir, i, v[i][1]);
        const double rms2 = v[i][2] * v[i][2] + v[i][3] * v[i][3] * (DEVICES - 1) / DEVICES;
        CHECK(fabs(v[i][4] * v[i][4] - rms2) <= 1e-6 * rms2 + 1e-15, "%s row %d: rms^2 %.9g, mean^2 + std^2 %.9g", dir,
              i, v[i][4] * v[i][4], rms2);
        const double rel = fabs(v[i][2]) / fabs(v[i][6]);
        CHECK(fabs(v[i][5] - rel) <= 1e-5 * rel + 1e-12, "%s row %d: rel_mean_err %.9g, |mean_err|/|mean_sp| %.9g", dir,
              i, v[i][5], rel);
        CHECK(v[i][8] >= 0, "%s row %d: seconds %g", dir, i, v[i][8]);
        if (!nmin && v[i][5] <= 0.01) nmin = v[i][0];
    }
    /* the devices' symmetric points: sym_point + ref_std xi over 2,048 devices */
    CHECK(fabs(v[0][6] - 0.2) < 0.01 && fabs(v[0][7] - 0.1) < 0.01, "%s: mean_sp %g, sp_std %g: not 0.2, 0.1", dir,
          v[0][6], v[0][7]);
    char path[400];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *text = xt_slurp(path, NULL);
    cJSON *s = text ? cJSON_Parse(text) : NULL;
    free(text);
    CHECK(s, "%s missing or not JSON", path);
    if (!s) return;
    const cJSON *res = cJSON_GetObjectItemCaseSensitive(s, "results");
    const cJSON *rms = cJSON_GetObjectItemCaseSensitive(res, "rms_err");
    const cJSON *pul = cJSON_GetObjectItemCaseSensitive(res, "pulses");
    CHECK(cJSON_GetArraySize(rms) == NP && cJSON_GetArraySize(pul) == NP, "%s: results arrays of %d, %d entries", path,
          cJSON_GetArraySize(rms), cJSON_GetArraySize(pul));
    for (int i = 0; i < NP && i < cJSON_GetArraySize(rms); i++)
        CHECK(cJSON_GetArrayItem(pul, i)->valuedouble == PULSES[i] &&
                  fabs(cJSON_GetArrayItem(rms, i)->valuedouble - v[i][4]) <= 1e-8 * v[i][4],
              "%s: results row %d differs from results.csv", path, i);
    const cJSON *n1 = cJSON_GetObjectItemCaseSensitive(s, "smallest_n_1pct");
    CHECK(nmin ? cJSON_IsNumber(n1) && n1->valuedouble == nmin : cJSON_IsNull(n1),
          "%s: smallest_n_1pct is not %g (the first N with rel_mean_err <= 1 %%)", path, nmin);
    const cJSON *cfg = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(s, "config"), "calibrate");
    CHECK(cJSON_IsString(cJSON_GetObjectItemCaseSensitive(cfg, "pulses")), "%s: config.calibrate.pulses", path);
    cJSON_Delete(s);
    snprintf(path, sizeof path, "%s/config.ini", dir);
    CHECK(xt_exists(path), "%s missing", path);
    snprintf(path, sizeof path, "%s/calibrate.png", dir);
    CHECK(!plot_available() || xt_exists(path), "%s missing (gnuplot is installed)", path);
}

int main(int argc, char **argv)
{
    xt_cli_start(argc, argv, "calibrate", tmp, sizeof tmp);
    char a[2048], d[400], ini[400];
    double v[MAXROW][NCOL], w[MAXROW][NCOL];

    /* the ALD set-up as a config file */
    snprintf(ini, sizeof ini, "%s/ald.ini", tmp);
    FILE *f = fopen(ini, "w");
    fprintf(f, "[calibrate]\nrows = 32\ncols = 64\npulses = 25, 50,100,200,400,800,1600\nseed = 5\n\n[device]\n"
               "model = ald\ntau = %g\nsym_point = 0.2\ndw_min = %g\nref_std = 0.1\ndw_min_dtod = 0\n"
               "up_down_dtod = 0\nw_max_dtod = 0\nw_min_dtod = 0\ndw_min_std = 0\nconstruction_seed = 3\n", TAU,
            DELTA);
    fclose(f);

    /* --help lists every key with its default */
    CHECK(xt_run("calibrate --help") == 0, "calibrate --help failed");
    snprintf(d, sizeof d, "%s/out.txt", tmp);
    char *help = xt_slurp(d, NULL);
    static const char *const keys[] = {"calibrate.rows", "calibrate.cols", "calibrate.pulses", "500,1000,2000,4000,8000",
                                       "calibrate.cyclic", "calibrate.init", "calibrate.seed", "device.model",
                                       "device.construction_seed", "device.dw_min_dtod", "device.ref_std", NULL};
    for (const char *const *k = keys; *k; k++) CHECK(help && strstr(help, *k), "calibrate --help lacks %s", *k);
    free(help);
    CHECK(xt_run("--help") == 0, "xbar --help failed");
    help = xt_slurp(d, NULL);
    CHECK(help && strstr(help, "calibrate"), "xbar --help does not list calibrate");
    free(help);

    /* (1) cyclic: rms falls with N to the floor delta/(2 - delta/tau); progress on stderr, table on stdout */
    snprintf(a, sizeof a, "calibrate --config %s --threads 2 --out %s/c1", ini, tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(d, sizeof d, "%s/err.txt", tmp);
    char *err = xt_slurp(d, NULL);
    CHECK(err && strstr(err, "calibrate: N = 25 (1/7)") && strstr(err, "N = 1600 (7/7)"), "no progress lines: %s",
          err ? err : "");
    free(err);
    snprintf(d, sizeof d, "%s/out.txt", tmp);
    char *out = xt_slurp(d, NULL);
    CHECK(out && strstr(out, "rms_err") && strstr(out, "smallest N with rel_mean_err <= 1%"), "no table: %s",
          out ? out : "");
    free(out);
    snprintf(d, sizeof d, "%s/c1", tmp);
    check_files(d, v);
    const double floor_c = DELTA / (2 - DELTA / TAU);
    CHECK(v[0][4] > 2 * DELTA, "cyclic: rms_err %g at N = 25 already near the floor", v[0][4]);
    for (int i = 0; i + 1 < NP; i++)
        if (v[i][4] > 1.5 * floor_c)
            CHECK(v[i + 1][4] < v[i][4], "cyclic: rms_err rises from %g (N = %g) to %g (N = %g)", v[i][4], v[i][0],
                  v[i + 1][4], v[i + 1][0]);
    CHECK(v[NP - 1][4] >= 0.3 * DELTA && v[NP - 1][4] <= 0.7 * DELTA,
          "cyclic: rms_err %g at N = 1600, not in [0.3, 0.7] delta = [%g, %g]", v[NP - 1][4], 0.3 * DELTA, 0.7 * DELTA);
    CHECK(fabs(v[NP - 1][2] - floor_c) <= 1e-5, "cyclic: mean_err %.7g at N = 1600, delta/(2 - delta/tau) = %.7g",
          v[NP - 1][2], floor_c);
    printf("cyclic: rms_err %.4g (N = 25) ... %.6g (N = 1600), floor delta/(2 - delta/tau) = %.6g\n", v[0][4],
           v[NP - 1][4], floor_c);

    /* (1) random: E e^2 -> delta tau / (2 - delta/tau) ~ delta tau / 2 */
    snprintf(a, sizeof a, "calibrate --config %s --set calibrate.cyclic=false --quiet --out %s/r1", ini, tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(d, sizeof d, "%s/r1", tmp);
    check_files(d, v);
    const double e2 = v[NP - 1][4] * v[NP - 1][4], half = DELTA * TAU / 2;
    CHECK(fabs(e2 - half) <= 0.2 * half, "random: mean e^2 %.6g at N = 1600, delta tau/2 = %.6g (20 %%)", e2, half);
    CHECK(v[0][4] > 2 * sqrt(half), "random: rms_err %g at N = 25 already near the floor", v[0][4]);
    for (int i = 0; i + 1 < NP; i++)
        if (v[i][4] > 1.5 * sqrt(half))
            CHECK(v[i + 1][4] < v[i][4], "random: rms_err rises from %g (N = %g) to %g (N = %g)", v[i][4], v[i][0],
                  v[i + 1][4], v[i + 1][0]);
    printf("random: mean e^2 at N = 1600 %.6g, delta tau/2 = %.6g\n", e2, half);

    /* (3) the same bits: rerun, --threads 1 vs 2, from config.ini; another seed differs */
    snprintf(a, sizeof a, "calibrate --config %s --set calibrate.cyclic=false --quiet --threads 1 --out %s/r2", ini,
             tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(a, sizeof a, "calibrate --config %s --set calibrate.cyclic=false --quiet --threads 2 --out %s/r3", ini,
             tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(a, sizeof a, "calibrate --config %s/r1/config.ini --quiet --out %s/r4", tmp, tmp);
    CHECK(xt_run(a) == 0, "xbar %s (re-run from config.ini) failed", a);
    char r1[400], r2[400], r3[400], r4[400];
    snprintf(r1, sizeof r1, "%s/r1", tmp);
    snprintf(r2, sizeof r2, "%s/r2", tmp);
    snprintf(r3, sizeof r3, "%s/r3", tmp);
    snprintf(r4, sizeof r4, "%s/r4", tmp);
    CHECK(same_but_seconds(r1, r2), "results.csv differs between a rerun (--threads 1) and the first run");
    CHECK(same_but_seconds(r2, r3), "results.csv differs between --threads 1 and 2");
    CHECK(same_but_seconds(r1, r4), "results.csv differs when re-run from config.ini");
    snprintf(a, sizeof a, "calibrate --config %s --set calibrate.cyclic=false --quiet --seed 6 --out %s/r5", ini, tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(d, sizeof d, "%s/r5", tmp);
    CHECK(!same_but_seconds(r1, d), "--seed 6 gives the random run of seed 5");
    CHECK(read_results(d, w) == NP && w[NP - 1][4] != v[NP - 1][4], "--seed 6: the same rms_err");
    /* --force replaces an xbar output */
    snprintf(a, sizeof a, "calibrate --config %s --quiet --force --out %s/r5", ini, tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    CHECK(read_results(d, w) == NP && w[NP - 1][4] <= 0.7 * DELTA, "--force did not replace r5 with the cyclic run");

    /* (4) bad input: exit 2, one line naming key and value, nothing written */
    snprintf(d, sizeof d, "%s/bad", tmp);
    static const char *const bad[][3] = {
        {"calibrate.pulses=500,250", "calibrate.pulses = 500,250", "250 is not above 500"},
        {"calibrate.pulses=0", "calibrate.pulses = 0", "[1, 2^32]"},
        {"calibrate.pulses=100,0", "calibrate.pulses = 100,0", "entry 0"},
        {"calibrate.pulses=4294967297", "calibrate.pulses = 4294967297", "2^32"},
        {"calibrate.pulses=1e3", "calibrate.pulses = 1e3", "integer"},
        {"calibrate.pulses=100,,200", "calibrate.pulses = 100,,200", "empty"},
        {"calibrate.rows=0", "calibrate.rows=0", "must be"},
        {"calibrate.rows=8193 --set calibrate.cols=8193", "calibrate.rows = 8193", "2^26"},
        {"calibrate.colour=red", "calibrate.colour", "unknown key"},
        {"calibrate.cyclic=2", "calibrate.cyclic=2", "true or false"},
        {"device.tau=0.5", "device.tau = 0.5", "soft_bounds"},
        {"device.dw_min=2", "device.dw_min = 2", "range"},
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        snprintf(a, sizeof a, "calibrate --quiet --set %s --out %s", bad[i][0], d);
        xt_bad(a, bad[i][1], bad[i][2], d);
    }
    snprintf(ini, sizeof ini, "%s/bad.ini", tmp);
    f = fopen(ini, "w");
    fprintf(f, "[calibrate]\nrows = 4\ncolour = red\n");
    fclose(f);
    snprintf(a, sizeof a, "calibrate --config %s --out %s", ini, d);
    xt_bad(a, "bad.ini:3", "calibrate.colour", d);
    f = fopen(ini, "w");
    fprintf(f, "[calibrate]\npulses = 10,20,20\n");
    fclose(f);
    xt_bad(a, "calibrate.pulses = 10,20,20", "strictly increasing", d);
    /* an existing output folder is not replaced without --force */
    snprintf(r4, sizeof r4, "%s/r4/results.csv", tmp);
    char *before = xt_slurp(r4, NULL);
    snprintf(a, sizeof a, "calibrate --quiet --set calibrate.rows=4 --out %s/r4", tmp);
    xt_bad(a, "exists", "--force", NULL);
    char *after = xt_slurp(r4, NULL);
    CHECK(before && after && !strcmp(before, after), "an existing --out was changed without --force");
    free(before);
    free(after);

    xt_cli_done();
    return xt_done("test_calibrate_cli");
}
