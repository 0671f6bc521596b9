/* case9.c - aihwkit parity case 9: mixed precision (MixedPrecisionCompound of a SoftBounds
 * device under DigitalRankUpdateRPUConfig) on a 4 x 6 tile, 40 single-sample updates from
 * W = W0, chi = 0, transfer_every 2, 3 rows per transfer.
 *   Deterministic entry (DeterministicImplicit): W and chi after every call within 1e-6 (chi
 *   also bit for bit: the fixture stores float32 values, README case 9); the
 *   row pointer and the update index after every call equal aihwkit's extra_state
 *   (current_row_index_and_update_index); the transfers (call, rows) equal the fixture's list.
 *   The row pointer and the index are read from the optimizer's checkpoint ("XBAW" header:
 *   n_updates at byte 28; the payload's first u64, the row pointer, at byte 44; layout in
 *   src/optim/opt_mixed_precision.c). A transfer is a call after which the row pointer moved:
 *   its rows run from the old pointer to the new one (the fixture transfers 3 of 4 rows, so
 *   every transfer moves it).
 *   Stochastic entry (StochasticCompressed): per weight, mean and std of the final W within 4
 *   combined standard errors (each sample's own SE: aihwkit's 3000 runs, xbar's CASE9_RUNS =
 *   10000, about 1 s; 10 objects of 1000 runs each, set_weights(W0) before every run); the
 *   final chi of every run within 1e-6 of final_chi (chi does not depend on W). */
#include <math.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity.h"
#include "mp_parity.h"
#include "util.h"

#ifndef CASE9_SEED
#define CASE9_SEED 20250309u
#endif
#define CASE9_RUNS 10000 /* runs of the stochastic entry (aihwkit's: 3000) */
#define CASE9_REPS 1000  /* runs per object */

typedef struct {
    size_t m, n, T; /* rows (out), cols (in), updates */
    float lr;
    float *W0, *X, *D; /* m x n, T x n, T x m */
} case9_in;

/* xbar configuration of one entry; 0 (with a reason) if it asks for something not modelled. */
static int config_of(const cJSON *e, size_t m, size_t n, xbar_opt_params *o, xbar_tile_config *tc, const char **why)
{
    const cJSON *rpu = cJSON_GetObjectItemCaseSensitive(e, "rpu_config");
    const cJSON *dev = cJSON_GetObjectItemCaseSensitive(rpu, "device");
    *why = NULL;
    *o = xbar_opt_defaults(XBAR_OPT_MIXED_PRECISION);
    *tc = xbar_tile_config_defaults(m, n);
    static const char *const zero[] = {
        "dw_min_std",      "dw_min_dtod", "up_down_dtod", "w_max_dtod",           "w_min_dtod",
        "write_noise_std", "lifetime",    "diffusion",    "corrupt_devices_prob", "reset"};
    for (size_t k = 0; k < sizeof zero / sizeof zero[0]; k++)
        if (parity_num(dev, zero[k], 0) != 0) *why = "device variation / noise not modelled here";
    if (parity_num(rpu, "n_x_bins", 0) != 0 || parity_num(rpu, "n_d_bins", 0) != 0)
        *why = "n_x_bins / n_d_bins quantisation not modelled";
    if (parity_num(rpu, "random_row", 0) != 0) *why = "random_row not modelled";
    const double every = parity_num(rpu, "transfer_every", 1), rows = parity_num(rpu, "n_rows_per_transfer", -1);
    if (every != floor(every) || every < 1) *why = "transfer_every must be a positive integer";
    if (rows != floor(rows) || rows == 0 || rows < -1) *why = "n_rows_per_transfer must be -1 or >= 1";
    if (*why) return 0;
    if (!parity_update(cJSON_GetObjectItemCaseSensitive(e, "update"), &tc->update, why)) return 0;
    if (!parity_device(dev, "SoftBoundsDevice", &tc->device)) {
        *why = "device: not a SoftBoundsDevice configuration";
        return 0;
    }
    o->transfer_every = (int)every;
    o->mp_rows = (int)rows;
    o->mp_granularity = (float)parity_num(rpu, "granularity", 0);
    o->transfer_lr = (float)parity_num(rpu, "transfer_lr", 1);
    return 1;
}


