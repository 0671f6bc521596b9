/* cmd_bench.c - `xbar bench [--quick] [--threads N] [--out DIR]`: xbar's
 * speed against this machine's own limits and against aihwkit (issue 4),
 * measured in one run. Ratios, not absolute times, compare across machines.
 *
 *   (1) ceilings: sgemm GFLOP/s, memory-copy GB/s, normals/s (bench_ceil.c)
 *   (2) tile forward + backward with the default IO, % of sgemm (bench_read.c)
 *   (3) stochastic pulsed update, dense and MNIST-like regimes, ALD / soft
 *       bounds / Tiki-Taka pair: slots/s, pulses/s, x perfect (bench_update.c)
 *   (4) every timed case at 1 thread and at N (--threads, default the CPUs this process may use), and
 *       the speedup 1 -> N
 *   (5) training samples/s of the paper's FCN and CNN (bench_train.c)
 *   (6) bytes per device, peak RSS of a 4096^2 Tiki-Taka pair (bench_mem.c)
 *   and a summary of the cases of issue 4's aihwkit table.
 *
 * Timing is min-of-k: calls of a case repeat within a budget of 0.4 s (quick
 * 0.1 s), at most BENCH_KMAX, at least BENCH_KMIN for calls under
 * BENCH_KMIN_S (bench_parts.h); an update case estimated over 30 s (4096^2:
 * 10 s; quick: 3 s) is skipped and listed. --quick: 256^2 and 512^2 reads at
 * batch 64, updates at 512^2 batch 64, short training runs, no peak-RSS run
 * (about 10 s); the full run takes minutes. The table goes to stdout and
 * DIR/bench.txt, every figure to DIR/bench.json (default DIR: out/bench;
 * an existing DIR needs --force), progress to stderr.
 * bench.json: {"command", "xbar_version", "mode", "threads": [1, N],
 *   "ceilings": {sgemm_gflops, copy_GBps, znormals_per_s, normals_per_s},
 *   "read": [...], "update": [...], "train": [...], "memory": {...},
 *   "versus_aihwkit": [...]}; per-case figures are arrays over "threads". */
#define _DEFAULT_SOURCE /* getloadavg */
#include <cjson/cJSON.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/stat.h>
#include <unistd.h>

#include "args.h"
#include "bench_parts.h"
#include "commands.h"
#include "cpus.h"
#include "jsonout.h"
#include "outdir.h"
#include "outlock.h"
#include "pathname.h"
#include "xbar.h"

static const char summary_text[] =
    "Measure xbar against this machine's limits and aihwkit's speed (issue 4, docs/performance.md):\n"
    "(1) sgemm, memory copy and normal-generator ceilings; (2) tile forward + backward with the\n"
    "default IO vs sgemm; (3) the pulsed update (BL 31) in the dense and MNIST-like regimes for the\n"
    "ALD, soft bounds and a Tiki-Taka pair vs a perfect implementation; (5) FCN and CNN training\n"
    "samples/s; (6) memory per device and peak RSS. Every case at 1 thread and at --threads N\n"
    "(default: the CPUs this process may use). Writes DIR/bench.txt (the table) and DIR/bench.json (default DIR out/bench;\n"
    "an existing one needs --force); progress on stderr. --config, --set and --seed do not apply.";

static void print_versus(bench_ctx *b)
{
    char t1[16], t2[16];
    bench_out(b, "(7) against aihwkit 1.0.0 (1 thread; issue 4's table): speedup = aihwkit time / xbar time\n");
    bench_out(b, "  %-52s %9s |", "case", "aihwkit");
    for (int k = 0; k < b->nth; k++) bench_out(b, " %2d thr: time  speedup |", b->threads[k]);
    bench_out(b, " issue target\n");
    cJSON *row;
    cJSON_ArrayForEach(row, b->summary)
    {
        cJSON *s = cJSON_GetObjectItem(row, "seconds"), *x = cJSON_GetObjectItem(row, "speedup");
        bench_out(b, "  %-52s %9s |", cJSON_GetObjectItem(row, "case")->valuestring,
                  bench_fmt_time(cJSON_GetObjectItem(row, "aihwkit_seconds")->valuedouble, t1));
        for (int k = 0; k < b->nth; k++)
            bench_out(b, " %10s %8.2fx |", bench_fmt_time(cJSON_GetArrayItem(s, k)->valuedouble, t2),
                      cJSON_GetArrayItem(x, k)->valuedouble);
        bench_out(b, " %s\n", cJSON_GetObjectItem(row, "target")->valuestring);
    }
}

