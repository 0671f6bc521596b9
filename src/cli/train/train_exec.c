/* train_exec.c - the epoch loop of `xbar train` and its output files. */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <math.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>

#include "csvout.h"
#include "jsonout.h"
#include "outdir.h"
#include "outlock.h"
#include "pathname.h"
#include "plot.h"
#include "progress.h"
#include "commands.h"
#include "hw_keys.h"
#include "train_ckpt.h"
#include "train_data.h"
#include "train_exec.h"
#include "train_mem.h"

#define SHUFFLE_PURPOSE (XBAR_RNG_USER + 1)

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

/* Fisher-Yates permutation of 0..n-1 from (seed, epoch): 32-bit Philox words. */
static void permutation(size_t *p, size_t n, uint64_t seed, int epoch)
{
    for (size_t i = 0; i < n; i++) p[i] = i;
    uint32_t key[2] = {(uint32_t)seed, (uint32_t)(seed >> 32)}, r[4];
    uint64_t stream = xbar_stream(SHUFFLE_PURPOSE, 0, (uint32_t)epoch);
    for (size_t i = n - 1, k = 0; i > 0; i--, k++) {
        if ((k & 3) == 0) {
            uint64_t c = k >> 2;
            uint32_t ctr[4] = {(uint32_t)c, (uint32_t)(c >> 32), (uint32_t)stream, (uint32_t)(stream >> 32)};
            xbar_philox4x32_10(r, ctr, key);
        }
        size_t j = (size_t)(((uint64_t)r[k & 3] * (uint64_t)(i + 1)) >> 32);
        size_t t = p[i];
        p[i] = p[j];
        p[j] = t;
    }
}

int train_run_dir(const char *out, char *buf, size_t cap)
{
    return path_sibling(out, TRAIN_RUN_SUFFIX, buf, cap);
}

int train_run_config_path(const char *out, char *buf, size_t cap, char *err, size_t n)
{
    char run[OUT_PATH_MAX], parent[OUT_PATH_MAX];
    if (train_run_dir(out, run, sizeof run) || snprintf(buf, cap, "%s/config.ini", run) >= (int)cap)
        return snprintf(err, n, "--out %s: the path is too long", path_show(out)), -1;
    if (access(buf, R_OK) != 0) {
        int e = errno;
        out_lock lk; /* clear a dead run's leftovers all the same, when nobody holds the folder (and create no
                      * parent folder: the command is refused) */
        char ignored[256];
        path_parent(out, parent, sizeof parent);
        if (!access(parent, F_OK) && !out_lock_take(out, &lk, ignored, sizeof ignored)) out_lock_release(&lk);
        snprintf(err, n, "--resume: no interrupted run to resume (%s: %s)", path_show(buf), strerror(e));
        return -1;
    }
    return 0;
}

typedef struct {
    const train_cfg *c;
    const train_opts *opt;
    xbar_net *net;
    train_split train, test;
    size_t *perm;
    int64_t perm_pass; /* the pass perm holds (-1: none yet) */
    float *xb;
    uint8_t *yb;
    const char *out;
    out_lock lock; /* held on out from before OUT.run is touched to the end */
    char run[OUT_PATH_MAX], ckpt[OUT_PATH_MAX + 32], prev[OUT_PATH_MAX + 32], metrics[OUT_PATH_MAX + 32];
    ckpt_meta meta; /* config hash and optimizer steps done */
    int ckpt_epochs; /* epochs in the last checkpoint written or loaded */
    double mem_need, mem_budget; /* bytes: the estimate and the budget (train_mem.h) */
    const char *mem_source;
} run_ctx;

#define TRAIN_FINISHED 5 /* prepare_run_dir: resumed a run whose result was already committed */

/* err = "diverged at epoch E, step S (batch B): <quantity> is V; first non-finite: ..." for
 * batch B (1-based) of epoch e, or its end (batch 0); returns EXIT_DIVERGED. */
