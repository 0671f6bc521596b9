"""Checks of the numpy arrays handed to the library: no silent conversion, no copy."""

import numbers

import numpy as np


def f32(a, name, shape=None, ndim=None):
    """a as given if it is a C-contiguous float32 ndarray of `shape` (None entries: any),
    else TypeError (not an ndarray, another dtype) or ValueError (shape, layout)."""
    if not isinstance(a, np.ndarray):
        raise TypeError("%s: expected a numpy.ndarray of float32, got %s" % (name, type(a).__name__))
    if a.dtype != np.float32:
        raise TypeError("%s: expected dtype float32, got %s (convert with .astype(numpy.float32))" % (name, a.dtype))
    return _layout(a, name, shape, ndim)


def u8(a, name, shape=None):
    """Labels: a C-contiguous uint8 ndarray (TypeError / ValueError as f32)."""
    if not isinstance(a, np.ndarray):
        raise TypeError("%s: expected a numpy.ndarray of uint8, got %s" % (name, type(a).__name__))
    if a.dtype != np.uint8:
        raise TypeError("%s: expected dtype uint8, got %s" % (name, a.dtype))
    return _layout(a, name, shape, None)


def _layout(a, name, shape, ndim):
    if shape is not None:
        if a.ndim != len(shape) or any(s is not None and s != d for s, d in zip(shape, a.shape)):
            want = "(" + ", ".join("n" if s is None else str(s) for s in shape) + ")"
            raise ValueError("%s: expected shape %s, got %s" % (name, want, a.shape))
    elif ndim is not None and a.ndim not in ndim:
        raise ValueError("%s: expected %s dimensions, got shape %s" % (name, " or ".join(map(str, ndim)), a.shape))
    if not a.flags.c_contiguous:
        raise ValueError("%s: not C-contiguous (pass numpy.ascontiguousarray(%s))" % (name, name))
    if not a.flags.aligned:
        raise ValueError("%s: not aligned" % name)
    return a


def batch2d(a, name, width):
    """(batch, width) or (width,) float32: the batch size and whether a was 1-D."""
    f32(a, name, ndim=(1, 2))
    if a.ndim == 1:
        if a.shape[0] != width:
            raise ValueError("%s: expected %d values, got shape %s" % (name, width, a.shape))
        return 1, True
    if a.shape[1] != width:
        raise ValueError("%s: expected shape (batch, %d), got %s" % (name, width, a.shape))
    return a.shape[0], False


def number(v, name, nonneg=False):
    """A finite real number (bool refused), as float."""
    if isinstance(v, bool) or not isinstance(v, numbers.Real):
        raise TypeError("%s: expected a number, got %s" % (name, type(v).__name__))
    v = float(v)
    if v != v or v in (float("inf"), float("-inf")):
        raise ValueError("%s = %r: must be finite" % (name, v))
    if nonneg and v < 0:
        raise ValueError("%s = %r: must be >= 0" % (name, v))
    return v


def count(v, name, minimum=0):
    """An integer >= minimum (bool refused)."""
    if isinstance(v, bool) or not isinstance(v, numbers.Integral):
        raise TypeError("%s: expected an integer, got %s" % (name, type(v).__name__))
    v = int(v)
    if v < minimum:
        raise ValueError("%s = %d: must be >= %d" % (name, v, minimum))
    return v
