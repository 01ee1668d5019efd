"""The workforce (docs/model.md): posts filled, vacant (maybe agency-covered) or deleted.

Posts are grouped by council, service and kind (ordinary / specialist): one
:class:`PostGroup` each.  Alike posts share one leaving clock: the next leaver of a
group comes after an exponential time at rate ``filled × turnover/12 × multiplier``;
whenever that rate changes the clock is redrawn, which is exact because leaving is
memoryless.  Each vacancy is recruited by campaigns that may fail, and may be covered by
agency staff while open.  A service's groups share a :class:`ServicePosts`: its leaving
multiplier and the posts its business case still has to delete (docs/model.md).

Every group draws from its own random stream (leaving times, campaigns, outcomes, agency
cover), so one group's events never shift another's numbers; holds before recruiting and the
vacancies open at month 0 draw from streams of their own (:mod:`simshare.model.vacancies`).

A vacancy's recruitment starts ``vacancy_hold_months`` after it opens and takes its campaigns'
time (``search``). While a service with ``recruitment_freeze`` is frozen (from its review start
to go-live), its ordinary vacancies whose recruitment has not started wait; at release each starts
at the later of the end of its hold and the release.
"""

from __future__ import annotations

import math
from operator import attrgetter
from typing import Callable

import numpy as np
import simpy

from ..config.values import Occurrence, Realisation
from ..distributions import Sampler
from ..seeds import stream
from .clock import NORMAL, Call
from .deletions import Deletions
from .finance import Flows, Ledger
from .outputs import KINDS, ORDINARY, POST_STATES, SPECIALIST
from .posts import PostGroup, ServicePosts, Vacancy
from .vacancies import MANY_CAMPAIGNS, equilibrium_vacancies


_COUNTS = attrgetter(*POST_STATES)  # a group's counts, in POST_STATES order


