"""The least-squares experiments of `xbar lsq` (the paper's Figures 1, 3, 4, the
Theorem 3 instance, Analog SGD vs Tiki-Taka).

``lsq(config)`` expands a configuration into curves exactly as the program does
(src/cli/lsq/lsq_cfg.c: curve kinds x the values of one swept key, presets, the
order defaults < preset < config < overrides < seed < sweep value) and runs each
curve with xbar_lsq_run on a set-up built by xbar_lsq_setup_set from the same
assignments: the numbers are bit-identical to `xbar lsq`'s metrics.csv and
summary.json for the same configuration and seed.
"""

import ctypes

import numpy as np

from . import _arrays as A
from . import _config
from ._lib import InvalidArgumentError, check, check_ptr, lib, xbar_lsq_result
from .core import _Handle

__all__ = ["lsq", "LsqSetup", "presets", "smooth"]

_OWN = ("lsq.preset", "lsq.kinds", "lsq.sweep_key", "lsq.sweep_values", "lsq.ema")
_SCALARS = ("final_error", "w_err", "S_K", "sigma2", "bound_4sigma2_SK", "grad2_mean", "ratio", "ratio_paper",
            "winf_max", "w_noise", "seconds")


def presets():
    """The preset names of `xbar lsq --preset`."""
    return list(_config.LSQ_PRESETS)


class LsqSetup(_Handle):
    """One curve's set-up (xbar_lsq_setup) with the `xbar lsq` defaults, built from
    assignments of the sections lsq, device, update, optimizer, transfer, slow_device."""

    _free = lib.xbar_lsq_setup_free

    def __init__(self, assignments=()):
        super().__init__(check_ptr(lib.xbar_lsq_setup_new(), "LsqSetup"))
        for a in assignments:
            self.set(a)

    def set(self, assignment):
        check(lib.xbar_lsq_setup_set(self.ptr, assignment.encode("utf-8")))

    def get(self, key):
        buf = ctypes.create_string_buffer(512)
        check(lib.xbar_lsq_setup_get(self.ptr, key.encode(), buf, len(buf)))
        return buf.value.decode()

    def check(self, kind):
        """Raise InvalidArgumentError if the set-up is refused for curve kind `kind`."""
        why = lib.xbar_lsq_setup_check(self.ptr, kind)
        if why:
            raise InvalidArgumentError(why.decode(), 1)

    def run(self, kind):
        """Run one curve of kind `kind` (a name or xbar_lsq_kind): a dict of its
        arrays (loss, grad2, winf, pinf: float32, one per iteration) and numbers."""
        k = _kind(kind)
        r = xbar_lsq_result()
        st = lib.xbar_lsq_run(self.ptr, k, ctypes.addressof(r))
        try:
            check(st)
            n = r.n
            out = {name: np.ctypeslib.as_array(getattr(r, name), (n,)).copy() if n else np.zeros(0, np.float32)
                   for name in ("loss", "grad2", "winf", "pinf")}
            for name in _SCALARS:
                out[name] = getattr(r, name)
            out["pulses"] = int(r.pulses)
            out["iterations"] = n
        finally:
            lib.xbar_lsq_result_free(ctypes.addressof(r))
        return out


def _kind(kind):
    if isinstance(kind, str):
        k = lib.xbar_lsq_kind_from_name(kind.encode())
        if k < 0:
            raise InvalidArgumentError("unknown curve kind %s (digital, analog_dynamic, analog_pulse, tt_dynamic, "
                                       "tt_pulse)" % kind, 1)
        return k
    return A.count(kind, "kind")


def _tokens(text):
    """The comma list of the program (next_token): blanks and commas skipped, trimmed."""
    out = []
    for t in text.split(","):
        t = t.lstrip(" ").rstrip(" ")
        if t:
            out.append(t)
    return out


def _affects_digital(key):
    return not (key.startswith(("device.", "update.", "optimizer.", "transfer."))
                or key in ("lsq.states", "lsq.noise_correction"))


class LsqResult(list):
    """The curves of an lsq() run, in the program's order: each a dict with name, kind,
    value (the sweep value, "" without), the float32 arrays loss, grad2, winf, pinf
    and the numbers of summary.json (final_error, S_K, bound_4sigma2_SK, ratio, ...).
    .config holds the assignments, .ema the plot smoothing, .preset the preset."""


def smooth(v, ema):
    """The program's plot smoothing s = ema*s + (1 - ema)*v[k], from s = v[0]."""
    v = np.asarray(v, dtype=np.float64)
    out = np.empty_like(v)
    s = v[0] if len(v) else 0.0
    for k in range(len(v)):
        s = ema * s + (1 - ema) * v[k]
        out[k] = s
    return out


