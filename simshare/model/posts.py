"""The workforce's pieces (docs/model.md): a :class:`PostGroup` of alike posts, the
:class:`ServicePosts` a service's groups share, and an open :class:`Vacancy`.

Plain records: :class:`~simshare.model.workforce.Workforce` moves posts between them and keeps
their clocks.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np

from ..config.values import CouncilValues
from .outputs import KINDS, SPECIALIST


class Vacancy:
    """One open post: when it opened, when its recruitment starts and how long its campaigns take
    (``search``, infinite when none can succeed), since when agency staff cover it (None if not),
    and whether a recruitment freeze holds it (``ticket`` invalidates a fill the freeze cancelled)."""

    __slots__ = ("group", "opened", "cover_from", "open", "recruit_from", "search", "ticket", "frozen")

    def __init__(self, group: PostGroup, opened: float):
        self.group = group
        self.opened = opened
        self.cover_from: float | None = None
        self.open = True
        self.recruit_from = opened
        self.search = math.inf
        self.ticket = 0
        self.frozen = False


class ServicePosts:
    """What a service's post groups share: the leaving multiplier, pending deletions and what each saves."""

    __slots__ = ("index", "groups", "ordinary", "multiplier", "to_delete", "attrition_open", "redundancy_cost",
                 "frozen", "saving_per_post", "staff_left", "harmonisation")

    def __init__(self, index: int):
        self.index = index
        self.groups: list[PostGroup] = []      # (council, kind) order
        self.ordinary: list[PostGroup] = []    # council order
        self.multiplier = 1.0                  # on the leaving hazard: in change, shared, or 1
        self.to_delete = 0                     # posts the business case still has to delete
        self.attrition_open = False            # whether leavers' posts go now instead of being recruited
        self.redundancy_cost = 0.0             # £ a post deleted by redundancy
        self.frozen = False                    # a recruitment freeze holds its ordinary vacancies
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
                 "rng", "exp_draw", "uni_draw", "hire_draw", "holds", "hold_draw")

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
        self.holds = council_values.vacancy_hold_months.fixed != 0.0  # whether vacancies wait before recruiting
        self.hold_draw: Callable[[], float] | None = None


__all__ = ["PostGroup", "ServicePosts", "Vacancy"]
