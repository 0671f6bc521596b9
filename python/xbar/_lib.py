"""Loading libxbar.so and the ctypes prototypes of the functions the package calls.

The library is found, in this order, at the path in the environment variable
XBAR_LIBRARY, next to this package (xbar/libxbar.so or xbar/libxbar.so.0), or by the
system loader (libxbar.so.0, then libxbar.so: after `cmake --install`, PREFIX/lib).

Every pointer argument is declared c_void_p and passed as an integer address (a numpy
array's ``.ctypes.data``), which costs less per call than ctypes pointer objects.
"""

import ctypes
import ctypes.util
import os

from ctypes import (POINTER, Structure, c_char_p, c_double, c_float, c_int, c_size_t, c_uint, c_uint32, c_uint64,
                    c_void_p)

_here = os.path.dirname(os.path.abspath(__file__))


class Error(Exception):
    """A call into libxbar failed: ``message`` is xbar_last_error(), ``status`` the
    xbar_status code (1 invalid argument, 2 out of memory, 3 I/O, 4 format)."""

    def __init__(self, message, status=1):
        super().__init__(message)
        self.message = message
        self.status = status


class InvalidArgumentError(Error, ValueError):
    """XBAR_EINVAL: a parameter, key or value was refused (also a ValueError)."""


class FormatError(Error, ValueError):
    """XBAR_EFORMAT: a file's content is malformed (a checkpoint of another network...)."""


class DivergedError(Error):
    """Training produced a NaN or an infinity (the xbar program's exit code 3)."""


def _candidates():
    env = os.environ.get("XBAR_LIBRARY")
    if env:
        return [env], True
    names = [os.path.join(_here, n) for n in ("libxbar.so", "libxbar.so.0")]
    names = [n for n in names if os.path.exists(n)]
    names += ["libxbar.so.0", "libxbar.so"]
    found = ctypes.util.find_library("xbar")
    if found:
        names.append(found)
    return names, False


def _load():
    # libgomp reads OMP_WAIT_POLICY when it is loaded: passive waiting keeps threads > 1
    # from spinning on a shared machine (xbar.h, xbar_set_threads). Only if the process
    # has not loaded libgomp yet and the user did not choose.
    if "OMP_WAIT_POLICY" not in os.environ and "GOMP_SPINCOUNT" not in os.environ:
        os.environ["OMP_WAIT_POLICY"] = "passive"
    names, explicit = _candidates()
    errors = []
    for n in names:
        try:
            return ctypes.CDLL(n), n
        except OSError as e:
            errors.append("%s: %s" % (n, e))
            if explicit:
                break
    raise ImportError("xbar: cannot load libxbar.so (set XBAR_LIBRARY to its path, e.g. build/libxbar.so): "
                      + "; ".join(errors))


lib, path = _load()
libc = ctypes.CDLL(None)

P = c_void_p


class xbar_response(Structure):
    _fields_ = [("q_up", c_double), ("q_dn", c_double), ("F", c_double), ("G", c_double), ("dF", c_double),
                ("dG", c_double)]


class xbar_pulse_counts(Structure):
    _fields_ = [(n, c_uint64) for n in ("grad_pulses", "transfer_pulses", "reads", "writes", "calib_pulses",
                                        "prog_events")]


class xbar_nonfinite(Structure):
    _fields_ = [("layer", c_size_t), ("kind", c_int), ("rows", c_size_t), ("cols", c_size_t), ("what", c_char_p),
                ("index", c_size_t), ("value", c_float)]


class xbar_lsq_result(Structure):
    _fields_ = [("n", c_int), ("loss", POINTER(c_float)), ("grad2", POINTER(c_float)), ("winf", POINTER(c_float)),
                ("pinf", POINTER(c_float))] + [(n, c_double) for n in (
                    "final_error", "w_err", "S_K", "sigma2", "bound_4sigma2_SK", "grad2_mean", "ratio",
                    "ratio_paper", "winf_max", "w_noise")] + [("pulses", c_uint64), ("seconds", c_double)]


class xbar_idx_set(Structure):
    _fields_ = [("n", c_size_t), ("rows", c_size_t), ("cols", c_size_t), ("images", c_void_p), ("labels", c_void_p)]


_S = c_int  # xbar_status

