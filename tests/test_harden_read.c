/* test_harden_read.c - every file xbar reads is a regular file, read within a
 * bound, and refused at once otherwise (issue 13, item 4; src/util/file_read.h).
 * argv[1] = the xbar program. Unit checks of xbar_file_open_regular,
 * xbar_file_read_all, xbar_text_check and of xbar_idx_load on hostile files;
 * then the program on a config, data files, a checkpoint and an MNIST JSON
 * file that are /dev/zero, a FIFO, a directory, a 1 GB sparse file, NUL or
 * control bytes or invalid UTF-8: exit 2, a message naming the file and the
 * reason, quickly. Each run of the program is killed after 10 s (SIGALRM set
 * before exec), so a hang fails the test instead of stalling it. */
#define _POSIX_C_SOURCE 200809L
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <sys/wait.h>
#include <time.h>
#include <unistd.h>
#include <zlib.h>

#include "cli_util.h"
#include "file_read.h"
#include "util.h"
#include "xbar.h"

#define KILL_AFTER_S 10
#define GIB ((off_t)1 << 30)

static char tmp[256];
static const char *prog;

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static void put(const char *path, const void *b, size_t n)
{
    FILE *f = fopen(path, "wb");
    CHECK(f && fwrite(b, 1, n, f) == n && !fclose(f), "cannot write %s", path);
}

static void sparse(const char *path, off_t size)
{
    int fd = open(path, O_WRONLY | O_CREAT | O_TRUNC, 0600);
    CHECK(fd >= 0 && ftruncate(fd, size) == 0 && close(fd) == 0, "cannot make sparse %s", path);
}

static void fifo(const char *path)
{
    unlink(path);
    CHECK(mkfifo(path, 0600) == 0, "mkfifo %s: %s", path, strerror(errno));
}

static void link_to(const char *target, const char *path)
{
    unlink(path);
    CHECK(symlink(target, path) == 0, "symlink %s: %s", path, strerror(errno));
}

/* Run xbar with the blank-separated words of args (no quoting), stderr into tmp/err.txt,
 * killed after KILL_AFTER_S. Returns the exit code (-1 killed); *err = stderr (free it). */
static int run(const char *args, char **err, double *seconds)
{
    char buf[4096], ep[300], *av[64];
    int ac = 0;
    snprintf(buf, sizeof buf, "%s", args);
    av[ac++] = (char *)prog;
    for (char *w = strtok(buf, " "); w && ac < 63; w = strtok(NULL, " ")) av[ac++] = w;
    av[ac] = NULL;
    snprintf(ep, sizeof ep, "%s/err.txt", tmp);
    const double t0 = now();
    pid_t pid = fork();
    if (pid == 0) {
        int e = open(ep, O_WRONLY | O_CREAT | O_TRUNC, 0600), o = open("/dev/null", O_WRONLY);
        if (e < 0 || o < 0 || dup2(o, 1) < 0 || dup2(e, 2) < 0) _exit(126);
        alarm(KILL_AFTER_S); /* kept across exec: a hung xbar dies of SIGALRM */
        execv(prog, av);
        _exit(127);
    }
    int st = 0;
    while (pid > 0 && waitpid(pid, &st, 0) < 0 && errno == EINTR) {}
    if (seconds) *seconds = now() - t0;
    *err = xt_slurp(ep, NULL);
    if (!*err) *err = calloc(1, 1);
    return pid > 0 && WIFEXITED(st) ? WEXITSTATUS(st) : -1;
}

/* xbar ARGS exits 2 within max_s with n1 and n2 (if not NULL) in its stderr. */
static void bad(const char *what, const char *args, const char *n1, const char *n2, double max_s)
{
    char *err;
    double s;
    int rc = run(args, &err, &s);
    CHECK(rc == 2, "%s: xbar %s: exit %d (-1: killed after %d s, it hung), expected 2: %s", what, args, rc,
          KILL_AFTER_S, err);
    CHECK(strstr(err, n1) && (!n2 || strstr(err, n2)), "%s: message lacks '%s'%s%s: %s", what, n1, n2 ? " or " : "",
          n2 ? n2 : "", err);
    CHECK(s < max_s, "%s: took %.2f s, expected < %.1f s", what, s, max_s);
    printf("  %-34s exit %d in %.3f s: %s", what, rc, s, strchr(err, '\n') ? err : "(no message)\n");
    free(err);
}

