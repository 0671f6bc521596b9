"""Networks, the training run of `xbar train`, and checkpoints.

``train(config, data=...)`` runs the epoch loop of `xbar train` (src/cli/train/train_exec.c)
in Python over the public API, call for call: the same shuffling (a Fisher-Yates
permutation of Philox words per pass), the same mini-batches, forward / loss /
backward / step with the same divergence checks, the same StepLR schedule and the same
test evaluation, so the metrics and the final network state are bit-identical to the
program's for the same configuration and seed. The network is built by
xbar_train_config_net, the library's copy of the program's construction (its defaults,
its checks).
"""

import ctypes
import math
import os
import struct
import time
import zlib

import numpy as np

from . import _arrays as A
from . import _config
from ._lib import (DivergedError, Error, FormatError, InvalidArgumentError, check, check_ptr, lib, load_bytes,
                   save_bytes, str_array, xbar_idx_set, xbar_nonfinite)
from .core import _Handle, _aw_arrays, _pulse_counts, _refuse_unused_device_keys

__all__ = ["TrainConfig", "Network", "Trainer", "train", "load_data", "load_checkpoint", "export"]

_SHUFFLE_PURPOSE = 128 + 1  # XBAR_RNG_USER + 1, as `xbar train`
_FIND_PARAMS, _FIND_ACTIVATIONS, _FIND_GRADIENTS = 1, 2, 4
_STD_DIRS = {"mnist": "data/mnist", "fashion": "/usr/share/datasets/fashion-mnist"}
HISTORY_FIELDS = ("train_loss", "train_acc", "test_loss", "test_acc", "lr", "seconds", "samples_per_s", "pulses",
                  "grad_pulses", "transfer_pulses", "reads", "writes", "calib_pulses", "prog_events")


class TrainConfig(_Handle):
    """The configuration of a training run with the defaults of `xbar train`
    (xbar_train_config_new): sections data, model, train, optimizer, device, update,
    transfer, forward, backward, transfer_io, slow_device. ``config`` as
    xbar._config.assignments: a path of an INI file, a dict or a list of
    "section.key=value"."""

    _free = lib.xbar_train_config_free

    def __init__(self, config=None):
        super().__init__(check_ptr(lib.xbar_train_config_new(), "TrainConfig"))
        self.assignments = []
        self.update(config)

    def update(self, config):
        """Apply more assignments, in order (a refused one raises; the struct keeps the
        ones before it)."""
        assigns = _config.assignments(config)
        for a in assigns:
            check(lib.xbar_train_config_set(self.ptr, a.encode("utf-8")))
            self.assignments.append(a)
        _refuse_unused_device_keys(self.assignments, default_model="soft_bounds_ref")
        own = self.get("optimizer.slow_device_own") == "true"
        if own:
            _refuse_unused_device_keys(self.assignments, "slow_device.model", "slow_device", "soft_bounds_ref")
        return self

    def get(self, key):
        """The value of "section.key" as config text."""
        buf = ctypes.create_string_buffer(512)
        check(lib.xbar_train_config_get(self.ptr, key.encode(), buf, len(buf)))
        return buf.value.decode()

    def getint(self, key):
        return int(self.get(key))

    def getfloat(self, key):
        return float(self.get(key))


