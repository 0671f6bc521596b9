/*
 * replay_main.c - runs a fuzz target (fuzz/fuzz_*.c) without libFuzzer, on stored
 * inputs: every regular file of each folder given (sorted by name; names starting
 * with '.' skipped), or a file given directly. Used by the ctest tests
 * fuzz_replay_<target> (fuzz/CMakeLists.txt) and to re-run one crashing input:
 *   ./build/fuzz/replay_idx fuzz/regress/fuzz_idx/crash-1234
 * A folder that does not exist is skipped (fuzz/regress/<target>/ holds files only
 * once a crash was found); running no input at all is an error (add seeds to
 * fuzz/corpus/<target>/). A finding aborts the process, as under libFuzzer.
 */
#define _POSIX_C_SOURCE 200809L
#include <dirent.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>

#include "harness.h"

/* Optional in a target; NULL where it does not define one. */
#pragma weak LLVMFuzzerInitialize

static int run_file(const char *path)
{
    FILE *f = fopen(path, "rb");
    if (!f) return fprintf(stderr, "replay: cannot read %s: %s\n", path, strerror(errno)), -1;
    size_t cap = 4096, n = 0;
    unsigned char *buf = malloc(cap);
    for (size_t r; buf && (r = fread(buf + n, 1, cap - n, f)) > 0;) {
        n += r;
        if (n == cap) {
            unsigned char *b = realloc(buf, cap *= 2);
            if (!b) free(buf);
            buf = b;
        }
    }
    int bad = ferror(f) || !buf;
    fclose(f);
    if (bad) {
        free(buf);
        return fprintf(stderr, "replay: cannot read %s\n", path), -1;
    }
    /* an exact-size copy, so ASan sees a read past the input's end */
    unsigned char *in = malloc(n ? n : 1);
    if (!in) return free(buf), -1;
    memcpy(in, buf, n);
    free(buf);
    LLVMFuzzerTestOneInput(in, n);
    free(in);
    return 0;
}

static int by_name(const void *a, const void *b) { return strcmp(*(char *const *)a, *(char *const *)b); }

/* Run every file of folder `dir`; returns the count run, -1 on error. */
static int run_dir(const char *dir)
{
    DIR *d = opendir(dir);
    if (!d) return fprintf(stderr, "replay: cannot list %s: %s\n", dir, strerror(errno)), -1;
    char **names = NULL;
    size_t n = 0, cap = 0;
    for (struct dirent *e; (e = readdir(d));) {
        if (e->d_name[0] == '.') continue;
        if (n == cap) {
            char **p = realloc(names, (cap = cap ? 2 * cap : 64) * sizeof *p);
            if (!p) break;
            names = p;
        }
        names[n++] = strdup(e->d_name);
    }
    closedir(d);
    qsort(names, n, sizeof *names, by_name);
    int count = 0;
    for (size_t i = 0; i < n; i++) {
        char path[4096];
        struct stat st;
        if (!names[i]) continue;
        snprintf(path, sizeof path, "%s/%s", dir, names[i]);
        if (!stat(path, &st) && S_ISREG(st.st_mode)) {
            if (run_file(path)) count = -1;
            else if (count >= 0) count++;
        }
        free(names[i]);
    }
    free(names);
    return count;
}

int main(int argc, char **argv)
{
    if (argc < 2) {
        fprintf(stderr, "usage: %s FOLDER_OR_FILE...\n", argv[0]);
        return 2;
    }
    if (LLVMFuzzerInitialize) LLVMFuzzerInitialize(&argc, &argv);
    int total = 0;
    for (int i = 1; i < argc; i++) {
        struct stat st;
        int n;
        if (stat(argv[i], &st)) {
            printf("replay: %s: none\n", argv[i]);
            continue;
        }
        n = S_ISDIR(st.st_mode) ? run_dir(argv[i]) : run_file(argv[i]) ? -1 : 1;
        if (n < 0) return 1;
        printf("replay: %s: %d inputs\n", argv[i], n);
        total += n;
    }
    if (!total) {
        fprintf(stderr, "replay: no input run (add seed files to fuzz/corpus/<target>/)\n");
        return 1;
    }
    printf("replay: %d inputs, no finding\n", total);
    return 0;
}
