"""The programme (docs/model.md): each service's path from review to go-live, and its milestones.

This module only wires the stages together:

1. review — a SimPy process per service in phasing order; review slots are a FIFO
   ``simpy.Resource`` held by a lead who may leave (the review then pauses);
2. consultation — a timeout;
3. approval — :class:`~simshare.model.committee.Committee`, then each of the service's councils'
   own approval (``approval_months``, drawn per council and service): the slowest sets ``approved``;
4. implementation — :class:`~simshare.model.implementation.ImplementationQueue`, which also holds a
   service back until the services it comes ``after`` are live;
5. go-live — the business case (:mod:`simshare.model.business_case`) tells the workforce
   how many posts go and what each saves, the non-staff saving ramps in, and pay
   harmonisation starts.

A service with ``recruitment_freeze`` freezes its ordinary recruitment from its review start to
go-live. From the first go-live the partnership may dissolve (:mod:`simshare.model.dissolution`):
then reviews, approvals and implementations stop (an implementation under way is abandoned and its
remaining cost not spent) and deletions stop; ``unwind_months`` later every live service is separate
again, the partnership's savings fall to ``savings_retained`` of what was in force, and
``dissolution_cost`` falls.

Stages 1–2 are a SimPy process; from the committee on, each stage hands the service to
the next when it is done (a meeting's approvals to the queue, the queue's starts to a
go-live event), so every step happens at the instant, and in the order, the model defines.
The programme team's cost (:class:`Team`) runs while any review or implementation does; the capacity levers'
costs (:class:`LeverCosts`) while their slots exist.
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
from .dissolution import Dissolution
from .finance import Ledger
from .implementation import ImplementationQueue
from .workforce import Workforce


class Team:
    """The programme team's cost (£/month): it runs while any review or implementation is under way."""

    def __init__(self, env: simpy.Environment, cost_per_month: float, ledger: Ledger):
        self.env, self.cost, self.ledger = env, cost_per_month, ledger
        self.active = 0
        self.since = 0.0
        self.disbanded = False

    def start(self) -> None:
        if self.disbanded:
            return
        if self.active == 0:
            self.since = self.env.now
        self.active += 1

    def stop(self) -> None:
        if self.disbanded:
            return
        self.active -= 1
        if self.active == 0:
            self.ledger.costs.window(self.cost, self.since, self.env.now, group=self.ledger.team)

    def close_books(self) -> None:
        if self.active > 0:
            self.ledger.costs.window(self.cost, self.since, group=self.ledger.team)

    def disband(self) -> None:
        """The partnership dissolved: the team's cost stops now, and nothing restarts it."""
        if self.active > 0:
            self.ledger.costs.window(self.cost, self.since, self.env.now, group=self.ledger.team)
        self.active = 0
        self.disbanded = True


