/*
 * mnist_train.c - a small network trained on MNIST on simulated analog tiles, through
 * libxbar's public API (xbar.h) alone: the IDX loader, a network built from key=value
 * settings, mini-batch training and evaluation.
 *
 * Usage: mnist_train DATA_DIR [TRAIN_SAMPLES [EPOCHS]]
 *   DATA_DIR holds the four IDX files of MNIST (or of any 10-class image set of that
 *   format): train-images-idx3-ubyte, train-labels-idx1-ubyte, t10k-images-idx3-ubyte,
 *   t10k-labels-idx1-ubyte, each gzip-compressed (".gz") or plain. xbar's own copy of MNIST
 *   is made by its source tree's scripts/data.sh, into data/mnist.
 *   TRAIN_SAMPLES (default 2000) of the training images are used, EPOCHS (default 2) times;
 *   the test set is evaluated (at most 1000 images) after each epoch. A few seconds.
 *
 * The network: 784 inputs (28 x 28 pixels / 255), a 64-unit tanh layer and 10 outputs
 * (log-softmax loss), both weight layers analog: Tiki-Taka on soft-bounds devices with
 * aihwkit's IO and update defaults (quantised, noisy reads; stochastic pulse trains), as
 * `xbar train --set ...` would configure it. Batch 10, learning rate 0.1; the fast tile A
 * learns at 0.1 and 8 of its columns are transferred into C per step.
 *
 * Prints per epoch the mean training loss and accuracy and the test accuracy. Exit code 0
 * if the last test accuracy is at least 0.5 (chance: 0.1), 1 if not or on a library error
 * (the message of xbar_last_error on stderr), 2 for bad arguments.
 *
 * Build (docs/install.md):  cc mnist_train.c $(pkg-config --cflags --libs xbar) -o mnist_train
 */
#include <stdio.h>
#include <stdlib.h>
#include <string.h>

#include <xbar.h>

enum { BATCH = 10, TEST_MAX = 1000 };

/* The network's settings, as `xbar train --set` takes them (xbar_net_new_kv). */
static const char *const net_keys[] = {
    "model.layers=linear:64 tanh linear:10",
    "optimizer.kind=tiki_taka", "optimizer.fast_lr=0.1", "optimizer.transfer_columns=8",
    "device.model=soft_bounds", "device.w_max=0.78", "device.w_min=-0.78", "device.dw_min=0.001",
};
static const float lr = 0.1f; /* SGD rate of the digital biases and scales; Tiki-Taka's transfer rate */

/* DIR/NAME.gz if it exists, else DIR/NAME, into path. */
static void data_path(char *path, size_t n, const char *dir, const char *name)
{
    snprintf(path, n, "%s/%s.gz", dir, name);
    FILE *f = fopen(path, "rb");
    if (f) fclose(f);
    else snprintf(path, n, "%s/%s", dir, name);
}

/* Load one split (prefix "train" or "t10k") as floats in [0, 1]; *x is the caller's to free. */
static int load(xbar_idx_set *s, float **x, const char *dir, const char *prefix)
{
    char img[4096], lab[4096], name[64];
    snprintf(name, sizeof name, "%s-images-idx3-ubyte", prefix);
    data_path(img, sizeof img, dir, name);
    snprintf(name, sizeof name, "%s-labels-idx1-ubyte", prefix);
    data_path(lab, sizeof lab, dir, name);
    if (xbar_idx_load(s, img, lab, 10)) return fprintf(stderr, "mnist_train: %s\n", xbar_last_error()), -1;
    const size_t n = s->n * s->rows * s->cols;
    *x = malloc(n * sizeof **x);
    if (!*x) return fprintf(stderr, "mnist_train: out of memory\n"), -1;
    for (size_t k = 0; k < n; k++) (*x)[k] = s->images[k] / 255.0f;
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2 || argc > 4) {
        fprintf(stderr, "usage: mnist_train DATA_DIR [TRAIN_SAMPLES [EPOCHS]]\n");
        return 2;
    }
    const long want = argc > 2 ? strtol(argv[2], NULL, 10) : 2000, epochs = argc > 3 ? strtol(argv[3], NULL, 10) : 2;
    if (want < BATCH || epochs < 1) {
        fprintf(stderr, "mnist_train: TRAIN_SAMPLES must be >= %d and EPOCHS >= 1\n", BATCH);
        return 2;
    }
    xbar_idx_set train = {0}, test = {0};
    float *xtr = NULL, *xte = NULL;
    xbar_net *net = NULL;
    int rc = 1;
    if (load(&train, &xtr, argv[1], "train") || load(&test, &xte, argv[1], "t10k")) goto done;
    const size_t in = train.rows * train.cols, n = (size_t)want < train.n ? (size_t)want : train.n;
    const size_t n_test = test.n < TEST_MAX ? test.n : TEST_MAX;
    net = xbar_net_new_kv(1, train.rows, train.cols, net_keys, sizeof net_keys / sizeof *net_keys, 1);
    if (!net) {
        fprintf(stderr, "mnist_train: %s\n", xbar_last_error());
        goto done;
    }
    printf("%zu training images of %zux%zu, %zu test images; %ld epochs\n", n, train.rows, train.cols, n_test, epochs);
    double acc = 0;
    for (long e = 1; e <= epochs; e++) {
        double loss_sum = 0, loss;
        size_t correct_sum = 0, correct;
        for (size_t b = 0; b + BATCH <= n; b += BATCH) {
            if (xbar_net_train_batch(net, xtr + b * in, train.labels + b, BATCH, lr, &loss, &correct)) {
                fprintf(stderr, "mnist_train: epoch %ld: %s\n", e, xbar_last_error());
                goto done;
            }
            loss_sum += loss * BATCH;
            correct_sum += correct;
        }
        size_t test_correct;
        if (xbar_net_evaluate(net, xte, test.labels, n_test, 100, NULL, &test_correct)) {
            fprintf(stderr, "mnist_train: %s\n", xbar_last_error());
            goto done;
        }
        const size_t seen = n / BATCH * BATCH;
        acc = (double)test_correct / (double)n_test;
        printf("epoch %ld: train loss %.4f, train accuracy %.4f, test accuracy %.4f\n", e, loss_sum / (double)seen,
               (double)correct_sum / (double)seen, acc);
    }
    printf("pulses: %llu\n", (unsigned long long)xbar_net_pulse_count(net));
    rc = acc >= 0.5 ? 0 : 1;
done:
    xbar_net_free(net);
    free(xtr);
    free(xte);
    xbar_idx_free(&train);
    xbar_idx_free(&test);
    return rc;
}