class Network(_Handle):
    """A sequential network of digital and analog layers, built as `xbar train` builds
    it (xbar_train_config_net) for samples of shape input_shape = (channels, height,
    width). ``config``: a TrainConfig or anything TrainConfig takes ([model], device,
    optimizer, ... sections; train.seed seeds the initialisation and the tiles)."""

    _free = lib.xbar_net_free

    def __init__(self, config=None, input_shape=(1, 28, 28)):
        cfg = config if isinstance(config, TrainConfig) else TrainConfig(config)
        if len(input_shape) != 3:
            raise ValueError("input_shape: expected (channels, height, width), got %r" % (input_shape,))
        c, h, w = (A.count(v, "input_shape", 1) for v in input_shape)
        super().__init__(check_ptr(lib.xbar_train_config_net(cfg.ptr, c, h, w), "Network"))
        self.config = cfg
        self.input_shape = (c, h, w)
        self.in_size = lib.xbar_net_in_size(self._ptr)
        self.out_size = lib.xbar_net_out_size(self._ptr)
        self.n_layers = lib.xbar_net_n_layers(self._ptr)
        self._loss, self._correct = ctypes.c_double(), ctypes.c_size_t()
        self._loss_p, self._correct_p = ctypes.addressof(self._loss), ctypes.addressof(self._correct)
        self._last_batch = 0

    def describe(self):
        """One line per layer (xbar_net_describe)."""
        buf = ctypes.create_string_buffer(8192)
        check(lib.xbar_net_describe(self.ptr, buf, len(buf)))
        return buf.value.decode()

    def layer_shape(self, l):
        """(channels, height, width) of layer l's output."""
        c, h, w = ctypes.c_size_t(), ctypes.c_size_t(), ctypes.c_size_t()
        check(lib.xbar_net_layer_shape(self.ptr, A.count(l, "layer"), ctypes.addressof(c), ctypes.addressof(h),
                                       ctypes.addressof(w)))
        return c.value, h.value, w.value

    def _x(self, X):
        A.f32(X, "X", ndim=(1, 2, 4))
        if X.ndim == 1:
            if X.shape[0] != self.in_size:
                raise ValueError("X: expected %d values per sample, got shape %s" % (self.in_size, X.shape))
            return 1
        n = X.shape[0]
        if X.size != n * self.in_size or (X.ndim == 4 and X.shape[1:] != self.input_shape):
            raise ValueError("X: expected (batch, %d) or (batch, %d, %d, %d), got %s"
                             % ((self.in_size,) + self.input_shape + (X.shape,)))
        if n < 1:
            raise ValueError("X: empty batch")
        return n

    def _labels(self, y, n):
        A.u8(y, "labels", (n,))
        return y

    # -- training steps --------------------------------------------------------------
    def forward(self, X):
        """Logits (batch, classes) of X (batch, in_size) float32; keeps the activations."""
        n = self._x(X)
        Y = np.empty((n, self.out_size), np.float32)
        check(lib.xbar_net_forward(self.ptr, Y.ctypes.data, X.ctypes.data, n))
        self._last_batch = n
        return Y

    def loss(self, labels):
        """(mean loss, correct count) of the last forward against labels (uint8), and
        seeds the gradient for backward()."""
        self._labels(labels, self._last_batch)
        check(lib.xbar_net_loss(self.ptr, labels.ctypes.data, self._last_batch, self._loss_p, self._correct_p))
        return self._loss.value, self._correct.value

    def backward(self):
        """Back-propagate the seeded gradient."""
        check(lib.xbar_net_backward(self.ptr, None))

    def step(self, lr):
        """One optimizer step with learning rate lr on every layer."""
        check(lib.xbar_net_step(self.ptr, A.number(lr, "lr", nonneg=True)))

    def train_batch(self, X, labels, lr):
        """forward + loss + backward + step on one batch: (mean loss, correct)."""
        n = self._x(X)
        self._labels(labels, n)
        lr = A.number(lr, "lr", nonneg=True)
        check(lib.xbar_net_train_batch(self.ptr, X.ctypes.data, labels.ctypes.data, n, lr, self._loss_p,
                                       self._correct_p))
        return self._loss.value, self._correct.value

    def evaluate(self, X, labels, batch=500):
        """(summed loss, correct count) of n samples, forward only, in batches of `batch`."""
        n = self._x(X)
        self._labels(labels, n)
        batch = A.count(batch, "batch", 1)
        check(lib.xbar_net_evaluate(self.ptr, X.ctypes.data, labels.ctypes.data, n, batch, self._loss_p,
                                    self._correct_p))
        return self._loss.value, self._correct.value

    def train_epoch(self, x, y, epoch=0, lr=None, batch=None, seed=None, epoch_samples=None):
        """One epoch of `xbar train` on (x, y) without evaluation: the shuffling of
        (seed, epoch), mini-batches of `batch`, StepLR from the config unless lr is given.
        Returns (mean train loss, train accuracy in percent). Defaults from self.config."""
        t = Trainer(self, (x, y, x[:1], y[:1]), lr=lr, batch=batch, seed=seed, epoch_samples=epoch_samples)
        loss_sum, correct, S = t.train_part(epoch)
        return loss_sum / S, 100.0 * correct / S

    # -- parameters ------------------------------------------------------------------
    def _param(self, l, which):
        v, g, n = ctypes.c_void_p(), ctypes.c_void_p(), ctypes.c_size_t()
        st = lib.xbar_net_param(self.ptr, l, which, ctypes.addressof(v), ctypes.addressof(g), ctypes.addressof(n))
        return (v.value, n.value) if st == 0 else (None, 0)

    def layer_optimizer(self, l):
        """The analog weight of layer l as a raw pointer (None for digital / no weights)."""
        p = lib.xbar_net_layer_aw(self.ptr, A.count(l, "layer"))
        return p or None

    def weight_shape(self, l):
        """(rows, cols) of layer l's weight matrix, or None without weights."""
        v, n = self._param(l, 0)
        if not n:
            return None
        rows = self.layer_shape(l)[0]
        return rows, n // rows

    def get_weights(self, l):
        """Layer l's visible weights (rows x cols) as a float32 copy; None without weights."""
        shp = self.weight_shape(l)
        if shp is None:
            return None
        aw = lib.xbar_net_layer_aw(self.ptr, l)
        if aw:
            W = np.empty(shp, np.float32)
            check(lib.xbar_aw_get_weights(aw, W.ctypes.data))
            return W
        v, n = self._param(l, 0)
        return np.ctypeslib.as_array((ctypes.c_float * n).from_address(v)).reshape(shp).copy()

    def set_weights(self, l, W):
        """Set layer l's visible weights (analog: through xbar_aw_set_weights)."""
        shp = self.weight_shape(l)
        if shp is None:
            raise ValueError("layer %d has no weights" % l)
        A.f32(W, "W", shp)
        aw = lib.xbar_net_layer_aw(self.ptr, l)
        if aw:
            check(lib.xbar_aw_set_weights(aw, W.ctypes.data))
            return
        if not np.isfinite(W).all():
            raise ValueError("W: must be finite")
        v, n = self._param(l, 0)
        ctypes.memmove(v, W.ctypes.data, 4 * n)

    def get_param(self, l, which):
        """"bias" or "scale" of layer l as a float32 copy (None if the layer has none)."""
        v, n = self._param(l, {"weight": 0, "bias": 1, "scale": 2}[which])
        if not v:
            return None
        return np.ctypeslib.as_array((ctypes.c_float * n).from_address(v)).copy()

    def set_param(self, l, which, values):
        """Set "bias" or "scale" of layer l (finite float32 of its length)."""
        v, n = self._param(l, {"bias": 1, "scale": 2}[which])
        if not v:
            raise ValueError("layer %d has no %s" % (l, which))
        A.f32(values, which, (n,))
        if not np.isfinite(values).all():
            raise ValueError("%s: must be finite" % which)
        ctypes.memmove(v, values.ctypes.data, 4 * n)

    def optimizer_arrays(self, l):
        """Every array layer l's optimizer stores (xbar_aw_array), by name; {} if digital."""
        aw = lib.xbar_net_layer_aw(self.ptr, A.count(l, "layer"))
        return _aw_arrays(aw) if aw else {}

    @property
    def pulse_count(self):
        return lib.xbar_net_pulse_count(self.ptr)

    def pulse_counts(self):
        """Pulses and events of every analog layer by phase, as a dict of ints."""
        return _pulse_counts(lib.xbar_net_pulse_counts, self.ptr)

    def find_nonfinite(self, which=_FIND_PARAMS | _FIND_ACTIVATIONS | _FIND_GRADIENTS):
        """The first NaN / Inf (a dict: layer, kind, what, index, value) or None."""
        nf = xbar_nonfinite()
        if not lib.xbar_net_find_nonfinite(self.ptr, which, ctypes.addressof(nf)):
            return None
        return {"layer": nf.layer, "kind": lib.xbar_layer_kind_name(nf.kind).decode(), "rows": nf.rows,
                "cols": nf.cols, "what": nf.what.decode() if nf.what else "", "index": nf.index,
                "value": nf.value}

    # -- state -----------------------------------------------------------------------
    def state(self):
        """The network's whole mutable state (xbar_net_save) as bytes."""
        return save_bytes(lib.xbar_net_save, self.ptr)

    def state_crc32(self):
        """CRC-32 of state(): summary.json's state_crc32 of `xbar train`."""
        return "%08x" % (zlib.crc32(self.state()) & 0xffffffff)

    def load_state(self, data):
        """Restore state() bytes into a network built from the same configuration."""
        load_bytes(lib.xbar_net_load, self.ptr, data)

    def save(self, path):
        """Write state() to path (an "XBNT" record; xbar.export reads it back)."""
        data = self.state()
        with open(path, "wb") as f:
            f.write(data)

    def load(self, path):
        """Load a file of save() or a checkpoint.xbc of `xbar train` into this network."""
        with open(path, "rb") as f:
            data = f.read()
        if data[:8] == b"XBARCKP1":
            data = parse_checkpoint(data, path)["net"]
        self.load_state(data)


