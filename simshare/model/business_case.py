"""A live service's business case (docs/model.md, section 9): the posts it deletes and what each saves.

The case is worth ``C = savings_fraction × combined budget`` a year.  The plan deletes
``k = round(post_reduction_fraction × posts)`` posts (at most the service's ordinary posts); its
staff part is ``S = min(C, k × mean salary)`` (the mean over all the service's posts) and its
non-staff part ``N = C − S``: the case caps the savings, however dear the posts that go.

Only ``realisation`` (0..1) of the case is delivered: the service deletes
``round(realisation × k)`` posts and realises ``realisation × N`` of non-staff saving.  Each deleted
post realises ``S / k`` a year from the moment it goes, whichever council it was in, except that the
staff savings never exceed ``realisation × S``: when ``realisation × k`` rounds up, the last post to
go realises only what is left of it.  So a fully delivered service saves ``realisation × C`` at most
(exactly, unless the rounding goes down), and which council's posts go does not change the total.
Rounding is half up (``floor(x + 0.5)``) throughout.
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..config.values import ServiceValues


def half_up(x: float) -> int:
    """``x`` rounded to a whole number, halves up (0.5 → 1, 1.5 → 2), with a little slack for rounding error."""
    return int(math.floor(x + 0.5 + 1e-9))


@dataclass(frozen=True, slots=True)
class BusinessCase:
    """A service's case at go-live: ``case`` C and ``staff_part`` S (£/yr), ``planned_posts`` k;
    ``posts_to_go`` (after realisation), ``saving_per_post`` S/k (£/yr), ``staff_cap`` the most the
    deleted posts realise together (realisation × S, £/yr) and ``non_staff`` realisation × N (£/yr)."""

    case: float
    staff_part: float
    planned_posts: int
    posts_to_go: int
    saving_per_post: float
    staff_cap: float
    non_staff: float


def business_case(svc: ServiceValues, establishment_cost: float, ordinary_posts: int) -> BusinessCase:
    """The business case of service ``svc`` at go-live.

    ``establishment_cost`` is the service's posts costed at their salaries, all councils
    (£/yr); ``ordinary_posts`` its non-specialist posts, the most the plan may delete.
    """
    posts = sum(int(n) for n in svc.posts.values())
    mean_salary = establishment_cost / posts if posts else 0.0
    planned = min(half_up(svc.post_reduction_fraction * posts), ordinary_posts)
    case = svc.savings_fraction * sum(svc.budget.values())
    staff = min(case, planned * mean_salary)
    r = svc.realisation
    return BusinessCase(
        case=case,
        staff_part=staff,
        planned_posts=planned,
        posts_to_go=min(half_up(r * planned), planned),
        saving_per_post=staff / planned if planned else 0.0,
        staff_cap=r * staff,
        non_staff=r * (case - staff),
    )
