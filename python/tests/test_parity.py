"""Bit-identity with the xbar program: the same configuration and seed give the same
numbers through the package as through `xbar train` and `xbar lsq`."""

import csv
import json
import os

import numpy as np
import pytest

import xbar
from conftest import run_cli

TINY_NET = ["model.layers=linear:16 sigmoid linear:10", "train.epochs=2", "train.timings=false"]


def _cli_and_package(cli, tmp_path, sets):
    """`xbar train --set ...` into tmp_path/run and xbar.train(sets), both at seed 7."""
    out = tmp_path / "run"
    args = ["train", "--out", str(out), "--seed", "7"]
    for s in sets:
        args += ["--set", s]
    run_cli(cli, args, tmp_path)
    return out, xbar.train(sets, seed=7)


@pytest.mark.parametrize("kind", xbar.optimizer_kinds())
def test_train_matches_cli(cli, synth, tmp_path, kind):
    sets = ["data.dir=%s" % synth] + TINY_NET + ["optimizer.kind=%s" % kind]
    out, res = _cli_and_package(cli, tmp_path, sets)
    ck = xbar.parse_checkpoint((out / "checkpoint.xbc").read_bytes())
    for k, v in ck["history"].items():  # the checkpoint holds the metrics as exact float64
        assert np.array_equal(v, res[k]), (k, v, res[k])
    summary = json.loads((out / "summary.json").read_text())
    assert res["state_crc32"] == summary["state_crc32"]  # the whole final network state
    assert res["updates"] == summary["updates"] == ck["steps"]


def test_train_warm_start_matches_cli(cli, synth, tmp_path):
    """multi_tile_rl's warm start hears each epoch's training loss from both (the losses it holds
    are in the state, so the state CRC differs if either side did not report them)."""
    sets = ["data.dir=%s" % synth] + TINY_NET + ["optimizer.kind=multi_tile_rl", "optimizer.mt_warm_start=true"]
    out, res = _cli_and_package(cli, tmp_path, sets)
    summary = json.loads((out / "summary.json").read_text())
    assert res["state_crc32"] == summary["state_crc32"]


def test_train_from_config_ini_and_epoch_samples(cli, synth, tmp_path):
    """A run's config.ini read back, train.epoch_samples across passes, batch 7, StepLR."""
    sets = ["data.dir=%s" % synth, "model.layers=linear:12 tanh linear:10", "train.epochs=3",
            "train.timings=false", "train.batch=7", "train.epoch_samples=50", "train.lr_step=2",
            "optimizer.kind=analog_sgd", "device.model=ald", "device.tau=0.8", "update.scheme=count"]
    out = tmp_path / "run"
    args = ["train", "--out", str(out)]
    for s in sets:
        args += ["--set", s]
    run_cli(cli, args, tmp_path)
    res = xbar.train(str(out / "config.ini"))
    ck = xbar.parse_checkpoint((out / "checkpoint.xbc").read_bytes())
    for k, v in ck["history"].items():
        assert np.array_equal(v, res[k]), k
    assert res["state_crc32"] == json.loads((out / "summary.json").read_text())["state_crc32"]


def _lsq_compare(out, res):
    summary = json.loads((out / "summary.json").read_text())
    assert [c["name"] for c in res] == [c["name"] for c in summary["curves"]]
    for c, j in zip(res, summary["curves"]):
        assert c["pulses"] == j["pulses"] and c["iterations"] == j["iterations"]
        for k in ("final_error", "w_err", "S_K", "grad2_mean", "winf_max", "w_noise"):
            if j[k] is None:  # JSON has no NaN / Inf: cJSON writes null
                assert not np.isfinite(c[k]), (c["name"], k)
                continue
            # summary.json prints 15 significant digits where they read back within cJSON's
            # tolerance: compare to that precision; the curves below are compared bit for bit
            assert c[k] == pytest.approx(j[k], rel=1e-14, abs=1e-300), (c["name"], k)
    rows = list(csv.DictReader(open(out / "metrics.csv")))
    i = 0
    for c in res:
        for k in range(c["iterations"]):
            row = rows[i]
            i += 1
            for col, key in (("loss", "loss"), ("grad_norm2", "grad2"), ("winf_over_tau", "winf"),
                             ("pinf_over_tau", "pinf")):
                assert np.float32(float(row[col])) == c[key][k], (c["name"], k, col)  # %.9g: float32 exact
    assert i == len(rows)


LSQ_BASE = ["lsq.iterations=60", "lsq.dim=8", "lsq.rows=20", "device.model=ald", "device.tau=1",
            "device.dw_min=1e-3", "update.scheme=stochastic", "update.desired_bl=50", "lsq.noise=0.02"]


@pytest.mark.parametrize("kind", ["digital", "analog_dynamic", "analog_pulse", "tt_dynamic", "tt_pulse"])
def test_lsq_kind_matches_cli(cli, tmp_path, kind):
    sets = LSQ_BASE + ["lsq.kinds=%s" % kind, "lsq.sweep_key=lsq.lr", "lsq.sweep_values=0.1,0.03"]
    out = tmp_path / "lsq"
    args = ["lsq", "--out", str(out), "--seed", "5"]
    for s in sets:
        args += ["--set", s]
    run_cli(cli, args, tmp_path)
    _lsq_compare(out, xbar.lsq(sets, seed=5))


@pytest.mark.parametrize("opt", ["tiki_taka", "ttv2", "c_ttv2", "agad", "mixed_precision"])
def test_lsq_transfer_optimizer_matches_cli(cli, tmp_path, opt):
    """tt_pulse curves with every transfer optimizer the least-squares runs take."""
    sets = LSQ_BASE + ["lsq.kinds=tt_pulse", "optimizer.kind=%s" % opt]
    out = tmp_path / "lsq"
    args = ["lsq", "--out", str(out)]
    for s in sets:
        args += ["--set", s]
    run_cli(cli, args, tmp_path)
    _lsq_compare(out, xbar.lsq(sets))


def test_lsq_preset_matches_cli(cli, tmp_path):
    out = tmp_path / "lsq"
    run_cli(cli, ["lsq", "--preset", "fig3", "--set", "lsq.iterations=40", "--out", str(out)], tmp_path)
    _lsq_compare(out, xbar.lsq(preset="fig3", overrides={"lsq.iterations": 40}))
    # and its config.ini read back
    _lsq_compare(out, xbar.lsq(str(out / "config.ini")))
