"""Distribution tables: parsing and checking, inverse CDFs (scipy) and fast draws (numpy).

A parameter in a config is a plain number or a table such as
``{dist = "pert", min = 4, mode = 6, max = 12}``.  Tables become :class:`Dist` objects.
Replication parameters are drawn by inverse CDF (`ppf`) from uniforms, so that Monte
Carlo, Latin hypercube and Sobol designs and the Gaussian copula all share one path.
Occurrence durations are drawn in bulk from a numpy ``Generator`` during a replication.
"""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
from scipy import optimize, special, stats

#: uniforms are kept within [U_MIN, U_MAX] before an inverse CDF: every design's values lie there
#: already (Monte Carlo's are (k + ½)/2⁵³), but a Latin hypercube or Sobol value can be exactly 0 or
#: round up to 1, where an unbounded family's quantile is infinite
U_MIN = 2.0**-54
U_MAX = 1.0 - 2.0**-53
#: every number a distribution table holds or can draw is at most HUGE in size and, unless 0, at least
#: the smallest normal float (its reciprocal is finite); a parameter that must be positive (an sd, the
#: mean of a gamma, lognormal, exponential or beta, PERT's lambda) is at least TINY, so that squares,
#: products and ratios of two parameters stay finite and normal (no overflow, no underflow to 0)
TINY, HUGE = 1e-100, 1e15
SMALLEST = sys.float_info.min
#: PERT's lambda (peakedness; 4 is the classic PERT, 1–10 in practice)
MAX_LAMBDA = 1e3
#: a truncated normal's window must come within this many standard deviations of its mean; further
#: out the log-space inverse CDF loses the window's resolution (and the normal has no mass there)
MAX_TAIL_SD = 1e4
#: a beta's shape parameters (α + β = mean·(1 − mean)/sd² − 1) must lie within [BETA_MIN, BETA_MAX]
BETA_MIN, BETA_MAX = 1e-9, 1e12
#: discrete quantiles: F(x) ≥ p is decided within this (weights written in decimal, such as 0.2/0.5/0.3,
#: put P70 on the step at 0.7 although binary fractions miss it by an ulp)
STEP_TOLERANCE = 1e-12

#: required and optional parameter names of each family
FAMILIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "fixed": (("value",), ()),
    "uniform": (("min", "max"), ()),
    "triangular": (("min", "mode", "max"), ()),
    "pert": (("min", "mode", "max"), ("lambda",)),
    "normal": (("mean", "sd"), ("min", "max")),
    "lognormal": (("mean", "sd"), ()),
    "gamma": (("mean", "sd"), ()),
    "exponential": (("mean",), ()),
    "beta": (("mean", "sd"), ()),
    "discrete": (("values",), ("weights",)),
}


class DistError(ValueError):
    """A distribution table that cannot be used; the message says which part and why."""


@dataclass(frozen=True)
class Dist:
    """A distribution table. ``params`` maps names to numbers or, for occurrence
    distributions, to nested :class:`Dist` (then replication parameters)."""

    family: str
    params: tuple[tuple[str, Any], ...]

    def get(self, name: str, default: Any = None) -> Any:
        for key, value in self.params:
            if key == name:
                return value
        return default

    @property
    def nested(self) -> tuple[tuple[str, "Dist"], ...]:
        """The parameters that are themselves distributions."""
        return tuple((k, v) for k, v in self.params if isinstance(v, Dist))

    def support(self) -> tuple[float, float]:
        """Smallest and largest value the variable can take (over nested parameters too)."""
        lo = {k: _bounds(v)[0] for k, v in self.params if k not in ("values", "weights")}
        hi = {k: _bounds(v)[1] for k, v in self.params if k not in ("values", "weights")}
        f = self.family
        if f == "fixed":
            return lo["value"], hi["value"]
        if f in ("uniform", "triangular", "pert"):
            return lo["min"], hi["max"]
        if f == "normal":
            return lo.get("min", -math.inf), hi.get("max", math.inf)
        if f in ("lognormal", "gamma"):
            return 0.0, math.inf
        if f == "exponential":
            return 0.0, math.inf
        if f == "beta":
            return 0.0, 1.0
        values = self.get("values")
        return float(min(values)), float(max(values))