static int diverged(const run_ctx *r, int e, size_t batch, const char *quantity, double v, char *err, size_t n)
{
    xbar_nonfinite nf;
    char where[160];
    if (!xbar_net_find_nonfinite(r->net, XBAR_FIND_PARAMS | XBAR_FIND_ACTIVATIONS | XBAR_FIND_GRADIENTS, &nf))
        snprintf(where, sizeof where, "none in the weights, activations or gradients");
    else if (nf.rows)
        snprintf(where, sizeof where, "layer %zu (%s %zux%zu) %s", nf.layer, xbar_layer_kind_name(nf.kind), nf.rows,
                 nf.cols, nf.what);
    else
        snprintf(where, sizeof where, "layer %zu (%s) %s", nf.layer, xbar_layer_kind_name(nf.kind), nf.what);
    char val[32], at[48];
    snprintf(val, sizeof val, "%g", isnan(v) ? NAN : v); /* "nan", never "-nan" */
    if (batch) snprintf(at, sizeof at, "batch %zu", batch);
    else snprintf(at, sizeof at, "end of epoch");
    snprintf(err, n, "diverged at epoch %d, step %llu (%s): %s is %s; first non-finite: %s; last good checkpoint: %s "
             "(epoch %d)", e + 1, (unsigned long long)r->meta.steps + (batch != 0), at, quantity, val, where, r->ckpt,
             r->ckpt_epochs);
    return EXIT_DIVERGED;
}

/* Training samples per epoch: train.epoch_samples, or one pass over the training set. */
static size_t epoch_size(const run_ctx *r)
{
    return r->c->epoch_samples > 0 ? (size_t)r->c->epoch_samples : r->train.n;
}

/* One epoch: mini-batches of the sample stream, then the test-set evaluation. The stream is
 * consecutive passes over the training set, pass p in the order permutation(seed, p); epoch e
 * holds stream samples [e S, (e + 1) S), S = epoch_size (one pass: epoch e is pass e). */
