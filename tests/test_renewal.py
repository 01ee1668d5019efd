"""The workforce against renewal theory (docs/model.md "sanity anchor", §1.6 pooled specialists).

Every expectation here comes from theory, not from the model:

* A post alternates between filled spells (exponential, mean 1/r months, r = turnover_annual/12)
  and vacant spells (mean d months, any distribution).  By the renewal-reward theorem the
  long-run share of time it is vacant is d / (1/r + d) = r·d / (1 + r·d), whatever the law of
  the vacant spell; the share of time it is staffed is A = 1 / (1 + r·d).
* If each campaign fails with probability p, the number of campaigns is geometric with mean
  1/(1 − p), so the mean time to fill is d' = d / (1 − p) (Wald).
* Two independent specialist posts pooled into one shared service: the service has a specialist
  on hand unless both are vacant, so the long-run share is 1 − (1 − A)².

Statistics: each check runs R independent replications (SeedSequence(seed, spawn_key=(i,)),
docs/model.md), reduces each to one time average after a burn-in, and compares the mean of those
R numbers with theory at 4 standard errors, SE = sd(per-replication means) / √R.  The
replications are independent, so the SE is honest although months within a run are correlated.
A sampled month is a point of a stationary process after the burn-in, so its expectation is the
stationary probability: the time average over integer months is unbiased for it.
"""

from __future__ import annotations

import math

import numpy as np
import pytest

import simshare
from simshare.model.replication import run_replication

from conftest import council, run_one, service, small_config

SEED = 20_121_001
Z = 4.0  # standard errors allowed

LOGNORMAL_4 = {"dist": "lognormal", "mean": 4.0, "sd": 2.63}
EXPONENTIAL_4 = {"dist": "exponential", "mean": 4.0}


# --------------------------------------------------------------------------- helpers


# The configs are the shared small config (conftest.small_config) with the councils and services of each
# check: no programme at all (order = []) unless a check says otherwise; every service costs £500k a year
# in each of its councils (equal weights for resilience), with review and implementation 1 month each.
BUDGET = 500_000.0


def _replicate(raw, replications, reduce, seed=SEED):
    """reduce(record) for replications 0..R-1 of ``seed``, as an array (one row per replication)."""
    cfg = simshare.load_config(raw)
    return np.array(
        [reduce(run_replication(cfg, np.random.SeedSequence(seed, spawn_key=(i,)))) for i in range(replications)],
        dtype=float,
    )


def _check(samples, theory, what, max_rel_se):
    """Mean of independent per-replication estimates within Z standard errors of theory."""
    samples = np.asarray(samples, dtype=float)
    assert np.all(np.isfinite(samples)), f"{what}: non-finite per-replication estimates"
    n = len(samples)
    mean = float(samples.mean())
    se = float(samples.std(ddof=1) / math.sqrt(n))
    msg = (f"{what}: mean over {n} replications {mean:.5f}, theory {theory:.5f}, "
           f"SE {se:.5f}, z = {(mean - theory) / se if se > 0 else float('inf'):+.2f}")
    # the design must be able to see an error: an SE that is tiny next to the effect
    assert se <= max_rel_se * theory, msg + " (SE too large for a meaningful test, or the process is degenerate)"
    assert abs(mean - theory) < Z * se, msg


def _vacant_fraction(r, d):
    return r * d / (1.0 + r * d)


def _availability(r, d):
    return 1.0 / (1.0 + r * d)


# --------------------------------------------------------------------------- (a), (b) vacant fraction

POSTS = 200
TURNOVER = 0.15  # per year
HORIZON = 480
BURN_IN = 60
R_POSTS = 150


def _posts_config(recruitment, failure=0.0):
    return small_config(
        [service("Revenues", review=1, implementation=1, budget={"A": BUDGET}, posts={"A": POSTS})],
        councils=[council("A", turnover_annual=TURNOVER, recruitment_months=recruitment, recruitment_failure=failure)],
        horizon=HORIZON, order=[],
    )


def _posts_reduce(rec):
    T = HORIZON + 1
    assert rec.vacancy_rate.shape == (T, 1)
    assert rec.vacant.shape == rec.filled.shape == rec.covered.shape == rec.deleted.shape == (T, 1, 1)
    # no programme, no agency: nothing is deleted or covered, and every post is filled or vacant
    assert not rec.deleted.any()
    assert not rec.covered.any()
    assert np.array_equal(rec.filled + rec.vacant, np.full((T, 1, 1), POSTS))
    # vacancy_rate = vacant / (posts - deleted) (interface), here vacant / 200
    np.testing.assert_allclose(rec.vacancy_rate[:, 0], rec.vacant[:, 0, 0] / POSTS, rtol=0, atol=1e-12)
    return rec.vacancy_rate[BURN_IN:, 0].mean()


