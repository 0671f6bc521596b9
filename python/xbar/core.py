"""Devices, tiles and optimizers ("analog weights") of libxbar.

Each class owns one library object, built from "section.key=value" assignments
(xbar_tile_new_kv, xbar_aw_new_kv) and released when the Python object is collected
or closed. Inputs are numpy float32 arrays, C-contiguous, passed without a copy;
outputs are fresh float32 arrays the library writes into.
"""

import ctypes
import threading

import numpy as np

from . import _arrays as A
from . import _config
from ._lib import check, check_ptr, last_error, lib, load_bytes, save_bytes
from ._lib import xbar_pulse_counts, xbar_response, InvalidArgumentError, Error

__all__ = ["Device", "Tile", "Optimizer", "device_models", "optimizer_kinds"]


def device_models():
    """Every device model name, in enum order (the values of device.model)."""
    from ._lib import names
    return names(lib.xbar_device_model_names)


def optimizer_kinds():
    """Every optimizer kind name, in enum order (the values of optimizer.kind)."""
    from ._lib import names
    return names(lib.xbar_opt_kind_names)


class _Handle:
    """An owned library pointer; closed once (close() or collection)."""

    _free = None

    def __init__(self, ptr):
        self._ptr = ptr
        self._lock = threading.Lock()

    @property
    def ptr(self):
        p = self._ptr
        if not p:
            raise ValueError("%s: used after close()" % type(self).__name__)
        return p

    def close(self):
        """Release the library object now (further use raises ValueError)."""
        p, self._ptr = self._ptr, None
        if p and self._free is not None:
            type(self)._free(p)

    def __del__(self):
        try:
            self.close()
        except Exception:
            pass

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()


def _kv(config):
    a = _config.assignments(config)
    for s in a:
        if "\0" in s:
            raise ValueError("%r: NUL in an assignment" % s)
    return a


def _last_value(assigns, key, default):
    v = default
    for a in assigns:
        if "=" not in a:
            continue  # malformed: the library names it
        k, val = _config.split(a)
        if k == key:
            v = val
    return v


def _refuse_unused_device_keys(assigns, model_key="device.model", section="device", default_model="ald"):
    """A [device] key given explicitly that the chosen model does not read is refused, as
    the xbar program refuses it ("device.tau = 0.5: the soft_bounds model does not use tau ...")."""
    model = _last_value(assigns, model_key, default_model)
    m = lib.xbar_device_model_from_name(model.encode())
    if m < 0:
        return  # the library names the bad model
    for a in assigns:
        if "=" not in a:
            continue
        k, v = _config.split(a)
        if not k.startswith(section + ".") or k == model_key:
            continue
        key = k[len(section) + 1:]
        why = lib.xbar_device_key_unused(m, key.encode())
        if why:
            raise InvalidArgumentError("%s = %s: the %s model does not use %s %s"
                                       % (k, v, model, key, why.decode()), 1)


class _ReadUpdate:
    """forward / backward / update over a C object with the signature family of xbar_tile_*
    and xbar_aw_* (self._c_forward, _c_backward, _c_update; self.rows, self.cols)."""

    def forward(self, X):
        """Y = W X per sample, through the read path (IO of a tile, the visible weight of an
        optimizer): X (batch, cols) or (cols,) float32 -> (batch, rows)."""
        b, one = A.batch2d(X, "X", self.cols)
        Y = np.empty((b, self.rows), np.float32)
        check(self._c_forward(self.ptr, Y.ctypes.data, X.ctypes.data, b))
        return Y[0] if one else Y

    def backward(self, D):
        """Z = W^T D per sample: D (batch, rows) or (rows,) float32 -> (batch, cols)."""
        b, one = A.batch2d(D, "D", self.rows)
        Z = np.empty((b, self.cols), np.float32)
        check(self._c_backward(self.ptr, Z.ctypes.data, D.ctypes.data, b))
        return Z[0] if one else Z

    def update(self, X, D, lr):
        """One update from per-sample factors, desired dW = -lr sum_b D[b] X[b]^T
        (X: batch x cols, D: batch x rows): pulses on a tile, the optimizer's step otherwise."""
        b, _ = A.batch2d(X, "X", self.cols)
        bd, _ = A.batch2d(D, "D", self.rows)
        if b != bd:
            raise ValueError("X has %d samples, D %d" % (b, bd))
        lr = A.number(lr, "lr", nonneg=True)
        check(self._c_update(self.ptr, X.ctypes.data, D.ctypes.data, b, lr))