/* ---------------------------------------------------------------- unit checks */

static void test_open_regular(void)
{
    char p[400], why[XBAR_FILE_WHY_MAX];
    uint64_t size = 0;
    snprintf(p, sizeof p, "%s/reg.txt", tmp);
    put(p, "hello", 5);
    int fd = xbar_file_open_regular(p, &size, why, sizeof why);
    CHECK(fd >= 0 && size == 5, "regular file: fd %d size %llu", fd, (unsigned long long)size);
    if (fd >= 0) {
        int fl = fcntl(fd, F_GETFL), fdf = fcntl(fd, F_GETFD);
        CHECK(!(fl & O_NONBLOCK) && (fdf & FD_CLOEXEC), "fd flags %#x / %#x: want blocking, close-on-exec", fl, fdf);
        close(fd);
    }
    char l[400];
    snprintf(l, sizeof l, "%s/reg.link", tmp);
    link_to(p, l);
    fd = xbar_file_open_regular(l, NULL, why, sizeof why);
    CHECK(fd >= 0, "symlink to a regular file refused: %s", why);
    if (fd >= 0) close(fd);
    static const struct {
        const char *path, *why;
    } no[] = {{"/dev/zero", "not a regular file (a character device)"},
              {"/", "not a regular file (a directory)"},
              {"/nonexistent/xbar", "No such file or directory"}};
    for (size_t i = 0; i < sizeof no / sizeof no[0]; i++) {
        why[0] = 0;
        fd = xbar_file_open_regular(no[i].path, &size, why, sizeof why);
        CHECK(fd == -1 && !strcmp(why, no[i].why), "%s: fd %d, '%s', expected '%s'", no[i].path, fd, why, no[i].why);
    }
    snprintf(p, sizeof p, "%s/fifo", tmp);
    fifo(p);
    alarm(KILL_AFTER_S); /* a blocking open would hang here */
    fd = xbar_file_open_regular(p, NULL, why, sizeof why);
    alarm(0);
    CHECK(fd == -1 && !strcmp(why, "not a regular file (a FIFO)"), "FIFO: fd %d, '%s'", fd, why);
    snprintf(l, sizeof l, "%s/fifo.link", tmp);
    link_to(p, l);
    fd = xbar_file_open_regular(l, NULL, why, sizeof why);
    CHECK(fd == -1 && strstr(why, "(a FIFO)"), "symlink to a FIFO: fd %d, '%s'", fd, why);
}

