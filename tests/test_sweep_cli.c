/* test_sweep_cli.c - `xbar sweep` and `xbar collect` end to end (argv[1] = the program's path;
 * without it, the xbar beside this test's folder):
 *   resume    a 24-point lsq sweep (3 tau x 2 lr x 4 seeds, 20 iterations, timings off) stopped
 *             after 12 points (--stop-after-points) and rerun runs only the 12 missing points (the
 *             first 12 folders untouched: same inode and mtime) and gives the results.csv of an
 *             uninterrupted run byte for byte; a third run runs nothing;
 *   seeds     unswept seeds are the documented splitmix64 of (sweep.seed, index) (config.ini);
 *             another sweep.seed changes results, the same one reproduces them;
 *   shards    for N = 1..5, shards 0..N-1 run in turn: after shard I exactly the points with
 *             index % N <= I are done, each shard ran only its own (none "finished before");
 *             --jobs 2 gives the same results.csv; SLURM_ARRAY_TASK_ID / _COUNT act as --shard;
 *   failures  a train sweep (synthetic data) whose lr = 3e38 point diverges: recorded as failed
 *             in sweep.json (message), the other points done, exit 1; collect lists it;
 *   collect   a hand-made sweep folder: mean 93 and sample std sqrt(13) of 90, 92, 97, n = 3 (a
 *             failed point left out), the groups of summary.csv;
 *   refusals  exit 2, one line naming file, line, key and value, no --out folder: a range 4..1,
 *             a bad value, an unknown key (swept and in the base), zip lengths, a bad point found
 *             before the first runs (point 16 of 24), a seed given while derived, a sweep file of
 *             another list of points on an existing DIR, --shard 3/3, --emit-slurm (script with the
 *             array 0-3 and the program's absolute path). */
#define _POSIX_C_SOURCE 200809L
#include <libgen.h>
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli_util.h"
#include "util.h"

static char tmp[256];

static const char *SWEEP =
    "; 24 points\n[sweep]\ncommand = lsq\nseed = 7\ntimings = false\n"
    "grid = device.tau: 1, 2, 3 ; lsq.lr: 0.1, 0.05\ngrid = seed: 1..4\n\n"
    "[lsq]\nkinds = analog_pulse,tt_pulse\ndim = 6\nrows = 12\niterations = 20\n\n[device]\nmodel = ald\n"
    "dw_min = 0.01\n";

/* The statuses of DIR/sweep.json into st[0..n) (1 done, 0 else); returns the number of points or -1. */
static int statuses(const char *dir, int *st, int n)
{
    char path[400];
    snprintf(path, sizeof path, "%s/sweep.json", dir);
    char *text = xt_slurp(path, NULL);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    free(text);
    const cJSON *pts = cJSON_GetObjectItemCaseSensitive(j, "points");
    int k = 0;
    for (const cJSON *p = cJSON_IsArray(pts) ? pts->child : NULL; p && k < n; p = p->next, k++) {
        const cJSON *s = cJSON_GetObjectItemCaseSensitive(p, "status");
        st[k] = cJSON_IsString(s) && !strcmp(s->valuestring, "done");
    }
    cJSON_Delete(j);
    return j ? k : -1;
}

static int count_in(const char *text, const char *what)
{
    int c = 0;
    for (const char *p = text; p && (p = strstr(p, what)); p++) c++;
    return c;
}

/* "K ran, F finished before" of the last run's stdout. */
static void ran(int *k, int *f)
{
    char path[300];
    snprintf(path, sizeof path, "%s/out.txt", tmp);
    char *t = xt_slurp(path, NULL);
    const char *p = t ? strstr(t, "): ") : NULL;
    *k = *f = -1;
    if (p) sscanf(p, "): %d ran, %d finished before", k, f);
    free(t);
}