/* Every per-device value aihwkit built (hidden_device_parameters) equals xbar's. */
static void check_devices(const char *name, const xbar_aw *aw, const cJSON *hp)
{
    const xbar_devices *d = xbar_tile_devices(xbar_aw_slow_tile((xbar_aw *)aw));
    const struct {
        const char *key;
        const float *v;
    } map[] = {{"max_bound", d->b_max}, {"min_bound", d->b_min}, {"dwmin_up", d->s_up},
               {"dwmin_down", d->s_dn}, {"slope_up", d->a_up},   {"slope_down", d->a_dn}};
    for (size_t k = 0; k < sizeof map / sizeof map[0]; k++) {
        const double want = parity_num(hp, map[k].key, NAN);
        int bad = 0;
        for (size_t i = 0; i < d->n; i++) bad += (float)want != map[k].v[i];
        CHECK(!bad, "case9 %s: device %s: %d of %zu values differ from aihwkit's %.9g", name, map[k].key, bad, d->n,
              want);
    }
}

static void run_deterministic(const char *name, const cJSON *e, const xbar_opt_params *o, xbar_tile_config tc,
                              const case9_in *in, double tol)
{
    const size_t m = in->m, n = in->n, nw = m * n, T = in->T;
    const cJSON *jW = cJSON_GetObjectItemCaseSensitive(e, "W"), *jchi = cJSON_GetObjectItemCaseSensitive(e, "chi");
    const cJSON *jx = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(e, "extra_state"),
                                                       "current_row_index_and_update_index");
    const cJSON *jtr = cJSON_GetObjectItemCaseSensitive(e, "transfers");
    tc.seed = CASE9_SEED;
    xbar_aw *aw = xbar_aw_new(o, &tc);
    float *W = malloc(nw * sizeof(float));
    if (!aw || !W || cJSON_GetArraySize(jW) != (int)T || cJSON_GetArraySize(jchi) != (int)T ||
        cJSON_GetArraySize(jx) != (int)T) {
        CHECK(0, "case9 %s: %s", name, aw ? "W / chi / extra_state have the wrong length" : xbar_last_error());
        xbar_aw_free(aw);
        free(W);
        return;
    }
    check_devices(name, aw, cJSON_GetObjectItemCaseSensitive(e, "hidden_device_parameters"));
    /* a few updates first, so that set_weights has chi, the index and the row pointer to reset */
    for (size_t t = 0; t < 5 && t < T; t++) xbar_aw_update(aw, in->X + t * n, in->D + t * m, 1, in->lr);
    xbar_aw_set_weights(aw, in->W0);
    double devW = 0, devC = 0;
    int first = 1, state_bad = 0, n_tr = 0, tr_bad = 0, chi_bits = 0;
    uint64_t k0, row0, k, row;
    CHECK(mp_state(aw, &k0, &row0) && k0 == 0 && row0 == 0,
          "case9 %s: after set_weights the update index is %llu and the row pointer %llu (want 0, 0)", name,
          (unsigned long long)k0, (unsigned long long)row0);
    for (size_t t = 0; t < T; t++) {
        CHECK(xbar_aw_update(aw, in->X + t * n, in->D + t * m, 1, in->lr) == XBAR_OK, "case9 %s: %s", name,
              xbar_last_error());
        xbar_aw_get_weights(aw, W);
        const float *chi = xbar_aw_array(aw, 1, NULL, NULL);
        for (size_t q = 0; q < nw; q++) {
            const int idx[3] = {(int)t, (int)(q / n), (int)(q % n)};
            const double dw = fabs((double)W[q] - parity_at(jW, 3, idx)),
                         dc = fabs((double)chi[q] - parity_at(jchi, 3, idx));
            if (!(dw <= tol && dc <= tol) && first) {
                first = 0;
                fprintf(stderr,
                        "case9 %s: first deviation at call %zu, w[%d][%d]: W %.9g (aihwkit %.9g), chi %.9g "
                        "(aihwkit %.9g)\n",
                        name, t, idx[1], idx[2], (double)W[q], parity_at(jW, 3, idx), (double)chi[q],
                        parity_at(jchi, 3, idx));
            }
            devW = isnan(dw) ? INFINITY : fmax(devW, dw);
            devC = isnan(dc) ? INFINITY : fmax(devC, dc);
            chi_bits += chi[q] != (float)parity_at(jchi, 3, idx);
        }
        /* row pointer and update index after the call */
        const int i0[2] = {(int)t, 0}, i1[2] = {(int)t, 1};
        const int got = mp_state(aw, &k, &row);
        if (!got || (double)row != parity_at(jx, 2, i0) || (double)k != parity_at(jx, 2, i1)) {
            if (!state_bad++)
                fprintf(stderr, "case9 %s: call %zu: row pointer %llu, update index %llu (aihwkit %g, %g)\n", name, t,
                        (unsigned long long)row, (unsigned long long)k, parity_at(jx, 2, i0), parity_at(jx, 2, i1));
        }
        /* a transfer: the row pointer moved; its rows run from the old pointer to the new one */
        if (got && row != row0) {
            const cJSON *want = cJSON_GetArrayItem(jtr, n_tr++);
            const cJSON *rows = cJSON_GetObjectItemCaseSensitive(want, "rows");
            int ok = parity_num(want, "call", -1) == (double)t;
            size_t c = 0;
            for (uint64_t r = row0; ok; r = (r + 1) % m, c++) {
                ok = c < (size_t)cJSON_GetArraySize(rows) && cJSON_GetArrayItem(rows, (int)c)->valuedouble == (double)r;
                if ((r + 1) % m == row) break;
            }
            ok = ok && c + 1 == (size_t)cJSON_GetArraySize(rows);
            if (!ok && !tr_bad++)
                fprintf(stderr, "case9 %s: call %zu: rows %llu..%llu transferred; aihwkit's transfer %d is call %g\n",
                        name, t, (unsigned long long)row0, (unsigned long long)((row + m - 1) % m), n_tr - 1,
                        parity_num(want, "call", -1));
        }
        row0 = row;
    }
    CHECK(devW <= tol && devC <= tol, "case9 %s: max |W - aihwkit| %.3g, |chi - aihwkit| %.3g > %.3g", name, devW, devC,
          tol);
    /* README: the stored chi (9 digits: the float32 value) is matched bit for bit by the fused form */
    CHECK(!chi_bits, "case9 %s: %d chi values are not aihwkit's float32 bits", name, chi_bits);
    CHECK(!state_bad, "case9 %s: row pointer / update index differ from aihwkit's after %d calls", name, state_bad);
    CHECK(!tr_bad && n_tr == cJSON_GetArraySize(jtr), "case9 %s: %d transfers (aihwkit %d), %d differ", name, n_tr,
          cJSON_GetArraySize(jtr), tr_bad);
    printf("case9 %-22s max |W - aihwkit| %.3g, max |chi - aihwkit| %.3g (%s) over %zu calls; %d transfers "
           "and the row pointer / update index equal\n",
           name, devW, devC, chi_bits ? "not bit-identical" : "bit-identical", T, n_tr);
    xbar_aw_free(aw);
    free(W);
}

