/* test_reliability.c - robustness of `xbar train` (argv[1] = the xbar program)
 * on small synthetic IDX files made here, and of the library's allocation paths:
 *   (a) SIGKILL at 20 seeded random moments, resumed after each: the final
 *       metrics.csv, checkpoint.xbc, summary.json and config.ini are
 *       byte-identical to an uninterrupted run's (train.timings = false) and
 *       nothing is left beside OUT; the phase each kill landed in is printed;
 *       plus a kill after the final commit, made by hand;
 *   (b) a truncated, bit-flipped, wrong-version, wrong-config or
 *       wrong-devices latest checkpoint (or none, as after a kill between the
 *       two renames) is rejected with a message naming the file and the
 *       reason, and the run resumes from the previous good one to the same
 *       bytes; with no good one left, exit 2 and a clear message;
 *   (c) a diverging learning rate: exit 3 within the epoch it diverges in,
 *       the message names epoch, step and layer, the finished epochs' rows
 *       are kept, and the checkpoint loads (a resume diverges at the same step);
 *   (d) a 10^6 x 10^6 layer is refused before allocation: exit 2, the
 *       estimate in the message, no output directory;
 *   (e) the library refuses absurd sizes (EINVAL) and reports allocation
 *       failures under an address-space limit (ENOMEM), never crashing.
 * XBAR_RELIABILITY_SEED changes the kill moments (default 20241). */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "cli_util.h"
#include "util.h"
#include "xbar.h"

#define KILLS 20

static char tmp[256], data[320], xbar_prog[1024];

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* ---- running xbar without a shell (so that SIGKILL hits it) -------------------- */

#define MAXARG 48

/* argv of "xbar train <common flags> <extra...> --out OUT" (extra: NULL-terminated). */
static int train_argv(char **av, char *buf, size_t cap, const char *out, const char *const *extra)
{
    static const char *const common[] = {"train", "--quiet", "--threads", "1", "--set", NULL, "--set",
                                         "data.train_limit=20", "--set", "data.test_limit=10", "--set",
                                         "train.epochs=16", "--set", "train.timings=false", "--set",
                                         "model.layers=linear:48 tanh linear:10", NULL};
    int k = 0;
    av[k++] = xbar_prog;
    snprintf(buf, cap, "data.dir=%s", data);
    for (int i = 0; i < 16; i++) av[k++] = common[i] ? (char *)common[i] : buf;
    for (int i = 0; extra && extra[i]; i++) av[k++] = (char *)extra[i];
    av[k++] = "--out";
    av[k++] = (char *)out;
    av[k] = NULL;
    return k;
}

/* argv of "xbar train --quiet --threads 1 --resume --out OUT". */
static void resume_argv(char **av, const char *out)
{
    static const char *const r[] = {"train", "--quiet", "--threads", "1", "--resume", "--out"};
    av[0] = xbar_prog;
    for (int i = 0; i < 6; i++) av[i + 1] = (char *)r[i];
    av[7] = (char *)out;
    av[8] = NULL;
}

/* Start av with stdout to /dev/null and stderr to TMP/err.txt. */
static pid_t spawn(char **av)
{
    char errpath[300];
    snprintf(errpath, sizeof errpath, "%s/err.txt", tmp);
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        int o = open("/dev/null", O_WRONLY), e = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        if (o >= 0) dup2(o, 1);
        if (e >= 0) dup2(e, 2);
        execv(av[0], av);
        _exit(127);
    }
    return pid;
}

