"""Checks of the business cases a config describes, made when it is loaded (docs/model.md, section 9).

A service's case is ``C = savings_fraction × combined budget`` a year; its plan deletes ``k`` posts
(``round(post_reduction_fraction × posts)``, at most its ordinary posts) whose staff part is
``S = min(C, k × mean salary)``. Where ``k × mean salary > C`` the post cut alone is worth more than
the whole case: the config is accepted (the staff part is capped at the case, so the service still
never saves more than ``C``), with a :class:`~simshare.config.errors.ConfigWarning` naming the
services, and for an uncertain case the share of futures in which it happens.
"""

from __future__ import annotations

import warnings
from typing import Any

import numpy as np

from ..distributions import Dist, ppf
from .errors import ConfigWarning
from .schema import Config, Service

#: draws per service to estimate how often an uncertain post cut outweighs its case; services where it
#: happens in fewer than ``_NOTE`` of them are not named
_DRAWS, _NOTE = 500, 0.10
_CACHE: dict[str, float] = {}  # repr of a service -> its share (configs are reloaded often: scenarios, sweeps)


def _draw(value: Any, rng: np.random.Generator) -> np.ndarray:
    if isinstance(value, Dist):
        return np.asarray(ppf(value.family, dict(value.params), rng.random(_DRAWS)), dtype=float)
    return np.full(_DRAWS, float(value))


def post_cut_share(svc: Service, seed: int = 0) -> float:
    """The share of futures in which ``k × mean salary > C`` for service ``svc`` (1 or 0 when nothing in it is
    uncertain), its uncertain values drawn independently (a check, not a replication: correlations are
    ignored). Half-up rounding, as in the model; to the pound."""
    key = f"{seed}:{svc!r}"
    if key not in _CACHE:
        if len(_CACHE) > 4096:
            _CACHE.clear()
        _CACHE[key] = _share(svc, seed)
    return _CACHE[key]


def _share(svc: Service, seed: int) -> float:
    posts = {c: int(n) for c, n in svc.posts.items()}
    total = sum(posts.values())
    if total == 0:
        return 0.0
    rng = np.random.default_rng(seed)
    budget = {c: _draw(b, rng) for c, b in svc.budget.items()}
    share = None if svc.salary is not None else _draw(svc.staff_cost_share, rng)
    salary = None if svc.salary is None else _draw(svc.salary, rng)
    pay = np.zeros(_DRAWS)
    for c, n in posts.items():
        if n:
            pay += salary * n if salary is not None else share * budget[c]
    ordinary = total - sum(int(n) for n in svc.specialists.values())
    k = np.minimum(np.floor(_draw(svc.post_reduction_fraction, rng) * total + 0.5), ordinary)
    case = _draw(svc.savings_fraction, rng) * sum(budget.values())
    return float(np.mean(k * pay / total > case * (1 + 1e-12) + 1.0))


def case_warnings(cfg: Config) -> list[str]:
    """One line naming the services of the programme whose post cut can be worth more than their case, or none."""
    named = []
    for name in cfg.order:
        p = post_cut_share(cfg.service(name))
        if p >= 1.0:
            named.append(name)
        elif p >= _NOTE:
            named.append(f"{name} (in {100 * p:.0f} % of futures)")
    if not named:
        return []
    return [f"business case: the posts the plan deletes are worth more than the whole case "
            f"(k × mean salary > savings_fraction × budget) in {', '.join(named)}; the staff part is capped at the case, so a service saves at most "
            "its case (docs/model.md, section 9)"]


def warn_about_cases(cfg: Config, source: str | None = None) -> None:
    """Issue each of :func:`case_warnings` as a :class:`ConfigWarning` (prefixed by ``source``, the file, if any)."""
    for line in case_warnings(cfg):
        warnings.warn(f"{source}: {line}" if source else line, ConfigWarning, stacklevel=1)  # one location: said once per message by default


__all__ = ["case_warnings", "post_cut_share", "warn_about_cases"]
