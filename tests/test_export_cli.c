/* test_export_cli.c - `xbar export`: a checkpoint of a one-epoch run (an analog Tiki-Taka layer and
 * a digital one) exported as .npz and as a folder. Checks: the .npy headers parse, with the right
 * shapes; the weights' data bytes equal the network read back from the checkpoint independently
 * (config.ini, train_cfg_layers, xbar_net_new, ckpt_read) and differ from the initial ones; every
 * .npz member is the folder's .npy file byte for byte, with its CRC-32; reruns are byte-identical;
 * numpy.load agrees (when python3 has numpy); bad inputs exit 2 and write nothing. */
#define _POSIX_C_SOURCE 200809L
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <zlib.h>

#include "cfg.h"
#include "cli_util.h"
#include "train_cfg.h"
#include "train_ckpt.h"
#include "util.h"

static char tmp[256];

static uint32_t u16(const unsigned char *p) { return (uint32_t)p[0] | (uint32_t)p[1] << 8; }
static uint32_t u32(const unsigned char *p) { return u16(p) | u16(p + 2) << 16; }

/* Parse the .npy bytes b[0..n): float32 C-order, shape (r, c) or (r,) (then *c = 0). Returns the
 * data offset, or 0 if the header is not what numpy writes for such an array. */
static size_t npy_parse(const unsigned char *b, size_t n, size_t *r, size_t *c)
{
    if (n < 10 || memcmp(b, "\x93NUMPY\x01\x00", 8)) return 0;
    const size_t h = 10 + u16(b + 8);
    if (h > n || h % 64 || b[h - 1] != '\n') return 0;
    char d[512];
    if (h - 10 >= sizeof d) return 0;
    memcpy(d, b + 10, h - 10), d[h - 10] = 0;
    if (!strstr(d, "'descr': '<f4'") || !strstr(d, "'fortran_order': False")) return 0;
    const char *s = strstr(d, "'shape': (");
    if (!s) return 0;
    unsigned long long x = 0, y = 0;
    *c = 0;
    if (sscanf(s, "'shape': (%llu, %llu)", &x, &y) == 2) *r = (size_t)x, *c = (size_t)y;
    else if (sscanf(s, "'shape': (%llu,)", &x) == 1) *r = (size_t)x;
    else return 0;
    return (n - h == 4 * *r * (*c ? *c : 1)) ? h : 0;
}

/* The network of run directory `run` as export should see it: initial (load 0) or read back. */
static xbar_net *net_of(const char *run, int load)
{
    char ini[600], ck[600], err[1024];
    snprintf(ini, sizeof ini, "%s/config.ini", run);
    snprintf(ck, sizeof ck, "%s/checkpoint.xbc", run);
    train_cfg c = train_cfg_defaults();
    xbar_layer_spec specs[TRAIN_MAX_LAYERS];
    int nl;
    if (cfg_load_file(train_keys(), &c, ini, err, sizeof err) ||
        (nl = train_cfg_layers(&c, specs, TRAIN_MAX_LAYERS, err, sizeof err)) < 0)
    {
        CHECK(0, "%s", err);
        return NULL;
    }
    xbar_net *net = xbar_net_new(specs, (size_t)nl, 1, 28, 28, c.seed);
    train_history h = {0};
    if (net && load && ckpt_read(ck, ckpt_config_hash(&c), &h, net, NULL, err, sizeof err)) {
        CHECK(0, "%s", err);
        xbar_net_free(net);
        net = NULL;
    }
    history_free(&h);
    return net;
}

/* The folder's NAME.npy: shape (r, c) and data equal to w[0..r*c) byte for byte. */
static void check_npy(const char *dir, const char *name, size_t r, size_t c, const float *w)
{
    char p[700];
    snprintf(p, sizeof p, "%s/%s.npy", dir, name);
    size_t n = 0, gr = 0, gc = 0;
    unsigned char *b = (unsigned char *)xt_slurp(p, &n);
    CHECK(b, "%s missing", p);
    if (!b) return;
    const size_t h = npy_parse(b, n, &gr, &gc);
    CHECK(h, "%s: not a float32 .npy of the announced size", p);
    CHECK(gr == r && gc == c, "%s: shape (%zu, %zu), expected (%zu, %zu)", p, gr, gc, r, c);
    if (h && w) CHECK(n - h == 4 * r * (c ? c : 1) && !memcmp(b + h, w, n - h), "%s: data differ from the checkpoint", p);
    free(b);
}

