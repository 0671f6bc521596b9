"""Bad input raises a clear Python exception (never a crash), each case."""

import numpy as np
import pytest

import xbar


@pytest.fixture
def tile():
    return xbar.Tile(4, 3, {"device.model": "ald", "device.tau": 0.5})


@pytest.fixture
def opt():
    return xbar.Optimizer(4, 3, {"optimizer.kind": "tiki_taka"})


def test_wrong_dtype(tile):
    with pytest.raises(TypeError, match="float32"):
        tile.forward(np.ones((2, 3)))


def test_not_an_array(tile):
    with pytest.raises(TypeError, match="numpy.ndarray"):
        tile.forward([[1.0, 2.0, 3.0]])


def test_wrong_shape(tile):
    with pytest.raises(ValueError, match=r"\(batch, 3\)"):
        tile.forward(np.ones((2, 4), np.float32))
    with pytest.raises(ValueError, match="shape"):
        tile.set_weights(np.ones((3, 4), np.float32))


def test_non_contiguous(tile):
    X = np.ones((3, 6), np.float32)[:, ::2]
    with pytest.raises(ValueError, match="C-contiguous"):
        tile.forward(X)


def test_unknown_key():
    with pytest.raises(xbar.InvalidArgumentError, match="device.taux = 1: unknown key"):
        xbar.Tile(2, 2, {"device.taux": 1})
    with pytest.raises(ValueError, match="unknown key"):  # also a ValueError
        xbar.Optimizer(2, 2, ["optimizer.speed=3"])
    with pytest.raises(xbar.Error, match="unknown key"):
        xbar.lsq({"lsq.dims": 3})


def test_bad_value():
    with pytest.raises(xbar.InvalidArgumentError, match="device.tau = -1: must be > 0"):
        xbar.Tile(2, 2, {"device.tau": -1})
    with pytest.raises(xbar.InvalidArgumentError, match="optimizer.kind = sgd2"):
        xbar.Optimizer(2, 2, {"optimizer.kind": "sgd2"})
    with pytest.raises(xbar.InvalidArgumentError, match="train.batch"):
        xbar.TrainConfig({"train.batch": 0})


def test_malformed_assignment():
    with pytest.raises(xbar.InvalidArgumentError, match="expected section.key=value"):
        xbar.Tile(2, 2, ["device.tau"])


def test_key_the_model_does_not_use():
    with pytest.raises(xbar.InvalidArgumentError, match="does not use tau"):
        xbar.Tile(2, 2, {"device.model": "soft_bounds", "device.tau": 0.5})


def test_non_finite_weights(tile, opt):
    W = np.zeros((4, 3), np.float32)
    W[1, 2] = np.nan
    with pytest.raises(xbar.InvalidArgumentError, match="must be finite"):
        tile.set_weights(W)
    with pytest.raises(xbar.InvalidArgumentError, match="finite"):
        opt.set_weights(W)


def test_bad_learning_rate(tile):
    X, D = np.ones((1, 3), np.float32), np.ones((1, 4), np.float32)
    with pytest.raises(ValueError, match=">= 0"):
        tile.update(X, D, -0.1)
    with pytest.raises(ValueError, match="finite"):
        tile.update(X, D, float("nan"))
    with pytest.raises(TypeError):
        tile.update(X, D, "0.1")


def test_mismatched_batches(opt):
    with pytest.raises(ValueError, match="samples"):
        opt.update(np.ones((2, 3), np.float32), np.ones((3, 4), np.float32), 0.1)


def test_bad_sizes():
    with pytest.raises(ValueError, match="rows"):
        xbar.Tile(0, 3)
    with pytest.raises(TypeError):
        xbar.Tile(2.5, 3)


def test_labels(synth):
    net = xbar.Network(["model.layers=linear:10"], (1, 8, 8))
    X = np.zeros((2, 64), np.float32)
    net.forward(X)
    with pytest.raises(TypeError, match="uint8"):
        net.loss(np.array([1, 2]))
    with pytest.raises(xbar.InvalidArgumentError):
        net.loss(np.array([1, 12], np.uint8))  # label >= classes: refused by the library
    with pytest.raises(ValueError, match="shape"):
        net.train_batch(X, np.array([1], np.uint8), 0.1)


def test_network_input_shape():
    net = xbar.Network(["model.layers=linear:10"], (1, 8, 8))
    with pytest.raises(ValueError, match="64"):
        net.forward(np.zeros((2, 63), np.float32))
    with pytest.raises(xbar.InvalidArgumentError, match="kernel"):
        xbar.Network(["model.layers=conv:4:9 linear:10"], (1, 8, 8))


def test_step_without_backward():
    net = xbar.Network(["model.layers=linear:10"], (1, 8, 8))
    with pytest.raises(xbar.InvalidArgumentError):
        net.step(0.1)


def test_use_after_close(tile):
    tile.close()
    with pytest.raises(ValueError, match="after close"):
        tile.forward(np.ones((1, 3), np.float32))


def test_bad_state_bytes(opt, tile):
    with pytest.raises(xbar.FormatError):
        opt.load_state(tile.state())  # a tile record is not an optimizer record
    with pytest.raises(xbar.FormatError):
        tile.load_state(b"garbage!")


def test_bad_checkpoint(tmp_path):
    p = tmp_path / "c.xbc"
    p.write_bytes(b"XBARCKP1" + b"\0" * 100)
    with pytest.raises(xbar.FormatError, match="truncated|corrupt"):
        xbar.parse_checkpoint(p.read_bytes(), str(p))


def test_bad_data(synth):
    with pytest.raises(TypeError, match="x_train"):
        xbar.train(["model.layers=linear:10", "train.epochs=1"], data=(np.zeros((4, 8, 8)), np.zeros(4, np.uint8),
                                                                       np.zeros((2, 8, 8), np.float32),
                                                                       np.zeros(2, np.uint8)))
    with pytest.raises(FileNotFoundError):
        xbar.train(["data.dir=/nonexistent", "train.epochs=1"])


def test_bad_lsq_config():
    with pytest.raises(xbar.InvalidArgumentError, match="unknown kind"):
        xbar.lsq({"lsq.kinds": "digital,quantum"})
    with pytest.raises(xbar.InvalidArgumentError, match="unknown preset"):
        xbar.lsq(preset="fig9")
    with pytest.raises(xbar.InvalidArgumentError, match="cannot sweep the sweep"):
        xbar.lsq({"lsq.sweep_key": "lsq.sweep_values", "lsq.sweep_values": "1"})


def test_device_index():
    d = xbar.Device({"device.model": "ald"}, n=2)
    with pytest.raises(IndexError):
        d.symmetric_point(2)


def test_diverging_run_raises(synth):
    with pytest.raises(xbar.DivergedError, match="diverged at epoch 1"):
        xbar.train(["data.dir=%s" % synth, "model.layers=linear:16 relu linear:10", "optimizer.kind=digital",
                    "train.lr=1e30", "train.epochs=1"])
