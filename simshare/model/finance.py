"""Money: savings and costs as exact piecewise-linear flows (docs/model.md).

The model records flows as they arise (a saving that ramps in, a cost spread over an
implementation, a lump sum) and evaluates them afterwards in closed form: cumulative
figures are exact integrals of their run-rates (a linear ramp accrues its triangle) and
NPV discounts each flow continuously at (1 + rate)^(-t/12).

Money is kept by where it comes from (:class:`Ledger`: each service, joint management, the
programme team), so that the reviews can be read apart from joint management and each council's
share worked out (docs/model.md, section 9, "Who pays and who gains").
"""

from __future__ import annotations

import math
from dataclasses import dataclass

import numpy as np

_TOL = 1e-9


class Flows:
    """Flows of one kind of money. Rates are per month; ``ramp`` flows rise linearly.

    Each flow belongs to one of ``groups`` groups (a service, joint management, the programme
    team: see :class:`Ledger`); ``rates``, ``cumulatives`` and ``present_values`` evaluate every
    group at once, ``rate``, ``cumulative`` and ``present_value`` their sum.
    """

    __slots__ = ("groups", "_ramps", "_windows", "_lumps")

    def __init__(self, groups: int = 1) -> None:
        self.groups = groups
        self._ramps: list[tuple[float, float, float, int]] = []    # (rate per month, start, ramp length, group)
        self._windows: list[tuple[float, float, float, int]] = []  # (rate per month, start, end, group)
        self._lumps: list[tuple[float, float, int]] = []            # (amount, time, group)

    def ramp(self, per_month: float, start: float, length: float = 0.0, group: int = 0) -> None:
        """A recurring flow rising linearly from 0 at ``start`` to ``per_month`` at ``start + length``."""
        if per_month:
            self._ramps.append((per_month, start, max(length, 0.0), group))

    def window(self, per_month: float, start: float, end: float = math.inf, group: int = 0) -> None:
        """A constant flow from ``start`` to ``end`` (a negative one ends part of an earlier one)."""
        if per_month and end > start:
            self._windows.append((per_month, start, end, group))

    def lump(self, amount: float, time: float, group: int = 0) -> None:
        if amount:
            self._lumps.append((amount, time, group))

    def drop_after(self, at: float, group: int) -> None:
        """Forget ``group``'s flows that start after ``at`` (money a dissolved partnership never commits)."""
        self._ramps = [x for x in self._ramps if x[3] != group or x[1] <= at + _TOL]
        self._windows = [x for x in self._windows if x[3] != group or x[1] <= at + _TOL]
        self._lumps = [x for x in self._lumps if x[2] != group or x[1] <= at + _TOL]

    def settle(self, at: float, keep: float) -> None:
        """From ``at`` on, each group's flow is ``keep`` × that group's run-rate in force at ``at``,
        constant (docs/model.md: a dissolved partnership keeps a share of its savings), so every group
        (service, joint management, team) and hence every council's share keeps its own part. Flows
        starting after ``at`` are dropped; ramps and windows under way are cut at ``at``; lumps are
        untouched."""
        in_force = self.rates(np.array([at]))[:, 0]
        ramps, windows = [], []
        for r, a, w, g in self._ramps:
            if a >= at - _TOL and not (w == 0.0 and abs(a - at) <= _TOL):
                continue
            ramps.append((r, a, w, g))
            # cancel what the ramp adds from ``at`` on: its level at ``at``, and the rest of its rise
            done = 1.0 if w <= 0 or at >= a + w else (at - a) / w
            windows.append((-r * done, at, math.inf, g))
            if done < 1.0:
                ramps.append((-r * (1.0 - done), at, a + w - at, g))
        for r, a, b, g in self._windows:
            if a < at - _TOL:
                windows.append((r, a, min(b, at), g))
        self._ramps = ramps
        self._windows = [x for x in windows if x[0] and x[2] > x[1]]
        for g in range(self.groups):
            self.window(keep * float(in_force[g]), at, group=g)

    # ------------------------------------------------------------------ evaluation

    def _by_group(self, entries: list, values: np.ndarray) -> np.ndarray:
        """Sum the rows of ``values`` (one per entry) into one row per group, adding them in entry order:
        not a matrix product, whose sums BLAS may split between threads (a result's last bit would then
        depend on the machine's thread count). One group (a council's agency cover, thousands of
        windows) is a sum over the leading axis, which numpy adds row after row, as ``np.add.at`` does."""
        if self.groups == 1:
            return values.sum(axis=0, keepdims=True)
        out = np.zeros((self.groups,) + values.shape[1:])
        np.add.at(out, [e[-1] for e in entries], values)
        return out

    def rates(self, t: np.ndarray) -> np.ndarray:
        """Flow per month in force at each time ``t`` (lumps excluded), per group: (groups, len(t))."""
        t = np.asarray(t, dtype=float)
        out = np.zeros((self.groups, t.size))
        if self._ramps:
            r, a, w = (np.array(x)[:, None] for x in list(zip(*self._ramps))[:3])
            frac = np.where(w > 0, np.clip((t - a) / np.where(w > 0, w, 1.0), 0.0, 1.0), t >= a - _TOL)
            out += self._by_group(self._ramps, r * frac)
        if self._windows:
            r, a, b = (np.array(x)[:, None] for x in list(zip(*self._windows))[:3])
            out += self._by_group(self._windows, r * ((t >= a - _TOL) & (t < b - _TOL)))
        return out

    def cumulatives(self, t: np.ndarray) -> np.ndarray:
        """Exact accrual from 0 to each time ``t``, lumps at times ≤ t included, per group: (groups, len(t))."""
        t = np.asarray(t, dtype=float)
        out = np.zeros((self.groups, t.size))
        if self._ramps:
            r, a, w = (np.array(x)[:, None] for x in list(zip(*self._ramps))[:3])
            x = np.clip(t - a, 0.0, None)
            inside = np.minimum(x, w)
            triangle = np.where(w > 0, inside**2 / (2 * np.where(w > 0, w, 1.0)), 0.0)
            out += self._by_group(self._ramps, r * (triangle + np.clip(x - w, 0.0, None)))
        if self._windows:
            r, a, b = (np.array(x)[:, None] for x in list(zip(*self._windows))[:3])
            out += self._by_group(self._windows, r * np.clip(np.minimum(t, b) - a, 0.0, None))
        if self._lumps:
            amount, when = (np.array(x)[:, None] for x in list(zip(*self._lumps))[:2])
            out += self._by_group(self._lumps, amount * (when <= t + _TOL))
        return out

    def present_values(self, rate_per_year: float, horizon: float) -> np.ndarray:
        """∫₀ᴴ flow(t)·(1+i)^(−t/12) dt plus discounted lumps, in closed form, per group: (groups,)."""
        delta = math.log1p(rate_per_year) / 12.0
        total = np.zeros(self.groups)
        for r, a, w, g in self._ramps:
            if a >= horizon:
                continue
            top = min(a + w, horizon)
            if w > 0:
                total[g] += r / w * _ramp_integral(delta, a, top - a)
            total[g] += r * _flat_integral(delta, max(a + w, a), horizon)
        for r, a, b, g in self._windows:
            total[g] += r * _flat_integral(delta, a, min(b, horizon))
        for amount, when, g in self._lumps:
            if when <= horizon + _TOL:
                total[g] += amount * math.exp(-delta * when)
        return total

    def rate(self, t: np.ndarray) -> np.ndarray:
        """Flow per month in force at each time ``t`` (lumps excluded), all groups."""
        return self.rates(t).sum(axis=0)

    def cumulative(self, t: np.ndarray) -> np.ndarray:
        """Exact accrual from 0 to each time ``t``, lumps at times ≤ t included, all groups."""
        return self.cumulatives(t).sum(axis=0)

    def present_value(self, rate_per_year: float, horizon: float) -> float:
        """∫₀ᴴ flow(t)·(1+i)^(−t/12) dt plus discounted lumps, all groups."""
        return float(self.present_values(rate_per_year, horizon).sum())


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


