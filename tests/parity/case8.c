/* case8.c - aihwkit parity case 8: AGAD (DynamicTransferCompound) on a 4 x 6 tile, A and C
 * SoftBounds devices of different granularity, 72 single-sample updates from C = C0, A = 0,
 * regular choppers (N_s = 3 sweeps). Deterministic entry (DeterministicImplicit): every
 * recorded A, C, H, M, R, W after every update within 1e-6, and the choppers, switched
 * flags, sweep counter, column pointer and update counter equal to aihwkit's. Stochastic
 * entry: final A, C, H, M, R, W mean and std within 4 combined standard errors over the
 * fixture's 3000 runs, and the in-chopper states. The runner is case7.c's tf_parity_case
 * (tf_parity.h). */
#include "parity.h"
#include "tf_parity.h"

int parity_case8(const char *dir) { return tf_parity_case(dir, "case8_dynamic_transfer.json", XBAR_OPT_AGAD); }