class LeverCosts:
    """What the capacity levers cost (docs/model.md): ``review_teams × review_team_cost_per_month`` from
    the programme start until the last business case in the phasing order is approved, and
    ``support_capacity × support_slot_cost_per_month`` until the last service goes live; both stop when
    the partnership dissolves and run on to the horizon when their stage never ends. Booked to the team."""

    def __init__(self, p, services: int, ledger: Ledger):
        self.ledger = ledger
        # per stage: [cost per month of all its slots, services still to pass it, whether booked]
        self.stages = {"review": [p.review_teams * p.review_team_cost_per_month, services, False],
                       "support": [p.support_capacity * p.support_slot_cost_per_month, services, False]}
        if services == 0:
            for stage in self.stages.values():
                stage[2] = True

    def passed(self, stage: str, now: float) -> None:
        """One more service has passed ``stage`` ("review": approved; "support": live) at month ``now``."""
        entry = self.stages[stage]
        entry[1] -= 1
        if entry[1] == 0:
            self.end(now, stage)

    def end(self, now: float = float("inf"), *stages: str) -> None:
        """The named stages' slots (all, by default) exist no longer from ``now``."""
        for name in stages or tuple(self.stages):
            entry = self.stages[name]
            if not entry[2]:
                entry[2] = True
                self.ledger.costs.window(entry[0], 0.0, now, group=self.ledger.team)


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
        self.levers = LeverCosts(p, len(order), ledger)
        self.review_slots = simpy.Resource(env, capacity=int(p.review_teams))
        self.team_hazard = p.team_turnover_annual / 12.0
        self.committee = Committee(env, p, self.phase, ss, self._approved)
        names = {svc.name: i for i, svc in enumerate(self.services)}
        self.after = [tuple(names[n] for n in svc.after) for svc in self.services]
        self.implementation = ImplementationQueue(p.support_capacity, p.frontline_limit, self._implement,
                                                  self._waiting_for if any(self.after) else None)
        self.councils = {c.name: c for c in real.councils}
        self.implementing: dict[int, tuple[float, float]] = {}  # service -> (its one-off cost a month, end)
        self.dissolution = Dissolution(env, p, ss, self._stop, self._separate)

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
        if self.dissolution.dissolved:
            return
        self.review_start[s] = env.now
        self.team.start()
        self.workforce.set_multiplier(s, self.p.change_turnover_multiplier)
        if svc.recruitment_freeze:
            self.workforce.freeze(s)
        yield from self._review(s, svc.review_months)
        self.review_slots.release(request)
        if self.dissolution.dissolved:
            return
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
        """A committee meeting at month ``when`` approved ``services``: once each of its councils has
        agreed too (the slowest sets the month), a service queues to implement."""
        now = []
        for s in services:
            lag = self._council_lag(s)
            if lag > 0:
                call_later(self.env, lag, lambda _ev, s=s: self._councils_agreed([s]))
            else:
                now.append(s)
        self._councils_agreed(now)

    def _council_lag(self, s: int) -> float:
        """The slowest of service ``s``'s councils' own approvals (months after the committee)."""
        svc, lag = self.services[s], 0.0
        for name in svc.posts:
            occ = self.councils[name].approval_months
            if occ.fixed != 0.0:
                lag = max(lag, occ.sampler(lambda: stream(self.ss, "council_approval", name, svc.name))())
        return lag

    def _councils_agreed(self, services: list[int]) -> None:
        if self.dissolution.dissolved:
            return
        for s in services:
            self.approved[s] = self.env.now
            self.levers.passed("review", self.env.now)
            self.implementation.add(self.env.now, self.phase[s], s, self.services[s].frontline)
        self.implementation.dispatch()

    def _waiting_for(self, s: int) -> bool:
        """Whether service ``s`` still waits for a service it comes ``after`` to go live."""
        return not all(self.is_live[t] for t in self.after[s])

    def _implement(self, s: int, frontline: bool) -> None:
        env, svc = self.env, self.services[s]
        self.team.start()
        self.disruption[s] = svc.implementation_disruption
        length = svc.implementation_months
        costs = self.ledger.costs
        if length > 0:
            costs.window(svc.one_off_cost / length, env.now, env.now + length, group=s)
            self.implementing[s] = (svc.one_off_cost / length, env.now + length)
        else:
            costs.lump(svc.one_off_cost, env.now, group=s)
        call_later(env, length, lambda _ev, s=s, f=frontline: self._go_live(s, f))

    def _go_live(self, s: int, frontline: bool) -> None:
        env, svc, wf = self.env, self.services[s], self.workforce
        if self.dissolution.dissolved:
            return
        self.implementing.pop(s, None)
        self.implementation.release(frontline)
        self.team.stop()
        self.disruption[s] = 0.0
        self.live[s] = env.now
        self.is_live[s] = True
        self.levers.passed("support", env.now)
        establishment = wf.establishment_cost(s)
        case = business_case(svc, establishment, wf.ordinary_posts(s))
        self.ledger.savings.ramp(case.non_staff / 12.0, env.now, svc.ramp_months, group=s)
        self.ledger.costs.lump(svc.harmonisation_cost, env.now, group=s)
        self.ledger.costs.window(svc.pay_harmonisation * establishment / 12.0, env.now, group=s)
        wf.go_live(s, case, svc.attrition_window_months, svc.redundancy_cost, svc.pay_harmonisation)
        settle = self.p.change_settle_months
        if settle > 0:
            call_later(env, settle, lambda _ev, s=s: self._settled(s))
        else:
            self._settled(s)
        self.dissolution.arm()
        self.implementation.dispatch()

    def _settled(self, s: int) -> None:
        """Service ``s``'s change window is over: its leaving multiplier becomes the shared one."""
        if not self.dissolution.unwound:
            self.workforce.set_multiplier(s, self.p.shared_turnover_multiplier)

    # ------------------------------------------------------------------ dissolution (docs/model.md)

    def _stop(self) -> None:
        """The partnership dissolves: no more reviews, approvals, implementations or deletions; an
        implementation under way is abandoned (its disruption ends, its remaining cost is not spent);
        joint management not yet started never starts (neither its one-off cost nor its saving)."""
        now = self.env.now
        jm = self.ledger.joint_management
        self.ledger.costs.drop_after(now, jm)
        self.ledger.savings.drop_after(now, jm)
        self.committee.close()
        self.implementation.queue.clear()
        self.team.disband()
        self.levers.end(now)
        for s, (rate, end) in self.implementing.items():
            self.ledger.costs.window(-rate, now, end, group=s)
            self.disruption[s] = 0.0
        self.implementing.clear()
        for s in self.order:
            self.workforce.stop_deletions(s)

    def _separate(self) -> None:
        """The partnership has unwound: live services are separate again (judged per council, their
        leaving multiplier back to 1, a share of their deleted posts re-established); savings fall to
        ``savings_retained`` of those in force; ``dissolution_cost`` falls."""
        p, now = self.p, self.env.now
        for s in self.order:
            if self.is_live[s]:
                self.is_live[s] = False
                self.workforce.separate(s, p.savings_retained)
                self.workforce.set_multiplier(s, 1.0)
        self.ledger.savings.settle(now, p.savings_retained)
        # programme-wide, like the team's cost: split by the councils' total budgets (sharing.py)
        self.ledger.costs.lump(p.dissolution_cost, now, group=self.ledger.team)

    def close_books(self) -> None:
        """At the horizon: the team's cost still running accrues on, and the slots of a stage not yet over."""
        self.team.close_books()
        self.levers.end()