static void test_read_all(void)
{
    char p[400], why[XBAR_FILE_WHY_MAX], *b = (char *)1;
    size_t n = 99;
    snprintf(p, sizeof p, "%s/ra.txt", tmp);
    put(p, "abc\0def", 7);
    xbar_status st = xbar_file_read_all(p, 7, "a test file", &b, &n, why, sizeof why);
    CHECK(st == XBAR_OK && n == 7 && b && !memcmp(b, "abc\0def", 8), "read_all: %d %zu", (int)st, n);
    free(b);
    st = xbar_file_read_all(p, 6, "a test file", &b, &n, why, sizeof why);
    CHECK(st == XBAR_EFORMAT && !b && !n && !strcmp(why, "7 bytes, over the 6 bytes limit of a test file"),
          "over the limit: %d '%s'", (int)st, why);
    put(p, "", 0);
    st = xbar_file_read_all(p, 0, "a test file", &b, &n, why, sizeof why);
    CHECK(st == XBAR_OK && b && !b[0] && !n, "empty file: %d", (int)st);
    free(b);
    snprintf(p, sizeof p, "%s/huge", tmp);
    sparse(p, GIB);
    const double t0 = now();
    st = xbar_file_read_all(p, (size_t)1 << 20, "a config file", &b, &n, why, sizeof why);
    CHECK(st == XBAR_EFORMAT && !strcmp(why, "1073741824 bytes, over the 1 MiB limit of a config file") &&
              now() - t0 < 0.5, "1 GiB sparse: %d '%s' in %.3f s", (int)st, why, now() - t0);
    unlink(p);
    st = xbar_file_read_all("/dev/zero", 100, "a test file", &b, &n, why, sizeof why);
    CHECK(st == XBAR_EIO && !b && strstr(why, "character device"), "/dev/zero: %d '%s'", (int)st, why);
    /* a file longer than its reported size (procfs reports 0) is read to its end */
    st = xbar_file_read_all("/proc/self/status", 1 << 20, "a test file", &b, &n, why, sizeof why);
    CHECK(st == XBAR_OK && n > 0 && strlen(b) == n, "/proc/self/status: %d %zu '%s'", (int)st, n, st ? why : "");
    free(b);
    st = xbar_file_read_all("/proc/self/status", 10, "a test file", &b, &n, why, sizeof why);
    CHECK(st == XBAR_EFORMAT && strstr(why, "grew while being read"), "/proc over the limit: %d '%s'", (int)st, why);
    char words[32];
    CHECK(!strcmp(xbar_file_size_words((size_t)32 << 20, words, sizeof words), "32 MiB") &&
              !strcmp(xbar_file_size_words(65536, words, sizeof words), "64 KiB") &&
              !strcmp(xbar_file_size_words(1000, words, sizeof words), "1000 bytes"),
          "size words");
}

static void test_text_check(void)
{
#define T(s) s, sizeof s - 1
    static const struct {
        const char *text;
        size_t len, line;
        const char *why; /* NULL: valid */
    } c[] = {
        {T("[a]\r\nb = 1\t; caf\xc3\xa9 \xe2\x82\xac \xf0\x9f\x98\x80\n"), 0, NULL},
        {T("a\nb\nc = \0x\n"), 3, "a NUL byte at column 5"},
        {T("\x1b[1m"), 1, "control byte 0x1b at column 1"},
        {T("a\n\x7f"), 2, "control byte 0x7f at column 1"},
        {T("x\xff"), 1, "invalid UTF-8 at column 2 (byte 0xff)"},
        {T("\xc0\x80"), 1, "invalid UTF-8 at column 1 (byte 0xc0)"},         /* overlong NUL */
        {T("\xe0\x80\x80"), 1, "invalid UTF-8 at column 1 (byte 0xe0)"},     /* overlong */
        {T("\xed\xa0\x80"), 1, "invalid UTF-8 at column 1 (byte 0xed)"},     /* surrogate */
        {T("\xf4\x90\x80\x80"), 1, "invalid UTF-8 at column 1 (byte 0xf4)"}, /* > U+10FFFF */
        {T("ok\n\xe2\x82"), 2, "invalid UTF-8 at column 1 (byte 0xe2)"},     /* cut short */
        {T("\x80"), 1, "invalid UTF-8 at column 1 (byte 0x80)"},             /* lone continuation */
    };
#undef T
    for (size_t i = 0; i < sizeof c / sizeof c[0]; i++) {
        char why[XBAR_FILE_WHY_MAX] = "";
        size_t line = 0;
        int rc = xbar_text_check(c[i].text, c[i].len, &line, why, sizeof why);
        if (!c[i].why) CHECK(rc == 0, "text %zu: refused: line %zu %s", i, line, why);
        else
            CHECK(rc == -1 && line == c[i].line && !strcmp(why, c[i].why), "text %zu: rc %d line %zu '%s', expected %zu '%s'",
                  i, rc, line, why, c[i].line, c[i].why);
    }
}

static void be32(unsigned char *b, unsigned v)
{
    b[0] = (unsigned char)(v >> 24), b[1] = (unsigned char)(v >> 16), b[2] = (unsigned char)(v >> 8);
    b[3] = (unsigned char)v;
}

