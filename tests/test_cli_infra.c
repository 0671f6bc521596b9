/* test_cli_infra.c - the CLI building blocks: cfg, outdir, csvout, jsonout, args, plot.
 *
 * The CLI sources are compiled into this test directly (#include of the .c
 * files). The test target does not link inih, so ini_parse_stream is taken
 * from the system's libinih at run time (dlopen) by the forwarder below.
 */
#define _XOPEN_SOURCE 700
#include <dirent.h>
#include <dlfcn.h>
#include <float.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>

#include "../src/cli/common/args.c"
#include "../src/cli/common/cfg.c"
#include "../src/cli/common/csvout.c"
#include "../src/cli/common/jsonout.c"
#include "../src/cli/common/outdir.c"
#include "../src/cli/common/pathname.c"
#include "../src/cli/common/plot.c"
#include "util.h"

/* ------------------------------------------------------------ inih forwarder */

int ini_parse_stream(ini_reader reader, void *stream, ini_handler handler, void *user)
{
    static int (*fn)(ini_reader, void *, ini_handler, void *);
    if (!fn) {
        void *h = dlopen("libinih.so.1", RTLD_NOW);
        if (!h) h = dlopen("libinih.so", RTLD_NOW);
        if (h) *(void **)(&fn) = dlsym(h, "ini_parse_stream");
        if (!fn) {
            fprintf(stderr, "test_cli_infra: cannot load libinih: %s\n", dlerror());
            exit(1);
        }
    }
    return fn(reader, stream, handler, user);
}

/* ----------------------------------------------------------------- helpers */

static char base[256]; /* scratch directory of this run */

static const char *tpath(const char *name)
{
    static char buf[4][512];
    static int k;
    k = (k + 1) % 4;
    snprintf(buf[k], sizeof buf[k], "%s/%s", base, name);
    return buf[k];
}

static void write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    fputs(text, f);
    fclose(f);
}

static char *read_text(const char *path)
{
    static char buf[1 << 16];
    FILE *f = fopen(path, "r");
    if (!f) return NULL;
    size_t n = fread(buf, 1, sizeof buf - 1, f);
    buf[n] = 0;
    fclose(f);
    return buf;
}

static int exists(const char *path)
{
    struct stat st;
    return !stat(path, &st);
}

/* Number of entries in dir whose name starts with prefix. */
static int count_prefix(const char *dir, const char *prefix)
{
    DIR *d = opendir(dir);
    int n = 0;
    struct dirent *e;
    while (d && (e = readdir(d)))
        if (!strncmp(e->d_name, prefix, strlen(prefix))) n++;
    if (d) closedir(d);
    return n;
}

#define HAS(s, sub) (strstr((s), (sub)) != NULL)

/* --------------------------------------------------------------------- cfg */

typedef struct {
    float dw_min;
    double lr;
    int steps;
    uint64_t seed;
    int verbose;
    char name[CFG_STR_MAX];
    int kind;
    cfg_list lrs;
    double prob;
} tcfg;

static const char *const kinds[] = { "softbounds", "linear", "pow", NULL };

static const cfg_key keys[] = {
    { "device", "dw_min", CFG_FLOAT, offsetof(tcfg, dw_min), .flags = CFG_POS, .doc = "pulse step" },
    { "device", "kind", CFG_ENUM, offsetof(tcfg, kind), .choices = kinds, .doc = "device model" },
    { "train", "lr", CFG_DOUBLE, offsetof(tcfg, lr), .flags = CFG_NONNEG, .doc = "learning rate" },
    { "train", "steps", CFG_INT, offsetof(tcfg, steps), .min = 1, .max = 1000, .flags = CFG_MIN | CFG_MAX },
    { "train", "seed", CFG_U64, offsetof(tcfg, seed), .doc = NULL },
    { "train", "verbose", CFG_BOOL, offsetof(tcfg, verbose), .doc = NULL },
    { "train", "lrs", CFG_FLOAT_LIST, offsetof(tcfg, lrs), .flags = CFG_POS, .list_max = 4 },
    { "train", "prob", CFG_DOUBLE, offsetof(tcfg, prob), .min = 0, .max = 1, .flags = CFG_MIN_EXCL | CFG_MAX },
    { "io", "name", CFG_STRING, offsetof(tcfg, name), .flags = CFG_NONEMPTY, .doc = "run name" },
    CFG_END
};