static int run_epoch(run_ctx *r, int e, int first, train_history *h, progress *pg, char *err, size_t n)
{
    const train_cfg *c = r->c;
    const size_t pix = r->train.rows * r->train.cols, N = r->train.n, B = (size_t)c->batch, S = epoch_size(r);
    double lr = c->lr * pow(c->lr_gamma, (double)(e / c->lr_step));
    const uint64_t t0s = (uint64_t)e * S; /* stream index of the epoch's first sample */
    double t0 = now(), loss_sum = 0;
    size_t correct = 0;
    uint64_t p0 = xbar_net_pulse_count(r->net);
    xbar_pulse_counts c0, c1;
    xbar_net_pulse_counts(r->net, &c0);
    for (size_t s = 0; s < S; s += B) {
        size_t bs = S - s < B ? S - s : B;
        for (size_t k = 0; k < bs; k++) {
            const uint64_t t = t0s + s + k, pass = t / N;
            if ((int64_t)pass != r->perm_pass) {
                permutation(r->perm, N, c->seed, (int)pass);
                r->perm_pass = (int64_t)pass;
            }
            const size_t i = r->perm[t % N];
            memcpy(r->xb + k * pix, r->train.x + i * pix, pix * sizeof(float));
            r->yb[k] = r->train.y[i];
        }
        /* xbar_net_train_batch, with the divergence checks between its steps */
        double loss = 0;
        size_t ok = 0;
        xbar_status st = xbar_net_forward(r->net, NULL, r->xb, bs);
        if (!st) st = xbar_net_loss(r->net, r->yb, bs, &loss, &ok);
        if (!st && (!isfinite(loss) || xbar_net_find_nonfinite(r->net, XBAR_FIND_ACTIVATIONS, NULL)))
            return diverged(r, e, s / B + 1, "loss", loss, err, n);
        if (!st) st = xbar_net_backward(r->net, NULL);
        if (!st && xbar_net_find_nonfinite(r->net, XBAR_FIND_GRADIENTS, NULL))
            return diverged(r, e, s / B + 1, "loss", loss, err, n);
        if (!st) st = xbar_net_step(r->net, (float)lr);
        if (st) {
            snprintf(err, n, "epoch %d, batch %zu: %s", e + 1, s / B + 1, xbar_last_error());
            return 1;
        }
        r->meta.steps++;
        loss_sum += loss * (double)bs;
        correct += ok;
        char extra[96];
        snprintf(extra, sizeof extra, "epoch %d/%d  loss %.4f", e + 1, c->epochs, loss_sum / (double)(s + bs));
        progress_update(pg, (uint64_t)(e - first) * S + s + bs, extra);
    }
    double t_train = now() - t0, test_loss;
    size_t test_ok;
    if (xbar_net_evaluate(r->net, r->test.x, r->test.y, r->test.n, (size_t)c->eval_batch, &test_loss, &test_ok)) {
        snprintf(err, n, "epoch %d, evaluation: %s", e + 1, xbar_last_error());
        return 1;
    }
    if (!isfinite(loss_sum)) return diverged(r, e, 0, "train loss", loss_sum / (double)S, err, n);
    if (!isfinite(test_loss)) return diverged(r, e, 0, "test loss", test_loss / (double)r->test.n, err, n);
    if (xbar_net_find_nonfinite(r->net, XBAR_FIND_PARAMS, NULL))
        return diverged(r, e, 0, "test loss", test_loss / (double)r->test.n, err, n);
    if (history_reserve(h, e + 1)) return snprintf(err, n, "out of memory"), 1;
    h->epochs = e + 1;
    h->train_loss[e] = loss_sum / (double)S;
    xbar_net_observe_loss(r->net, h->train_loss[e]); /* a loss-driven schedule (multi_tile_rl's warm start) */
    h->train_acc[e] = 100.0 * (double)correct / (double)S;
    h->test_loss[e] = test_loss / (double)r->test.n;
    h->test_acc[e] = 100.0 * (double)test_ok / (double)r->test.n;
    h->lr[e] = lr;
    h->seconds[e] = c->timings ? now() - t0 : 0;
    h->samples_per_s[e] = c->timings && t_train > 0 ? (double)S / t_train : 0;
    h->pulses[e] = (double)(xbar_net_pulse_count(r->net) - p0);
    xbar_net_pulse_counts(r->net, &c1);
    h->grad_pulses[e] = (double)(c1.grad_pulses - c0.grad_pulses);
    h->transfer_pulses[e] = (double)(c1.transfer_pulses - c0.transfer_pulses);
    h->reads[e] = (double)(c1.reads - c0.reads);
    h->writes[e] = (double)(c1.writes - c0.writes);
    h->calib_pulses[e] = (double)(c1.calib_pulses - c0.calib_pulses);
    h->prog_events[e] = (double)(c1.prog_events - c0.prog_events);
    return 0;
}

static int write_metrics(const train_history *h, const char *path, char *err, size_t n)
{
    static const char *const cols[] = {"epoch", "lr", "train_loss", "train_acc", "test_loss", "test_acc",
                                       "seconds", "samples_per_s", "pulses", "grad_pulses",
                                       "transfer_pulses", "reads", "writes", "calib_pulses", "prog_events", NULL};
    csv_writer *w = csv_open(path, cols, err, n);
    if (!w) return -1;
    for (int e = 0; e < h->epochs; e++) {
        double v[] = {e + 1, h->lr[e], h->train_loss[e], h->train_acc[e], h->test_loss[e], h->test_acc[e],
                      h->seconds[e], h->samples_per_s[e], h->pulses[e], h->grad_pulses[e],
                      h->transfer_pulses[e], h->reads[e], h->writes[e], h->calib_pulses[e], h->prog_events[e]};
        csv_row(w, v);
    }
    return csv_close(w, err, n);
}

/* Mean of the last k values (the paper reports the mean over the last 5 epochs). */
double train_tail_mean(const double *v, int n, int k)
{
    if (k > n) k = n;
    double s = 0;
    for (int i = n - k; i < n; i++) s += v[i];
    return k ? s / k : NAN;
}

