"""One replication: one possible future of the programme, on a SimPy environment of its own.

:func:`play` realises the config's values, wires the mechanisms together (workforce, programme,
joint management's flows, the ledger of money), steps the clock month by month taking a snapshot of
the post counts after everything due at each month, and keeps what the outputs are made from.
:func:`measure` turns a batch of played replications into every output of
:data:`~simshare.model.outputs.OUTPUTS` at once, each shaped (replication, ...);
:func:`run_replication` does both for one and returns its :class:`~simshare.model.outputs.Record`.
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from ..config import Config, correlate, draw_values, replication_parameters
from ..config.values import realise
from ..seeds import parameter_uniforms
from .finance import Accounts, Flows, Ledger, money
from .outputs import BY_NAME, OUTPUTS, POST_STATES, Record
from .programme import Programme
from .resilience import over_kinds, workforce_measures
from .sharing import share_matrix
from .workforce import Workforce

__all__ = ["Record", "Played", "draw_inputs", "play", "measure", "run_replication", "EVENT_BUDGET",
           "EventBudgetExceeded"]

#: the most SimPy events one replication may process (a typical one takes a few thousand; a
#: million take some 20 seconds): a config that needs more is refused, never left to run for ever
EVENT_BUDGET = 1_000_000


class EventBudgetExceeded(ValueError):
    """A replication needed more than its event budget: the config asks for too much work."""


def draw_inputs(cfg: Config, ss: np.random.SeedSequence) -> np.ndarray:
    """Plain Monte Carlo draw of one replication's parameters (correlations honoured),
    in ``parameter_paths(cfg)`` order."""
    specs = replication_parameters(cfg)
    u = parameter_uniforms(ss, [p.path for p in specs])[None, :]
    return draw_values(specs, correlate(cfg, specs, u))[0]


def _last(milestones: list[float], order: list[int]) -> float:
    if not order:
        return math.nan
    values = [milestones[s] for s in order]
    return math.nan if any(math.isnan(v) for v in values) else max(values)


class Played:
    """One future played out, before the measures that are worked out for many futures at once.

    ``fields`` holds every output of :data:`~simshare.model.outputs.OUTPUTS` that is final per
    future (milestones, agency cost, inputs, events); ``accounts`` its money per group
    (:class:`~simshare.model.finance.Accounts`); ``posts`` the monthly post counts
    shaped like ``SNAPSHOT_DIMS`` (month, state, council, service, kind); ``live`` and
    ``disruption`` (month, service); ``establishment`` (council, service, kind); ``present`` and
    ``budget`` (council, service); ``safe_staffing`` the realised threshold.
    """

    __slots__ = ("fields", "accounts", "posts", "live", "disruption", "establishment", "present", "budget",
                 "safe_staffing")

    def __init__(self, fields: dict[str, object], accounts: Accounts, posts: np.ndarray, live: np.ndarray,
                 disruption: np.ndarray, establishment: np.ndarray, present: np.ndarray, budget: np.ndarray,
                 safe_staffing: float):
        self.fields = fields
        self.accounts = accounts
        self.posts = posts
        self.live = live
        self.disruption = disruption
        self.establishment = establishment
        self.present = present
        self.budget = budget
        self.safe_staffing = safe_staffing


def play(cfg: Config, ss: np.random.SeedSequence, values: np.ndarray, budget: int = EVENT_BUDGET) -> Played:
    """Play out one future of the programme (``values`` in ``parameter_paths(cfg)`` order); see
    :func:`run_replication`. Raises :class:`EventBudgetExceeded` past ``budget`` events, ``ValueError``
    when ``budget`` is negative."""
    if budget < 0:
        raise ValueError(f"budget: expected a number of events ≥ 0, got {budget!r}")
    values = np.asarray(values, dtype=float)
    real = realise(cfg, values)
    horizon = real.programme.horizon_months
    C, S = len(real.councils), len(real.services)
    env = simpy.Environment()
    ledger = Ledger(S)
    agency = [Flows() for _ in range(C)]
    index = {svc.name: i for i, svc in enumerate(real.services)}
    order = [index[name] for name in cfg.order]

    jm = real.joint_management
    if jm is not None and order:  # order = [] is no programme at all: no joint management either (docs/model.md, section 4)
        ledger.savings.ramp(jm.saving_per_year / 12.0, jm.start_month, jm.ramp_months, group=ledger.joint_management)
        ledger.costs.lump(jm.one_off_cost, jm.start_month, group=ledger.joint_management)

    workforce = Workforce(env, real, ss, ledger, agency)
    programme = Programme(env, real, order, ss, workforce, ledger)
    workforce.start()
    programme.start()

    T = horizon + 1
    counts: list[int] = []
    live: list[bool] = []
    disruption: list[float] = []  # lists, not arrays: extending an array from a list is several times slower
    peek, step = env.peek, env.step
    events = 0
    # step the clock by hand and take each month's snapshot after everything at that instant; the loop
    # counts the month's events itself (``done``), and steps one past what is left of the budget only
    # to find that the budget is exceeded
    for t in range(T):
        for done in range(budget - events + 1):
            if peek() > t:
                break
            step()
        else:
            raise EventBudgetExceeded(
                f"config {cfg.programme.name!r}: one replication needed more than its budget of "
                f"{budget:,} simulation events (by month {t} of {horizon}); the usual causes are very many "
                "posts with high turnover (reduce the posts, the turnover or the horizon, or split the "
                "programme) or a committee that meets or sends cases back almost continuously (raise "
                "programme.committee_interval_months or programme.rework_months)")
        events += done
        workforce.snapshot(counts)
        live += programme.is_live
        disruption += programme.disruption
    workforce.close_books()
    programme.close_books()

    t = np.arange(T, dtype=float)
    accounts = ledger.accounts(t, share_matrix(real), real.programme.discount_rate, horizon)
    # each service's milestones and the dissolution, NaN where they fall after the horizon (or never come)
    last = horizon + 1e-9
    milestones = np.array([programme.review_start, programme.approved, programme.live], dtype=float)
    review_start, approved, went_live = np.where(milestones <= last, milestones, np.nan)
    dissolved = programme.dissolution.month
    live_months = np.array(live, dtype=bool).reshape(T, S)
    fields = dict(
        reviews_complete=(approved[None, :] <= t[:, None] + 1e-9).sum(1),
        services_live=live_months.sum(1),
        agency_cost=np.stack([a.cumulative(t) for a in agency], axis=1),
        review_start=review_start,
        approved=approved,
        live=went_live,
        reviews_complete_month=_last(list(approved), order),
        programme_complete_month=_last(list(went_live), order),
        dissolved_month=float(dissolved) if dissolved <= last else math.nan,
        inputs=values,
        events=events,
    )
    return Played(fields, accounts, workforce.post_counts(counts, T), live_months,
                  np.array(disruption, dtype=float).reshape(T, S), workforce.establishment,
                  workforce.present, workforce.budget, real.programme.safe_staffing)


#: the outputs worked out from the post counts, over many futures at once (the money's are
#: :func:`~simshare.model.finance.money`'s, every other one is in :attr:`Played.fields`)
_MEASURED = ("vacancy_rate", "staffing", "resilience", "unsafe_months")
_COUNTED = ("filled", "vacant", "covered", "deleted")
_FROM_POSTS = (*_MEASURED, *_COUNTED, "establishment")


def measure(played: list[Played], names: tuple[str, ...] | None = None) -> dict[str, np.ndarray]:
    """The outputs ``names`` (default: every one of :data:`~simshare.model.outputs.OUTPUTS`) of the
    futures ``played``, each shaped (future, *dims); the monthly measures and the money are worked
    out for all of them at once (:func:`~simshare.model.resilience.workforce_measures`,
    :func:`~simshare.model.finance.money`)."""
    names = tuple(o.name for o in OUTPUTS) if names is None else names
    out: dict[str, np.ndarray] = {}
    if any(name in _MEASURED or name in _COUNTED for name in names):
        posts = np.stack([p.posts for p in played])  # (future, month, state, council, service, kind)
        state = {name: posts[:, :, i] for i, name in enumerate(POST_STATES)}
    if any(name in _MEASURED for name in names):
        out.update(workforce_measures(
            state["filled"], state["vacant"], state["covered"], state["deleted"],
            np.stack([p.establishment for p in played]), np.stack([p.present for p in played]),
            np.stack([p.budget for p in played]), np.stack([p.live for p in played]),
            np.stack([p.disruption for p in played]), np.array([p.safe_staffing for p in played])))
    if any(name not in _FROM_POSTS and name not in played[0].fields for name in names):
        out.update(money([p.accounts for p in played], played[0].live.shape[1]))
    for name in names:
        if name in out:
            continue
        if name in _COUNTED:
            out[name] = over_kinds(state[name], BY_NAME[name].dtype)
        elif name == "establishment":
            out[name] = over_kinds(np.stack([p.establishment for p in played]))
        else:
            out[name] = np.array([p.fields[name] for p in played])
    return {name: out[name] for name in names}


def run_replication(cfg: Config, ss: np.random.SeedSequence, values: np.ndarray | None = None,
                    budget: int = EVENT_BUDGET) -> Record:
    """Play out one future of the programme.

    ``ss`` seeds every random stream of the replication (docs/model.md); ``values`` are the
    replication parameters in ``parameter_paths(cfg)`` order, drawn from ``ss`` when omitted.
    Shapes of the record's fields follow their dims in ``OUTPUTS`` (time = horizon + 1 months).
    Raises :class:`EventBudgetExceeded` when the replication needs more than ``budget`` events
    (``ValueError`` when ``budget`` is negative).
    """
    if values is None:
        values = draw_inputs(cfg, ss)
    arrays = measure([play(cfg, ss, values, budget)])
    return Record(**{o.name: arrays[o.name][0] if o.dims else arrays[o.name][0].item() for o in OUTPUTS})
