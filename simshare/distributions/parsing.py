"""Parsing a distribution table from a config and checking its parameters against each other and
against the computable range."""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from .inverse import ppf
from .tables import BETA_MAX, BETA_MIN, Dist, DistError, FAMILIES, HUGE, MAX_LAMBDA, MAX_TAIL_SD, SMALLEST, TINY, U_MAX, U_MIN, bounds




def _number(name: str, value: Any, allow_dist: bool) -> Any:
    if isinstance(value, Mapping):
        if not allow_dist:
            raise DistError(f"'{name}' must be a number here, got a distribution table")
        return parse_dist(value, allow_nested=False, where=name)
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        raise DistError(f"'{name}' must be a number, got {value!r}")
    if not math.isfinite(value):
        raise DistError(f"'{name}' must be a finite number, got {value!r}")
    return float(value)


def parse_dist(table: Mapping[str, Any], allow_nested: bool = False, where: str = "") -> Dist:
    """Turn a config table into a checked :class:`Dist`; raise DistError with a plain message."""
    prefix = f"{where}: " if where else ""
    if "dist" not in table:
        raise DistError(f"{prefix}a distribution table needs a 'dist' key (one of {', '.join(FAMILIES)})")
    family = table["dist"]
    if family not in FAMILIES:
        raise DistError(f"{prefix}unknown distribution {family!r}; expected one of {', '.join(FAMILIES)}")
    required, optional = FAMILIES[family]
    keys = [k for k in table if k != "dist"]
    for k in keys:
        if k not in required and k not in optional:
            allowed = ", ".join(required + optional)
            raise DistError(f"{prefix}unknown key {k!r} for a {family} distribution (expected {allowed})")
    for k in required:
        if k not in table:
            raise DistError(f"{prefix}a {family} distribution needs {k!r}")
    params: list[tuple[str, Any]] = []
    if family == "discrete":
        values = table["values"]
        if not isinstance(values, list) or not values:
            raise DistError(f"{prefix}'values' must be a non-empty list of numbers")
        vals = tuple(_number("values", v, False) for v in values)
        weights = table.get("weights", [1.0] * len(vals))
        if not isinstance(weights, list) or len(weights) != len(vals):
            raise DistError(f"{prefix}'weights' must be a list as long as 'values' ({len(vals)})")
        w = tuple(_number("weights", v, False) for v in weights)
        if any(x < 0 for x in w) or sum(w) <= 0:
            raise DistError(f"{prefix}'weights' must be ≥ 0 and not all zero, got {list(weights)}")
        params = [("values", vals), ("weights", w)]
    else:
        for k in required + optional:
            if k in table:
                params.append((k, _number(k, table[k], allow_nested)))
    dist = Dist(family, tuple(params))
    try:
        _check(dist)
    except DistError as err:
        raise DistError(f"{prefix}{err}") from None
    return dist


def _reach(value: Any) -> tuple[float, float]:
    """Smallest and largest value a parameter takes when drawn: its support, with an infinite end
    replaced by the quantile at U_MIN or U_MAX (the most extreme uniform ever used)."""
    if not isinstance(value, Dist):
        return float(value), float(value)
    lo, hi = value.support()
    if value.family == "discrete":
        v = [x for x, w in zip(value.get("values"), value.get("weights")) if w > 0]
        return float(min(v)), float(max(v))
    ends = ppf(value.family, dict(value.params), np.array([U_MIN, U_MAX]))
    return (float(ends[0]) if not math.isfinite(lo) else lo), (float(ends[1]) if not math.isfinite(hi) else hi)


def _size_ok(x: float) -> bool:
    return x == 0 or SMALLEST <= abs(x) <= HUGE