/* Run av to completion: its exit code, -1 if it did not exit. */
static int run_av(char **av)
{
    int st;
    pid_t pid = spawn(av);
    if (pid < 0 || waitpid(pid, &st, 0) != pid) return -1;
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

static char *err_text(void)
{
    char p[300];
    snprintf(p, sizeof p, "%s/err.txt", tmp);
    char *t = xt_slurp(p, NULL);
    return t ? t : calloc(1, 1);
}

static void sleep_s(double s)
{
    struct timespec t = {(time_t)s, (long)((s - (double)(time_t)s) * 1e9)};
    while (nanosleep(&t, &t) && errno == EINTR) {
    }
}

/* ---- comparing results ------------------------------------------------------- */

static void same_results(const char *got, const char *want, const char *what)
{
    static const char *const files[] = {"metrics.csv", "checkpoint.xbc", "summary.json", "config.ini"};
    for (int i = 0; i < 4; i++) {
        char a[700], b[700];
        snprintf(a, sizeof a, "%s/%s", got, files[i]);
        snprintf(b, sizeof b, "%s/%s", want, files[i]);
        CHECK(xt_same_file(a, b), "%s: %s differs from the uninterrupted run's", what, a);
    }
}

/* Names in tmp starting with prefix other than `keep` (the run's final directory). */
static int leftovers(const char *prefix, const char *keep, char *list, size_t cap)
{
    DIR *d = opendir(tmp);
    int k = 0;
    list[0] = 0;
    for (struct dirent *e; d && (e = readdir(d));)
        if (!strncmp(e->d_name, prefix, strlen(prefix)) && strcmp(e->d_name, keep)) {
            k++;
            if (strlen(list) + strlen(e->d_name) + 2 < cap) strcat(strcat(list, " "), e->d_name);
        }
    if (d) closedir(d);
    return k;
}

/* ---- (a) SIGKILL at random moments ------------------------------------------------ */

typedef struct {
    ino_t ino;
    struct timespec mtime;
    int exists;
} file_id;

static file_id fid(const char *path)
{
    struct stat st;
    file_id f = {0, {0, 0}, stat(path, &st) == 0};
    if (f.exists) f.ino = st.st_ino, f.mtime = st.st_mtim;
    return f;
}

static int fresh_file(const char *path, const file_id *before)
{
    file_id f = fid(path);
    return f.exists && (!before->exists || f.ino != before->ino || f.mtime.tv_sec != before->mtime.tv_sec ||
                        f.mtime.tv_nsec != before->mtime.tv_nsec);
}

enum { PH_START, PH_NOCKPT, PH_TRAIN, PH_CKPT_WRITE, PH_CKPT_RENAME, PH_METRICS, PH_COMMIT, PH_DONE, PH_N };
static const char *const phase_names[PH_N] = {
    "starting up (no run directory yet)", "before the first checkpoint", "training or evaluating an epoch",
    "writing a checkpoint (checkpoint.xbc.tmp)", "between the checkpoint renames (only checkpoint.prev.xbc)",
    "writing OUT.run/metrics.csv", "writing the final directory", "after the final commit"};

/* Where a killed session was, from what it left (tmp files new since `before`). */
static int phase_of(const char *out, const file_id *ck_tmp, const file_id *mx_tmp)
{
    char run[420], p[500], list[256];
    snprintf(run, sizeof run, "%s.run", out);
    const char *base = strrchr(out, '/') + 1;
    char pre[64];
    if (xt_exists(out)) return PH_DONE;
    snprintf(pre, sizeof pre, "%s.tmp-", base);
    if (leftovers(pre, "", list, sizeof list)) return PH_COMMIT;
    if (!xt_exists(run)) return PH_START;
    snprintf(p, sizeof p, "%s/checkpoint.xbc.tmp", run);
    if (fresh_file(p, ck_tmp)) return PH_CKPT_WRITE;
    snprintf(p, sizeof p, "%s/metrics.csv.tmp", run);
    if (fresh_file(p, mx_tmp)) return PH_METRICS;
    char cur[500], prev[500];
    snprintf(cur, sizeof cur, "%s/checkpoint.xbc", run);
    snprintf(prev, sizeof prev, "%s/checkpoint.prev.xbc", run);
    if (!xt_exists(cur)) return xt_exists(prev) ? PH_CKPT_RENAME : PH_NOCKPT;
    return PH_TRAIN;
}

/* Kill-and-resume sessions on OUT until it finishes; *kills counts the kills (up to max). After two
 * kills in the final commit (a long phase: plot, fsyncs) the run is left to finish, so that the
 * remaining kills go to a fresh run's other phases. */
static void kill_run(const char *out, double span, unsigned *rng, int *kills, int max, int *phases)
{
    char buf[600], run[420], ck[500], mx[500];
    char *av[MAXARG];
    snprintf(run, sizeof run, "%s.run", out);
    snprintf(ck, sizeof ck, "%s/checkpoint.xbc.tmp", run);
    snprintf(mx, sizeof mx, "%s/metrics.csv.tmp", run);
    int at_end = 0;
    for (int session = 0; session < 200; session++) {
        if (xt_exists(out) && !xt_exists(run)) return; /* finished */
        if (xt_exists(run)) resume_argv(av, out);
        else train_argv(av, buf, sizeof buf, out, NULL);
        const file_id ck0 = fid(ck), mx0 = fid(mx);
        pid_t pid = spawn(av);
        int st;
        if (*kills < max && at_end < 2) {
            *rng = *rng * 1664525u + 1013904223u;
            sleep_s(span * (double)(*rng >> 8) / 16777216.0);
            if (waitpid(pid, &st, WNOHANG) == 0) {
                kill(pid, SIGKILL);
                waitpid(pid, &st, 0);
                /* a session that exited on its own between the check and the kill is judged below
                 * like one that was not killed */
                if (!WIFEXITED(st)) {
                    CHECK(WIFSIGNALED(st) && WTERMSIG(st) == SIGKILL, "session %d did not die of SIGKILL", session);
                    const int ph = phase_of(out, &ck0, &mx0);
                    phases[ph]++;
                    at_end += ph == PH_COMMIT || ph == PH_DONE;
                    ++*kills;
                    continue;
                }
            }
        } else {
            waitpid(pid, &st, 0);
        }
        char *e = err_text();
        CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "session %d of %s: exit %d: %s", session, out,
              WIFEXITED(st) ? WEXITSTATUS(st) : -1, e);
        free(e);
        if (!WIFEXITED(st) || WEXITSTATUS(st)) return;
    }
    CHECK(0, "%s did not finish in 200 sessions", out);
}