@pytest.fixture(scope="module")
def vacancy_runs():
    """Per-replication mean vacancy rate for each recruitment setting (shared by the tests)."""
    settings = {
        "exponential": (EXPONENTIAL_4, 0.0),
        "lognormal": (LOGNORMAL_4, 0.0),
        "fixed": (4.0, 0.0),
        "lognormal, 30% of campaigns fail": (LOGNORMAL_4, 0.3),
    }
    return {k: _replicate(_posts_config(rec, p), R_POSTS, _posts_reduce) for k, (rec, p) in settings.items()}


@pytest.mark.parametrize("law", ["exponential", "lognormal", "fixed"])
def test_long_run_vacant_fraction(vacancy_runs, law):
    """(a) vacant fraction = r·d / (1 + r·d), for exponential, lognormal and fixed time to fill (mean 4 months)."""
    r, d = TURNOVER / 12.0, 4.0
    _check(vacancy_runs[law], _vacant_fraction(r, d), f"vacant fraction, {law} recruitment", max_rel_se=0.02)


def test_recruitment_failure_stretches_time_to_fill(vacancy_runs):
    """(b) with campaign failure p the mean time to fill is d / (1 − p)."""
    r, d, p = TURNOVER / 12.0, 4.0, 0.3
    samples = vacancy_runs["lognormal, 30% of campaigns fail"]
    _check(samples, _vacant_fraction(r, d / (1.0 - p)), "vacant fraction with p = 0.3", max_rel_se=0.02)
    # and the failure is not ignored: far from the p = 0 value
    no_fail = _vacant_fraction(r, d)
    se = samples.std(ddof=1) / math.sqrt(len(samples))
    assert samples.mean() - no_fail > 10 * se


# --------------------------------------------------------------------------- agency cover

AGENCY_COVER = 0.5  # share of vacancies covered
AGENCY_START = 1.0  # months after the vacancy opens
AGENCY_PREMIUM = 0.5
SALARY = 30_000.0


def _agency_config():
    return small_config(
        [service("Revenues", review=1, implementation=1, budget={"A": BUDGET}, posts={"A": POSTS}, salary=SALARY)],
        councils=[council("A", turnover_annual=TURNOVER, recruitment_months=EXPONENTIAL_4, agency_cover=AGENCY_COVER,
                          agency_start_months=AGENCY_START, agency_premium=AGENCY_PREMIUM)],
        horizon=HORIZON, order=[],
    )


def _agency_reduce(rec):
    T = HORIZON + 1
    assert np.all(rec.covered <= rec.vacant)
    assert np.array_equal(rec.filled + rec.vacant, np.full((T, 1, 1), POSTS))
    # staffing = (filled + covered) / required (interface), required = 200 here
    np.testing.assert_allclose(rec.staffing[:, 0], (rec.filled + rec.covered)[:, 0, 0] / POSTS, rtol=0, atol=1e-12)
    covered = rec.covered[BURN_IN:, 0, 0].mean() / POSTS
    # agency_cost accrues premium × salary per covered post-year: its growth after the burn-in
    # is that rate times the (continuous-time) covered post-months
    cost = rec.agency_cost[HORIZON, 0] - rec.agency_cost[BURN_IN, 0]
    covered_by_cost = cost / (AGENCY_PREMIUM * SALARY / 12.0 * POSTS * (HORIZON - BURN_IN))
    return rec.vacancy_rate[BURN_IN:, 0].mean(), covered, covered_by_cost


@pytest.fixture(scope="module")
def agency_runs():
    return _replicate(_agency_config(), R_POSTS, _agency_reduce)


def test_agency_cover_share(agency_runs):
    """Covered share = r·q·E[(V − a)⁺] / (1 + r·d); V exponential (mean d): E[(V − a)⁺] = d·e^(−a/d).

    Renewal-reward again: per cycle (mean 1/r + d) a vacancy is covered, with probability q, for the
    part of it that lasts beyond the agency start a.  Cover leaves the vacant share unchanged.
    """
    r, d = TURNOVER / 12.0, 4.0
    theory = r * AGENCY_COVER * d * math.exp(-AGENCY_START / d) / (1.0 + r * d)
    _check(agency_runs[:, 0], _vacant_fraction(r, d), "vacant fraction with agency cover", max_rel_se=0.02)
    _check(agency_runs[:, 1], theory, "covered share (monthly states)", max_rel_se=0.03)
    _check(agency_runs[:, 2], theory, "covered share implied by agency_cost", max_rel_se=0.03)