/* Walk the .npz: every member stored, CRC right, and byte-identical to DIR/member. @return members. */
static int check_npz(const char *npz, const char *dir)
{
    size_t n = 0;
    unsigned char *b = (unsigned char *)xt_slurp(npz, &n);
    CHECK(b && n > 22, "%s missing", npz);
    if (!b) return 0;
    size_t at = 0;
    int count = 0;
    while (at + 30 <= n && u32(b + at) == 0x04034b50u) {
        const size_t sz = u32(b + at + 18), nl = u16(b + at + 26), ex = u16(b + at + 28);
        CHECK(u16(b + at + 8) == 0 && u32(b + at + 22) == sz, "member %d: not stored", count);
        char name[256] = {0}, p[700];
        memcpy(name, b + at + 30, nl < 255 ? nl : 255);
        const unsigned char *data = b + at + 30 + nl + ex;
        CHECK(crc32(0L, data, (uInt)sz) == u32(b + at + 14), "%s: CRC mismatch", name);
        snprintf(p, sizeof p, "%s/%s", dir, name);
        size_t fn = 0;
        char *f = xt_slurp(p, &fn);
        CHECK(f && fn == sz && !memcmp(f, data, sz), "%s in %s differs from %s", name, npz, p);
        free(f);
        at += 30 + nl + ex + sz, count++;
    }
    const unsigned char *e = b + n - 22; /* end record, no comment */
    CHECK(u32(e) == 0x06054b50u && (int)u16(e + 10) == count && u32(e + 16) == at, "%s: bad end record", npz);
    free(b);
    return count;
}