# ---- data -------------------------------------------------------------------------------


def load_data(config=None):
    """(x_train, y_train, x_test, y_test) as `xbar train` loads them: the four IDX files
    of data.dir (or the set's standard place), pixels / 255 as float32 (n, rows, cols),
    the first data.train_limit / data.test_limit samples."""
    cfg = config if isinstance(config, TrainConfig) else TrainConfig(config)
    d = cfg.get("data.dir") or _STD_DIRS[cfg.get("data.set")]
    out = []
    for prefix, limit in (("train", cfg.getint("data.train_limit")), ("t10k", cfg.getint("data.test_limit"))):
        files = []
        for stem in ("%s-images-idx3-ubyte" % prefix, "%s-labels-idx1-ubyte" % prefix):
            for name in (stem + ".gz", stem):
                if os.path.exists(os.path.join(d, name)):
                    files.append(os.path.join(d, name))
                    break
            else:
                raise FileNotFoundError("data: %s/%s.gz not found (install the data sets with: bash "
                                        "scripts/data.sh)" % (d, stem))
        s = xbar_idx_set()
        check(lib.xbar_idx_load(ctypes.addressof(s), files[0].encode(), files[1].encode(), 10), "data")
        try:
            n = s.n if limit <= 0 or limit >= s.n else limit
            img = np.ctypeslib.as_array((ctypes.c_uint8 * (n * s.rows * s.cols)).from_address(s.images))
            x = img.astype(np.float32).reshape(n, s.rows, s.cols) / np.float32(255.0)
            y = np.ctypeslib.as_array((ctypes.c_uint8 * n).from_address(s.labels)).copy()
        finally:
            lib.xbar_idx_free(ctypes.addressof(s))
        out += [x, y]
    return tuple(out)


