/* train_cfg.c - key table, defaults and layer-list parsing of `xbar train`. */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw_keys.h"
#include "train_cfg.h"

#define T(f) offsetof(train_cfg, f)

static const char *const data_sets[] = {"mnist", "fashion", NULL};
static const char *const std_dirs[] = {"data/mnist", "/usr/share/datasets/fashion-mnist"};

const cfg_key train_keys[] = {
    {"data", "set", CFG_ENUM, T(set), .choices = data_sets,
     .doc = "mnist: 8,000/2,000 real digits (scripts/data.sh); fashion: Fashion-MNIST 60,000/10,000"},
    {"data", "dir", CFG_STRING, T(dir),
     .doc = "folder of the four IDX files (empty: data/mnist or /usr/share/datasets/fashion-mnist)"},
    {"data", "train_limit", CFG_INT, T(train_limit), .flags = CFG_NONNEG, .doc = "use the first n training samples (0 all)"},
    {"data", "test_limit", CFG_INT, T(test_limit), .flags = CFG_NONNEG, .doc = "use the first n test samples (0 all)"},
    {"model", "layers", CFG_STRING, T(layers), .flags = CFG_NONEMPTY,
     .doc = "layers in order: linear:OUT conv:OUT:K[:STRIDE[:PAD]] maxpool:K sigmoid tanh relu, or fcn / cnn"},
    {"model", "digital_layers", CFG_STRING, T(digital_layers),
     .doc = "comma list of linear / conv layer indices (0-based, in model.layers) kept digital; the others use optimizer.kind"},
    {"model", "bias", CFG_BOOL, T(bias), .doc = "digital bias on linear and conv layers"},
    {"model", "out_scaling", CFG_BOOL, T(out_scaling), .doc = "analog layers: learnable digital output scale"},
    {"train", "epochs", CFG_INT, T(epochs), .min = 1, .max = TRAIN_MAX_EPOCHS, .flags = CFG_MIN | CFG_MAX,
     .doc = "passes over the training set"},
    {"train", "batch", CFG_INT, T(batch), .min = 1, .max = 65536, .flags = CFG_MIN | CFG_MAX, .doc = "mini-batch size"},
    {"train", "eval_batch", CFG_INT, T(eval_batch), .min = 1, .max = 65536, .flags = CFG_MIN | CFG_MAX,
     .doc = "batch size of the test-set evaluation (no effect on results)"},
    {"train", "lr", CFG_DOUBLE, T(lr), .flags = CFG_NONNEG, .doc = "SGD learning rate alpha (digital parameters, analog weights, transfer)"},
    {"train", "lr_step", CFG_INT, T(lr_step), .min = 1, .flags = CFG_MIN, .doc = "StepLR: multiply lr by lr_gamma every lr_step epochs"},
    {"train", "lr_gamma", CFG_DOUBLE, T(lr_gamma), .flags = CFG_POS, .doc = "StepLR factor"},
    {"train", "seed", CFG_U64, T(seed), .doc = "seed of initialisation, shuffling, reads and pulses (--seed)"},
    {"train", "memory_budget_mib", CFG_U64, T(memory_budget_mib),
     .doc = "memory budget in MiB (0: the machine's MemAvailable); a model estimated above it is refused before "
            "anything is allocated"},
    {"train", "timings", CFG_BOOL, T(timings),
     .doc = "record wall-clock seconds and samples/s (false: write 0 there, so that repeated runs write "
            "byte-identical files)"},
    {"optimizer", "kind", CFG_ENUM, T(opt_kind), .choices = hw_opt_kinds,
     .doc = "digital (float SGD), analog_sgd (one tile) or tiki_taka (fast A + slow C)"},
    HW_OPT_KEYS(T(opt)),
    HW_DEVICE_KEYS(T(device)),
    HW_UPDATE_KEYS("update", T(update), "of the weight updates"),
    HW_COUNT_KEYS("update", T(update)),
    HW_UPDATE_KEYS("transfer", T(opt.transfer_update), "when writing C"),
    HW_IO_KEYS("forward", T(forward)),
    HW_IO_KEYS("backward", T(backward)),
    HW_IO_KEYS("transfer_io", T(opt.transfer_io)),
    CFG_END};

