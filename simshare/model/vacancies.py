"""How long a vacancy lasts (docs/model.md), and the vacancies already open at month 0.

A vacancy's whole time to fill is ``T = H + C₁ + … + C_N``: a hold ``H`` (``vacancy_hold_months``,
the deliberate wait before the first campaign) and ``N`` campaigns ``Cᵢ`` (``recruitment_months``),
each failing with probability ``p``, so ``N`` is geometric with mean 1/(1 − p). Its mean is
``μ = E[H] + E[C]/(1 − p)``.

A vacancy open at month 0 of a workforce that has run for ever is more likely to be a long one
(length bias): its whole length ``T̃`` has the size-biased law ``t·f(t)/μ``, and the time already
elapsed is a uniform share of it. :func:`equilibrium_vacancies` samples that exactly, part by part:
the size-biased law of a sum of independent parts is the sum with ONE part size-biased, that part
chosen with probability proportional to its mean; for the random number of campaigns, ``Ñ`` is the
size-biased geometric (``Ñ − 1`` is the sum of two geometric counts of failures) and one of its
campaigns is size-biased. Each family's size-biased law is drawn in closed form (exponential, gamma,
lognormal, beta, discrete, fixed) or by rejection against its upper bound (bounded families; a normal
truncated only below is bounded at its 1 − 10⁻¹⁵ quantile), with larger batches when under 1 % of
draws are accepted, and after 8 rounds by resampling 200,000 draws in proportion to their size.
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np

from ..config.values import Occurrence
from ..distributions import draw, ppf

#: a normal truncated only from below is treated as bounded at this quantile (the rest is 1e-15 of its mass)
_TOP = 1.0 - 1e-15
#: rejection sampling's largest batch, and the rounds after which it resamples draws by size instead
_MAX_BATCH, _MAX_ROUNDS = 200_000, 8


def size_biased(family: str, params: Mapping[str, Any], rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` draws from the size-biased law x·f(x)/E[X] of a non-negative family with E[X] > 0."""
    p = dict(params)
    if family == "fixed":
        return np.full(size, float(p["value"]))
    if family == "exponential":
        return rng.gamma(2.0, p["mean"], size)
    if family == "gamma":
        return rng.gamma((p["mean"] / p["sd"]) ** 2 + 1.0, p["sd"] ** 2 / p["mean"], size)
    if family == "lognormal":
        s2 = math.log1p((p["sd"] / p["mean"]) ** 2)
        return rng.lognormal(math.log(p["mean"]) + s2 / 2, math.sqrt(s2), size)
    if family == "discrete":
        values = np.asarray(p["values"], dtype=float)
        weights = values * np.asarray(p.get("weights", np.ones(len(values))), dtype=float)
        return rng.choice(values, size=size, p=weights / weights.sum())
    if family == "beta":  # x·f(x) of Beta(a, b) is Beta(a + 1, b)
        k = p["mean"] * (1 - p["mean"]) / p["sd"] ** 2 - 1
        return rng.beta(p["mean"] * k + 1.0, (1 - p["mean"]) * k, size)
    top = {"uniform": p.get("max"), "triangular": p.get("max"), "pert": p.get("max")}.get(family)
    if family == "normal":
        top = p["max"] if "max" in p else float(ppf("normal", p, np.array(_TOP)))
    if top is None:
        raise KeyError(family)
    out, drawn, rounds = np.empty(0), 0, 0
    while out.size < size:  # rejection: accept a draw x with probability x / top
        missing = size - out.size
        accepted = out.size / drawn if drawn else 1.0
        if rounds >= _MAX_ROUNDS:  # a mean tiny against the top: resample draws in proportion to their size
            x = draw(family, p, rng, _MAX_BATCH)
            if not x.sum() > 0:
                return np.zeros(size) if out.size == 0 else np.resize(out, size)
            return np.concatenate([out, rng.choice(x, size=missing, p=x / x.sum())])
        # batches as before while at least 1 % of draws are accepted, larger when fewer are
        n = max(16, 2 * missing) if accepted >= 0.01 else min(_MAX_BATCH, math.ceil(2 * missing / max(accepted, 1e-9)))
        x = draw(family, p, rng, n)
        out = np.concatenate([out, x[rng.random(n) * top < x]])
        drawn, rounds = drawn + n, rounds + 1
    return out[:size]