def _bounds(value: Any) -> tuple[float, float]:
    if isinstance(value, Dist):
        return value.support()
    return float(value), float(value)


# --------------------------------------------------------------------------- parsing


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
    lo = {k: _bounds(v)[0] for k, v in d.params if k not in ("values", "weights")}
    hi = {k: _bounds(v)[1] for k, v in d.params if k not in ("values", "weights")}
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


# --------------------------------------------------------------------------- inverse CDF


def _shape(family: str, p: Mapping[str, np.ndarray]):
    """scipy frozen-free arguments for a family, given numeric parameter arrays."""
    if family == "lognormal":
        s2 = np.log1p((p["sd"] / p["mean"]) ** 2)
        return stats.lognorm, (np.sqrt(s2),), 0.0, p["mean"] * np.exp(-s2 / 2)
    if family == "gamma":
        k = (p["mean"] / p["sd"]) ** 2
        return stats.gamma, (k,), 0.0, p["sd"] ** 2 / p["mean"]
    if family == "beta":
        k = p["mean"] * (1 - p["mean"]) / p["sd"] ** 2 - 1
        return stats.beta, (p["mean"] * k, (1 - p["mean"]) * k), 0.0, 1.0
    raise KeyError(family)


def _discrete_steps(values: Any, weights: Any) -> tuple[np.ndarray, np.ndarray]:
    """Values with positive weight in increasing order, and F at each (the last exactly 1)."""
    values = np.asarray(values, dtype=float)
    weights = np.asarray(weights if weights is not None else np.ones_like(values), dtype=float)
    keep = weights > 0
    values, weights = values[keep], weights[keep]
    order = np.argsort(values, kind="stable")
    cum = np.cumsum(weights[order]) / weights.sum()
    cum[-1] = 1.0
    return values[order], cum


def ppf(family: str, params: Mapping[str, Any], u: np.ndarray) -> np.ndarray:
    """Inverse CDF of a family at uniforms ``u``; parameters may be arrays broadcasting with ``u``.

    This is the quantile function: for a discrete family the smallest value x with F(x) ≥ u
    (decided within STEP_TOLERANCE), for a continuous one F⁻¹(u). Elementwise: a value depends
    on its own uniform and parameters only, never on the array's length (bit for bit).
    """
    u = np.asarray(u, dtype=float)
    if family == "discrete":
        values, cum = _discrete_steps(params["values"], params.get("weights"))
        idx = np.searchsorted(cum, u - STEP_TOLERANCE, side="left")
        return values[np.minimum(idx, len(values) - 1)]
    p = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    if family == "fixed":
        return np.broadcast_to(p["value"], u.shape).astype(float)
    if family == "uniform":
        return p["min"] + u * (p["max"] - p["min"])
    if family in ("triangular", "pert"):
        width = p["max"] - p["min"]
        safe = np.where(width > 0, width, 1.0)
        c = np.clip((p["mode"] - p["min"]) / safe, 0.0, 1.0)
        if family == "triangular":
            x = stats.triang.ppf(u, c)
        else:
            lam = p.get("lambda", np.array(4.0))
            x = stats.beta.ppf(u, 1 + lam * c, 1 + lam * (1 - c))
        return np.where(width > 0, p["min"] + x * width, p["min"])
    if family == "normal":
        if "min" not in p and "max" not in p:
            return p["mean"] + p["sd"] * special.ndtri(u)
        lo = p.get("min", np.array(-np.inf))
        hi = p.get("max", np.array(np.inf))
        z = truncated_standard_normal_ppf(u, (lo - p["mean"]) / p["sd"], (hi - p["mean"]) / p["sd"])
        return np.clip(p["mean"] + p["sd"] * z, lo, hi)
    if family == "exponential":
        return -p["mean"] * np.log1p(-u)
    dist, shape, loc, scale = _shape(family, p)
    return dist.ppf(u, *shape, loc=loc, scale=scale)


