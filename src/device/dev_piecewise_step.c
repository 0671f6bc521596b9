/* dev_piecewise_step.c - aihwkit PiecewiseStepDevice: the step is s times the linear
 * interpolation of node tables (piecewise_n nodes equally spaced over [b_min, b_max]),
 * and the reader of those tables from a CSV file (device.piecewise_file). */
#include <ctype.h>
#include <errno.h>
#include <math.h>
#include <stdlib.h>
#include <string.h>

#include "device_ops.h"
#include "file_read.h"

static void own_defaults(xbar_device_params *p)
{
    p->piecewise_n = 2;
    for (int k = 0; k < XBAR_PIECEWISE_MAX; k++) p->piecewise_up[k] = p->piecewise_down[k] = 1.0f;
}

static const char *check(const xbar_device_params *p)
{
    if (p->piecewise_n < 2 || p->piecewise_n > XBAR_PIECEWISE_MAX)
        return xbar_msg("device.piecewise_n = %d: must be in [2, %d]", p->piecewise_n, XBAR_PIECEWISE_MAX);
    for (int k = 0; k < p->piecewise_n; k++) {
        if (!isfinite(p->piecewise_up[k]) || p->piecewise_up[k] < 0)
            return xbar_msg("device.piecewise_up[%d] = %g: must be finite and >= 0", k, p->piecewise_up[k]);
        if (!isfinite(p->piecewise_down[k]) || p->piecewise_down[k] < 0)
            return xbar_msg("device.piecewise_down[%d] = %g: must be finite and >= 0", k, p->piecewise_down[k]);
    }
    return NULL;
}

/* the up step at the middle node */
static float granularity(const xbar_device_params *p) { return p->dw_min * p->piecewise_up[p->piecewise_n / 2]; }

static float step(const xbar_devices *d, size_t i, float g, int up, float nz)
{
    const xbar_device_params *p = &d->p;
    const float s = up ? d->s_up[i] : d->s_dn[i], lo = d->b_min[i], R = d->b_max[i] - lo;
    const int n = p->piecewise_n - 1;
    const float *t = up ? p->piecewise_up : p->piecewise_down;
    const float x = fmaxf(((g - lo) / R) * (float)n, 0.0f);
    const int k = (int)fminf(floorf(x), (float)(n - 1));
    const float f = fminf(x - (float)k, 1.0f);
    return (s * ((1.0f - f) * t[k] + f * t[k + 1])) * (1.0f + nz);
}

static const xbar_key key_file = {
    "device", "piecewise_file", XBAR_KEY_STRING, offsetof(xbar_device_params, piecewise_file),
    .doc = "piecewise_step only: CSV file of the node tables, one node \"up,down\" a line (relative steps >= 0, "
           "2 to 32 nodes over [w_min, w_max], optional header); empty: the tables of the library API"};
static const xbar_key *const keys[] = {&key_file, NULL};

const xbar_device_ops xbar_device_ops_piecewise_step = {
    .own_defaults = own_defaults,
    .name = "piecewise_step",
    .summary = "aihwkit PiecewiseStepDevice: steps interpolated linearly between node tables "
               "(device.piecewise_file)",
    .flags = XBAR_DEVF_MULT_ONLY,
    .check = check,
    .granularity = granularity,
    .step = step,
    .keys = keys,
    .shape = "its shape is set by its node tables, device.piecewise_file",
};

/* ---- the node tables from a CSV file ---------------------------------------------- */

#define NODES_MAX_BYTES (64u << 10) /* a table of 32 lines is far smaller */

/* s[0..len) without surrounding blanks (CR included) */
static void trim(const char **s, size_t *len)
{
    while (*len && isspace((unsigned char)**s)) ++*s, --*len;
    while (*len && isspace((unsigned char)(*s)[*len - 1])) --*len;
}

/* The number of s[0..len) into *v: 0, or -1 if it is not a whole finite float >= 0. */
static int parse_value(const char *s, size_t len, float *v)
{
    char buf[64];
    if (len == 0 || len >= sizeof buf) return -1;
    memcpy(buf, s, len);
    buf[len] = 0;
    char *end;
    errno = 0;
    const double x = strtod(buf, &end);
    if (end != buf + len || !isfinite(x) || !(x >= 0) || x > 3.4028234663852886e38) return -1;
    *v = (float)x;
    return 0;
}

