"""The workforce (DESIGN §1.3): posts filled, vacant (maybe agency-covered) or deleted.

Posts are grouped by council, service and kind (ordinary / specialist): one
:class:`PostGroup` each.  Alike posts share one leaving clock: the next leaver of a
group comes after an exponential time at rate ``filled × turnover/12 × multiplier``;
whenever that rate changes the clock is redrawn, which is exact because leaving is
memoryless.  Each vacancy is recruited by campaigns that may fail, and may be covered by
agency staff while open.  A service's groups share a :class:`ServicePosts`: its leaving
multiplier and the posts its business case still has to delete (DESIGN §1.5).

Every group draws from its own random stream (leaving times, campaigns, outcomes, agency
cover), so one group's events never shift another's numbers.
"""

from __future__ import annotations

import math
from operator import attrgetter
from typing import Callable

import numpy as np
import simpy

from ..config.values import CouncilValues, Realisation
from ..distributions import Sampler
from ..seeds import stream
from .business_case import BusinessCase
from .clock import NORMAL, Call, call_later
from .finance import Flows, Ledger
from .outputs import KINDS, ORDINARY, POST_STATES, SPECIALIST


class Vacancy:
    """One open post: when it opened, and since when agency staff cover it (None if not)."""

    __slots__ = ("group", "opened", "cover_from", "open")

    def __init__(self, group: PostGroup, opened: float):
        self.group = group
        self.opened = opened
        self.cover_from: float | None = None
        self.open = True


class ServicePosts:
    """What a service's post groups share: the leaving multiplier, pending deletions and what each saves."""

    __slots__ = ("index", "groups", "ordinary", "multiplier", "to_delete", "attrition_open", "redundancy_cost",
                 "saving_per_post", "staff_left", "harmonisation")

    def __init__(self, index: int):
        self.index = index
        self.groups: list[PostGroup] = []      # (council, kind) order
        self.ordinary: list[PostGroup] = []    # council order
        self.multiplier = 1.0                  # on the leaving hazard: in change, shared, or 1
        self.to_delete = 0                     # posts the business case still has to delete
        self.attrition_open = False            # whether leavers' posts go now instead of being recruited
        self.redundancy_cost = 0.0             # £ a post deleted by redundancy
        self.saving_per_post = 0.0             # £/yr a deleted post realises: the case's staff part ÷ k
        self.staff_left = 0.0                  # £/yr of the staff part still to realise (realisation × S)
        self.harmonisation = 0.0               # pay harmonisation, a share of the remaining staff cost a year


class PostGroup:
    """Alike posts of one council, service and kind: counts, rates, clock and random samplers.

    ``hazard`` is the leaving rate per month per holder before the service's multiplier;
    ``salary`` the loaded cost of a post (£/yr); ``next_leave`` the time of the group's
    pending leaving event (a leaving event whose ``version`` is stale is ignored).
    """

    __slots__ = ("index", "council", "service", "kind", "council_values", "names",
                 "establishment", "salary", "hazard", "agency_cover", "agency_start", "failure",
                 "filled", "vacant", "covered", "deleted", "version", "vacancies", "next_leave",
                 "rng", "exp_draw", "uni_draw", "hire_draw")

    def __init__(self, index: int, council: int, service: ServicePosts, kind: int,
                 council_values: CouncilValues, service_name: str, establishment: int = 0, salary: float = 0.0):
        """A group of ``establishment`` posts, all filled, at ``salary`` (£/yr); a group with
        no posts (the council lacks the service, or it has no specialists) stays empty."""
        self.index = index
        self.council = council
        self.service = service
        self.kind = kind
        self.council_values = council_values
        self.names = (council_values.name, service_name, KINDS[kind])
        self.establishment = establishment
        self.salary = salary
        self.hazard = council_values.turnover_annual / 12.0
        self.agency_cover = council_values.agency_cover
        self.agency_start = council_values.agency_start_months
        self.failure = (council_values.specialist_recruitment_failure if kind == SPECIALIST
                        else council_values.recruitment_failure)
        self.filled = establishment
        self.vacant = 0
        self.covered = 0
        self.deleted = 0
        self.version = 0
        self.vacancies: dict[Vacancy, None] = {}  # open vacancies, oldest first
        self.next_leave = math.inf
        self.rng: np.random.Generator | None = None
        # samplers, made on first use (callers use ``group.exp_draw or workforce._exp(group)``)
        self.exp_draw: Callable[[], float] | None = None
        self.uni_draw: Callable[[], float] | None = None
        self.hire_draw: Callable[[], float] | None = None


_COUNTS = tuple(attrgetter(state) for state in POST_STATES)


