"""The programme (DESIGN §1.4): review, consultation, committee approval, implementation, go-live.

Each service in phasing order is a SimPy process.  Review slots are a FIFO
``simpy.Resource``; the joint committee and the implementation queue are small classes
because their rules (a calendar with a cap per meeting; several kinds of slot, none held
while waiting) are not those of a single resource.
"""

from __future__ import annotations

import bisect
import math
from typing import Any, Callable

import numpy as np
import simpy

from ..distributions import Sampler
from ..seeds import stream
from .clock import call_later
from .finance import Flows
from ..config.values import Occurrence
from .workforce import Workforce

#: a case ready within this many months after a meeting's time counts as ready at it
#: (durations that add up to a meeting month in decimal may miss it by rounding)
MEETING_TOLERANCE = 1e-7
#: SimPy priorities: meetings after every ordinary event of their instant, snapshots last
MEETING_PRIORITY = 2


def _sampler(occ: Occurrence, rng_factory: Callable[[], np.random.Generator]) -> Callable[[], float]:
    fixed = occ.fixed
    if fixed is not None:
        return lambda: fixed
    return Sampler(occ.family, dict(occ.params), rng_factory())


class Team:
    """The programme team's cost: it runs while any review or implementation is under way."""

    def __init__(self, env: simpy.Environment, cost_per_month: float, costs: Flows):
        self.env, self.cost, self.costs = env, cost_per_month, costs
        self.active = 0
        self.since = 0.0

    def start(self) -> None:
        if self.active == 0:
            self.since = self.env.now
        self.active += 1

    def stop(self) -> None:
        self.active -= 1
        if self.active == 0:
            self.costs.window(self.cost, self.since, self.env.now)

    def close_books(self) -> None:
        if self.active > 0:
            self.costs.window(self.cost, self.since)