/* obj["w_rms"] = {"<layer>": RMS of its visible weights} for every linear / conv layer. */
static void add_weight_rms(cJSON *obj, xbar_net *net)
{
    cJSON *w = cJSON_AddObjectToObject(obj, "w_rms");
    for (size_t l = 0; l < xbar_net_n_layers(net); l++) {
        float *v;
        size_t cnt;
        if (xbar_net_param(net, l, XBAR_PARAM_WEIGHT, &v, NULL, &cnt) != XBAR_OK || !cnt) continue;
        float *buf = v ? NULL : malloc(cnt * sizeof(float));
        if (!v && !buf) continue;
        if (!v) xbar_aw_get_weights(xbar_net_layer_aw(net, l), buf);
        const float *x = v ? v : buf;
        double s2 = 0;
        for (size_t k = 0; k < cnt; k++) s2 += (double)x[k] * x[k];
        char key[24];
        snprintf(key, sizeof key, "%zu", l);
        cJSON_AddNumberToObject(w, key, sqrt(s2 / (double)cnt));
        free(buf);
    }
}

static int write_summary(const run_ctx *r, const train_outcome *o, const char *path, char *err, size_t n)
{
    const train_history *h = &o->h;
    cJSON *s = json_summary_new("train");
    json_add_config(s, "config", train_keys(), r->c);
    cJSON *d = cJSON_AddObjectToObject(s, "data");
    cJSON_AddStringToObject(d, "set", train_data_name(r->c));
    cJSON_AddStringToObject(d, "dir", train_data_dir(r->c));
    cJSON_AddNumberToObject(d, "n_train", (double)o->n_train);
    cJSON_AddNumberToObject(d, "n_test", (double)o->n_test);
    cJSON_AddStringToObject(s, "model", o->model);
    cJSON_AddNumberToObject(s, "epochs", h->epochs);
    cJSON_AddNumberToObject(s, "epoch_samples", (double)epoch_size(r));
    cJSON_AddNumberToObject(s, "updates", (double)r->meta.steps);
    cJSON_AddNumberToObject(s, "final_test_acc", h->test_acc[h->epochs - 1]);
    cJSON_AddNumberToObject(s, "last5_test_acc", train_tail_mean(h->test_acc, h->epochs, 5));
    double best = 0;
    for (int e = 0; e < h->epochs; e++) best = fmax(best, h->test_acc[e]);
    cJSON_AddNumberToObject(s, "best_test_acc", best);
    cJSON_AddNumberToObject(s, "final_train_loss", h->train_loss[h->epochs - 1]);
    cJSON_AddNumberToObject(s, "wall_s", o->wall_s);
    cJSON_AddNumberToObject(s, "samples_per_s", o->samples_per_s);
    double pulses = 0;
    for (int e = 0; e < h->epochs; e++) pulses += h->pulses[e];
    cJSON_AddNumberToObject(s, "pulses", pulses);
    xbar_pulse_counts pc; /* by phase, whole run: the network's counters (kept in checkpoints) */
    xbar_net_pulse_counts(r->net, &pc);
    cJSON *ph = cJSON_AddObjectToObject(s, "pulses_by_phase");
    cJSON_AddNumberToObject(ph, "gradient", (double)pc.grad_pulses);
    cJSON_AddNumberToObject(ph, "transfer", (double)pc.transfer_pulses);
    cJSON_AddNumberToObject(ph, "calibration", (double)pc.calib_pulses);
    cJSON_AddNumberToObject(ph, "programming_events", (double)pc.prog_events);
    cJSON_AddNumberToObject(ph, "reads", (double)pc.reads);
    cJSON_AddNumberToObject(ph, "writes", (double)pc.writes);
    char crc[16];
    snprintf(crc, sizeof crc, "%08x", (unsigned)o->state_crc32);
    cJSON_AddStringToObject(s, "state_crc32", crc);
    add_weight_rms(s, r->net);
    json_add_array(s, "test_acc", h->test_acc, (size_t)h->epochs);
    json_add_array(s, "train_loss", h->train_loss, (size_t)h->epochs);
    int rc = json_write_file(s, path, err, n);
    cJSON_Delete(s);
    return rc;
}

