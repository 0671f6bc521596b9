"""Configurations as ordered "section.key=value" assignments, the form of `xbar --set`.

A configuration is given as
  - None (the defaults),
  - a path (str or os.PathLike) of an INI file, as `--config` reads it (the config.ini
    an xbar run writes included: its unused keys are comments),
  - a dict: {"section.key": value} or {"section": {"key": value}},
  - a list / tuple of "section.key=value" strings (or of any of the above, applied in
    order).
Values are written as the config files hold them: booleans true / false, floats in
the shortest form that reads back to the same double (repr), the rest with str().
"""

import os

LSQ_PRESETS = {
    "fig1": ["lsq.kinds=digital,analog_pulse", "lsq.sweep_key=lsq.lr", "lsq.sweep_values=0.2,0.1,0.05,0.03",
             "lsq.dim=40", "lsq.rows=100", "lsq.w_star_scale=0.45", "lsq.a_scale=1", "lsq.half=0",
             "lsq.iterations=2500", "lsq.noise=0.0015811388", "device.model=ald", "device.tau=3",
             "device.dw_min=1e-4", "update.scheme=stochastic", "update.desired_bl=800", "lsq.ema=0.9"],
    "fig3": ["lsq.kinds=digital,analog_dynamic,analog_pulse", "lsq.sweep_key=device.tau",
             "lsq.sweep_values=1,1.5,2,2.5", "lsq.dim=40", "lsq.rows=100", "lsq.w_star_scale=0.3", "lsq.a_scale=0.5",
             "lsq.half=1", "lsq.lr=0.03", "lsq.iterations=2500", "lsq.noise=0.1", "lsq.noise_correction=1",
             "lsq.states=300", "device.model=ald", "update.scheme=stochastic", "update.desired_bl=5000",
             "lsq.ema=0.8"],
    "fig4-tau": ["lsq.kinds=digital,analog_pulse", "lsq.sweep_key=device.tau", "lsq.sweep_values=2,3,5,10,20,50",
                 "lsq.dim=50", "lsq.rows=100", "lsq.w_star_scale=0.5", "lsq.a_scale=1", "lsq.half=1", "lsq.lr=0.1",
                 "lsq.iterations=400", "lsq.noise=0.028284271", "device.model=ald", "device.dw_min=1e-4",
                 "update.scheme=stochastic", "update.desired_bl=5000", "lsq.ema=0.8"],
    "fig4-sigma": ["lsq.kinds=analog_pulse", "lsq.sweep_key=lsq.noise",
                   "lsq.sweep_values=0.031622777,0.1,0.31622777,1", "lsq.dim=50", "lsq.rows=100",
                   "lsq.w_star_scale=0.5", "lsq.a_scale=1", "lsq.half=1", "lsq.lr=0.1", "lsq.iterations=200",
                   "device.model=ald", "device.tau=2", "device.dw_min=1e-4", "update.scheme=stochastic",
                   "update.desired_bl=5000", "lsq.ema=0.8"],
    "fig4-init": ["lsq.kinds=analog_pulse", "lsq.sweep_key=lsq.init",
                  "lsq.sweep_values=const:1000,const:100,const:10,const:1,const:0.01,gd:10,gd:20,gd:30",
                  "lsq.dim=50", "lsq.rows=100", "lsq.w_star_scale=0.5", "lsq.a_scale=1", "lsq.bias_true=0.1",
                  "lsq.half=0", "lsq.lr=0.1", "lsq.iterations=50", "lsq.noise=0.0014142136", "device.model=ald",
                  "device.tau=1", "device.dw_min=1e-4", "update.scheme=stochastic", "update.desired_bl=400",
                  "lsq.ema=0"],
    "thm3": ["lsq.problem=thm3", "lsq.kinds=analog_dynamic", "lsq.sweep_key=lsq.lr",
             "lsq.sweep_values=0.02,0.01,0.005", "lsq.dim=100", "lsq.L=1", "lsq.w_star_scale=0.2", "lsq.noise=1",
             "lsq.iterations=200000", "device.model=ald", "device.tau=1", "device.dw_min=1e-4",
             "update.scheme=expected", "lsq.ema=0"],
    "tt": ["lsq.kinds=digital,analog_pulse,tt_pulse", "lsq.sweep_key=lsq.lr", "lsq.sweep_values=0.1,0.03,0.01",
           "lsq.dim=40", "lsq.rows=100", "lsq.w_star_scale=0.3", "lsq.a_scale=1", "lsq.half=1",
           "lsq.iterations=3000", "lsq.noise=0.02", "device.model=ald", "device.tau=1", "device.dw_min=1e-3",
           "update.scheme=stochastic", "update.desired_bl=100", "optimizer.fast_lr=0.1", "optimizer.transfer_lr=1",
           "optimizer.transfer_every=1", "optimizer.transfer_columns=0", "transfer.scheme=stochastic",
           "transfer.desired_bl=100", "lsq.ema=0.9"],
}


def format_value(v):
    """A Python value as config text."""
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, float):
        return repr(v)
    if isinstance(v, (list, tuple)):
        return ",".join(format_value(x) for x in v)
    return str(v)


def read_ini(path):
    """The assignments of an INI file, in file order: "[section]" lines, "key = value"
    lines, ';' / '#' comment lines, a ';' after a blank starts a comment."""
    out, section = [], None
    with open(path, encoding="utf-8") as f:
        for lineno, raw in enumerate(f, 1):
            line = raw.strip()
            if not line or line[0] in ";#":
                continue
            if line.startswith("["):
                if not line.endswith("]"):
                    raise ValueError("%s, line %d: expected [section]" % (path, lineno))
                section = line[1:-1].strip()
                continue
            for i in range(1, len(line)):  # inline comment: ';' after a blank
                if line[i] == ";" and line[i - 1] in " \t":
                    line = line[:i].rstrip()
                    break
            if "=" not in line or section is None:
                raise ValueError("%s, line %d: expected key = value in a [section]" % (path, lineno))
            key, value = line.split("=", 1)
            out.append("%s.%s=%s" % (section, key.strip(), value.strip()))
    return out


def assignments(config):
    """The ordered assignments of a configuration (see the module's docstring)."""
    if config is None:
        return []
    if isinstance(config, (str, os.PathLike)):
        s = os.fspath(config)
        if isinstance(config, str) and "=" in s and not os.path.exists(s):
            return [s]
        return read_ini(s)
    if isinstance(config, dict):
        out = []
        for k, v in config.items():
            if not isinstance(k, str):
                raise TypeError("config keys must be str, got %r" % (k,))
            if isinstance(v, dict):
                out += ["%s.%s=%s" % (k, kk, format_value(vv)) for kk, vv in v.items()]
            else:
                out.append("%s=%s" % (k, format_value(v)))
        return out
    if isinstance(config, (list, tuple)):
        out = []
        for item in config:
            if isinstance(item, str) and ("=" in item or not os.path.exists(item)):
                out.append(item)  # an assignment (a malformed one is refused by the library)
            else:
                out += assignments(item)
        return out
    raise TypeError("config: expected None, a path, a dict or a list of 'section.key=value', got %s"
                    % type(config).__name__)


def split(a):
    """("section.key", "value") of an assignment (blanks trimmed)."""
    if "=" not in a:
        raise ValueError("'%s': expected section.key=value" % a)
    k, v = a.split("=", 1)
    return k.strip(), v.strip()
