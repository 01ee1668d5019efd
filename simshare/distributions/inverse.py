"""Inverse CDFs (scipy), means, CDFs and exact quantiles of distribution tables: the one path by which
replication parameters are drawn from uniforms (Monte Carlo, Latin hypercube, Sobol, copula)."""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
from scipy import optimize, special, stats

from .tables import Dist, STEP_TOLERANCE, U_MAX, U_MIN




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