static int write_plot(const run_ctx *r, const train_history *h, const char *path, char *err, size_t n)
{
    char title[CFG_STR_MAX + 64];
    if (r->c->opt.kind == XBAR_OPT_DIGITAL)
        snprintf(title, sizeof title, "%s on %s (digital)", r->c->layers, train_data_name(r->c));
    else
        snprintf(title, sizeof title, "%s on %s (%s, %s, w_max %g, w_min %g)", r->c->layers, train_data_name(r->c),
                 xbar_opt_kind_name(r->c->opt.kind), xbar_device_model_name(r->c->device.model),
                 (double)r->c->device.w_max, (double)r->c->device.w_min);
    plot_series s[] = {{.name = "test", .y = h->test_acc, .n = (size_t)h->epochs},
                       {.name = "train", .y = h->train_acc, .n = (size_t)h->epochs, .dash = 1}};
    double *x = malloc((size_t)h->epochs * sizeof(double));
    if (!x) return snprintf(err, n, "out of memory"), -1;
    for (int e = 0; e < h->epochs; e++) x[e] = e + 1;
    s[0].x = s[1].x = x;
    plot_spec p = {.title = title, .xlabel = "epoch", .ylabel = "accuracy (%)", .key_outside = 1, .ymin = 0,
                   .ymax = 100, .series = s, .nseries = 2};
    int rc = plot_lines(path, &p, err, n);
    free(x);
    return rc;
}

/* Remove OUT.run as one step (renamed to OUT.run.done first), so that a kill
 * never leaves a partly removed run directory. */
static void remove_run_dir(const run_ctx *r)
{
    char done[OUT_PATH_MAX + 16];
    snprintf(done, sizeof done, "%s.done", r->run);
    out_remove_tree(done);
    if (rename(r->run, done) == 0) out_fsync_dir(done);
    out_remove_tree(done);
}

/* Final files into OUT (all or nothing), then remove OUT.run. A resumed run
 * may replace OUT: its first session was started with --force, or OUT did not exist.
 * The final checkpoint is written before summary.json, which carries its state CRC. */
static int finish(run_ctx *r, train_outcome *o, char *err, size_t n)
{
    out_ctx od;
    if (out_begin(r->out, r->opt->force || r->opt->resume, &od, err, n)) return 2;
    FILE *f = out_fopen(&od, "config.ini", err, n);
    int rc = f ? 0 : 1;
    if (f && (cfg_write_ini_if(train_keys(), r->c, f, train_cfg_uses) | fclose(f))) rc = 1, snprintf(err, n, "cannot write config.ini");
    if (!rc && write_metrics(&o->h, out_path(&od, "metrics.csv"), err, n)) rc = 1;
    if (!rc && ckpt_write(out_path(&od, TRAIN_CKPT), NULL, &r->meta, &o->h, r->net, &o->state_crc32, err, n)) rc = 1;
    if (!rc && write_summary(r, o, out_path(&od, "summary.json"), err, n)) rc = 1;
    char why[1024];
    if (!rc && plot_available() && write_plot(r, &o->h, out_path(&od, "accuracy.png"), why, sizeof why))
        fprintf(stderr, "xbar train: warning: no accuracy.png (the data files are written): %s\n", why);
    if (!rc && out_commit(&od, err, n)) rc = 1;
    if (rc) {
        out_abort(&od);
        return rc;
    }
    remove_run_dir(r);
    return 0;
}

/* Resuming after the final commit but before OUT.run was removed: OUT holds
 * this run's finished result. @return 1 (then OUT.run is removed and h, net
 * hold the final state), else 0. */
