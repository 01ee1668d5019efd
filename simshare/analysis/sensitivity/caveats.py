"""Plain caveats on a sensitivity result: indices outside [0, 1], intervals too wide to rank by, swings
within their own noise, and a screen that explains little. Each caveat is one or two sentences."""

from __future__ import annotations

import math

import numpy as np
import xarray as xr

from ..results import format_money
from .catalogue import format_output

#: a Sobol index this far outside [0, 1] is estimation noise, not rounding
OUT_OF_RANGE = 0.005
#: a Sobol half-width wider than this (a share of the variance) is wide
WIDE_SHARE = 0.1
#: a Morris or tornado half-width wider than this fraction of its index is wide
WIDE_FRACTION = 0.5
#: a screen whose kept parameters explain less than this share of the output's rank variance says so
LOW_R2 = 0.5


def _names(ds: xr.Dataset, mask: np.ndarray, limit: int = 3) -> str:
    names = [str(p) for p in ds["parameter"].values[mask]]
    return ", ".join(names[:limit]) + (f" and {len(names) - limit} more" if len(names) > limit else "")


def _out_of_range(ds: xr.Dataset) -> str:
    """Sobol indices (overall and per year) outside [0, 1], with the worst example of each side."""
    found = []
    for key in ("S1", "ST"):
        for name in (key, f"{key}_by_year"):
            if name not in ds:
                continue
            v = ds[name].values.astype(float)
            bad = np.isfinite(v) & ((v < -OUT_OF_RANGE) | (v > 1 + OUT_OF_RANGE))
            if bad.any():
                j = np.unravel_index(np.nanargmax(np.where(bad, np.abs(v - 0.5), -np.inf)), v.shape)
                where = "" if name == key else f" in year {int(ds['year'].values[j[1]])} ({ds['series'].values[j[0]]})"
                found.append((int(bad.sum()), f"{key} {v[j]:.2f} for {ds['parameter'].values[j[-1]]}{where}"))
    if not found:
        return ""
    n = sum(c for c, _ in found)
    examples = "; ".join(e for _, e in found[:3])
    return (f"{n} Sobol {'index falls' if n == 1 else 'indices fall'} outside [0, 1] (e.g. {examples}): that is "
            f"estimation noise from {ds.attrs.get('n', '?')} base samples, not a real share of the variance; read "
            "a negative index as about 0 and one above 1 as about 1, and treat the others of that output as rough.")


def _wide(ds: xr.Dataset) -> str:
    """Indices whose 95 % interval is too wide to rank by."""
    method = ds.attrs.get("method")
    if method == "sobol" and "ST_conf" in ds:
        conf = ds["ST_conf"].values.astype(float)
        wide = np.isfinite(conf) & (conf > WIDE_SHARE)
        zero = np.isfinite(conf) & (ds["ST"].values.astype(float) <= conf)
        parts = []
        if wide.any():
            parts.append(f"{int(wide.sum())} of {wide.size} ST intervals are wider than ±{WIDE_SHARE:.2f} "
                         f"({_names(ds, wide)})")
        if zero.any():
            parts.append(f"{int(zero.sum())} ST cannot be told from 0 ({_names(ds, zero)})")
        if parts:
            return "; ".join(parts) + ": treat those shares as rough; a larger -n (a power of 2) narrows them."
        return ""
    key, conf_key, what = {"morris": ("mu_star", "mu_star_conf", "mu*"),
                           "tornado": ("swing_p50", "swing_p50_conf", "P50 swing")}.get(method, (None, None, None))
    if key is None or conf_key not in ds:
        return ""
    value, conf = ds[key].values.astype(float), ds[conf_key].values.astype(float)
    wide = np.isfinite(conf) & np.isfinite(value) & (conf > WIDE_FRACTION * np.abs(value))
    if not wide.any():
        return ""
    more = "trajectories" if method == "morris" else "replications"
    return (f"{int(wide.sum())} of {wide.size} {what} values have a 95 % interval wider than half the value "
            f"({_names(ds, wide)}): their order among themselves is not settled; more {more} (-n) narrow it.")


def _screen(ds: xr.Dataset) -> str:
    r2 = ds.attrs.get("screen_r2_top")
    if r2 is None or not isinstance(r2, (int, float)) or math.isnan(r2) or r2 >= LOW_R2:
        return ""
    return (f"The {ds.attrs.get('screen_top')} parameters studied explain only {100 * max(r2, 0):.0f} % of the "
            f"variance of the output's ranks: much of what moves {ds.attrs.get('variable')} is the model's own "
            "randomness (who leaves when, committee outcomes) or interactions, which no single parameter carries.")


def caveats(ds: xr.Dataset) -> list[str]:
    """The caveats that apply to a sensitivity result (a method's dataset, or :func:`study_dataset`), each a
    sentence or two; SALib's warnings (``salib_note``) and a rounded-up Sobol ``-n`` (``n_note``) included."""
    out = [_out_of_range(ds), _wide(ds), _screen(ds)]
    if ds.attrs.get("salib_note"):
        out.append(str(ds.attrs["salib_note"]))
    if ds.attrs.get("n_note"):
        out.append(str(ds.attrs["n_note"]).capitalize() + ".")
    return [c for c in out if c]


def swing_text(value: float, conf: float, units: str) -> str:
    """A swing or effect with its half-width: ``£1.2m ± £45k``."""
    text = format_output(value, units)
    if conf is None or not math.isfinite(conf):
        return text
    half = format_money(conf, digits=2) if units.startswith("£") else format_output(conf, units)
    return f"{text} ± {half}"


__all__ = ["caveats", "swing_text", "OUT_OF_RANGE", "WIDE_SHARE", "WIDE_FRACTION", "LOW_R2"]
