/* test_train_cli.c - end-to-end checks of `xbar train` (argv[1] = the xbar
 * program) on small synthetic IDX files made here: the output files, the
 * same final state with 1 and 2 threads, --stop-after + --resume giving the
 * bits of an uninterrupted run, and bad input (missing or corrupt data, a
 * model that does not fit the data, misuse of --resume) giving one line,
 * exit code 2 and no output directory. */
#define _POSIX_C_SOURCE 200809L
#include <cjson/cJSON.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "cli_util.h"
#include "util.h"

static char tmp[256];


static void summary_field(const char *dir, const char *key, char *buf, size_t cap)
{
    char path[512];
    snprintf(path, sizeof path, "%s/summary.json", dir);
    char *text = xt_slurp(path, NULL);
    cJSON *j = text ? cJSON_Parse(text) : NULL;
    cJSON *v = cJSON_GetObjectItem(j, key);
    char *s = v ? cJSON_PrintUnformatted(v) : NULL;
    snprintf(buf, cap, "%s", s ? s : "");
    free(s);
    cJSON_Delete(j);
    free(text);
}

/* Rewrite the training checkpoint at path (format 4, 14 history records per epoch) as format
 * `ver` would have written it: 3 without the last two records per epoch (calibration pulses,
 * programming events), 2 without the last six (the pulses by phase); the length and CRC made
 * right. 0 on success. */
static int to_format(const char *path, int ver)
{
    size_t n = 0;
    unsigned char *b = (unsigned char *)xt_slurp(path, &n);
    if (!b || n < 64 + 16) return free(b), -1;
    uint32_t epochs = 0;
    for (int i = 0; i < 4; i++) epochs |= (uint32_t)b[48 + i] << (8 * i);
    const size_t rec = ver == 2 ? 8 : 12, hist3 = (size_t)epochs * 14 * 8, hist2 = (size_t)epochs * rec * 8,
                 m = n - (hist3 - hist2);
    unsigned char *o = malloc(m);
    if (!o) return free(b), -1;
    memcpy(o, b, 64);
    for (uint32_t e = 0; e < epochs; e++) memcpy(o + 64 + e * rec * 8, b + 64 + e * 112, rec * 8);
    memcpy(o + 64 + hist2, b + 64 + hist3, n - 64 - hist3 - 4);
    o[8] = (unsigned char)ver, o[9] = o[10] = o[11] = 0;
    for (int i = 0; i < 8; i++) o[16 + i] = (unsigned char)((uint64_t)m >> (8 * i));
    const uLong c = crc32(0L, o, (uInt)(m - 4));
    for (int i = 0; i < 4; i++) o[m - 4 + (size_t)i] = (unsigned char)(c >> (8 * i));
    FILE *f = fopen(path, "wb");
    const int ok = f && fwrite(o, 1, m, f) == m;
    if (f) fclose(f);
    free(o), free(b);
    return ok ? 0 : -1;
}

/* train.epoch_samples: epochs of S samples from consecutive shuffled passes. With S = one pass
 * the run is the default run bit for bit; with S = 2.5 passes an epoch has S/B updates, lr_step
 * counts these epochs, and --stop-after + --resume (the stream restarts mid-pass) gives the bits
 * of the uninterrupted run. data holds 300 training images. */
