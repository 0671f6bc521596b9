/* cli_util.c - see cli_util.h. */
#define _POSIX_C_SOURCE 200809L
#include "cli_util.h"
#include "util.h"

#include <libgen.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <unistd.h>
#include <zlib.h>

#include "util.h"

static const char *prog;
static char scratch[256];

void xt_cli_init(const char *xbar, const char *tmp)
{
    prog = xbar;
    snprintf(scratch, sizeof scratch, "%s", tmp);
    mkdir(scratch, 0700);
}

const char *xt_cli_start(int argc, char **argv, const char *name, char *tmp, size_t cap)
{
    static char path[4096] = "./xbar";
    char self[4096];
    const ssize_t len = readlink("/proc/self/exe", self, sizeof self - 1);
    if (argc > 1) snprintf(path, sizeof path, "%s", argv[1]);
    else if (len > 0) {
        self[len] = 0;
        snprintf(path, sizeof path, "%s/../xbar", dirname(self));
    }
    snprintf(tmp, cap, "/tmp/xbar-test-%s-%d", name, (int)getpid());
    xt_cli_init(path, tmp);
    return path;
}

int xt_run(const char *args)
{
    char cmd[8192];
    snprintf(cmd, sizeof cmd, "%s %s >%s/out.txt 2>%s/err.txt", prog, args, scratch, scratch);
    int st = system(cmd);
    return WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

char *xt_slurp(const char *path, size_t *n)
{
    FILE *f = fopen(path, "rb");
    if (!f) return NULL;
    fseek(f, 0, SEEK_END);
    long len = ftell(f);
    fseek(f, 0, SEEK_SET);
    char *b = malloc((size_t)len + 1);
    if (b && fread(b, 1, (size_t)len, f) != (size_t)len) len = 0;
    if (b) b[len] = 0;
    fclose(f);
    if (n) *n = (size_t)len;
    return b;
}

int xt_exists(const char *path)
{
    struct stat st;
    return stat(path, &st) == 0;
}

int xt_same_file(const char *a, const char *b)
{
    size_t na, nb;
    char *x = xt_slurp(a, &na), *y = xt_slurp(b, &nb);
    int same = x && y && na == nb && na > 0 && !memcmp(x, y, na);
    free(x);
    free(y);
    return same;
}

void xt_bad(const char *args, const char *n1, const char *n2, const char *dir)
{
    int rc = xt_run(args);
    char path[300];
    snprintf(path, sizeof path, "%s/err.txt", scratch);
    char *err = xt_slurp(path, NULL);
    CHECK(rc == 2, "xbar %s: exit %d, expected 2", args, rc);
    CHECK(err && strstr(err, n1), "xbar %s: message lacks '%s': %s", args, n1, err ? err : "");
    CHECK(err && (!n2 || strstr(err, n2)), "xbar %s: message lacks '%s': %s", args, n2, err ? err : "");
    CHECK(err && strchr(err, '\n') == strrchr(err, '\n'), "xbar %s: more than one line: %s", args, err ? err : "");
    if (dir) CHECK(!xt_exists(dir), "xbar %s: left %s behind", args, dir);
    free(err);
}

void xt_cli_done(void)
{
    char cmd[300];
    snprintf(cmd, sizeof cmd, "rm -rf %s", scratch);
    if (system(cmd)) fprintf(stderr, "cannot remove %s\n", scratch);
}

static void be32(unsigned char *b, unsigned v)
{
    b[0] = (unsigned char)(v >> 24), b[1] = (unsigned char)(v >> 16), b[2] = (unsigned char)(v >> 8), b[3] = (unsigned char)v;
}

void xt_write_idx_set(const char *dir, const char *prefix, unsigned n, unsigned salt, int truncate)
{
    char path[512];
    unsigned char h[16], img[784], *lab = malloc(n ? n : 1);
    snprintf(path, sizeof path, "%s/%s-images-idx3-ubyte.gz", dir, prefix);
    gzFile g = gzopen(path, "wb");
    be32(h, 0x803), be32(h + 4, n), be32(h + 8, 28), be32(h + 12, 28);
    gzwrite(g, h, 16);
    unsigned s = 12345u + salt;
    for (unsigned i = 0; i < (truncate ? n / 2 : n); i++) {
        const unsigned k = i % 10;
        for (int p = 0; p < 784; p++) s = s * 1103515245u + 12345u, img[p] = (unsigned char)((s >> 16) % 40);
        const int r0 = 2 + (int)(k / 5) * 12, c0 = 2 + (int)(k % 5) * 5;
        for (int r = r0; r < r0 + 6; r++)
            for (int c = c0; c < c0 + 5; c++) img[r * 28 + c] = 230;
        gzwrite(g, img, 784);
    }
    gzclose(g);
    for (unsigned i = 0; i < n; i++) lab[i] = (unsigned char)(i % 10);
    snprintf(path, sizeof path, "%s/%s-labels-idx1-ubyte.gz", dir, prefix);
    g = gzopen(path, "wb");
    be32(h, 0x801), be32(h + 4, n);
    gzwrite(g, h, 8);
    gzwrite(g, lab, n);
    gzclose(g);
    free(lab);
}

void xt_write_text(const char *path, const char *text)
{
    FILE *f = fopen(path, "w");
    CHECK(f != NULL, "cannot write %s", path);
    if (!f) return;
    fputs(text, f);
    CHECK(fclose(f) == 0, "cannot write %s", path);
}
