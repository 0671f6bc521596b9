/* test_harden_threads.c - the program's threads on a shared machine (argv[1] = the xbar
 * program). Nothing here is timed; the slowdown itself is measured by bench/contention.sh.
 *   1. cgroup quota parsing (cpus.c, compiled in): cpu.max, cfs_quota_us / cfs_period_us,
 *      and the walk from this cgroup up to the mount's root on a folder tree of its own;
 *   2. --threads defaults to the CPUs this process may use: `--help` states it, and a run
 *      without --threads starts that many OpenMP threads (OMP_DISPLAY_AFFINITY lists
 *      them); with this process pinned to one CPU, 1 (and no thread team at all);
 *   3. the same bytes with the default, --threads 1 and --threads 2;
 *   4. the program's OpenMP runtime waits passively (libgomp's OMP_DISPLAY_ENV=verbose
 *      shows GOMP_SPINCOUNT '0'), and a user's OMP_WAIT_POLICY or GOMP_SPINCOUNT is kept. */
#include "../src/cli/common/cpus.c" /* first: it defines _GNU_SOURCE */

#include <sched.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "cli_util.h"
#include "util.h"

static char tmp[256];

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "cannot write %s", path);
    if (f) fputs(text, f), fclose(f);
}

static void mkdirs(const char *path)
{
    char cmd[600];
    snprintf(cmd, sizeof cmd, "mkdir -p '%s'", path);
    CHECK(system(cmd) == 0, "%s", cmd);
}

static char *captured(const char *name)
{
    char path[400];
    snprintf(path, sizeof path, "%s/%s", tmp, name);
    char *e = xt_slurp(path, NULL);
    return e ? e : calloc(1, 1);
}

/* ------------------------------------------------------------ 1. parsing */

static void test_parsers(void)
{
    static const struct { const char *text; int want; } v2[] = {
        {"max 100000\n", 0}, {"max\n", 0},         {"200000 100000\n", 2}, {"150000 100000\n", 2},
        {"50000 100000\n", 1}, {"100000\n", 1},    {"100000 50000", 2},    {"", -1},
        {"abc 100000\n", -1}, {"0 100000\n", -1},  {"-1 100000\n", -1},    {"100000 0\n", -1},
        {"100000 100000 9\n", -1}, {"maxi 100000\n", -1}, {"99999999999999999 1\n", INT_MAX}};
    for (size_t i = 0; i < sizeof v2 / sizeof *v2; i++)
        CHECK(cli_cpu_max_parse(v2[i].text) == v2[i].want, "cpu.max '%s': %d, expected %d", v2[i].text,
              cli_cpu_max_parse(v2[i].text), v2[i].want);
    CHECK(cli_cpu_max_parse(NULL) == -1, "cpu.max NULL");
    static const struct { const char *q, *p; int want; } v1[] = {
        {"-1\n", "100000\n", 0}, {"250000\n", "100000\n", 3}, {"100000", "100000", 1},
        {"x", "100000", -1},     {"100000", "0", -1},         {"0\n", "100000\n", -1}};
    for (size_t i = 0; i < sizeof v1 / sizeof *v1; i++)
        CHECK(cli_cfs_quota_parse(v1[i].q, v1[i].p) == v1[i].want, "cfs quota '%s' period '%s': %d, expected %d",
              v1[i].q, v1[i].p, cli_cfs_quota_parse(v1[i].q, v1[i].p), v1[i].want);

    /* a v2 tree: no cap at the root, 3 CPUs on /a, none on /a/b: /a/b is capped at 3 */
    char root[400], d[600];
    snprintf(root, sizeof root, "%s/cg", tmp);
    snprintf(d, sizeof d, "%s/a/b", root);
    mkdirs(d);
    snprintf(d, sizeof d, "%s/cpu.max", root);
    write_text(d, "max 100000\n");
    snprintf(d, sizeof d, "%s/a/cpu.max", root);
    write_text(d, "300000 100000\n");
    snprintf(d, sizeof d, "%s/a/b/cpu.max", root);
    write_text(d, "max 100000\n");
    CHECK(cli_cgroup_cpu_cap(root, "0::/a/b\n") == 3, "v2 /a/b under a 3-CPU /a: %d", cli_cgroup_cpu_cap(root, "0::/a/b\n"));
    CHECK(cli_cgroup_cpu_cap(root, "0::/a/b/\n") == 3, "v2 path with a trailing slash");
    CHECK(cli_cgroup_cpu_cap(root, "0::/\n") == 0, "v2 root without a quota: %d", cli_cgroup_cpu_cap(root, "0::/\n"));
    /* a container with its own namespace names a path that is not under the mount: the root counts */
    snprintf(d, sizeof d, "%s/cpu.max", root);
    write_text(d, "150000 100000\n");
    CHECK(cli_cgroup_cpu_cap(root, "0::/docker/0123abcd\n") == 2, "v2 root quota 1.5 CPUs: %d",
          cli_cgroup_cpu_cap(root, "0::/docker/0123abcd\n"));
    CHECK(cli_cgroup_cpu_cap(root, "0::/a/b\n") == 2, "the tightest of /a (3) and the root (2)");
    /* v1: cpu,cpuacct hierarchy; lines of other controllers do not count */
    snprintf(d, sizeof d, "%s/cpu,cpuacct/job", root);
    mkdirs(d);
    snprintf(d, sizeof d, "%s/cpu,cpuacct/job/cpu.cfs_quota_us", root);
    write_text(d, "100000\n");
    snprintf(d, sizeof d, "%s/cpu,cpuacct/job/cpu.cfs_period_us", root);
    write_text(d, "100000\n");
    CHECK(cli_cgroup_cpu_cap(root, "4:cpu,cpuacct:/job\n") == 1, "v1 cpu,cpuacct 1 CPU: %d",
          cli_cgroup_cpu_cap(root, "4:cpu,cpuacct:/job\n"));
    CHECK(cli_cgroup_cpu_cap(root, "3:cpuset:/job\n4:memory:/job\n") == 0, "v1 lines without the cpu controller");
    CHECK(cli_cgroup_cpu_cap(root, "4:cpu,cpuacct:/job\n0::/a/b\n") == 1, "v1 and v2 lines: the tightest");
    CHECK(cli_cgroup_cpu_cap(root, "garbage\n\n::\n") == 0, "malformed /proc/self/cgroup text");
    CHECK(cli_cgroup_cpu_cap("/nonexistent-xbar-root", "0::/a\n") == 0, "no cgroup files: no cap");
}

