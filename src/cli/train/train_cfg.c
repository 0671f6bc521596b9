/* train_cfg.c - key table, defaults and layer specs of `xbar train` (the layer list is parsed by the
 * library: xbar_net_config_layers). */
#define _POSIX_C_SOURCE 200809L
#include <float.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "hw_keys.h"
#include "train_cfg.h"
#include "train_defaults.h"

#define T(f) offsetof(train_cfg, f)

static const char *const data_sets[] = {"mnist", "fashion", NULL};
static const char *const std_dirs[] = {"data/mnist", "/usr/share/datasets/fashion-mnist"};

/* The rows of train_cfg's own sections; [model] and the hardware are the library's. */
static const cfg_key data_keys[] = {
    {"data", "set", CFG_ENUM, T(set), .choices = data_sets,
     .doc = "mnist: 8,000/2,000 real digits (scripts/data.sh); fashion: Fashion-MNIST 60,000/10,000"},
    {"data", "dir", CFG_STRING, T(dir),
     .doc = "folder of the four IDX files (empty: data/mnist or /usr/share/datasets/fashion-mnist)"},
    {"data", "train_limit", CFG_INT, T(train_limit), .flags = CFG_NONNEG, .doc = "use the first n training samples (0 all)"},
    {"data", "test_limit", CFG_INT, T(test_limit), .flags = CFG_NONNEG, .doc = "use the first n test samples (0 all)"},
    CFG_END};

static const cfg_key run_keys[] = {
    {"train", "epochs", CFG_INT, T(epochs), .min = 1, .max = TRAIN_MAX_EPOCHS, .flags = CFG_MIN | CFG_MAX,
     .doc = "epochs: passes over the training set, or of train.epoch_samples samples each"},
    {"train", "batch", CFG_INT, T(batch), .min = 1, .max = 65536, .flags = CFG_MIN | CFG_MAX, .doc = "mini-batch size"},
    {"train", "epoch_samples", CFG_INT, T(epoch_samples), .min = 0, .max = 1000000000, .flags = CFG_MIN | CFG_MAX,
     .doc = "training samples per epoch, drawn from consecutive shuffled passes over the training set (0: one "
            "pass; 60000: the paper's epoch, 6,000 updates at batch 10, on the 8,000-image MNIST set); lr_step, "
            "metrics.csv and the test evaluation count these epochs"},
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
    CFG_END};

/* [model] is xbar_net_config's first four fields, laid out alike in train_cfg. */
_Static_assert(offsetof(train_cfg, digital_layers) - offsetof(train_cfg, layers) ==
                       offsetof(xbar_net_config, digital_layers) &&
                   offsetof(train_cfg, bias) - offsetof(train_cfg, layers) == offsetof(xbar_net_config, bias) &&
                   offsetof(train_cfg, out_scaling) - offsetof(train_cfg, layers) ==
                       offsetof(xbar_net_config, out_scaling) &&
                   offsetof(xbar_net_config, layers) == 0,
               "train_cfg [model] fields differ from xbar_net_config");

const cfg_key *train_keys(void)
{
    static hw_table t;
    if (t.n) return t.k;
    hw_keys_own(&t, data_keys);
    hw_keys_add(&t, xbar_net_keys(), 0, HW_ALL, "model", T(layers));
    hw_keys_own(&t, run_keys);
    hw_keys_add(&t, xbar_opt_keys(), 0, HW_ALL, "optimizer", T(opt));
    hw_keys_add(&t, xbar_device_keys(), 0, HW_ALL, "device", T(device));
    hw_keys_add(&t, xbar_update_keys(), 0, HW_ALL, "update", T(update));
    hw_keys_add(&t, xbar_update_keys(), 0, 5, "transfer", T(opt.transfer_update));
    hw_keys_add(&t, xbar_io_keys(), 0, HW_ALL, "forward", T(forward));
    hw_keys_add(&t, xbar_io_keys(), 0, HW_ALL, "backward", T(backward));
    hw_keys_add(&t, xbar_io_keys(), 0, HW_ALL, "transfer_io", T(opt.transfer_io));
    /* the slow tile's own device (the Tiki-Taka successors, optimizer.slow_device_own) */
    hw_keys_add(&t, xbar_device_keys(), 0, HW_ALL, "slow_device", T(opt.slow_device));
    return t.k;
}

train_cfg train_cfg_defaults(void)
{
    train_cfg c;
    memset(&c, 0, sizeof c);
    const xbar_net_config n = xbar_train_net_defaults(); /* the hardware, shared with the library */
    memcpy(c.layers, n.layers, sizeof c.layers);
    memcpy(c.digital_layers, n.digital_layers, sizeof c.digital_layers);
    c.bias = n.bias;
    c.out_scaling = n.out_scaling;
    c.opt = n.opt;
    c.device = n.tile.device;
    c.update = n.tile.update;
    c.forward = n.tile.forward;
    c.backward = n.tile.backward;
    XBAR_TRAIN_SET_DEFAULTS(&c);
    return c;
}

const char *train_data_dir(const train_cfg *c) { return c->dir[0] ? c->dir : std_dirs[c->set]; }
const char *train_data_name(const train_cfg *c) { return data_sets[c->set]; }

int train_cfg_layers(const train_cfg *c, xbar_layer_spec *out, int max, char *err, size_t n)
{
    xbar_net_config nc = xbar_net_config_defaults();
    memcpy(nc.layers, c->layers, sizeof nc.layers);
    memcpy(nc.digital_layers, c->digital_layers, sizeof nc.digital_layers);
    nc.bias = c->bias;
    nc.out_scaling = c->out_scaling;
    nc.opt = c->opt;
    nc.tile.device = c->device;
    nc.tile.update = c->update;
    nc.tile.forward = c->forward;
    nc.tile.backward = c->backward;
    nc.tile.seed = c->seed;
    size_t count;
    if (xbar_net_config_layers(&nc, out, max > 0 ? (size_t)max : 0, &count)) {
        snprintf(err, n, "%s", xbar_last_error());
        return -1;
    }
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
    if (c->opt.kind != XBAR_OPT_DIGITAL) {
        if (hw_device_check(&c->device, err, n)) return -1;
        char sw[768];
        if (c->opt.slow_device_own && hw_device_check(&c->opt.slow_device, sw, sizeof sw))
            return snprintf(err, n, "slow_device (optimizer.slow_device_own = true): %s", sw), -1;
        const char *why = xbar_opt_check(&c->opt);
        if (!why) why = xbar_io_check(&c->forward, "forward");
        if (!why) why = xbar_io_check(&c->backward, "backward");
        if (why) {
            snprintf(err, n, "%s", why);
            return -1;
        }
    }
    return (int)count;
}

int train_cfg_check_given(const train_cfg *c, const char *config, const char *const *sets, int nsets, char *err,
                          size_t n)
{
    hw_key_marks m;
    if (hw_keys_mark(train_keys(), &m, config, sets, nsets, err, n)) return -1;
    const cfg_key *tab = train_keys();
    if (hw_device_unused(tab, c, offsetof(train_cfg, device), &m, err, n)) return -1;
    return hw_slow_device_given(tab, c, offsetof(train_cfg, opt.slow_device), c->opt.slow_device_own, &m, err, n);
}

int train_cfg_uses(const cfg_key *k, const void *obj, char *why, size_t n)
{
    const train_cfg *c = obj;
    return hw_device_key_used(k, c->device.model, why, n) &&
           hw_slow_device_key_used(k, c->opt.slow_device_own, c->opt.slow_device.model, why, n);
}
