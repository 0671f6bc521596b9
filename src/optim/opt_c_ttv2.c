/* opt_c_ttv2.c - C_TTV2: chopped Tiki-Taka v2 as aihwkit 1.0.0's ChoppedTransferCompound
 * (spec successors.md §3.2 / §3.3): A receives the gradient times the chopper signs
 * sigma(i,j) = c_out[i]*c_in[j]; each column read is multiplied back by sigma into the
 * buffer H (pulse units, threshold buffer_granularity*dw_min(A)); single-pulse writes to C;
 * c_in[r] flips after column r is read (random or regular), c_out after a sweep. With
 * in_chop_prob = 0 it is what aihwkit's build_config("ttv2") builds (and what its TTv2
 * presets use). Core, order of operations and checkpoint: transfer_family.c; keys:
 * docs/algorithms/c_ttv2.md. */
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
                                XBAR_TF_KEY_NO_BUFFER,
                                XBAR_TF_KEY_IN_CHOP_PROB,
                                XBAR_TF_KEY_IN_CHOP_RANDOM,
                                XBAR_TF_KEY_OUT_CHOP_PROB,
                                XBAR_TF_KEY_ZS_PULSES,
                                XBAR_TF_KEY_ZS_CYCLIC,
                                XBAR_TF_KEY_END};

const xbar_opt_ops xbar_opt_c_ttv2_ops =
    XBAR_TF_OPS("c_ttv2",
                "chopped Tiki-Taka v2 (aihwkit ChoppedTransferCompound): A with sign choppers, buffer H in "
                "pulses, single-pulse writes to C; in_chop_prob = 0 is aihwkit's build_config(\"ttv2\")",
                keys);