def _as_data(data):
    """(x_train, y_train, x_test, y_test): float32 pixels (n, h, w) or (n, c, h, w), uint8 labels."""
    if isinstance(data, dict):
        data = (data["x_train"], data["y_train"], data["x_test"], data["y_test"])
    if not isinstance(data, (tuple, list)) or len(data) != 4:
        raise TypeError("data: expected (x_train, y_train, x_test, y_test)")
    out = []
    for name, x, y in (("x_train", data[0], data[1]), ("x_test", data[2], data[3])):
        if isinstance(x, np.ndarray) and x.dtype == np.uint8:
            x = x.astype(np.float32) / np.float32(255.0)  # as `xbar train` reads IDX pixels
        A.f32(x, name, ndim=(2, 3, 4))
        A.u8(y, name.replace("x", "y"), (x.shape[0],))
        if x.shape[0] < 1:
            raise ValueError("%s: no samples" % name)
        out += [x, y]
    if out[0].shape[1:] != out[2].shape[1:]:
        raise ValueError("data: training samples are %s, test samples %s" % (out[0].shape[1:], out[2].shape[1:]))
    return tuple(out)


def _input_shape(x):
    return (1,) + x.shape[1:] if x.ndim == 3 else ((x.shape[1], 1, 1) if x.ndim == 2 else x.shape[1:])


