/* case10.c - aihwkit parity case 10: multi-tile residual learning. xbar's multi_tile_rl against
 * aihwkit 1.0.0's TransferCompound with 2, 3 and 4 devices (gamma_vec, transfer_every_vec), on
 * spec X6's problem: 256 scalar losses (w_i - b_i)^2 on a 256 x 1 tile read with x = 1, fixed
 * targets, 4-state soft bounds (w in [-1, 1], dw_min 0.5, no variation), no update management,
 * gamma 0.1, transfers every 2*2^n updates, fast_lr 0.01, transfer rate 0.01 unscaled.
 * The fixture is xbar's own (tests/parity/fixtures/case10_multi_tile.json, written by
 * scripts/aihwkit/mt_fixture.py, which documents it): per case, checkpoint and tile, the
 * summary over the seeds of the per-run mean of W_k and of W_k^2, and of the loss. xbar runs as
 * many seeds; every mean and std within the fixture's n_se combined standard errors. */
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "parity.h"
#include "util.h"

#ifndef CASE10_SEED
#define CASE10_SEED 20261207u
#endif

#define C10_ROWS 256
#define C10_MAX_AT 8
#define C10_MAX_SEEDS 256

/* The aihwkit configuration in xbar's terms: tiles T = mt_tiles, transfer into tile n every
 * 2*2^(T-2-n) updates (aihwkit's transfer_every_vec[d] = 2*2^d from device d = W(T-1-d)), the
 * unscaled rate 0.01 as transfer_lr 10 at the step's lr 0.001. */
static void config_of(const cJSON *root, int tiles, xbar_opt_params *o, xbar_tile_config *tc)
{
    const cJSON *s = cJSON_GetObjectItemCaseSensitive(root, "settings");
    *tc = xbar_tile_config_defaults(C10_ROWS, 1);
    tc->device = xbar_device_ideal(XBAR_DEV_SOFT_BOUNDS);
    tc->device.w_min = (float)parity_num(s, "w_min", -1), tc->device.w_max = (float)parity_num(s, "w_max", 1);
    tc->device.dw_min = (float)parity_num(s, "dw_min", 0.5);
    tc->update.scheme = XBAR_SCHEME_STOCHASTIC;
    tc->update.desired_bl = (int)parity_num(s, "desired_bl", 31);
    tc->update.update_management = (int)parity_num(s, "update_management", 0);
    tc->update.update_bl_management = (int)parity_num(s, "update_bl_management", 0);
    tc->forward = tc->backward = xbar_io_plain();
    *o = xbar_opt_defaults(XBAR_OPT_MULTI_TILE_RL);
    o->mt_tiles = tiles;
    o->mt_gamma = (float)parity_num(s, "gamma", 0.1);
    o->transfer_every = (int)parity_num(s, "transfer_every_base", 2);
    o->mt_growth = (int)parity_num(s, "transfer_every_growth", 2);
    o->transfer_columns = 0;
    o->fast_lr = (float)parity_num(s, "fast_lr", 0.01);
    o->transfer_lr = (float)(parity_num(s, "transfer_lr", 0.01) / parity_num(s, "sgd_lr", 0.001));
    o->transfer_update = tc->update;
    o->transfer_read_noise = 0.0f;
}

/* The observables of one run at each checkpoint: [at][0] loss, [at][1 + 2d] mean W_d, [at][2 + 2d]
 * mean W_d^2 (d in aihwkit's order: 0 = the gradient tile). */
#define C10_OBS (1 + 2 * XBAR_MT_MAX_TILES)

static int run_one(const xbar_opt_params *o, xbar_tile_config tc, uint64_t seed, const float *b, const int *at,
                   int nat, double obs[][C10_OBS])
{
    tc.seed = seed;
    xbar_aw *aw = xbar_aw_new(o, &tc);
    if (!aw) return 0;
    float w[C10_ROWS], d[C10_ROWS], x[1] = {1.0f};
    int ok = 1, next = 0;
    for (int k = 1; k <= at[nat - 1] && ok; k++) {
        ok = xbar_aw_get_weights(aw, w) == XBAR_OK;
        for (int i = 0; i < C10_ROWS; i++) d[i] = 2.0f * (w[i] - b[i]);
        ok = ok && xbar_aw_update(aw, x, d, 1, 0.001f) == XBAR_OK;
        if (k != at[next]) continue;
        ok = ok && xbar_aw_get_weights(aw, w) == XBAR_OK;
        double l = 0;
        for (int i = 0; i < C10_ROWS; i++) l += (double)(w[i] - b[i]) * (w[i] - b[i]) / C10_ROWS;
        obs[next][0] = l;
        for (int dv = 0; dv < o->mt_tiles; dv++) {
            size_t n = 0;
            const float *t = xbar_aw_array(aw, (size_t)(o->mt_tiles - 1 - dv), NULL, &n);
            double m = 0, q = 0;
            for (size_t i = 0; t && i < n; i++) m += t[i] / (double)n, q += (double)t[i] * t[i] / (double)n;
            obs[next][1 + 2 * dv] = m, obs[next][2 + 2 * dv] = q;
            ok = ok && t && n == C10_ROWS;
        }
        next++;
    }
    xbar_aw_free(aw);
    return ok;
}

