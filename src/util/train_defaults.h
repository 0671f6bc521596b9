/* train_defaults.h - the [train] section's scalar defaults (the paper's MNIST FCN schedule), one
 * copy for the library's xbar_train_config (src/nn/nn_train_kv.c) and the program's train_cfg
 * (src/cli/train/train_cfg.c), so that `xbar train` and the embedded training loop start alike.
 * Units: epochs (passes), samples (batch), 1 (lr, lr_gamma); lr_step in epochs. */
#ifndef XBAR_TRAIN_DEFAULTS_H
#define XBAR_TRAIN_DEFAULTS_H

enum {
    XBAR_TRAIN_EPOCHS = 80,      /* train.epochs */
    XBAR_TRAIN_BATCH = 10,       /* train.batch */
    XBAR_TRAIN_EVAL_BATCH = 500, /* train.eval_batch (no effect on results) */
    XBAR_TRAIN_LR_STEP = 35,     /* train.lr_step: StepLR period */
    XBAR_TRAIN_TIMINGS = 1       /* train.timings: wall times in metrics.csv */
};
#define XBAR_TRAIN_LR 0.05      /* train.lr */
#define XBAR_TRAIN_LR_GAMMA 0.1 /* train.lr_gamma: StepLR factor */

/* Set the scalar fields of a train configuration (any struct with these member names). */
#define XBAR_TRAIN_SET_DEFAULTS(c)                                                          \
    ((c)->epochs = XBAR_TRAIN_EPOCHS, (c)->batch = XBAR_TRAIN_BATCH,                        \
     (c)->eval_batch = XBAR_TRAIN_EVAL_BATCH, (c)->lr = XBAR_TRAIN_LR,                      \
     (c)->lr_step = XBAR_TRAIN_LR_STEP, (c)->lr_gamma = XBAR_TRAIN_LR_GAMMA,                \
     (c)->timings = XBAR_TRAIN_TIMINGS)

#endif
