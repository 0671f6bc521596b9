#!/usr/bin/env python3
"""The paper's Figure 3, end to end: least squares on an asymmetric linear device
(ALD) at four asymmetries tau, digital SGD against Analog SGD, the latter both as the
paper's eq.-(3) dynamic and at pulse level. Analog SGD stalls at a floor above digital
SGD's, and the gap grows as tau falls (docs/results.md, "Fig. 3, Fig. 4").

Runs the preset `fig3` of `xbar lsq` through xbar.lsq (the same numbers as
`xbar lsq --preset fig3`), prints each curve's floor and plots one panel per tau,
smoothed as the program smooths its plot, to a PNG with matplotlib.

Usage: python3 python/examples/fig3_lsq.py [--out fig3.png] [--iterations N] [--seed S]
(XBAR_LIBRARY=build/libxbar.so unless the package finds the library itself.)
"""

import argparse
import time

import matplotlib

matplotlib.use("Agg")
import matplotlib.pyplot as plt  # noqa: E402
import numpy as np  # noqa: E402

import xbar  # noqa: E402

LABELS = {"digital": "digital SGD", "analog_dynamic": "Analog SGD, eq. (3)", "analog_pulse": "Analog SGD, pulses"}


def main():
    ap = argparse.ArgumentParser(description="the paper's Figure 3 through xbar.lsq")
    ap.add_argument("--out", default="fig3.png", help="PNG to write (default fig3.png)")
    ap.add_argument("--iterations", type=int, default=None, help="iterations per curve (preset: 2500)")
    ap.add_argument("--seed", type=int, default=None, help="lsq.seed (preset default 618)")
    ap.add_argument("--threads", type=int, default=1)
    a = ap.parse_args()

    overrides = {} if a.iterations is None else {"lsq.iterations": a.iterations}
    t0 = time.monotonic()
    curves = xbar.lsq(preset="fig3", overrides=overrides, seed=a.seed, threads=a.threads,
                      progress=lambda i, n, name: print("curve %d/%d %s" % (i + 1, n, name), flush=True))
    print("%d curves in %.1f s" % (len(curves), time.monotonic() - t0))

    digital = next(c for c in curves if c["kind"] == "digital")  # tau does not change digital SGD: one curve
    taus = [c["value"] for c in curves if c["kind"] == "analog_pulse"]
    fig, axes = plt.subplots(1, len(taus), figsize=(4 * len(taus), 3.6), sharey=True)
    print("%-6s %14s %14s %14s" % ("tau", "digital", "eq. (3)", "pulses"))
    for ax, tau in zip(np.atleast_1d(axes), taus):
        panel = [digital] + [c for c in curves if c["value"] == tau]
        for c in panel:
            k = np.arange(len(c["loss"]))
            ax.semilogy(k, xbar.smooth(c["loss"], curves.ema), label=LABELS[c["kind"]])
        ax.set_title("tau = %s" % tau)
        ax.set_xlabel("iteration k")
        ax.grid(True, which="both", alpha=0.3)
        floors = {c["kind"]: c["final_error"] for c in panel}
        print("%-6s %14.3e %14.3e %14.3e" % (tau, floors["digital"], floors["analog_dynamic"],
                                             floors["analog_pulse"]))
    np.atleast_1d(axes)[0].set_ylabel("f(W_k) - f*")
    np.atleast_1d(axes)[0].legend(fontsize=8)
    fig.suptitle("Figure 3: least squares on the ALD, digital vs Analog SGD (xbar)")
    fig.tight_layout()
    fig.savefig(a.out, dpi=120)
    print("wrote %s" % a.out)


if __name__ == "__main__":
    main()