def payback_month(cumulative_savings: np.ndarray, cumulative_costs: np.ndarray) -> np.ndarray:
    """First month from which cumulative net savings stay ≥ 0, once in deficit (docs/model.md), for
    each row of (..., T) cumulative savings and costs: shape (...).

    −inf ("no deficit": earlier than every month) when never in deficit; NaN when still in deficit at
    the horizon. Savings and costs that are equal in exact arithmetic may differ by rounding: a
    deficit smaller than 1e-12 of the amounts involved counts as none.
    """
    cumulative_net = cumulative_savings - cumulative_costs
    T = cumulative_net.shape[-1]
    scale = (np.max(np.abs(cumulative_savings), axis=-1, initial=0.0)
             + np.max(np.abs(cumulative_costs), axis=-1, initial=0.0))
    deficit = cumulative_net < -1e-12 * scale[..., None]
    after = T - np.argmax(deficit[..., ::-1], axis=-1)  # one past the last month in deficit
    return np.where(deficit.any(axis=-1), np.where(after < T, after.astype(float), math.nan), -math.inf)


@dataclass(frozen=True, slots=True)
class Accounts:
    """One replication's money per group (:class:`Ledger`) on the monthly clock, before it is added up
    (:func:`money`): ``rates`` savings run-rates (£/yr) and ``saved``/``spent`` cumulative savings and
    costs (£), each (groups, T); ``value`` each group's present value (£), (groups,); ``shares``
    (groups × councils, rows summing to 1) who gains and pays what share of each group."""

    rates: np.ndarray
    saved: np.ndarray
    spent: np.ndarray
    value: np.ndarray
    shares: np.ndarray


