/* test_cli.c - end-to-end checks of the xbar program (argv[1] = its path):
 * bit-identical metrics.csv with 1 and 2 threads and when re-run from the
 * written config.ini; bad input gives one clear line, exit code 2 and no
 * output directory; `xbar bench --quick` writes a bench.json whose figures
 * are positive and finite, and compares with aihwkit only the cases of its
 * --aihwkit file, at the min of their calls; a bad --aihwkit file is refused. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>

#include <cjson/cJSON.h>

#include "cli_util.h"
#include "util.h"

static char tmp[256];

/* obj[key] is a non-empty array of positive finite numbers. */
static int positive(const cJSON *obj, const char *key)
{
    const cJSON *a = cJSON_GetObjectItemCaseSensitive(obj, key), *x;
    int n = 0;
    if (!cJSON_IsArray(a)) return 0;
    cJSON_ArrayForEach(x, a)
    {
        if (!cJSON_IsNumber(x) || !(x->valuedouble > 0) || !isfinite(x->valuedouble)) return 0;
        n++;
    }
    return n > 0;
}

/* Every entry of root[section] has positive arrays under each of keys (an
 * update case may instead be skipped with a positive estimate); n >= min. */
static void check_rows(const cJSON *root, const char *section, const char *const *keys, int min)
{
    const cJSON *rows = cJSON_GetObjectItemCaseSensitive(root, section), *r;
    int n = 0;
    cJSON_ArrayForEach(r, rows)
    {
        n++;
        const cJSON *est = cJSON_GetObjectItemCaseSensitive(r, "estimated_seconds");
        if (cJSON_IsTrue(cJSON_GetObjectItemCaseSensitive(r, "skipped")) && cJSON_IsNumber(est) && est->valuedouble > 0)
            continue;
        for (const char *const *k = keys; *k; k++) CHECK(positive(r, *k), "bench.json %s[%d].%s", section, n - 1, *k);
    }
    CHECK(n >= min, "bench.json: %d %s entries, expected >= %d", n, section, min);
}

static void check_bench(const char *path)
{
    char *text = xt_slurp(path, NULL);
    cJSON *root = text ? cJSON_Parse(text) : NULL;
    CHECK(root, "%s missing or not JSON", path);
    free(text);
    if (!root) return;
    const cJSON *c = cJSON_GetObjectItemCaseSensitive(root, "ceilings");
    static const char *const ceil[] = {"sgemm_gflops", "copy_GBps", "znormals_per_s", "normals_per_s", NULL};
    for (const char *const *k = ceil; *k; k++) CHECK(positive(c, *k), "bench.json ceilings.%s", *k);
    static const char *const read[] = {"seconds", "gflops", "sgemm_seconds", "pct_of_sgemm", NULL};
    static const char *const upd[] = {"seconds", "pulses", "slots_per_s", "pulses_per_s", "perfect_seconds",
                                      "vs_perfect", NULL};
    static const char *const train[] = {"samples_per_s", "epoch_seconds", "vs_digital", NULL};
    static const char *const vs[] = {"seconds", "speedup", NULL};
    check_rows(root, "read", read, 2);
    check_rows(root, "update", upd, 6);
    check_rows(root, "train", train, 6);
    check_rows(root, "versus_aihwkit", vs, 1);
    /* the FCN at batch 10: every optimizer, its epoch over Tiki-Taka's (Tiki-Taka's own: exactly 1) */
    static const char *const fcn10[] = {"samples_per_s", "epoch_seconds", "vs_tiki_taka", NULL};
    check_rows(root, "train_fcn_8k", fcn10, 7);
    const cJSON *f10 = cJSON_GetObjectItemCaseSensitive(root, "train_fcn_8k"), *row;
    int tt = 0;
    cJSON_ArrayForEach(row, f10)
    {
        const cJSON *opt = cJSON_GetObjectItemCaseSensitive(row, "optimizer");
        if (!cJSON_IsString(opt) || strcmp(opt->valuestring, "tiki_taka")) continue;
        const cJSON *r1 = cJSON_GetObjectItemCaseSensitive(row, "vs_tiki_taka");
        tt = cJSON_IsArray(r1) && cJSON_GetArraySize(r1) > 0 && cJSON_GetArrayItem(r1, 0)->valuedouble == 1.0;
    }
    CHECK(tt, "bench.json train_fcn_8k: no tiki_taka row with vs_tiki_taka 1");
    /* the fabricated aihwkit read 512x512 b64 (calls of 4, 2, 3 ms: min 2 ms); none for 256x256 */
    const cJSON *reads = cJSON_GetObjectItemCaseSensitive(root, "read"), *r, *hit = NULL;
    cJSON_ArrayForEach(r, reads)
    {
        if (cJSON_GetObjectItemCaseSensitive(r, "size")->valuedouble == 512) hit = r;
    }
    const cJSON *as = cJSON_GetObjectItemCaseSensitive(hit, "aihwkit_seconds");
    const cJSON *src = cJSON_GetObjectItemCaseSensitive(hit, "aihwkit_source");
    const cJSON *t = cJSON_GetObjectItemCaseSensitive(hit, "seconds");
    const cJSON *v = cJSON_GetObjectItemCaseSensitive(hit, "vs_aihwkit");
    CHECK(cJSON_IsNumber(as) && as->valuedouble == 2e-3, "bench.json read 512: aihwkit_seconds is not the min, 2 ms");
    CHECK(cJSON_IsString(src) && strstr(src->valuestring, "aihwkit.json (min of 3 calls)"),
          "bench.json read 512: aihwkit_source");
    for (int k = 0; k < cJSON_GetArraySize(t); k++) {
        const double want = 2e-3 / cJSON_GetArrayItem(t, k)->valuedouble;
        const cJSON *got = cJSON_GetArrayItem(v, k);
        CHECK(cJSON_IsNumber(got) && fabs(got->valuedouble - want) <= 1e-12 * want,
              "bench.json read 512: vs_aihwkit[%d] is not 2 ms / xbar's time", k);
    }
    CHECK(!cJSON_GetObjectItemCaseSensitive(cJSON_GetArrayItem(reads, 0), "aihwkit_seconds"),
          "bench.json read 256: an aihwkit figure with no case in the file");
    const cJSON *m = cJSON_GetObjectItemCaseSensitive(root, "memory");
    const cJSON *bpd = cJSON_GetObjectItemCaseSensitive(m, "tile_bytes_per_device");
    CHECK(cJSON_IsNumber(bpd) && bpd->valuedouble > 0, "bench.json memory.tile_bytes_per_device");
    cJSON_Delete(root);
}