/* ------------------------------------------------------- 2. default count */

/* N of "default: the CPUs this process may use, N here" in `xbar ARGS` output; -1 if absent. */
static int stated_default(const char *args)
{
    CHECK(xt_run(args) == 0, "xbar %s failed", args);
    char *out = captured("out.txt");
    const char *key = "default: the CPUs this process may use, ";
    char *p = strstr(out, key);
    int n = p ? atoi(p + strlen(key)) : -1;
    CHECK(p != NULL, "xbar %s does not state the default thread count: %.300s", args, out);
    free(out);
    return n;
}

/* Distinct OpenMP threads a short lsq run without --threads starts (OMP_DISPLAY_AFFINITY). */
static int threads_started(const char *out)
{
    char a[800];
    snprintf(a, sizeof a, "lsq --preset fig1 --set lsq.iterations=50 --quiet --out %s/%s", tmp, out);
    setenv("OMP_DISPLAY_AFFINITY", "true", 1);
    int rc = xt_run(a);
    unsetenv("OMP_DISPLAY_AFFINITY");
    CHECK(rc == 0, "xbar %s failed", a);
    char *err = captured("err.txt");
    int n = 0;
    for (char *p = err; (p = strstr(p, "level 1 thread ")); p++) n++;
    free(err);
    return n;
}