/* 1-minute load average (-1 if unknown): other work on the machine skews the
 * figures, the multi-threaded ones most. */
static double load(void)
{
    double l = -1;
    return getloadavg(&l, 1) == 1 ? l : -1;
}

/* All parts into b; 0 or -1. */
static int run_parts(bench_ctx *b)
{
    const long cpus = sysconf(_SC_NPROCESSORS_ONLN);
    const double load0 = load();
    bench_out(b, "xbar bench%s: threads 1%s", b->quick ? " --quick" : "", b->nth > 1 ? " and " : "");
    if (b->nth > 1) bench_out(b, "%d", b->threads[1]);
    bench_out(b, "; min of up to %d calls within %.1f s per case (at least %d under %.1f s a call); %ld CPUs, load "
                 "average %.2f\n\n",
              BENCH_KMAX, b->budget, BENCH_KMIN, BENCH_KMIN_S, cpus, load0);
    if (bench_ceilings(b) || bench_reads(b) || bench_updates(b) || bench_train(b) || bench_memory(b)) return -1;
    print_versus(b);
    const double load1 = load();
    bench_out(b, "\nload average at the end %.2f on %ld CPUs%s\n", load1, cpus,
              load0 > 0.5 || load1 > 1.5 ? ": other work was running, figures (most of all 2-thread ones) are low" : "");
    cJSON *m = cJSON_AddObjectToObject(b->json, "machine");
    cJSON_AddNumberToObject(m, "cpus", (double)cpus);
    cJSON_AddNumberToObject(m, "load_average_start", load0);
    cJSON_AddNumberToObject(m, "load_average_end", load1);
    return 0;
}

int cmd_bench(int argc, char **argv)
{
    int quick = 0;
    const arg_extra extra[] = {
        {"quick", ARG_FLAG, &quick, NULL, "small cases only (256^2/512^2, batch 64), no peak-RSS run: about 10 s"},
        {NULL, 0, NULL, NULL, NULL}};
    cli_args a;
    char err[1024];
    if (args_parse(&a, "bench", argc, argv, extra, err, sizeof err)) return cli_error("bench", "%s", err), EXIT_USAGE;
    if (a.help) return args_usage(stdout, "bench", summary_text, extra, NULL, NULL), EXIT_OK;
    if (a.config || a.nsets) return cli_error("bench", "takes no settings (--config, --set)"), EXIT_USAGE;
    bench_ctx b = {.quick = quick, .quiet = a.quiet, .threads = {1, a.threads > 0 ? a.threads : cli_cpus_available()}};
    b.nth = b.threads[1] > 1 ? 2 : 1;
    b.budget = quick ? 0.1 : 0.4;
    b.train_budget = quick ? 0.3 : 2.0;
    b.cap = quick ? 3 : 30, b.cap_4096 = quick ? 3 : 10;
    const char *dir = a.out ? a.out : "out/bench";
    out_ctx od;
    out_lock lk;
    if (out_check(dir, a.force ? OUT_FORCE : 0, err, sizeof err) || out_lock_take(dir, &lk, err, sizeof err))
        return cli_error("bench", "%s", err), EXIT_USAGE;
    if (out_begin(dir, a.force, &od, err, sizeof err))
        return out_lock_release(&lk), cli_error("bench", "%s", err), EXIT_USAGE;
    char *text = NULL;
    size_t text_len = 0;
    b.copy = open_memstream(&text, &text_len);
    b.json = json_summary_new("bench");
    cJSON_AddStringToObject(b.json, "mode", quick ? "quick" : "full");
    cJSON_AddItemToObject(b.json, "threads", cJSON_CreateIntArray(b.threads, b.nth));
    b.summary = cJSON_AddArrayToObject(b.json, "versus_aihwkit");
    int rc = b.copy && b.summary ? run_parts(&b) : -1;
    if (b.copy) fclose(b.copy);
    if (rc) snprintf(err, sizeof err, "a measurement failed: %s", xbar_last_error());
    if (!rc) rc = json_write_file(b.json, out_path(&od, "bench.json"), err, sizeof err);
    if (!rc) rc = out_write_atomic(out_path(&od, "bench.txt"), text, text_len, err, sizeof err);
    if (!rc) rc = out_commit(&od, err, sizeof err);
    cJSON_Delete(b.json);
    free(text);
    if (rc) out_abort(&od);
    out_lock_release(&lk);
    if (rc) {
        return cli_error("bench", "%s", err), EXIT_RUNTIME;
    }
    if (!a.quiet) fprintf(stderr, "bench: wrote %s/bench.json and bench.txt\n", path_show(dir));
    return EXIT_OK;
}
