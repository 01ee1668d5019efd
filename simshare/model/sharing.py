"""Who pays and who gains (docs/model.md, section 9): each council's share of each source of money.

``programme.cost_sharing`` splits a service's savings and costs between the councils that have it:
``"budget"`` (default) in proportion to each council's budget in that service, ``"posts"`` to its
posts, ``"equal"`` equally, or a table of council shares (restricted to the service's councils and
scaled to sum to 1 over them). Programme-wide money (joint management's saving and one-off cost, the
programme team) is split by the councils' total budgets over every service, unless a table is given,
which then applies as it stands. A rule that gives a service's councils nothing to go on (all their
budgets or posts zero) falls back to equal shares.
"""

from __future__ import annotations

import numpy as np

from ..config.values import Realisation


def _normalised(weights: np.ndarray) -> np.ndarray:
    total = float(weights.sum())
    if total <= 0:
        weights = (weights == weights).astype(float)  # nothing to go on: equal shares
        total = float(weights.sum())
    return weights / total


def share_matrix(real: Realisation) -> np.ndarray:
    """Shares (rows: service 0..S−1, joint management, programme team; columns: councils in config
    order), each row summing to 1 to rounding; a council without a service has no share of it."""
    names = [c.name for c in real.councils]
    rule = real.programme.cost_sharing
    C, S = len(names), len(real.services)
    out = np.zeros((S + 2, C))
    totals = np.zeros(C)
    for s, svc in enumerate(real.services):
        present = [i for i, name in enumerate(names) if name in svc.posts]
        budgets = np.array([float(svc.budget[names[i]]) for i in present])
        totals[present] += budgets
        if isinstance(rule, str):
            weights = {"budget": budgets,
                       "posts": np.array([float(svc.posts[names[i]]) for i in present]),
                       "equal": np.ones(len(present))}[rule]
        else:
            weights = np.array([float(rule.get(names[i], 0.0)) for i in present])
        out[s, present] = _normalised(weights)
    if isinstance(rule, str):
        programme = _normalised(totals)
    else:
        programme = _normalised(np.array([float(rule.get(name, 0.0)) for name in names]))
    out[S] = out[S + 1] = programme
    return out


__all__ = ["share_matrix"]