static tcfg tcfg_default(void)
{
    tcfg c;
    memset(&c, 0, sizeof c);
    c.dw_min = 0.001f, c.lr = 0.1, c.steps = 10, c.seed = 1, c.prob = 0.5;
    strcpy(c.name, "run");
    return c;
}

/* Load text as a config file; returns rc, message in err. */
static int load_text(tcfg *c, const char *text, char *err, size_t n)
{
    write_text(tpath("c.ini"), text);
    return cfg_load_file(keys, c, tpath("c.ini"), err, n);
}

static void test_cfg(void)
{
    char err[1024];
    tcfg c = tcfg_default();

    /* a valid file with comments, blanks and every type */
    int rc = load_text(&c,
                       "; comment\n# another\n[device]\ndw_min = 2.5e-3\nkind = pow\n\n"
                       "[train]\nlr=0.25\nsteps = 1000\nseed = 18446744073709551615\nverbose = yes\n"
                       "lrs = 0.1, 0.2 0.5\nprob = 1\n[io]\nname = my run\n",
                       err, sizeof err);
    CHECK(rc == 0, "valid file: %s", err);
    CHECK(c.dw_min == 2.5e-3f && c.kind == 2 && c.lr == 0.25 && c.steps == 1000, "valid file values");
    CHECK(c.seed == UINT64_MAX && c.verbose == 1 && c.prob == 1.0, "valid file values 2");
    CHECK(c.lrs.n == 3 && c.lrs.v[0] == 0.1 && c.lrs.v[2] == 0.5, "list %d", c.lrs.n);
    CHECK(!strcmp(c.name, "my run"), "string '%s'", c.name);

    /* unknown key / section: file, line, section.key */
    c = tcfg_default();
    rc = load_text(&c, "[device]\ndw_min = 0.1\nfoo = 1\n", err, sizeof err);
    CHECK(rc && HAS(err, "c.ini:3:") && HAS(err, "device.foo") && HAS(err, "dw_min, kind"), "unknown key: %s", err);
    rc = load_text(&c, "[bogus]\nx = 1\n", err, sizeof err);
    CHECK(rc && HAS(err, "c.ini:2:") && HAS(err, "bogus.x") && HAS(err, "sections:"), "unknown section: %s", err);
    rc = load_text(&c, "x = 1\n", err, sizeof err);
    CHECK(rc && HAS(err, "outside any [section]"), "no section: %s", err);

    /* bad values name key, value and rule; nothing after the error applies */
    c = tcfg_default();
    rc = load_text(&c, "[device]\ndw_min = -1\n[train]\nsteps = 5\n", err, sizeof err);
    CHECK(rc && HAS(err, "c.ini:2: [device] dw_min = -1: must be > 0"), "bad value: %s", err);
    CHECK(c.steps == 10, "applied after an error");
    rc = load_text(&c, "[train]\nsteps = 1001\n", err, sizeof err);
    CHECK(rc && HAS(err, "steps = 1001: must be in [1, 1000]"), "range: %s", err);
    rc = load_text(&c, "[train]\nprob = 0\n", err, sizeof err);
    CHECK(rc && HAS(err, "must be in (0, 1]"), "excl range: %s", err);
    rc = load_text(&c, "[train]\nsteps = 1.5\n", err, sizeof err);
    CHECK(rc && HAS(err, "not an integer"), "int: %s", err);
    rc = load_text(&c, "[train]\nseed = -1\n", err, sizeof err);
    CHECK(rc && HAS(err, "seed = -1: not a non-negative integer"), "u64: %s", err);
    rc = load_text(&c, "[train]\nseed = 18446744073709551616\n", err, sizeof err);
    CHECK(rc && HAS(err, "out of range"), "u64 overflow: %s", err);
    rc = load_text(&c, "[train]\nverbose = maybe\n", err, sizeof err);
    CHECK(rc && HAS(err, "true or false"), "bool: %s", err);
    rc = load_text(&c, "[device]\nkind = cubic\n", err, sizeof err);
    CHECK(rc && HAS(err, "kind = cubic: must be one of: softbounds, linear, pow"), "enum: %s", err);
    rc = load_text(&c, "[train]\nlrs = 1, 2, 3, 4, 5\n", err, sizeof err);
    CHECK(rc && HAS(err, "at most 4 values"), "list cap: %s", err);
    rc = load_text(&c, "[train]\nlrs = 1, -2\n", err, sizeof err);
    CHECK(rc && HAS(err, "each value must be > 0 (-2 is not)"), "list range: %s", err);
    rc = load_text(&c, "[io]\nname =\n", err, sizeof err);
    CHECK(rc && HAS(err, "must not be empty"), "nonempty: %s", err);
    rc = load_text(&c, "[device]\ndw_min = 1e39\n", err, sizeof err);
    CHECK(rc && HAS(err, "out of float range"), "float range: %s", err);
    rc = load_text(&c, "[train]\nlr = 1e999\n", err, sizeof err);
    CHECK(rc && HAS(err, "out of range"), "double range: %s", err);

    /* NaN and infinities are rejected everywhere */
    const char *bad[] = { "[device]\ndw_min = nan\n", "[train]\nlr = inf\n", "[train]\nlr = -Infinity\n",
                          "[train]\nlrs = 0.1, NaN\n" };
    for (int i = 0; i < 4; i++) {
        rc = load_text(&c, bad[i], err, sizeof err);
        CHECK(rc && HAS(err, "finite"), "non-finite %d: %s", i, err);
    }

    /* file-level errors */
    rc = load_text(&c, "[train]\nlr = 1\nlr = 2\n", err, sizeof err);
    CHECK(rc && HAS(err, "c.ini:3: duplicate key train.lr"), "duplicate: %s", err);
    rc = load_text(&c, "[train]\nlr = 1\njunk line\nsteps = 2\n", err, sizeof err);
    CHECK(rc && HAS(err, "c.ini:3: syntax error"), "syntax: %s", err);
    rc = load_text(&c, "[train\nlr = 1\n", err, sizeof err);
    CHECK(rc && HAS(err, "c.ini:1: syntax error"), "section syntax: %s", err);
    char longline[600] = "[io]\nname = ";
    memset(longline + strlen(longline), 'x', 400);
    rc = load_text(&c, longline, err, sizeof err);
    CHECK(rc && HAS(err, "c.ini:2: line too long"), "long line: %s", err);
    rc = cfg_load_file(keys, &c, tpath("missing.ini"), err, sizeof err);
    CHECK(rc && HAS(err, "cannot read config ") && HAS(err, "missing.ini: No such file"), "missing: %s", err);

    /* --set overrides */
    c = tcfg_default();
    CHECK(cfg_set(keys, &c, "train.steps=7", err, sizeof err) == 0 && c.steps == 7, "set: %s", err);
    CHECK(cfg_set(keys, &c, " device.kind = linear ", err, sizeof err) == 0 && c.kind == 1, "set spaces: %s", err);
    CHECK(cfg_set(keys, &c, "train.lrs=", err, sizeof err) == 0 && c.lrs.n == 0, "set empty list: %s", err);
    rc = cfg_set(keys, &c, "device.dw_min=0", err, sizeof err);
    CHECK(rc && !strcmp(err, "--set device.dw_min=0: must be > 0"), "set bad: %s", err);
    rc = cfg_set(keys, &c, "device.dw_min=nan", err, sizeof err);
    CHECK(rc && HAS(err, "dw_min=nan") && HAS(err, "finite"), "set nan: %s", err);
    rc = cfg_set(keys, &c, "device.foo=1", err, sizeof err);
    CHECK(rc && HAS(err, "unknown key device.foo"), "set unknown: %s", err);
    rc = cfg_set(keys, &c, "steps=1", err, sizeof err);
    CHECK(rc && HAS(err, "expected section.key=value"), "set syntax: %s", err);
    CHECK(c.dw_min == 0.001f, "failed set changed the value");
    /* values config.ini could not hold are refused (cfg_write_ini must stay re-readable) */
    rc = cfg_set(keys, &c, "io.name=a ;b", err, sizeof err);
    CHECK(rc && HAS(err, "starts a comment"), "set ' ;': %s", err);
    rc = cfg_set(keys, &c, "io.name=;b", err, sizeof err);
    CHECK(rc && HAS(err, "starts a comment"), "set ';' first: %s", err);
    char longset[400] = "io.name=";
    memset(longset + strlen(longset), 'x', 250);
    rc = cfg_set(keys, &c, longset, err, sizeof err);
    CHECK(rc && HAS(err, "too long for a line of a config file (at most 190 characters)"), "set long: %s", err);
    longset[8 + 190] = 0;
    CHECK(cfg_set(keys, &c, longset, err, sizeof err) == 0, "set 190 characters: %s", err);
    CHECK(cfg_find(keys, "train.seed") == &keys[4] && !cfg_find(keys, "train") && !cfg_find(keys, "x.seed"), "find");
    CHECK(cfg_get_key(keys, "io", "name") == &keys[8] && !cfg_get_key(keys, "io", "nam"), "get_key");

    /* write / reload round trip is exact */
    tcfg a = tcfg_default(), b;
    a.dw_min = 1.0f / 3.0f, a.lr = 0.1 + 0.2, a.steps = 999, a.seed = 12345678901234567ULL, a.verbose = 1;
    a.kind = 1, a.prob = 1e-300, a.lrs.n = 3, a.lrs.v[0] = 1.0 / 3.0, a.lrs.v[1] = 1e-7, a.lrs.v[2] = 2;
    strcpy(a.name, "x = y; z");
    FILE *f = fopen(tpath("rt.ini"), "w");
    CHECK(cfg_write_ini(keys, &a, f) == 0, "write_ini");
    fclose(f);
    memset(&b, 0, sizeof b);
    rc = cfg_load_file(keys, &b, tpath("rt.ini"), err, sizeof err);
    CHECK(rc == 0, "reload: %s", err);
    CHECK(memcmp(&a, &b, sizeof a) == 0, "round trip differs:\n%s", read_text(tpath("rt.ini")));
    const char *txt = read_text(tpath("rt.ini"));
    CHECK(HAS(txt, "; pulse step (> 0)\ndw_min = 0.33333334\n"), "comment + float:\n%s", txt);
    CHECK(HAS(txt, "lr = 0.30000000000000004\n") && HAS(txt, "[io]\n; run name (not empty)\nname = x = y; z\n"),
          "double/string:\n%s", txt);
    CHECK(HAS(txt, "lrs = 0.3333333333333333, 1e-07, 2\n"), "list:\n%s", txt);
    char rule[128];
    cfg_describe_rule(&keys[3], rule, sizeof rule);
    CHECK(!strcmp(rule, "in [1, 1000]"), "rule '%s'", rule);
}