# --------------------------------------------------------------------------- (c) a lone specialist

SPEC_TURNOVER = 0.3  # per year: r = 0.025 / month, mean tenure 40 months
SPEC_HORIZON = 600
SPEC_BURN_IN = 60
LONE = 8  # independent single-post services, each a lone specialist, to tighten the estimate
R_LONE = 200

SPEC_LAWS = {
    "exponential": {"dist": "exponential", "mean": 6.0},
    "lognormal": {"dist": "lognormal", "mean": 6.0, "sd": 4.0},
}
INHERITED_FAILURE = 0.25  # recruitment_failure, which specialist_recruitment_failure defaults to


def _lone_config(law):
    if law == "inherited failure":
        # specialist_recruitment_failure not given: it defaults to recruitment_failure (config schema)
        lone = council("A", turnover_annual=SPEC_TURNOVER, recruitment_months=0.5,
                       recruitment_failure=INHERITED_FAILURE, specialist_recruitment_months=SPEC_LAWS["lognormal"])
    else:
        lone = council(
            "A", turnover_annual=SPEC_TURNOVER,
            recruitment_months=0.5,  # ordinary posts (there are none) would fill fast: specialists must not use this
            specialist_recruitment_months=SPEC_LAWS[law],
            specialist_recruitment_failure=0.0,
        )
    services = [service(f"Lone {k}", review=1, implementation=1, budget={"A": BUDGET}, posts={"A": 1},
                        specialists={"A": 1})
                for k in range(LONE)]
    return small_config(services, councils=[lone], horizon=SPEC_HORIZON, order=[])


def _lone_reduce(rec):
    T = SPEC_HORIZON + 1
    assert rec.filled.shape == (T, 1, LONE)
    assert not rec.covered.any() and not rec.deleted.any()
    assert np.array_equal(rec.filled + rec.vacant, np.ones((T, 1, LONE), dtype=int))
    staffed = (rec.filled + rec.covered)[SPEC_BURN_IN:, 0, :]
    return staffed.mean()


@pytest.fixture(scope="module")
def lone_runs():
    return {law: _replicate(_lone_config(law), R_LONE, _lone_reduce) for law in [*SPEC_LAWS, "inherited failure"]}


@pytest.mark.parametrize("law", [*SPEC_LAWS, "inherited failure"])
def test_lone_specialist_availability(lone_runs, law):
    """(c) a lone specialist post is staffed a share A = 1 / (1 + r·d_s) of the time
    (with campaigns failing at p, d_s becomes d_s / (1 − p))."""
    r, d_s = SPEC_TURNOVER / 12.0, 6.0
    if law == "inherited failure":
        d_s /= 1.0 - INHERITED_FAILURE
    A = _availability(r, d_s)
    samples = lone_runs[law]
    # compare the vacant share (1 − A): the informative part of the estimate
    _check(1.0 - samples, 1.0 - A, f"lone specialist vacant share, {law}", max_rel_se=0.05)


# --------------------------------------------------------------------------- (d) pooled specialists

POOL_TURNOVER = 0.4  # r = 1/30 per month
POOL_D = 10.0  # mean specialist time to fill: r·d = 1/3, A = 0.75, pooled 1 − 0.25² = 0.9375
POOL_HORIZON = 600
POOL_BURN_IN = 60
POOLS = 4  # independent services, each with one specialist in each of two councils
R_POOL = 200


def _pool_config(programme: bool):
    spec = {"dist": "lognormal", "mean": POOL_D, "sd": 6.0}
    councils = [
        council(name, turnover_annual=POOL_TURNOVER, recruitment_months=0.5,
                specialist_recruitment_months=spec, specialist_recruitment_failure=0.0)
        for name in ("A", "B")
    ]
    services = [
        service(f"Conservation {k}", review=1, implementation=1, budget={"A": BUDGET, "B": BUDGET},
                posts={"A": 1, "B": 1}, specialists={"A": 1, "B": 1},
                consultation_months=0.0, implementation_disruption=0.0,
                post_reduction_fraction=0.0, attrition_window_months=0.0, ramp_months=0.0)
        for k in range(POOLS)
    ]
    order = [s["name"] for s in services] if programme else []
    return small_config(
        services, councils=councils, horizon=POOL_HORIZON, order=order,
        review_teams=POOLS, support_capacity=POOLS, frontline_limit=1,
        committee_first_month=0.0, committee_interval_months=1.0, approval_probability=1.0,
        team_turnover_annual=0.0, change_turnover_multiplier=1.0, change_settle_months=0.0,
        shared_turnover_multiplier=1.0, safe_staffing=0.0,
    )