/* gzip of n bytes appended to path ("ab"), one member. */
static void gz_member(const char *path, const void *b, size_t n)
{
    gzFile g = gzopen(path, "ab");
    CHECK(g && gzwrite(g, b, (unsigned)n) == (int)n && gzclose(g) == Z_OK, "gzip %s", path);
}

/* xbar_idx_load(img, lab) fails quickly with needle in the message. */
static void idx_bad(const char *img, const char *lab, const char *needle, const char *what)
{
    xbar_idx_set s;
    const double t0 = now();
    xbar_status st = xbar_idx_load(&s, img, lab, 10);
    const double dt = now() - t0;
    CHECK(st != XBAR_OK && strstr(xbar_last_error(), needle) && !s.images && !s.labels,
          "%s: status %d, '%s' lacks '%s'", what, (int)st, xbar_last_error(), needle);
    CHECK(dt < 0.5, "%s: %.3f s", what, dt);
}

static void test_idx(void)
{
    char img[400], lab[400], p[400];
    unsigned char h[16], pix[2 * 2 * 3], labs[3] = {1, 2, 3};
    memset(pix, 7, sizeof pix);
    snprintf(img, sizeof img, "%s/i.idx", tmp);
    snprintf(lab, sizeof lab, "%s/l.idx.gz", tmp);
    be32(h, 0x803), be32(h + 4, 3), be32(h + 8, 2), be32(h + 12, 2);
    unsigned char file[16 + sizeof pix];
    memcpy(file, h, 16), memcpy(file + 16, pix, sizeof pix);
    put(img, file, sizeof file);
    unsigned char lh[8];
    be32(lh, 0x801), be32(lh + 4, 3);
    unlink(lab);
    gz_member(lab, lh, 8); /* two members: header, then the labels */
    gz_member(lab, labs, 3);
    xbar_idx_set s;
    CHECK(xbar_idx_load(&s, img, lab, 10) == XBAR_OK && s.n == 3 && s.labels[2] == 3, "plain + 2-member gzip: %s",
          xbar_last_error());
    xbar_idx_free(&s);

    /* gzip with garbage after the stream (gzread would ignore it) */
    snprintf(p, sizeof p, "%s/trail.gz", tmp);
    unlink(p);
    gz_member(p, lh, 8), gz_member(p, labs, 3);
    FILE *f = fopen(p, "ab");
    fputs("GARBAGE", f);
    fclose(f);
    idx_bad(img, p, "trail.gz: trailing bytes after the gzip stream", "gzip + garbage");
    unlink(p); /* one stray byte instead */
    gz_member(p, lh, 8), gz_member(p, labs, 3);
    f = fopen(p, "ab");
    fputc(0, f);
    fclose(f);
    idx_bad(img, p, "trailing bytes after the gzip stream", "gzip + one NUL byte");
    unlink(p);
    gz_member(p, lh, 8), gz_member(p, labs, 3), gz_member(p, labs, 1);
    idx_bad(img, p, "trailing bytes after 3 data bytes", "gzip + a member too many");
    size_t n;
    unlink(p);
    gz_member(p, lh, 8), gz_member(p, labs, 3);
    char *z = xt_slurp(p, &n);
    put(p, z, n - 5);
    free(z);
    idx_bad(img, p, "truncated gzip stream", "gzip cut short");

    /* headers announcing far more than the file holds: refused from the size, at once */
    be32(h + 4, 0xFFFFFFFFu);
    snprintf(p, sizeof p, "%s/huge.idx", tmp);
    put(p, h, 16);
    idx_bad(p, lab, "huge.idx: dimension 0 = 4294967295 is out of range", "2^32-1 images");
    be32(h + 4, 1u << 24), be32(h + 8, 28), be32(h + 12, 28);
    memcpy(file, h, 16);
    put(p, file, sizeof file);
    idx_bad(p, lab, "huge.idx: truncated (28 bytes; its header announces 13153337360", "2^24 images, plain");
    snprintf(p, sizeof p, "%s/huge.idx.gz", tmp);
    unlink(p);
    gz_member(p, file, sizeof file);
    idx_bad(p, lab, "huge.idx.gz: truncated (12 of 13153337344 data bytes)", "2^24 images, gzip");
    be32(h + 4, 3), be32(h + 8, 2), be32(h + 12, 2);
    snprintf(p, sizeof p, "%s/long.idx", tmp);
    unsigned char longer[16 + sizeof pix + 1] = {0};
    memcpy(longer, file, 16), memcpy(longer + 16, pix, sizeof pix);
    memcpy(longer, h, 16);
    put(p, longer, sizeof longer);
    idx_bad(p, lab, "long.idx: trailing bytes (29 bytes; its header announces 28", "plain + 1 byte");
    sparse(p, GIB);
    idx_bad(p, lab, "long.idx: bad magic", "1 GiB of NULs");
    unlink(p);

    /* not regular files */
    idx_bad("/dev/zero", lab, "cannot read /dev/zero: not a regular file (a character device)", "/dev/zero images");
    snprintf(p, sizeof p, "%s/fifo.idx", tmp);
    fifo(p);
    alarm(KILL_AFTER_S);
    idx_bad(img, p, "fifo.idx: not a regular file (a FIFO)", "FIFO labels");
    alarm(0);
    idx_bad(tmp, lab, "not a regular file (a directory)", "directory images");
}