_SQRT2 = math.sqrt(2.0)


def truncated_standard_normal_ppf(u: Any, a: Any, b: Any) -> np.ndarray:
    """Quantile at ``u`` of the standard normal truncated to [a, b] (a < b, either may be infinite).

    Stable in every position of the window, elementwise (no iteration, no array-wide branch):

    * a window in the lower half (b ≤ 0) is inverted in log space, log p = log Φ(b) + log(u + (1 − u)·r),
      r = Φ(a)/Φ(b), with ``log_ndtr`` and ``ndtri_exp``: no precision lost however far out it lies;
    * a window in the upper half (a ≥ 0) is its mirror image, log p' = log Φ(−a) + log((1 − u) + u·r'),
      r' = Φ(−b)/Φ(−a), and x = −Φ⁻¹(p');
    * a window around 0 uses erf, exact relative to its width however narrow, and the tail formulas
      (Φ(a) + u·mass, or Φc(b) + (1 − u)·mass) where the result lies in a tail.
    """
    u, a, b = np.broadcast_arrays(np.asarray(u, dtype=float), np.asarray(a, dtype=float), np.asarray(b, dtype=float))
    with np.errstate(all="ignore"):
        # lower half: b ≤ 0
        la, lb = special.log_ndtr(a), special.log_ndtr(b)
        r = np.exp(la - lb)
        low = special.ndtri_exp(lb + np.log(u + (1.0 - u) * r))
        # upper half: a ≥ 0, mirrored (Φ(−a) ≥ Φ(−b))
        ma, mb = special.log_ndtr(-a), special.log_ndtr(-b)
        rm = np.exp(mb - ma)
        high = -special.ndtri_exp(ma + np.log((1.0 - u) + u * rm))
        # straddling 0: a < 0 < b
        ea, eb = special.erf(a / _SQRT2), special.erf(b / _SQRT2)
        t = ea + u * (eb - ea)
        mass = (eb - ea) / 2.0
        centre = _SQRT2 * special.erfinv(t)
        left = special.ndtri(special.ndtr(a) + u * mass)
        right = -special.ndtri(special.ndtr(-b) + (1.0 - u) * mass)
        mid = np.where(np.abs(t) <= 0.5, centre, np.where(t < 0, left, right))
        z = np.where(b <= 0, low, np.where(a >= 0, high, mid))
    return np.clip(z, a, b)


def mean(family: str, params: Mapping[str, Any]) -> float:
    """Mean of a family with numeric parameters (for reports and checks)."""
    p = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    if family == "fixed":
        return float(p["value"])
    if family == "uniform":
        return float((p["min"] + p["max"]) / 2)
    if family == "triangular":
        return float((p["min"] + p["mode"] + p["max"]) / 3)
    if family == "pert":
        lam = float(p.get("lambda", 4.0))
        return float((p["min"] + lam * p["mode"] + p["max"]) / (lam + 2))
    if family == "discrete":
        w = p.get("weights", np.ones_like(p["values"]))
        return float(np.sum(p["values"] * w) / np.sum(w))
    if family == "normal" and ("min" in p or "max" in p):
        lo = (p.get("min", -np.inf) - p["mean"]) / p["sd"]
        hi = (p.get("max", np.inf) - p["mean"]) / p["sd"]
        return float(p["mean"] + p["sd"] * truncated_standard_normal_mean(float(lo), float(hi)))
    return float(p["mean"])