static uint64_t splitmix(uint64_t seed, uint64_t i)
{
    uint64_t z = seed + (i + 1) * 0x9E3779B97F4A7C15ull;
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

static void test_resume(char *ini)
{
    char a[2048], d[400], e[400], p[1200], q[1200];
    snprintf(ini, 400, "%s/s.ini", tmp);
    xt_write_text(ini, SWEEP);
    /* uninterrupted */
    snprintf(a, sizeof a, "sweep --quiet --config %s --out %s/full/nested", ini, tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(a, sizeof a, "collect %s/full/nested --quiet", tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    /* stopped after 12, rerun */
    snprintf(d, sizeof d, "%s/half", tmp);
    snprintf(a, sizeof a, "sweep --quiet --config %s --out %s --stop-after-points 12", ini, d);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    int st[64], k, f;
    ran(&k, &f);
    CHECK(k == 12 && f == 0, "--stop-after-points 12: %d ran, %d finished before", k, f);
    CHECK(statuses(d, st, 64) == 24, "%s/sweep.json: not 24 points", d);
    int done = 0;
    for (int i = 0; i < 24; i++) done += st[i];
    CHECK(done == 12 && st[0] && st[11] && !st[12], "after 12 points: %d done", done);
    struct stat before[12], after;
    char names[12][256];
    snprintf(p, sizeof p, "%s/sweep.json", d);
    char *sj = xt_slurp(p, NULL);
    cJSON *j = sj ? cJSON_Parse(sj) : NULL;
    free(sj);
    const cJSON *pts = cJSON_GetObjectItemCaseSensitive(j, "points");
    for (int i = 0; i < 12; i++) {
        const cJSON *fo = cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(pts, i), "folder");
        snprintf(names[i], sizeof names[i], "%s", cJSON_IsString(fo) ? fo->valuestring : "?");
        snprintf(p, sizeof p, "%s/%s/summary.json", d, names[i]);
        CHECK(stat(p, &before[i]) == 0, "%s missing", p);
    }
    /* the seed of point 3 (seed swept: 4) and, in the seeds part, a derived one */
    snprintf(p, sizeof p, "%s/%s/config.ini", d, names[3]);
    char *ci = xt_slurp(p, NULL);
    CHECK(ci && strstr(ci, "\nseed = 4\n"), "%s: the swept seed 4 is not its lsq.seed", p);
    free(ci);
    cJSON_Delete(j);
    sleep(1); /* a rewritten file would get another mtime */
    snprintf(a, sizeof a, "sweep --quiet --config %s --out %s", ini, d);
    CHECK(xt_run(a) == 0, "xbar %s (rerun) failed", a);
    ran(&k, &f);
    CHECK(k == 12 && f == 12, "rerun: %d ran, %d finished before (12, 12)", k, f);
    for (int i = 0; i < 12; i++) {
        snprintf(p, sizeof p, "%s/%s/summary.json", d, names[i]);
        CHECK(stat(p, &after) == 0 && after.st_ino == before[i].st_ino &&
                  after.st_mtim.tv_sec == before[i].st_mtim.tv_sec && after.st_mtim.tv_nsec == before[i].st_mtim.tv_nsec,
              "rerun touched the finished point %s", names[i]);
    }
    CHECK(xt_run(a) == 0, "xbar %s (third run) failed", a);
    ran(&k, &f);
    CHECK(k == 0 && f == 24, "third run: %d ran, %d finished before (0, 24)", k, f);
    snprintf(a, sizeof a, "collect --quiet %s --out %s/coll/a/b", d, tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(p, sizeof p, "%s/full/nested/results.csv", tmp);
    snprintf(q, sizeof q, "%s/coll/a/b/results.csv", tmp);
    CHECK(xt_same_file(p, q), "results.csv of the interrupted and rerun sweep differs from the uninterrupted one");
    snprintf(p, sizeof p, "%s/full/nested/summary.csv", tmp);
    snprintf(q, sizeof q, "%s/coll/a/b/summary.csv", tmp);
    CHECK(xt_same_file(p, q), "summary.csv differs between the interrupted and the uninterrupted sweep");
    char *rc = xt_slurp(q, NULL);
    CHECK(rc && !strncmp(rc, "device.tau,lsq.lr,n,final_error.analog_pulse_mean,final_error.analog_pulse_std,"
                             "final_error.analog_pulse_n,", 80) && count_in(rc, "\n") == 7 && count_in(rc, ",4,") >= 6,
          "summary.csv: header or 6 groups of n = 4: %s", rc ? rc : "");
    free(rc);
    /* unswept seeds: splitmix64(sweep.seed, index); another sweep.seed changes the results */
    char ini2[400];
    snprintf(ini2, sizeof ini2, "%s/s2.ini", tmp);
    xt_write_text(ini2, "[sweep]\ncommand = lsq\nseed = 11\ntimings = false\ngrid = lsq.lr: 0.1, 0.05, 0.02\n[lsq]\n"
                     "kinds = analog_pulse\ndim = 6\nrows = 12\niterations = 20\n[device]\nmodel = ald\n"
                     "dw_min = 0.01\n");
    snprintf(e, sizeof e, "%s/seeds", tmp);
    snprintf(a, sizeof a, "sweep --quiet --config %s --out %s", ini2, e);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(p, sizeof p, "%s/points/0002-lr=0.02/config.ini", e);
    ci = xt_slurp(p, NULL);
    char want[64];
    snprintf(want, sizeof want, "\nseed = %llu\n", (unsigned long long)splitmix(11, 2));
    CHECK(ci && strstr(ci, want), "%s: not the derived seed%s", p, want);
    free(ci);
    snprintf(a, sizeof a, "sweep --quiet --config %s --seed 12 --out %s/seeds12", ini2, tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(a, sizeof a, "sweep --quiet --config %s --out %s/seeds11", ini2, tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    const char *dirs[] = {"seeds", "seeds11", "seeds12"};
    for (int i = 0; i < 3; i++) {
        snprintf(a, sizeof a, "collect --quiet %s/%s", tmp, dirs[i]);
        CHECK(xt_run(a) == 0, "xbar %s failed", a);
    }
    snprintf(p, sizeof p, "%s/seeds/results.csv", tmp);
    snprintf(q, sizeof q, "%s/seeds11/results.csv", tmp);
    CHECK(xt_same_file(p, q), "the same sweep.seed gave another results.csv");
    snprintf(q, sizeof q, "%s/seeds12/results.csv", tmp);
    CHECK(!xt_same_file(p, q), "--seed 12 gave the results of sweep.seed 11");
}

static void test_shards(const char *ini)
{
    char a[2048], d[400], p[600], q[600];
    /* no plots in the points (gnuplot off PATH): the slices are what is checked */
    const char *path = getenv("PATH");
    char saved[4096];
    snprintf(saved, sizeof saved, "%s", path ? path : "/usr/bin:/bin");
    setenv("PATH", "/nonexistent", 1);
    for (int N = 1; N <= 5; N++) {
        snprintf(d, sizeof d, "%s/shard%d", tmp, N);
        int total = 0;
        for (int I = 0; I < N; I++) {
            snprintf(a, sizeof a, "sweep --quiet --config %s --out %s --shard %d/%d", ini, d, I, N);
            CHECK(xt_run(a) == 0, "xbar %s failed", a);
            int k, f, st[64];
            ran(&k, &f);
            const int expect = (24 - I + N - 1) / N;
            CHECK(k == expect && f == 0, "--shard %d/%d: %d ran, %d finished before (want %d, 0)", I, N, k, f, expect);
            total += k;
            CHECK(statuses(d, st, 64) == 24, "%s: sweep.json", d);
            for (int i = 0; i < 24; i++)
                CHECK(st[i] == (i % N <= I), "--shard %d/%d: point %d is %s", I, N, i, st[i] ? "done" : "not done");
        }
        CHECK(total == 24, "N = %d: the shards ran %d points, not 24", N, total);
    }
    /* Slurm's variables give the shard when --shard is not given */
    snprintf(d, sizeof d, "%s/slurmenv", tmp);
    snprintf(a, sizeof a, "sweep --quiet --config %s --out %s", ini, d);
    setenv("SLURM_ARRAY_TASK_ID", "2", 1);
    setenv("SLURM_ARRAY_TASK_COUNT", "5", 1);
    CHECK(xt_run(a) == 0, "xbar %s (array task 2 of 5) failed", a);
    unsetenv("SLURM_ARRAY_TASK_ID");
    unsetenv("SLURM_ARRAY_TASK_COUNT");
    int st[64];
    CHECK(statuses(d, st, 64) == 24, "%s: sweep.json", d);
    for (int i = 0; i < 24; i++) CHECK(st[i] == (i % 5 == 2), "array task 2/5: point %d is %s", i, st[i] ? "done" : "not");
    /* --jobs 2 */
    snprintf(a, sizeof a, "sweep --quiet --jobs 2 --config %s --out %s/jobs", ini, tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(a, sizeof a, "collect --quiet %s/jobs", tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(p, sizeof p, "%s/jobs/results.csv", tmp);
    snprintf(q, sizeof q, "%s/full/nested/results.csv", tmp);
    CHECK(xt_same_file(p, q), "--jobs 2 gave another results.csv");
    setenv("PATH", saved, 1);
}

static void test_failures(void)
{
    char a[2048], d[400], ini[400], data[400];
    snprintf(data, sizeof data, "%s/data", tmp);
    mkdir(data, 0700);
    xt_write_idx_set(data, "train", 60, 0, 0);
    xt_write_idx_set(data, "t10k", 20, 1, 0);
    snprintf(ini, sizeof ini, "%s/t.ini", tmp);
    char text[1024];
    snprintf(text, sizeof text,
             "[sweep]\ncommand = train\ntimings = false\nzip = train.lr: 0.1, 3e38, 0.05\n[data]\ndir = %s\n"
             "[model]\nlayers = linear:8 tanh linear:10\n[optimizer]\nkind = digital\n[train]\nepochs = 2\n"
             "batch = 10\n", data);
    xt_write_text(ini, text);
    snprintf(d, sizeof d, "%s/fail", tmp);
    snprintf(a, sizeof a, "sweep --quiet --config %s --out %s", ini, d);
    CHECK(xt_run(a) == 1, "xbar %s: a failed point should give exit 1", a);
    int st[8];
    CHECK(statuses(d, st, 8) == 3 && st[0] && !st[1] && st[2], "train sweep: points 0 and 2 done, 1 not");
    char p[600];
    snprintf(p, sizeof p, "%s/sweep.json", d);
    char *sj = xt_slurp(p, NULL);
    CHECK(sj && strstr(sj, "\"failed\"") && strstr(sj, "diverged"), "sweep.json lacks the failed point's message");
    free(sj);
    snprintf(a, sizeof a, "collect --quiet %s", d);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(p, sizeof p, "%s/results.csv", d);
    char *rc = xt_slurp(p, NULL);
    CHECK(rc && strstr(rc, "index,folder,status,train.lr,final_test_acc,last5_test_acc,final_train_loss,pulses\n") &&
              strstr(rc, "\n1,points/0001-lr=3e38,failed,3e38,,,,\n"),
          "train results.csv: header or failed row: %s", rc ? rc : "");
    free(rc);
}

/* A hand-made sweep folder: 2 settings x 3 seeds of train, one failed point. */
static void test_collect(void)
{
    char d[400], p[600], a[1024];
    snprintf(d, sizeof d, "%s/hand", tmp);
    mkdir(d, 0700);
    snprintf(p, sizeof p, "%s/points", d);
    mkdir(p, 0700);
    static const double acc[2][3] = {{90, 92, 97}, {50, 60, 0}};
    FILE *f;
    snprintf(p, sizeof p, "%s/sweep.json", d);
    f = fopen(p, "w");
    fprintf(f, "{\"sweep_command\": \"train\", \"timings\": false, \"keys\": [\"optimizer.kind\", \"seed\"], \"points\": [");
    for (int s = 0; s < 2; s++)
        for (int r = 0; r < 3; r++)
            fprintf(f, "%s{\"index\": %d, \"folder\": \"points/%d\", \"params\": {\"optimizer.kind\": \"%s\", \"seed\": "
                       "\"%d\"}}", s + r ? ", " : "", 3 * s + r, 3 * s + r, s ? "tiki_taka" : "analog_sgd", r + 1);
    fprintf(f, "]}\n");
    fclose(f);
    for (int i = 0; i < 6; i++) {
        snprintf(p, sizeof p, "%s/points/%d", d, i);
        if (i == 5) {
            strcat(p, ".failed");
            xt_write_text(p, "exit 3: diverged\n");
            continue;
        }
        mkdir(p, 0700);
        strcat(p, "/summary.json");
        f = fopen(p, "w");
        fprintf(f, "{\"final_test_acc\": %g, \"last5_test_acc\": %g, \"final_train_loss\": 0.5, \"pulses\": 100}\n",
                acc[i / 3][i % 3], acc[i / 3][i % 3] - 1);
        fclose(f);
    }
    snprintf(a, sizeof a, "collect %s --quiet", d);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(p, sizeof p, "%s/summary.csv", d);
    char *s = xt_slurp(p, NULL);
    const char *head = "optimizer.kind,n,final_test_acc_mean,final_test_acc_std,final_test_acc_n,";
    CHECK(s && !strncmp(s, head, strlen(head)), "summary.csv header: %s", s ? s : "");
    const char *row = s ? strstr(s, "\nanalog_sgd,3,") : NULL;
    double mean = NAN, sd = NAN, n = NAN;
    if (row) sscanf(row, "\nanalog_sgd,3,%lf,%lf,%lf", &mean, &sd, &n);
    CHECK_NEAR(mean, 93.0, 1e-6, "mean of 90, 92, 97");
    CHECK_NEAR(sd, sqrt(13.0), 1e-6, "sample std of 90, 92, 97");
    CHECK(n == 3, "n of analog_sgd: %g", n);
    row = s ? strstr(s, "\ntiki_taka,2,") : NULL;
    if (row) sscanf(row, "\ntiki_taka,2,%lf,%lf,%lf", &mean, &sd, &n);
    CHECK(row && fabs(mean - 55) < 1e-9 && fabs(sd - sqrt(50.0)) < 1e-6 && n == 2,
          "tiki_taka (one failed): mean %g std %g n %g, want 55, sqrt(50), 2", mean, sd, n);
    free(s);
    snprintf(p, sizeof p, "%s/results.csv", d);
    s = xt_slurp(p, NULL);
    CHECK(s && strstr(s, "\n5,points/5,failed,tiki_taka,3,,,,\n") && strstr(s, "\n0,points/0,done,analog_sgd,1,90,89,0.5,100\n"),
          "hand results.csv rows: %s", s ? s : "");
    free(s);
    snprintf(a, sizeof a, "collect %s --curves 0,9", d);
    xt_bad(a, "--curves", "point 9", NULL);
    snprintf(a, sizeof a, "collect %s/nothing", tmp);
    xt_bad(a, "nothing", NULL, NULL);
}

static void test_refusals(const char *ini)
{
    char a[2048], d[400], b[400], text[2048];
    snprintf(d, sizeof d, "%s/bad/out", tmp);
    snprintf(b, sizeof b, "%s/b.ini", tmp);
    static const char *const cases[][4] = {
        {"grid = seed: 1..4", "grid = seed: 4..1", "b.ini:7", "range 4..1"},
        {"device.tau: 1, 2, 3", "device.tau: 1, -2, 3", "device.tau = -2", "must be > 0"},
        {"device.tau: 1, 2, 3", "device.taux: 1", "b.ini:6", "unknown key device.taux"},
        {"dw_min = 0.01", "dw_min = 0.01\ncolour = red", "b.ini:18", "device.colour"},
        {"grid = seed: 1..4", "zip = seed: 1, 2 ; lsq.noise: 0.2, 0.3, 0.4", "lsq.noise", "one length"},
        {"grid = seed: 1..4", "grid = seed: 1..4 ; lsq.lr: 0.2", "lsq.lr", "swept twice"},
        {"device.tau: 1, 2, 3", "device.tau: 1, 2, 0.005", "point 16", "device.dw_min = 0.01"},
        {"iterations = 20", "iterations = 20\nno key here", "b.ini:14", "syntax error"},
        {"grid = seed: 1..4", "seed = 3", "duplicate key sweep.seed", NULL},
        {"command = lsq", "command = fit", "b.ini:3", "command = fit"},
        {"grid = seed: 1..4\n", "\n[lsq]\nseed = 5\n", "lsq.seed = 5", "derived"},
    };
    for (size_t i = 0; i < sizeof cases / sizeof *cases; i++) {
        const char *at = strstr(SWEEP, cases[i][0]);
        CHECK(at != NULL, "case %zu: '%s' not in the sweep file", i, cases[i][0]);
        if (!at) continue;
        snprintf(text, sizeof text, "%.*s%s%s", (int)(at - SWEEP), SWEEP, cases[i][1], at + strlen(cases[i][0]));
        xt_write_text(b, text);
        snprintf(a, sizeof a, "sweep --config %s --out %s", b, d);
        xt_bad(a, cases[i][2], cases[i][3], d);
    }
    snprintf(a, sizeof a, "sweep --config %s --set device.dw_min=1.5 --out %s", ini, d);
    xt_bad(a, "point 0 ", "device.dw_min = 1.5", d);
    snprintf(a, sizeof a, "sweep --config %s --shard 3/3 --out %s", ini, d);
    xt_bad(a, "--shard 3/3", NULL, d);
    snprintf(a, sizeof a, "sweep --config %s --set sweep.seed=3 --out %s", ini, d);
    xt_bad(a, "--set sweep.seed=3", NULL, d);
    snprintf(a, sizeof a, "sweep --config %s/none.ini --out %s", tmp, d);
    xt_bad(a, "none.ini", NULL, d);
    /* an existing sweep folder of other points */
    snprintf(text, sizeof text, "%s", SWEEP);
    char *g = strstr(text, "1..4");
    if (g) g[3] = '3';
    xt_write_text(b, text);
    snprintf(a, sizeof a, "sweep --config %s --out %s/full/nested", b, tmp);
    xt_bad(a, "another sweep", "--force", NULL);
    /* --emit-slurm */
    snprintf(a, sizeof a, "sweep --config %s --jobs 4 --emit-slurm %s/slurm/dir/run.sh --out %s/sl", ini, tmp, tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(b, sizeof b, "%s/slurm/dir/run.sh", tmp);
    char *s = xt_slurp(b, NULL);
    CHECK(s && strstr(s, "#SBATCH --array=0-3\n") && strstr(s, " sweep --quiet --config '/") && strstr(s, "exec '/"),
          "%s: no array 0-3 or absolute paths: %s", b, s ? s : "");
    free(s);
    snprintf(b, sizeof b, "%s/sl", tmp);
    CHECK(!xt_exists(b), "--emit-slurm ran or created the sweep folder");
}

int main(int argc, char **argv)
{
    xt_cli_start(argc, argv, "sweep", tmp, sizeof tmp);
    unsetenv("SLURM_ARRAY_TASK_ID");
    unsetenv("SLURM_ARRAY_TASK_COUNT");
    char ini[400];
    test_resume(ini);
    test_shards(ini);
    test_failures();
    test_collect();
    test_refusals(ini);
    xt_cli_done();
    return xt_done("test_sweep_cli");
}
