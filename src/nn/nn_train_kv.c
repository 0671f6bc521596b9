/* nn_train_kv.c - the configuration of the xbar program's `train` command by key
 * (xbar.h, "Run configurations by key"): its [data] and [train] rows, the network's
 * [model], tile and optimizer sections and [slow_device], with the program's
 * defaults, and the network it builds from them. */
#include <float.h>
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "internal.h"
#include "keys_internal.h"
#include "train_defaults.h"

struct xbar_train_config {
    /* [data] */
    int set;
    char dir[XBAR_KEY_STR_MAX];
    int train_limit, test_limit;
    /* [train] */
    int epochs, batch, eval_batch, lr_step, epoch_samples;
    double lr, lr_gamma;
    uint64_t seed, memory_budget_mib;
    int timings;
    /* [model], the tile sections and the optimizer sections */
    xbar_net_config net;
};

#define T(f) offsetof(xbar_train_config, f)

static const char *const data_sets[] = {"mnist", "fashion", NULL};

static const xbar_key data_rows[] = {
    {"data", "set", XBAR_KEY_ENUM, T(set), .choices = data_sets,
     .doc = "mnist: 8,000/2,000 real digits (scripts/data.sh); fashion: Fashion-MNIST 60,000/10,000"},
    {"data", "dir", XBAR_KEY_STRING, T(dir),
     .doc = "folder of the four IDX files (empty: data/mnist or /usr/share/datasets/fashion-mnist)"},
    {"data", "train_limit", XBAR_KEY_INT, T(train_limit), .flags = XBAR_KEY_NONNEG,
     .doc = "use the first n training samples (0 all)"},
    {"data", "test_limit", XBAR_KEY_INT, T(test_limit), .flags = XBAR_KEY_NONNEG,
     .doc = "use the first n test samples (0 all)"},
    {NULL, NULL, XBAR_KEY_INT, 0, 0, 0, 0, NULL, 0, NULL}};

static const xbar_key train_rows[] = {
    {"train", "epochs", XBAR_KEY_INT, T(epochs), .min = 1, .max = 100000, .flags = XBAR_KEY_MIN | XBAR_KEY_MAX,
     .doc = "epochs: passes over the training set, or of train.epoch_samples samples each"},
    {"train", "batch", XBAR_KEY_INT, T(batch), .min = 1, .max = 65536, .flags = XBAR_KEY_MIN | XBAR_KEY_MAX,
     .doc = "mini-batch size"},
    {"train", "epoch_samples", XBAR_KEY_INT, T(epoch_samples), .min = 0, .max = 1000000000,
     .flags = XBAR_KEY_MIN | XBAR_KEY_MAX,
     .doc = "training samples per epoch, drawn from consecutive shuffled passes over the training set (0: one pass)"},
    {"train", "eval_batch", XBAR_KEY_INT, T(eval_batch), .min = 1, .max = 65536, .flags = XBAR_KEY_MIN | XBAR_KEY_MAX,
     .doc = "batch size of the test-set evaluation (no effect on results)"},
    {"train", "lr", XBAR_KEY_DOUBLE, T(lr), .flags = XBAR_KEY_NONNEG,
     .doc = "SGD learning rate alpha (digital parameters, analog weights, transfer)"},
    {"train", "lr_step", XBAR_KEY_INT, T(lr_step), .min = 1, .flags = XBAR_KEY_MIN,
     .doc = "StepLR: multiply lr by lr_gamma every lr_step epochs"},
    {"train", "lr_gamma", XBAR_KEY_DOUBLE, T(lr_gamma), .flags = XBAR_KEY_POS, .doc = "StepLR factor"},
    {"train", "seed", XBAR_KEY_U64, T(seed), .doc = "seed of initialisation, shuffling, reads and pulses"},
    {"train", "memory_budget_mib", XBAR_KEY_U64, T(memory_budget_mib),
     .doc = "memory budget in MiB (0: the machine's MemAvailable); read by the xbar program"},
    {"train", "timings", XBAR_KEY_BOOL, T(timings), .doc = "record wall-clock seconds and samples/s"},
    {NULL, NULL, XBAR_KEY_INT, 0, 0, 0, 0, NULL, 0, NULL}};

#define N(f) (T(net) + offsetof(xbar_net_config, f))
#define TRAIN_PARTS 11
static size_t train_parts(xbar_key_part *p)
{
    p[0] = (xbar_key_part){"data", data_rows, 0, 0};
    p[1] = (xbar_key_part){"model", xbar_net_keys(), 0, T(net)};
    p[2] = (xbar_key_part){"train", train_rows, 0, 0};
    p[3] = (xbar_key_part){"optimizer", xbar_opt_keys(), 0, N(opt)};
    p[4] = (xbar_key_part){"device", xbar_device_keys(), 0, N(tile.device)};
    p[5] = (xbar_key_part){"update", xbar_update_keys(), 0, N(tile.update)};
    p[6] = (xbar_key_part){"transfer", xbar_update_keys(), 5, N(opt.transfer_update)};
    p[7] = (xbar_key_part){"forward", xbar_io_keys(), 0, N(tile.forward)};
    p[8] = (xbar_key_part){"backward", xbar_io_keys(), 0, N(tile.backward)};
    p[9] = (xbar_key_part){"transfer_io", xbar_io_keys(), 0, N(opt.transfer_io)};
    p[10] = (xbar_key_part){"slow_device", xbar_device_keys(), 0, N(opt.slow_device)};
    return TRAIN_PARTS;
}