static void run_stochastic(const char *name, const cJSON *e, const xbar_opt_params *o, xbar_tile_config tc,
                           const case9_in *in, double k_se, double floor, double tol)
{
    const size_t m = in->m, n = in->n, nw = m * n, T = in->T;
    const int N = CASE9_RUNS, n_ref = (int)parity_num(e, "n_runs", 3000);
    xbar_aw *aw = NULL;
    const cJSON *jW = cJSON_GetObjectItemCaseSensitive(cJSON_GetObjectItemCaseSensitive(e, "final"), "W");
    const cJSON *jchi = cJSON_GetObjectItemCaseSensitive(e, "final_chi");
    double *smp = N >= 4 ? malloc(nw * (size_t)N * sizeof(double)) : NULL; /* smp[q*N + run] */
    if (!smp) {
        CHECK(0, "case9 %s: no runs or out of memory", name);
        return;
    }
    double devC = 0;
    for (int r = 0; r < N; r++) {
        if (r % CASE9_REPS == 0) { /* a new object every CASE9_REPS runs (set_weights restarts the algorithm) */
            xbar_aw_free(aw);
            tc.seed = CASE9_SEED + 1 + (uint64_t)(r / CASE9_REPS);
            aw = xbar_aw_new(o, &tc);
        }
        int ok = aw && xbar_aw_set_weights(aw, in->W0) == XBAR_OK;
        for (size_t t = 0; ok && t < T; t++)
            ok = xbar_aw_update(aw, in->X + t * n, in->D + t * m, 1, in->lr) == XBAR_OK;
        if (!ok) {
            CHECK(0, "case9 %s: run %d: %s", name, r, xbar_last_error());
            xbar_aw_free(aw);
            free(smp);
            return;
        }
        const float *W = xbar_aw_array(aw, 0, NULL, NULL), *chi = xbar_aw_array(aw, 1, NULL, NULL);
        for (size_t q = 0; q < nw; q++) {
            const int idx[2] = {(int)(q / n), (int)(q % n)};
            const double dc = fabs((double)chi[q] - parity_at(jchi, 2, idx));
            devC = isnan(dc) ? INFINITY : fmax(devC, dc);
            smp[q * (size_t)N + (size_t)r] = W[q];
        }
    }
    xbar_aw_free(aw);
    CHECK(parity_num(jW, "n", 0) == (double)n_ref, "case9 %s: final.W n = %g, n_runs = %d", name,
          parity_num(jW, "n", 0), n_ref);
    double zmax = 0;
    int bad = 0;
    for (size_t q = 0; q < nw; q++) {
        const int idx[2] = {(int)(q / n), (int)(q % n)};
        const parity_stat mine = parity_stat_of(smp + q * (size_t)N, (size_t)N);
        const parity_stat ref = parity_stat_json_at(jW, 2, idx);
        double z = 0;
        if (!parity_stat_ok(&mine, &ref, k_se, floor, &z)) {
            if (!bad++)
                fprintf(stderr, "case9 %s: W[%d][%d]: mean %.8g (aihwkit %.8g), std %.8g (aihwkit %.8g), z %.2f\n",
                        name, idx[0], idx[1], mine.mean, ref.mean, mine.std, ref.std, z);
        }
        zmax = isnan(z) ? INFINITY : fmax(zmax, z);
    }
    CHECK(bad == 0, "case9 %s: %d statistics of the final W beyond %g combined SE (max z %.2f)", name, bad, k_se, zmax);
    CHECK(devC <= tol, "case9 %s: max |final chi - aihwkit| %.3g > %.3g", name, devC, tol);
    printf("case9 %-22s final W: max |z| %.2f (k = %g, n = %d); max |chi - aihwkit| %.3g\n", name, zmax, k_se, N, devC);
    free(smp);
}

