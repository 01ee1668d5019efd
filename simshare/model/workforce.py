"""The workforce (DESIGN §1.3): posts filled, vacant (maybe agency-covered) or deleted.

Posts are grouped by council, service and kind (ordinary / specialist).  Alike posts
share one leaving clock: the next leaver of a group comes after an exponential time at
rate ``filled × turnover/12 × multiplier``; whenever that rate changes the clock is
redrawn, which is exact because leaving is memoryless.  Each vacancy is recruited by
campaigns that may fail, and may be covered by agency staff while open.
"""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import simpy

from ..distributions import Sampler
from ..seeds import stream
from .clock import call_later
from .finance import Flows
from ..config.values import Occurrence

ORDINARY, SPECIALIST = 0, 1
KINDS = ("ordinary", "specialist")


class Vacancy:
    """One open post: when it opened, and since when agency staff cover it (None if not)."""

    __slots__ = ("group", "opened", "cover_from", "open")

    def __init__(self, group: int, opened: float):
        self.group = group
        self.opened = opened
        self.cover_from: float | None = None
        self.open = True


def _sampler(occ: Occurrence, rng: np.random.Generator) -> Callable[[], float]:
    fixed = occ.fixed
    if fixed is not None:
        return lambda: fixed
    return Sampler(occ.family, dict(occ.params), rng)