def truncated_standard_normal_mean(a: float, b: float) -> float:
    """Mean of the standard normal truncated to [a, b], (φ(a) − φ(b))/(Φ(b) − Φ(a)), without cancellation
    anywhere: in a tail through erfcx (φ(a)/Φc(a) = √(2/π)/erfcx(a/√2)), around 0 through erf."""
    if a >= 0 or b <= 0:
        sign = 1.0
        if b <= 0:
            a, b, sign = -b, -a, -1.0
        if math.isinf(b):
            return float(sign * math.sqrt(2 / math.pi) / special.erfcx(a / _SQRT2))
        d = (b - a) * (b + a) / 2.0  # φ(b)/φ(a) = exp(−d)
        if d < 1.0:  # a narrow window: the difference below would cancel; the density is smooth there
            t, w = np.polynomial.legendre.leggauss(32)
            x = a + (b - a) * (t + 1.0) / 2.0
            f = w * np.exp(-(x - a) * (x + a) / 2.0)
            return float(sign * (a + np.dot(f, x - a) / f.sum()))
        ratio = -math.expm1(-d) / (special.erfcx(a / _SQRT2) - special.erfcx(b / _SQRT2) * math.exp(-d))
        return float(sign * math.sqrt(2 / math.pi) * ratio)
    # a < 0 < b: φ(a) − φ(b) = φ(a)·(−expm1((a² − b²)/2)); Φ(b) − Φ(a) = (erf(b/√2) − erf(a/√2))/2
    mass = (special.erf(b / _SQRT2) - special.erf(a / _SQRT2)) / 2.0
    if math.isinf(a) or math.isinf(b):
        num = (0.0 if math.isinf(a) else math.exp(-a * a / 2)) - (0.0 if math.isinf(b) else math.exp(-b * b / 2))
    else:
        num = -math.exp(-a * a / 2) * math.expm1((a - b) * (a + b) / 2)
    return float(num / math.sqrt(2 * math.pi) / mass)


# --------------------------------------------------------------------------- CDF and exact quantiles


def cdf(family: str, params: Mapping[str, Any], x: Any) -> np.ndarray:
    """P(X ≤ x) of a family; parameters may be arrays broadcasting with ``x``."""
    x = np.asarray(x, dtype=float)
    if family == "discrete":
        values, cum = _discrete_steps(params["values"], params.get("weights"))
        idx = np.searchsorted(values, x, side="right")
        return np.where(idx > 0, cum[np.maximum(idx - 1, 0)], 0.0)
    p = {k: np.asarray(v, dtype=float) for k, v in params.items()}
    with np.errstate(divide="ignore", invalid="ignore"):
        if family == "fixed":
            return np.where(x >= p["value"], 1.0, 0.0)
        if family in ("uniform", "triangular", "pert"):
            width = p["max"] - p["min"]
            safe = np.where(width > 0, width, 1.0)
            y = (x - p["min"]) / safe
            if family == "uniform":
                inside = np.clip(y, 0.0, 1.0)
            else:
                c = np.clip((p["mode"] - p["min"]) / safe, 0.0, 1.0)
                if family == "triangular":
                    inside = stats.triang.cdf(y, c)
                else:
                    lam = p.get("lambda", np.array(4.0))
                    inside = stats.beta.cdf(np.clip(y, 0.0, 1.0), 1 + lam * c, 1 + lam * (1 - c))
            return np.where(width > 0, inside, np.where(x >= p["min"], 1.0, 0.0))
        if family == "normal":
            lo = p.get("min", np.array(-np.inf))
            hi = p.get("max", np.array(np.inf))
            a, b = (lo - p["mean"]) / p["sd"], (hi - p["mean"]) / p["sd"]
            return np.clip(stats.truncnorm.cdf((x - p["mean"]) / p["sd"], a, b), 0.0, 1.0)
        if family == "exponential":
            return np.where(x > 0, -np.expm1(-np.maximum(x, 0.0) / p["mean"]), 0.0)
        dist, shape, loc, scale = _shape(family, p)
        return dist.cdf(x, *shape, loc=loc, scale=scale)


#: quadrature nodes over all nested parameters together, for a mixture's CDF
_MIXTURE_NODES = 4_000