def _shared(by_group: np.ndarray, shares: np.ndarray) -> np.ndarray:
    """Each council's part of money kept by group: ``by_group`` (G, T) and ``shares`` (G, C) give
    (T, C), Σ_g by_group[g, t] × shares[g, c], the products added group after group (a reduction over
    the first axis, which numpy does in order)."""
    return (by_group[:, :, None] * shares[:, None, :]).sum(axis=0)


def money(accounts: list[Accounts], services: int) -> dict[str, np.ndarray]:
    """Every money output (docs/model.md, section 9; docs/results-layout.md) of R replications at
    once, each (R, ...): run-rates in £/yr, the rest in £; ``services`` is the number of services
    (the groups are the services, joint management, then the programme team).

    ``service_*``, ``npv_services`` and ``payback_month`` are the reviews alone (joint management
    left out); ``council_*`` each council's share, (R, T, councils) or (R, councils), summing to the
    totals; ``savings_by_service`` each service's run-rate, (R, T, services).
    """
    rates = np.stack([a.rates for a in accounts])   # (R, G, T)
    saved = np.stack([a.saved for a in accounts])
    spent = np.stack([a.spent for a in accounts])
    value = np.stack([a.value for a in accounts])   # (R, G)
    reviews = [g for g in range(services + 2) if g != services]  # every group but joint management
    net = saved - spent
    return dict(
        savings_run_rate=rates.sum(axis=1),
        service_savings_run_rate=rates[:, reviews].sum(axis=1),
        cumulative_savings=saved.sum(axis=1),
        cumulative_costs=spent.sum(axis=1),
        cumulative_net=net.sum(axis=1),
        # each council's share, a replication at a time and added over the groups in order (not a matrix
        # product: the last bit must depend neither on how many replications are worked out together
        # nor on BLAS and its threads)
        council_savings_run_rate=np.stack([_shared(r, a.shares) for r, a in zip(rates, accounts)]),
        council_cumulative_net=np.stack([_shared(n, a.shares) for n, a in zip(net, accounts)]),
        # a replication's groups added up alone: a sum over the rows of a 2-D block may be done in another
        # order, and the last bit must not depend on how many replications are worked out together
        npv=np.array([v.sum() for v in value]),
        npv_services=np.array([v[reviews].sum() for v in value]),
        council_npv=np.stack([_shared(v[:, None], a.shares)[0] for v, a in zip(value, accounts)]),
        payback_month=payback_month(saved[:, reviews].sum(axis=1), spent[:, reviews].sum(axis=1)),
        savings_by_service=rates[:, :services].transpose(0, 2, 1),
    )


class Ledger:
    """The programme's savings and costs by where they come from: group ``s`` is service ``s``'s, then
    joint management's (:attr:`joint_management`), then the programme team's (:attr:`team`, a cost of
    the reviews). :meth:`evaluate` splits each group between the councils by a share matrix."""

    __slots__ = ("services", "joint_management", "team", "savings", "costs")

    def __init__(self, services: int):
        self.services = services
        self.joint_management = services
        self.team = services + 1
        self.savings = Flows(services + 2)
        self.costs = Flows(services + 2)

    def accounts(self, t: np.ndarray, shares: np.ndarray, discount_rate: float, horizon: float) -> Accounts:
        """The ledger's money per group at months ``t`` (see :class:`Accounts`; :func:`money` adds it up)."""
        return Accounts(rates=self.savings.rates(t) * 12.0, saved=self.savings.cumulatives(t),
                        spent=self.costs.cumulatives(t),
                        value=(self.savings.present_values(discount_rate, horizon)
                               - self.costs.present_values(discount_rate, horizon)),
                        shares=shares)
