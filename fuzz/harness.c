/* harness.c - helpers of the fuzz targets (harness.h): in-memory files, failures. */
#define _GNU_SOURCE
#include "harness.h"

#include <stdarg.h>
#include <stdio.h>
#include <stdlib.h>
#include <sys/mman.h>
#include <unistd.h>

#define SLOTS 4

void fuzz_fail(const char *fmt, ...)
{
    va_list ap;
    va_start(ap, fmt);
    fputs("fuzz: ", stderr);
    vfprintf(stderr, fmt, ap);
    fputc('\n', stderr);
    va_end(ap);
    abort();
}

const char *fuzz_file(int slot, const void *data, size_t size)
{
    static int fd[SLOTS] = {-1, -1, -1, -1};
    static char path[SLOTS][64];
    if (slot < 0 || slot >= SLOTS) fuzz_fail("fuzz_file: slot %d out of 0..%d", slot, SLOTS - 1);
    if (fd[slot] < 0) {
        fd[slot] = memfd_create("xbar-fuzz", MFD_CLOEXEC);
        if (fd[slot] < 0) fuzz_fail("memfd_create failed");
        snprintf(path[slot], sizeof path[slot], "/proc/self/fd/%d", fd[slot]);
    }
    if (ftruncate(fd[slot], 0)) fuzz_fail("ftruncate failed");
    const char *p = data;
    for (size_t done = 0; done < size;) {
        ssize_t w = pwrite(fd[slot], p + done, size - done, (off_t)done);
        if (w <= 0) fuzz_fail("pwrite failed");
        done += (size_t)w;
    }
    return path[slot];
}