def _nodes(d: Dist, budget: int) -> tuple[np.ndarray, np.ndarray]:
    """Values and probabilities representing a (non-nested) parameter distribution for quadrature:
    a discrete one's own steps; a continuous one's Gauss–Legendre nodes in s, where u = Φ(s) over the
    uniforms ever used, s ∈ [Φ⁻¹(U_MIN), Φ⁻¹(U_MAX)] (weight φ(s)): smooth however long its tails."""
    if d.family == "fixed":
        return np.array([float(d.get("value"))]), np.array([1.0])
    if d.family == "discrete":
        values, cum = _discrete_steps(d.get("values"), d.get("weights"))
        return values, np.diff(np.concatenate([[0.0], cum]))
    t, w = special.roots_legendre(max(8, budget))
    lo, hi = float(special.ndtri(U_MIN)), float(special.ndtri(U_MAX))
    s = lo + (hi - lo) * (t + 1.0) / 2.0
    weight = w * (hi - lo) / 2.0 * np.exp(-s * s / 2.0) / math.sqrt(2 * math.pi)
    return ppf(d.family, dict(d.params), special.ndtr(s)), weight / weight.sum()


def quantile(dist: Dist, q: Any) -> np.ndarray:
    """Exact quantiles of a distribution table: the smallest x with F(x) ≥ q, for every q.

    For numeric parameters this is the inverse CDF (``ppf``), exact at a discrete step too (the
    10 % point of values [2, 3, 4] weighted [1, 8, 1] is 2, the 90 % point 3). When parameters are
    themselves distributions (an uncertain mean) the marginal is the mixture
    F(x) = E[F(x | parameters)], integrated by quadrature (each nested discrete parameter exactly,
    each continuous one by Gauss–Legendre in its probability) and inverted by Brent's method.
    Deterministic: no sampling.
    """
    q = np.asarray(q, dtype=float)
    if not dist.nested:
        return np.asarray(ppf(dist.family, dict(dist.params), q), dtype=float)
    nested = dist.nested
    per = max(8, int(round(_MIXTURE_NODES ** (1.0 / len(nested)))))
    grids = [_nodes(d, per) for _, d in nested]
    values = np.meshgrid(*[g[0] for g in grids], indexing="ij")
    probs = np.meshgrid(*[g[1] for g in grids], indexing="ij")
    weight = np.prod([p.ravel() for p in probs], axis=0)
    params: dict[str, Any] = {k: v for k, v in dist.params if not isinstance(v, Dist)}
    for (name, _), v in zip(nested, values):
        params[name] = v.ravel()
    total = weight.sum()

    def mixture_cdf(x: float) -> float:
        return float(np.dot(weight, cdf(dist.family, params, x)) / total)

    out = np.empty(q.shape)
    for i, p in np.ndenumerate(q):
        ends = ppf(dist.family, params, np.full(weight.shape, p))
        lo, hi = float(np.min(ends)), float(np.max(ends))
        if not (math.isfinite(lo) and math.isfinite(hi)) or lo == hi:
            out[i] = lo if p <= 0.5 else hi
            continue
        out[i] = optimize.brentq(lambda x: mixture_cdf(x) - p, lo, hi, xtol=1e-12 * max(1.0, abs(lo), abs(hi)),
                                 rtol=4 * np.finfo(float).eps)
    return out


# --------------------------------------------------------------------------- occurrence draws


class Sampler:
    """Draws occurrence values of one realised distribution from its own numpy stream.

    Values are drawn in blocks (the block doubles as it is used up), so a replication
    pays numpy's call overhead a few times rather than once per draw; the sequence of
    values is the same whatever the block size.
    """

    __slots__ = ("family", "params", "rng", "_buf", "_pos", "_block")

    def __init__(self, family: str, params: Mapping[str, Any], rng: np.random.Generator):
        self.family = family
        self.params = dict(params)
        self.rng = rng
        self._buf: list[float] = []
        self._pos = 0
        self._block = 8

    def __call__(self) -> float:
        if self._pos >= len(self._buf):
            self._buf = draw(self.family, self.params, self.rng, self._block).tolist()
            self._pos = 0
            self._block = min(self._block * 2, 1024)
        value = self._buf[self._pos]
        self._pos += 1
        return value