/* ------------------------------------------------------------------ outdir */

static void test_outdir(void)
{
    char err[1024];
    out_ctx o;
    char dir[512];
    snprintf(dir, sizeof dir, "%s", tpath("run"));

    CHECK(out_begin(dir, 0, &o, err, sizeof err) == 0, "begin: %s", err);
    CHECK(HAS(o.tmp, "run.tmp-") && exists(o.tmp) && !exists(dir), "tmp dir %s", o.tmp);
    FILE *f = out_fopen(&o, "a.txt", err, sizeof err);
    CHECK(f != NULL, "fopen: %s", err);
    if (f) fputs("first\n", f), fclose(f);
    CHECK(out_commit(&o, err, sizeof err) == 0, "commit: %s", err);
    CHECK(exists(tpath("run/a.txt")) && exists(tpath("run/" OUT_MARKER)), "committed files");
    CHECK(count_prefix(base, "run.") == 0, "temp dir left behind");

    /* exists, no force */
    CHECK(out_begin(dir, 0, &o, err, sizeof err) != 0, "begin over existing");
    CHECK(HAS(err, "output directory ") && HAS(err, "run exists (use --force to overwrite)"), "msg: %s", err);
    CHECK(count_prefix(base, "run.") == 0, "refusal created something");

    /* force, then abort: the old result is untouched, no temp dir */
    CHECK(out_begin(dir, 1, &o, err, sizeof err) == 0, "begin force: %s", err);
    f = fopen(out_path(&o, "b.txt"), "w");
    if (f) fputs("second\n", f), fclose(f);
    out_abort(&o);
    out_abort(&o);
    CHECK(exists(tpath("run/a.txt")) && !exists(tpath("run/b.txt")), "abort touched the old dir");
    CHECK(count_prefix(base, "run.") == 0, "abort left a temp dir");

    /* force, then commit: replaced as a whole */
    char slash[600];
    snprintf(slash, sizeof slash, "%s/", dir);
    CHECK(out_begin(slash, 1, &o, err, sizeof err) == 0, "begin force 2: %s", err);
    f = fopen(out_path(&o, "b.txt"), "w");
    if (f) fputs("second\n", f), fclose(f);
    CHECK(out_commit(&o, err, sizeof err) == 0, "commit force: %s", err);
    CHECK(!exists(tpath("run/a.txt")) && exists(tpath("run/b.txt")), "not replaced");
    CHECK(count_prefix(base, "run.") == 0, "old or temp dir left behind");

    /* never replace a directory that xbar did not write */
    mkdir(tpath("mine"), 0777);
    write_text(tpath("mine/precious"), "x");
    CHECK(out_begin(tpath("mine"), 1, &o, err, sizeof err) != 0 && HAS(err, "not an xbar output directory"),
          "replaced a foreign dir: %s", err);
    mkdir(tpath("empty"), 0777);
    CHECK(out_begin(tpath("empty"), 1, &o, err, sizeof err) == 0, "empty dir: %s", err);
    out_abort(&o);
    CHECK(out_begin(tpath("nodir/x"), 0, &o, err, sizeof err) != 0 && HAS(err, "cannot create"), "no parent: %s",
          err);

    /* one file, atomically */
    CHECK(out_write_atomic(tpath("one.txt"), "hello\n", 6, err, sizeof err) == 0, "atomic: %s", err);
    const char *t = read_text(tpath("one.txt"));
    CHECK(t && !strcmp(t, "hello\n") && !exists(tpath("one.txt.tmp")), "atomic content");
    CHECK(out_write_atomic(tpath("nodir/one.txt"), "x", 1, err, sizeof err) != 0 && HAS(err, "cannot write"),
          "atomic error: %s", err);
}

