/* transfer_family.h - the core shared by the Tiki-Taka successors (transfer_family.c): TTV2
 * (opt_ttv2.c, aihwkit BufferedTransferCompound), C_TTV2 (opt_c_ttv2.c, ChoppedTransferCompound)
 * and AGAD (opt_agad.c, DynamicTransferCompound). Each of those files holds its key rows and
 * its ops record; every op of the three records is one of the functions below, which branch
 * on a->o.kind. The manual (state, order of operations, checkpoint layout) is the header
 * comment of transfer_family.c; docs/algorithms/{ttv2,c_ttv2,agad}.md describe the keys.
 * Not part of the public API; only src/optim includes it. */
#ifndef XBAR_TRANSFER_FAMILY_H
#define XBAR_TRANSFER_FAMILY_H

#include "optim_ops.h"

/* ---- key rows --------------------------------------------------------------------------
 * One macro per [optimizer] row, so that a key read by several of the three has one text
 * (the table keeps the first row of a name). The first five are Tiki-Taka's rows
 * (opt_tiki_taka.c), repeated word for word. */
/* clang-format off */
#define XBAR_TF_OFF(f) offsetof(xbar_opt_params, f)
#define XBAR_TF_KEY_FAST_LR                                                                                        \
    {"optimizer", "fast_lr", XBAR_KEY_FLOAT, XBAR_TF_OFF(fast_lr), .flags = XBAR_KEY_NONNEG,                        \
     .doc = "Tiki-Taka beta: learning rate of the fast tile A = -P (not scheduled)"}
#define XBAR_TF_KEY_TRANSFER_LR                                                                                    \
    {"optimizer", "transfer_lr", XBAR_KEY_FLOAT, XBAR_TF_OFF(transfer_lr), .flags = XBAR_KEY_NONNEG,                \
     .doc = "Tiki-Taka: C += transfer_lr*lr*A[:,j]"}
#define XBAR_TF_KEY_TRANSFER_EVERY                                                                                 \
    {"optimizer", "transfer_every", XBAR_KEY_INT, XBAR_TF_OFF(transfer_every), .min = 1, .flags = XBAR_KEY_MIN,     \
     .doc = "transfer after every n updates"}
#define XBAR_TF_KEY_TRANSFER_COLUMNS                                                                               \
    {"optimizer", "transfer_columns", XBAR_KEY_INT, XBAR_TF_OFF(transfer_columns), .flags = XBAR_KEY_NONNEG,         \
     .doc = "columns per transfer, cyclic (0 = all: the paper's analysis)"}
#define XBAR_TF_KEY_TRANSFER_READ_NOISE                                                                            \
    {"optimizer", "transfer_read_noise", XBAR_KEY_FLOAT, XBAR_TF_OFF(transfer_read_noise),                          \
     .flags = XBAR_KEY_NONNEG, .doc = "std of the noisy read of A's columns (weight units; needs transfer_io.perfect)"}
#define XBAR_TF_KEY_GAMMA                                                                                          \
    {"optimizer", "gamma", XBAR_KEY_FLOAT, XBAR_TF_OFF(gamma), .doc = "visible weight W = C + gamma*A"}
#define XBAR_TF_KEY_SLOW_DEVICE_OWN                                                                                \
    {"optimizer", "slow_device_own", XBAR_KEY_BOOL, XBAR_TF_OFF(slow_device_own),                                   \
     .doc = "transfer family: 1 = the slow tile C has its own device (optimizer.slow_device), 0 = A's device. "      \
            "Default 0"}
#define XBAR_TF_KEY_UNITS_IN_MBATCH                                                                                \
    {"optimizer", "units_in_mbatch", XBAR_KEY_INT, XBAR_TF_OFF(units_in_mbatch), .min = -1, .max = 1,               \
     .flags = XBAR_KEY_MIN | XBAR_KEY_MAX,                                                                          \
     .doc = "transfer family: transfer_every counts mini-batches (1) or vector updates (0: samples; conv: samples " \
            "x output pixels); -1 = the kind's aihwkit default (ttv2 1, c_ttv2 / agad 0). Default -1"}
#define XBAR_TF_KEY_THRES_SCALE                                                                                    \
    {"optimizer", "thres_scale", XBAR_KEY_FLOAT, XBAR_TF_OFF(thres_scale), .flags = XBAR_KEY_POS,                   \
     .doc = "ttv2: write threshold of the buffer H (weight units) in units of dw_min(C). Default 1"}
#define XBAR_TF_KEY_WRITE_STEP                                                                                     \
    {"optimizer", "write_step", XBAR_KEY_FLOAT, XBAR_TF_OFF(write_step), .flags = XBAR_KEY_POS,                     \
     .doc = "transfer family: lr of a column write of C = write_step*dw_min(C), one pulse per row with n != 0 "     \
            "at 1 (aihwkit step). Default 1"}