class Tile(_ReadUpdate, _Handle):
    """A crossbar tile of rows x cols devices (xbar_tile_new_kv).

    config: assignments of the sections device, update, forward, backward and tile
    (tile.seed, tile.id), e.g. ``{"device.model": "ald", "device.tau": 0.5,
    "update.scheme": "expected"}``. Defaults: the ALD device, aihwkit's update and IO
    defaults, seed 0, id 0. Weights start at 0 clipped to the device bounds.
    """

    _c_forward = staticmethod(lib.xbar_tile_forward)
    _c_backward = staticmethod(lib.xbar_tile_backward)
    _c_update = staticmethod(lib.xbar_tile_update)

    _free = lib.xbar_tile_free

    def __init__(self, rows, cols, config=None, _borrowed=None):
        if _borrowed is not None:  # a view of a tile owned by an optimizer
            super().__init__(_borrowed[0])
            self._owner = _borrowed[1]
            self._free_view = True
            self.rows, self.cols = rows, cols
            return
        rows, cols = A.count(rows, "rows", 1), A.count(cols, "cols", 1)
        assigns = _kv(config)
        _refuse_unused_device_keys(assigns)
        arr, keep = _config_array(assigns)
        ptr = check_ptr(lib.xbar_tile_new_kv(rows, cols, arr, len(assigns)), "Tile")
        super().__init__(ptr)
        self.rows, self.cols = rows, cols
        self.config = assigns

    def close(self):
        if getattr(self, "_free_view", False):
            self._ptr = None
            return
        super().close()

    # -- weights ---------------------------------------------------------------------
    def get_weights(self):
        """W (rows x cols) as a new float32 array."""
        W = np.empty((self.rows, self.cols), np.float32)
        check(lib.xbar_tile_get_weights(self.ptr, W.ctypes.data, self.cols))
        return W

    def set_weights(self, W):
        """Set W (rows x cols, finite float32), clipped to the device bounds."""
        A.f32(W, "W", (self.rows, self.cols))
        check(lib.xbar_tile_set_weights(self.ptr, W.ctypes.data, self.cols))

    weights = property(get_weights, set_weights)

    def apply_delta(self, dW):
        """Apply a desired increment dW (rows x cols) with the expected or count scheme."""
        A.f32(dW, "dW", (self.rows, self.cols))
        check(lib.xbar_tile_apply_delta(self.ptr, dW.ctypes.data))

    def zero_shift(self, n, cyclic=True):
        """Zero-shifting calibration: n pulses per device; returns the pulses fired."""
        n = A.count(n, "n")
        out = ctypes.c_uint64()
        check(lib.xbar_tile_zero_shift(self.ptr, n, int(bool(cyclic)), ctypes.addressof(out)))
        return out.value

    @property
    def pulse_count(self):
        """Device pulses fired on this tile so far."""
        return lib.xbar_tile_pulse_count(self.ptr)

    @property
    def update_count(self):
        """Update calls made so far."""
        return lib.xbar_tile_update_count(self.ptr)

    @property
    def device(self):
        """The tile's devices (a Device view, valid while the tile lives)."""
        return Device(_tile=self)

    # -- state -----------------------------------------------------------------------
    def state(self):
        """The tile's checkpoint record (xbar_tile_save) as bytes."""
        return save_bytes(lib.xbar_tile_save, self.ptr)

    def load_state(self, data):
        """Restore a record of state() into a tile of the same configuration."""
        load_bytes(lib.xbar_tile_load, self.ptr, data)


def _config_array(assigns):
    from ._lib import str_array
    return str_array(assigns)