static int finished_before(run_ctx *r, train_history *h)
{
    char path[OUT_PATH_MAX + 32], err[1024];
    snprintf(path, sizeof path, "%s/" OUT_MARKER, r->out);
    if (access(path, F_OK) != 0) return 0;
    snprintf(path, sizeof path, "%s/" TRAIN_CKPT, r->out);
    if (access(path, F_OK) != 0 || ckpt_read(path, r->meta.config_hash, h, r->net, NULL, err, sizeof err) ||
        h->epochs != r->c->epochs) {
        history_free(h);
        return 0;
    }
    remove_run_dir(r);
    fprintf(stderr, "xbar train: %s holds the finished run; removed the leftover %s\n", r->out, r->run);
    return 1;
}

/* OUT.run/metrics.csv: the finished epochs, replaced atomically. */
static int write_run_metrics(run_ctx *r, const train_history *h, char *err, size_t n)
{
    char tmp[OUT_PATH_MAX + 48];
    snprintf(tmp, sizeof tmp, "%s.tmp", r->metrics);
    if (write_metrics(h, tmp, err, n)) return unlink(tmp), -1;
    if (rename(tmp, r->metrics)) return snprintf(err, n, "cannot write %s: %s", r->metrics, strerror(errno)), -1;
    return 0;
}

/* The checkpoint of the state now (epoch h->epochs), keeping the one before. */
static int checkpoint(run_ctx *r, const train_history *h, char *err, size_t n)
{
    if (ckpt_write(r->ckpt, r->prev, &r->meta, h, r->net, NULL, err, n)) return -1;
    r->ckpt_epochs = h->epochs;
    return 0;
}

/* A fresh run (no --resume) may start: OUT may be replaced (out_check), and OUT.run holds no interrupted run
 * unless --force. @return 0 or -1 (err). */
static int check_fresh(const run_ctx *r, char *err, size_t n)
{
    if (out_check(r->out, r->opt->force ? OUT_FORCE : 0, err, n)) return -1;
    struct stat st;
    if (!r->opt->force && lstat(r->run, &st) == 0)
        return snprintf(err, n, "%s holds an interrupted run: continue it with --resume, or start over with --force",
                        path_show(r->run)), -1;
    return 0;
}

/* OUT.run/ with config.ini and the checkpoint of the initial state (fresh run), or its checkpoint loaded
 * (resume). */
static int prepare_run_dir(run_ctx *r, train_history *h, char *err, size_t n)
{
    snprintf(r->ckpt, sizeof r->ckpt, "%s/" TRAIN_CKPT, r->run);
    snprintf(r->prev, sizeof r->prev, "%s/" TRAIN_CKPT_PREV, r->run);
    snprintf(r->metrics, sizeof r->metrics, "%s/metrics.csv", r->run);
    if (r->opt->resume) {
        if (finished_before(r, h)) return TRAIN_FINISHED;
        ckpt_meta got;
        int k = ckpt_load_latest(r->run, r->meta.config_hash, h, r->net, &got, err, n);
        if (k < 0) return 2;
        if (k > 0) { /* OUT.run appears with its first checkpoint: someone removed both */
            snprintf(err, n, "--resume: %s holds no checkpoint (%s and %s are both missing); start over with --force",
                     path_show(r->run), TRAIN_CKPT, TRAIN_CKPT_PREV);
            return 2;
        }
        r->meta.steps = got.steps;
        r->ckpt_epochs = h->epochs;
        return 0;
    }
    if (check_fresh(r, err, n)) return 2;
    /* OUT.run appears complete, with its config.ini and the checkpoint of the initial state: built as
     * OUT.run.new-PID, then renamed */
    char fresh[OUT_PATH_MAX + 32], path[OUT_PATH_MAX + 48], suffix[48];
    snprintf(suffix, sizeof suffix, TRAIN_RUN_SUFFIX ".new-%ld", (long)getpid());
    if (path_sibling(r->out, suffix, fresh, sizeof fresh)) return snprintf(err, n, "--out: path too long"), 2;
    out_remove_tree(r->run);
    out_remove_tree(fresh);
    if (mkdir(fresh, 0777) != 0) {
        snprintf(err, n, "--out %s: cannot create %s: %s", path_show(r->out), path_show(fresh), strerror(errno));
        return 2;
    }
    snprintf(path, sizeof path, "%s/config.ini", fresh);
    char *text = NULL;
    size_t len = 0;
    FILE *m = open_memstream(&text, &len);
    int bad = !m || cfg_write_ini_if(train_keys(), r->c, m, train_cfg_uses);
    if (m) bad |= fclose(m);
    if (bad || out_write_atomic(path, text, len, err, n)) {
        if (bad) snprintf(err, n, "cannot write %s", path_show(path));
        free(text);
        out_remove_tree(fresh);
        return 1;
    }
    free(text);
    snprintf(path, sizeof path, "%s/" TRAIN_CKPT, fresh);
    if (ckpt_write(path, NULL, &r->meta, h, r->net, NULL, err, n)) {
        out_remove_tree(fresh);
        return 1;
    }
    if (rename(fresh, r->run)) {
        snprintf(err, n, "cannot create %s: %s", path_show(r->run), strerror(errno));
        out_remove_tree(fresh);
        return 1;
    }
    out_fsync_dir(r->run);
    r->ckpt_epochs = 0;
    return 0;
}