# ---- the epoch loop -------------------------------------------------------------------------


def permutation(n, seed, epoch):
    """The Fisher-Yates permutation of range(n) that `xbar train` draws for pass `epoch`
    from its seed (Philox4x32-10 words, key = seed, stream (XBAR_RNG_USER + 1, 0, epoch))."""
    p = list(range(n))
    key = (ctypes.c_uint32 * 2)(seed & 0xffffffff, (seed >> 32) & 0xffffffff)
    stream = (_SHUFFLE_PURPOSE << 56) | (epoch & 0xffffffff)
    ctr = (ctypes.c_uint32 * 4)(0, 0, stream & 0xffffffff, stream >> 32)
    r = (ctypes.c_uint32 * 4)()
    philox, ra, ca, ka = lib.xbar_philox4x32_10, ctypes.addressof(r), ctypes.addressof(ctr), ctypes.addressof(key)
    k = 0
    for i in range(n - 1, 0, -1):
        if (k & 3) == 0:
            c = k >> 2
            ctr[0], ctr[1] = c & 0xffffffff, c >> 32
            philox(ra, ca, ka)
        j = (r[k & 3] * (i + 1)) >> 32
        p[i], p[j] = p[j], p[i]
        k += 1
    return np.array(p, dtype=np.intp)