class Device:
    """Response of the devices of a [device] section, e.g. ``Device({"device.model":
    "soft_bounds", "device.w_max": 1})`` or ``Device(["device.model=ald", "device.tau=0.6"])``.

    The devices are those of a 1 x n tile built with the assignments (its construction
    draws: device-to-device variation per device index). Per device index i:
    pulse_response (n up then n down pulses), q+ / q- / F / G over weights, the
    symmetric point and the bounds.
    """

    def __init__(self, config=None, n=1, _tile=None):
        if _tile is None:
            _tile = Tile(1, A.count(n, "n", 1), config)
            self.n = _tile.cols
        else:
            self.n = _tile.rows * _tile.cols
        self._tile = _tile

    @property
    def _d(self):
        p = lib.xbar_tile_devices(self._tile.ptr)
        return check_ptr(p)

    def _index(self, i):
        i = A.count(i, "index")
        if i >= self.n:
            raise IndexError("device index %d: the set has %d devices" % (i, self.n))
        return i

    def bounds(self, index=0):
        """(b_min, b_max) of device `index`."""
        i, d = self._index(index), self._d
        return float(lib.xbar_device_clip(d, i, -3.0e38)), float(lib.xbar_device_clip(d, i, 3.0e38))

    def pulse_response(self, n_up, n_down=None, w0=None, index=0, noise=False, seed=0):
        """Weights along n_up up pulses then n_down down pulses (default n_up) from w0
        (default the lower bound): a float32 array of 1 + n_up + n_down values, the
        first w0 (clipped). noise=True draws the cycle-to-cycle noise of each pulse
        from standard normals of xbar_rng_normal_fill(seed, stream 0) (noise-free
        otherwise)."""
        i, d = self._index(index), self._d
        n_up = A.count(n_up, "n_up")
        n_down = n_up if n_down is None else A.count(n_down, "n_down")
        lo, _ = self.bounds(i)
        w = np.float32(lo if w0 is None else A.number(w0, "w0"))
        w = np.float32(lib.xbar_device_clip(d, i, float(w)))
        total = n_up + n_down
        xi = np.zeros(max(total, 1), np.float32)
        if noise and total:
            lib.xbar_rng_normal_fill(xi.ctypes.data, total, A.count(seed, "seed"), 0, 0)
        out = np.empty(total + 1, np.float32)
        out[0] = w
        pulse = lib.xbar_device_pulse
        for k in range(total):
            w = pulse(d, i, float(w), 1 if k < n_up else 0, float(xi[k]))
            out[k + 1] = w
        return out

    def response(self, w, index=0):
        """q_up, q_dn, F, G, dF, dG at the weights w (array-like of float64) of device
        `index`, each a float64 array of w's shape (xbar_device_response)."""
        i, d = self._index(index), self._d
        w = np.asarray(w, dtype=np.float64)
        out = {k: np.empty(w.shape) for k in ("q_up", "q_dn", "F", "G", "dF", "dG")}
        r = xbar_response()
        flat = w.reshape(-1)
        views = {k: v.reshape(-1) for k, v in out.items()}
        for j, x in enumerate(flat):
            check(lib.xbar_device_response(d, i, float(x), ctypes.addressof(r)))
            for k in views:
                views[k][j] = getattr(r, k)
        return out

    def q(self, w, index=0):
        """(q+, q-) at w: the response factors (step / granularity)."""
        r = self.response(w, index)
        return r["q_up"], r["q_dn"]

    def FG(self, w, index=0):
        """(F, G) at w: F = (q- + q+)/2, G = (q- - q+)/2."""
        r = self.response(w, index)
        return r["F"], r["G"]

    def symmetric_point(self, index=0):
        """The weight where G = 0 of device `index`."""
        i, d = self._index(index), self._d
        v = lib.xbar_device_symmetric_point(d, i)
        if v != v:
            raise Error(last_error() or "no symmetric point")
        return float(v)


