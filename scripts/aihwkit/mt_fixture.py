#!/usr/bin/env python3
"""mt_fixture.py - writes tests/parity/fixtures/case10_multi_tile.json: aihwkit 1.0.0's multi-device
TransferCompound (multi-tile residual learning, [MT25]) on spec X6's problem, the reference that
test_parity's case 10 holds xbar's multi_tile_rl to.

Problem (x6_multitile.py's, shorter): 256 independent scalar losses (w_i - b_i)^2 on one 256 x 1
tile read with x = 1, targets b_i = -1 + 2 ((40503 i + 12345) mod 65536) / 65535 (fixed, the same
in xbar's test), weights starting at 0, batch 1, perfect reads, SoftBoundsDevice w in [-1, 1],
dw_min 0.5 without spread or cycle noise, gradient and transfer updates without update or
bit-length management; gamma_vec 0.1^(T-1-i), transfer_every_vec 2*2^n, fast_lr 0.01,
transfer_lr 0.01 unscaled. For T = 2, 3 and 4 tiles, SEEDS runs of STEPS updates.

Recorded per case, at each checkpoint update t and for each device k (aihwkit's order: k = 0 is
the gradient tile), over the seeds: the summary (n, mean, std, se_mean, se_std) of the per-run
mean over the 256 weights of W_k (signed), of the per-run mean of W_k^2, and of the per-run loss
mean (wbar - b)^2. se_std from the fourth central moment, as the shared fixtures.

Usage: PYTHONPATH=$AIHWKIT_SRC /usr/bin/python3 scripts/aihwkit/mt_fixture.py > FILE
"""
import argparse
import json
import math
import sys
import time

import torch
from aihwkit.nn import AnalogLinear
from aihwkit.optim import AnalogSGD

from x6_multitile import rpu_config

N = 256
STEPS = 2000
CHECKPOINTS = [100, 500, 1000, 2000]
SEEDS = 64
TILES = [2, 3, 4]


def targets():
    return torch.tensor([-1.0 + 2.0 * ((40503 * i + 12345) % 65536) / 65535.0 for i in range(N)])


def summary(xs):
    n = len(xs)
    m = sum(xs) / n
    m2 = sum((x - m) ** 2 for x in xs) / n
    m4 = sum((x - m) ** 4 for x in xs) / n
    var = m2 * n / (n - 1)
    sd = math.sqrt(var)
    # se of the std: sqrt((m4 - var^2 (n-3)/(n-1)) / n) / (2 sd), the fixtures' rule
    v_var = max((m4 - var * var * (n - 3) / (n - 1)) / n, 0.0)
    se_std = math.sqrt(v_var) / (2 * sd) if sd > 0 else 0.0
    return {"n": n, "mean": m, "std": sd, "se_mean": sd / math.sqrt(n), "se_std": se_std}


def run(tiles, seed, b, a):
    torch.manual_seed(seed)
    cfg = rpu_config(tiles, False, False, a)
    model = AnalogLinear(1, N, bias=False, rpu_config=cfg)
    model.set_weights(torch.zeros(N, 1))
    opt = AnalogSGD(model.parameters(), lr=0.001)
    opt.regroup_param_groups(model)
    tile = next(model.analog_tiles())
    x = torch.ones(1, 1)
    rec = {}
    for k in range(1, STEPS + 1):
        opt.zero_grad()
        y = model(x).reshape(N)
        ((y - b) ** 2).sum().backward()
        opt.step()
        if k in CHECKPOINTS:
            hp = tile.get_hidden_parameters()
            w = model.get_weights()[0].reshape(N)
            ws = [hp[f"hidden_weights_{d}"].reshape(N) for d in range(tiles)]
            rec[k] = {"loss": float(((w - b) ** 2).mean()),
                      "w_mean": [float(v.mean()) for v in ws],
                      "w_sq": [float((v * v).mean()) for v in ws]}
    return rec


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=SEEDS)
    cli = ap.parse_args()
    a = argparse.Namespace(gamma=0.1, growth=2, fast_lr=0.01, transfer_lr=0.01)
    b = targets()
    import aihwkit
    out = {"description": "aihwkit multi-device TransferCompound (multi-tile residual learning) on spec X6's "
                          "problem; see scripts/aihwkit/mt_fixture.py",
           "aihwkit_version": aihwkit.__version__, "torch_version": torch.__version__,
           "rows": N, "steps": STEPS, "checkpoints": CHECKPOINTS, "seeds": cli.seeds,
           "settings": {"w_min": -1.0, "w_max": 1.0, "dw_min": 0.5, "gamma": a.gamma,
                        "transfer_every_base": 2, "transfer_every_growth": a.growth,
                        "fast_lr": a.fast_lr, "transfer_lr": a.transfer_lr, "sgd_lr": 0.001,
                        "update_management": False, "update_bl_management": False, "desired_bl": 31},
           "targets": "b_i = -1 + 2 ((40503 i + 12345) mod 65536) / 65535",
           "tolerance": {"stochastic": {"n_se": 4, "abs_floor": 1e-6}},
           "cases": []}
    for t in TILES:
        t0 = time.time()
        runs = [run(t, s + 1, b, a) for s in range(cli.seeds)]
        case = {"tiles": t, "at": []}
        for c in CHECKPOINTS:
            case["at"].append({
                "update": c,
                "loss": summary([r[c]["loss"] for r in runs]),
                "w_mean": [summary([r[c]["w_mean"][d] for r in runs]) for d in range(t)],
                "w_sq": [summary([r[c]["w_sq"][d] for r in runs]) for d in range(t)]})
        out["cases"].append(case)
        print(f"mt_fixture: {t} tiles, {cli.seeds} seeds, {time.time() - t0:.0f} s", file=sys.stderr)
    json.dump(out, sys.stdout, indent=1)
    print()


if __name__ == "__main__":
    main()