/* -------------------------------------------------------------- csv, json */

static void test_csv(void)
{
    char err[1024];
    static const char *const cols[] = { "step", "loss", "note", NULL };
    csv_writer *w = csv_open(tpath("m.csv"), cols, err, sizeof err);
    CHECK(w != NULL, "csv_open: %s", err);
    if (!w) return;
    csv_i64(w, 12345678901LL), csv_num(w, 0.1f), csv_str(w, "plain"), csv_end_row(w);
    csv_i64(w, 2), csv_num(w, NAN), csv_str(w, "a,\"b\""), csv_end_row(w);
    double row[3] = { 3, 1e-30, -2.5 };
    csv_row(w, row);
    CHECK(csv_rows(w) == 3, "rows");
    CHECK(csv_close(w, err, sizeof err) == 0, "csv_close: %s", err);
    const char *t = read_text(tpath("m.csv"));
    CHECK(t && !strcmp(t, "step,loss,note\n12345678901,0.100000001,plain\n2,nan,\"a,\"\"b\"\"\"\n3,1e-30,-2.5\n"),
          "csv text:\n%s", t);

    w = csv_open(tpath("m2.csv"), cols, err, sizeof err);
    csv_num(w, 1), csv_end_row(w);
    CHECK(csv_close(w, err, sizeof err) != 0 && HAS(err, "row 1 has 1 fields, the header has 3"), "shape: %s", err);
    CHECK(csv_open(tpath("nodir/m.csv"), cols, err, sizeof err) == NULL && HAS(err, "cannot write"), "open err");
}