_protos = {
    # errors, version, threads, random numbers
    "xbar_version": (c_int, []),
    "xbar_last_error": (c_char_p, []),
    "xbar_strerror": (c_char_p, [c_int]),
    "xbar_set_threads": (None, [c_int]),
    "xbar_get_threads": (c_int, []),
    "xbar_philox4x32_10": (None, [P, P, P]),
    "xbar_rng_normal_fill": (None, [P, c_size_t, c_uint64, c_uint64, c_uint64]),
    # names
    "xbar_device_model_names": (POINTER(c_char_p), []),
    "xbar_device_model_from_name": (c_int, [c_char_p]),
    "xbar_device_model_name": (c_char_p, [c_int]),
    "xbar_device_uses_key": (c_int, [c_int, c_char_p]),
    "xbar_device_key_unused": (c_char_p, [c_int, c_char_p]),
    "xbar_opt_kind_names": (POINTER(c_char_p), []),
    "xbar_opt_kind_from_name": (c_int, [c_char_p]),
    "xbar_opt_kind_summary": (c_char_p, [c_int]),
    "xbar_device_model_summary": (c_char_p, [c_int]),
    "xbar_layer_kind_name": (c_char_p, [c_int]),
    "xbar_lsq_kind_from_name": (c_int, [c_char_p]),
    "xbar_lsq_kind_name": (c_char_p, [c_int]),
    # devices (views of a tile's set)
    "xbar_device_pulse": (c_float, [P, c_size_t, c_float, c_int, c_float]),
    "xbar_device_pulses": (c_float, [P, c_size_t, c_float, c_int, c_uint]),
    "xbar_device_response": (_S, [P, c_size_t, c_double, P]),
    "xbar_device_symmetric_point": (c_double, [P, c_size_t]),
    "xbar_device_clip": (c_float, [P, c_size_t, c_float]),
    # tiles
    "xbar_tile_new_kv": (P, [c_size_t, c_size_t, P, c_size_t]),
    "xbar_tile_free": (None, [P]),
    "xbar_tile_devices": (P, [P]),
    "xbar_tile_get_config": (P, [P]),
    "xbar_tile_set_weights": (_S, [P, P, c_size_t]),
    "xbar_tile_get_weights": (_S, [P, P, c_size_t]),
    "xbar_tile_forward": (_S, [P, P, P, c_size_t]),
    "xbar_tile_backward": (_S, [P, P, P, c_size_t]),
    "xbar_tile_update": (_S, [P, P, P, c_size_t, c_float]),
    "xbar_tile_apply_delta": (_S, [P, P]),
    "xbar_tile_pulse_count": (c_uint64, [P]),
    "xbar_tile_update_count": (c_uint64, [P]),
    "xbar_tile_zero_shift": (_S, [P, c_uint64, c_int, P]),
    "xbar_tile_save": (_S, [P, P]),
    "xbar_tile_load": (_S, [P, P]),
    # optimizers
    "xbar_aw_new_kv": (P, [c_size_t, c_size_t, P, c_size_t]),
    "xbar_aw_free": (None, [P]),
    "xbar_aw_get_weights": (_S, [P, P]),
    "xbar_aw_set_weights": (_S, [P, P]),
    "xbar_aw_forward": (_S, [P, P, P, c_size_t]),
    "xbar_aw_backward": (_S, [P, P, P, c_size_t]),
    "xbar_aw_update": (_S, [P, P, P, c_size_t, c_float]),
    "xbar_aw_step_dense": (_S, [P, P, c_float]),
    "xbar_aw_fast_tile": (P, [P]),
    "xbar_aw_slow_tile": (P, [P]),
    "xbar_aw_pulse_count": (c_uint64, [P]),
    "xbar_aw_pulse_counts": (_S, [P, P]),
    "xbar_aw_observe_loss": (_S, [P, c_double]),
    "xbar_aw_n_arrays": (c_size_t, [P]),
    "xbar_aw_array": (P, [P, c_size_t, P, P]),
    "xbar_aw_save": (_S, [P, P]),
    "xbar_aw_load": (_S, [P, P]),
    # networks
    "xbar_train_config_new": (P, []),
    "xbar_train_config_free": (None, [P]),
    "xbar_train_config_set": (_S, [P, c_char_p]),
    "xbar_train_config_get": (_S, [P, c_char_p, P, c_size_t]),
    "xbar_train_config_net": (P, [P, c_size_t, c_size_t, c_size_t]),
    "xbar_net_free": (None, [P]),
    "xbar_net_n_layers": (c_size_t, [P]),
    "xbar_net_in_size": (c_size_t, [P]),
    "xbar_net_out_size": (c_size_t, [P]),
    "xbar_net_layer_shape": (_S, [P, c_size_t, P, P, P]),
    "xbar_net_describe": (_S, [P, P, c_size_t]),
    "xbar_net_forward": (_S, [P, P, P, c_size_t]),
    "xbar_net_loss": (_S, [P, P, c_size_t, P, P]),
    "xbar_net_backward": (_S, [P, P]),
    "xbar_net_step": (_S, [P, c_float]),
    "xbar_net_train_batch": (_S, [P, P, P, c_size_t, c_float, P, P]),
    "xbar_net_evaluate": (_S, [P, P, P, c_size_t, c_size_t, P, P]),
    "xbar_net_param": (_S, [P, c_size_t, c_int, P, P, P]),
    "xbar_net_layer_aw": (P, [P, c_size_t]),
    "xbar_net_pulse_count": (c_uint64, [P]),
    "xbar_net_pulse_counts": (_S, [P, P]),
    "xbar_net_observe_loss": (_S, [P, c_double]),
    "xbar_net_find_nonfinite": (c_int, [P, c_uint, P]),
    "xbar_net_save": (_S, [P, P]),
    "xbar_net_load": (_S, [P, P]),
    # least squares
    "xbar_lsq_setup_new": (P, []),
    "xbar_lsq_setup_free": (None, [P]),
    "xbar_lsq_setup_set": (_S, [P, c_char_p]),
    "xbar_lsq_setup_get": (_S, [P, c_char_p, P, c_size_t]),
    "xbar_lsq_setup_load_nodes": (_S, [P]),
    "xbar_lsq_setup_check": (c_char_p, [P, c_int]),
    "xbar_lsq_run": (_S, [P, c_int, P]),
    "xbar_lsq_result_free": (None, [P]),
    # data
    "xbar_idx_load": (_S, [P, c_char_p, c_char_p, c_int]),
    "xbar_idx_free": (None, [P]),
}