class Optimizer(_ReadUpdate, _Handle):
    """A learned rows x cols weight (xbar_aw_new_kv): digital SGD, Analog SGD,
    Tiki-Taka and its successors (every kind of optimizer_kinds()).

    config: assignments of the sections optimizer, transfer, transfer_io and the tile
    sections (device, update, forward, backward, tile), as the config files hold them,
    e.g. ``{"optimizer.kind": "tiki_taka", "optimizer.fast_lr": 0.1,
    "device.model": "ald", "device.tau": 0.6}``. Defaults: Analog SGD on an ALD tile
    with aihwkit's update and IO defaults.
    """

    _c_forward = staticmethod(lib.xbar_aw_forward)
    _c_backward = staticmethod(lib.xbar_aw_backward)
    _c_update = staticmethod(lib.xbar_aw_update)

    _free = lib.xbar_aw_free

    def __init__(self, rows, cols, config=None):
        rows, cols = A.count(rows, "rows", 1), A.count(cols, "cols", 1)
        assigns = _kv(config)
        _refuse_unused_device_keys(assigns)
        arr, keep = _config_array(assigns)
        ptr = check_ptr(lib.xbar_aw_new_kv(rows, cols, arr, len(assigns)), "Optimizer")
        super().__init__(ptr)
        self.rows, self.cols = rows, cols
        self.kind = _last_value(assigns, "optimizer.kind", "analog_sgd")
        self.config = assigns

    def get_weights(self):
        """The visible weights W (rows x cols) as a new float32 array."""
        W = np.empty((self.rows, self.cols), np.float32)
        check(lib.xbar_aw_get_weights(self.ptr, W.ctypes.data))
        return W

    def set_weights(self, W):
        """Set the visible weights (finite float32, rows x cols); Tiki-Taka: C = W, A = 0."""
        A.f32(W, "W", (self.rows, self.cols))
        check(lib.xbar_aw_set_weights(self.ptr, W.ctypes.data))

    weights = property(get_weights, set_weights)

    def step(self, G, lr):
        """One optimizer step from a dense gradient G (rows x cols): desired dW = -lr G."""
        A.f32(G, "G", (self.rows, self.cols))
        lr = A.number(lr, "lr", nonneg=True)
        check(lib.xbar_aw_step_dense(self.ptr, G.ctypes.data, lr))

    @property
    def pulse_count(self):
        """Device pulses fired on every tile."""
        return lib.xbar_aw_pulse_count(self.ptr)

    def pulse_counts(self):
        """Pulses and events by phase (xbar_aw_pulse_counts) as a dict of ints."""
        return _pulse_counts(lib.xbar_aw_pulse_counts, self.ptr)

    def observe_loss(self, loss):
        """Report the training loss of a finished epoch (or any regular interval) to an
        optimizer that schedules on it (multi_tile_rl with mt_warm_start); others ignore it."""
        check(lib.xbar_aw_observe_loss(self.ptr, float(loss)), "observe_loss")

    def arrays(self):
        """Every array the optimizer stores, by name ("weights" first, "fast tile A",
        buffers ...), as float32 copies."""
        return _aw_arrays(self.ptr)

    def tile(self, which="fast"):
        """The fast tile A (or the only tile) or the slow tile C ("slow") as a Tile view;
        None for the digital optimizer."""
        fn = lib.xbar_aw_fast_tile if which == "fast" else lib.xbar_aw_slow_tile
        p = fn(self.ptr)
        if not p:
            return None
        return Tile(self.rows, self.cols, _borrowed=(p, self))

    def state(self):
        """The optimizer's checkpoint record (xbar_aw_save) as bytes."""
        return save_bytes(lib.xbar_aw_save, self.ptr)

    def load_state(self, data):
        """Restore a record of state() into an optimizer of the same configuration."""
        load_bytes(lib.xbar_aw_load, self.ptr, data)


def _pulse_counts(fn, ptr):
    pc = xbar_pulse_counts()
    check(fn(ptr, ctypes.addressof(pc)))
    return {k: int(getattr(pc, k)) for k, _ in pc._fields_}


def _aw_arrays(aw):
    out = {}
    n_arr = lib.xbar_aw_n_arrays(aw)
    for k in range(n_arr):
        what, n = ctypes.c_char_p(), ctypes.c_size_t()
        p = lib.xbar_aw_array(aw, k, ctypes.addressof(what), ctypes.addressof(n))
        if not p:
            continue
        name = what.value.decode() if what.value else "array%d" % k
        if name in out:
            name = "%s_%d" % (name, k)
        out[name] = np.ctypeslib.as_array((ctypes.c_float * n.value).from_address(p)).copy()
    return out