/* t1, t3: runs stopped after epoch 1 and 3 (start-up, then epochs). */
static void test_kills(const char *base, double t1, double t3)
{
    const char *env = getenv("XBAR_RELIABILITY_SEED");
    const unsigned seed = env ? (unsigned)strtoul(env, NULL, 10) : 20241u;
    unsigned rng = seed;
    int kills = 0, phases[PH_N] = {0}, runs = 0;
    /* kill moments uniform in [0, span]: a session starts up, then makes about one epoch of progress
     * on average, so the 20 kills spread over the run and its phases */
    const double epoch = (t3 - t1) / 2, startup = t1 > epoch ? t1 - epoch : 0;
    const double span = 2 * (startup + 1.4 * epoch);
    const double t0 = now();
    while (kills < KILLS && runs < 16) { /* a loaded machine lands fewer kills per run */
        char out[400], list[512], name[32];
        snprintf(name, sizeof name, "killed%d", ++runs);
        snprintf(out, sizeof out, "%s/%s", tmp, name);
        kill_run(out, span, &rng, &kills, KILLS, phases);
        same_results(out, base, "killed and resumed run");
        /* a kill while OUT.run is being removed, after the commit, may leave OUT.run.done and OUT.lock:
         * the next command on OUT (here a --resume, refused: the run is finished) removes them */
        int k = leftovers(name, name, list, sizeof list);
        if (k) {
            printf("    note: %s left%s (killed while removing it); the next command removes them\n", name, list);
            char *av[MAXARG];
            resume_argv(av, out);
            int st;
            waitpid(spawn(av), &st, 0);
            CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 2, "--resume of a finished run: exit %d", WEXITSTATUS(st));
            k = leftovers(name, name, list, sizeof list);
        }
        CHECK(!k, "left behind next to %s:%s", out, list);
    }
    CHECK(kills == KILLS, "only %d kills landed", kills);
    printf("(a) %d SIGKILLs (seed %u, moments in [0, %.3f] s) over %d run(s), %.1f s; every final file "
           "byte-identical to the uninterrupted run's. Kills landed:\n", kills, seed, span, runs,
           now() - t0);
    for (int p = 0; p < PH_N; p++)
        if (phases[p]) printf("      %2d  %s\n", phases[p], phase_names[p]);
    /* killed after the final commit, before OUT.run was removed: made so by hand */
    char late[400], cmd[1200], buf[600];
    char *av[MAXARG];
    snprintf(late, sizeof late, "%s/late", tmp);
    const char *stop[] = {"--stop-after", "15", NULL};
    train_argv(av, buf, sizeof buf, late, stop);
    CHECK(run_av(av) == 0, "late: --stop-after 15 failed");
    snprintf(cmd, sizeof cmd, "cp -r %s.run %s.keep", late, late);
    CHECK(system(cmd) == 0, "%s", cmd);
    resume_argv(av, late);
    CHECK(run_av(av) == 0, "late: resume failed");
    snprintf(cmd, sizeof cmd, "mv %s.keep %s.run", late, late);
    CHECK(system(cmd) == 0, "%s", cmd);
    const int rc = run_av(av);
    char *e = err_text();
    snprintf(cmd, sizeof cmd, "%s.run", late);
    CHECK(rc == 0 && strstr(e, "holds the finished run") && !xt_exists(cmd), "late: resume after the commit: exit %d: %s",
          rc, e);
    free(e);
    same_results(late, base, "run resumed after its final commit");
    printf("    and one by hand after the final commit, before OUT.run was removed: --resume exits 0, same files\n");
}