#: above this many campaigns for one vacancy (a failure rate near 1; a rate of 0.5 gets there once in
#: 10^301 vacancies), a vacancy open at month 0 takes its campaigns' total as its expectation
#: (count × mean) instead of drawing each: such a search lasts far beyond any horizon, and by the law of
#: large numbers its relative spread is under cv/√1000 ≈ 3 %; a vacancy opened during the run stops
#: drawing once its search ends after the horizon (exact)
MANY_CAMPAIGNS = 1000


def _campaigns(count: np.ndarray, campaign: Occurrence, rng: np.random.Generator) -> np.ndarray:
    """Per entry, the total of ``count[i]`` independent campaigns (see :data:`MANY_CAMPAIGNS`)."""
    many = count > MANY_CAMPAIGNS
    drawn = np.where(many, 0, count)
    out = np.zeros(len(count))
    out[many] = count[many] * campaign.mean
    total = int(drawn.sum())
    if total == 0:
        return out
    fixed = campaign.fixed
    lengths = np.full(total, fixed) if fixed is not None else (
        campaign.scale * draw(campaign.family, dict(campaign.params), rng, total))
    some = drawn > 0
    used = drawn[some]
    out[some] = np.add.reduceat(lengths, np.concatenate(([0], np.cumsum(used)[:-1])))
    return out


def _draws(occ: Occurrence, rng: np.random.Generator, size: int, biased: bool) -> np.ndarray:
    if size == 0:
        return np.zeros(0)
    if occ.fixed is not None:
        return np.full(size, occ.fixed)
    if biased:
        return occ.scale * size_biased(occ.family, dict(occ.params), rng, size)
    return occ.scale * draw(occ.family, dict(occ.params), rng, size)


def equilibrium_vacancies(k: int, hold: Occurrence, campaign: Occurrence, failure: float,
                          rng: np.random.Generator) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """``k`` vacancies open at month 0 in equilibrium: (hold, search, elapsed) arrays, months.

    Each vacancy opened ``elapsed`` months before month 0; its recruitment starts ``hold`` months
    after it opened and takes ``search`` months (all its campaigns), so it is filled at
    ``hold + search − elapsed`` ≥ 0 from month 0. With ``failure`` ≥ 1 no campaign succeeds: search
    and elapsed are infinite. With a mean time to fill of 0 every vacancy fills at once.
    """
    if failure >= 1.0:
        return _draws(hold, rng, k, False), np.full(k, math.inf), np.full(k, math.inf)
    mean_hold = hold.mean
    mean_search = campaign.mean / (1.0 - failure)
    total = mean_hold + mean_search
    if k == 0 or total <= 0.0:
        return np.zeros(k), np.zeros(k), np.zeros(k)
    hold_biased = rng.random(k) < mean_hold / total
    n_h = int(hold_biased.sum())
    holds = np.empty(k)
    holds[hold_biased] = _draws(hold, rng, n_h, True)
    holds[~hold_biased] = _draws(hold, rng, k - n_h, False)
    # campaigns: N ~ geometric where the hold is biased; else one size-biased campaign plus Ñ − 1 others,
    # Ñ − 1 being the failures before two successes
    others = rng.geometric(1.0 - failure, k) - 1
    others[~hold_biased] += rng.geometric(1.0 - failure, k - n_h) - 1
    search = _campaigns(np.where(hold_biased, others + 1, others), campaign, rng)
    search[~hold_biased] += _draws(campaign, rng, k - n_h, True)
    elapsed = rng.random(k) * (holds + search)
    return holds, search, elapsed


__all__ = ["size_biased", "equilibrium_vacancies", "MANY_CAMPAIGNS"]
