/* cmd_bench.c - `xbar bench [--quick] [--threads N] [--out DIR] [--aihwkit FILE]`:
 * xbar's speed against this machine's own limits (issue 4) and, with --aihwkit,
 * against aihwkit timed on the same machine alongside (issue 15). Ratios, not
 * absolute times, compare across machines.
 *
 *   (1) ceilings: sgemm GFLOP/s, memory-copy GB/s, normals/s (bench_ceil.c)
 *   (2) tile forward + backward with the default IO, % of sgemm (bench_read.c)
 *   (3) stochastic pulsed update, dense and MNIST-like regimes, ALD / soft
 *       bounds / Tiki-Taka pair: slots/s, pulses/s, x perfect (bench_update.c)
 *   (4) every timed case at 1 thread and at N (--threads, default the CPUs this process may use), and
 *       the speedup 1 -> N
 *   (5) training samples/s of the paper's FCN and CNN (bench_train.c)
 *   (6) bytes per device, peak RSS of a 4096^2 Tiki-Taka pair (bench_mem.c)
 *   (7) against aihwkit: a summary of the cases compared with --aihwkit FILE.
 *
 * aihwkit: xbar holds no aihwkit time of its own. --aihwkit FILE is the JSON
 * that ../shared/tools/aihwkit/bench_pair.py --json FILE writes when run on the
 * same machine alongside: {"threads": T, "results": [{"case": NAME, "s":
 * [seconds of each call, ...]}, ...]}. Its case names:
 *   "read fwd+bwd NxN bB"              part (2), N x N at batch B
 *   "update REGIME DEVICE NxN bB"      part (3); REGIME dense or mnist (xbar's
 *                                      mnist_like), DEVICE ald_ideal, softbounds
 *                                      (xbar's soft_bounds), tikitaka (tiki_taka)
 *   "fcn epoch OPTIMIZER"              optional, added by hand (e.g. from
 *                                      bench_mnist_fcn.py): seconds of one epoch of
 *                                      the 8k-MNIST FCN at batch 10; OPTIMIZER
 *                                      digital, analog_sgd or tiki_taka; part (5)
 *                                      then times the FCN at batch 10 for it
 * Each xbar case with a case of the same name compares with the fastest of
 * that case's calls ("min of N calls") and prints aihwkit time / xbar time at
 * each thread setting; other cases print no aihwkit figure, and the file's
 * cases that match none of this run are listed under (7). The file is read
 * and checked before anything is timed: unreadable, not JSON, no "threads" or
 * "results", a case without a name or without times (or with a time that is
 * not a positive number), a case listed twice: exit 2, naming the file and the
 * fault. Without --aihwkit the table has no aihwkit column, (7) says how to
 * measure one, and bench.json's "versus_aihwkit" is [].
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
 *   "read": [...], "update": [...], "train": [...], "train_fcn_8k": [...]
 *   (with fcn epoch cases only), "memory": {...}, "aihwkit": {"file", "threads",
 *   "unmatched": [...]} (with --aihwkit only), "versus_aihwkit": [...]};
 *   per-case figures are arrays over "threads". A row compared with aihwkit
 *   carries "aihwkit_seconds", "aihwkit_source": "FILE (min of N calls)" and
 *   "vs_aihwkit"; each row of "versus_aihwkit" names the xbar case, the
 *   aihwkit case, both times, the speedups and issue 4's target. */
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
    "Measure xbar against this machine's limits (docs/performance.md) and, with --aihwkit,\n"
    "against aihwkit timed alongside on the same machine:\n"
    "(1) sgemm, memory copy and normal-generator ceilings; (2) tile forward + backward with the\n"
    "default IO vs sgemm; (3) the pulsed update (BL 31) in the dense and MNIST-like regimes for the\n"
    "ALD, soft bounds and a Tiki-Taka pair vs a perfect implementation; (5) FCN and CNN training\n"
    "samples/s for every optimizer, and the FCN's epoch at batch 10 over Tiki-Taka's; (6) memory per\n"
    "device and peak RSS. Every case at 1 thread and at --threads N\n"
    "(default: the CPUs this process may use). Writes DIR/bench.txt (the table) and DIR/bench.json (default DIR out/bench;\n"
    "an existing one needs --force); progress on stderr. --config, --set and --seed do not apply.\n"
    "--aihwkit FILE: the JSON of ../shared/tools/aihwkit/bench_pair.py --json FILE run on this machine\n"
    "alongside ({\"threads\": T, \"results\": [{\"case\": NAME, \"s\": [seconds, ...]}, ...]}); each case\n"
    "of the same name (\"read fwd+bwd 512x512 b64\", \"update dense softbounds 512x512 b64\", ...) is\n"
    "compared with the min of its calls. It may also hold, added by hand, \"fcn epoch digital\",\n"
    "\"fcn epoch analog_sgd\", \"fcn epoch tiki_taka\": seconds of one 8k-MNIST FCN epoch at batch 10\n"
    "(e.g. from bench_mnist_fcn.py), compared with the FCN at batch 10. A file that cannot be read\n"
    "or used is refused before anything is timed (exit 2). Without it, no aihwkit figure is printed.";

