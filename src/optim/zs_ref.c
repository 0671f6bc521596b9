/* zs_ref.c - see zs_ref.h. */
#include <stdlib.h>

#include "ckpt.h"
#include "zs_ref.h"

xbar_status xbar_zs_init(xbar_zs_ref *z, const xbar_opt_params *o, size_t mn)
{
    *z = (xbar_zs_ref){.mn = mn};
    if (o->zs_pulses > 0 && !(z->Z = calloc(mn, sizeof(float))))
        return xbar_fail(XBAR_ENOMEM, "optimizer: out of memory");
    return XBAR_OK;
}

void xbar_zs_free(xbar_zs_ref *z)
{
    free(z->Z);
    z->Z = NULL;
}

xbar_status xbar_zs_ensure(xbar_zs_ref *z, xbar_tile *A, const xbar_opt_params *o, size_t cols)
{
    if (z->calibrated) return XBAR_OK;
    z->calibrated = 1;
    if (o->zs_pulses == 0 || !z->Z) return XBAR_OK;
    uint64_t p = 0;
    const xbar_status st = xbar_tile_zero_shift(A, (uint64_t)o->zs_pulses, o->zs_cyclic, &p);
    if (st) return st;
    z->pulses += p;
    xbar_tile_get_weights(A, z->Z, cols);
    return XBAR_OK;
}

void xbar_zs_sub_col(const xbar_zs_ref *z, float *y, size_t m, size_t n, size_t j)
{
    if (z->Z)
        for (size_t i = 0; i < m; i++) y[i] -= z->Z[i * n + j];
}

xbar_status xbar_zs_save(const xbar_zs_ref *z, FILE *f)
{
    if (!z->Z) return XBAR_OK;
    XBAR_CK_TRY(xbar_ck_put_tag(f, "XBZS"));
    XBAR_CK_TRY(xbar_ck_put_u64(f, (uint64_t)z->calibrated));
    XBAR_CK_TRY(xbar_ck_put_u64(f, z->pulses));
    return xbar_ck_put_f32s(f, z->Z, z->mn);
}

xbar_status xbar_zs_load(xbar_zs_ref *z, FILE *f)
{
    if (!z->Z) return XBAR_OK;
    uint64_t cal, pulses;
    XBAR_CK_TRY(xbar_ck_get_tag(f, "XBZS", "zero-shifting state"));
    XBAR_CK_TRY(xbar_ck_get_u64(f, &cal));
    XBAR_CK_TRY(xbar_ck_get_u64(f, &pulses));
    if (cal > 1)
        return xbar_fail(XBAR_EFORMAT, "checkpoint: zero-shifting state: calibrated flag %llu, not 0 or 1",
                         (unsigned long long)cal);
    XBAR_CK_TRY(xbar_ck_get_f32s(f, z->Z, z->mn));
    if (xbar_first_nonfinite(z->Z, z->mn) < z->mn)
        return xbar_fail(XBAR_EFORMAT, "checkpoint: zero-shifting state: a reference value is not finite");
    z->calibrated = (int)cal;
    z->pulses = pulses;
    return XBAR_OK;
}