LIVE = 2.0  # review 0 -> 1, ready at 1, approved at the meeting at 1, implemented 1 -> 2


def _pool_reduce(rec):
    T = POOL_HORIZON + 1
    assert rec.filled.shape == (T, 2, POOLS)
    assert not rec.covered.any() and not rec.deleted.any()
    return rec.resilience[POOL_BURN_IN:, :].mean(axis=0)  # (2,): council A, council B


@pytest.fixture(scope="module")
def pool_runs():
    return {
        "shared": _replicate(_pool_config(True), R_POOL, _pool_reduce),
        "separate": _replicate(_pool_config(False), R_POOL, _pool_reduce),
    }


def test_pooled_programme_dates_are_deterministic():
    """The deterministic programme of (d) goes live at month 2 (docs/model.md worked by hand)."""
    rec = run_one(_pool_config(True), np.random.SeedSequence(SEED, spawn_key=(0,)))
    np.testing.assert_array_equal(rec.review_start, np.zeros(POOLS))
    np.testing.assert_array_equal(rec.approved, np.ones(POOLS))
    np.testing.assert_array_equal(rec.live, np.full(POOLS, LIVE))


def _staffed(rec):
    return rec.filled + rec.covered  # (T, C, S)


def test_pooled_resilience_month_by_month():
    """Exact rules (interface §Resilience, safe_staffing 0 so only the specialist rule counts).

    Before go-live each council's service is safe iff its own specialist is staffed; from go-live
    the pooled service is safe iff either specialist is, for both councils alike; staffing of a
    live service is the pooled ratio.
    """
    for i in range(3):
        rec = run_one(_pool_config(True), np.random.SeedSequence(SEED + 1, spawn_key=(i,)))
        staffed = _staffed(rec)
        t = np.arange(POOL_HORIZON + 1)
        after = t >= LIVE
        before = t < LIVE  # under review or being implemented (no disruption): judged council by council
        own = (staffed >= 1).mean(axis=2)  # (T, C): share of services whose own specialist is staffed
        pooled = (staffed.sum(axis=1) >= 1).mean(axis=1)  # (T,)
        np.testing.assert_allclose(rec.resilience[before], own[before], atol=1e-12)
        np.testing.assert_allclose(rec.resilience[after, 0], pooled[after], atol=1e-12)
        np.testing.assert_allclose(rec.resilience[after, 1], pooled[after], atol=1e-12)
        pooled_ratio = staffed.sum(axis=(1, 2)) / (2.0 * POOLS)
        np.testing.assert_allclose(rec.staffing[after, 0], pooled_ratio[after], atol=1e-12)
        np.testing.assert_allclose(rec.staffing[after, 1], pooled_ratio[after], atol=1e-12)

    rec = run_one(_pool_config(False), np.random.SeedSequence(SEED + 1, spawn_key=(0,)))
    staffed = _staffed(rec)
    np.testing.assert_allclose(rec.resilience, (staffed >= 1).mean(axis=2), atol=1e-12)
    np.testing.assert_allclose(rec.staffing, staffed.sum(axis=2) / POOLS, atol=1e-12)


def test_pooled_specialists_resilience(pool_runs):
    """(d) once shared, the service is safe when either specialist is staffed: 1 − (1 − A)²."""
    A = _availability(POOL_TURNOVER / 12.0, POOL_D)
    shared = pool_runs["shared"]
    for c, name in enumerate("AB"):
        # compare the unsafe share (1 − A)²: the informative part
        _check(1.0 - shared[:, c], (1.0 - A) ** 2, f"pooled service unsafe share, council {name}", max_rel_se=0.1)


def test_separate_specialists_resilience(pool_runs):
    """(d) without the programme each council's service is safe when its own specialist is staffed: A."""
    A = _availability(POOL_TURNOVER / 12.0, POOL_D)
    separate = pool_runs["separate"]
    for c, name in enumerate("AB"):
        _check(1.0 - separate[:, c], 1.0 - A, f"separate service unsafe share, council {name}", max_rel_se=0.05)