/* ---------------------------------------------------------------- the program */

static void test_config(void)
{
    char p[400], a[600];
    printf("config (xbar lsq --config):\n");
    bad("/dev/zero", "lsq --config /dev/zero", "/dev/zero: not a regular file (a character device)", NULL, 2);
    snprintf(p, sizeof p, "%s/cfg.fifo", tmp);
    fifo(p);
    snprintf(a, sizeof a, "lsq --config %s", p);
    bad("a FIFO", a, "cfg.fifo: not a regular file (a FIFO)", NULL, 2);
    snprintf(a, sizeof a, "lsq --config %s", tmp);
    bad("a directory", a, "not a regular file (a directory)", NULL, 2);
    snprintf(p, sizeof p, "%s/huge.ini", tmp);
    sparse(p, GIB);
    snprintf(a, sizeof a, "lsq --config %s", p);
    bad("1 GiB sparse file of NULs", a, "huge.ini: 1073741824 bytes, over the 1 MiB limit of a config file", NULL, 1);
    unlink(p);
    snprintf(p, sizeof p, "%s/nul.ini", tmp);
    put(p, "[lsq]\n; comment\nsteps = 1\0000\n", 27);
    snprintf(a, sizeof a, "lsq --config %s", p);
    bad("a NUL byte in line 3", a, "nul.ini:3: a NUL byte at column 10", NULL, 2);
    snprintf(p, sizeof p, "%s/utf8.ini", tmp);
    put(p, "[lsq]\n; caf\xe9 (Latin-1)\n", 23);
    snprintf(a, sizeof a, "lsq --config %s", p);
    bad("invalid UTF-8 in line 2", a, "utf8.ini:2: invalid UTF-8 at column 6 (byte 0xe9)", NULL, 2);
    snprintf(p, sizeof p, "%s/esc.ini", tmp);
    put(p, "\x1b[lsq]\n", 7);
    snprintf(a, sizeof a, "lsq --config %s", p);
    bad("an escape byte", a, "esc.ini:1: control byte 0x1b at column 1", NULL, 2);
    /* read through a symlink, UTF-8 accepted: the unknown key on line 2 is what is refused */
    snprintf(p, sizeof p, "%s/ok.ini", tmp);
    put(p, "; caf\xc3\xa9\nnosuchkey = 1\n", strlen("; caf\xc3\xa9\nnosuchkey = 1\n"));
    char l[400];
    snprintf(l, sizeof l, "%s/ok.link", tmp);
    link_to(p, l);
    snprintf(a, sizeof a, "lsq --config %s", l);
    bad("UTF-8 through a symlink", a, "ok.link:2: key nosuchkey is outside any [section]", NULL, 2);
}