static const char fcn[] = "linear:256 sigmoid linear:128 sigmoid linear:10";
static const char cnn[] = "conv:16:5 tanh maxpool:2 conv:32:5 tanh maxpool:2 tanh linear:128 tanh linear:10";

const char *train_model_preset(const char *name)
{
    if (!strcmp(name, "fcn")) return fcn;
    if (!strcmp(name, "cnn")) return cnn;
    return NULL;
}

train_cfg train_cfg_defaults(void)
{
    train_cfg c;
    memset(&c, 0, sizeof c);
    strcpy(c.layers, "fcn");
    c.bias = c.out_scaling = 1;
    c.epochs = 80;
    c.batch = 10;
    c.eval_batch = 500;
    c.lr = 0.05;
    c.lr_step = 35;
    c.lr_gamma = 0.1;
    c.timings = 1;
    c.opt_kind = XBAR_OPT_TIKI_TAKA;
    c.opt = xbar_opt_defaults(XBAR_OPT_TIKI_TAKA);
    /* aihwkit transfer_forward: default IO with noise and bound management off */
    c.opt.transfer_io = xbar_io_defaults();
    c.opt.transfer_io.noise_management = XBAR_NM_NONE;
    c.opt.transfer_io.bound_management = XBAR_BM_NONE;
    c.device = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS_REF);
    c.device.w_max = 0.78f;
    c.device.w_min = -0.78f;
    c.device.dw_min = 0.001f;
    c.device.construction_seed = 10;
    c.update = xbar_update_defaults();
    c.forward = c.backward = xbar_io_defaults();
    return c;
}

const char *train_data_dir(const train_cfg *c) { return c->dir[0] ? c->dir : std_dirs[c->set]; }
const char *train_data_name(const train_cfg *c) { return data_sets[c->set]; }

/* Parse "name[:a[:b[:c[:d]]]]" into up to 4 positive integers; returns the count or -1. */
static int parse_token(const char *tok, char *name, size_t nlen, long v[4])
{
    const char *colon = strchr(tok, ':');
    size_t len = colon ? (size_t)(colon - tok) : strlen(tok);
    if (len == 0 || len >= nlen) return -1;
    memcpy(name, tok, len);
    name[len] = 0;
    int k = 0;
    while (colon) {
        if (k == 4) return -1;
        char *end;
        long x = strtol(colon + 1, &end, 10);
        if (end == colon + 1 || (*end && *end != ':') || x < 0 || x > 1000000) return -1;
        v[k++] = x;
        colon = *end ? end : NULL;
    }
    return k;
}

static int layer_from_token(const train_cfg *c, const char *tok, xbar_layer_spec *s, char *err, size_t n)
{
    char name[32];
    long v[4] = {0, 0, 0, 0};
    int k = parse_token(tok, name, sizeof name, v);
    const char *want = NULL;
    int kind = k < 0 ? -1 : (!strcmp(name, "conv") ? XBAR_LAYER_CONV2D : xbar_layer_kind_from_name(name));
    switch (kind) {
    case XBAR_LAYER_LINEAR: if (k != 1 || v[0] < 1) want = "linear:OUT"; break;
    case XBAR_LAYER_CONV2D: if (k < 2 || v[0] < 1 || v[1] < 1 || (k > 2 && v[2] < 1)) want = "conv:OUT:K[:STRIDE[:PAD]]"; break;
    case XBAR_LAYER_MAXPOOL: if (k != 1 || v[0] < 1) want = "maxpool:K"; break;
    case XBAR_LAYER_SIGMOID: case XBAR_LAYER_TANH: case XBAR_LAYER_RELU: if (k != 0) want = "no parameters"; break;
    default: want = "one of linear:OUT, conv:OUT:K[:STRIDE[:PAD]], maxpool:K, sigmoid, tanh, relu";
    }
    if (want) {
        snprintf(err, n, "model.layers: '%s': expected %s", tok, want);
        return -1;
    }
    *s = xbar_layer_defaults((xbar_layer_kind)kind);
    if (kind == XBAR_LAYER_LINEAR || kind == XBAR_LAYER_CONV2D) {
        s->out = (size_t)v[0];
        if (kind == XBAR_LAYER_CONV2D) {
            s->kernel = (size_t)v[1];
            if (k > 2) s->stride = (size_t)v[2];
            if (k > 3) s->padding = (size_t)v[3];
        }
        s->bias = c->bias;
        s->out_scaling = c->out_scaling;
        s->opt = c->opt;
        s->opt.kind = (xbar_opt_kind)c->opt_kind;
        s->tile = xbar_tile_config_defaults(1, 1);
        s->tile.device = c->device;
        s->tile.update = c->update;
        s->tile.forward = c->forward;
        s->tile.backward = c->backward;
        s->tile.seed = c->seed;
    } else if (kind == XBAR_LAYER_MAXPOOL) {
        s->kernel = (size_t)v[0];
    }
    return 0;
}