static void test_json(void)
{
    char err[1024];
    tcfg c = tcfg_default();
    c.lrs.n = 2, c.lrs.v[0] = 0.5, c.lrs.v[1] = 0.25, c.verbose = 1;
    cJSON *s = json_summary_new("lsq");
    CHECK(s && json_add_config(s, "config", keys, &c), "build");
    cJSON_AddNumberToObject(s, "final_loss", 1.25e-7);
    double v[3] = { 1, 0.5, NAN };
    CHECK(json_add_array(s, "curve", v, 3) != NULL, "array");
    CHECK(json_write_file(s, tpath("summary.json"), err, sizeof err) == 0, "write: %s", err);
    cJSON_Delete(s);
    CHECK(!exists(tpath("summary.json.tmp")), "tmp left");
    const char *t = read_text(tpath("summary.json"));
    cJSON *r = t ? cJSON_Parse(t) : NULL;
    CHECK(r != NULL, "parse back:\n%s", t ? t : "(none)");
    if (!r) return;
    cJSON *cfgj = cJSON_GetObjectItem(r, "config");
    cJSON *dev = cJSON_GetObjectItem(cfgj, "device"), *tr = cJSON_GetObjectItem(cfgj, "train");
    CHECK(!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(r, "command")), "lsq"), "command");
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(dev, "dw_min")) == (double)0.001f, "float value");
    CHECK(!strcmp(cJSON_GetStringValue(cJSON_GetObjectItem(dev, "kind")), "softbounds"), "enum value");
    CHECK(cJSON_IsTrue(cJSON_GetObjectItem(tr, "verbose")), "bool value");
    CHECK(cJSON_GetArraySize(cJSON_GetObjectItem(tr, "lrs")) == 2, "list value");
    CHECK(cJSON_GetNumberValue(cJSON_GetObjectItem(r, "final_loss")) == 1.25e-7, "number");
    CHECK(cJSON_IsNull(cJSON_GetArrayItem(cJSON_GetObjectItem(r, "curve"), 2)), "nan -> null");
    CHECK(t[strlen(t) - 1] == '\n' && HAS(t, "\n\t"), "pretty with final newline");
    cJSON_Delete(r);
}