static void epoch_samples(const char *data)
{
    char base[1024], a[1400], d[600], c1[64], c2[64], v[4096];
    snprintf(base, sizeof base,
             "train --quiet --set data.dir=%s --set train.epochs=3 --set train.lr=0.1 --set train.lr_step=2 "
             "--set train.batch=10 --set 'model.layers=linear:16 tanh linear:10' --set optimizer.kind=tiki_taka "
             "--set device.w_max=0.7 --set device.w_min=-0.7",
             data);
    snprintf(a, sizeof a, "%s --out %s/es0", base, tmp);
    CHECK(xt_run(a) == 0, "%s", a);
    snprintf(a, sizeof a, "%s --set train.epoch_samples=300 --out %s/es1", base, tmp);
    CHECK(xt_run(a) == 0, "%s", a);
    snprintf(d, sizeof d, "%s/es0", tmp);
    summary_field(d, "state_crc32", c1, sizeof c1);
    snprintf(d, sizeof d, "%s/es1", tmp);
    summary_field(d, "state_crc32", c2, sizeof c2);
    CHECK(c1[0] && !strcmp(c1, c2), "epoch_samples = one pass changes the run: %s vs %s", c2, c1);
    summary_field(d, "updates", v, sizeof v);
    CHECK(!strcmp(v, "90"), "one pass: 3 epochs of 30 updates, summary says %s", v);

    snprintf(a, sizeof a, "%s --set train.epoch_samples=750 --out %s/es2", base, tmp);
    CHECK(xt_run(a) == 0, "%s", a);
    snprintf(d, sizeof d, "%s/es2", tmp);
    summary_field(d, "updates", v, sizeof v);
    CHECK(!strcmp(v, "225"), "3 epochs of 750 samples at batch 10: 225 updates, summary says %s", v);
    summary_field(d, "state_crc32", c1, sizeof c1);
    snprintf(d, sizeof d, "%s/es2/metrics.csv", tmp);
    char *m = xt_slurp(d, NULL);
    CHECK(m && strstr(m, "\n1,0.1,") && strstr(m, "\n2,0.1,") && strstr(m, "\n3,0.01,"),
          "lr_step 2 counts epochs of 750 samples: %s", m ? m : "(no metrics)");
    free(m);
    snprintf(a, sizeof a, "%s --set train.epoch_samples=750 --stop-after 1 --out %s/es3", base, tmp);
    CHECK(xt_run(a) == 0, "%s", a);
    snprintf(a, sizeof a, "train --quiet --resume --out %s/es3", tmp);
    CHECK(xt_run(a) == 0, "%s", a);
    snprintf(d, sizeof d, "%s/es3", tmp);
    summary_field(d, "state_crc32", c2, sizeof c2);
    CHECK(c1[0] && !strcmp(c1, c2), "resumed mid-pass: %s, uninterrupted %s", c2, c1);
}

