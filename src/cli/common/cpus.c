/* cpus.c - the CPUs this process may use: affinity mask capped by the cgroup CPU
 * quota (see cpus.h). Linux; elsewhere the online CPU count. */
#define _GNU_SOURCE
#include "cpus.h"

#include <errno.h>
#include <limits.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#ifdef __linux__
#include <sched.h>
#endif

/* ---------------------------------------------------------------- parsers */

/* A decimal int64 at *s (after blanks), advancing *s; -1 if none or out of range. */
static int read_i64(const char **s, long long *v)
{
    while (**s == ' ' || **s == '\t') (*s)++;
    if (!(**s == '-' || (**s >= '0' && **s <= '9'))) return -1;
    char *end;
    errno = 0;
    *v = strtoll(*s, &end, 10);
    if (errno == ERANGE || end == *s) return -1;
    *s = end;
    return 0;
}

/* Only blanks and line ends left. */
static int at_end(const char *s)
{
    while (*s == ' ' || *s == '\t' || *s == '\n' || *s == '\r') s++;
    return !*s;
}

static int ceil_div(long long q, long long p)
{
    long long c = q / p + (q % p != 0);
    return c > INT_MAX ? INT_MAX : (int)c;
}

int cli_cpu_max_parse(const char *text)
{
    if (!text) return -1;
    const char *s = text;
    while (*s == ' ' || *s == '\t') s++;
    long long q, p = 100000;
    if (!strncmp(s, "max", 3)) {
        s += 3;
        if (*s && *s != ' ' && *s != '\t' && *s != '\n') return -1;
        if (!at_end(s) && read_i64(&s, &p)) return -1;
        return at_end(s) && p > 0 ? 0 : -1;
    }
    if (read_i64(&s, &q) || q <= 0) return -1;
    if (!at_end(s) && read_i64(&s, &p)) return -1;
    if (!at_end(s) || p <= 0) return -1;
    return ceil_div(q, p);
}

int cli_cfs_quota_parse(const char *quota, const char *period)
{
    if (!quota || !period) return -1;
    long long q, p;
    if (read_i64(&quota, &q) || !at_end(quota) || read_i64(&period, &p) || !at_end(period) || p <= 0) return -1;
    if (q == -1) return 0;
    return q > 0 ? ceil_div(q, p) : -1;
}

/* ----------------------------------------------------------- cgroup files */

/* The start of a small file into buf (NUL-terminated); -1 if unreadable or empty. */
static int read_small(const char *path, char *buf, size_t n)
{
    FILE *f = fopen(path, "r");
    if (!f) return -1;
    size_t k = fread(buf, 1, n - 1, f);
    fclose(f);
    buf[k] = 0;
    return k ? 0 : -1;
}

/* The cap set in folder DIR (v2 or v1 files): > 0, or 0 for none. */
static int folder_cap(const char *dir, int v2)
{
    char path[4200], a[128], b[128];
    int cap = -1;
    if (v2) {
        if (snprintf(path, sizeof path, "%s/cpu.max", dir) < (int)sizeof path && !read_small(path, a, sizeof a))
            cap = cli_cpu_max_parse(a);
    } else if (snprintf(path, sizeof path, "%s/cpu.cfs_quota_us", dir) < (int)sizeof path && !read_small(path, a, sizeof a) &&
               snprintf(path, sizeof path, "%s/cpu.cfs_period_us", dir) < (int)sizeof path && !read_small(path, b, sizeof b)) {
        cap = cli_cfs_quota_parse(a, b);
    }
    return cap > 0 ? cap : 0;
}