/* model.digital_layers: those weight layers get the digital optimizer. */
static int digital_mask(const train_cfg *c, xbar_layer_spec *L, int count, char *err, size_t n)
{
    char buf[CFG_STR_MAX];
    snprintf(buf, sizeof buf, "%s", c->digital_layers);
    for (char *save = NULL, *tok = strtok_r(buf, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save)) {
        char *end;
        long i = strtol(tok, &end, 10);
        if (*end || i < 0 || i >= count || (L[i].kind != XBAR_LAYER_LINEAR && L[i].kind != XBAR_LAYER_CONV2D)) {
            snprintf(err, n, "model.digital_layers = '%s': '%s' is not the index of a linear or conv layer (0..%d)",
                     c->digital_layers, tok, count - 1);
            return -1;
        }
        L[i].opt.kind = XBAR_OPT_DIGITAL;
    }
    return 0;
}

int train_cfg_layers(const train_cfg *c, xbar_layer_spec *out, int max, char *err, size_t n)
{
    const char *list = train_model_preset(c->layers);
    char buf[CFG_STR_MAX];
    snprintf(buf, sizeof buf, "%s", list ? list : c->layers);
    int count = 0;
    for (char *save = NULL, *tok = strtok_r(buf, " ,\t", &save); tok; tok = strtok_r(NULL, " ,\t", &save)) {
        if (count == max) {
            snprintf(err, n, "model.layers: more than %d layers", max);
            return -1;
        }
        if (layer_from_token(c, tok, &out[count], err, n)) return -1;
        count++;
    }
    if (count == 0) {
        snprintf(err, n, "model.layers = '%s': no layers", c->layers);
        return -1;
    }
    if (digital_mask(c, out, count, err, n)) return -1;
    const int steps = (c->epochs - 1) / c->lr_step;
    const double lr_max = c->lr_gamma > 1 ? c->lr * pow(c->lr_gamma, steps) : c->lr;
    if (!(c->lr <= FLT_MAX)) {
        snprintf(err, n, "train.lr = %g: above the float32 range (%g)", c->lr, (double)FLT_MAX);
        return -1;
    }
    if (!(lr_max <= FLT_MAX)) {
        snprintf(err, n, "train.lr = %g with train.lr_gamma = %g every %d epochs reaches %g by epoch %d: above the "
                 "float32 range", c->lr, c->lr_gamma, c->lr_step, lr_max, steps * c->lr_step + 1);
        return -1;
    }
    if (c->opt_kind != XBAR_OPT_DIGITAL) {
        if (hw_device_check(&c->device, err, n)) return -1;
        xbar_opt_params o = c->opt;
        o.kind = (xbar_opt_kind)c->opt_kind;
        const char *why = xbar_opt_check(&o);
        if (!why) why = xbar_io_check(&c->forward, "forward");
        if (!why) why = xbar_io_check(&c->backward, "backward");
        if (why) {
            snprintf(err, n, "%s", why);
            return -1;
        }
    }
    return count;
}

int train_cfg_check_given(const train_cfg *c, const char *config, const char *const *sets, int nsets, char *err,
                          size_t n)
{
    hw_key_marks m;
    if (hw_keys_mark(train_keys, &m, config, sets, nsets, err, n)) return -1;
    return hw_device_unused(train_keys, c, offsetof(train_cfg, device), &m, err, n);
}

int train_cfg_uses(const cfg_key *k, const void *obj, char *why, size_t n)
{
    return hw_device_key_used(k, ((const train_cfg *)obj)->device.model, why, n);
}