/* The memory estimate against the budget, from the IDX headers when they can
 * be read (before any allocation), else from the loaded data. */
static int check_memory(run_ctx *r, const xbar_layer_spec *specs, int nl, int loaded, char *err, size_t n)
{
    train_data_shape d;
    if (loaded) {
        d = (train_data_shape){r->train.n, r->test.n, r->train.rows, r->train.cols};
    } else if (train_data_peek(train_data_dir(r->c), r->c->train_limit, r->c->test_limit, &d)) {
        return 1; /* unreadable headers: train_data_load says why, then we check */
    }
    return train_mem_check(r->c, specs, nl, &d, &r->mem_need, &r->mem_budget, &r->mem_source, err, n) ? -1 : 0;
}

static int setup(run_ctx *r, char *err, size_t n)
{
    const train_cfg *c = r->c;
    xbar_layer_spec specs[TRAIN_MAX_LAYERS];
    int nl = train_cfg_layers(c, specs, TRAIN_MAX_LAYERS, err, n);
    if (nl < 0) return 2;
    int mem = check_memory(r, specs, nl, 0, err, n);
    if (mem < 0) return 2;
    if (train_data_load(&r->train, &r->test, train_data_dir(c), c->train_limit, c->test_limit, err, n)) return 2;
    if (mem > 0 && check_memory(r, specs, nl, 1, err, n)) return 2;
    r->net = xbar_net_new(specs, (size_t)nl, 1, r->train.rows, r->train.cols, c->seed);
    if (!r->net) {
        const char *why = xbar_last_error();
        const int oom = strstr(why, "out of memory") || strstr(why, "cannot allocate");
        snprintf(err, n, "model.layers = '%s': %s%s", c->layers,
                 oom && !strstr(why, "out of memory") ? "out of memory: " : "", why);
        return oom ? 1 : 2;
    }
    if (xbar_net_out_size(r->net) != 10) {
        snprintf(err, n, "model.layers = '%s': the last layer has %zu outputs, the data has 10 classes", c->layers,
                 xbar_net_out_size(r->net));
        return 2;
    }
    size_t pix = r->train.rows * r->train.cols;
    r->perm = malloc(r->train.n * sizeof(size_t));
    r->perm_pass = -1;
    r->xb = malloc((size_t)c->batch * pix * sizeof(float));
    r->yb = malloc((size_t)c->batch);
    if (!r->perm || !r->xb || !r->yb) return snprintf(err, n, "out of memory"), 1;
    r->meta.config_hash = ckpt_config_hash(c);
    return 0;
}

static void teardown(run_ctx *r)
{
    out_lock_release(&r->lock);
    xbar_net_free(r->net);
    train_split_free(&r->train);
    train_split_free(&r->test);
    free(r->perm);
    free(r->xb);
    free(r->yb);
}