class Programme:
    """Runs every service of the phasing order through the stages and records milestones."""

    def __init__(self, env: simpy.Environment, real: dict[str, Any], order: list[int], ss: np.random.SeedSequence,
                 workforce: Workforce, savings: Flows, costs: Flows):
        self.env = env
        self.p = p = real["programme"]
        self.services = real["services"]
        self.order = order
        self.phase = {s: i for i, s in enumerate(order)}
        self.ss = ss
        self.workforce = workforce
        self.savings = savings
        self.costs = costs
        S = len(self.services)
        self.review_start = [math.nan] * S
        self.approved = [math.nan] * S
        self.live = [math.nan] * S
        self.disruption = [0.0] * S
        self.is_live = [False] * S
        self.team = Team(env, p["team_cost_per_month"], costs)
        self.review_slots = simpy.Resource(env, capacity=int(p["review_teams"]))
        self.team_hazard = p["team_turnover_annual"] / 12.0
        # committee
        self.waiting: list[tuple[int, int, int]] = []  # (phase, service, first meeting it may go to)
        self.considered: dict[int, int] = {}      # meeting index -> cases considered
        self.pending: set[int] = set()            # meeting indices scheduled, not yet held
        self.cap = math.inf if p["approvals_per_meeting"] is None else int(p["approvals_per_meeting"])
        self._decisions: Sampler | None = None  # made when the committee first decides
        self._reworks: Callable[[], float] | None = None
        # implementation
        self.queue: list[tuple[float, int, int]] = []  # (approval time, phase, service)
        self.support_free = int(p["support_capacity"])
        self.frontline_free = int(p["frontline_limit"])

    def start(self) -> None:
        for s in self.order:
            self.env.process(self._service(s))

    # ------------------------------------------------------------------ review and consultation

    def _service(self, s: int):
        env, svc = self.env, self.services[s]
        if svc["earliest_start_month"] > 0:
            yield env.timeout(svc["earliest_start_month"])
        request = self.review_slots.request()
        yield request
        self.review_start[s] = env.now
        self.team.start()
        self.workforce.set_multiplier(s, self.p["change_turnover_multiplier"])
        yield from self._review(s, svc["review_months"])
        self.review_slots.release(request)
        self.team.stop()
        if svc["consultation_months"] > 0:
            yield env.timeout(svc["consultation_months"])
        self._submit(s)

    def _review(self, s: int, work: float):
        """Review work that pauses while a departed lead is replaced, then resumes where it stopped."""
        env = self.env
        if self.team_hazard <= 0:
            yield env.timeout(work)
            return
        name = self.services[s]["name"]
        rng = stream(self.ss, "review", name)
        replace = _sampler(self.p["team_replacement_months"], lambda: stream(self.ss, "review", name, "replacement"))
        remaining = work
        while remaining > 0:
            leaves = rng.exponential(1.0 / self.team_hazard)
            if leaves >= remaining:
                yield env.timeout(remaining)
                return
            yield env.timeout(leaves)
            remaining -= leaves
            yield env.timeout(replace())

    # ------------------------------------------------------------------ committee

    def _decide(self) -> float:
        if self._decisions is None:
            self._decisions = Sampler("uniform", {"min": 0.0, "max": 1.0}, stream(self.ss, "committee", "approval"))
        return self._decisions()

    def _rework(self) -> float:
        if self._reworks is None:
            self._reworks = _sampler(self.p["rework_months"], lambda: stream(self.ss, "committee", "rework"))
        return self._reworks()

    def _meeting_time(self, k: int) -> float:
        return self.p["committee_first_month"] + k * self.p["committee_interval_months"]

    def _submit(self, s: int, sent_back_at: int = -1) -> None:
        """A business case is ready: it waits for the first meeting at or after now (and,
        when a meeting sent it back, a later meeting than that one, even with no rework time)."""
        first, interval = self.p["committee_first_month"], self.p["committee_interval_months"]
        k = max(0, math.ceil((self.env.now - first - MEETING_TOLERANCE) / interval), sent_back_at + 1)
        bisect.insort(self.waiting, (self.phase[s], s, k))
        self._schedule_meeting(k)

    def _schedule_meeting(self, k: int) -> None:
        if k in self.pending:
            return
        self.pending.add(k)
        call_later(self.env, max(0.0, self._meeting_time(k) - self.env.now), lambda _ev, k=k: self._meet(k),
                   MEETING_PRIORITY)

    def _meet(self, k: int) -> None:
        """Meeting k considers ready cases in phasing order, up to the cap; the rest wait."""
        self.pending.discard(k)
        when = self._meeting_time(k)
        used = self.considered.get(k, 0)
        for case in [c for c in self.waiting if c[2] <= k]:
            if used >= self.cap:
                break
            self.waiting.remove(case)
            s = case[1]
            used += 1
            if self._decide() < self.p["approval_probability"]:
                self.approved[s] = when
                bisect.insort(self.queue, (when, self.phase[s], s))
            else:
                call_later(self.env, self._rework(), lambda _ev, s=s, k=k: self._submit(s, sent_back_at=k))
        self.considered[k] = used
        if self.waiting:
            self._schedule_meeting(min(max(c[2], k + 1) for c in self.waiting))
        self._dispatch()

    # ------------------------------------------------------------------ implementation and go-live

    def _dispatch(self) -> None:
        """Start every queued case whose slots are all free, in queue order."""
        for item in list(self.queue):
            s = item[2]
            frontline = self.services[s]["frontline"]
            if self.support_free > 0 and (not frontline or self.frontline_free > 0):
                self.queue.remove(item)
                self._implement(s, frontline)

    def _implement(self, s: int, frontline: bool) -> None:
        env, svc = self.env, self.services[s]
        self.support_free -= 1
        if frontline:
            self.frontline_free -= 1
        self.team.start()
        self.disruption[s] = svc["implementation_disruption"]
        length = svc["implementation_months"]
        if length > 0:
            self.costs.window(svc["one_off_cost"] / length, env.now, env.now + length)
        else:
            self.costs.lump(svc["one_off_cost"], env.now)
        call_later(env, length, lambda _ev, s=s, f=frontline: self._go_live(s, f))

    def _go_live(self, s: int, frontline: bool) -> None:
        env, svc, wf = self.env, self.services[s], self.workforce
        self.support_free += 1
        if frontline:
            self.frontline_free += 1
        self.team.stop()
        self.disruption[s] = 0.0
        self.live[s] = env.now
        self.is_live[s] = True
        posts = sum(int(n) for n in svc["posts"].values())
        salaries = sum(wf.salary[wf.group(c, s, 0)] * wf.establishment[wf.group(c, s, 0)] +
                       wf.salary[wf.group(c, s, 1)] * wf.establishment[wf.group(c, s, 1)] for c in range(wf.C))
        mean_salary = salaries / posts if posts else 0.0
        to_go = min(int(math.floor(svc["post_reduction_fraction"] * posts + 0.5)), wf.ordinary_posts(s))
        budget = sum(svc["budget"].values())
        non_staff = max(0.0, svc["savings_fraction"] * budget - to_go * mean_salary)
        self.savings.ramp(non_staff / 12.0, env.now, svc["ramp_months"])
        wf.go_live(s, to_go, svc["attrition_window_months"], svc["redundancy_cost"])
        settle = self.p["change_settle_months"]
        if settle > 0:
            call_later(env, settle, lambda _ev, s=s: wf.set_multiplier(s, self.p["shared_turnover_multiplier"]))
        else:
            wf.set_multiplier(s, self.p["shared_turnover_multiplier"])
        self._dispatch()

    def close_books(self) -> None:
        self.team.close_books()
