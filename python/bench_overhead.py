#!/usr/bin/env python3
"""The binding's overhead on a training epoch: `xbar train` against xbar.train on the
same configuration (default: the paper's MNIST FCN with Tiki-Taka, one epoch), the
same thread count, alternating runs. Compares the epoch's seconds as each records
them (training plus test evaluation, data loading excluded) and checks that both end
in the same network state (state_crc32).

Usage (from the repository root, where data/mnist is):
  python3 python/bench_overhead.py --build build [--config FILE] [--epochs 1]
                                   [--repeats 3] [--threads 1] [--set key=value ...]
"""

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", required=True, help="build folder with libxbar.so and xbar")
    ap.add_argument("--config", default="configs/paper/fcn-tiki-taka-tau0.78.ini")
    ap.add_argument("--epochs", type=int, default=1)
    ap.add_argument("--repeats", type=int, default=3)
    ap.add_argument("--threads", type=int, default=1)
    ap.add_argument("--set", action="append", default=[], metavar="KEY=VALUE")
    a = ap.parse_args()
    build = os.path.abspath(a.build)
    os.environ.setdefault("XBAR_LIBRARY", os.path.join(build, "libxbar.so"))
    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import xbar

    sets = a.set + ["train.epochs=%d" % a.epochs, "train.timings=true"]
    cli_s, py_s, cli_wall, py_wall = [], [], [], []
    with tempfile.TemporaryDirectory() as tmp:
        for r in range(a.repeats):
            out = os.path.join(tmp, "run%d" % r)
            cmd = [os.path.join(build, "xbar"), "train", "--config", a.config, "--out", out, "--quiet",
                   "--threads", str(a.threads)]
            for s in sets:
                cmd += ["--set", s]
            t0 = time.monotonic()
            subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
            cli_wall.append(time.monotonic() - t0)
            with open(os.path.join(out, "metrics.csv")) as f:
                cli_s.append(sum(float(row["seconds"]) for row in csv.DictReader(f)))
            with open(os.path.join(out, "summary.json")) as f:
                cli_crc = json.load(f)["state_crc32"]

            t0 = time.monotonic()
            res = xbar.train(a.config, overrides=sets, threads=a.threads)
            py_wall.append(time.monotonic() - t0)
            py_s.append(float(res["seconds"].sum()))
            if res["state_crc32"] != cli_crc:
                sys.exit("bench_overhead: the states differ (%s vs %s)" % (res["state_crc32"], cli_crc))
            print("run %d: xbar train %.3f s/epoch, xbar.train %.3f s/epoch (state %s in both)"
                  % (r + 1, cli_s[-1] / a.epochs, py_s[-1] / a.epochs, cli_crc), flush=True)
        py_work = binding_work(xbar, a.config, sets)
    c, p = min(cli_s), min(py_s)
    print("epoch seconds (min of %d): xbar train %.3f, xbar.train %.3f: overhead %+.2f %%"
          % (a.repeats, c / a.epochs, p / a.epochs, 100 * (p / c - 1)))
    print("epoch seconds (median): xbar train %.3f, xbar.train %.3f: overhead %+.2f %%"
          % (statistics.median(cli_s) / a.epochs, statistics.median(py_s) / a.epochs,
             100 * (statistics.median(py_s) / statistics.median(cli_s) - 1)))
    print("whole run incl. start-up and data loading (min): xbar %.3f s, python %.3f s"
          % (min(cli_wall), min(py_wall)))
    print("the binding's own work per epoch (the Python loop with the library's training calls replaced by a "
          "no-op call; min of 5): %.4f s = %.2f %% of the program's epoch"
          % (py_work / a.epochs, 100 * py_work / c))


def binding_work(xbar, config, sets):
    """Seconds of the Python epoch loop itself: Trainer.train_part with forward, loss,
    backward, step and the non-finite scans replaced by a call that does nothing
    (xbar_get_threads), so that what remains is the shuffling, the batch gathering and
    the ctypes calls' cost; evaluation excluded."""
    from xbar import _lib, net as netmod
    res = xbar.train(config, overrides=[s for s in sets if not s.startswith("train.epochs")] + ["train.epochs=1"])
    noop = _lib.lib.xbar_get_threads
    noop.argtypes = []

    class Null:
        def __getattr__(self, name):
            if name in ("xbar_net_forward", "xbar_net_loss", "xbar_net_backward", "xbar_net_step",
                        "xbar_net_find_nonfinite"):
                return lambda *args: noop() and 0  # the cost of a call, status 0
            return getattr(_lib.lib, name)

    real = netmod.lib
    netmod.lib = Null()
    try:
        t = netmod.Trainer(res.network, netmod.load_data(res.network.config))
        best = float("inf")
        for e in range(5):
            t._perm_pass = -1
            t0 = time.perf_counter()
            t.train_part(e)
            best = min(best, time.perf_counter() - t0)
    finally:
        netmod.lib = real
    return best


if __name__ == "__main__":
    main()
