"""The programme (DESIGN §1.4): each service's path from review to go-live, and its milestones.

This module only wires the stages together:

1. review — a SimPy process per service in phasing order; review slots are a FIFO
   ``simpy.Resource`` held by a lead who may leave (the review then pauses);
2. consultation — a timeout;
3. approval — :class:`~simshare.model.committee.Committee`;
4. implementation — :class:`~simshare.model.implementation.ImplementationQueue`;
5. go-live — the business case (:mod:`simshare.model.business_case`) tells the workforce
   how many posts go and what each saves, the non-staff saving ramps in, and pay
   harmonisation starts.

Stages 1–2 are a SimPy process; from the committee on, each stage hands the service to
the next when it is done (a meeting's approvals to the queue, the queue's starts to a
go-live event), so every step happens at the instant, and in the order, the model defines.
The programme team's cost (:class:`Team`) runs while any review or implementation does.
Every saving and cost goes to the :class:`~simshare.model.finance.Ledger` under its service
(the team's under the team).
"""

from __future__ import annotations

import math

import numpy as np
import simpy

from ..config.values import Realisation
from ..seeds import stream
from .business_case import business_case
from .clock import call_later
from .committee import Committee
from .finance import Ledger
from .implementation import ImplementationQueue
from .workforce import Workforce


class Team:
    """The programme team's cost (£/month): it runs while any review or implementation is under way."""

    def __init__(self, env: simpy.Environment, cost_per_month: float, ledger: Ledger):
        self.env, self.cost, self.ledger = env, cost_per_month, ledger
        self.active = 0
        self.since = 0.0

    def start(self) -> None:
        if self.active == 0:
            self.since = self.env.now
        self.active += 1

    def stop(self) -> None:
        self.active -= 1
        if self.active == 0:
            self.ledger.costs.window(self.cost, self.since, self.env.now, group=self.ledger.team)

    def close_books(self) -> None:
        if self.active > 0:
            self.ledger.costs.window(self.cost, self.since, group=self.ledger.team)


class Programme:
    """Runs every service of the phasing order (service indices) through the stages.

    Milestones per service, in months (NaN until reached): ``review_start``, ``approved``,
    ``live``; ``is_live`` and ``disruption`` (the share of effective staffing lost while
    implementing) are the service's state now.
    """

    def __init__(self, env: simpy.Environment, real: Realisation, order: list[int], ss: np.random.SeedSequence,
                 workforce: Workforce, ledger: Ledger):
        self.env = env
        self.p = p = real.programme
        self.services = real.services
        self.order = order
        self.phase = {s: i for i, s in enumerate(order)}
        self.ss = ss
        self.workforce = workforce
        self.ledger = ledger
        S = len(self.services)
        self.review_start = [math.nan] * S
        self.approved = [math.nan] * S
        self.live = [math.nan] * S
        self.disruption = [0.0] * S
        self.is_live = [False] * S
        self.team = Team(env, p.team_cost_per_month, ledger)
        self.review_slots = simpy.Resource(env, capacity=int(p.review_teams))
        self.team_hazard = p.team_turnover_annual / 12.0
        self.committee = Committee(env, p, self.phase, ss, self._approved)
        self.implementation = ImplementationQueue(p.support_capacity, p.frontline_limit, self._implement)

    def start(self) -> None:
        for s in self.order:
            self.env.process(self._service(s))

    # ------------------------------------------------------------------ review and consultation

    def _service(self, s: int):
        env, svc = self.env, self.services[s]
        if svc.earliest_start_month > 0:
            yield env.timeout(svc.earliest_start_month)
        request = self.review_slots.request()
        yield request
        self.review_start[s] = env.now
        self.team.start()
        self.workforce.set_multiplier(s, self.p.change_turnover_multiplier)
        yield from self._review(s, svc.review_months)
        self.review_slots.release(request)
        self.team.stop()
        if svc.consultation_months > 0:
            yield env.timeout(svc.consultation_months)
        self.committee.submit(s)

    def _review(self, s: int, work: float):
        """Review work that pauses while a departed lead is replaced, then resumes where it stopped."""
        env = self.env
        if self.team_hazard <= 0:
            yield env.timeout(work)
            return
        name = self.services[s].name
        rng = stream(self.ss, "review", name)
        replace = self.p.team_replacement_months.sampler(lambda: stream(self.ss, "review", name, "replacement"))
        remaining = work
        while remaining > 0:
            leaves = rng.exponential(1.0 / self.team_hazard)
            if leaves >= remaining:
                yield env.timeout(remaining)
                return
            yield env.timeout(leaves)
            remaining -= leaves
            yield env.timeout(replace())

    # ------------------------------------------------------------------ approval, implementation, go-live

    def _approved(self, services: list[int], when: float) -> None:
        """A committee meeting at month ``when`` approved ``services``: they queue to implement."""
        for s in services:
            self.approved[s] = when
            self.implementation.add(when, self.phase[s], s, self.services[s].frontline)
        self.implementation.dispatch()

    def _implement(self, s: int, frontline: bool) -> None:
        env, svc = self.env, self.services[s]
        self.team.start()
        self.disruption[s] = svc.implementation_disruption
        length = svc.implementation_months
        costs = self.ledger.costs
        if length > 0:
            costs.window(svc.one_off_cost / length, env.now, env.now + length, group=s)
        else:
            costs.lump(svc.one_off_cost, env.now, group=s)
        call_later(env, length, lambda _ev, s=s, f=frontline: self._go_live(s, f))

    def _go_live(self, s: int, frontline: bool) -> None:
        env, svc, wf = self.env, self.services[s], self.workforce
        self.implementation.release(frontline)
        self.team.stop()
        self.disruption[s] = 0.0
        self.live[s] = env.now
        self.is_live[s] = True
        establishment = wf.establishment_cost(s)
        case = business_case(svc, establishment, wf.ordinary_posts(s))
        self.ledger.savings.ramp(case.non_staff / 12.0, env.now, svc.ramp_months, group=s)
        self.ledger.costs.lump(svc.harmonisation_cost, env.now, group=s)
        self.ledger.costs.window(svc.pay_harmonisation * establishment / 12.0, env.now, group=s)
        wf.go_live(s, case, svc.attrition_window_months, svc.redundancy_cost, svc.pay_harmonisation)
        settle = self.p.change_settle_months
        if settle > 0:
            call_later(env, settle, lambda _ev, s=s: wf.set_multiplier(s, self.p.shared_turnover_multiplier))
        else:
            wf.set_multiplier(s, self.p.shared_turnover_multiplier)
        self.implementation.dispatch()

    def close_books(self) -> None:
        """At the horizon: the team's cost still running accrues on."""
        self.team.close_books()