static void report_epoch(const train_cfg *c, const train_history *h, int e)
{
    printf("epoch %3d/%d  lr %-8.3g train loss %.4f acc %6.2f%%  test loss %.4f acc %6.2f%%  %7.0f samples/s  %6.1f s\n",
           e + 1, c->epochs, h->lr[e], h->train_loss[e], h->train_acc[e], h->test_loss[e], h->test_acc[e],
           h->samples_per_s[e], h->seconds[e]);
    fflush(stdout);
}

int train_execute(const train_cfg *c, const char *out, const train_opts *opt, train_outcome *o, char *err, size_t n)
{
    run_ctx r;
    memset(&r, 0, sizeof r);
    r.c = c;
    r.opt = opt;
    r.out = out;
    r.lock.fd = -1;
    train_outcome local, *res = o ? o : &local;
    memset(res, 0, sizeof *res);
    int rc = 0;
    if (train_run_dir(out, r.run, sizeof r.run)) rc = 2, snprintf(err, n, "--out %s: the path is too long", path_show(out));
    if (!rc && (opt->resume ? out_check(out, OUT_MAY_EXIST, err, n) : check_fresh(&r, err, n))) rc = 2;
    if (!rc) rc = setup(&r, err, n);
    if (!rc && out_lock_take(out, &r.lock, err, n)) rc = 2;
    if (!rc) rc = prepare_run_dir(&r, &res->h, err, n);
    if (rc == TRAIN_FINISHED) {
        res->n_train = r.train.n;
        res->n_test = r.test.n;
        for (int e = 0; e < res->h.epochs; e++) res->wall_s += res->h.seconds[e];
        teardown(&r);
        if (!o) train_outcome_free(res);
        return 0;
    }
    if (rc) {
        teardown(&r);
        train_outcome_free(res);
        return rc;
    }
    res->n_train = r.train.n;
    res->n_test = r.test.n;
    xbar_net_describe(r.net, res->model, sizeof res->model);
    if (!opt->quiet)
        printf("%s: %zu training / %zu test images from %s\n%s", train_data_name(c), r.train.n, r.test.n,
               train_data_dir(c), res->model);
    if (!opt->quiet) {
        char need[32], have[32];
        printf("memory: about %s estimated, budget %s (%s)\n", train_mem_human(r.mem_need, need, sizeof need),
               r.mem_budget > 0 ? train_mem_human(r.mem_budget, have, sizeof have) : "none", r.mem_source);
    }
    if (!opt->quiet && opt->resume)
        printf("resuming %s: %d of %d epochs done\n", r.ckpt, res->h.epochs, c->epochs);
    progress pg;
    const int first = res->h.epochs;
    progress_start(&pg, (uint64_t)(c->epochs - first) * epoch_size(&r), "train", opt->quiet);
    pg.unit = "samples";
    for (int e = first; e < c->epochs && !rc; e++) {
        rc = run_epoch(&r, e, first, &res->h, &pg, err, n);
        if (!rc && (checkpoint(&r, &res->h, err, n) || write_run_metrics(&r, &res->h, err, n))) rc = 1;
        if (!rc && !opt->quiet) {
            progress_end(&pg);
            report_epoch(c, &res->h, e);
        }
        if (!rc && opt->stop_after > 0 && e + 1 == opt->stop_after && e + 1 < c->epochs) rc = TRAIN_STOPPED;
    }
    progress_end(&pg);
    double train_s = 0;
    for (int e = 0; e < res->h.epochs; e++) {
        res->wall_s += res->h.seconds[e];
        if (res->h.samples_per_s[e] > 0) train_s += (double)epoch_size(&r) / res->h.samples_per_s[e];
    }
    res->samples_per_s = train_s > 0 ? (double)epoch_size(&r) * res->h.epochs / train_s : 0;
    if (!rc) rc = finish(&r, res, err, n);
    if (rc == TRAIN_STOPPED)
        snprintf(err, n, "stopped after epoch %d as asked; continue with --resume", opt->stop_after);
    teardown(&r);
    if (!o) train_outcome_free(res);
    return rc;
}

void train_outcome_free(train_outcome *o)
{
    if (o) history_free(&o->h);
}