class Workforce:
    """Every post of every council and service, as counts per :class:`PostGroup`, with their clocks.

    ``ledger`` receives, in service s's group, each deleted post's saving (a recurring saving
    from its deletion: the business case's S/k, docs/model.md section 9), redundancy payments and the end of
    the post's pay harmonisation; ``agency[c]`` council ``c``'s agency premium.
    """

    def __init__(self, env: simpy.Environment, real: Realisation, ss: np.random.SeedSequence,
                 ledger: Ledger, agency: list[Flows]):
        self.env = env
        self.schedule = env.schedule  # the hot path's events: Call(fn), NORMAL priority, a delay
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
        f = g.exp_draw = Sampler("exponential", {"mean": 1.0}, self._stream(g))
        return f

    def _uniform(self, g: PostGroup) -> Callable[[], float]:
        f = g.uni_draw = Sampler("uniform", {"min": 0.0, "max": 1.0}, self._stream(g))
        return f

    def _campaign(self, g: PostGroup) -> Callable[[], float]:
        council = g.council_values
        occ = council.specialist_recruitment_months if g.kind == SPECIALIST else council.recruitment_months
        f = g.hire_draw = occ.sampler(lambda: self._stream(g))
        return f

    # ------------------------------------------------------------------ start

    def start(self) -> None:
        """Initial vacancies (DESIGN §1.3), then every group's leaving clock."""
        for g in self.groups:
            n = g.establishment
            if not n:
                continue
            p = g.council_values.initial_vacancy_rate
            if p > 0:
                rng = self._stream(g)
                for _ in range(int(rng.binomial(n, p))):
                    g.filled -= 1
                    self._open(g, head_start=float(rng.random()))
            self._reschedule(g)

    # ------------------------------------------------------------------ leaving

    def _reschedule(self, g: PostGroup) -> None:
        """Redraw a group's leaving clock for its current count and multiplier."""
        g.version += 1
        rate = g.filled * g.hazard * g.service.multiplier
        if rate <= 0.0:
            g.next_leave = math.inf
            return
        self._schedule_leave(g, (g.exp_draw or self._exp(g))() / rate)

    def _schedule_leave(self, g: PostGroup, delay: float) -> None:
        version = g.version
        g.next_leave = self.env.now + delay
        self.schedule(Call(lambda _ev, g=g, v=version: self._leave(g, v)), NORMAL, delay)

    def _joined(self, g: PostGroup) -> None:
        """A new holder joins the group: the group's clock becomes the sooner of the pending
        leaving time and the newcomer's own, which (leaving being memoryless) is exactly a
        fresh draw at the group's new rate, without redrawing when the newcomer is later."""
        g.filled += 1
        rate = g.hazard * g.service.multiplier
        if rate <= 0.0:
            return
        delay = (g.exp_draw or self._exp(g))() / rate
        if self.env.now + delay < g.next_leave:
            g.version += 1
            self._schedule_leave(g, delay)

    def set_multiplier(self, s: int, value: float) -> None:
        """Change service ``s``'s leaving multiplier and redraw its clocks."""
        service = self.services[s]
        if value == service.multiplier:
            return
        service.multiplier = value
        for g in service.groups:
            self._reschedule(g)

    def _leave(self, g: PostGroup, version: int) -> None:
        if version != g.version or g.filled <= 0:
            return
        service = g.service
        g.filled -= 1
        if g.kind == ORDINARY and service.attrition_open and service.to_delete > 0:
            self._delete(g)
        else:
            self._open(g)
        self._reschedule(g)

    # ------------------------------------------------------------------ vacancies

    def _open(self, g: PostGroup, head_start: float | None = None) -> None:
        """Open a vacancy (the post's holder has just gone) and start recruiting.

        ``head_start`` (for vacancies at month 0) is the share of the first campaign
        still to run: that campaign, and the vacancy, began before the start, so agency
        cover may already be in place.
        """
        env = self.env
        campaign = g.hire_draw or self._campaign(g)
        first = campaign()
        elapsed = 0.0 if head_start is None else (1.0 - head_start) * first
        vac = Vacancy(g, env.now - elapsed)
        g.vacant += 1
        g.vacancies[vac] = None
        agency = g.agency_cover
        uniform = g.uni_draw or self._uniform(g)
        if agency > 0 and uniform() < agency:
            self.schedule(Call(lambda _ev, vac=vac: self._cover(vac)), NORMAL, max(0.0, g.agency_start - elapsed))
        failure = g.failure
        if failure >= 1.0:
            return  # every campaign fails: the post stays vacant
        wait = first - elapsed
        while failure > 0 and uniform() < failure:
            wait += campaign()
        self.schedule(Call(lambda _ev, vac=vac: self._fill(vac)), NORMAL, wait)

    def _cover(self, vac: Vacancy) -> None:
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

    def _fill(self, vac: Vacancy) -> None:
        if not vac.open:
            return
        self._close(vac)
        self._joined(vac.group)

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

    # ------------------------------------------------------------------ deletions (DESIGN §1.5)

    def _delete(self, g: PostGroup) -> None:
        """A post of ``g`` goes for good (its holder or vacancy already removed): it realises the case's
        S/k a year (never more than is left of realisation × S), whatever its own salary, and its pay
        leaves the staff cost that pay harmonisation applies to."""
        service = g.service
        g.deleted += 1
        service.to_delete -= 1
        saving = min(service.saving_per_post, service.staff_left)
        service.staff_left -= saving
        now = self.env.now
        self.ledger.savings.ramp(saving / 12.0, now, group=service.index)
        if service.harmonisation:
            self.ledger.costs.window(-service.harmonisation * g.salary / 12.0, now, group=service.index)

    def ordinary_posts(self, s: int) -> int:
        """Service ``s``'s ordinary (non-specialist) posts at the start, all councils."""
        return sum(g.establishment for g in self.services[s].ordinary)

    def establishment_cost(self, s: int) -> float:
        """Service ``s``'s posts at the start costed at their salaries, all councils (£/yr)."""
        return sum(self.group(c, s, ORDINARY).salary * self.group(c, s, ORDINARY).establishment +
                   self.group(c, s, SPECIALIST).salary * self.group(c, s, SPECIALIST).establishment
                   for c in range(self.C))

    def go_live(self, s: int, case: BusinessCase, window: float, redundancy_cost: float,
                harmonisation: float = 0.0) -> None:
        """Service ``s`` is shared: of the ``case``'s posts to go, vacant posts go now, leavers' posts
        during the window (months), the rest by redundancy after it at ``redundancy_cost`` (£) each.
        ``harmonisation``: the pay-harmonisation share whose cost each deleted post's pay stops."""
        service = self.services[s]
        service.to_delete = case.posts_to_go
        service.redundancy_cost = redundancy_cost
        service.saving_per_post = case.saving_per_post
        service.staff_left = case.staff_cap
        service.harmonisation = harmonisation
        self._delete_vacancies(service)
        if service.to_delete <= 0:
            return
        if window > 0:
            service.attrition_open = True
            call_later(self.env, window, lambda _ev, service=service: self._end_attrition(service))
        else:
            self._end_attrition(service)

    def _delete_vacancies(self, service: ServicePosts) -> None:
        """Delete open ordinary vacancies of the service, longest open first."""
        open_ = [v for g in service.ordinary for v in g.vacancies]
        open_.sort(key=lambda v: v.opened)
        for vac in open_[: max(service.to_delete, 0)]:
            self._close(vac)
            self._delete(vac.group)

    def _end_attrition(self, service: ServicePosts) -> None:
        """End of the attrition window: the remaining posts go, vacancies first, then by redundancy."""
        service.attrition_open = False
        self._delete_vacancies(service)
        touched: set[int] = set()  # group indices; their clocks are redrawn in the set's order
        while service.to_delete > 0:
            g = max(service.ordinary, key=lambda g: (g.filled, -g.index))
            if g.filled <= 0:
                break
            g.filled -= 1
            self._delete(g)
            self.ledger.costs.lump(service.redundancy_cost, self.env.now, group=service.index)
            touched.add(g.index)
        service.to_delete = 0
        for i in touched:
            self._reschedule(self.groups[i])

    # ------------------------------------------------------------------ snapshot

    def snapshot(self, out: list[int]) -> None:
        """Append this moment's post counts to ``out``: per state of ``POST_STATES``, each group with posts.

        A group without posts never changes (nobody leaves, nothing opens or goes), so it
        is left out here and comes back as zeros in :meth:`post_counts`.
        """
        staffed = self._staffed
        for count in _COUNTS:
            out.extend(map(count, staffed))

    def post_counts(self, snapshots: list[int], months: int) -> np.ndarray:
        """``months`` snapshots as int32 counts shaped like ``SNAPSHOT_DIMS``:
        (month, state, council, service, kind)."""
        full = np.zeros((months, len(POST_STATES), len(self.groups)), dtype=np.int32)
        full[:, :, [g.index for g in self._staffed]] = np.array(snapshots, dtype=np.int32).reshape(
            months, len(POST_STATES), len(self._staffed))
        return full.reshape(months, len(POST_STATES), self.C, self.S, len(KINDS))

    @property
    def establishment(self) -> np.ndarray:
        """Posts at the start, (council, service, kind)."""
        return np.array([g.establishment for g in self.groups]).reshape(self.C, self.S, len(KINDS))
