/*
 * harness.h - what the fuzz targets fuzz/fuzz_*.c share.
 *
 * A target defines LLVMFuzzerTestOneInput (libFuzzer's entry point: run the code
 * under test on one input, return 0; a crash, a sanitizer report or abort() is a
 * finding) and may define LLVMFuzzerInitialize (called once before any input).
 * The same source links either with libFuzzer (XBAR_FUZZ, scripts/fuzz.sh) or with
 * replay_main.c, which runs it over the stored inputs in the default test suite.
 * Not thread-safe; one input at a time.
 */
#ifndef XBAR_FUZZ_HARNESS_H
#define XBAR_FUZZ_HARNESS_H

#include <stddef.h>
#include <stdint.h>

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size);
int LLVMFuzzerInitialize(int *argc, char ***argv);

/**
 * Put `size` bytes into in-memory file number `slot` (0..3) of this process and
 * return a path that open(), fopen() and gzopen() read them from (a
 * /proc/self/fd/N name; valid until the next call with the same slot; stat()
 * follows it to a regular file, so the readers of src/util/file_read.h take it). The file
 * lives in memory (memfd): nothing is left on disk, not even after a crash.
 * Aborts if the file cannot be made, which is a fault of the harness, not a finding.
 */
const char *fuzz_file(int slot, const void *data, size_t size);

/** abort() with a message on stderr: a broken property is a finding. */
void fuzz_fail(const char *fmt, ...)
#if defined(__GNUC__)
    __attribute__((format(printf, 1, 2), noreturn))
#endif
    ;

#endif