xbar_net_config xbar_train_net_defaults(void)
{
    xbar_net_config n = xbar_net_config_defaults();
    strcpy(n.layers, "fcn");
    n.bias = n.out_scaling = 1;
    xbar_opt_params *o = &n.opt;
    *o = xbar_opt_defaults(XBAR_OPT_TIKI_TAKA);
    /* aihwkit transfer_forward: default IO with noise and bound management off */
    o->transfer_io = xbar_io_defaults();
    o->transfer_io.noise_management = XBAR_NM_NONE;
    o->transfer_io.bound_management = XBAR_BM_NONE;
    xbar_device_params *d = &n.tile.device;
    *d = xbar_device_defaults(XBAR_DEV_SOFT_BOUNDS_REF);
    d->w_max = 0.78f;
    d->w_min = -0.78f;
    d->dw_min = 0.001f;
    d->construction_seed = 10;
    o->slow_device = *d; /* [slow_device] starts as [device]'s defaults */
    n.tile.update = xbar_update_defaults();
    n.tile.forward = n.tile.backward = xbar_io_defaults();
    return n;
}

xbar_train_config *xbar_train_config_new(void)
{
    xbar_train_config *c = calloc(1, sizeof *c);
    if (!c) return xbar_fail_null(XBAR_ENOMEM, "xbar_train_config_new: out of memory");
    c->net = xbar_train_net_defaults();
    XBAR_TRAIN_SET_DEFAULTS(c);
    return c;
}

void xbar_train_config_free(xbar_train_config *c) { free(c); }

xbar_status xbar_train_config_set(xbar_train_config *c, const char *assignment)
{
    XBAR_NONNULL(c);
    XBAR_NONNULL(assignment);
    xbar_key_part parts[TRAIN_PARTS];
    return xbar_key_assign(parts, train_parts(parts), c, assignment);
}

xbar_status xbar_train_config_get(const xbar_train_config *c, const char *key, char *buf, size_t cap)
{
    XBAR_NONNULL(c);
    xbar_key_part parts[TRAIN_PARTS];
    return xbar_key_lookup(parts, train_parts(parts), c, key, buf, cap, "xbar_train_config_get");
}

/* One pulse may not cross the device's range (as the xbar program checks), then xbar_device_check. */
static const char *device_fits(const xbar_device_params *d)
{
    const float dw = d->dw_min;
    if ((unsigned)d->model < XBAR_DEV_COUNT_ && isfinite(dw) && dw > 0) {
        if (xbar_device_uses_key(d->model, "tau")) {
            if (isfinite(d->tau) && d->tau > 0 && dw >= d->tau)
                return xbar_msg("device.dw_min = %g: must be < device.tau = %g, the distance from the %s model's "
                                "symmetric point to either bound: one pulse may not cross it",
                                (double)dw, (double)d->tau, xbar_device_model_name(d->model));
        } else if (isfinite(d->w_max) && isfinite(d->w_min) && d->w_max > d->w_min) {
            const double range = (double)d->w_max - (double)d->w_min;
            if ((double)dw >= range)
                return xbar_msg("device.dw_min = %g: must be < %g, the range w_max - w_min of the %s model: one "
                                "pulse may not cross it", (double)dw, range, xbar_device_model_name(d->model));
        }
    }
    return xbar_device_check(d);
}

xbar_net *xbar_train_config_net(const xbar_train_config *c, size_t in_c, size_t in_h, size_t in_w)
{
    XBAR_NONNULL_OR(NULL, c);
    xbar_net_config nc = c->net;
    nc.tile.seed = c->seed;
    const size_t cap = 32; /* the xbar program's most layers */
    xbar_layer_spec *L = malloc(cap * sizeof *L);
    if (!L) return xbar_fail_null(XBAR_ENOMEM, "xbar_train_config_net: out of memory");
    size_t nl;
    if (xbar_net_config_layers(&nc, L, cap, &nl)) return free(L), NULL;
    const int steps = (c->epochs - 1) / c->lr_step;
    const double lr_max = c->lr_gamma > 1 ? c->lr * pow(c->lr_gamma, steps) : c->lr;
    const char *why = NULL;
    if (!(c->lr <= FLT_MAX))
        why = xbar_msg("train.lr = %g: above the float32 range (%g)", c->lr, (double)FLT_MAX);
    else if (!(lr_max <= FLT_MAX))
        why = xbar_msg("train.lr = %g with train.lr_gamma = %g every %d epochs reaches %g by epoch %d: above the "
                       "float32 range", c->lr, c->lr_gamma, c->lr_step, lr_max, steps * c->lr_step + 1);
    else if (nc.opt.kind != XBAR_OPT_DIGITAL) {
        why = device_fits(&nc.tile.device);
        if (!why && nc.opt.slow_device_own && (why = device_fits(&nc.opt.slow_device))) {
            char msg[512];
            snprintf(msg, sizeof msg, "%s", why);
            why = xbar_msg("slow_device (optimizer.slow_device_own = true): %s", msg);
        }
        if (!why) why = xbar_opt_check(&nc.opt);
        if (!why) why = xbar_io_check(&nc.tile.forward, "forward");
        if (!why) why = xbar_io_check(&nc.tile.backward, "backward");
    }
    if (why) {
        free(L);
        return xbar_fail_null(XBAR_EINVAL, "%s", why);
    }
    xbar_net *net = xbar_net_new(L, nl, in_c, in_h, in_w, c->seed);
    free(L);
    return net;
}
