"""One replication: one possible future of the programme, on a SimPy environment of its own."""

from __future__ import annotations

import math
from array import array
from dataclasses import dataclass

import numpy as np
import simpy

from ..config import Config, correlate, draw_values, replication_parameters
from ..config.values import realise
from ..seeds import parameter_uniforms
from .finance import Flows, payback_month
from .programme import Programme
from .resilience import workforce_measures
from .workforce import Workforce

@dataclass
class Record:
    """What one replication returns, on the monthly output clock (months 0..horizon)."""

    savings_run_rate: np.ndarray
    cumulative_savings: np.ndarray
    cumulative_costs: np.ndarray
    cumulative_net: np.ndarray
    reviews_complete: np.ndarray
    services_live: np.ndarray
    vacancy_rate: np.ndarray
    staffing: np.ndarray
    resilience: np.ndarray
    agency_cost: np.ndarray
    review_start: np.ndarray
    approved: np.ndarray
    live: np.ndarray
    reviews_complete_month: float
    programme_complete_month: float
    npv: float
    payback_month: float
    inputs: np.ndarray
    filled: np.ndarray
    vacant: np.ndarray
    covered: np.ndarray
    deleted: np.ndarray
    establishment: np.ndarray
    events: int


def draw_inputs(cfg: Config, ss: np.random.SeedSequence) -> np.ndarray:
    """Plain Monte Carlo draw of one replication's parameters (correlations honoured)."""
    specs = replication_parameters(cfg)
    u = parameter_uniforms(ss, [p.path for p in specs])[None, :]
    return draw_values(specs, correlate(cfg, specs, u))[0]


def _last(milestones: list[float], order: list[int]) -> float:
    if not order:
        return math.nan
    values = [milestones[s] for s in order]
    return math.nan if any(math.isnan(v) for v in values) else max(values)


def run_replication(cfg: Config, ss: np.random.SeedSequence, values: np.ndarray | None = None) -> Record:
    """Play out one future of the programme.

    ``ss`` seeds every random stream of the replication (DESIGN §3.4); ``values`` are the
    replication parameters in ``parameter_paths(cfg)`` order, drawn from ``ss`` when omitted.
    """
    specs = replication_parameters(cfg)
    if values is None:
        values = draw_inputs(cfg, ss)
    values = np.asarray(values, dtype=float)
    real = realise(cfg, dict(zip((p.path for p in specs), values)))
    horizon = cfg.programme.horizon_months
    C, S = len(cfg.councils), len(cfg.services)
    env = simpy.Environment()
    savings, costs = Flows(), Flows()
    agency = [Flows() for _ in range(C)]

    jm = real["joint_management"]
    if jm is not None:
        savings.ramp(jm["saving_per_year"] / 12.0, jm["start_month"], jm["ramp_months"])
        costs.lump(jm["one_off_cost"], jm["start_month"])

    workforce = Workforce(env, real, cfg, ss, savings, costs, agency)
    index = {name: i for i, name in enumerate(cfg.service_names)}
    order = [index[name] for name in cfg.order]
    programme = Programme(env, real, order, ss, workforce, savings, costs)
    workforce.start()
    programme.start()

    T = horizon + 1
    counts, live, disruption = array("i"), array("b"), array("d")
    # step the clock by hand and take each month's snapshot after everything at that instant
    for t in range(T):
        while env.peek() <= t:
            env.step()
        workforce.snapshot(counts)
        live.extend(programme.is_live)
        disruption.extend(programme.disruption)
    workforce.close_books()
    programme.close_books()

    counts = np.frombuffer(counts, dtype=np.int32).reshape(T, 4, C, S, 2)
    live = np.frombuffer(live, dtype=np.int8).reshape(T, S).astype(bool)
    disruption = np.frombuffer(disruption, dtype=np.float64).reshape(T, S)
    filled, vacant, covered, deleted = (counts[:, i] for i in range(4))
    establishment = np.array(workforce.establishment).reshape(C, S, 2)
    present = np.array([[name in svc.posts for svc in cfg.services] for name in cfg.council_names])
    measures = workforce_measures(filled, vacant, covered, deleted, establishment, present,
                                  workforce.budget, live, disruption, real["programme"]["safe_staffing"])

    t = np.arange(T, dtype=float)
    cum_savings, cum_costs = savings.cumulative(t), costs.cumulative(t)
    cum_net = cum_savings - cum_costs
    rate = real["programme"]["discount_rate"]
    within = lambda m: np.where(np.array(m) <= horizon + 1e-9, m, np.nan)  # noqa: E731
    review_start, approved, went_live = within(programme.review_start), within(programme.approved), within(programme.live)
    return Record(
        savings_run_rate=savings.rate(t) * 12.0,
        cumulative_savings=cum_savings,
        cumulative_costs=cum_costs,
        cumulative_net=cum_net,
        reviews_complete=(approved[None, :] <= t[:, None] + 1e-9).sum(1),
        services_live=(went_live[None, :] <= t[:, None] + 1e-9).sum(1),
        vacancy_rate=measures["vacancy_rate"],
        staffing=measures["staffing"],
        resilience=measures["resilience"],
        agency_cost=np.stack([a.cumulative(t) for a in agency], axis=1),
        review_start=review_start,
        approved=approved,
        live=went_live,
        reviews_complete_month=_last(list(approved), order),
        programme_complete_month=_last(list(went_live), order),
        npv=savings.present_value(rate, horizon) - costs.present_value(rate, horizon),
        payback_month=payback_month(cum_savings, cum_costs),
        inputs=values,
        filled=filled.sum(-1),
        vacant=vacant.sum(-1),
        covered=covered.sum(-1),
        deleted=deleted.sum(-1),
        establishment=establishment.sum(-1),
        events=next(env._eid),
    )
