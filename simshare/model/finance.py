"""Money: savings and costs as exact piecewise-linear flows (DESIGN §1.5).

The model records flows as they arise (a saving that ramps in, a cost spread over an
implementation, a lump sum) and evaluates them afterwards in closed form: cumulative
figures are exact integrals of their run-rates (a linear ramp accrues its triangle) and
NPV discounts each flow continuously at (1 + rate)^(-t/12).
"""

from __future__ import annotations

import math

import numpy as np

_TOL = 1e-9


class Flows:
    """Flows of one kind of money. Rates are per month; ``ramp`` flows rise linearly."""

    __slots__ = ("_ramps", "_windows", "_lumps")

    def __init__(self) -> None:
        self._ramps: list[tuple[float, float, float]] = []    # (rate per month, start, ramp length)
        self._windows: list[tuple[float, float, float]] = []  # (rate per month, start, end)
        self._lumps: list[tuple[float, float]] = []            # (amount, time)

    def ramp(self, per_month: float, start: float, length: float = 0.0) -> None:
        """A recurring flow rising linearly from 0 at ``start`` to ``per_month`` at ``start + length``."""
        if per_month:
            self._ramps.append((per_month, start, max(length, 0.0)))

    def window(self, per_month: float, start: float, end: float = math.inf) -> None:
        """A constant flow from ``start`` to ``end``."""
        if per_month and end > start:
            self._windows.append((per_month, start, end))

    def lump(self, amount: float, time: float) -> None:
        if amount:
            self._lumps.append((amount, time))

    def settle(self, at: float, keep: float) -> None:
        """From ``at`` on, the flow is ``keep`` × its run-rate in force at ``at``, constant (DESIGN §1.8:
        a dissolved partnership keeps a share of its savings). Flows starting after ``at`` are dropped;
        ramps and windows under way are cut at ``at``; lumps are untouched."""
        in_force = float(self.rate(np.array([at]))[0])
        ramps, windows = [], []
        for r, a, w in self._ramps:
            if a >= at - _TOL and not (w == 0.0 and abs(a - at) <= _TOL):
                continue
            ramps.append((r, a, w))
            # cancel what the ramp adds from ``at`` on: its level at ``at``, and the rest of its rise
            done = 1.0 if w <= 0 or at >= a + w else (at - a) / w
            windows.append((-r * done, at, math.inf))
            if done < 1.0:
                ramps.append((-r * (1.0 - done), at, a + w - at))
        for r, a, b in self._windows:
            if a < at - _TOL:
                windows.append((r, a, min(b, at)))
        self._ramps = ramps
        self._windows = [x for x in windows if x[0] and x[2] > x[1]]
        self.window(keep * in_force, at)

    # ------------------------------------------------------------------ evaluation

    def rate(self, t: np.ndarray) -> np.ndarray:
        """Flow per month in force at each time ``t`` (lumps excluded)."""
        t = np.asarray(t, dtype=float)
        out = np.zeros_like(t)
        if self._ramps:
            r, a, w = (np.array(x)[:, None] for x in zip(*self._ramps))
            frac = np.where(w > 0, np.clip((t - a) / np.where(w > 0, w, 1.0), 0.0, 1.0), t >= a - _TOL)
            out += (r * frac).sum(axis=0)
        if self._windows:
            r, a, b = (np.array(x)[:, None] for x in zip(*self._windows))
            out += (r * ((t >= a - _TOL) & (t < b - _TOL))).sum(axis=0)
        return out

    def cumulative(self, t: np.ndarray) -> np.ndarray:
        """Exact accrual from 0 to each time ``t``, lumps at times ≤ t included."""
        t = np.asarray(t, dtype=float)
        out = np.zeros_like(t)
        if self._ramps:
            r, a, w = (np.array(x)[:, None] for x in zip(*self._ramps))
            x = np.clip(t - a, 0.0, None)
            inside = np.minimum(x, w)
            triangle = np.where(w > 0, inside**2 / (2 * np.where(w > 0, w, 1.0)), 0.0)
            out += (r * (triangle + np.clip(x - w, 0.0, None))).sum(axis=0)
        if self._windows:
            r, a, b = (np.array(x)[:, None] for x in zip(*self._windows))
            out += (r * np.clip(np.minimum(t, b) - a, 0.0, None)).sum(axis=0)
        if self._lumps:
            amount, when = (np.array(x)[:, None] for x in zip(*self._lumps))
            out += (amount * (when <= t + _TOL)).sum(axis=0)
        return out

    def present_value(self, rate_per_year: float, horizon: float) -> float:
        """∫₀ᴴ flow(t)·(1+i)^(−t/12) dt plus discounted lumps, in closed form."""
        delta = math.log1p(rate_per_year) / 12.0
        total = 0.0
        for r, a, w in self._ramps:
            if a >= horizon:
                continue
            top = min(a + w, horizon)
            if w > 0:
                total += r / w * _ramp_integral(delta, a, top - a)
            total += r * _flat_integral(delta, max(a + w, a), horizon)
        for r, a, b in self._windows:
            total += r * _flat_integral(delta, a, min(b, horizon))
        for amount, when in self._lumps:
            if when <= horizon + _TOL:
                total += amount * math.exp(-delta * when)
        return total


def _flat_integral(delta: float, a: float, b: float) -> float:
    """∫ₐᵇ e^{−δt} dt (0 when b ≤ a)."""
    if b <= a:
        return 0.0
    if delta == 0.0:
        return b - a
    return (math.exp(-delta * a) - math.exp(-delta * b)) / delta


def _ramp_integral(delta: float, a: float, length: float) -> float:
    """∫ₐ^{a+L} (t − a)·e^{−δt} dt."""
    if length <= 0:
        return 0.0
    if delta == 0.0:
        return length * length / 2
    dl = delta * length
    return math.exp(-delta * a) * (1.0 - math.exp(-dl) * (1.0 + dl)) / (delta * delta)


def payback_month(cumulative_savings: np.ndarray, cumulative_costs: np.ndarray) -> float:
    """First month from which cumulative net savings stay ≥ 0, once in deficit (DESIGN §1.5).

    0 when never in deficit; NaN when still in deficit at the horizon. Savings and costs
    that are equal in exact arithmetic may differ by rounding: a deficit smaller than
    1e-12 of the amounts involved counts as none.
    """
    cumulative_net = cumulative_savings - cumulative_costs
    scale = float(np.max(np.abs(cumulative_savings), initial=0.0) + np.max(np.abs(cumulative_costs), initial=0.0))
    deficit = np.flatnonzero(cumulative_net < -1e-12 * scale)
    if deficit.size == 0:
        return 0.0
    last = int(deficit[-1])
    return float(last + 1) if last + 1 < len(cumulative_net) else math.nan