int main(int argc, char **argv)
{
    snprintf(tmp, sizeof tmp, "/tmp/xbar-test-cli-%d", (int)getpid());
    xt_cli_init(argc > 1 ? argv[1] : "./xbar", tmp);
    char a[1024], p1[300], p2[300], p3[300], d1[300];

    /* determinism: threads 1 vs 2, and a re-run from config.ini */
    const char *base = "lsq --preset fig4-init --set lsq.iterations=30 --set device.dw_min_std=0.3 --quiet";
    snprintf(a, sizeof a, "%s --threads 1 --out %s/t1", base, tmp);
    CHECK(xt_run(a) == 0, "run with 1 thread failed");
    snprintf(a, sizeof a, "%s --threads 2 --out %s/t2", base, tmp);
    CHECK(xt_run(a) == 0, "run with 2 threads failed");
    snprintf(a, sizeof a, "lsq --config %s/t1/config.ini --quiet --threads 2 --out %s/t3", tmp, tmp);
    CHECK(xt_run(a) == 0, "re-run from config.ini failed");
    snprintf(p1, sizeof p1, "%s/t1/metrics.csv", tmp);
    snprintf(p2, sizeof p2, "%s/t2/metrics.csv", tmp);
    snprintf(p3, sizeof p3, "%s/t3/metrics.csv", tmp);
    CHECK(xt_same_file(p1, p2), "metrics.csv differs between 1 and 2 threads");
    CHECK(xt_same_file(p1, p3), "metrics.csv differs when re-run from config.ini");
    snprintf(p2, sizeof p2, "%s/t1/summary.json", tmp);
    CHECK(xt_exists(p2), "summary.json missing");
    snprintf(p2, sizeof p2, "%s/t1/fig4-init.png", tmp);
    CHECK(xt_exists(p2), "plot missing");
    snprintf(a, sizeof a, "%s --seed 7 --out %s/t4", base, tmp);
    CHECK(xt_run(a) == 0, "run with --seed 7 failed");
    snprintf(p2, sizeof p2, "%s/t4/metrics.csv", tmp);
    CHECK(!xt_same_file(p1, p2), "--seed 7 gives the same metrics as the default seed");

    /* bad input: exit 2, one line naming key and value, no output left */
    snprintf(d1, sizeof d1, "%s/bad", tmp);
    const char *q = "lsq --preset fig1 --quiet";
    snprintf(a, sizeof a, "%s --set device.tau=-1 --out %s", q, d1);
    xt_bad(a, "device.tau", "-1", d1);
    snprintf(a, sizeof a, "%s --set device.dw_min=0 --out %s", q, d1);
    xt_bad(a, "device.dw_min", "0", d1);
    snprintf(a, sizeof a, "%s --set device.dw_min=5 --out %s", q, d1);
    xt_bad(a, "dw_min", "5", d1);
    snprintf(a, sizeof a, "%s --set lsq.lr=-0.1 --out %s", q, d1);
    xt_bad(a, "lsq.lr", "-0.1", d1);
    snprintf(a, sizeof a, "%s --set lsq.lr=nan --out %s", q, d1);
    xt_bad(a, "lsq.lr", "nan", d1);
    snprintf(a, sizeof a, "%s --set optimizer.fast_lr=-1 --out %s", q, d1);
    xt_bad(a, "optimizer.fast_lr", "-1", d1);
    snprintf(a, sizeof a, "%s --set device.colour=red --out %s", q, d1);
    xt_bad(a, "device.colour", NULL, d1);
    snprintf(a, sizeof a, "%s --bogus --out %s", q, d1);
    xt_bad(a, "--bogus", NULL, d1);
    snprintf(a, sizeof a, "lsq --config %s/none.ini --out %s", tmp, d1);
    xt_bad(a, "none.ini", NULL, d1);
    snprintf(a, sizeof a, "lsq --preset fig9 --out %s", d1);
    xt_bad(a, "fig9", NULL, d1);
    snprintf(p3, sizeof p3, "%s/bad.ini", tmp);
    FILE *f = fopen(p3, "w");
    fprintf(f, "[device]\ntau = 0\n");
    fclose(f);
    snprintf(a, sizeof a, "lsq --config %s --out %s", p3, d1);
    xt_bad(a, "tau", "0", d1);
    xt_bad("frobnicate", "frobnicate", NULL, NULL);
    /* [slow_device] (the successors' slow tile): refused unless optimizer.slow_device_own, like
     * [device] when its model does not read a key, and one pulse below its range; when given,
     * it changes the run */
    snprintf(a, sizeof a, "%s --set slow_device.dw_min=0.1 --out %s", q, d1);
    xt_bad(a, "slow_device.dw_min = 0.1", "slow_device_own is false", d1);
    const char *sq = "lsq --preset tt --quiet --set lsq.kinds=tt_pulse --set lsq.sweep_key= --set lsq.iterations=40 "
                     "--set optimizer.kind=ttv2 --set optimizer.slow_device_own=true";
    snprintf(a, sizeof a, "%s --set slow_device.w_max=0.5 --out %s", sq, d1);
    xt_bad(a, "slow_device.w_max = 0.5", "does not use w_max", d1);
    snprintf(a, sizeof a, "%s --set slow_device.dw_min=5 --out %s", sq, d1);
    xt_bad(a, "slow_device", "dw_min = 5", d1);
    snprintf(a, sizeof a, "%s --out %s/sd1", sq, tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(a, sizeof a, "%s --set slow_device.dw_min=0.01 --out %s/sd2", sq, tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(a, sizeof a, "lsq --quiet --config %s/sd2/config.ini --out %s/sd3", tmp, tmp);
    CHECK(xt_run(a) == 0, "the config.ini of an lsq run with [slow_device] does not load back");
    char s1[400], s2[400], s3[400];
    snprintf(s1, sizeof s1, "%s/sd1/metrics.csv", tmp);
    snprintf(s2, sizeof s2, "%s/sd2/metrics.csv", tmp);
    snprintf(s3, sizeof s3, "%s/sd3/metrics.csv", tmp);
    CHECK(!xt_same_file(s1, s2), "lsq: slow_device.dw_min did not change the run");
    CHECK(xt_same_file(s2, s3), "lsq: the rerun from config.ini with [slow_device] differs");
    snprintf(s1, sizeof s1, "%s/sd2/summary.json", tmp);
    char *sj = xt_slurp(s1, NULL);
    CHECK(sj && strstr(sj, "\"w_err\""), "lsq summary.json: no w_err");
    free(sj);
    /* an existing output directory is not overwritten without --force */
    snprintf(a, sizeof a, "%s --out %s/t1", base, tmp);
    xt_bad(a, "exists", "--force", NULL);
    CHECK(xt_same_file(p1, p1), "t1 was damaged");

    /* xbar bench --quick --aihwkit: bench.json with every figure positive and finite, aihwkit's from the file */
    snprintf(p3, sizeof p3, "%s/aihwkit.json", tmp);
    f = fopen(p3, "w");
    fprintf(f, "{\"threads\": 1, \"results\": [{\"case\": \"read fwd+bwd 512x512 b64\", \"s\": [0.004, 0.002, 0.003]},"
               "\n {\"case\": \"update mnist softbounds 512x512 b64\", \"s\": [0.01, 0.005]}]}\n");
    fclose(f);
    snprintf(a, sizeof a, "bench --quick --quiet --aihwkit %s --out %s/bench", p3, tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(p2, sizeof p2, "%s/bench/bench.json", tmp);
    check_bench(p2);
    snprintf(p2, sizeof p2, "%s/bench/bench.txt", tmp);
    char *txt = xt_slurp(p2, NULL);
    CHECK(txt && strstr(txt, "| aihwkit 2 ms (min of 3):"), "bench.txt: no \"aihwkit 2 ms (min of 3)\" on read 512");
    free(txt);
    /* a malformed or time-less --aihwkit file: exit 2 before anything is timed */
    f = fopen(p3, "w");
    fprintf(f, "{\"threads\": 1, \"results\": [");
    fclose(f);
    snprintf(a, sizeof a, "bench --quick --aihwkit %s --out %s", p3, d1);
    xt_bad(a, "aihwkit.json", "not JSON", d1);
    f = fopen(p3, "w");
    fprintf(f, "{\"threads\": 1, \"results\": [{\"case\": \"read fwd+bwd 512x512 b64\", \"s\": []}]}");
    fclose(f);
    xt_bad(a, "aihwkit.json", "no times", d1);
    snprintf(a, sizeof a, "bench --quick --threads 0 --out %s", d1);
    xt_bad(a, "--threads", "0", d1);

    xt_cli_done();
    return xt_done("test_cli");
}
