"""xbar: simulated training on analog in-memory computing (AIMC) crossbar tiles.

A Python binding of libxbar (include/xbar.h is the manual; the docstrings here are
taken from it). Objects are built from the same "section.key=value" assignments as
the xbar program's config files and `--set`:

    import numpy as np, xbar
    t = xbar.Tile(4, 3, {"device.model": "ald", "device.tau": 0.5})
    y = t.forward(np.ones((2, 3), np.float32))
    opt = xbar.Optimizer(4, 3, {"optimizer.kind": "tiki_taka"})
    curves = xbar.lsq(preset="tt", overrides={"lsq.iterations": 500})
    res = xbar.train("configs/paper/fcn-tiki-taka-tau0.78.ini", epochs=1)

Errors: a refused call raises xbar.Error (xbar.InvalidArgumentError, also a
ValueError, for a bad key, value or argument; xbar.FormatError for a malformed file)
carrying xbar_last_error()'s message; arrays of the wrong type raise TypeError, of
the wrong shape or layout ValueError. The library is found through the environment
variable XBAR_LIBRARY, next to the package, or by the system loader.
"""

from ._lib import DivergedError, Error, FormatError, InvalidArgumentError, last_error
from ._lib import lib as _clib
from ._lib import path as library_path
from .core import Device, Optimizer, Tile, device_models, optimizer_kinds
from .lsq import LsqSetup, lsq, presets, smooth
from .net import (Network, TrainConfig, Trainer, export, load_checkpoint, load_data, parse_checkpoint, permutation,
                  train)

__version__ = "0.1.0"


def version():
    """The library's runtime version as "MAJOR.MINOR.PATCH" (xbar_version)."""
    v = _clib.xbar_version()
    return "%d.%d.%d" % (v // 10000, v // 100 % 100, v % 100)


def set_threads(n):
    """Threads used by the library's parallel loops (default 1). Results do not depend
    on it. Threads wait passively when the package set OMP_WAIT_POLICY=passive before
    libgomp was loaded (it does unless the environment chose)."""
    from ._arrays import count
    _clib.xbar_set_threads(count(n, "n", 1))


def get_threads():
    """Threads used by the library's parallel loops."""
    return _clib.xbar_get_threads()


__all__ = ["Error", "InvalidArgumentError", "FormatError", "DivergedError", "last_error", "Device", "Tile",
           "Optimizer", "device_models", "optimizer_kinds", "LsqSetup", "lsq", "presets", "smooth", "Network",
           "TrainConfig", "Trainer", "train", "export", "load_checkpoint", "load_data", "parse_checkpoint",
           "permutation", "version", "set_threads", "get_threads", "library_path"]