/* -------------------------------------------------------------------- args */

static void test_args(void)
{
    char err[1024];
    cli_args a;
    int quick = 0, reps = 0;
    const char *tag = NULL;
    const arg_extra extra[] = { { "quick", ARG_FLAG, &quick, NULL, "small" },
                                { "reps", ARG_INT, &reps, "N", "repetitions" },
                                { "tag", ARG_STRING, &tag, NULL, "label" },
                                { NULL, ARG_FLAG, NULL, NULL, NULL } };
    char *av[] = { "lsq", "--seed", "42", "--set", "train.steps=3", "--out=o", "--force", "--quick",
                   "--set=device.kind=pow", "--reps", "5", "--tag=x", "--threads", "4", "--quiet" };
    int rc = args_parse(&a, "lsq", 15, av, extra, err, sizeof err);
    CHECK(rc == 0, "parse: %s", err);
    CHECK(a.seed_set && a.seed == 42 && a.nsets == 2 && !strcmp(a.out, "o") && a.force && a.quiet && a.threads == 4,
          "common values");
    CHECK(quick == 1 && reps == 5 && tag && !strcmp(tag, "x"), "extra values");

    /* --config then --set in order */
    write_text(tpath("a.ini"), "[train]\nsteps = 9\nlr = 0.5\n");
    char *av2[] = { "lsq", "--config", (char *)tpath("a.ini"), "--set", "train.steps=4", "--set", "train.steps=5" };
    tcfg c = tcfg_default();
    CHECK(args_parse(&a, "lsq", 7, av2, NULL, err, sizeof err) == 0, "parse2: %s", err);
    CHECK(args_apply_config(&a, keys, &c, err, sizeof err) == 0 && c.steps == 5 && c.lr == 0.5, "apply: %s", err);

    struct { int argc; char *argv[3]; const char *msg; } bad[] = {
        { 2, { "lsq", "--foo" }, "unknown flag --foo (see xbar lsq --help)" },
        { 3, { "lsq", "--seed", "abc" }, "--seed abc: not a non-negative integer" },
        { 3, { "lsq", "--seed", "-1" }, "--seed -1: not a non-negative integer" },
        { 2, { "lsq", "--out" }, "--out: missing value" },
        { 3, { "lsq", "--threads", "0" }, "--threads 0: not a positive integer" },
        { 2, { "lsq", "--force=1" }, "--force takes no value" },
        { 2, { "lsq", "extra" }, "unexpected argument 'extra' (see xbar lsq --help)" },
    };
    for (size_t i = 0; i < sizeof bad / sizeof *bad; i++) {
        rc = args_parse(&a, "lsq", bad[i].argc, bad[i].argv, extra, err, sizeof err);
        CHECK(rc && !strcmp(err, bad[i].msg), "bad %zu: '%s'", i, err);
    }
    char *av3[] = { "lsq", "--help", "--foo" };
    CHECK(args_parse(&a, "lsq", 3, av3, NULL, err, sizeof err) == 0 && a.help, "help stops parsing");

    FILE *f = fopen(tpath("usage.txt"), "w");
    args_usage(f, "lsq", "Least squares.", extra, keys, &c);
    fclose(f);
    const char *t = read_text(tpath("usage.txt"));
    CHECK(HAS(t, "usage: xbar lsq") && HAS(t, "--reps N") && HAS(t, "--seed N") && HAS(t, "device.dw_min") &&
              HAS(t, "(> 0)"),
          "usage:\n%s", t);
}