class Workforce(Deletions):
    """Every post of every council and service, as counts per :class:`PostGroup`, with their clocks
    (the posts a live service deletes: :class:`~simshare.model.deletions.Deletions`).

    ``ledger`` receives, in service s's group, each deleted post's saving (a recurring saving
    from its deletion: the business case's S/k, docs/model.md section 9), redundancy payments and the end of
    the post's pay harmonisation; ``agency[c]`` council ``c``'s agency premium.
    """

    def __init__(self, env: simpy.Environment, real: Realisation, ss: np.random.SeedSequence,
                 ledger: Ledger, agency: list[Flows]):
        self.env = env
        self.horizon = real.programme.horizon_months
        self.schedule = env.schedule  # the hot path's events: Call(fn, subject, tag), NORMAL priority, a delay
        self._leaving, self._filling = self._leave, self._fill  # the hot path's callbacks, bound once
        self.ss = ss
        self.ledger = ledger
        self.agency = agency
        councils, services = real.councils, real.services
        self.C, self.S = C, S = len(councils), len(services)
        self.services = [ServicePosts(s) for s in range(S)]
        self.groups: list[PostGroup] = []  # snapshot order: (council, service, kind)
        self.budget = np.zeros((C, S))  # £/yr per council and service
        self.present = np.zeros((C, S), dtype=bool)  # which councils have each service
        for c, council in enumerate(councils):
            for s, svc in enumerate(services):
                name, service = council.name, self.services[s]
                sizes, salary = (0, 0), 0.0
                if name in svc.posts:
                    posts, specialists = int(svc.posts[name]), int(svc.specialists.get(name, 0))
                    budget = float(svc.budget[name])
                    self.present[c, s] = True
                    self.budget[c, s] = budget
                    salary = float(svc.salary if svc.salary is not None else (
                        svc.staff_cost_share * budget / posts if posts else 0.0))
                    sizes = (posts - specialists, specialists)
                for kind in (ORDINARY, SPECIALIST):
                    group = PostGroup(len(self.groups), c, service, kind, council, svc.name, sizes[kind], salary)
                    self.groups.append(group)
                    service.groups.append(group)
                    if kind == ORDINARY:
                        service.ordinary.append(group)
        self._staffed = [g for g in self.groups if g.establishment != 0]  # groups with posts

    # ------------------------------------------------------------------ groups and their samplers

    def group(self, c: int, s: int, kind: int) -> PostGroup:
        """The post group of council ``c``, service ``s`` and ``kind`` (0 ordinary, 1 specialist)."""
        return self.groups[(c * self.S + s) * 2 + kind]

    def _stream(self, g: PostGroup) -> np.random.Generator:
        """The group's own stream: leaving times, campaigns, outcomes and agency cover."""
        if g.rng is None:
            g.rng = stream(self.ss, "workforce", *g.names)
        return g.rng

    def _exp(self, g: PostGroup) -> Callable[[], float]:
        f = g.exp_draw = Sampler("exponential", {"mean": 1.0}, self._stream(g)).next
        return f

    def _uniform(self, g: PostGroup) -> Callable[[], float]:
        f = g.uni_draw = Sampler("uniform", {"min": 0.0, "max": 1.0}, self._stream(g)).next
        return f

    def _campaign(self, g: PostGroup) -> Callable[[], float]:
        f = g.hire_draw = self._campaign_months(g).sampler(lambda: self._stream(g))
        return f

    @staticmethod
    def _campaign_months(g: PostGroup) -> Occurrence:
        council = g.council_values
        return council.specialist_recruitment_months if g.kind == SPECIALIST else council.recruitment_months

    def _hold(self, g: PostGroup) -> Callable[[], float]:
        f = g.hold_draw = g.council_values.vacancy_hold_months.sampler(
            lambda: stream(self.ss, "vacancy_hold", *g.names))
        return f

    # ------------------------------------------------------------------ start

    def start(self) -> None:
        """Initial vacancies (docs/model.md: in equilibrium, length-biased), then every group's leaving clock."""
        for g in self.groups:
            n = g.establishment
            if not n:
                continue
            p = g.council_values.initial_vacancy_rate
            if p > 0:
                rng = stream(self.ss, "initial_vacancies", *g.names)
                k = int(rng.binomial(n, p))
                if k:
                    holds, search, elapsed = equilibrium_vacancies(
                        k, g.council_values.vacancy_hold_months, self._campaign_months(g), g.failure, rng)
                    cover = rng.random(k) < g.agency_cover
                    g.filled -= k
                    for i in range(k):
                        self._add(g, -float(elapsed[i]), float(holds[i]), float(search[i]), bool(cover[i]))
            self._reschedule(g)

    # ------------------------------------------------------------------ leaving

    def _reschedule(self, g: PostGroup) -> None:
        """Redraw a group's leaving clock for its current count and multiplier."""
        g.version += 1
        rate = g.filled * g.hazard * g.service.multiplier
        if rate <= 0.0:
            g.next_leave = math.inf
            return
        delay = (g.exp_draw or self._exp(g))() / rate
        g.next_leave = self.env.now + delay
        self.schedule(Call(self._leaving, g, g.version), NORMAL, delay)

    def set_multiplier(self, s: int, value: float) -> None:
        """Change service ``s``'s leaving multiplier and redraw its clocks."""
        service = self.services[s]
        if value == service.multiplier:
            return
        service.multiplier = value
        for g in service.groups:
            self._reschedule(g)

    def _leave(self, event: Call) -> None:
        """A holder of group ``event.subject`` leaves (unless the group's clock has been redrawn since)."""
        g = event.subject
        if event.tag != g.version or g.filled <= 0:
            return
        now = g.next_leave  # the time this (current) call was scheduled for: SimPy's clock, exactly
        service = g.service
        g.filled -= 1
        if g.kind == ORDINARY and service.attrition_open and service.to_delete > 0:
            self._delete(g)
        else:
            self._open(g, now)
        # the group's clock, redrawn for one holder fewer (``_reschedule``, written out: the hot path)
        g.version += 1
        rate = g.filled * g.hazard * service.multiplier
        if rate <= 0.0:
            g.next_leave = math.inf
            return
        delay = (g.exp_draw or self._exp(g))() / rate
        g.next_leave = now + delay
        # SimPy has finished with this event (its callbacks are None once they run): re-arm it for the
        # group's next leaver rather than make another
        event.callbacks = [self._leaving]
        event.tag = g.version
        self.schedule(event, NORMAL, delay)

    # ------------------------------------------------------------------ vacancies

    def _open(self, g: PostGroup, now: float) -> None:
        """Open a vacancy now (``now``, the clock's time: the post's holder has just gone, or the post
        is re-established) and recruit: a hold, then campaigns until one succeeds (none when every
        campaign fails)."""
        first = (g.hire_draw or self._campaign(g))()
        vac = Vacancy(g, now)
        g.vacant += 1
        g.vacancies[vac] = None
        agency = g.agency_cover
        if agency > 0 and (g.uni_draw or self._uniform(g))() < agency:
            self.schedule(Call(self._cover, vac), NORMAL, g.agency_start)
        failure = g.failure
        if failure > 0:
            if failure >= 1.0:
                return  # every campaign fails: the post stays vacant
            campaign, uniform = g.hire_draw, g.uni_draw or self._uniform(g)
            failed = 0
            while uniform() < failure:
                first += campaign()
                failed += 1
                # with failure near 1 there could be millions of campaigns: once a search is long and already
                # ends after the horizon, the post is not filled in the run, so stop drawing (exact)
                if failed >= MANY_CAMPAIGNS and first > self.horizon - now:
                    return
        vac.search = first
        if g.holds:
            hold = (g.hold_draw or self._hold(g))()
            if hold:
                vac.recruit_from += hold
                first += hold  # the fill comes after the hold and the campaigns
        if g.service.frozen and g.kind == ORDINARY:
            vac.frozen = True
            return
        self.schedule(Call(self._filling, vac, 0), NORMAL, first)

    def _add(self, g: PostGroup, opened: float, hold: float, search: float, cover: bool) -> None:
        """A vacancy open since ``opened`` (≤ now): recruitment from ``opened + hold`` for ``search``
        months; agency cover, if ``cover``, from ``agency_start_months`` after it opened."""
        now = self.env.now
        vac = Vacancy(g, opened)
        vac.recruit_from, vac.search = opened + hold, search
        g.vacant += 1
        g.vacancies[vac] = None
        if cover:
            self.schedule(Call(self._cover, vac), NORMAL, max(0.0, opened + g.agency_start - now))
        if search < math.inf:
            self._recruit(vac, vac.recruit_from)

    def _recruit(self, vac: Vacancy, start: float) -> None:
        """Schedule the fill: campaigns from ``start`` (a time past, for a vacancy open at month 0), for
        ``search`` months."""
        delay = max(0.0, start + vac.search - self.env.now)
        self.schedule(Call(self._filling, vac, vac.ticket), NORMAL, delay)

    def freeze(self, s: int) -> None:
        """Service ``s``'s recruitment freeze starts: ordinary vacancies not yet recruiting wait."""
        service = self.services[s]
        service.frozen = True
        now = self.env.now
        for g in service.ordinary:
            for vac in g.vacancies:
                if not vac.frozen and vac.search < math.inf and vac.recruit_from >= now:
                    vac.frozen = True
                    vac.ticket += 1

    def release(self, s: int) -> None:
        """Service ``s``'s freeze ends: its waiting vacancies recruit."""
        service = self.services[s]
        if not service.frozen:
            return
        service.frozen = False
        for g in service.ordinary:
            for vac in g.vacancies:
                if vac.frozen:
                    vac.frozen = False
                    self._recruit(vac, max(vac.recruit_from, self.env.now))

    def _cover(self, event: Call) -> None:
        vac = event.subject
        if vac.open:
            vac.cover_from = self.env.now
            vac.group.covered += 1

    def _close(self, vac: Vacancy) -> None:
        g = vac.group
        vac.open = False
        g.vacant -= 1
        del g.vacancies[vac]
        if vac.cover_from is not None:
            g.covered -= 1
            self._agency_cost(vac, self.env.now)

    def _fill(self, event: Call) -> None:
        """Vacancy ``event.subject`` is filled (unless it has closed, or a freeze cancelled this fill):
        the group's clock becomes the sooner of the pending leaving time and the newcomer's own, which
        (leaving being memoryless) is exactly a fresh draw at the group's new rate, without redrawing
        when the newcomer is later."""
        vac = event.subject
        if not vac.open or event.tag != vac.ticket:
            return
        g = vac.group
        now = self.env.now
        # :meth:`_close`, written out (the hot path)
        vac.open = False
        g.vacant -= 1
        del g.vacancies[vac]
        if vac.cover_from is not None:
            g.covered -= 1
            self._agency_cost(vac, now)
        g.filled += 1
        rate = g.hazard * g.service.multiplier
        if rate <= 0.0:
            return
        delay = (g.exp_draw or self._exp(g))() / rate
        if now + delay < g.next_leave:
            g.version += 1
            g.next_leave = now + delay
            self.schedule(Call(self._leaving, g, g.version), NORMAL, delay)

    def close_books(self) -> None:
        """At the horizon: agency cover still running accrues on (the evaluation clips it)."""
        for g in self.groups:
            for vac in g.vacancies:
                if vac.cover_from is not None:
                    self._agency_cost(vac, math.inf)

    def _agency_cost(self, vac: Vacancy, until: float) -> None:
        """The agency premium of a vacancy's cover, from its start until ``until``, to its council."""
        g = vac.group
        premium = g.council_values.agency_premium * g.salary / 12.0
        self.agency[g.council].window(premium, vac.cover_from, until)

    # ------------------------------------------------------------------ snapshot

    def snapshot(self, out: list[int]) -> None:
        """Append this moment's post counts to ``out``: per group with posts, each state of ``POST_STATES``.

        A group without posts never changes (nobody leaves, nothing opens or goes), so it
        is left out here and comes back as zeros in :meth:`post_counts`.
        """
        extend = out.extend
        for g in self._staffed:  # a plain loop: twice as fast as chaining the groups' tuples for a few groups
            extend(_COUNTS(g))

    def post_counts(self, snapshots: list[int], months: int) -> np.ndarray:
        """``months`` snapshots as int32 counts shaped like ``SNAPSHOT_DIMS``:
        (month, state, council, service, kind)."""
        full = np.zeros((months, len(POST_STATES), len(self.groups)), dtype=np.int32)
        full[:, :, [g.index for g in self._staffed]] = np.array(snapshots, dtype=np.int32).reshape(
            months, len(self._staffed), len(POST_STATES)).transpose(0, 2, 1)
        return full.reshape(months, len(POST_STATES), self.C, self.S, len(KINDS))

    @property
    def establishment(self) -> np.ndarray:
        """Posts at the start, (council, service, kind)."""
        return np.array([g.establishment for g in self.groups]).reshape(self.C, self.S, len(KINDS))
