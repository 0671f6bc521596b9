/* opt_ttv2.c - TTV2: Tiki-Taka v2 as aihwkit 1.0.0's BufferedTransferCompound (spec
 * successors.md §2.2 / §2.3): fast tile A learns at fast_lr; every transfer reads one column
 * of A into the digital buffer H (weight units), and where |H| reaches thres_scale*dw_min(C)
 * a single pulse is written into the slow tile C. Visible weight W = C + gamma*A. The core,
 * the order of operations and the checkpoint layout are in transfer_family.c; the keys and
 * their aihwkit sources in docs/algorithms/ttv2.md. */
#include "transfer_family.h"

static const xbar_key keys[] = {
    XBAR_TF_KEY_FAST_LR,    XBAR_TF_KEY_TRANSFER_LR,     XBAR_TF_KEY_TRANSFER_EVERY,  XBAR_TF_KEY_TRANSFER_READ_NOISE,
    XBAR_TF_KEY_GAMMA,      XBAR_TF_KEY_SLOW_DEVICE_OWN, XBAR_TF_KEY_UNITS_IN_MBATCH, XBAR_TF_KEY_THRES_SCALE,
    XBAR_TF_KEY_WRITE_STEP, XBAR_TF_KEY_WRITE_BL, XBAR_TF_KEY_MOMENTUM,        XBAR_TF_KEY_FORGET_BUFFER,
    XBAR_TF_KEY_ZS_PULSES,  XBAR_TF_KEY_ZS_CYCLIC,       XBAR_TF_KEY_END};

const xbar_opt_ops xbar_opt_ttv2_ops =
    XBAR_TF_OPS("ttv2",
                "Tiki-Taka v2 (aihwkit BufferedTransferCompound): fast tile A, digital buffer H of its column "
                "reads, single-pulse writes to C where |H| >= thres_scale*dw_min(C)",
                keys);