int main(int argc, char **argv)
{
    snprintf(tmp, sizeof tmp, "/tmp/xbar-test-train-%d", (int)getpid());
    xt_cli_init(argc > 1 ? argv[1] : "./xbar", tmp);
    char data[300], bdata[300], a[4096], d[700], crc1[64], crc2[64], crc3[64], acc1[4096], acc3[4096];
    snprintf(data, sizeof data, "%s/data", tmp);
    mkdir(data, 0700);
    xt_write_idx_set(data, "train", 300, 0, 0);
    xt_write_idx_set(data, "t10k", 100, 1, 0);
    char base[1024];
    snprintf(base, sizeof base,
             "train --quiet --set data.dir=%s --set train.epochs=3 --set train.lr=0.1 --set train.lr_step=2 "
             "--set 'model.layers=conv:4:5:2 tanh maxpool:2 linear:10' --set device.w_max=0.7 --set device.w_min=-0.7",
             data);
    char tt[1200];
    snprintf(tt, sizeof tt, "%s --set optimizer.kind=tiki_taka", base);
    strcat(base, " --set optimizer.kind=analog_sgd");

    /* a full run: files, learning, and the same state with 2 threads */
    snprintf(a, sizeof a, "%s --threads 1 --out %s/r1", base, tmp);
    CHECK(xt_run(a) == 0, "train run failed: %s", a);
    static const char *const files[] = {"config.ini", "metrics.csv", "summary.json", "checkpoint.xbc", "accuracy.png"};
    for (int i = 0; i < 5; i++) {
        snprintf(d, sizeof d, "%s/r1/%s", tmp, files[i]);
        CHECK(xt_exists(d), "%s missing", d);
    }
    snprintf(d, sizeof d, "%s/r1.run", tmp);
    CHECK(!xt_exists(d), "%s left behind after a finished run", d);
    snprintf(d, sizeof d, "%s/r1", tmp);
    summary_field(d, "state_crc32", crc1, sizeof crc1);
    summary_field(d, "test_acc", acc1, sizeof acc1);
    char fin[64];
    summary_field(d, "final_test_acc", fin, sizeof fin);
    CHECK(atof(fin) > 50.0, "Analog SGD CNN on the synthetic set: test accuracy %s%% after 3 epochs, expected > 50%%", fin);
    snprintf(a, sizeof a, "%s --threads 2 --out %s/r2", base, tmp);
    CHECK(xt_run(a) == 0, "train run with 2 threads failed");
    snprintf(d, sizeof d, "%s/r2", tmp);
    summary_field(d, "state_crc32", crc2, sizeof crc2);
    CHECK(crc1[0] && !strcmp(crc1, crc2), "final state differs with 2 threads: %s vs %s", crc1, crc2);

    /* Tiki-Taka interrupted after epoch 1, resumed: the same bits as uninterrupted */
    snprintf(a, sizeof a, "%s --out %s/r5", tt, tmp);
    CHECK(xt_run(a) == 0, "Tiki-Taka run failed");
    snprintf(d, sizeof d, "%s/r5", tmp);
    summary_field(d, "state_crc32", crc1, sizeof crc1);
    summary_field(d, "test_acc", acc1, sizeof acc1);
    snprintf(a, sizeof a, "%s --stop-after 1 --out %s/r3", tt, tmp);
    CHECK(xt_run(a) == 0, "--stop-after run failed");
    snprintf(d, sizeof d, "%s/r3.run/checkpoint.xbc", tmp);
    CHECK(xt_exists(d), "no checkpoint after --stop-after");
    snprintf(d, sizeof d, "%s/r3", tmp);
    CHECK(!xt_exists(d), "an interrupted run wrote its final directory");
    snprintf(a, sizeof a, "%s --stop-after 1 --out %s/r3", tt, tmp);
    xt_bad(a, "--resume", "--force", NULL);
    snprintf(a, sizeof a, "train --quiet --resume --threads 2 --out %s/r3", tmp);
    CHECK(xt_run(a) == 0, "--resume failed");
    summary_field(d, "state_crc32", crc3, sizeof crc3);
    summary_field(d, "test_acc", acc3, sizeof acc3);
    CHECK(crc1[0] && !strcmp(crc1, crc3), "resumed run ends in another state: %s vs %s", crc3, crc1);
    CHECK(!strcmp(acc1, acc3), "resumed run has other test accuracies: %s vs %s", acc3, acc1);
    /* pulses by phase: Tiki-Taka's gradient (A) and transfer (C) pulses add up to the pulses,
     * per epoch and in total; a checkpoint of format 2 (no pulses by phase) still resumes to the
     * same bits, its epochs' by-phase columns 0 */
    char tot[64], ph[256];
    summary_field(d, "pulses", tot, sizeof tot);
    summary_field(d, "pulses_by_phase", ph, sizeof ph);
    cJSON *pj = cJSON_Parse(ph);
    const double g = cJSON_GetNumberValue(cJSON_GetObjectItem(pj, "gradient")),
                 t = cJSON_GetNumberValue(cJSON_GetObjectItem(pj, "transfer")),
                 rd = cJSON_GetNumberValue(cJSON_GetObjectItem(pj, "reads"));
    cJSON_Delete(pj);
    CHECK(g > 0 && t > 0 && g + t == atof(tot), "pulses_by_phase %s: gradient + transfer != pulses %s", ph, tot);
    CHECK(rd > 0, "pulses_by_phase %s: Tiki-Taka with no reads", ph);
    for (int ver = 2; ver <= 3; ver++) { /* older checkpoint formats resume to the same bits */
        snprintf(a, sizeof a, "%s --stop-after 1 --force --out %s/r7", tt, tmp);
        CHECK(xt_run(a) == 0, "--stop-after run failed");
        snprintf(d, sizeof d, "%s/r7.run/checkpoint.xbc", tmp);
        CHECK(to_format(d, ver) == 0, "cannot rewrite %s as format %d", d, ver);
        snprintf(a, sizeof a, "train --quiet --resume --out %s/r7", tmp);
        CHECK(xt_run(a) == 0, "--resume from a format-%d checkpoint failed", ver);
        snprintf(d, sizeof d, "%s/r7", tmp);
        summary_field(d, "state_crc32", crc3, sizeof crc3);
        CHECK(crc1[0] && !strcmp(crc1, crc3), "run resumed from format %d ends in another state: %s vs %s", ver, crc3,
              crc1);
        /* epoch 1 (from the old file): the records that format lacks are 0; later epochs have them */
        snprintf(d, sizeof d, "%s/r7/metrics.csv", tmp);
        char *csv = xt_slurp(d, NULL), *l2 = csv ? strchr(csv, '\n') : NULL, *l3 = l2 ? strchr(l2 + 1, '\n') : NULL;
        const char *zeros = ver == 2 ? ",0,0,0,0,0,0" : ",0,0";
        const size_t nz = strlen(zeros);
        CHECK(l2 && l3 && l3 - l2 > (long)nz && !strncmp(l3 - nz, zeros, nz),
              "metrics.csv epoch 1 (from format %d): the columns it lacks are not 0", ver);
        CHECK(l3 && strstr(l3 + 1, ",0,0,0,0,0,0\n") == NULL, "metrics.csv epochs after the resume: by-phase columns 0");
        free(csv);
    }

    /* [slow_device]: C's own device (the Tiki-Taka successors); its keys are refused unless
     * optimizer.slow_device_own, and like [device]'s when its model does not read them */
    char sd[1200];
    snprintf(sd, sizeof sd, "%s --set optimizer.kind=c_ttv2 --set train.epochs=1", base);
    snprintf(a, sizeof a, "%s --set slow_device.dw_min=0.005 --out %s/sd1", sd, tmp);
    snprintf(d, sizeof d, "%s/sd1", tmp);
    xt_bad(a, "slow_device.dw_min = 0.005", "slow_device_own is false", d);
    snprintf(a, sizeof a, "%s --set optimizer.slow_device_own=true --set slow_device.tau=0.5 --out %s/sd1", sd, tmp);
    xt_bad(a, "slow_device.tau = 0.5", "does not use tau", d);
    snprintf(a, sizeof a, "%s --set optimizer.slow_device_own=true --set slow_device.dw_min=0.005 --out %s/sd2", sd, tmp);
    CHECK(xt_run(a) == 0, "c_ttv2 with its own slow device failed: %s", a);
    snprintf(a, sizeof a, "train --quiet --config %s/sd2/config.ini --out %s/sd3", tmp, tmp);
    CHECK(xt_run(a) == 0, "the config.ini of a run with [slow_device] does not load back");
    snprintf(d, sizeof d, "%s/sd2", tmp);
    summary_field(d, "state_crc32", crc1, sizeof crc1);
    snprintf(d, sizeof d, "%s/sd3", tmp);
    summary_field(d, "state_crc32", crc3, sizeof crc3);
    CHECK(crc1[0] && !strcmp(crc1, crc3), "rerun from config.ini with [slow_device]: %s vs %s", crc3, crc1);

    /* digital FCN from a config file with --set on top */
    snprintf(d, sizeof d, "%s/digital.ini", tmp);
    FILE *f = fopen(d, "w");
    fprintf(f, "[model]\nlayers = linear:32 sigmoid linear:10\n[optimizer]\nkind = digital\n[train]\nepochs = 2\nbatch = 10\n");
    fclose(f);
    snprintf(a, sizeof a, "train --quiet --config %s --set data.dir=%s --out %s/r4", d, data, tmp);
    CHECK(xt_run(a) == 0, "digital run from a config file failed");
    snprintf(a, sizeof a, "%s --set model.digital_layers=0 --set train.epochs=1 --out %s/r6", tt, tmp);
    CHECK(xt_run(a) == 0, "run with a digital first layer failed");

    /* reproduce --full on small stand-in configs: every run, the aggregated table, the claims */
    char cdir[320];
    snprintf(cdir, sizeof cdir, "%s/configs", tmp);
    mkdir(cdir, 0700);
    static const char *const stems[] = {"fcn-digital", "fcn-analog-sgd-tau0.70", "fcn-analog-sgd-tau0.78",
                                        "fcn-analog-sgd-tau0.80", "fcn-tiki-taka-tau0.70", "fcn-tiki-taka-tau0.78",
                                        "fcn-tiki-taka-tau0.80"};
    static const char *const kinds[] = {"digital", "analog_sgd", "analog_sgd", "analog_sgd", "tiki_taka", "tiki_taka", "tiki_taka"};
    for (int i = 0; i < 7; i++) {
        snprintf(d, sizeof d, "%s/%s.ini", cdir, stems[i]);
        f = fopen(d, "w");
        fprintf(f, "[data]\ndir = %s\ntrain_limit = 100\ntest_limit = 50\n[model]\nlayers = linear:10\n"
                   "[optimizer]\nkind = %s\n", data, kinds[i]);
        fclose(f);
    }
    snprintf(a, sizeof a, "reproduce --full --quiet --parts mnist-fcn --epochs 2 --seeds 2 --configs %s --out %s/full", cdir, tmp);
    int rc = xt_run(a);
    CHECK(rc == 0 || rc == 1, "reproduce --full: exit %d", rc);
    snprintf(d, sizeof d, "%s/full/table.md", tmp);
    char *table = xt_slurp(d, NULL);
    CHECK(table && strstr(table, "| Tiki-Taka | 0.78 |") && strstr(table, "| Digital SGD | - |") && strstr(table, "Checks ("),
          "table.md lacks rows or checks: %s", table ? table : "(missing)");
    free(table);
    snprintf(d, sizeof d, "%s/full/mnist-fcn/fcn-tiki-taka-tau0.80-s2/summary.json", tmp);
    CHECK(xt_exists(d), "%s missing", d);
    snprintf(a, sizeof a, "reproduce --full --quiet --jobs 2 --parts mnist-fcn --epochs 2 --seeds 2 --configs %s --out %s/full3",
             cdir, tmp);
    rc = xt_run(a);
    CHECK(rc == 0 || rc == 1, "reproduce --full --jobs 2: exit %d", rc);
    char t1[700], t3[700];
    snprintf(t1, sizeof t1, "%s/full/mnist-fcn/fcn-tiki-taka-tau0.70-s2", tmp);
    snprintf(t3, sizeof t3, "%s/full3/mnist-fcn/fcn-tiki-taka-tau0.70-s2", tmp);
    summary_field(t1, "state_crc32", crc1, sizeof crc1);
    summary_field(t3, "state_crc32", crc2, sizeof crc2);
    CHECK(crc1[0] && !strcmp(crc1, crc2), "a run differs between --jobs 1 and --jobs 2: %s vs %s", crc1, crc2);
    snprintf(a, sizeof a, "reproduce --full --parts mnist-xyz --out %s/full2", tmp);
    xt_bad(a, "--parts", "mnist-xyz", NULL);

    /* bad input */
    snprintf(d, sizeof d, "%s/bad", tmp);
    snprintf(a, sizeof a, "train --quiet --set data.dir=%s/nowhere --out %s", tmp, d);
    xt_bad(a, "scripts/data.sh", "nowhere", d);
    snprintf(bdata, sizeof bdata, "%s/corrupt", tmp);
    mkdir(bdata, 0700);
    xt_write_idx_set(bdata, "train", 300, 0, 1);
    xt_write_idx_set(bdata, "t10k", 100, 1, 0);
    snprintf(a, sizeof a, "train --quiet --set data.dir=%s --out %s", bdata, d);
    xt_bad(a, "train-images", NULL, d);
    snprintf(a, sizeof a, "train --quiet --set data.dir=%s --set 'model.layers=conv:4:40 linear:10' --out %s", data, d);
    xt_bad(a, "layer 0", "conv", d);
    snprintf(a, sizeof a, "train --quiet --set data.dir=%s --set 'model.layers=linear:32 linear:7' --out %s", data, d);
    xt_bad(a, "10 classes", NULL, d);
    snprintf(a, sizeof a, "train --quiet --set data.dir=%s --set 'model.layers=dense:5' --out %s", data, d);
    xt_bad(a, "dense:5", NULL, d);
    snprintf(a, sizeof a, "train --quiet --set data.dir=%s --set train.batch=0 --out %s", data, d);
    xt_bad(a, "train.batch", "0", d);
    snprintf(a, sizeof a, "train --quiet --set data.dir=%s --set optimizer.kind=sgd --out %s", data, d);
    xt_bad(a, "optimizer.kind", "sgd", d);
    snprintf(a, sizeof a, "train --quiet --set data.dir=%s --set forward.out_noise=-1 --out %s", data, d);
    xt_bad(a, "forward.out_noise", "-1", d);
    snprintf(a, sizeof a, "train --quiet --set data.dir=%s --set model.digital_layers=1 --out %s", data, d);
    xt_bad(a, "model.digital_layers", "'1'", d);
    snprintf(a, sizeof a, "train --quiet --resume --out %s", d);
    xt_bad(a, "--resume", "bad.run", d);
    snprintf(a, sizeof a, "train --quiet --resume --set train.epochs=9 --out %s/r3", tmp);
    xt_bad(a, "--resume", "--set", NULL);
    snprintf(a, sizeof a, "%s --out %s/r1", base, tmp);
    xt_bad(a, "exists", "--force", NULL);
    /* missing parents are created (as by lsq); a parent that is a file is refused before training */
    snprintf(a, sizeof a, "%s --out %s/no/such/dir", base, tmp);
    CHECK(xt_run(a) == 0, "--out with missing parents: %s", a);
    snprintf(a, sizeof a, "%s/no/such/dir/summary.json", tmp);
    CHECK(xt_exists(a), "%s", a);
    snprintf(a, sizeof a, "%s --out %s/no/such/dir/summary.json/x", base, tmp);
    xt_bad(a, "--out", "is not a folder", NULL);

    epoch_samples(data);
    xt_cli_done();
    return xt_done("test_train_cli");
}
