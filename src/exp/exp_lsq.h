/* exp_lsq.h - the paper's least-squares experiments as a library routine
 * (spec paper.md §5.0-5.3 and the Theorem 3 instance of §4.2). One call runs
 * one curve; the CLI (src/cli/lsq/cmd_lsq.c) expands presets and sweeps. */
#ifndef XBAR_EXP_LSQ_H
#define XBAR_EXP_LSQ_H

#include "xbar.h"

typedef enum { LSQ_PROBLEM_LSQ = 0, LSQ_PROBLEM_THM3 = 1 } lsq_problem;

/** Curve kinds: the algorithm and the fidelity level.
 *  dynamic = dense gradient + Gaussian gradient noise (std `noise` per
 *            parameter), analog update through the tile's dense scheme
 *            (expected = eq. 3 / count), bias analog too (as the authors' code);
 *  pulse   = aihwkit-like: forward through the tile with weight-read noise
 *            (w_noise = noise, or noise/s_A with noise_correction), per-sample
 *            rank-1 pulsed updates, digital bias. */
typedef enum {
    LSQ_DIGITAL = 0,
    LSQ_ANALOG_DYNAMIC,
    LSQ_ANALOG_PULSE,
    LSQ_TT_DYNAMIC,
    LSQ_TT_PULSE,
    LSQ_KIND_COUNT_
} lsq_kind;

const char *lsq_kind_name(lsq_kind k);
int lsq_kind_from_name(const char *name);

typedef struct {
    int problem;           /* lsq_problem */
    int dim;               /* D: number of weights (lsq: inputs; thm3: coordinates) */
    int rows;              /* D_out: rows of A (lsq) */
    double w_star_scale;   /* W* = w_star_scale * N(0,1) (lsq); thm3: w* value */
    double a_scale;        /* A = a_scale * N(0,1) */
    double bias_true;      /* b = A W* + bias_true */
    int half;              /* 1: training loss = MSE/2, 0: MSE */
    int iterations;        /* K */
    char init[256];        /* "zero", "const:X" (weights and bias = X), "gd:N" (N noise-free GD steps) */
    double noise;          /* gradient-noise std per parameter (dynamic) / w_noise (pulse) / sigma (thm3) */
    int noise_correction;  /* pulse: w_noise = noise / s_A (mean singular value of A) */
    double lr;             /* alpha; Tiki-Taka: SGD lr that scales the transfer */
    double L;              /* thm3: smoothness constant */
    int states;            /* > 0: dw_min = tau / states (ALD) */
    uint64_t data_seed;    /* seed of A and W* */
    uint64_t seed;         /* seed of noise, pulses and reads */
    xbar_device_params device;
    xbar_update_params update;
    xbar_opt_params opt;   /* Tiki-Taka parameters (kind is set by the curve) */
} lsq_setup;

lsq_setup lsq_setup_defaults(void);
/** NULL if consistent, else a message naming the key and value. */
const char *lsq_setup_check(const lsq_setup *s, lsq_kind kind);

typedef struct {
    int n;                 /* iterations recorded (= iterations) */
    float *loss;           /* f(W_k) - f*: training loss / D (lsq) or f (thm3) */
    float *grad2;          /* ||grad f(W_k)||^2 (noise-free) */
    float *winf;           /* ||W_k||_inf / tau over the analog weights (0 digital) */
    float *pinf;           /* Tiki-Taka: ||P_k||_inf / tau (0 otherwise) */
    double final_error;    /* mean loss over the last 10% of iterations */
    double S_K;            /* mean of (||W||^2/tau^2)/(1 - ||W||^2/tau^2) (thm3: after burn-in) */
    double sigma2;         /* E||eps||^2 of the gradient noise */
    double bound_4sigma2_SK;
    double grad2_mean;     /* mean ||grad f||^2 after burn-in (first 20%) */
    double ratio;          /* grad2_mean / (sigma2 S_K) */
    double ratio_paper;    /* grad2_mean / (4 sigma2 S_K) */
    double winf_max;       /* max_k ||W_k||_inf / tau */
    double w_noise;        /* read noise actually used (pulse kinds) */
    uint64_t pulses;       /* device pulses fired */
    double seconds;        /* wall time of the run */
} lsq_result;

/** Run one curve. r is filled and owns its arrays (lsq_result_free). */
xbar_status lsq_run(const lsq_setup *s, lsq_kind kind, lsq_result *r);
void lsq_result_free(lsq_result *r);

#endif