_missing = []
for _name, (_res, _args) in _protos.items():
    try:
        _f = getattr(lib, _name)
    except AttributeError:
        _missing.append(_name)
        continue
    _f.restype = _res
    _f.argtypes = _args
if _missing:
    raise ImportError("xbar: %s lacks %s (a libxbar older than this package?)" % (path, ", ".join(_missing)))

for _name, _res, _args in (("fopen", c_void_p, [c_char_p, c_char_p]), ("fclose", c_int, [c_void_p]),
                           ("fmemopen", c_void_p, [c_void_p, c_size_t, c_char_p]),
                           ("open_memstream", c_void_p, [c_void_p, c_void_p]), ("free", None, [c_void_p])):
    getattr(libc, _name).restype = _res
    getattr(libc, _name).argtypes = _args


def last_error():
    """xbar_last_error() as text."""
    m = lib.xbar_last_error()
    return m.decode("utf-8", "replace") if m else ""


_ERRORS = {1: InvalidArgumentError, 2: MemoryError, 4: FormatError}


def fail(status, context=None):
    """Raise the exception of status (XBAR_ENOMEM: MemoryError) with xbar_last_error()."""
    msg = last_error() or lib.xbar_strerror(status).decode()
    if context:
        msg = "%s: %s" % (context, msg)
    cls = _ERRORS.get(status, Error)
    if cls is MemoryError:
        raise MemoryError(msg)
    raise cls(msg, status)


def check(status, context=None):
    if status:
        fail(status, context)


def check_ptr(ptr, context=None):
    """A constructor's result: raise if NULL (the library says why)."""
    if not ptr:
        msg = last_error() or "failed"
        if context:
            msg = "%s: %s" % (context, msg)
        raise InvalidArgumentError(msg, 1)
    return ptr


def names(fn):
    """A NULL-terminated char* array as a list of str."""
    arr = fn()
    out, i = [], 0
    while arr[i]:
        out.append(arr[i].decode())
        i += 1
    return out


def str_array(items):
    """A (char*[n], keep-alive) pair for the key/value constructors."""
    enc = [s.encode("utf-8") for s in items]
    arr = (c_char_p * max(len(enc), 1))(*enc)
    return arr, enc


def save_bytes(save_fn, handle):
    """The bytes save_fn(handle, FILE*) writes, through open_memstream."""
    buf, size = c_void_p(), c_size_t()
    f = libc.open_memstream(ctypes.addressof(buf), ctypes.addressof(size))
    if not f:
        raise MemoryError("open_memstream failed")
    st = save_fn(handle, f)
    rc = libc.fclose(f)
    try:
        data = ctypes.string_at(buf.value, size.value) if buf.value else b""
    finally:
        libc.free(buf)
    check(st)
    if rc:
        raise Error("writing the state failed", 3)
    return data


def load_bytes(load_fn, handle, data):
    """load_fn(handle, FILE*) over the bytes data, through fmemopen."""
    data = bytes(data)
    if not data:
        raise FormatError("empty state", 4)
    buf = ctypes.create_string_buffer(data, len(data))
    f = libc.fmemopen(buf, len(data), b"rb")
    if not f:
        raise MemoryError("fmemopen failed")
    try:
        st = load_fn(handle, f)
    finally:
        libc.fclose(f)
    check(st)