static void print_versus(bench_ctx *b)
{
    char t1[16], t2[16];
    if (!b->aihwkit) {
        bench_out(b, "(7) against aihwkit: not measured in this run; run ../shared/tools/aihwkit/bench_pair.py "
                     "--json F on this machine alongside, then xbar bench --aihwkit F\n");
        return;
    }
    bench_out(b, "(7) against aihwkit, timed alongside: %s (aihwkit at %d thread%s; min of each case's calls): "
                 "speedup = aihwkit time / xbar time\n",
              b->aihwkit->path, b->aihwkit->threads, b->aihwkit->threads > 1 ? "s" : "");
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
    if (!cJSON_GetArraySize(b->summary)) bench_out(b, "  no case of this run is in the file\n");
    cJSON *a = cJSON_AddObjectToObject(b->json, "aihwkit"), *un = cJSON_CreateArray();
    cJSON_AddStringToObject(a, "file", b->aihwkit->path);
    cJSON_AddNumberToObject(a, "threads", b->aihwkit->threads);
    cJSON_AddItemToObject(a, "unmatched", un);
    for (int k = 0; k < b->aihwkit->n; k++) {
        const bench_ref_case *c = &b->aihwkit->cases[k];
        if (c->used) continue;
        if (!cJSON_GetArraySize(un)) bench_out(b, "  cases of the file with no xbar case in this run:");
        bench_out(b, " %s%s", cJSON_GetArraySize(un) ? "; " : "", c->name);
        cJSON_AddItemToArray(un, cJSON_CreateString(c->name));
    }
    if (cJSON_GetArraySize(un)) bench_out(b, "\n");
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
    const char *aihwkit = NULL;
    const arg_extra extra[] = {
        {"quick", ARG_FLAG, &quick, NULL, "small cases only (256^2/512^2, batch 64), no peak-RSS run: about 10 s"},
        {"aihwkit", ARG_STRING, &aihwkit, "FILE",
         "aihwkit's times, measured alongside on this machine (bench_pair.py --json FILE, see above)"},
        {NULL, 0, NULL, NULL, NULL}};
    cli_args a;
    char err[1024];
    if (args_parse(&a, "bench", argc, argv, extra, err, sizeof err)) return cli_error("bench", "%s", err), EXIT_USAGE;
    if (a.help) return args_usage(stdout, "bench", summary_text, extra, NULL, NULL), EXIT_OK;
    if (a.config || a.nsets) return cli_error("bench", "takes no settings (--config, --set)"), EXIT_USAGE;
    bench_ref ref = {0};
    if (aihwkit && bench_aihwkit_load(&ref, aihwkit, err, sizeof err))
        return cli_error("bench", "%s", err), EXIT_USAGE;
    bench_ctx b = {.quick = quick, .quiet = a.quiet, .threads = {1, a.threads > 0 ? a.threads : cli_cpus_available()},
                   .aihwkit = aihwkit ? &ref : NULL};
    b.nth = b.threads[1] > 1 ? 2 : 1;
    b.budget = quick ? 0.1 : 0.4;
    b.train_budget = quick ? 0.3 : 2.0;
    b.cap = quick ? 3 : 30, b.cap_4096 = quick ? 3 : 10;
    const char *dir = a.out ? a.out : "out/bench";
    out_ctx od;
    out_lock lk;
    if (out_check(dir, a.force ? OUT_FORCE : 0, err, sizeof err) || out_lock_take(dir, &lk, err, sizeof err))
        return bench_aihwkit_free(&ref), cli_error("bench", "%s", err), EXIT_USAGE;
    if (out_begin(dir, a.force, &od, err, sizeof err))
        return bench_aihwkit_free(&ref), out_lock_release(&lk), cli_error("bench", "%s", err), EXIT_USAGE;
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
    bench_aihwkit_free(&ref);
    free(text);
    if (rc) out_abort(&od);
    out_lock_release(&lk);
    if (rc) {
        return cli_error("bench", "%s", err), EXIT_RUNTIME;
    }
    if (!a.quiet) fprintf(stderr, "bench: wrote %s/bench.json and bench.txt\n", path_show(dir));
    return EXIT_OK;
}