#define XBAR_TF_KEY_WRITE_BL                                                                                       \
    {"optimizer", "write_bl", XBAR_KEY_INT, XBAR_TF_OFF(write_bl), .min = 1, .flags = XBAR_KEY_MIN,                 \
     .doc = "transfer family: most pulses per row of a column write of C, |n| <= write_bl; the write has this "     \
            "fixed bit length and no update management (aihwkit's transfer_update of these compounds; the pulse "  \
            "scheme is transfer.scheme). Default 1"}
#define XBAR_TF_KEY_MOMENTUM                                                                                       \
    {"optimizer", "momentum", XBAR_KEY_FLOAT, XBAR_TF_OFF(momentum), .min = -1, .max = 1,                           \
     .flags = XBAR_KEY_MIN | XBAR_KEY_MAX,                                                                          \
     .doc = "transfer family: buffer fraction kept after a write (forget_buffer 1: H = momentum*omega; 0: H = "    \
            "omega - (1-momentum)*n*threshold), in [0, 1]; -1 = the kind's aihwkit default (ttv2 0.1, c_ttv2 / "    \
            "agad 0). Default -1"}
#define XBAR_TF_KEY_FORGET_BUFFER                                                                                  \
    {"optimizer", "forget_buffer", XBAR_KEY_BOOL, XBAR_TF_OFF(forget_buffer),                                       \
     .doc = "transfer family: 1 = after a write the buffer keeps momentum*omega, 0 = the written amount is "        \
            "subtracted. Default 1"}
#define XBAR_TF_KEY_BUFFER_GRANULARITY                                                                             \
    {"optimizer", "buffer_granularity", XBAR_KEY_FLOAT, XBAR_TF_OFF(buffer_granularity), .flags = XBAR_KEY_POS,     \
     .doc = "c_ttv2 / agad: write threshold in units of dw_min(A) (the buffer H counts pulses, threshold 1). "      \
            "Default 1"}
#define XBAR_TF_KEY_AUTO_GRANULARITY                                                                               \
    {"optimizer", "auto_granularity", XBAR_KEY_FLOAT, XBAR_TF_OFF(auto_granularity), .flags = XBAR_KEY_NONNEG,      \
     .doc = "c_ttv2 / agad: > 0 multiplies the threshold by auto_granularity/(cols*transfer_every) (aihwkit's "    \
            "presets: 1000); 0 = off. Default 0"}
#define XBAR_TF_KEY_AUTO_SCALE                                                                                     \
    {"optimizer", "auto_scale", XBAR_KEY_BOOL, XBAR_TF_OFF(auto_scale),                                             \
     .doc = "c_ttv2 / agad: A's lr = fast_lr*update.desired_bl*dw_min(A)/(m_x*m_d), m_x, m_d EMAs of max|x|, "     \
            "max|d| per vector update. Default 0"}
#define XBAR_TF_KEY_AUTO_MOMENTUM                                                                                  \
    {"optimizer", "auto_momentum", XBAR_KEY_FLOAT, XBAR_TF_OFF(auto_momentum), .min = 0, .max = 1,                  \
     .flags = XBAR_KEY_MIN | XBAR_KEY_MAX_EXCL,                                                                     \
     .doc = "c_ttv2 / agad: momentum of the auto_scale EMAs, tau = (1 - auto_momentum)/batch per vector "           \
            "update. Default 0.99"}
#define XBAR_TF_KEY_NO_BUFFER                                                                                      \
    {"optimizer", "no_buffer", XBAR_KEY_BOOL, XBAR_TF_OFF(no_buffer),                                               \
     .doc = "c_ttv2: 1 = the buffer does not accumulate (each read is thresholded alone: Tiki-Taka v1 with "        \
            "thresholded writes). Default 0"}
#define XBAR_TF_KEY_IN_CHOP_PROB                                                                                   \
    {"optimizer", "in_chop_prob", XBAR_KEY_FLOAT, XBAR_TF_OFF(in_chop_prob), .min = 0, .max = 1,                    \
     .flags = XBAR_KEY_MIN | XBAR_KEY_MAX,                                                                          \
     .doc = "c_ttv2 / agad: column chopper flip probability per read (random) or 1/period in sweeps (regular); "    \
            "0 = no choppers (c_ttv2 only); e_rider: its chopper's flip probability per transfer sweep (0 = "       \
            "rider). Default 0.1"}
#define XBAR_TF_KEY_IN_CHOP_RANDOM                                                                                 \
    {"optimizer", "in_chop_random", XBAR_KEY_INT, XBAR_TF_OFF(in_chop_random), .min = -1, .max = 1,                 \
     .flags = XBAR_KEY_MIN | XBAR_KEY_MAX,                                                                          \
     .doc = "c_ttv2 / agad / e_rider: 1 = random chopper flips, 0 = regular (every max(ceil(1/in_chop_prob), 2) "   \
            "sweeps); -1 = the kind's default (c_ttv2 1, agad 0, e_rider 1). Default -1"}
