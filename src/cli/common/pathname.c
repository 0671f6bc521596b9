/* pathname.c - path names as the program shows and derives them (see pathname.h). */
#include "pathname.h"

#include <errno.h>
#include <sys/stat.h>

#include <stdint.h>
#include <stdio.h>
#include <string.h>

#define NAME_LIMIT 255 /* NAME_MAX on Linux file systems */
#define SUFFIX_MAX 24 /* the longest suffix xbar gives a sibling: ".run.new-" and a pid */
#define SHOW_KEEP 64

const char *path_show(const char *path)
{
    static _Thread_local char ring[4][4 * PATH_SHOW_MAX + 64];
    static _Thread_local int next;
    char *out = ring[next];
    next = (next + 1) % 4;
    if (!path) return strcpy(out, "(null)");
    const size_t len = strlen(path), cap = sizeof ring[0];
    size_t o = 0;
    for (size_t i = 0; i < len && o + 8 < cap; i++) {
        if (len > PATH_SHOW_MAX && i == SHOW_KEEP) {
            o += (size_t)snprintf(out + o, cap - o, "...(%zu bytes)...", len);
            i = len - SHOW_KEEP;
        }
        unsigned char ch = (unsigned char)path[i];
        if (ch == '\n') o += (size_t)snprintf(out + o, cap - o, "\\n");
        else if (ch == '\t') o += (size_t)snprintf(out + o, cap - o, "\\t");
        else if (ch < 0x20 || ch == 0x7f) o += (size_t)snprintf(out + o, cap - o, "\\x%02x", ch);
        else out[o++] = (char)ch;
    }
    out[o] = 0;
    return out;
}

const char *path_base(const char *path)
{
    const char *slash = strrchr(path, '/');
    return slash ? slash + 1 : path;
}

void path_parent(const char *path, char *buf, size_t cap)
{
    const char *slash = strrchr(path, '/');
    if (!slash) snprintf(buf, cap, ".");
    else if (slash == path) snprintf(buf, cap, "/");
    else snprintf(buf, cap, "%.*s", (int)(slash - path), path);
}

/* ".xbar-" and the FNV-1a 64 hash of base, in hex. */
static void hashed_stem(const char *base, char stem[24])
{
    uint64_t h = 0xcbf29ce484222325ull;
    for (const unsigned char *p = (const unsigned char *)base; *p; p++) h = (h ^ *p) * 0x100000001b3ull;
    snprintf(stem, 24, ".xbar-%016llx", (unsigned long long)h);
}

int path_sibling(const char *dir, const char *suffix, char *buf, size_t cap)
{
    const char *base = path_base(dir);
    int w;
    if (strlen(base) + SUFFIX_MAX <= NAME_LIMIT) { /* every sibling of dir has the same stem */
        w = snprintf(buf, cap, "%s%s", dir, suffix);
    } else {
        char stem[24];
        hashed_stem(base, stem);
        w = snprintf(buf, cap, "%.*s%s%s", (int)(base - dir), dir, stem, suffix);
    }
    return w < 0 || (size_t)w >= cap ? -1 : 0;
}

const char *path_sibling_rest(const char *dir, const char *name, const char *prefix)
{
    const char *base = path_base(dir);
    char stem[24];
    hashed_stem(base, stem);
    const char *stems[2] = {base, stem};
    const size_t pl = strlen(prefix);
    for (int k = 0; k < 2; k++) {
        const size_t sl = strlen(stems[k]);
        if (!strncmp(name, stems[k], sl) && !strncmp(name + sl, prefix, pl)) return name + sl + pl;
    }
    return NULL;
}

int path_mkdirs(const char *path)
{
    char buf[4096];
    if (snprintf(buf, sizeof buf, "%s", path) >= (int)sizeof buf) return errno = ENAMETOOLONG, -1;
    for (char *p = buf + 1; *p; p++) {
        if (*p != '/') continue;
        *p = 0;
        if (mkdir(buf, 0777) && errno != EEXIST) return -1;
        *p = '/';
    }
    if (mkdir(buf, 0777) && errno != EEXIST) return -1;
    struct stat st;
    return stat(buf, &st) || !S_ISDIR(st.st_mode) ? (errno = ENOTDIR, -1) : 0;
}