int main(int argc, char **argv)
{
    xt_cli_start(argc, argv, "export", tmp, sizeof tmp);
    char data[300], run[300], a[4096], p[700], q[700], dir[400];
    snprintf(data, sizeof data, "%s/data", tmp);
    snprintf(run, sizeof run, "%s/r", tmp);
    mkdir(data, 0700);
    xt_write_idx_set(data, "train", 64, 0, 0);
    xt_write_idx_set(data, "t10k", 32, 1, 0);
    snprintf(a, sizeof a,
             "train --quiet --set data.dir=%s --set data.train_limit=64 --set data.test_limit=32 --set train.epochs=1 "
             "--set train.timings=false --set train.batch=8 --set 'model.layers=linear:12 sigmoid linear:10' "
             "--set model.digital_layers=2 --set optimizer.kind=tiki_taka --out %s",
             data, run);
    CHECK(xt_run(a) == 0, "%s", a);

    /* default --out: export.npz beside the checkpoint; refused when it exists, replaced identically with --force */
    snprintf(a, sizeof a, "export %s/checkpoint.xbc", run);
    CHECK(xt_run(a) == 0, "%s", a);
    snprintf(p, sizeof p, "%s/export.npz", run);
    snprintf(q, sizeof q, "%s/first.npz", tmp);
    CHECK(xt_exists(p) && rename(p, q) == 0, "%s missing", p);
    CHECK(xt_run(a) == 0, "%s", a);
    CHECK(xt_same_file(p, q), "two exports of one checkpoint differ");
    xt_bad(a, "export.npz", "--force", NULL);
    strcat(a, " --force");
    CHECK(xt_run(a) == 0 && xt_same_file(p, q), "--force: not replaced by the same bytes");

    /* a folder */
    snprintf(dir, sizeof dir, "%s/dir", tmp);
    snprintf(a, sizeof a, "export --out %s %s/checkpoint.xbc", dir, run);
    CHECK(xt_run(a) == 0, "%s", a);
    snprintf(p, sizeof p, "%s/index.json", dir);
    char *idx = xt_slurp(p, NULL);
    CHECK(idx && strstr(idx, "\"layer0.opt.fast_tile_A\"") && strstr(idx, "\"float32\""), "%s: %s", p, idx ? idx : "missing");
    int listed = 0;
    for (const char *s = idx; s && (s = strstr(s, "\"name\"")); s++) listed++;
    free(idx);
    CHECK(listed >= 7, "index.json lists %d arrays", listed);
    xt_bad(a, "exists", "--force", NULL);

    /* the data: equal to the checkpoint's network, not to the initial one */
    xbar_net *net = net_of(run, 1), *init = net_of(run, 0);
    if (net && init) {
        float W0[12 * 784], I0[12 * 784], *W2 = NULL, *b0 = NULL, *s0 = NULL;
        size_t n2 = 0, nb = 0, ns = 0;
        CHECK(xbar_aw_get_weights(xbar_net_layer_aw(net, 0), W0) == XBAR_OK, "layer 0 is not analog");
        CHECK(xbar_aw_get_weights(xbar_net_layer_aw(init, 0), I0) == XBAR_OK, "layer 0 is not analog");
        CHECK(memcmp(W0, I0, sizeof W0), "training did not change layer 0: the check below proves nothing");
        check_npy(dir, "layer0.linear.weight", 12, 784, W0);
        CHECK(xbar_net_layer_aw(net, 2) == NULL, "layer 2 is not digital");
        CHECK(xbar_net_param(net, 2, XBAR_PARAM_WEIGHT, &W2, NULL, &n2) == XBAR_OK && n2 == 120 && W2, "layer 2 weight");
        if (W2) check_npy(dir, "layer2.linear.weight", 10, 12, W2);
        CHECK(xbar_net_param(net, 0, XBAR_PARAM_BIAS, &b0, NULL, &nb) == XBAR_OK && nb == 12, "layer 0 bias");
        if (b0) check_npy(dir, "layer0.linear.bias", 12, 0, b0);
        CHECK(xbar_net_param(net, 0, XBAR_PARAM_SCALE, &s0, NULL, &ns) == XBAR_OK, "layer 0 scale");
        if (s0) check_npy(dir, "layer0.linear.scale", ns, 0, s0);
        xbar_aw *aw = xbar_net_layer_aw(net, 0);
        size_t na = 0;
        const char *what = NULL;
        const float *A = xbar_aw_array(aw, 1, &what, &na);
        CHECK(A && na == 12 * 784 && !strcmp(what, "fast tile A"), "layer 0 array 1: %s", what ? what : "none");
        if (A) check_npy(dir, "layer0.opt.fast_tile_A", 12, 784, A);
        check_npy(dir, "layer0.opt.weights", 12, 784, W0);
    }
    xbar_net_free(net);
    xbar_net_free(init);

    /* the .npz holds exactly the folder's .npy files */
    snprintf(p, sizeof p, "%s/export.npz", run);
    CHECK(check_npz(p, dir) == listed, ".npz members differ from index.json's %d", listed);

    /* numpy reads both and agrees */
    const char *py = NULL; /* Debian's python3 (python3-numpy), else the first on PATH */
    if (system("/usr/bin/python3 -c 'import numpy' >/dev/null 2>&1") == 0) py = "/usr/bin/python3";
    else if (system("python3 -c 'import numpy' >/dev/null 2>&1") == 0) py = "python3";
    if (py) {
        snprintf(a, sizeof a,
                 "%s -c \"import json, numpy as np, sys\n"
                 "z = np.load('%s'); ix = json.load(open('%s/index.json'))['arrays']\n"
                 "assert sorted(z.files) == sorted(e['name'] for e in ix), (z.files, ix)\n"
                 "for e in ix:\n"
                 "    d = np.load('%s/' + e['file']); v = z[e['name']]\n"
                 "    assert v.dtype == np.float32 and list(v.shape) == e['shape'] == list(d.shape), e\n"
                 "    assert np.array_equal(v, d) and np.all(np.isfinite(v)), e['name']\n"
                 "assert z['layer0.linear.weight'].shape == (12, 784)\n"
                 "\"",
                 py, p, dir, dir);
        const int ok = system(a) == 0;
        CHECK(ok, "numpy check failed");
        if (ok) printf("numpy.load check with %s passed\n", py);
    } else {
        printf("note: python3 has no numpy; the numpy.load check was skipped\n");
    }

    /* bad inputs: exit 2, one line, nothing written */
    char bad[400], out[500];
    snprintf(out, sizeof out, "%s/never.npz", tmp);
    snprintf(a, sizeof a, "export %s/nothing.xbc --out %s", tmp, out);
    xt_bad(a, "nothing.xbc", "no such file", out);
    snprintf(bad, sizeof bad, "%s/bad", tmp);
    mkdir(bad, 0700);
    snprintf(a, sizeof a, "cp %s/config.ini %s/", run, bad);
    CHECK(system(a) == 0, "%s", a);
    snprintf(p, sizeof p, "%s/checkpoint.xbc", bad);
    FILE *f = fopen(p, "w");
    if (f) fputs("not a checkpoint at all, just some text to fill the header.\n", f), fclose(f);
    snprintf(a, sizeof a, "export %s --out %s", p, out);
    xt_bad(a, "checkpoint.xbc", "not an xbar training checkpoint", out);
    size_t n = 0;
    snprintf(q, sizeof q, "%s/checkpoint.xbc", run);
    unsigned char *ck = (unsigned char *)xt_slurp(q, &n);
    if (ck && n > 200) {
        ck[n / 2] ^= 0x40;
        f = fopen(p, "wb");
        if (f) fwrite(ck, 1, n, f), fclose(f);
        xt_bad(a, "checkpoint.xbc", "CRC", out);
    }
    free(ck);
    snprintf(a, sizeof a, "rm %s/config.ini", bad);
    CHECK(system(a) == 0, "%s", a);
    snprintf(a, sizeof a, "export %s --out %s", p, out);
    xt_bad(a, "config.ini", NULL, out);
    snprintf(a, sizeof a, "export %s --out %s --frobnicate", q, out);
    xt_bad(a, "--frobnicate", NULL, out);
    snprintf(a, sizeof a, "export %s %s --out %s", q, q, out);
    xt_bad(a, "unexpected argument", NULL, out);
    snprintf(a, sizeof a, "export --out %s", out);
    xt_bad(a, "CHECKPOINT", NULL, out);
    snprintf(a, sizeof a, "export %s --set train.epochs=2 --out %s", q, out);
    xt_bad(a, "--set", NULL, out);
    CHECK(!xt_exists(out), "%s written by a refused export", out);

    xt_cli_done();
    return xt_done("test_export_cli");
}