static void test_default_threads(void)
{
    cpu_set_t all;
    CHECK(!sched_getaffinity(0, sizeof all, &all), "sched_getaffinity");
    int n_aff = CPU_COUNT(&all), want = cli_cpus_available();
    CHECK(want >= 1 && want <= n_aff, "cli_cpus_available %d, affinity %d", want, n_aff);
    char text[8192] = "";
    FILE *f = fopen("/proc/self/cgroup", "r");
    if (f) text[fread(text, 1, sizeof text - 1, f)] = 0, fclose(f);
    int cap = cli_cgroup_cpu_cap("/sys/fs/cgroup", text);
    CHECK(want == (cap > 0 && cap < n_aff ? cap : n_aff), "cli_cpus_available %d: affinity %d, cgroup cap %d", want, n_aff, cap);
    printf("test_harden_threads: %d CPUs in the affinity mask, cgroup cap %d: default %d threads\n", n_aff, cap, want);

    CHECK(stated_default("--help") == want, "xbar --help: default not %d", want);
    CHECK(stated_default("train --help") == want, "xbar train --help: default not %d", want);
    CHECK(stated_default("lsq --help") == want, "xbar lsq --help: default not %d", want);
    int started = threads_started("lsq-default");
#ifdef _OPENMP /* the library's loops are OpenMP (XBAR_OPENMP) */
    if (want > 1) CHECK(started == want, "a run without --threads started %d OpenMP threads, expected %d", started, want);
    else CHECK(started == 0, "a run without --threads on 1 CPU started %d OpenMP threads", started);
#else
    CHECK(started == 0, "a build without OpenMP started %d OpenMP threads", started);
#endif

    /* pinned to one CPU (as `taskset -c C`, inherited by the program) */
    cpu_set_t one;
    CPU_ZERO(&one);
    for (size_t c = 0; c < CPU_SETSIZE; c++)
        if (CPU_ISSET(c, &all)) {
            CPU_SET(c, &one);
            break;
        }
    CHECK(!sched_setaffinity(0, sizeof one, &one), "sched_setaffinity");
    CHECK(stated_default("--help") == 1, "xbar --help on one CPU: default not 1");
    CHECK(stated_default("reproduce --help") == 1, "xbar reproduce --help on one CPU: default not 1");
    CHECK(threads_started("lsq-one") == 0, "a run without --threads on one CPU started a thread team");
    CHECK(!sched_setaffinity(0, sizeof all, &all), "sched_setaffinity (restore)");

    /* 3. the same bytes for any thread count */
    char a[800];
    snprintf(a, sizeof a, "lsq --preset fig1 --set lsq.iterations=50 --quiet --threads 2 --out %s/lsq-2", tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    snprintf(a, sizeof a, "lsq --preset fig1 --set lsq.iterations=50 --quiet --threads 1 --out %s/lsq-1", tmp);
    CHECK(xt_run(a) == 0, "xbar %s failed", a);
    static const char *const runs[] = {"lsq-default", "lsq-one", "lsq-2"};
    for (int i = 0; i < 3; i++) {
        char x[600], y[600];
        snprintf(x, sizeof x, "%s/%s/metrics.csv", tmp, runs[i]);
        snprintf(y, sizeof y, "%s/lsq-1/metrics.csv", tmp);
        CHECK(xt_same_file(x, y), "%s differs from the --threads 1 run", x);
    }
}

/* -------------------------------------------------------- 4. wait policy */

/* The value libgomp shows for KEY (OMP_DISPLAY_ENV=verbose), in val; 0 if not shown. */
static int omp_shown(const char *env_name, const char *env_value, const char *key, char *val, size_t n)
{
    setenv("OMP_DISPLAY_ENV", "verbose", 1);
    if (env_name) setenv(env_name, env_value, 1);
    CHECK(xt_run("--version") == 0, "xbar --version failed");
    if (env_name) unsetenv(env_name);
    unsetenv("OMP_DISPLAY_ENV");
    char *err = captured("err.txt"), pat[64];
    snprintf(pat, sizeof pat, "%s = '", key);
    char *p = strstr(err, pat);
    int found = 0;
    if (p) {
        p += strlen(pat);
        size_t k = strcspn(p, "'");
        snprintf(val, n, "%.*s", (int)k, p);
        found = 1;
    }
    free(err);
    return found;
}

static void test_wait_policy(void)
{
    unsetenv("OMP_WAIT_POLICY");
    unsetenv("GOMP_SPINCOUNT");
    char v[64];
    if (!omp_shown(NULL, NULL, "GOMP_SPINCOUNT", v, sizeof v)) {
        printf("test_harden_threads: the OpenMP runtime shows no GOMP_SPINCOUNT (not libgomp, or no OpenMP): "
               "wait-policy checks skipped\n");
        return;
    }
    CHECK(!strcmp(v, "0"), "default GOMP_SPINCOUNT '%s', expected '0' (passive waiting)", v);
    CHECK(omp_shown(NULL, NULL, "OMP_WAIT_POLICY", v, sizeof v) && !strcmp(v, "PASSIVE"), "default policy '%s'", v);
    CHECK(omp_shown("OMP_WAIT_POLICY", "active", "OMP_WAIT_POLICY", v, sizeof v) && !strcmp(v, "ACTIVE"),
          "the user's OMP_WAIT_POLICY=active not kept: '%s'", v);
    CHECK(omp_shown("GOMP_SPINCOUNT", "1234", "GOMP_SPINCOUNT", v, sizeof v) && !strcmp(v, "1234"),
          "the user's GOMP_SPINCOUNT=1234 not kept: '%s'", v);
    /* the other variables still reach the runtime */
    setenv("OMP_NUM_THREADS", "3", 1);
    CHECK(omp_shown(NULL, NULL, "OMP_NUM_THREADS", v, sizeof v) && !strcmp(v, "3"), "OMP_NUM_THREADS=3 shown as '%s'", v);
    unsetenv("OMP_NUM_THREADS");
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: test_harden_threads XBAR\n");
        return 2;
    }
    snprintf(tmp, sizeof tmp, "/tmp/xbar-test-harden-threads-%d", (int)getpid());
    xt_cli_init(argv[1], tmp);
    test_parsers();
    test_default_threads();
    test_wait_policy();
    xt_cli_done();
    return xt_done("test_harden_threads");
}