/* ---- (b) bad checkpoints ----------------------------------------------------------- */

static unsigned char *slurp_bytes(const char *path, size_t *n) { return (unsigned char *)xt_slurp(path, n); }

static void put_bytes(const char *path, const unsigned char *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    if (f) fwrite(b, 1, n, f), fclose(f);
}

/* A run stopped after epoch 3 (checkpoint.xbc = epoch 3, prev = epoch 2); the latest made bad by `how`;
 * --resume must reject it naming `reason`, fall back to the previous one and end as `base`. */
static void bad_latest(const char *base, const char *name, const char *how, const char *reason, const char *other)
{
    char out[400], buf[600], latest[500], cmd[900];
    char *av[MAXARG];
    snprintf(out, sizeof out, "%s/%s", tmp, name);
    const char *stop[] = {"--stop-after", "3", NULL};
    train_argv(av, buf, sizeof buf, out, stop);
    CHECK(run_av(av) == 0, "%s: --stop-after 3 failed", name);
    snprintf(latest, sizeof latest, "%s.run/checkpoint.xbc", out);
    size_t n;
    unsigned char *b = slurp_bytes(latest, &n);
    CHECK(b && n > 100, "%s: no checkpoint", name);
    if (!b || n <= 100) return;
    if (!strcmp(how, "truncate")) {
        put_bytes(latest, b, n / 2);
    } else if (!strcmp(how, "flip")) {
        b[n / 2] ^= 0x10;
        put_bytes(latest, b, n);
    } else if (!strcmp(how, "version") || !strcmp(how, "devices")) {
        if (how[0] == 'v') b[8] = 1, b[9] = b[10] = b[11] = 0; /* format version 1 */
        else b[64 + 3 * 112 + 4 + 24 + 2] ^= 0x01; /* a b_max of layer 0's tile A (3 epochs of 14 f64) */
        uLong c = crc32(0L, b, (uInt)(n - 4)); /* CRC made valid again */
        for (int i = 0; i < 4; i++) b[n - 4 + (size_t)i] = (unsigned char)(c >> (8 * i));
        put_bytes(latest, b, n);
    } else if (!strcmp(how, "missing")) { /* killed between the two renames */
        unlink(latest);
    } else { /* another configuration's checkpoint */
        snprintf(cmd, sizeof cmd, "cp %s.run/checkpoint.xbc %s", other, latest);
        CHECK(system(cmd) == 0, "%s", cmd);
    }
    free(b);
    resume_argv(av, out);
    int rc = run_av(av);
    char *e = err_text();
    CHECK(rc == 0, "%s: resume after a %s checkpoint: exit %d: %s", name, how, rc, e);
    CHECK(strstr(e, latest) && strstr(e, reason), "%s: message lacks '%s' or the file name: %s", name, reason, e);
    CHECK(strstr(e, "resuming from the previous checkpoint") && strstr(e, "(epoch 2)"),
          "%s: no fallback to the previous checkpoint: %s", name, e);
    printf("    %-8s -> %s", how, e);
    free(e);
    same_results(out, base, name);
}

