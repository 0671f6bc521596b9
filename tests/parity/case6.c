/* case6.c - aihwkit parity case 6: TTv2 (BufferedTransferCompound) on a 4 x 6 tile, A and C
 * SoftBounds devices of different granularity, 60 single-sample updates from C = C0, A = 0.
 * Deterministic entries (DeterministicImplicit; forget_buffer, and subtract with momentum 0):
 * every recorded A, C, H, W after every update within 1e-6, the column pointer and update
 * counter equal to aihwkit's. Stochastic entry: final A, C, H, W mean and std within 4
 * combined standard errors over the fixture's 3000 runs. The runner is case7.c's
 * tf_parity_case (tf_parity.h). */
#include "parity.h"
#include "tf_parity.h"

int parity_case6(const char *dir) { return tf_parity_case(dir, "case6_buffered_transfer.json", XBAR_OPT_TTV2); }