def _check(d: Dist) -> None:
    """Check the parameters of a family against each other, over every nested value, and that the
    family can be computed there (every quantile finite; see TINY, HUGE, MAX_LAMBDA, MAX_TAIL_SD)."""
    lo = {k: bounds(v)[0] for k, v in d.params if k not in ("values", "weights")}
    hi = {k: bounds(v)[1] for k, v in d.params if k not in ("values", "weights")}
    f = d.family

    # sizes first: every number written, and every value a nested parameter can take
    for k, v in d.params:
        if isinstance(v, Dist):
            a, b = _reach(v)
            if max(abs(a), abs(b)) > HUGE:
                raise DistError(f"'{k}' ({_show(v)}) can take values up to {max(abs(a), abs(b)):.3g} in size; "
                                f"at most {HUGE:g} can be computed")
            continue
        for x in (v if isinstance(v, tuple) else (v,)):
            if not _size_ok(x):
                raise DistError(f"'{k}' ({x:g}) is out of range: a number in a distribution table must be 0 "
                                f"or between {SMALLEST:.4g} and {HUGE:g} in size")

    def ordered(a: str, b: str) -> None:
        if hi[a] > lo[b]:
            raise DistError(f"'{a}' ({_show(d.get(a))}) must not exceed '{b}' ({_show(d.get(b))})")

    def positive(a: str) -> None:
        if lo[a] <= 0:
            raise DistError(f"'{a}' must be > 0, got {_show(d.get(a))}")
        if _reach(d.get(a))[0] < TINY:
            if isinstance(d.get(a), Dist):
                raise DistError(f"'{a}' ({_show(d.get(a))}) can come within {TINY:g} of 0; "
                                f"a positive parameter must stay at or above {TINY:g} to be computed")
            raise DistError(f"'{a}' must be at least {TINY:g} (a positive parameter smaller than that cannot be "
                            f"computed), got {_show(d.get(a))}")

    if f == "uniform":
        ordered("min", "max")
    elif f in ("triangular", "pert"):
        ordered("min", "mode")
        ordered("mode", "max")
        ordered("min", "max")
        if "lambda" in lo:
            positive("lambda")
            if hi["lambda"] > MAX_LAMBDA:
                raise DistError(f"'lambda' must be at most {MAX_LAMBDA:g} (4 is the classic PERT), got {_show(d.get('lambda'))}")
    elif f == "normal":
        positive("sd")
        if "min" in lo and "max" in lo:
            ordered("min", "max")
            if hi["min"] >= lo["max"]:
                raise DistError("a truncated normal needs 'min' < 'max'")
        # how far the window can lie from the mean, in standard deviations (worst case over nested values)
        r = {k: _reach(d.get(k)) for k in ("mean", "sd", "min", "max") if k in lo}
        for side, far in (("min", (r["min"][1] - r["mean"][0]) / r["sd"][0] if "min" in r else 0.0),
                          ("max", (r["mean"][1] - r["max"][0]) / r["sd"][0] if "max" in r else 0.0)):
            if far > MAX_TAIL_SD:
                raise DistError(
                    f"'{side}' ({_show(d.get(side))}) lies {far:.3g} standard deviations "
                    f"{'above' if side == 'min' else 'below'} 'mean' ({_show(d.get('mean'))}): a truncated normal "
                    f"can be computed only when its window comes within {MAX_TAIL_SD:g} sd of the mean"
                )
    elif f in ("lognormal", "gamma"):
        positive("mean")
        positive("sd")
    elif f == "exponential":
        positive("mean")
    elif f == "beta":
        positive("sd")
        if lo["mean"] <= 0 or hi["mean"] >= 1:
            raise DistError(f"'mean' of a beta distribution must lie strictly between 0 and 1, got {_show(d.get('mean'))}")
        m = np.array([lo["mean"], hi["mean"]])
        if hi["sd"] ** 2 >= float(np.min(m * (1 - m))):
            raise DistError(
                f"'sd' ({_show(d.get('sd'))}) is too large for a beta with mean {_show(d.get('mean'))}: "
                "need sd² < mean·(1 − mean)"
            )
        # α + β = mean·(1 − mean)/sd² − 1 must be computable: the extremes over the nested values
        mm = np.array(_reach(d.get("mean")))
        ss = np.array(_reach(d.get("sd")))
        spread = mm * (1 - mm)  # m·(1 − m) is concave: least at an end of the mean's range, greatest at ½ if inside
        widest = 0.25 if mm[0] <= 0.5 <= mm[1] else float(spread.max())
        k_lo = float(spread.min() / ss.max() ** 2 - 1)
        k_hi = float(widest / ss.min() ** 2 - 1)
        if k_lo < BETA_MIN:
            raise DistError(
                f"'sd' ({_show(d.get('sd'))}) is too close to its largest value for a beta with mean "
                f"{_show(d.get('mean'))}: need mean·(1 − mean)/sd² − 1 ≥ {BETA_MIN:g}"
            )
        if k_hi > BETA_MAX:
            raise DistError(
                f"'sd' ({_show(d.get('sd'))}) is too small for a beta with mean {_show(d.get('mean'))}: need "
                f"mean·(1 − mean)/sd² − 1 ≤ {BETA_MAX:g} (a beta that narrow cannot be computed; give a plain number)"
            )


def _show(v: Any) -> str:
    if isinstance(v, Dist):
        return f"a {v.family} distribution over [{v.support()[0]:g}, {v.support()[1]:g}]"
    return f"{v:g}" if isinstance(v, float) else str(v)