static void test_bad_checkpoints(const char *base)
{
    char other[400], buf[600], out[400], p[500];
    char *av[MAXARG];
    printf("(b) bad latest checkpoints, each rejected, then the previous one used:\n");
    snprintf(other, sizeof other, "%s/other", tmp);
    const char *lr[] = {"--set", "train.lr=0.02", "--stop-after", "3", NULL};
    train_argv(av, buf, sizeof buf, other, lr);
    CHECK(run_av(av) == 0, "run with another learning rate failed");
    bad_latest(base, "trunc", "truncate", "truncated", NULL);
    bad_latest(base, "flip", "flip", "corrupt (CRC mismatch", NULL);
    bad_latest(base, "ver", "version", "format version 1, this xbar reads 2", NULL);
    bad_latest(base, "cfg", "config", "written for another configuration", other);
    bad_latest(base, "dev", "devices", "device parameters of layer 0 tile A differ", NULL);
    bad_latest(base, "miss", "missing", "missing (interrupted while it was replaced)", NULL);
    /* both bad: exit 2, both named, nothing renamed */
    snprintf(out, sizeof out, "%s/both", tmp);
    const char *stop[] = {"--stop-after", "3", NULL};
    train_argv(av, buf, sizeof buf, out, stop);
    CHECK(run_av(av) == 0, "both: --stop-after 3 failed");
    static const char *const names[] = {"checkpoint.xbc", "checkpoint.prev.xbc"};
    for (int i = 0; i < 2; i++) {
        snprintf(p, sizeof p, "%s.run/%s", out, names[i]);
        size_t n;
        unsigned char *b = slurp_bytes(p, &n);
        if (b) put_bytes(p, b, n - 1);
        free(b);
    }
    resume_argv(av, out);
    int rc = run_av(av);
    char *e = err_text();
    CHECK(rc == 2 && strstr(e, "no usable checkpoint") && strstr(e, "checkpoint.prev.xbc") && strstr(e, "--force"),
          "both checkpoints bad: exit %d: %s", rc, e);
    printf("    both bad -> exit %d: %s", rc, strrchr(e, '\n') != strchr(e, '\n') ? strchr(e, '\n') + 1 : e);
    free(e);
    snprintf(p, sizeof p, "%s.run/checkpoint.xbc", out);
    CHECK(xt_exists(p), "a failed resume renamed the latest checkpoint");
}

/* ---- (c) divergence ---------------------------------------------------------------- */

static void test_divergence(void)
{
    char out[400], buf[600], p[500];
    char *av[MAXARG];
    snprintf(out, sizeof out, "%s/diverge", tmp);
    /* epoch 1 at lr 0.01 learns; from epoch 2 the lr is 1e6 */
    const char *x[] = {"--set", "train.epochs=3", "--set", "data.train_limit=100", "--set", "train.lr=0.01", "--set",
                       "train.lr_gamma=1e8", "--set", "train.lr_step=1",
                       "--set", "optimizer.kind=analog_sgd", "--set", "model.layers=linear:48 relu linear:10", NULL};
    train_argv(av, buf, sizeof buf, out, x);
    int rc = run_av(av);
    char *e1 = err_text();
    CHECK(rc == 3, "diverging run: exit %d, expected 3: %s", rc, e1);
    CHECK(strstr(e1, "diverged at epoch 2, step ") && strstr(e1, "first non-finite: layer ") &&
              strstr(e1, "last good checkpoint: ") && strstr(e1, "(epoch 1)") && strchr(e1, '\n') == strrchr(e1, '\n'),
          "divergence message: %s", e1);
    printf("(c) lr 0.01 then 1e6: exit %d: %s", rc, e1);
    snprintf(p, sizeof p, "%s/metrics.csv", out);
    CHECK(!xt_exists(out), "a diverged run wrote %s", out);
    snprintf(p, sizeof p, "%s.run/metrics.csv", out);
    char *m = xt_slurp(p, NULL);
    CHECK(m && strstr(m, "\n1,0.01,") && !strstr(m, "\n2,"), "%s should hold epoch 1 only: %s", p, m ? m : "(missing)");
    free(m);
    resume_argv(av, out);
    rc = run_av(av);
    char *e2 = err_text();
    CHECK(rc == 3 && !strcmp(e1, e2), "resume of the diverged run: exit %d, message '%s', first '%s'", rc, e2, e1);
    free(e1);
    free(e2);
}