def draw(family: str, p: Mapping[str, Any], rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` independent draws with numpy; the same law as :func:`ppf` (tests check this)."""
    if family == "fixed":
        return np.full(size, float(p["value"]))
    if family == "uniform":
        return rng.uniform(p["min"], p["max"], size)
    if family in ("triangular", "pert"):
        lo, mode, hi = p["min"], p["mode"], p["max"]
        if hi <= lo:
            return np.full(size, float(lo))
        if family == "triangular":
            return rng.triangular(lo, mode, hi, size)
        lam = p.get("lambda", 4.0)
        c = (mode - lo) / (hi - lo)
        return lo + (hi - lo) * rng.beta(1 + lam * c, 1 + lam * (1 - c), size)
    if family == "normal":
        if "min" not in p and "max" not in p:
            return rng.normal(p["mean"], p["sd"], size)
        return ppf("normal", p, rng.random(size))
    if family == "lognormal":
        s2 = math.log1p((p["sd"] / p["mean"]) ** 2)
        return rng.lognormal(math.log(p["mean"]) - s2 / 2, math.sqrt(s2), size)
    if family == "gamma":
        return rng.gamma((p["mean"] / p["sd"]) ** 2, p["sd"] ** 2 / p["mean"], size)
    if family == "exponential":
        return rng.exponential(p["mean"], size)
    if family == "beta":
        k = p["mean"] * (1 - p["mean"]) / p["sd"] ** 2 - 1
        return rng.beta(p["mean"] * k, (1 - p["mean"]) * k, size)
    if family == "discrete":
        w = np.asarray(p.get("weights", np.ones(len(p["values"]))), dtype=float)
        return rng.choice(np.asarray(p["values"], dtype=float), size=size, p=w / w.sum())
    raise KeyError(family)


# --------------------------------------------------------------------------- correlation


def spearman_to_pearson(rho: np.ndarray) -> np.ndarray:
    """Normal-copula correlation giving Spearman rank correlation ``rho`` (Pearson's 1907 identity);
    exactly ±1 at ±1 (2·sin(π/6) rounds to 1 − 2⁻⁵³, which would leave comonotone variables apart)."""
    rho = np.asarray(rho, dtype=float)
    return np.where(np.abs(rho) == 1.0, rho, 2.0 * np.sin(np.pi * rho / 6.0))


def pearson_to_spearman(r: np.ndarray) -> np.ndarray:
    """Spearman rank correlation of a normal copula with correlation ``r`` (the inverse of the above)."""
    return 6.0 / np.pi * np.arcsin(np.clip(np.asarray(r) / 2.0, -0.5, 0.5))


#: a matrix whose smallest eigenvalue is at least −PSD_TOLERANCE is positive semi-definite (rounding)
PSD_TOLERANCE = 1e-10
#: the most a rank correlation may be moved to make the matrix consistent; beyond it the config is refused
GROSS_CHANGE = 0.05
#: moves smaller than this are rounding, not repairs, and are not reported
REPORTED_CHANGE = 1e-9


class CorrelationError(DistError):
    """Rank correlations that no set of variables can have, even after a small repair.
    ``entries`` lists (i, j, entered, nearest consistent value) for each entry that would move by
    more than GROSS_CHANGE."""

    def __init__(self, message: str, entries: list[tuple[int, int, float, float]]):
        super().__init__(message)
        self.entries = entries


@dataclass(frozen=True)
class CorrelationFit:
    """What the copula (or Iman–Conover) uses for a rank-correlation matrix.

    ``entered``: the rank correlations asked for; ``used``: those the copula gives (equal unless
    repaired); ``normal``: the normal-copula correlation matrix, 2·sin(π·ρ/6); ``factor``: F with
    F·Fᵀ = normal (Cholesky when positive definite, else from the eigen-decomposition, which works
    for singular matrices such as ρ = 1); ``changes``: (i, j, entered, used) for each entry i < j
    the repair moved.
    """

    entered: np.ndarray
    used: np.ndarray
    normal: np.ndarray
    factor: np.ndarray
    changes: tuple[tuple[int, int, float, float], ...] = ()

    @property
    def repaired(self) -> bool:
        return bool(self.changes)


def _eigen_factor(c: np.ndarray) -> np.ndarray:
    """F with F·Fᵀ = c for a positive semi-definite c (negative rounding eigenvalues set to 0); rows
    rescaled to unit length so that every correlated normal keeps variance 1 exactly."""
    w, v = np.linalg.eigh(c)
    w = np.where(w > PSD_TOLERANCE * max(1.0, float(w.max())), w, 0.0)
    f = v * np.sqrt(w)
    return f / np.linalg.norm(f, axis=1)[:, None]


def _singular_factor(c: np.ndarray) -> np.ndarray:
    """F with F·Fᵀ = c for a positive semi-definite c that is not definite. Variables correlated ±1
    exactly share one row of F (negated for −1), so they come out exactly comonotone (antitone); the
    rest is factored by eigen-decomposition."""
    k = len(c)
    lead = list(range(k))  # each variable's representative; sign relative to it
    sign = np.ones(k)
    for i in range(k):
        if lead[i] != i:
            continue
        for j in range(i + 1, k):
            if lead[j] == j and abs(c[i, j]) == 1.0:
                lead[j], sign[j] = i, c[i, j]
    reps = sorted(set(lead))
    sub = c[np.ix_(reps, reps)]
    try:
        f_sub = np.linalg.cholesky(sub)
    except np.linalg.LinAlgError:
        f_sub = _eigen_factor(sub)
    f = np.zeros((k, k))  # square: the columns beyond the representatives' are zero
    for i in range(k):
        f[i, :len(reps)] = sign[i] * f_sub[reps.index(lead[i])]
    return f


def nearest_correlation(a: np.ndarray, tol: float = 1e-13, max_iterations: int = 10_000) -> np.ndarray:
    """The nearest correlation matrix (unit diagonal, positive semi-definite) to a symmetric matrix in
    the Frobenius norm: Higham (2002)'s alternating projections with Dykstra's correction."""
    a = np.asarray(a, dtype=float)
    y = a.copy()
    ds = np.zeros_like(a)
    for _ in range(max_iterations):
        r = y - ds
        w, v = np.linalg.eigh(r)
        x = (v * np.clip(w, 0.0, None)) @ v.T
        x = (x + x.T) / 2.0
        ds = x - r
        new = x.copy()
        np.fill_diagonal(new, 1.0)
        done = np.linalg.norm(new - y) <= tol * max(1.0, np.linalg.norm(new))
        y = new
        if done:
            break
    f = _eigen_factor(y)
    out = f @ f.T
    out = (out + out.T) / 2.0
    np.fill_diagonal(out, 1.0)
    return out


def fit_correlations(rank_corr: np.ndarray, gross: float = GROSS_CHANGE) -> CorrelationFit:
    """The copula for a rank-correlation matrix, repairing it if it is slightly inconsistent.

    Positive semi-definite (after the Spearman → normal-copula conversion): used as it is,
    including ρ = ±1 (comonotone). Slightly indefinite: replaced by the nearest correlation matrix
    (Higham 2002), and ``changes`` says how far each entry moved in rank correlation. Grossly
    inconsistent (an entry would move by more than ``gross``): CorrelationError naming the entries.
    """
    r = np.asarray(rank_corr, dtype=float)
    if r.ndim != 2 or r.shape[0] != r.shape[1]:
        raise DistError("a correlation matrix must be square")
    if not np.all(np.isfinite(r)):
        raise DistError("rank correlations must be finite numbers")
    if not np.allclose(r, r.T):
        raise DistError("a correlation matrix must be symmetric")
    if np.any(np.abs(r) > 1):
        raise DistError("rank correlations must lie in [-1, 1]")
    r = (r + r.T) / 2.0
    np.fill_diagonal(r, 1.0)
    c = spearman_to_pearson(r)
    np.fill_diagonal(c, 1.0)
    k = len(c)
    try:
        return CorrelationFit(r, r, c, np.linalg.cholesky(c))
    except np.linalg.LinAlgError:
        pass
    smallest = float(np.linalg.eigvalsh(c).min()) if k else 0.0
    if smallest >= -PSD_TOLERANCE:
        return CorrelationFit(r, r, c, _singular_factor(c))
    near = nearest_correlation(c)
    used = pearson_to_spearman(near)
    np.fill_diagonal(used, 1.0)
    moved = [(i, j, float(r[i, j]), float(used[i, j])) for i in range(k) for j in range(i + 1, k)
             if abs(used[i, j] - r[i, j]) > REPORTED_CHANGE]
    far = [m for m in moved if abs(m[3] - m[2]) > gross]
    if far:
        raise CorrelationError(
            f"these rank correlations are inconsistent: no set of variables can have them all at once "
            f"(the normal-copula matrix is not positive definite, smallest eigenvalue {smallest:.3g}), and "
            f"the nearest consistent set moves {len(far)} entr{'y' if len(far) == 1 else 'ies'} by more than {gross:g}",
            far,
        )
    return CorrelationFit(r, used, near, _eigen_factor(near), tuple(moved))


def copula_factor(rank_corr: np.ndarray) -> np.ndarray:
    """A factor F (F·Fᵀ = the normal-copula matrix) for a rank-correlation matrix, repaired if slightly
    inconsistent (see :func:`fit_correlations`); DistError when no joint distribution comes close."""
    return fit_correlations(rank_corr).factor


def _mix(z: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """z @ factor.T computed column by column in a fixed order with elementwise operations only, so
    that each row's result is the same bits whatever the number of rows (a BLAS matrix product takes
    different code paths, and summation orders, for one row and for many)."""
    z = np.asarray(z, dtype=float)
    f = np.asarray(factor, dtype=float)
    out = np.empty((z.shape[0], f.shape[0]))
    for i in range(f.shape[0]):
        acc = z[:, 0] * f[i, 0]
        for j in range(1, f.shape[1]):
            acc = acc + z[:, j] * f[i, j]
        out[:, i] = acc
    return out


def correlate_uniforms(u: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Apply a Gaussian copula: columns of ``u`` (n × k independent uniforms) become
    uniforms with the copula's rank correlation; each column keeps its uniform marginal.
    Row by row: a row's values do not depend on the other rows, bit for bit."""
    z = special.ndtri(np.clip(u, 1e-16, 1 - 1e-16))
    return special.ndtr(_mix(z, factor))


def iman_conover(x: np.ndarray, factor: np.ndarray, rngs: Sequence[np.random.Generator]) -> np.ndarray:
    """Iman & Conover (1982): reorder each column of ``x`` (n × k) so that the columns take the rank
    correlation of the copula with factor ``factor``, keeping each column's values (so a Latin
    hypercube keeps one point per stratum in every column).

    The scores are van der Waerden's, Φ⁻¹(i/(n + 1)), independently permuted per column by
    ``rngs[j]``; their sample correlation is removed (Cholesky) before the target's is imposed,
    so the achieved rank correlation is close to the target even for small n.
    """
    x = np.asarray(x, dtype=float)
    n, k = x.shape
    if n < 2 or k == 0:
        return x.copy()
    s = special.ndtri(np.arange(1, n + 1) / (n + 1.0))
    scores = np.column_stack([rng.permutation(s) for rng in rngs])
    if n > k + 1:
        try:
            e = np.corrcoef(scores, rowvar=False)
            scores = np.linalg.solve(np.linalg.cholesky(np.atleast_2d(e)), scores.T).T
        except np.linalg.LinAlgError:
            pass
    target = scores @ np.asarray(factor, dtype=float).T
    out = np.empty_like(x)
    for j in range(k):
        ranks = np.empty(n, dtype=int)
        ranks[np.argsort(target[:, j], kind="stable")] = np.arange(n)
        out[:, j] = np.sort(x[:, j])[ranks]
    return out
