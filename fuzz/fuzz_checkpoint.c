/*
 * fuzz_checkpoint.c - fuzz target: the checkpoint reader of `xbar train`, ckpt_read
 * (src/cli/train/train_ckpt.c), with the network loader under it (xbar_net_load,
 * src/nn/nn.c), into a small fixed network built from a config once.
 *
 * Input: byte 0 = flags, the rest = the checkpoint file. Flag bit 0: overwrite the
 * file's last 4 bytes with the CRC-32 of the bytes before them, so mutations get
 * past the CRC check into the parser behind it.
 * Property checked beyond memory safety: after a successful read, xbar_net_save of
 * the network gives bytes found verbatim in the file (load restores what save wrote).
 * Seeds: fuzz/make_corpus.sh trains this network (NET_LAYERS, NET_DIGITAL on SIDE x
 * SIDE images; keep both files in step) and mutates its checkpoint.
 * Run: scripts/fuzz.sh, or ./build-fuzz/fuzz/fuzz_checkpoint fuzz/corpus/fuzz_checkpoint
 */
#define _GNU_SOURCE /* memmem */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>

#include "harness.h"
#include "train_ckpt.h"

#define NET_LAYERS "conv:2:3 tanh maxpool:2 linear:10"
#define NET_DIGITAL "3" /* the linear layer: a digital record besides Tiki-Taka's two tiles */
#define SIDE 8

static xbar_net *fixed_net(void)
{
    static xbar_net *net;
    if (net) return net;
    train_cfg c = train_cfg_defaults();
    char err[1024];
    if (cfg_set(train_keys(), &c, "model.layers=" NET_LAYERS, err, sizeof err) ||
        cfg_set(train_keys(), &c, "model.digital_layers=" NET_DIGITAL, err, sizeof err))
        fuzz_fail("config: %s", err);
    xbar_layer_spec specs[TRAIN_MAX_LAYERS];
    int nl = train_cfg_layers(&c, specs, TRAIN_MAX_LAYERS, err, sizeof err);
    if (nl < 0) fuzz_fail("config: %s", err);
    net = xbar_net_new(specs, (size_t)nl, 1, SIDE, SIDE, c.seed);
    if (!net) fuzz_fail("network: %s", xbar_last_error());
    return net;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    if (size < 1) return 0;
    xbar_net *net = fixed_net();
    size_t n = size - 1;
    unsigned char *file = malloc(n ? n : 1);
    if (!file) return 0;
    memcpy(file, data + 1, n);
    if ((data[0] & 1) && n >= 4) {
        uint32_t crc = (uint32_t)crc32(0L, file, (uInt)(n - 4));
        for (int i = 0; i < 4; i++) file[n - 4 + (size_t)i] = (unsigned char)(crc >> (8 * i));
    }
    const char *path = fuzz_file(0, file, n);
    train_history h;
    memset(&h, 0, sizeof h);
    char err[1024];
    if (!ckpt_read(path, 0 /* any configuration */, &h, net, NULL, err, sizeof err)) {
        char *saved = NULL;
        size_t len = 0;
        FILE *m = open_memstream(&saved, &len);
        if (!m || xbar_net_save(net, m) != XBAR_OK || fclose(m)) fuzz_fail("xbar_net_save failed");
        if (!memmem(file, n, saved, len)) fuzz_fail("the loaded network saves to bytes not in the checkpoint");
        free(saved);
    }
    history_free(&h);
    free(file);
    return 0;
}
