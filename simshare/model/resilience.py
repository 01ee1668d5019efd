"""Resilience, staffing and vacancy per council and month (docs/model.md), from post-count snapshots.

A service in a council operates safely when its effective staffing (staffed ÷ required
posts, less any implementation disruption) reaches ``safe_staffing`` and, where it has
specialist posts, at least one is staffed.  Once live, the shared service is judged as
one pool, and the judgement holds for every council in it.
"""

from __future__ import annotations

import numpy as np


def _ratio(num: np.ndarray, den: np.ndarray, empty: float = 1.0) -> np.ndarray:
    return np.divide(num, den, out=np.full(np.broadcast(num, den).shape, empty), where=den > 0)


def over_kinds(counts: np.ndarray, dtype: str | None = None) -> np.ndarray:
    """Counts (..., kind) summed over the two kinds of post, shape (...), in ``dtype`` if given
    (numpy's sum over a last axis of length 2 costs a loop call per element; adding the two whole
    slices does not)."""
    return np.add(counts[..., 0], counts[..., 1], dtype=dtype)


def _councils(counts: np.ndarray) -> np.ndarray:
    """Integer counts (R, T, C, S) summed over councils, (R, T, S) (exact in any order)."""
    return np.einsum("rtcs->rts", counts)


def workforce_measures(filled: np.ndarray, vacant: np.ndarray, covered: np.ndarray, deleted: np.ndarray,
                       establishment: np.ndarray, present: np.ndarray, budget: np.ndarray,
                       live: np.ndarray, disruption: np.ndarray, safe_staffing: np.ndarray) -> dict[str, np.ndarray]:
    """Monthly measures per council, and ``unsafe_months`` per council and service (docs/model.md: the
    months of the monthly clock, 0..horizon, in which the service was not operating safely), for R
    futures at once.

    Counts are (R, T, C, S, kind) with kind 0 ordinary, 1 specialist; ``establishment`` is
    (R, C, S, kind); ``present`` (R, C, S) says which councils have each service; ``budget`` is
    (R, C, S); ``live`` and ``disruption`` are (R, T, S); ``safe_staffing`` (R,). Returns
    ``resilience``, ``staffing`` and ``vacancy_rate`` (R, T, C) and ``unsafe_months`` (R, C, S).
    """
    staffed = filled + covered                        # (R, T, C, S, K)
    required = establishment[:, None] - deleted       # (R, T, C, S, K)
    staffed_all, required_all = over_kinds(staffed), over_kinds(required)  # (R, T, C, S)
    own = _ratio(staffed_all, required_all)
    pooled = _ratio(_councils(staffed_all), _councils(required_all))       # (R, T, S)
    live_b = live[:, :, None, :]
    ratio = np.where(live_b, pooled[:, :, None, :], own)
    effective = ratio - disruption[:, :, None, :]
    spec_staffed, spec_required = staffed[..., 1], required[..., 1]
    spec_own = (spec_required == 0) | (spec_staffed >= 1)
    spec_pool = (_councils(spec_required) == 0) | (_councils(spec_staffed) >= 1)  # (R, T, S)
    specialist_ok = np.where(live_b, spec_pool[:, :, None, :], spec_own)
    safe = (effective >= np.asarray(safe_staffing, dtype=float)[:, None, None, None] - 1e-12) & specialist_ok \
        & present[:, None]

    weight = np.where(present, budget, 0.0)
    weight = np.where(weight.sum(2, keepdims=True) > 0, weight, present.astype(float))  # no budgets: equal weights
    # divide after summing, so that all services safe gives exactly 1
    resilience = _ratio((safe * weight[:, None]).sum(-1), weight.sum(2)[:, None])

    staffed_shared = np.where(live_b, ratio * required_all, staffed_all)
    required_council = np.einsum("rtcs->rtc", required_all)
    staffing = _ratio(staffed_shared.sum(-1), required_council)
    vacancy_rate = _ratio(np.einsum("rtcs->rtc", over_kinds(vacant)), required_council, empty=0.0)
    unsafe_months = (present[:, None] & ~safe).sum(1)   # (R, C, S): months of the monthly clock not operating safely
    return {"resilience": resilience, "staffing": np.clip(staffing, 0.0, 1.0), "vacancy_rate": vacancy_rate,
            "unsafe_months": unsafe_months}