class Workforce:
    """Every post of every council and service, as counts per group, with their clocks.

    Counts live in flat lists indexed by group ``g = (c * S + s) * 2 + kind`` so that a
    monthly snapshot is one list copy.
    """

    def __init__(self, env: simpy.Environment, real: dict[str, Any], cfg, ss: np.random.SeedSequence,
                 savings: Flows, costs: Flows, agency: list[Flows]):
        self.env = env
        self.ss = ss
        self.savings = savings
        self.costs = costs
        self.agency = agency
        councils, services = real["councils"], real["services"]
        self.C, self.S = C, S = len(councils), len(services)
        self.G = G = C * S * 2
        self.council_names = [c["name"] for c in councils]
        self.service_names = [s["name"] for s in services]
        self.establishment = [0] * G
        self.salary = [0.0] * G
        self.hazard = [0.0] * G  # per month, before the service's multiplier
        self.agency_cover = [0.0] * G
        self.agency_start = [0.0] * G
        self.failure = [0.0] * G
        self.filled = [0] * G
        self.vacant = [0] * G
        self.covered = [0] * G
        self.deleted = [0] * G
        self.version = [0] * G
        self.vacancies: list[dict[Vacancy, None]] = [{} for _ in range(G)]  # open vacancies, oldest first
        self.multiplier = [1.0] * S
        # deletions pending per service (DESIGN §1.5): posts still to go, and whether leavers go now
        self.to_delete = [0] * S
        self.attrition_open = [False] * S
        self.redundancy_cost = [0.0] * S
        self._streams: dict[Any, Any] = {}
        self._split = [(cs // S, cs % S, kind) for cs in range(C * S) for kind in (ORDINARY, SPECIALIST)]
        self._service_of = [s for _, s, _ in self._split]
        self._exp_draw: list[Any] = [None] * G
        self._uni_draw: list[Any] = [None] * G
        self._hire_draw: list[Any] = [None] * G
        self.next_leave = [math.inf] * G  # time of the group's pending (valid) leaving event
        self._council = councils
        self._budget = np.zeros((C, S))
        for s, svc in enumerate(services):
            for c, council in enumerate(councils):
                name = council["name"]
                posts = int(svc["posts"].get(name, 0))
                if name not in svc["posts"]:
                    continue
                budget = float(svc["budget"][name])
                self._budget[c, s] = budget
                salary = svc["salary"] if svc["salary"] is not None else (
                    svc["staff_cost_share"] * budget / posts if posts else 0.0)
                specialists = int(svc["specialists"].get(name, 0))
                for kind, n in ((ORDINARY, posts - specialists), (SPECIALIST, specialists)):
                    g = self.group(c, s, kind)
                    self.establishment[g] = n
                    self.filled[g] = n
                    self.salary[g] = float(salary)
                    self.hazard[g] = council["turnover_annual"] / 12.0
                    self.agency_cover[g] = council["agency_cover"]
                    self.agency_start[g] = council["agency_start_months"]
                    self.failure[g] = council["specialist_recruitment_failure" if kind == SPECIALIST
                                              else "recruitment_failure"]

    # ------------------------------------------------------------------ helpers

    def group(self, c: int, s: int, kind: int) -> int:
        return (c * self.S + s) * 2 + kind

    def split(self, g: int) -> tuple[int, int, int]:
        return self._split[g]

    def _stream(self, g: int) -> np.random.Generator:
        """The group's own stream: leaving times, campaigns, outcomes and agency cover."""
        rng = self._streams.get(g)
        if rng is None:
            c, s, kind = self.split(g)
            rng = stream(self.ss, "workforce", self.council_names[c], self.service_names[s], KINDS[kind])
            self._streams[g] = rng
        return rng

    # the group's samplers, made on first use (callers use ``self._exp_draw[g] or self._exp(g)``)
    def _exp(self, g: int) -> Callable[[], float]:
        f = self._exp_draw[g] = Sampler("exponential", {"mean": 1.0}, self._stream(g))
        return f

    def _uniform(self, g: int) -> Callable[[], float]:
        f = self._uni_draw[g] = Sampler("uniform", {"min": 0.0, "max": 1.0}, self._stream(g))
        return f

    def _campaign(self, g: int) -> Callable[[], float]:
        c, _, kind = self.split(g)
        key = "specialist_recruitment_months" if kind == SPECIALIST else "recruitment_months"
        f = self._hire_draw[g] = _sampler(self._council[c][key], self._stream(g))
        return f

    # ------------------------------------------------------------------ start

    def start(self) -> None:
        """Initial vacancies (DESIGN §1.3), then every group's leaving clock."""
        for g in range(self.G):
            n = self.establishment[g]
            if not n:
                continue
            c, _, _ = self.split(g)
            p = self._council[c]["initial_vacancy_rate"]
            if p > 0:
                rng = self._stream(g)
                for _ in range(int(rng.binomial(n, p))):
                    self.filled[g] -= 1
                    self._open(g, head_start=float(rng.random()))
            self._reschedule(g)

    # ------------------------------------------------------------------ leaving

    def _reschedule(self, g: int) -> None:
        """Redraw a group's leaving clock for its current count and multiplier."""
        self.version[g] += 1
        rate = self.filled[g] * self.hazard[g] * self.multiplier[self._service_of[g]]
        if rate <= 0.0:
            self.next_leave[g] = math.inf
            return
        self._schedule_leave(g, (self._exp_draw[g] or self._exp(g))() / rate)

    def _schedule_leave(self, g: int, delay: float) -> None:
        version = self.version[g]
        self.next_leave[g] = self.env._now + delay
        call_later(self.env, delay, lambda _ev, g=g, v=version: self._leave(g, v))

    def _joined(self, g: int) -> None:
        """A new holder joins the group: the group's clock becomes the sooner of the pending
        leaving time and the newcomer's own, which (leaving being memoryless) is exactly a
        fresh draw at the group's new rate, without redrawing when the newcomer is later."""
        self.filled[g] += 1
        rate = self.hazard[g] * self.multiplier[self._service_of[g]]
        if rate <= 0.0:
            return
        delay = (self._exp_draw[g] or self._exp(g))() / rate
        if self.env._now + delay < self.next_leave[g]:
            self.version[g] += 1
            self._schedule_leave(g, delay)

    def set_multiplier(self, s: int, value: float) -> None:
        """Change service ``s``'s leaving multiplier and redraw its clocks."""
        if value == self.multiplier[s]:
            return
        self.multiplier[s] = value
        for c in range(self.C):
            for kind in (ORDINARY, SPECIALIST):
                self._reschedule(self.group(c, s, kind))

    def _leave(self, g: int, version: int) -> None:
        if version != self.version[g] or self.filled[g] <= 0:
            return
        _, s, kind = self._split[g]
        self.filled[g] -= 1
        if kind == ORDINARY and self.attrition_open[s] and self.to_delete[s] > 0:
            self._delete(g, s)
        else:
            self._open(g)
        self._reschedule(g)

    # ------------------------------------------------------------------ vacancies

    def _open(self, g: int, head_start: float | None = None) -> None:
        """Open a vacancy (the post's holder has just gone) and start recruiting.

        ``head_start`` (for vacancies at month 0) is the share of the first campaign
        still to run: that campaign, and the vacancy, began before the start, so agency
        cover may already be in place.
        """
        env = self.env
        campaign = self._hire_draw[g] or self._campaign(g)
        first = campaign()
        elapsed = 0.0 if head_start is None else (1.0 - head_start) * first
        vac = Vacancy(g, env._now - elapsed)
        self.vacant[g] += 1
        self.vacancies[g][vac] = None
        agency = self.agency_cover[g]
        uniform = self._uni_draw[g] or self._uniform(g)
        if agency > 0 and uniform() < agency:
            call_later(env, max(0.0, self.agency_start[g] - elapsed), lambda _ev, vac=vac: self._cover(vac))
        failure = self.failure[g]
        if failure >= 1.0:
            return  # every campaign fails: the post stays vacant
        wait = first - elapsed
        while failure > 0 and uniform() < failure:
            wait += campaign()
        call_later(env, wait, lambda _ev, vac=vac: self._fill(vac))

    def _cover(self, vac: Vacancy) -> None:
        if vac.open:
            vac.cover_from = self.env.now
            self.covered[vac.group] += 1

    def _close(self, vac: Vacancy) -> None:
        g = vac.group
        vac.open = False
        self.vacant[g] -= 1
        del self.vacancies[g][vac]
        if vac.cover_from is not None:
            self.covered[g] -= 1
            self._agency_cost(vac, self.env.now)

    def _fill(self, vac: Vacancy) -> None:
        if not vac.open:
            return
        self._close(vac)
        self._joined(vac.group)

    def close_books(self) -> None:
        """At the horizon: agency cover still running accrues on (the evaluation clips it)."""
        for open_vacancies in self.vacancies:
            for vac in open_vacancies:
                if vac.cover_from is not None:
                    self._agency_cost(vac, math.inf)

    def _agency_cost(self, vac: Vacancy, until: float) -> None:
        """The agency premium of a vacancy's cover, from its start until ``until``, to its council."""
        c = self.split(vac.group)[0]
        premium = self._council[c]["agency_premium"] * self.salary[vac.group] / 12.0
        self.agency[c].window(premium, vac.cover_from, until)

    # ------------------------------------------------------------------ deletions (DESIGN §1.5)

    def _delete(self, g: int, s: int) -> None:
        """A post of service ``s`` goes for good (its holder or vacancy already removed)."""
        self.deleted[g] += 1
        self.to_delete[s] -= 1
        self.savings.ramp(self.salary[g] / 12.0, self.env.now)

    def ordinary_posts(self, s: int) -> int:
        return sum(self.establishment[self.group(c, s, ORDINARY)] for c in range(self.C))

    def go_live(self, s: int, posts_to_go: int, window: float, redundancy_cost: float) -> None:
        """Service ``s`` is shared: vacant posts go now, leavers' posts during the window, the rest after."""
        self.to_delete[s] = posts_to_go
        self.redundancy_cost[s] = redundancy_cost
        self._delete_vacancies(s)
        if self.to_delete[s] <= 0:
            return
        if window > 0:
            self.attrition_open[s] = True
            call_later(self.env, window, lambda _ev, s=s: self._end_attrition(s))
        else:
            self._end_attrition(s)

    def _delete_vacancies(self, s: int) -> None:
        """Delete open ordinary vacancies of service ``s``, longest open first."""
        open_ = [v for c in range(self.C) for v in self.vacancies[self.group(c, s, ORDINARY)]]
        open_.sort(key=lambda v: v.opened)
        for vac in open_[: max(self.to_delete[s], 0)]:
            self._close(vac)
            self._delete(vac.group, s)

    def _end_attrition(self, s: int) -> None:
        """End of the attrition window: the remaining posts go, vacancies first, then by redundancy."""
        self.attrition_open[s] = False
        self._delete_vacancies(s)
        touched = set()
        while self.to_delete[s] > 0:
            groups = [self.group(c, s, ORDINARY) for c in range(self.C)]
            g = max(groups, key=lambda g: (self.filled[g], -g))
            if self.filled[g] <= 0:
                break
            self.filled[g] -= 1
            self._delete(g, s)
            self.costs.lump(self.redundancy_cost[s], self.env.now)
            touched.add(g)
        self.to_delete[s] = 0
        for g in touched:
            self._reschedule(g)

    # ------------------------------------------------------------------ snapshot

    def snapshot(self, out) -> None:
        """Append the post counts (filled, vacant, covered, deleted per group) to ``out``."""
        out.extend(self.filled)
        out.extend(self.vacant)
        out.extend(self.covered)
        out.extend(self.deleted)

    @property
    def budget(self) -> np.ndarray:
        return self._budget