/* -------------------------------------------------------------------- plot */

static void test_plot(void)
{
    char err[1024];
    if (!plot_available()) {
        printf("test_cli_infra: gnuplot not installed, plot test skipped\n");
        return;
    }
    double x[50], y1[50], y2[50];
    for (int i = 0; i < 50; i++) x[i] = i, y1[i] = exp(-0.2 * i), y2[i] = i % 7 ? 1.0 / (i + 1) : 0.0;
    plot_series s[] = { { .name = "decay_1 'q'", .x = x, .y = y1, .n = 50 }, { .name = "with gaps", .y = y2, .n = 50 },
                       { .name = "empty", .x = x, .y = y1, .n = 0 } };
    plot_spec p = { .title = "test: f(W)-f*", .xlabel = "step", .ylabel = "loss", .logy = 1, .series = s,
                    .nseries = 3 };
    CHECK(plot_lines(tpath("p.png"), &p, err, sizeof err) == 0, "plot: %s", err);
    FILE *f = fopen(tpath("p.png"), "rb");
    unsigned char sig[8] = { 0 };
    if (f) fread(sig, 1, 8, f), fclose(f);
    CHECK(sig[0] == 0x89 && sig[1] == 'P' && sig[2] == 'N' && sig[3] == 'G', "not a PNG");
    CHECK(count_prefix(base, "p.png.") == 0, "plot left temp files");
    CHECK(plot_lines(tpath("nodir/p.png"), &p, err, sizeof err) != 0 && HAS(err, "cannot write"), "plot err: %s", err);
}

int main(void)
{
    snprintf(base, sizeof base, "%s/xbar_cli_infra.XXXXXX", getenv("TMPDIR") ? getenv("TMPDIR") : "/tmp");
    if (!mkdtemp(base)) return perror("mkdtemp"), 1;
    test_cfg();
    test_outdir();
    test_csv();
    test_json();
    test_args();
    test_plot();
    if (!xt_failures) out_remove_tree(base);
    else fprintf(stderr, "test_cli_infra: files kept in %s\n", base);
    return xt_done("test_cli_infra");
}