int parity_case9(const char *dir)
{
    cJSON *root;
    int rc = parity_load(dir, "case9_mixed_precision.json", &root);
    if (rc != PARITY_PASS) return rc;
    const int fails0 = xt_failures;
    double k_se, floor, tol_det;
    parity_tolerances(root, &k_se, &floor, &tol_det);
    const cJSON *tile = cJSON_GetObjectItemCaseSensitive(root, "tile");
    case9_in in = {.m = (size_t)parity_num(tile, "out_size", 0),
                   .n = (size_t)parity_num(tile, "in_size", 0),
                   .T = (size_t)parity_num(root, "n_updates", 0),
                   .lr = (float)parity_num(root, "lr", NAN)};
    size_t r0, c0, rx, cx, rd, cd;
    in.W0 = parity_matrix(cJSON_GetObjectItemCaseSensitive(root, "W0"), &r0, &c0);
    in.X = parity_matrix(cJSON_GetObjectItemCaseSensitive(root, "x"), &rx, &cx);
    in.D = parity_matrix(cJSON_GetObjectItemCaseSensitive(root, "d"), &rd, &cd);
    if (!in.W0 || !in.X || !in.D || r0 != in.m || c0 != in.n || rx != in.T || cx != in.n || rd != in.T || cd != in.m ||
        in.T == 0 || !(in.lr > 0)) {
        CHECK(0, "case9: malformed tile / W0 / x / d / lr");
    } else {
        const cJSON *entries = cJSON_GetObjectItemCaseSensitive(root, "entries");
        for (const cJSON *e = entries ? entries->child : NULL; e; e = e->next) {
            const char *name = cJSON_GetStringValue(cJSON_GetObjectItemCaseSensitive(e, "name"));
            xbar_opt_params o;
            xbar_tile_config tc;
            const char *why = NULL;
            if (!name || !config_of(e, in.m, in.n, &o, &tc, &why)) {
                CHECK(0, "case9: entry %s: %s", name ? name : "?", why ? why : "no name");
                continue;
            }
            if (parity_num(e, "deterministic", 0))
                run_deterministic(name, e, &o, tc, &in, tol_det);
            else
                run_stochastic(name, e, &o, tc, &in, k_se, floor, tol_det);
        }
    }
    free(in.W0);
    free(in.X);
    free(in.D);
    cJSON_Delete(root);
    return xt_failures > fails0 ? PARITY_FAIL : PARITY_PASS;
}