#define XBAR_TF_KEY_OUT_CHOP_PROB                                                                                  \
    {"optimizer", "out_chop_prob", XBAR_KEY_FLOAT, XBAR_TF_OFF(out_chop_prob), .min = 0, .max = 1,                  \
     .flags = XBAR_KEY_MIN | XBAR_KEY_MAX,                                                                          \
     .doc = "c_ttv2: row chopper flip probability, drawn per row after each sweep's last column. Default 0"}
#define XBAR_TF_KEY_TAIL_WEIGHTENING                                                                               \
    {"optimizer", "tail_weightening", XBAR_KEY_FLOAT, XBAR_TF_OFF(tail_weightening), .flags = XBAR_KEY_NONNEG,      \
     .doc = "agad: weight of a read in the running mean M, q = min(tail_weightening/N_s, 1), N_s = "                \
            "max(ceil(1/in_chop_prob), 2). Default 5"}
#define XBAR_TF_KEY_BUFFER_CAP                                                                                     \
    {"optimizer", "buffer_cap", XBAR_KEY_FLOAT, XBAR_TF_OFF(buffer_cap), .flags = XBAR_KEY_NONNEG,                  \
     .doc = "agad: with forget_buffer 0, |H| <= buffer_cap*write_bl after a write (0 = no cap). "        \
            "Default 0"}
#define XBAR_TF_KEY_ZS_PULSES                                                                                      \
    {"optimizer", "zs_pulses", XBAR_KEY_INT, XBAR_TF_OFF(zs_pulses), .flags = XBAR_KEY_NONNEG,                      \
     .doc = "two-tile optimizers but mixed_precision / multi_tile_rl: zero-shifting calibration of the fast "    \
            "tile A before the first update (after each set of the weights): pulses per device; the estimate is "   \
            "A's reference (rider: Q starts there; the others: subtracted from every transfer read of A, and "     \
            "tiki_taka / rl / rlv2 read W = C + gamma*(A - Z)). 0 = none. Default 0"}
#define XBAR_TF_KEY_ZS_CYCLIC                                                                                      \
    {"optimizer", "zs_cyclic", XBAR_KEY_BOOL, XBAR_TF_OFF(zs_cyclic),                                               \
     .doc = "with zs_pulses: 1 = alternating up/down zero-shifting pulses (Kim et al.), 0 = random directions. "    \
            "Default 1"}
#define XBAR_TF_KEY_END {NULL, NULL, XBAR_KEY_FLOAT, 0, 0, 0, 0, NULL, 0, NULL}
/* clang-format on */

/* ---- the ops (transfer_family.c); the kind is a->o.kind / o->kind ---- */
void xbar_tf_defaults(xbar_opt_params *o);
const char *xbar_tf_check(const xbar_opt_params *o);
xbar_status xbar_tf_create(xbar_aw *a, const xbar_tile_config *tc);
void xbar_tf_free(void *st);
size_t xbar_tf_memory(const xbar_opt_params *o, const xbar_tile_config *tc);
xbar_status xbar_tf_update(xbar_aw *a, const float *X, const float *D, size_t batch, float lr);
xbar_status xbar_tf_step_dense(xbar_aw *a, const float *G, float lr);
void xbar_tf_get_weights(const xbar_aw *a, float *W);
void xbar_tf_set_weights(xbar_aw *a, const float *W);
xbar_status xbar_tf_mvm(xbar_aw *a, float *out, const float *in, size_t batch, int back);
xbar_tile *xbar_tf_fast_tile(const xbar_aw *a);
xbar_tile *xbar_tf_slow_tile(const xbar_aw *a);
uint64_t xbar_tf_pulse_count(const xbar_aw *a);
void xbar_tf_pulse_counts(const xbar_aw *a, xbar_pulse_counts *pc);
const float *xbar_tf_array(const xbar_aw *a, size_t k, const char **what, size_t *n);
void xbar_tf_counters(const xbar_aw *a, uint64_t c[2]);
xbar_status xbar_tf_save(const xbar_aw *a, FILE *f);
xbar_status xbar_tf_load(xbar_aw *a, FILE *f, const uint64_t c[2]);

/* The ops record of one of the three kinds (name, summary, keys differ; the ops are shared). */
#define XBAR_TF_OPS(NAME, SUMMARY, KEYS)                                                                               \
    {                                                                                                                  \
        .name = NAME, .summary = SUMMARY, .tiles = 2, .keys = KEYS, .defaults = xbar_tf_defaults,                      \
        .check = xbar_tf_check, .create = xbar_tf_create, .free = xbar_tf_free, .memory = xbar_tf_memory,              \
        .update = xbar_tf_update, .step_dense = xbar_tf_step_dense, .get_weights = xbar_tf_get_weights,                \
        .set_weights = xbar_tf_set_weights, .mvm = xbar_tf_mvm, .fast_tile = xbar_tf_fast_tile,                        \
        .slow_tile = xbar_tf_slow_tile, .pulse_count = xbar_tf_pulse_count, .pulse_counts = xbar_tf_pulse_counts,      \
        .array = xbar_tf_array, .counters = xbar_tf_counters, .save = xbar_tf_save, .load = xbar_tf_load               \
    }

#endif