class Trainer:
    """The training run of `xbar train` over a Network and data, one epoch at a time:
    ``run_epoch(e)`` trains epoch e (0-based) and evaluates the test set, appending to
    ``history`` what metrics.csv holds. Settings (batch, lr, schedule, seed,
    epoch_samples, eval_batch, timings) come from the network's TrainConfig."""

    def __init__(self, net, data, lr=None, batch=None, seed=None, epoch_samples=None):
        self.net = net
        cfg = net.config
        self.x, self.y, self.xt, self.yt = _as_data(data)
        if self.x[0].size != net.in_size:
            raise ValueError("data: samples of %d values, the network takes %d" % (self.x[0].size, net.in_size))
        self.batch = cfg.getint("train.batch") if batch is None else A.count(batch, "batch", 1)
        self.lr0 = cfg.getfloat("train.lr") if lr is None else A.number(lr, "lr", nonneg=True)
        self.fixed_lr = lr is not None
        self.lr_step, self.lr_gamma = cfg.getint("train.lr_step"), cfg.getfloat("train.lr_gamma")
        self.seed = cfg.getint("train.seed") if seed is None else A.count(seed, "seed")
        es = cfg.getint("train.epoch_samples") if epoch_samples is None else A.count(epoch_samples, "epoch_samples")
        self.N = self.x.shape[0]
        self.S = es if es > 0 else self.N
        self.eval_batch = cfg.getint("train.eval_batch")
        self.timings = cfg.get("train.timings") == "true"
        self.history = {k: [] for k in HISTORY_FIELDS}
        self.steps = 0
        self._perm, self._perm_pass = None, -1
        pix = net.in_size
        self._xflat = self.x.reshape(self.N, pix)
        self._xb = np.empty((self.batch, pix), np.float32)
        self._yb = np.empty(self.batch, np.uint8)

    def lr(self, e):
        """The learning rate of epoch e: lr * lr_gamma^floor(e / lr_step) (StepLR)."""
        if self.fixed_lr:
            return self.lr0
        return self.lr0 * math.pow(self.lr_gamma, float(e // self.lr_step))

    def _diverged(self, e, batch, quantity, v):
        nf = self.net.find_nonfinite()
        where = "none in the weights, activations or gradients" if nf is None else (
            "layer %d (%s %dx%d) %s" % (nf["layer"], nf["kind"], nf["rows"], nf["cols"], nf["what"]) if nf["rows"]
            else "layer %d (%s) %s" % (nf["layer"], nf["kind"], nf["what"]))
        at = "batch %d" % batch if batch else "end of epoch"
        raise DivergedError("diverged at epoch %d, step %d (%s): %s is %g; first non-finite: %s"
                            % (e + 1, self.steps + (batch != 0), at, quantity, v, where), 3)

    def train_part(self, e):
        """The mini-batches of epoch e: (summed loss, correct, samples)."""
        net, B, S, N = self.net, self.batch, self.S, self.N
        lr = ctypes.c_float(self.lr(e)).value
        ptr = net.ptr
        xb, yb, xf, y = self._xb, self._yb, self._xflat, self.y
        xb_p, yb_p = xb.ctypes.data, yb.ctypes.data
        lp, cp, lv, cv = net._loss_p, net._correct_p, net._loss, net._correct
        fwd, loss_fn, bwd, step = lib.xbar_net_forward, lib.xbar_net_loss, lib.xbar_net_backward, lib.xbar_net_step
        find = lib.xbar_net_find_nonfinite
        t0s = e * S
        loss_sum, correct = 0.0, 0
        for s in range(0, S, B):
            bs = min(B, S - s)
            t = t0s + s
            pass0, pass1 = t // N, (t + bs - 1) // N
            if pass0 == pass1:  # the whole batch from one pass
                if pass0 != self._perm_pass:
                    self._perm, self._perm_pass = permutation(N, self.seed, pass0), pass0
                idx = self._perm[t % N:t % N + bs]
            else:
                idx = np.empty(bs, np.intp)
                for k in range(bs):
                    p = (t + k) // N
                    if p != self._perm_pass:
                        self._perm, self._perm_pass = permutation(N, self.seed, p), p
                    idx[k] = self._perm[(t + k) % N]
            np.take(xf, idx, axis=0, out=xb[:bs])
            np.take(y, idx, out=yb[:bs])
            st = fwd(ptr, None, xb_p, bs)
            if not st:
                st = loss_fn(ptr, yb_p, bs, lp, cp)
            if not st and (not math.isfinite(lv.value) or find(ptr, _FIND_ACTIVATIONS, None)):
                self._diverged(e, s // B + 1, "loss", lv.value)
            if not st:
                st = bwd(ptr, None)
            if not st and find(ptr, _FIND_GRADIENTS, None):
                self._diverged(e, s // B + 1, "loss", lv.value)
            if not st:
                st = step(ptr, lr)
            if st:
                check(st, "epoch %d, batch %d" % (e + 1, s // B + 1))
            self.steps += 1
            loss_sum += lv.value * bs
            correct += cv.value
        return loss_sum, correct, S

    def run_epoch(self, e=None):
        """Train epoch e (default: the next one) and evaluate the test set; returns the
        epoch's metrics as a dict (also appended to history)."""
        h = self.history
        if e is None:
            e = len(h["lr"])
        net = self.net
        p0 = net.pulse_count
        c0 = net.pulse_counts()
        t0 = time.monotonic()
        loss_sum, correct, S = self.train_part(e)
        t_train = time.monotonic() - t0
        if math.isfinite(loss_sum):  # a loss-driven schedule (multi_tile_rl's warm start), as xbar train
            check(lib.xbar_net_observe_loss(net.ptr, loss_sum / S), "epoch %d" % (e + 1))
        test_loss, test_ok = net.evaluate(self.xt.reshape(self.xt.shape[0], -1), self.yt, self.eval_batch)
        nt = self.xt.shape[0]
        if not math.isfinite(loss_sum):
            self._diverged(e, 0, "train loss", loss_sum / S)
        if not math.isfinite(test_loss) or net.find_nonfinite(_FIND_PARAMS) is not None:
            self._diverged(e, 0, "test loss", test_loss / nt)
        c1 = net.pulse_counts()
        row = {"train_loss": loss_sum / S, "train_acc": 100.0 * correct / S, "test_loss": test_loss / nt,
               "test_acc": 100.0 * test_ok / nt, "lr": self.lr(e),
               "seconds": time.monotonic() - t0 if self.timings else 0.0,
               "samples_per_s": S / t_train if self.timings and t_train > 0 else 0.0,
               "pulses": float(net.pulse_count - p0)}
        for k in HISTORY_FIELDS[8:]:
            row[k] = float(c1[k] - c0[k])
        for k in HISTORY_FIELDS:
            h[k].append(row[k])
        return row


class TrainResult(dict):
    """What train() returns: a dict with "epoch" and every metrics.csv column as numpy
    arrays (one value per epoch), "state_crc32", "updates", "model" (the network's
    description), "config" (the assignments); the trained network is .network."""


def train(config=None, data=None, *, overrides=None, seed=None, epochs=None, threads=None, callback=None):
    """Train as `xbar train --config CONFIG --set ... --seed SEED` and return its metrics.

    config: a path of an INI file (a run's config.ini included), a dict or a list of
    "section.key=value" (sections data, model, train, optimizer, device, update,
    transfer, forward, backward, transfer_io, slow_device); overrides: more assignments
    applied after it (as --set); seed: train.seed (as --seed); epochs: train.epochs.
    data: None (the IDX files of data.dir, as the program), or (x_train, y_train,
    x_test, y_test) numpy arrays: float32 pixels (n, h, w) (or uint8, divided by 255 as
    the program does) and uint8 labels. threads: xbar_set_threads (no effect on results).
    callback(epoch, row): called after each epoch with its metrics.
    """
    assigns = _config.assignments(config) + _config.assignments(overrides)
    if seed is not None:
        assigns.append("train.seed=%d" % A.count(seed, "seed"))
    if epochs is not None:
        assigns.append("train.epochs=%d" % A.count(epochs, "epochs", 1))
    cfg = TrainConfig(assigns)
    if threads is not None:
        lib.xbar_set_threads(A.count(threads, "threads", 1))
    data = load_data(cfg) if data is None else data
    x = _as_data(data)[0]
    net = Network(cfg, _input_shape(x))
    if net.out_size != 10:
        raise InvalidArgumentError("model.layers = '%s': the last layer has %d outputs, the data has 10 classes"
                                   % (cfg.get("model.layers"), net.out_size), 1)
    tr = Trainer(net, data)
    for e in range(cfg.getint("train.epochs")):
        row = tr.run_epoch(e)
        if callback is not None:
            callback(e, row)
    res = TrainResult({k: np.array(v, dtype=np.float64) for k, v in tr.history.items()})
    res["epoch"] = np.arange(1, len(tr.history["lr"]) + 1)
    res["state_crc32"] = net.state_crc32()
    res["updates"] = tr.steps
    res["model"] = net.describe()
    res["config"] = list(cfg.assignments)
    res.network = net
    return res


# ---- checkpoints and export -------------------------------------------------------------------


def parse_checkpoint(data, name="checkpoint"):
    """The parts of a checkpoint.xbc of `xbar train` (format 2 to 4, CRC checked):
    a dict with "version", "epochs", "steps", "config_hash", "xbar", "history" (dict
    of float64 arrays) and "net" (the xbar_net_save bytes)."""
    def bad(why):
        raise FormatError("%s: %s" % (name, why), 4)
    if len(data) < 68 or data[:8] != b"XBARCKP1":
        bad("not an xbar training checkpoint")
    ver, = struct.unpack_from("<I", data, 8)
    length, config_hash = struct.unpack_from("<QQ", data, 16)
    if length != len(data):
        bad("truncated (%d of %d bytes)" % (len(data), length))
    crc, = struct.unpack_from("<I", data, len(data) - 4)
    if zlib.crc32(data[:-4]) & 0xffffffff != crc:
        bad("corrupt (CRC mismatch)")
    per = {2: 8, 3: 12, 4: 14}.get(ver)
    if per is None:
        bad("format version %d, this reads 2 to 4" % ver)
    epochs, = struct.unpack_from("<I", data, 48)
    steps, = struct.unpack_from("<Q", data, 56)
    off = 64
    need = off + 8 * per * epochs
    if need > len(data):
        bad("truncated history")
    hist = np.frombuffer(data, "<f8", per * epochs, off).reshape(epochs, per)
    history = {k: (hist[:, i].copy() if i < per else np.zeros(epochs)) for i, k in enumerate(HISTORY_FIELDS)}
    off = need
    T, = struct.unpack_from("<I", data, off)
    off += 4
    for _ in range(T):
        _, _, n = struct.unpack_from("<IIQ", data, off)
        off += 24 + 24 * n
        if off > len(data):
            bad("truncated device records")
    L, = struct.unpack_from("<Q", data, off)
    off += 8
    if off + L + 4 != len(data):
        bad("network record of %d bytes does not fit" % L)
    return {"version": ver, "epochs": epochs, "steps": steps, "config_hash": config_hash,
            "xbar": data[32:48].rstrip(b"\0").decode(), "history": history, "net": data[off:off + L]}


def _config_beside(path):
    d = os.path.dirname(os.path.abspath(path))
    c = os.path.join(d, "config.ini")
    return c if os.path.exists(c) else None


def load_checkpoint(path, config=None, input_shape=None):
    """(network, info) from a checkpoint.xbc of `xbar train` or a file of Network.save.
    config: the run's configuration (default: the config.ini beside the file);
    input_shape: (c, h, w) (default: that of the run's data, read from its IDX headers,
    else (1, 28, 28))."""
    with open(path, "rb") as f:
        data = f.read()
    info = parse_checkpoint(data, path) if data[:8] == b"XBARCKP1" else {"net": data, "history": None}
    if config is None:
        config = _config_beside(path)
        if config is None:
            raise FileNotFoundError("%s: no config.ini beside it; pass config=" % path)
    cfg = config if isinstance(config, TrainConfig) else TrainConfig(config)
    if input_shape is None:
        input_shape = _idx_shape(cfg) or (1, 28, 28)
    net = Network(cfg, input_shape)
    net.load_state(info["net"])
    return net, info


def _idx_shape(cfg):
    d = cfg.get("data.dir") or _STD_DIRS.get(cfg.get("data.set"), "")
    for name in ("train-images-idx3-ubyte", "train-images-idx3-ubyte.gz"):
        p = os.path.join(d, name)
        if os.path.exists(p):
            import gzip
            opener = gzip.open if p.endswith(".gz") else open
            try:
                with opener(p, "rb") as f:
                    hdr = f.read(16)
                _, _, rows, cols = struct.unpack(">IIII", hdr)
                return (1, rows, cols)
            except (OSError, struct.error):
                return None
    return None


def export(ckpt, path, config=None, input_shape=None):
    """Write the weights and optimizer state of a checkpoint to numpy files.

    ckpt: a checkpoint.xbc of `xbar train` (or a file of Network.save); config,
    input_shape: as load_checkpoint. path ending in .npz: one archive; else a folder
    (created) with one .npy per array. Names: "layer{l}.weights" (the visible
    weights, rows x cols), "layer{l}.bias", "layer{l}.scale", "layer{l}.opt.{array}"
    (every array the layer's optimizer stores: tiles, buffers, references),
    "layer{l}.pulses" ([grad, transfer, reads, writes, calib, prog_events]) and, for a
    checkpoint of `xbar train`, "history.{column}" per epoch. Returns the dict written.
    """
    net, info = load_checkpoint(ckpt, config, input_shape)
    out = {}
    for l in range(net.n_layers):
        W = net.get_weights(l)
        if W is None:
            continue
        out["layer%d.weights" % l] = W
        for which in ("bias", "scale"):
            v = net.get_param(l, which)
            if v is not None:
                out["layer%d.%s" % (l, which)] = v
        aw = lib.xbar_net_layer_aw(net.ptr, l)
        if aw:
            for name, arr in _aw_arrays(aw).items():
                key = "layer%d.opt.%s" % (l, name.replace(" ", "_"))
                out[key] = arr.reshape(W.shape) if arr.size == W.size else arr
            pc = _pulse_counts(lib.xbar_aw_pulse_counts, aw)
            out["layer%d.pulses" % l] = np.array(list(pc.values()), dtype=np.uint64)
    if info.get("history"):
        for k, v in info["history"].items():
            out["history.%s" % k] = v
    path = os.fspath(path)
    if path.endswith(".npz"):
        np.savez(path, **out)
    else:
        os.makedirs(path, exist_ok=True)
        for k, v in out.items():
            np.save(os.path.join(path, k + ".npy"), v)
    return out
