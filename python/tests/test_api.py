"""The objects work as the library documents, and export round trips."""

import json
import os

import numpy as np
import pytest

import xbar
from conftest import run_cli


def test_tile_roundtrip_and_update():
    t = xbar.Tile(3, 2, {"device.model": "ald", "device.tau": 1, "update.scheme": "expected",
                         "forward.perfect": True})
    W = np.array([[0.1, -0.2], [0.3, 0.0], [0.0, 0.5]], np.float32)
    t.weights = W
    assert np.array_equal(t.weights, W)
    X = np.array([[1.0, 2.0]], np.float32)
    assert np.allclose(t.forward(X), X @ W.T)
    t.update(X, np.ones((1, 3), np.float32), 0.01)
    assert t.pulse_count > 0 or t.update_count == 1
    assert (t.weights < W + 1e-7).all()  # moved by -lr d x^T
    state = t.state()
    t2 = xbar.Tile(3, 2, {"device.model": "ald", "device.tau": 1, "update.scheme": "expected",
                          "forward.perfect": True})
    t2.load_state(state)
    assert np.array_equal(t2.weights, t.weights)


def test_device_response_ald():
    d = xbar.Device(["device.model=ald", "device.tau=0.5", "device.dw_min=0.01"])
    qp, qm = d.q([0.0, 0.25])
    assert np.allclose(qp, [1.0, 0.5]) and np.allclose(qm, [1.0, 1.5])
    F, G = d.FG([0.25])
    assert np.allclose(F, 1.0) and np.allclose(G, 0.5)
    assert d.symmetric_point() == pytest.approx(0.0, abs=1e-9)
    assert d.bounds() == (-0.5, 0.5)
    r = d.pulse_response(10, 10)
    assert r.shape == (21,) and r[0] == -0.5 and (np.diff(r[:11]) > 0).all() and (np.diff(r[10:]) < 0).all()


def test_every_optimizer_kind_steps():
    G = np.full((4, 3), 0.1, np.float32)
    for kind in xbar.optimizer_kinds():
        o = xbar.Optimizer(4, 3, {"optimizer.kind": kind, "device.model": "ald", "device.tau": 1,
                                  "device.dw_min": 0.001})
        before = o.get_weights()
        for _ in range(5):
            o.update(np.ones((2, 3), np.float32), np.ones((2, 4), np.float32), 0.05)
            o.step(G, 0.05)
        assert o.get_weights().shape == (4, 3)
        counts = o.pulse_counts()
        assert sum(v for k, v in counts.items() if k.endswith("pulses")) == o.pulse_count
        assert "weights" in o.arrays()
        o2 = xbar.Optimizer(4, 3, o.config)
        o2.load_state(o.state())
        assert np.array_equal(o2.get_weights(), o.get_weights()), kind
        assert kind == "digital" or o.pulse_count > 0 or np.array_equal(before, o.get_weights())


def test_network_steps_and_save(tmp_path):
    net = xbar.Network(["model.layers=linear:8 sigmoid linear:10", "optimizer.kind=analog_sgd"], (1, 4, 4))
    X = np.random.default_rng(0).random((5, 16), dtype=np.float32)
    y = np.arange(5, dtype=np.uint8)
    loss, correct = net.train_batch(X, y, 0.1)
    assert np.isfinite(loss) and 0 <= correct <= 5
    assert net.forward(X).shape == (5, 10)
    net.save(tmp_path / "n.xbnt")
    net2 = xbar.Network(net.config, (1, 4, 4))
    net2.load(tmp_path / "n.xbnt")
    assert net2.state() == net.state()


def test_train_epoch_and_in_memory_data(synth):
    x, y, xt, yt = xbar.load_data(["data.dir=%s" % synth])
    assert x.dtype == np.float32 and x.shape == (40, 8, 8) and y.dtype == np.uint8
    a = xbar.train(["model.layers=linear:10", "train.epochs=2"], data=(x, y, xt, yt))
    b = xbar.train(["model.layers=linear:10", "train.epochs=2", "data.dir=%s" % synth], threads=2)
    assert np.array_equal(a["train_loss"], b["train_loss"]) and a["state_crc32"] == b["state_crc32"]


def test_permutation_is_a_permutation():
    p = xbar.permutation(1000, 3, 2)
    assert sorted(p.tolist()) == list(range(1000))
    assert not np.array_equal(p, xbar.permutation(1000, 3, 1))


def test_export_roundtrip(cli, synth, tmp_path):
    out = tmp_path / "run"
    sets = ["data.dir=%s" % synth, "model.layers=linear:16 sigmoid linear:10", "train.epochs=2",
            "optimizer.kind=tiki_taka", "model.digital_layers=2"]
    args = ["train", "--out", str(out)]
    for s in sets:
        args += ["--set", s]
    run_cli(cli, args, tmp_path)
    ck = out / "checkpoint.xbc"
    arrays = xbar.export(ck, tmp_path / "w.npz")
    npz = np.load(tmp_path / "w.npz")
    assert sorted(npz.files) == sorted(arrays)
    net, info = xbar.load_checkpoint(ck)
    assert net.state_crc32() == json.loads((out / "summary.json").read_text())["state_crc32"]
    for l in (0, 2):
        assert np.array_equal(npz["layer%d.weights" % l], net.get_weights(l))
        assert np.array_equal(npz["layer%d.bias" % l], net.get_param(l, "bias"))
    assert "layer0.opt.fast_tile_A" in npz.files and "layer0.scale" in npz.files
    assert np.array_equal(npz["history.test_acc"], info["history"]["test_acc"])
    # the exported weights set into a fresh network read back bit for bit
    fresh = xbar.Network(str(out / "config.ini"), (1, 8, 8))
    for l in (0, 2):
        fresh.set_weights(l, npz["layer%d.weights" % l])
        fresh.set_param(l, "bias", npz["layer%d.bias" % l])
        assert np.array_equal(fresh.get_weights(l), npz["layer%d.weights" % l])
    # one .npy per array in a folder
    xbar.export(ck, tmp_path / "wdir")
    assert np.array_equal(np.load(tmp_path / "wdir" / "layer0.weights.npy"), npz["layer0.weights"])
    # a file of Network.save exports the same weights
    net.save(tmp_path / "net.xbnt")
    again = xbar.export(tmp_path / "net.xbnt", tmp_path / "w2.npz", config=str(out / "config.ini"),
                        input_shape=(1, 8, 8))
    assert np.array_equal(again["layer0.weights"], npz["layer0.weights"])