/* ---- (d) memory budget -------------------------------------------------------------- */

static void test_budget(void)
{
    char out[400], buf[600];
    char *av[MAXARG];
    snprintf(out, sizeof out, "%s/huge", tmp);
    const char *x[] = {"--set", "model.layers=linear:1000000 linear:1000000 linear:10", NULL};
    train_argv(av, buf, sizeof buf, out, x);
    double t0 = now();
    int rc = run_av(av);
    double dt = now() - t0;
    char *e = err_text(), list[256];
    CHECK(rc == 2 && strstr(e, "needs about ") && strstr(e, "TiB") && strstr(e, "layer 1: linear 1000000 x 1000000") &&
              strstr(e, "budget ") && strstr(e, "train.memory_budget_mib"),
          "10^6 x 10^6 layer: exit %d: %s", rc, e);
    CHECK(!leftovers("huge", "", list, sizeof list), "the refused run left%s", list);
    printf("(d) 10^6 x 10^6 layer: exit %d in %.2f s: %s", rc, dt, e);
    free(e);
    /* a budget of 1 MiB refuses even this test's small model, also on --set */
    const char *y[] = {"--set", "train.memory_budget_mib=1", NULL};
    train_argv(av, buf, sizeof buf, out, y);
    rc = run_av(av);
    e = err_text();
    CHECK(rc == 2 && strstr(e, "budget 1.0 MiB (train.memory_budget_mib)"), "budget 1 MiB: exit %d: %s", rc, e);
    free(e);
}

/* ---- (e) the library's allocation paths ------------------------------------------- */

