"""The posts a live shared service deletes (docs/model.md), and what dissolution undoes (docs/model.md).

:class:`Deletions` is the part of :class:`~simshare.model.workforce.Workforce` that deletes posts:
at go-live the service's open ordinary vacancies go (longest open first), then each leaver's post
instead of being recruited until the attrition window closes, then the rest by redundancy. A
recruitment freeze ends at go-live, after the vacancies have gone. When the partnership dissolves,
deletions stop; when it has unwound, each council re-establishes its share of the deleted posts as
vacancies to recruit.
"""

from __future__ import annotations

import math
from typing import TYPE_CHECKING

from ..seeds import stream
from .clock import call_later
from .outputs import ORDINARY, SPECIALIST
from .posts import PostGroup, ServicePosts

if TYPE_CHECKING:
    from .business_case import BusinessCase


class Deletions:
    """Post deletions of the workforce (a mixin: it uses the workforce's groups, vacancies and flows).

    Savings, redundancy and harmonisation go in the ledger's service group.
    """

    def _delete(self, g: PostGroup) -> None:
        """A post of ``g`` goes for good (its holder or vacancy already removed): it realises the case's
        S/k a year (never more than is left of realisation × S), whatever its own salary, and its pay
        leaves the staff cost that pay harmonisation applies to. Both go in service s's ledger group."""
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

    def go_live(self, s: int, case: "BusinessCase", window: float, redundancy_cost: float,
                harmonisation: float = 0.0) -> None:
        """Service ``s`` is shared: of the ``case``'s posts to go, vacant posts go now, leavers' posts
        during the window (months), the rest by redundancy after it at ``redundancy_cost`` (£) each.
        ``harmonisation``: the pay-harmonisation share whose cost each deleted post's pay stops. A
        recruitment freeze ends once the vacant posts have gone."""
        service = self.services[s]
        service.to_delete = case.posts_to_go
        service.redundancy_cost = redundancy_cost
        service.saving_per_post = case.saving_per_post
        service.staff_left = case.staff_cap
        service.harmonisation = harmonisation
        self._delete_vacancies(service)
        self.release(s)
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

    # ------------------------------------------------------------------ dissolution (docs/model.md)

    def stop_deletions(self, s: int) -> None:
        """The partnership is dissolving: service ``s`` deletes no more posts, and a freeze ends."""
        service = self.services[s]
        service.to_delete = 0
        service.attrition_open = False
        self.release(s)

    def separate(self, s: int, retained: float) -> int:
        """Service ``s`` is separate again: (1 − ``retained``) × its deleted posts are re-established as
        vacancies and recruited, so that the posts kept deleted match the share of savings kept.

        The service's total is rounded at random, up with probability its fraction (so it is right on
        average however small the service: a rounding rule would re-establish one post of every council
        that lost one, or none), then shared between the councils by largest remainder of their own
        (1 − ``retained``) × deleted (ties in config order). Returns the posts re-established."""
        self.stop_deletions(s)
        groups = [g for g in self.services[s].ordinary if g.deleted]
        shares = [(1.0 - retained) * g.deleted for g in groups]
        total = sum(shares)
        whole = math.floor(total + 1e-9)
        if total - whole > 1e-9:
            rng = stream(self.ss, "dissolution", "re-established", groups[0].names[1])  # the service's name
            whole += int(rng.random() < total - whole)
        counts = [min(g.deleted, math.floor(x + 1e-9)) for g, x in zip(groups, shares)]
        by_remainder = sorted(range(len(groups)), key=lambda i: -(shares[i] - counts[i]))
        for i in by_remainder:
            if sum(counts) >= whole:
                break
            if counts[i] < groups[i].deleted:
                counts[i] += 1
        now = self.env.now
        for g, n in zip(groups, counts):
            for _ in range(n):
                g.deleted -= 1
                self._open(g, now)
        return sum(counts)


__all__ = ["Deletions"]