xbar_status xbar_device_load_nodes(xbar_device_params *p)
{
    XBAR_NONNULL(p);
    const char *path = p->piecewise_file;
    if (!memchr(path, 0, sizeof p->piecewise_file))
        return xbar_fail(XBAR_EINVAL, "device.piecewise_file: not terminated within %d bytes", XBAR_KEY_STR_MAX);
    if (!path[0]) return XBAR_OK;
    char why[XBAR_FILE_WHY_MAX], *text;
    size_t len, line;
    xbar_status st = xbar_file_read_all(path, NODES_MAX_BYTES, "a node table", &text, &len, why, sizeof why);
    if (st == XBAR_EIO) return xbar_fail(st, "device.piecewise_file = %s: cannot read: %s", path, why);
    if (st != XBAR_OK) return xbar_fail(st, "device.piecewise_file = %s: %s", path, why);
    if (xbar_text_check(text, len, &line, why, sizeof why)) {
        free(text);
        return xbar_fail(XBAR_EFORMAT, "device.piecewise_file = %s, line %zu: %s", path, line, why);
    }
    float up[XBAR_PIECEWISE_MAX], dn[XBAR_PIECEWISE_MAX];
    int n = 0, first = 1;
    const char *s = text, *end = text + len;
    st = XBAR_OK;
    for (line = 1; s < end && st == XBAR_OK; line++) {
        const char *nl = memchr(s, '\n', (size_t)(end - s)), *eol = nl ? nl : end, *l = s;
        size_t ll = (size_t)(eol - s);
        s = nl ? nl + 1 : end;
        trim(&l, &ll);
        if (!ll) continue; /* blank line */
        const char *comma = memchr(l, ',', ll);
        const char *a = l, *b = comma ? comma + 1 : l + ll;
        size_t al = comma ? (size_t)(comma - l) : ll, bl = comma ? (size_t)(l + ll - b) : 0;
        trim(&a, &al);
        trim(&b, &bl);
        float u, d;
        if (first) { /* a header: a first line whose first field is not a number */
            char *e, head[64];
            const size_t hl = al < sizeof head - 1 ? al : sizeof head - 1;
            memcpy(head, a, hl);
            head[hl] = 0;
            first = 0;
            if (al && (strtod(head, &e), e == head)) continue;
        }
        if (!comma || memchr(b, ',', bl))
            st = xbar_fail(XBAR_EFORMAT, "device.piecewise_file = %s, line %zu: \"%.*s\": expected two values up,down",
                           path, line, (int)(ll < 60 ? ll : 60), l);
        else if (n == XBAR_PIECEWISE_MAX)
            st = xbar_fail(XBAR_EFORMAT, "device.piecewise_file = %s, line %zu: more than %d nodes", path, line,
                           XBAR_PIECEWISE_MAX);
        else if (parse_value(a, al, &u))
            st = xbar_fail(XBAR_EFORMAT,
                           "device.piecewise_file = %s, line %zu: up = \"%.*s\": must be a finite number "
                           ">= 0",
                           path, line, (int)(al < 40 ? al : 40), a);
        else if (parse_value(b, bl, &d))
            st = xbar_fail(XBAR_EFORMAT,
                           "device.piecewise_file = %s, line %zu: down = \"%.*s\": must be a finite "
                           "number >= 0",
                           path, line, (int)(bl < 40 ? bl : 40), b);
        else
            up[n] = u, dn[n] = d, n++;
    }
    free(text);
    if (st != XBAR_OK) return st;
    if (n < 2)
        return xbar_fail(XBAR_EFORMAT, "device.piecewise_file = %s: %d node%s: needs 2 to %d, one \"up,down\" a line",
                         path, n, n == 1 ? "" : "s", XBAR_PIECEWISE_MAX);
    p->piecewise_n = n;
    memcpy(p->piecewise_up, up, (size_t)n * sizeof up[0]);
    memcpy(p->piecewise_down, dn, (size_t)n * sizeof dn[0]);
    return XBAR_OK;
}