static void test_data(void)
{
    char d[400], p[400], a[900];
    printf("data files (xbar train, data.dir):\n");
    static const char *const kinds[] = {"zero", "fifo", "labfifo", "big", "trail"};
    for (int k = 0; k < 5; k++) {
        snprintf(d, sizeof d, "%s/d-%s", tmp, kinds[k]);
        mkdir(d, 0700);
        xt_write_idx_set(d, "train", 20, 0, 0);
        xt_write_idx_set(d, "t10k", 10, 1, 0);
    }
    snprintf(p, sizeof p, "%s/d-zero/train-images-idx3-ubyte.gz", tmp);
    link_to("/dev/zero", p);
    snprintf(a, sizeof a, "train --quiet --set data.dir=%s/d-zero --out %s/o-zero", tmp, tmp);
    bad("/dev/zero as images", a, "train-images-idx3-ubyte.gz: not a regular file (a character device)", NULL, 2);
    snprintf(p, sizeof p, "%s/d-labfifo/train-labels-idx1-ubyte.gz", tmp);
    fifo(p);
    snprintf(a, sizeof a, "train --quiet --set data.dir=%s/d-labfifo --out %s/o-lf", tmp, tmp);
    bad("a FIFO as labels", a, "train-labels-idx1-ubyte.gz: not a regular file (a FIFO)", NULL, 2);
    snprintf(p, sizeof p, "%s/d-fifo/train-images-idx3-ubyte.gz", tmp);
    fifo(p);
    snprintf(a, sizeof a, "train --quiet --set data.dir=%s/d-fifo --out %s/o-fifo", tmp, tmp);
    bad("a FIFO as images", a, "train-images-idx3-ubyte.gz: not a regular file (a FIFO)", NULL, 2);
    /* a plain file that announces 2^24 images of 28x28 but holds one */
    snprintf(p, sizeof p, "%s/d-big/t10k-images-idx3-ubyte.gz", tmp);
    unlink(p);
    snprintf(p, sizeof p, "%s/d-big/t10k-images-idx3-ubyte", tmp);
    unsigned char h[16 + 784] = {0};
    be32(h, 0x803), be32(h + 4, 1u << 24), be32(h + 8, 28), be32(h + 12, 28);
    put(p, h, sizeof h);
    snprintf(a, sizeof a, "train --quiet --set data.dir=%s/d-big --set data.test_limit=5 --out %s/o-big", tmp, tmp);
    bad("header of 2^24 images, 1 held", a, "t10k-images-idx3-ubyte: ", "announces", 2);
    snprintf(p, sizeof p, "%s/d-trail/t10k-labels-idx1-ubyte.gz", tmp);
    FILE *f = fopen(p, "ab");
    fputs("trailing garbage", f);
    fclose(f);
    snprintf(a, sizeof a, "train --quiet --set data.dir=%s/d-trail --out %s/o-trail", tmp, tmp);
    bad("gzip + trailing garbage", a, "t10k-labels-idx1-ubyte.gz: trailing bytes after the gzip stream", NULL, 2);
}

/* A run interrupted after epoch 1 whose latest checkpoint is then made `how`; the previous
 * one removed, so --resume has nothing usable: exit 2, the file and the reason named. */
