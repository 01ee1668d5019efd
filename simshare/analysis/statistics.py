"""Monte Carlo error: confidence intervals for summary statistics.

A board figure such as "P80 completion: Mar 2017" is an estimate from a finite number of
replications; these functions say how far it may be from the figure an infinite run would give.

Conventions
-----------
* Month outcomes store NaN for "not reached within the horizon". For quantiles a NaN is
  read as +inf (later than every finite month), so the P80 of a completion month that 30 %
  of replications never reach is +inf ("after horizon"), while the P50 stays finite.
  ``payback_month`` stores −inf for "no deficit" (earlier than every month); a quantile that
  leans on it is −inf.
* Quantile estimates are numpy's default (linear, "type 7") sample quantiles, so they equal
  ``np.percentile(x, 100*q)`` on finite data.
* Quantile intervals are distribution-free, from order statistics (see :func:`quantile_ci`).
"""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
from scipy import stats

#: Statistics a precision target (and the summary table) can name, with the quantile level.
STATISTICS: dict[str, float | None] = {"P10": 0.10, "P50": 0.50, "P80": 0.80, "P90": 0.90, "mean": None}


def as_later_than_all(x: np.ndarray | Sequence[float]) -> np.ndarray:
    """1-D float copy of ``x`` with NaN ("not reached") replaced by +inf."""
    a = np.asarray(x, dtype=float).ravel()
    return np.where(np.isnan(a), np.inf, a)


def sample_quantile(a: np.ndarray, q: float) -> float:
    """numpy's linear sample quantile of ``a``, exact when some values are +inf or −inf.

    ``np.quantile`` gives NaN when it interpolates towards an infinity (inf * 0). We evaluate it
    with the infinite values replaced by finite stand-ins, then with each side's stand-ins moved far
    out: if the answer does not move, the infinite values carry no weight and it is numpy's exact
    figure; otherwise the quantile puts positive weight on an infinite value and is that infinity
    (NaN when it leans on both, between −inf and +inf).
    """
    if a.size == 0:
        return math.nan
    pos, neg = np.isposinf(a), np.isneginf(a)
    if not (pos.any() or neg.any()):
        return float(np.quantile(a, q))
    finite = a[~(pos | neg)]
    top = float(finite.max()) if finite.size else 0.0
    bottom = float(finite.min()) if finite.size else 0.0
    far = max(1.0, abs(top), abs(bottom)) * 1e6

    def at(high: float, low: float) -> float:
        return float(np.quantile(np.where(pos, high, np.where(neg, low, a)), q))

    base = at(top, bottom)
    up, down = at(top + far, bottom) != base, at(top, bottom - far) != base
    if up and down:
        return math.nan
    return math.inf if up else (-math.inf if down else base)


def quantile_ranks(n: int, q: float, confidence: float = 0.95) -> tuple[int, int]:
    """1-based order-statistic ranks (l, u) with P(x_(l) <= xi_q <= x_(u)) >= confidence.

    With K ~ Binomial(n, q) the number of observations below the true quantile xi_q,
    P(x_(l) <= xi_q <= x_(u)) = F(u-1) - F(l-1) (F the binomial cdf, continuous data).
    We put at most alpha/2 in each tail: l = binom.ppf(alpha/2) (so F(l-1) < alpha/2) and
    u = binom.isf(alpha/2) + 1 (so F(u-1) >= 1 - alpha/2). The interval is therefore
    conservative (coverage >= confidence). l < 1 means "below the sample" (-inf) and
    u > n "above the sample" (+inf).
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    if not 0.0 <= q <= 1.0:
        raise ValueError(f"quantile level must be between 0 and 1, got {q}")
    alpha = 1.0 - confidence
    lower = int(stats.binom.ppf(alpha / 2.0, n, q))
    upper = int(stats.binom.isf(alpha / 2.0, n, q)) + 1
    return lower, upper


def quantile_ci(
    x: np.ndarray | Sequence[float], q: float, confidence: float = 0.95
) -> tuple[float, float, float]:
    """Sample quantile of ``x`` at level ``q`` and a distribution-free confidence interval.

    Returns ``(estimate, low, high)``. NaN in ``x`` means "not reached within the horizon" and
    counts as +inf. The interval ends are order statistics chosen by :func:`quantile_ranks`;
    an end is -inf/+inf when the sample is too small to bound the quantile on that side (or
    when the order statistic itself is +inf).
    """
    a = np.sort(as_later_than_all(x))
    n = a.size
    if n == 0:
        return math.nan, -math.inf, math.inf
    estimate = sample_quantile(a, q)
    lower, upper = quantile_ranks(n, q, confidence)
    low = float(a[lower - 1]) if lower >= 1 else -math.inf
    high = float(a[upper - 1]) if upper <= n else math.inf
    return estimate, low, high


def mean_ci(x: np.ndarray | Sequence[float], confidence: float = 0.95) -> tuple[float, float, float]:
    """Sample mean with a normal-approximation interval, mean ± z * sd / sqrt(n).

    Any NaN ("not reached") or infinite value (e.g. "no deficit", −inf) makes the mean undefined:
    ``(nan, nan, nan)``. With fewer than two values the interval is (-inf, inf).
    """
    if not 0.0 < confidence < 1.0:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    a = np.asarray(x, dtype=float).ravel()
    n = a.size
    if n == 0 or not np.isfinite(a).all():
        return math.nan, math.nan, math.nan
    m = float(np.mean(a))
    if n < 2 or not math.isfinite(m):
        return m, -math.inf, math.inf
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    half = z * float(np.std(a, ddof=1)) / math.sqrt(n)
    return m, m - half, m + half


def half_width(low: float, high: float) -> float:
    """(high - low) / 2, +inf when an end is infinite, NaN when an end is NaN."""
    if math.isnan(low) or math.isnan(high):
        return math.nan
    if math.isinf(low) or math.isinf(high):
        return math.inf
    return (high - low) / 2.0


def statistic_ci(
    x: np.ndarray | Sequence[float], statistic: str, confidence: float = 0.95
) -> tuple[float, float, float]:
    """``(estimate, low, high)`` of one of :data:`STATISTICS` ("P10".."P90" or "mean")."""
    if statistic not in STATISTICS:
        raise ValueError(f"unknown statistic {statistic!r}: expected one of {', '.join(STATISTICS)}")
    q = STATISTICS[statistic]
    return mean_ci(x, confidence) if q is None else quantile_ci(x, q, confidence)


def late_quantile(x: np.ndarray | Sequence[float], q: float) -> float:
    """Sample quantile of ``x`` at level ``q`` with NaN read as later than every month (+inf), as in the
    summary table."""
    return sample_quantile(as_later_than_all(x), q)


def wilson(successes: int, n: int, confidence: float) -> tuple[float, float]:
    """Wilson score interval ``(low, high)`` for a binomial proportion ``successes / n``."""
    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


__all__ = ["STATISTICS", "as_later_than_all", "sample_quantile", "late_quantile", "quantile_ranks", "quantile_ci",
           "mean_ci", "half_width", "statistic_ci", "wilson"]