static void test_library_sizes(void)
{
    xbar_tile_config tc = xbar_tile_config_defaults((size_t)1 << 40, (size_t)1 << 40);
    CHECK(!xbar_tile_new(&tc) && strstr(xbar_last_error(), "too large"), "2^40 x 2^40 tile: %s", xbar_last_error());
    xbar_opt_params o = xbar_opt_defaults(XBAR_OPT_DIGITAL);
    CHECK(!xbar_aw_new(&o, &tc), "2^40 x 2^40 digital weight accepted");
    xbar_layer_spec L[2] = {xbar_layer_defaults(XBAR_LAYER_LINEAR), xbar_layer_defaults(XBAR_LAYER_LINEAR)};
    L[0].out = (size_t)1 << 62, L[1].out = 10;
    CHECK(!xbar_net_new(L, 2, 1, 28, 28, 1) && strstr(xbar_last_error(), "too large"), "2^62-wide layer: %s",
          xbar_last_error());
    CHECK(!xbar_net_new(L, 2, (size_t)1 << 40, (size_t)1 << 40, 1, 1), "2^80 inputs accepted");
#if defined(__SANITIZE_ADDRESS__)
#define XT_ASAN 1
#elif defined(__has_feature)
#if __has_feature(address_sanitizer)
#define XT_ASAN 1
#endif
#endif
#ifdef XT_ASAN /* AddressSanitizer reserves terabytes of address space: no RLIMIT_AS under it */
    printf("(e) absurd sizes refused; the address-space limit cases are skipped under AddressSanitizer\n");
    return;
#endif
    /* under a 1 GiB address-space limit: every allocation failure is an error, not a crash */
    fflush(NULL);
    pid_t pid = fork();
    if (pid == 0) {
        struct rlimit r = {(rlim_t)1 << 30, (rlim_t)1 << 30};
        setrlimit(RLIMIT_AS, &r);
        int bad = 0;
        xbar_tile_config t = xbar_tile_config_defaults(100000, 100000);
        bad |= xbar_tile_new(&t) != NULL || !strstr(xbar_last_error(), "out of memory") ? 1 : 0;
        xbar_layer_spec M[2] = {xbar_layer_defaults(XBAR_LAYER_LINEAR), xbar_layer_defaults(XBAR_LAYER_LINEAR)};
        M[0].out = 100000, M[1].out = 10; /* 78 M digital weights: buffers of 314 MB, 4 of them */
        M[0].opt.kind = M[1].opt.kind = XBAR_OPT_DIGITAL;
        xbar_net *net = xbar_net_new(M, 2, 1, 28, 28, 1);
        bad |= net || !strstr(xbar_last_error(), "out of memory") ? 2 : 0;
        xbar_net_free(net);
        _exit(bad);
    }
    int st;
    waitpid(pid, &st, 0);
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 0, "allocations under a 1 GiB limit: %s %d",
          WIFEXITED(st) ? "exit" : "signal", WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st));
    /* the xbar program under the same limit, past its budget check: exit 1 and a message */
    char out[400], buf[600];
    char *av[MAXARG];
    snprintf(out, sizeof out, "%s/oom", tmp);
    const char *x[] = {"--set", "model.layers=linear:100000 linear:10", "--set", "train.memory_budget_mib=100000000", NULL};
    train_argv(av, buf, sizeof buf, out, x);
    pid = fork();
    if (pid == 0) {
        struct rlimit r = {(rlim_t)1 << 30, (rlim_t)1 << 30};
        setrlimit(RLIMIT_AS, &r);
        char errpath[300];
        snprintf(errpath, sizeof errpath, "%s/err.txt", tmp);
        int o = open("/dev/null", O_WRONLY), e = open(errpath, O_WRONLY | O_CREAT | O_TRUNC, 0644);
        dup2(o, 1), dup2(e, 2);
        execv(av[0], av);
        _exit(127);
    }
    waitpid(pid, &st, 0);
    char *e = err_text();
    CHECK(WIFEXITED(st) && WEXITSTATUS(st) == 1 && strstr(e, "out of memory"),
          "xbar train under a 1 GiB limit: %s %d: %s", WIFEXITED(st) ? "exit" : "signal",
          WIFEXITED(st) ? WEXITSTATUS(st) : WTERMSIG(st), e);
    printf("(e) absurd sizes refused; under a 1 GiB address-space limit: %s", e);
    free(e);
}

int main(int argc, char **argv)
{
    const double t_start = now();
    snprintf(tmp, sizeof tmp, "/tmp/xbar-test-reliability-%d", (int)getpid());
    snprintf(xbar_prog, sizeof xbar_prog, "%s", argc > 1 ? argv[1] : "./xbar");
    xt_cli_init(xbar_prog, tmp);
    snprintf(data, sizeof data, "%s/data", tmp);
    mkdir(data, 0700);
    xt_write_idx_set(data, "train", 100, 0, 0);
    xt_write_idx_set(data, "t10k", 50, 1, 0);

    /* the uninterrupted run every other one is compared with */
    char base[400], buf[600];
    char *av[MAXARG];
    snprintf(base, sizeof base, "%s/base", tmp);
    train_argv(av, buf, sizeof buf, base, NULL);
    double t0 = now();
    CHECK(run_av(av) == 0, "uninterrupted run failed");
    const double t_base = now() - t0;
    double ts[2];
    for (int i = 0; i < 2; i++) {
        char one[400];
        snprintf(one, sizeof one, "%s/stop%d", tmp, 2 * i + 1);
        const char *stop[] = {"--stop-after", i ? "3" : "1", NULL};
        train_argv(av, buf, sizeof buf, one, stop);
        t0 = now();
        CHECK(run_av(av) == 0, "run stopped after epoch %d failed", 2 * i + 1);
        ts[i] = now() - t0;
    }
    printf("uninterrupted run: %.2f s (16 epochs); stopped after epoch 1: %.2f s, after epoch 3: %.2f s\n", t_base,
           ts[0], ts[1]);

    test_kills(base, ts[0], ts[1]);
    test_bad_checkpoints(base);
    test_divergence();
    test_budget();
    test_library_sizes();

    printf("test_reliability: %.1f s\n", now() - t_start);
    xt_cli_done();
    return xt_done("test_reliability");
}
