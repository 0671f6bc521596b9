/* test_parity.c - xbar against the aihwkit reference fixtures.
 * Usage: test_parity [FIXTURE_DIR]   (default ../shared/fixtures/aihwkit)
 * Exit 0: every present case passed; 1: a case failed; 77: nothing to run. */
#define _POSIX_C_SOURCE 200809L
#include <stdio.h>
#include <sys/stat.h>

#include "parity/parity.h"
#include "util.h"

/* The cases: add tests/parity/caseN.c, declare it and add one row. */
int parity_case1(const char *dir);
int parity_case2(const char *dir);
int parity_case3(const char *dir);
int parity_case4(const char *dir);
int parity_case5(const char *dir);
int parity_case6(const char *dir);
int parity_case7(const char *dir);
int parity_case8(const char *dir);
int parity_case9(const char *dir);

static const struct {
    const char *name;
    int (*run)(const char *dir);
} cases[] = {
    {"case1_response_curves", parity_case1},
    {"case2_c2c", parity_case2},
    {"case3_pulsed_update", parity_case3},
    {"case4_forward", parity_case4},
    {"case5_tiki_taka", parity_case5},
    {"case6_buffered_transfer", parity_case6},
    {"case7_chopped_transfer", parity_case7},
    {"case8_dynamic_transfer", parity_case8},
    {"case9_mixed_precision", parity_case9},
};

int main(int argc, char **argv)
{
    const char *dir = argc > 1 ? argv[1] : "../shared/fixtures/aihwkit";
    struct stat st;
    if (stat(dir, &st) != 0 || !S_ISDIR(st.st_mode)) {
        printf("SKIP: fixture folder %s not found\n", dir);
        return PARITY_SKIP;
    }
    int ran = 0, failed = 0;
    for (size_t c = 0; c < sizeof cases / sizeof cases[0]; c++) {
        const int rc = cases[c].run(dir);
        printf("%s: %s\n", cases[c].name, rc == PARITY_PASS ? "pass" : rc == PARITY_SKIP ? "skip" : "FAIL");
        ran += rc != PARITY_SKIP;
        failed += rc == PARITY_FAIL;
    }
    const int rc = xt_done("test_parity");
    if (failed || rc) return 1;
    return ran ? 0 : PARITY_SKIP;
}