static void check_stat(const char *what, int tiles, int update, int dv, const double *x, int n, const cJSON *ref,
                       double k_se, double floor, double *zmax)
{
    const parity_stat mine = parity_stat_of(x, (size_t)n), r = parity_stat_json(ref);
    double z = 0;
    const int ok = parity_stat_ok(&mine, &r, k_se, floor, &z);
    if (z > *zmax) *zmax = z;
    CHECK(ok, "case10 %d tiles, update %d, %s (aihwkit device %d): xbar %.5g ± %.2g (std %.3g), aihwkit %.5g ± %.2g "
              "(std %.3g), z = %.2f > %g",
          tiles, update, what, dv, mine.mean, mine.se_mean, mine.std, r.mean, r.se_mean, r.std, z, k_se);
}

int parity_case10(const char *dir)
{
    (void)dir; /* xbar's own fixture, not one of the shared ones */
    cJSON *root = NULL;
    int rc = parity_load(XBAR_OWN_FIXTURES, "case10_multi_tile.json", &root);
    if (rc != PARITY_PASS) return rc;
    const int fails0 = xt_failures;
    double k_se, floor, tol_det;
    parity_tolerances(root, &k_se, &floor, &tol_det);
    const int seeds = (int)parity_num(root, "seeds", 0);
    int at[C10_MAX_AT], nat = 0;
    const cJSON *cp;
    cJSON_ArrayForEach(cp, cJSON_GetObjectItemCaseSensitive(root, "checkpoints")) if (nat < C10_MAX_AT) at[nat++] =
        (int)cp->valuedouble;
    CHECK(seeds >= 4 && seeds <= C10_MAX_SEEDS && nat > 0 && (int)parity_num(root, "rows", 0) == C10_ROWS,
          "case10: fixture shape (seeds %d, %d checkpoints)", seeds, nat);
    if (xt_failures != fails0) return cJSON_Delete(root), PARITY_FAIL;
    float b[C10_ROWS];
    for (int i = 0; i < C10_ROWS; i++) /* the fixture's targets */
        b[i] = (float)(-1.0 + 2.0 * (double)((40503L * i + 12345L) % 65536L) / 65535.0);
    static double obs[C10_MAX_SEEDS][C10_MAX_AT][C10_OBS];
    double col[C10_MAX_SEEDS], zmax = 0;
    const cJSON *c;
    cJSON_ArrayForEach(c, cJSON_GetObjectItemCaseSensitive(root, "cases"))
    {
        const int tiles = (int)parity_num(c, "tiles", 0);
        xbar_opt_params o;
        xbar_tile_config tc;
        config_of(root, tiles, &o, &tc);
        int ok = tiles >= 2 && tiles <= XBAR_MT_MAX_TILES;
        for (int s = 0; s < seeds && ok; s++)
            ok = run_one(&o, tc, CASE10_SEED + 7919u * (uint64_t)s + (uint64_t)tiles, b, at, nat, obs[s]);
        CHECK(ok, "case10 %d tiles: run failed: %s", tiles, xbar_last_error());
        if (!ok) continue;
        int k = 0;
        const cJSON *e;
        cJSON_ArrayForEach(e, cJSON_GetObjectItemCaseSensitive(c, "at"))
        {
            if (k >= nat) break;
            const int update = (int)parity_num(e, "update", 0);
            CHECK(update == at[k], "case10 %d tiles: checkpoint %d is update %d, expected %d", tiles, k, update, at[k]);
            for (int s = 0; s < seeds; s++) col[s] = obs[s][k][0];
            check_stat("loss", tiles, update, -1, col, seeds, cJSON_GetObjectItemCaseSensitive(e, "loss"), k_se, floor,
                       &zmax);
            for (int dv = 0; dv < tiles; dv++) {
                for (int s = 0; s < seeds; s++) col[s] = obs[s][k][1 + 2 * dv];
                check_stat("mean W", tiles, update, dv, col, seeds,
                           cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(e, "w_mean"), dv), k_se, floor, &zmax);
                for (int s = 0; s < seeds; s++) col[s] = obs[s][k][2 + 2 * dv];
                check_stat("mean W^2", tiles, update, dv, col, seeds,
                           cJSON_GetArrayItem(cJSON_GetObjectItemCaseSensitive(e, "w_sq"), dv), k_se, floor, &zmax);
            }
            k++;
        }
        CHECK(k == nat, "case10 %d tiles: %d checkpoints in the fixture, expected %d", tiles, k, nat);
    }
    printf("case10 multi-tile (2-4 tiles, %d seeds, %d checkpoints): largest z %.2f (limit %g)\n", seeds, nat, zmax,
           k_se);
    cJSON_Delete(root);
    return xt_failures == fails0 ? PARITY_PASS : PARITY_FAIL;
}
