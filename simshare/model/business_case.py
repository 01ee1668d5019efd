"""A live service's business case (DESIGN §1.5): the posts it deletes and its non-staff saving.

The case is worth ``C = savings_fraction × combined budget`` a year.  The plan deletes
``k = round(post_reduction_fraction × posts)`` posts (at most the service's ordinary
posts); its staff part is ``k × mean salary`` (the mean over all the service's posts) and
the rest, ``N = max(0, C − k × mean salary)``, is the non-staff saving.  The staff
savings are realised post by post as posts go (:mod:`simshare.model.workforce`).
"""

from __future__ import annotations

import math
from dataclasses import dataclass

from ..config.values import ServiceValues


@dataclass(frozen=True, slots=True)
class BusinessCase:
    """``posts_to_go`` (posts), ``mean_salary`` (£/yr a post), ``non_staff`` (£/yr, ≥ 0)."""

    posts_to_go: int
    mean_salary: float
    non_staff: float


def business_case(svc: ServiceValues, establishment_cost: float, ordinary_posts: int) -> BusinessCase:
    """The business case of service ``svc`` at go-live.

    ``establishment_cost`` is the service's posts costed at their salaries, all councils
    (£/yr); ``ordinary_posts`` its non-specialist posts, the most the plan may delete.
    Rounding is half up (``floor(x + 0.5)``).
    """
    posts = sum(int(n) for n in svc.posts.values())
    mean_salary = establishment_cost / posts if posts else 0.0
    to_go = min(int(math.floor(svc.post_reduction_fraction * posts + 0.5)), ordinary_posts)
    budget = sum(svc.budget.values())
    non_staff = max(0.0, svc.savings_fraction * budget - to_go * mean_salary)
    return BusinessCase(to_go, mean_salary, non_staff)
