/* device_table.c - the table of device models, generated from the one list
 * XBAR_DEVICE_MODELS of xbar.h: the ops records (src/device/dev_*.c) indexed by
 * model, and the names. */
#include <stddef.h>

#include "device_ops.h"

#define XBAR_DECLARE_(upper, lower) extern const xbar_device_ops xbar_device_ops_##lower;
XBAR_DEVICE_MODELS(XBAR_DECLARE_)
#undef XBAR_DECLARE_

#define XBAR_ENTRY_(upper, lower) [XBAR_DEV_##upper] = &xbar_device_ops_##lower,
const xbar_device_ops *const xbar_device_table[XBAR_DEV_COUNT_] = {XBAR_DEVICE_MODELS(XBAR_ENTRY_)};
#undef XBAR_ENTRY_

#define XBAR_NAME_(upper, lower) #lower,
static const char *const model_names[XBAR_DEV_COUNT_ + 1] = {XBAR_DEVICE_MODELS(XBAR_NAME_) NULL};
#undef XBAR_NAME_

const char *const *xbar_device_model_names(void) { return model_names; }

const char *xbar_device_model_name(xbar_device_model m)
{
    return (unsigned)m < XBAR_DEV_COUNT_ ? model_names[m] : "unknown";
}

int xbar_device_model_from_name(const char *name) { return xbar_name_index(model_names, XBAR_DEV_COUNT_, name); }

const char *xbar_device_model_summary(xbar_device_model m)
{
    return (unsigned)m < XBAR_DEV_COUNT_ ? xbar_device_table[m]->summary : NULL;
}
