"""Distribution tables: parsing and checking, inverse CDFs (scipy) and fast draws (numpy).

A parameter in a config is a plain number or a table such as
``{dist = "pert", min = 4, mode = 6, max = 12}``.  Tables become :class:`Dist` objects.
Replication parameters are drawn by inverse CDF (`ppf`) from uniforms, so that Monte
Carlo, Latin hypercube and Sobol designs and the Gaussian copula all share one path.
Occurrence durations are drawn in bulk from a numpy ``Generator`` during a replication.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping

import numpy as np
from scipy import special, stats

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


def _check(d: Dist) -> None:
    """Check the parameters of a family against each other, over every nested value."""
    lo = {k: _bounds(v)[0] for k, v in d.params if k not in ("values", "weights")}
    hi = {k: _bounds(v)[1] for k, v in d.params if k not in ("values", "weights")}
    f = d.family

    def ordered(a: str, b: str) -> None:
        if hi[a] > lo[b]:
            raise DistError(f"'{a}' ({_show(d.get(a))}) must not exceed '{b}' ({_show(d.get(b))})")

    def positive(a: str) -> None:
        if lo[a] <= 0:
            raise DistError(f"'{a}' must be > 0, got {_show(d.get(a))}")

    if f == "uniform":
        ordered("min", "max")
    elif f in ("triangular", "pert"):
        ordered("min", "mode")
        ordered("mode", "max")
        ordered("min", "max")
        if "lambda" in lo:
            positive("lambda")
    elif f == "normal":
        positive("sd")
        if "min" in lo and "max" in lo:
            ordered("min", "max")
            if hi["min"] >= lo["max"]:
                raise DistError("a truncated normal needs 'min' < 'max'")
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


def ppf(family: str, params: Mapping[str, Any], u: np.ndarray) -> np.ndarray:
    """Inverse CDF of a family at uniforms ``u``; parameters may be arrays broadcasting with ``u``."""
    u = np.asarray(u, dtype=float)
    if family == "discrete":
        values = np.asarray(params["values"], dtype=float)
        weights = np.asarray(params.get("weights", np.ones_like(values)), dtype=float)
        order = np.argsort(values, kind="stable")
        cum = np.cumsum(weights[order]) / weights.sum()
        idx = np.searchsorted(cum, u, side="right")
        return values[order][np.minimum(idx, len(values) - 1)]
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
        lo = p.get("min", np.array(-np.inf))
        hi = p.get("max", np.array(np.inf))
        a = special.ndtr((lo - p["mean"]) / p["sd"])
        b = special.ndtr((hi - p["mean"]) / p["sd"])
        x = p["mean"] + p["sd"] * special.ndtri(a + u * (b - a))
        return np.clip(x, lo, hi)
    if family == "exponential":
        return -p["mean"] * np.log1p(-u)
    dist, shape, loc, scale = _shape(family, p)
    return dist.ppf(u, *shape, loc=loc, scale=scale)


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
        return float(stats.truncnorm.mean(lo, hi, loc=p["mean"], scale=p["sd"]))
    return float(p["mean"])


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
    """Normal-copula correlation giving Spearman rank correlation ``rho`` (Pearson's 1907 identity)."""
    return 2.0 * np.sin(np.pi * np.asarray(rho) / 6.0)


def copula_factor(rank_corr: np.ndarray) -> np.ndarray:
    """Cholesky factor of the normal-copula matrix for a rank-correlation matrix.

    Raises DistError when no joint distribution has these rank correlations
    (the matrix is not positive definite).
    """
    r = np.asarray(rank_corr, dtype=float)
    if r.ndim != 2 or r.shape[0] != r.shape[1]:
        raise DistError("a correlation matrix must be square")
    if not np.allclose(r, r.T):
        raise DistError("a correlation matrix must be symmetric")
    if np.any(np.abs(r) > 1):
        raise DistError("rank correlations must lie in [-1, 1]")
    try:
        return np.linalg.cholesky(spearman_to_pearson(r))
    except np.linalg.LinAlgError:
        eig = np.linalg.eigvalsh(spearman_to_pearson(r)).min()
        raise DistError(
            f"these correlations are inconsistent: the matrix is not positive definite "
            f"(smallest eigenvalue {eig:.3g}); no set of variables can have them all at once"
        ) from None


def correlate_uniforms(u: np.ndarray, factor: np.ndarray) -> np.ndarray:
    """Apply a Gaussian copula: columns of ``u`` (n × k independent uniforms) become
    uniforms with the copula's rank correlation; each column keeps its uniform marginal."""
    z = special.ndtri(np.clip(u, 1e-16, 1 - 1e-16))
    return special.ndtr(z @ factor.T)
