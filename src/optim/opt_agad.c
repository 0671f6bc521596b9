/* opt_agad.c - AGAD as aihwkit 1.0.0's DynamicTransferCompound (spec successors.md §4.2 /
 * §4.3): chopped Tiki-Taka v2 whose column reads enter the buffer against a dynamic digital
 * reference: H += sigma*(y - R)*s, with the running mean M <- (1-q)M + q*y and R <- M at the
 * first read after a chopper switch (regular period N_s = max(ceil(1/in_chop_prob), 2)
 * sweeps, plus random switches when in_chop_random); writes to C only after the first
 * N_s + 1 sweeps. Core, order of operations and checkpoint: transfer_family.c; keys:
 * docs/algorithms/agad.md. */
#include "transfer_family.h"

static const xbar_key keys[] = {XBAR_TF_KEY_FAST_LR,
                                XBAR_TF_KEY_TRANSFER_LR,
                                XBAR_TF_KEY_TRANSFER_EVERY,
                                XBAR_TF_KEY_TRANSFER_READ_NOISE,
                                XBAR_TF_KEY_GAMMA,
                                XBAR_TF_KEY_SLOW_DEVICE_OWN,
                                XBAR_TF_KEY_UNITS_IN_MBATCH,
                                XBAR_TF_KEY_WRITE_STEP, XBAR_TF_KEY_WRITE_BL,
                                XBAR_TF_KEY_MOMENTUM,
                                XBAR_TF_KEY_FORGET_BUFFER,
                                XBAR_TF_KEY_BUFFER_GRANULARITY,
                                XBAR_TF_KEY_AUTO_GRANULARITY,
                                XBAR_TF_KEY_AUTO_SCALE,
                                XBAR_TF_KEY_AUTO_MOMENTUM,
                                XBAR_TF_KEY_IN_CHOP_PROB,
                                XBAR_TF_KEY_IN_CHOP_RANDOM,
                                XBAR_TF_KEY_TAIL_WEIGHTENING,
                                XBAR_TF_KEY_BUFFER_CAP,
                                XBAR_TF_KEY_ZS_PULSES,
                                XBAR_TF_KEY_ZS_CYCLIC,
                                XBAR_TF_KEY_END};

const xbar_opt_ops xbar_opt_agad_ops =
    XBAR_TF_OPS("agad",
                "AGAD (aihwkit DynamicTransferCompound): chopped Tiki-Taka v2 reading A against a dynamic "
                "digital reference (running mean M, phase mean R)",
                keys);