static void bad_checkpoint(const char *data, const char *how, const char *needle, double max_s)
{
    char out[400], a[900], p[500], prev[500];
    snprintf(out, sizeof out, "%s/ck-%s", tmp, how);
    snprintf(a, sizeof a,
             "train --quiet --threads 1 --set data.dir=%s --set model.layers=linear:10 --set optimizer.kind=digital "
             "--set train.epochs=2 --stop-after 1 --out %s",
             data, out);
    char *err;
    int rc = run(a, &err, NULL);
    CHECK(rc == 2 || rc == 0, "%s: --stop-after 1: exit %d: %s", how, rc, err);
    free(err);
    snprintf(p, sizeof p, "%s.run/checkpoint.xbc", out);
    snprintf(prev, sizeof prev, "%s.run/checkpoint.prev.xbc", out);
    CHECK(xt_exists(p), "%s: no checkpoint after --stop-after 1", how);
    unlink(prev);
    if (!strcmp(how, "zero")) link_to("/dev/zero", p);
    else if (!strcmp(how, "fifo")) fifo(p);
    else if (!strcmp(how, "dir")) unlink(p), mkdir(p, 0700);
    else { /* a valid start, then 1 GiB of holes */
        size_t n;
        char *b = xt_slurp(p, &n);
        unsigned char len[8];
        for (int i = 0; i < 8; i++) len[i] = (unsigned char)((uint64_t)GIB >> (8 * i));
        if (b && n > 24) memcpy(b + 16, len, 8); /* its header even says 1 GiB */
        if (b) put(p, b, n);
        free(b);
        CHECK(truncate(p, GIB) == 0, "truncate %s", p);
    }
    snprintf(a, sizeof a, "train --quiet --threads 1 --resume --out %s", out);
    char what[64];
    snprintf(what, sizeof what, "checkpoint: %s", how);
    bad(what, a, "checkpoint.xbc", needle, max_s);
    unlink(p);
}

static void test_checkpoint(void)
{
    char d[400];
    printf("checkpoint (xbar train --resume):\n");
    snprintf(d, sizeof d, "%s/d-ck", tmp);
    mkdir(d, 0700);
    xt_write_idx_set(d, "train", 40, 0, 0);
    xt_write_idx_set(d, "t10k", 20, 1, 0);
    bad_checkpoint(d, "zero", "not a regular file (a character device)", 3);
    bad_checkpoint(d, "fifo", "not a regular file (a FIFO)", 3);
    bad_checkpoint(d, "dir", "not a regular file (a directory)", 3);
    bad_checkpoint(d, "sparse", "corrupt (1073741824 bytes, more than the", 1.5);
}

static void test_mnist_json(void)
{
    char pkg[400], p[500], a[1200];
    printf("MNIST JSON (xbar data mnist-json):\n");
    snprintf(pkg, sizeof pkg, "%s/pkg", tmp);
    snprintf(p, sizeof p, "%s/src", pkg);
    mkdir(pkg, 0700), mkdir(p, 0700);
    snprintf(p, sizeof p, "%s/src/digits", pkg);
    mkdir(p, 0700);
    for (int d = 1; d < 10; d++) { /* small, valid: the command may check that all ten exist first */
        snprintf(p, sizeof p, "%s/src/digits/%d.json", pkg, d);
        put(p, "{\"data\": []}", 12);
    }
    snprintf(p, sizeof p, "%s/src/digits/0.json", pkg);
    sparse(p, GIB);
    snprintf(a, sizeof a, "data mnist-json %s %s/mn-out", pkg, tmp);
    bad("1 GiB sparse 0.json", a, "0.json: 1073741824 bytes, over the 32 MiB limit of an MNIST JSON file", NULL, 1);
    fifo(p);
    bad("a FIFO as 0.json", a, "0.json: cannot read: not a regular file", NULL, 2);
    link_to("/dev/zero", p);
    bad("/dev/zero as 0.json", a, "0.json: cannot read: not a regular file", NULL, 2);
    snprintf(p, sizeof p, "%s/mn-out", tmp);
    CHECK(!xt_exists(p), "a refused conversion left %s", p);
}

int main(int argc, char **argv)
{
    signal(SIGPIPE, SIG_IGN);
    snprintf(tmp, sizeof tmp, "/tmp/xbar-test-harden-read-%d", (int)getpid());
    prog = argc > 1 ? argv[1] : "./xbar";
    xt_cli_init(prog, tmp);
    const double t0 = now();
    test_open_regular();
    test_read_all();
    test_text_check();
    test_idx();
    test_config();
    test_data();
    test_checkpoint();
    test_mnist_json();
    printf("%.2f s in all\n", now() - t0);
    xt_cli_done();
    return xt_done("test_harden_read");
}