/* The tightest cap of MOUNT/P for P = path and each folder above it (0: none). */
static int walk_cap(const char *mount, const char *cgpath, int v2)
{
    char p[4096], dir[4200];
    if (snprintf(p, sizeof p, "%s", cgpath) >= (int)sizeof p) return 0;
    int best = 0;
    for (;;) {
        size_t len = strlen(p);
        while (len > 1 && p[len - 1] == '/') p[--len] = 0;
        if (snprintf(dir, sizeof dir, "%s%s", mount, strcmp(p, "/") ? p : "") < (int)sizeof dir) {
            int c = folder_cap(dir, v2);
            if (c > 0 && (!best || c < best)) best = c;
        }
        char *slash = strrchr(p, '/');
        if (!slash || !strcmp(p, "/")) break;
        if (slash == p) p[1] = 0;
        else *slash = 0;
    }
    return best;
}

/* Has the comma list `list` (length n) the entry `name`? */
static int has_controller(const char *list, size_t n, const char *name)
{
    size_t k = strlen(name);
    for (const char *s = list, *end = list + n; s < end;) {
        const char *c = memchr(s, ',', (size_t)(end - s));
        size_t len = c ? (size_t)(c - s) : (size_t)(end - s);
        if (len == k && !strncmp(s, name, k)) return 1;
        s += len + 1;
    }
    return 0;
}

int cli_cgroup_cpu_cap(const char *root, const char *proc_cgroup)
{
    static const char *const v1_mounts[] = {"cpu,cpuacct", "cpuacct,cpu", "cpu"};
    int best = 0;
    char mount[4200], path[4096];
    for (const char *line = proc_cgroup; line && *line;) {
        const char *nl = strchr(line, '\n');
        size_t n = nl ? (size_t)(nl - line) : strlen(line);
        const char *c1 = memchr(line, ':', n);
        const char *c2 = c1 ? memchr(c1 + 1, ':', n - (size_t)(c1 + 1 - line)) : NULL;
        if (c2 && c2[1] == '/' && (size_t)(line + n - (c2 + 1)) < sizeof path) {
            snprintf(path, sizeof path, "%.*s", (int)(line + n - (c2 + 1)), c2 + 1);
            int c = 0;
            if (c1 - line == 1 && line[0] == '0' && c2 == c1 + 1) { /* "0::/path": v2 */
                snprintf(mount, sizeof mount, "%s", root);
                c = walk_cap(mount, path, 1);
            } else if (has_controller(c1 + 1, (size_t)(c2 - c1 - 1), "cpu")) {
                for (size_t m = 0; m < sizeof v1_mounts / sizeof *v1_mounts; m++) {
                    snprintf(mount, sizeof mount, "%s/%s", root, v1_mounts[m]);
                    int cm = walk_cap(mount, path, 0);
                    if (cm > 0 && (!c || cm < c)) c = cm;
                }
            }
            if (c > 0 && (!best || c < best)) best = c;
        }
        line = nl ? nl + 1 : NULL;
    }
    return best;
}

/* ------------------------------------------------------------------ count */

int cli_cpus_affinity(void)
{
#ifdef __linux__
    cpu_set_t set;
    if (!sched_getaffinity(0, sizeof set, &set)) return CPU_COUNT(&set) > 0 ? CPU_COUNT(&set) : 1;
    for (size_t ncpu = 2 * CPU_SETSIZE; errno == EINVAL && ncpu <= (size_t)1 << 20; ncpu *= 2) { /* masks over 1024 CPUs */
        cpu_set_t *s = CPU_ALLOC(ncpu);
        if (!s) break;
        size_t sz = CPU_ALLOC_SIZE(ncpu);
        if (!sched_getaffinity(0, sz, s)) {
            int c = CPU_COUNT_S(sz, s);
            CPU_FREE(s);
            return c > 0 ? c : 1;
        }
        CPU_FREE(s);
    }
#endif
    long n = sysconf(_SC_NPROCESSORS_ONLN);
    return n > 0 && n < INT_MAX ? (int)n : 1;
}

int cli_cpus_available(void)
{
    int n = cli_cpus_affinity();
    char text[8192];
    if (!read_small("/proc/self/cgroup", text, sizeof text)) {
        int cap = cli_cgroup_cpu_cap("/sys/fs/cgroup", text);
        if (cap > 0 && cap < n) n = cap;
    }
    return n;
}
