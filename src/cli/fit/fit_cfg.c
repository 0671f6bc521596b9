/* fit_cfg.c - the [fit] keys of `xbar fit` (see fit_cfg.h). */
#include <math.h>
#include <stddef.h>
#include <stdio.h>
#include <string.h>

#include "fit_cfg.h"
#include "fit_models.h"

#define C(f) offsetof(fit_cfg, f)

static const char *const criteria[] = {"aic", "bic", NULL};

static const cfg_key keys[] = {
    {"fit", "models", CFG_STRING, C(models), .flags = CFG_NONEMPTY,
     .doc = "models to fit, comma list of: soft_bounds, ald, pow_step, exp_paper, exp_step, pow_zs, exp_zs, "
            "piecewise_step"},
    {"fit", "criterion", CFG_ENUM, C(criterion), .choices = criteria,
     .doc = "information criterion that picks the best model: aic = m ln(RSS/m) + 2k, bic = m ln(RSS/m) + k ln m"},
    {"fit", "nodes", CFG_INT, C(nodes), .min = 2, .max = XBAR_PIECEWISE_MAX, .flags = CFG_MIN | CFG_MAX,
     .doc = "nodes of the piecewise_step fit, evenly spaced over the data's weight range"},
    {"fit", "offset", CFG_DOUBLE, C(offset), .doc = "weight = (column 3 - offset) * scale (units of column 3)"},
    {"fit", "scale", CFG_DOUBLE, C(scale), .flags = CFG_POS,
     .doc = "weight units per unit of column 3 (weight = (column 3 - offset) * scale)"},
    CFG_END};

const cfg_key *fit_keys(void) { return keys; }

fit_cfg fit_cfg_defaults(void)
{
    fit_cfg c;
    memset(&c, 0, sizeof c);
    snprintf(c.models, sizeof c.models, "soft_bounds,ald,pow_step,exp_paper,exp_step,pow_zs,exp_zs,piecewise_step");
    c.criterion = FIT_BIC;
    c.nodes = 8;
    c.offset = 0.0;
    c.scale = 1.0;
    return c;
}

int fit_cfg_check(const fit_cfg *c, int *use, char *err, size_t n)
{
    for (int k = 0; k < FIT_NMODELS; k++) use[k] = 0;
    if (!isfinite(c->offset) || !isfinite(c->scale)) {
        snprintf(err, n, "fit.offset = %g, fit.scale = %g: must be finite", c->offset, c->scale);
        return -1;
    }
    int count = 0;
    for (const char *at = c->models;;) {
        while (*at == ' ' || *at == '\t') at++;
        size_t len = strcspn(at, ",");
        while (len && (at[len - 1] == ' ' || at[len - 1] == '\t')) len--;
        int k = fit_model_from_name(at, len);
        if (k < 0) {
            char names[256] = "";
            for (int j = 0; j < FIT_NMODELS; j++)
                snprintf(names + strlen(names), sizeof names - strlen(names), "%s%s", j ? ", " : "",
                         fit_model_name(j));
            snprintf(err, n, "fit.models = %s: %s'%.*s' is not a model of xbar fit (one of: %s)", c->models,
                     len ? "" : "an empty entry ", (int)len, at, names);
            return -1;
        }
        if (use[k]) {
            snprintf(err, n, "fit.models = %s: %s is named twice", c->models, fit_model_name(k));
            return -1;
        }
        use[k] = 1, count++;
        at += strcspn(at, ",");
        if (!*at) break;
        at++;
    }
    return count ? 0 : (snprintf(err, n, "fit.models is empty"), -1);
}
