#!/usr/bin/env python3
"""x6_multitile.py - spec X6 ([MT25] Fig. 7 right) run by aihwkit 1.0.0, beside `xbar reproduce
--full --parts frontier`'s X6, so that xbar's multi-tile residual learning is compared with
aihwkit's own multi-device TransferCompound on the same problem in one sitting.

The problem: 256 independent scalar losses (w - b)^2 on one 256 x 1 tile read with x = 1, b on
the 16-bit grid of [-1, 1], weights starting at 0, batch 1, perfect forward / backward / transfer
reads. One tile: SingleRPUConfig (Analog SGD, lr 0.001). N tiles: TransferCompound with N
SoftBoundsDevice (w in [-1, 1], dw_min 0.5), gamma_vec 0.1^(N-1-i), transfer_every_vec 2*2^n
(units_in_mbatch), fast_lr 0.01, transfer_lr 0.01 unscaled. --spread keeps aihwkit's default
device-to-device and cycle-to-cycle spreads (otherwise all are 0, as xbar's X6); --transfer-um
keeps aihwkit's default update and bit-length management for the transfers (otherwise off, as
the gradient updates).

Usage: PYTHONPATH=$AIHWKIT_SRC /usr/bin/python3 scripts/aihwkit/x6_multitile.py [--seeds 3]
       [--steps 20000] [--tiles 1,2,3,4,6] [--spread] [--transfer-um] [--gamma G] [--growth K]
       [--fast-lr F] [--transfer-lr T]   (defaults: the spec's X6 settings)
Output: JSON on stdout: per case the mean loss every 200 updates (mean over seeds) and the final
loss of every seed. AIHWKIT_SRC: ../shared/tools/aihwkit/build.sh's python sources.
"""
import argparse
import json
import sys
import time

import torch
from aihwkit.nn import AnalogLinear
from aihwkit.optim import AnalogSGD
from aihwkit.simulator.configs import (SingleRPUConfig, SoftBoundsDevice, TransferCompound,
                                       UnitCellRPUConfig, UpdateParameters)

N = 256
EVERY = 200


def device(spread):
    d = SoftBoundsDevice(w_min=-1.0, w_max=1.0, dw_min=0.5)
    if not spread:
        d.dw_min_dtod = d.up_down_dtod = d.w_max_dtod = d.w_min_dtod = 0.0
        d.dw_min_std = 0.0
    return d


def update_params(managed):
    return UpdateParameters(update_management=managed, update_bl_management=managed)


def rpu_config(tiles, spread, transfer_um, a):
    if tiles == 1:
        cfg = SingleRPUConfig(device=device(spread))
    else:
        tc = TransferCompound(
            unit_cell_devices=[device(spread) for _ in range(tiles)],
            gamma_vec=[a.gamma ** (tiles - 1 - i) for i in range(tiles)],
            transfer_every_vec=[2 * a.growth ** n for n in range(tiles)],
            units_in_mbatch=True, fast_lr=a.fast_lr, transfer_lr=a.transfer_lr, scale_transfer_lr=False,
            transfer_columns=True)
        tc.transfer_forward.is_perfect = True
        tc.transfer_update = update_params(transfer_um)
        cfg = UnitCellRPUConfig(device=tc)
    cfg.update = update_params(False)
    cfg.forward.is_perfect = True
    cfg.backward.is_perfect = True
    return cfg


def run(tiles, seed, a):
    steps = a.steps
    torch.manual_seed(seed)
    g = torch.Generator().manual_seed(1000 + seed)
    b = -1.0 + 2.0 * torch.floor(torch.rand(N, generator=g) * 65536.0) / 65535.0
    cfg = rpu_config(tiles, a.spread, a.transfer_um, a)
    cfg.device.construction_seed = seed if tiles == 1 else 0
    model = AnalogLinear(1, N, bias=False, rpu_config=cfg)
    model.set_weights(torch.zeros(N, 1))
    opt = AnalogSGD(model.parameters(), lr=0.001)
    opt.regroup_param_groups(model)
    x = torch.ones(1, 1)
    curve = []
    for k in range(steps + 1):
        if k % EVERY == 0:
            w = model.get_weights()[0].reshape(N)
            curve.append(float(((w - b) ** 2).mean()))
        if k == steps:
            break
        opt.zero_grad()
        y = model(x).reshape(N)
        ((y - b) ** 2).sum().backward()
        opt.step()
    return curve


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    ap.add_argument("--seeds", type=int, default=3)
    ap.add_argument("--steps", type=int, default=20000)
    ap.add_argument("--tiles", default="1,2,3,4,6")
    ap.add_argument("--spread", action="store_true")
    ap.add_argument("--transfer-um", action="store_true")
    ap.add_argument("--gamma", type=float, default=0.1, help="scale ratio of consecutive tiles (0.1)")
    ap.add_argument("--growth", type=int, default=2, help="transfer_every_vec = 2*growth^n (2)")
    ap.add_argument("--fast-lr", type=float, default=0.01, help="the gradient tile's rate (0.01)")
    ap.add_argument("--transfer-lr", type=float, default=0.01, help="the transfer rate, unscaled (0.01)")
    a = ap.parse_args()
    out = {"settings": vars(a), "every": EVERY, "cases": []}
    for t in [int(s) for s in a.tiles.split(",")]:
        t0 = time.time()
        curves = [run(t, s + 1, a) for s in range(a.seeds)]
        mean = [sum(c[k] for c in curves) / len(curves) for k in range(len(curves[0]))]
        out["cases"].append({"tiles": t, "final": [c[-1] for c in curves], "mean_curve": mean,
                             "wall_s": round(time.time() - t0, 1)})
        print(f"x6_multitile: {t} tiles: final {[round(c[-1], 4) for c in curves]} "
              f"({time.time() - t0:.0f} s)", file=sys.stderr)
    json.dump(out, sys.stdout)
    print()


if __name__ == "__main__":
    main()