def lsq(config=None, *, preset=None, overrides=None, seed=None, threads=None, progress=None):
    """Run the curves of `xbar lsq [--preset P] [--config C] [--set ...] [--seed S]`.

    preset: a name of presets(); config: a path of an INI file (a run's config.ini
    included), a dict or a list of "section.key=value" (sections lsq, device, update,
    optimizer, transfer, slow_device); overrides: more assignments (as --set); seed:
    lsq.seed (as --seed); threads: xbar_set_threads (no effect on the numbers);
    progress(i, n, name): called before each curve. Returns an LsqResult.
    """
    assigns = []
    if preset is not None:
        if preset not in _config.LSQ_PRESETS:
            raise InvalidArgumentError("unknown preset %s (one of: %s)" % (preset, ", ".join(presets())), 1)
        assigns += _config.LSQ_PRESETS[preset]
    assigns += _config.assignments(config) + _config.assignments(overrides)
    if seed is not None:
        assigns.append("lsq.seed=%d" % A.count(seed, "seed"))
    own = {"lsq.preset": preset or "", "lsq.kinds": "digital,analog_pulse", "lsq.sweep_key": "",
           "lsq.sweep_values": "", "lsq.ema": "0"}
    setup = []
    for a in assigns:
        k, v = _config.split(a)
        if k in own:
            own[k] = v
        else:
            setup.append(a)
    if not own["lsq.kinds"]:
        raise InvalidArgumentError("lsq.kinds = : must not be empty", 1)
    ema = float(own["lsq.ema"])
    if not 0 <= ema < 1:
        raise InvalidArgumentError("lsq.ema = %s: must be in [0, 1)" % own["lsq.ema"], 1)
    base = LsqSetup(setup)  # every assignment checked once, in order
    _refuse_unused(base, setup, own)
    if threads is not None:
        lib.xbar_set_threads(A.count(threads, "threads", 1))
    key, values = own["lsq.sweep_key"], own["lsq.sweep_values"]
    sweep = bool(key)
    if sweep:
        if key.startswith("lsq.sweep"):
            raise InvalidArgumentError("lsq.sweep_key = %s: cannot sweep the sweep" % key, 1)
        if key not in _OWN:
            try:
                base.get(key)
            except InvalidArgumentError:
                raise InvalidArgumentError("lsq.sweep_key = %s: unknown key" % key, 1) from None
    curves = []
    for kind in _tokens(own["lsq.kinds"]):
        k = lib.xbar_lsq_kind_from_name(kind.encode())
        if k < 0:
            raise InvalidArgumentError("lsq.kinds = %s: unknown kind %s (digital, analog_dynamic, analog_pulse, "
                                       "tt_dynamic, tt_pulse)" % (own["lsq.kinds"], kind), 1)
        vals = _tokens(values) if sweep else [None]
        if sweep and not vals:
            raise InvalidArgumentError("lsq.sweep_values = %s: empty while lsq.sweep_key = %s" % (values, key), 1)
        for val in vals:
            if len(curves) >= 32:
                raise InvalidArgumentError("too many curves (at most 32)", 1)
            s = LsqSetup(setup)
            if val is not None and key not in _OWN:
                try:
                    s.set("%s=%s" % (key, val))
                except InvalidArgumentError as e:
                    raise InvalidArgumentError("lsq.sweep_values: %s" % e.message, 1) from None
            suffix = " (curve %s)" % val if val is not None else ""
            if key.startswith("device.") and val is not None:
                m = lib.xbar_device_model_from_name(s.get("device.model").encode())
                why = lib.xbar_device_key_unused(m, key[7:].encode())
                if why:
                    raise InvalidArgumentError("lsq.sweep_key = %s: %s = %s: the %s model does not use %s %s" % (
                        key, key, val, s.get("device.model"), key[7:], why.decode()), 1)
            st = lib.xbar_lsq_setup_load_nodes(s.ptr)
            if st:
                check(st, None)
            why = lib.xbar_lsq_setup_check(s.ptr, k)
            if why:
                raise InvalidArgumentError(why.decode() + suffix, 1)
            short = key.split(".", 1)[1] if sweep else ""
            name = "%s %s=%s" % (kind, short, val) if val is not None else kind
            curves.append({"name": name, "kind": kind, "k": k, "value": val or "", "setup": s})
            if val is not None and k == 0 and not _affects_digital(key):
                curves[-1]["name"], curves[-1]["value"] = kind, ""
                break
    out = LsqResult()
    for i, c in enumerate(curves):
        if progress is not None:
            progress(i, len(curves), c["name"])
        r = c["setup"].run(c["k"])
        c["setup"].close()
        r.update(name=c["name"], kind=c["kind"], value=c["value"])
        out.append(r)
    out.config = assigns
    out.ema = ema
    out.preset = preset or own["lsq.preset"]
    return out


def _refuse_unused(base, setup, own):
    """A [device] key given explicitly that no curve's model reads is refused, as the
    program refuses it (the model of the set-up; a sweep of device.model is left to the
    curves)."""
    if own["lsq.sweep_key"] == "device.model":
        return
    model = base.get("device.model")
    m = lib.xbar_device_model_from_name(model.encode())
    states = int(base.get("lsq.states"))
    for a in setup:
        k, v = _config.split(a)
        if not k.startswith("device.") or k == "device.model":
            continue
        if k == "device.dw_min" and states > 0 and own["lsq.sweep_key"] != "lsq.states":
            raise InvalidArgumentError("device.dw_min = %s: not used while lsq.states = %d sets dw_min = tau / "
                                       "states (bounded models: (w_max - w_min) / 2 / states); give one of the two"
                                       % (v, states), 1)
        why = lib.xbar_device_key_unused(m, k[7:].encode())
        if why:
            raise InvalidArgumentError("%s = %s: the %s model does not use %s %s" % (k, v, model, k[7:],
                                                                                    why.decode()), 1)
