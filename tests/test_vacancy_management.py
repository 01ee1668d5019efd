"""Vacancy management (docs/model.md): holds before recruiting, length-biased vacancies at month 0 and
recruitment freezes before a restructure.

Every expectation comes from renewal theory or is worked out by hand, never from running the model:

* A post alternates between filled spells (exponential, mean 1/r months, r = turnover_annual/12) and
  vacant spells whose mean is the whole time to fill, D = h + d/(1 − p): a hold of mean h, then
  campaigns of mean d, each failing with probability p (a geometric number of them, Wald). By the
  renewal-reward theorem the long-run vacant fraction is r·D / (1 + r·D), whatever the laws.
* In equilibrium a post is vacant with that probability and, if vacant, its remaining time to fill
  is the equilibrium residual of the whole time to fill (the vacancy open at a random instant is
  length-biased). So a status-quo run that starts each post vacant with that probability and draws
  the residual exactly is stationary from month 0: every month's expected vacancy rate is the
  long-run fraction. A vacancy placed part-way through its first campaign only (the old rule) clears
  too fast, and the test below sees it.

Statistics as in tests/test_renewal.py: independent replications (SeedSequence(seed, spawn_key=(i,))),
one number per replication, compared with theory at 4 standard errors, SE = sd / √R; fixed seeds, and
each check also asserts that its SE is small enough for the comparison to mean something.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import simshare
from simshare.config.values import Occurrence
from simshare.distributions import draw
from simshare.model.replication import run_replication
from simshare.model.vacancies import equilibrium_vacancies, size_biased

from conftest import service, small_config

SEED = 20_251_130
Z = 4.0

POSTS = 200
TURNOVER = 0.15          # per year: r = 0.0125 a month
R = TURNOVER / 12.0
LOGNORMAL_4 = {"dist": "lognormal", "mean": 4.0, "sd": 2.63}
EXPONENTIAL_4 = {"dist": "exponential", "mean": 4.0}


def _config(horizon, council, services=None, order=(), **programme):
    """One council ``A`` (the ``council`` table) and, unless ``services`` are given, one service of
    ``POSTS`` posts that the programme leaves alone (``order`` empty: the status quo)."""
    services = services or [service("Revenues", review=1.0, implementation=1.0, budget={"A": 500_000.0},
                                    posts={"A": POSTS})]
    return simshare.load_config(small_config(services, councils=[council], horizon=horizon,
                                             name="vacancy management check", start="2025-04-01",
                                             order=list(order), **programme))


def _council(recruitment, failure=0.0, hold=0.0, initial=0.0, **extra):
    c = {"name": "A", "turnover_annual": TURNOVER, "recruitment_months": recruitment, "recruitment_failure": failure,
         "vacancy_hold_months": hold, "initial_vacancy_rate": initial, "agency_cover": 0.0}
    c.update(extra)
    return c


def _replicate(cfg, replications, reduce, seed=SEED):
    return np.array([reduce(run_replication(cfg, np.random.SeedSequence(seed, spawn_key=(i,))))
                     for i in range(replications)], dtype=float)


def _check(samples, theory, what, max_rel_se):
    samples = np.asarray(samples, dtype=float)
    n = len(samples)
    mean = float(samples.mean())
    se = float(samples.std(ddof=1) / math.sqrt(n))
    msg = f"{what}: mean {mean:.5f}, theory {theory:.5f}, SE {se:.5f}, z = {(mean - theory) / se:+.2f}"
    assert se <= max_rel_se * theory, msg + " (SE too large for a meaningful test)"
    assert abs(mean - theory) < Z * se, msg


def _vacant_fraction(r, whole):
    return r * whole / (1.0 + r * whole)


# --------------------------------------------------------------------------- renewal theory with a hold

HORIZON = 480
BURN_IN = 60
REPS = 150

HOLDS = {
    # name: (council keys, mean whole time to fill D)
    "fixed hold 3, lognormal campaigns": (dict(recruitment=LOGNORMAL_4, hold=3.0), 3.0 + 4.0),
    "PERT(0, 2, 7) hold, exponential campaigns, 20% fail": (
        dict(recruitment=EXPONENTIAL_4, failure=0.2, hold={"dist": "pert", "min": 0, "mode": 2, "max": 7}),
        (0 + 4 * 2 + 7) / 6 + 4.0 / 0.8),
    "exponential hold with an uncertain mean": (
        # the hold's mean is itself drawn per replication: the renewal argument holds in each replication,
        # so compare each replication with its own theory (the drawn mean is in inputs)
        dict(recruitment=LOGNORMAL_4, hold={"dist": "exponential", "mean": {"dist": "uniform", "min": 2, "max": 6}}),
        None),
}


@pytest.fixture(scope="module")
def hold_runs():
    out = {}
    for name, (keys, _) in HOLDS.items():
        cfg = _config(HORIZON, _council(**keys))

        def reduce(rec, cfg=cfg):
            assert not rec.deleted.any() and not rec.covered.any()
            assert np.array_equal(rec.filled + rec.vacant, np.full(rec.filled.shape, POSTS))
            observed = rec.vacancy_rate[BURN_IN:, 0].mean()
            if "councils.A.vacancy_hold_months.mean" in simshare.config.parameter_paths(cfg):
                j = simshare.config.parameter_paths(cfg).index("councils.A.vacancy_hold_months.mean")
                return observed - _vacant_fraction(R, rec.inputs[j] + 4.0)
            return observed
        out[name] = _replicate(cfg, REPS, reduce)
    return out


@pytest.mark.parametrize("name", list(HOLDS))
def test_renewal_with_a_hold(hold_runs, name):
    """Long-run vacant fraction r·(h + d)/(1 + r·(h + d)), d the mean time to fill by campaigns."""
    whole = HOLDS[name][1]
    samples = hold_runs[name]
    if whole is None:  # per-replication differences from each replication's own theory: mean 0
        n = len(samples)
        se = samples.std(ddof=1) / math.sqrt(n)
        assert se < 0.002, f"SE {se} too large"
        assert abs(samples.mean()) < Z * se, f"{name}: mean difference {samples.mean():.5f}, SE {se:.5f}"
        return
    _check(samples, _vacant_fraction(R, whole), name, max_rel_se=0.02)


def test_a_hold_raises_vacancies(hold_runs):
    """The hold is not ignored: far above the no-hold fraction r·d/(1 + r·d)."""
    samples = hold_runs["fixed hold 3, lognormal campaigns"]
    se = samples.std(ddof=1) / math.sqrt(len(samples))
    assert samples.mean() - _vacant_fraction(R, 4.0) > 10 * se


# --------------------------------------------------------------------------- stationarity from month 0

FLAT_HORIZON = 24
FLAT_REPS = 400

FLAT = {
    "exponential campaigns, 30% fail": (dict(recruitment=EXPONENTIAL_4, failure=0.3), 4.0 / 0.7),
    "lognormal campaigns, 30% fail, PERT hold": (
        dict(recruitment=LOGNORMAL_4, failure=0.3, hold={"dist": "pert", "min": 1, "mode": 3, "max": 8}),
        (1 + 12 + 8) / 6 + 4.0 / 0.7),
}


@pytest.fixture(scope="module")
def flat_runs():
    out = {}
    for name, (keys, whole) in FLAT.items():
        f = _vacant_fraction(R, whole)
        cfg = _config(FLAT_HORIZON, _council(initial=f, **keys))
        out[name] = np.array([run_replication(cfg, np.random.SeedSequence(SEED + 1, spawn_key=(i,))).vacancy_rate[:, 0]
                              for i in range(FLAT_REPS)])
    return out


@pytest.mark.parametrize("name", list(FLAT))
def test_status_quo_is_flat_from_month_0(flat_runs, name):
    """With initial_vacancy_rate equal to the long-run fraction, each of months 0–24 is within 4 SE of it."""
    f = _vacant_fraction(R, FLAT[name][1])
    rates = flat_runs[name]  # (replication, month)
    for month in range(FLAT_HORIZON + 1):
        _check(rates[:, month], f, f"{name}, month {month}", max_rel_se=0.02)


def test_month_0_vacancies_are_length_biased():
    """Without length bias (each vacancy's elapsed time a share of ONE campaign) the rate would fall
    from f: the residual of the whole time to fill is longer. Check the sampler against renewal theory:
    E[residual] = E[T²] / (2·E[T]), P(residual > x) = E[(T − x)⁺] / E[T], T the whole time to fill."""
    rng = np.random.default_rng(SEED)
    hold = Occurrence("pert", (("min", 1.0), ("mode", 3.0), ("max", 8.0)))
    campaign = Occurrence("lognormal", (("mean", 4.0), ("sd", 2.63)))
    n = 400_000
    holds, search, elapsed = equilibrium_vacancies(n, hold, campaign, 0.3, rng)
    assert np.all(elapsed >= 0) and np.all(elapsed <= holds + search)
    residual = holds + search - elapsed
    # T by brute force: hold + a geometric number of campaigns
    m = 200_000
    T = draw("pert", {"min": 1, "mode": 3, "max": 8}, rng, m)
    counts = rng.geometric(0.7, m)
    lengths = draw("lognormal", {"mean": 4.0, "sd": 2.63}, rng, int(counts.sum()))
    T += np.add.reduceat(lengths, np.concatenate(([0], np.cumsum(counts)[:-1])))
    for what, sample, theory_draws in [
        ("E[residual]", residual, T**2 / (2 * T.mean())),
        ("P(residual > 6)", (residual > 6).astype(float), np.clip(T - 6, 0, None) / T.mean()),
    ]:
        se = math.hypot(sample.std() / math.sqrt(n), theory_draws.std() / math.sqrt(m))
        assert abs(sample.mean() - theory_draws.mean()) < Z * se, (what, sample.mean(), theory_draws.mean(), se)


@pytest.mark.parametrize("family, params, second_over_first", [
    ("exponential", {"mean": 4.0}, 8.0),                                    # E[X²]/E[X] = 2m
    ("gamma", {"mean": 4.0, "sd": 2.0}, (16 + 4) / 4),
    ("lognormal", {"mean": 4.0, "sd": 3.0}, (16 + 9) / 4),
    ("uniform", {"min": 1.0, "max": 5.0}, (1 + 5 + 25) / 3 / 3),            # (a² + ab + b²)/3 ÷ (a + b)/2
    ("discrete", {"values": [1.0, 3.0], "weights": [3.0, 1.0]}, (0.75 + 2.25) / 1.5),
    ("fixed", {"value": 2.5}, 2.5),
    ("beta", {"mean": 0.3, "sd": 0.1}, (0.01 + 0.09) / 0.3),              # (sd² + mean²) / mean
    ("beta", {"mean": 1e-6, "sd": 1e-6}, (1e-12 + 1e-12) / 1e-6),          # closed form: no rejection to spin
    # by rejection: PERT(1, 2, 6) is 1 + 5·Beta(1.8, 4.2); a normal(2, 1) truncated at 0 from scipy's moments
    ("pert", {"min": 1.0, "mode": 2.0, "max": 6.0},
     (1 + 2 * 5 * 0.3 + 25 * 1.8 * 2.8 / (6 * 7)) / (1 + 5 * 0.3)),
    ("normal", {"mean": 2.0, "sd": 1.0, "min": 0.0},
     float(stats.truncnorm(-2.0, np.inf, loc=2.0).moment(2) / stats.truncnorm(-2.0, np.inf, loc=2.0).mean())),
])
def test_size_biased_draws(family, params, second_over_first):
    """The size-biased law x·f(x)/E[X] has mean E[X²]/E[X]."""
    x = size_biased(family, params, np.random.default_rng(SEED), 200_000)
    se = max(x.std() / math.sqrt(len(x)), 1e-12)
    assert abs(x.mean() - second_over_first) < Z * se + 1e-12, (x.mean(), second_over_first)


# --------------------------------------------------------------------------- recruitment freeze, by hand

def _freeze_config(freeze: bool):
    """Ten posts, all vacant at month 0 (initial_vacancy_rate 1), nobody leaves; hold 5, campaign 1, no
    failure: a whole time to fill of 6, so a month-0 vacancy opened a uniform 0–6 months before and is in
    its hold (not yet recruiting) exactly when it opened less than 5 months before.

    Programme: review 0–4, approved at 4, implementation 4–12, live at 12; the business case deletes
    k = 5 posts, all at go-live (attrition window 0): open vacancies first, the rest by redundancy at
    £10,000 each.
    """
    council = {"name": "A", "turnover_annual": 0.0, "recruitment_months": 1.0, "vacancy_hold_months": 5.0,
               "initial_vacancy_rate": 1.0}
    revenues = service("Revenues", review=4.0, implementation=8.0, budget={"A": 500_000.0}, posts={"A": 10},
                       post_reduction_fraction=0.5, attrition_window_months=0.0, redundancy_cost=10_000.0,
                       recruitment_freeze=freeze)
    return _config(24, council, [revenues], order=["Revenues"], committee_interval_months=1.0)


@pytest.mark.parametrize("seed", range(5))
def test_freeze_deletes_more_posts_by_attrition(seed):
    """By hand, from the vacancies still in their hold at month 0 (n = vacant at month 1 under the freeze):

    without a freeze every vacancy is filled by month 6, so at go-live (12) all 5 posts go by redundancy
    (£50,000); with the freeze the n held vacancies wait, min(5, n) of them go at go-live by attrition,
    5 − min(5, n) by redundancy, and the n − min(5, n) left start recruiting at 12 (their hold is long
    over) and are filled at 13.
    """
    ss = np.random.SeedSequence(seed)
    free, frozen = (run_replication(_freeze_config(f), ss) for f in (False, True))
    for rec in (free, frozen):
        np.testing.assert_array_equal(rec.live, [12.0])
        assert rec.deleted[11, 0, 0] == 0 and rec.deleted[12, 0, 0] == 5
    # without the freeze: all filled by month 6; all 5 deletions are redundancies
    assert free.vacant[6, 0, 0] == 0
    assert free.cumulative_costs[12] - free.cumulative_costs[11] == pytest.approx(50_000.0)
    # with it: n vacancies in their hold at month 0 stay open until go-live
    n = int(frozen.vacant[1, 0, 0])
    assert 0 < n <= 10
    np.testing.assert_array_equal(frozen.vacant[1:12, 0, 0], np.full(11, n))
    by_attrition = min(5, n)
    assert frozen.cumulative_costs[12] - frozen.cumulative_costs[11] == pytest.approx(10_000.0 * (5 - by_attrition))
    assert frozen.vacant[12, 0, 0] == n - by_attrition
    assert frozen.vacant[13, 0, 0] == 0
    assert frozen.filled[13, 0, 0] == 5
    # the freeze saves redundancies whenever any vacancy was still in its hold
    assert by_attrition > 0


@pytest.mark.parametrize("failure", [0.999999, 1 - 1e-9, 1 - 1e-13])
@pytest.mark.parametrize("initial", [0.0, 0.5])
def test_failure_near_one_runs_and_posts_stay_vacant(failure, initial):
    """A campaign failure rate near 1 means millions of campaigns a vacancy: the run must not draw them one
    by one (it used to take minutes per replication and grow its memory); posts stay vacant to the horizon."""
    cfg = _config(36, _council(LOGNORMAL_4, failure=failure, initial=initial))
    rec = run_replication(cfg, np.random.SeedSequence(SEED))
    vacancy = np.asarray(rec.vacancy_rate)[:, 0]
    assert vacancy[0] == pytest.approx(initial, abs=0.1)
    assert np.all(np.diff(vacancy) >= 0)  # nobody is recruited: vacancies only accumulate


@pytest.mark.parametrize("family, params", [
    ("normal", {"mean": 1e-6, "sd": 1.0, "min": 0.0, "max": 1e6}),   # a top a million times the mean
    ("pert", {"min": 0.0, "mode": 1e-9, "max": 100.0}),
])
def test_size_biased_finishes_when_few_draws_are_accepted(family, params):
    """Rejection against a top far above the mean accepts almost nothing: the sampler must still return
    (larger batches, then resampling by size), with values inside the family's support."""
    x = size_biased(family, params, np.random.default_rng(SEED), 500)
    assert x.shape == (500,) and np.all(x >= params["min"]) and np.all(x <= params["max"])
