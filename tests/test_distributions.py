"""Distributions (docs/model.md): the numpy occurrence draws and the inverse CDF describe
the same law; moments, supports and weights are right; the Sampler's block size does
not change its sequence; the Gaussian copula gives the asked rank correlations.

Every random test uses a fixed seed, so each test is deterministic; tolerances are
4 standard errors (or a KS p-value above 1e-3), chosen from the sample size and never
widened to make a test pass.
"""

from __future__ import annotations

import math

import numpy as np
import pytest
from scipy import stats

import simshare
from simshare.distributions import (
    DistError,
    Sampler,
    copula_factor,
    correlate_uniforms,
    draw,
    mean,
    parse_dist,
    ppf,
)
from simshare.config import correlate, draw_values, replication_parameters

from conftest import TWO_SERVICES, small_config

N = 20_000
P_MIN = 1e-3  # smallest KS p-value accepted

CONTINUOUS = {
    "uniform": ("uniform", {"min": 2.0, "max": 5.0}),
    "triangular": ("triangular", {"min": 1.0, "mode": 2.0, "max": 4.0}),
    "triangular-mode-at-min": ("triangular", {"min": 1.0, "mode": 1.0, "max": 4.0}),
    "pert": ("pert", {"min": 4.0, "mode": 6.0, "max": 12.0}),
    "pert-lambda-2": ("pert", {"min": 4.0, "mode": 6.0, "max": 12.0, "lambda": 2.0}),
    "pert-mode-at-max": ("pert", {"min": 0.0, "mode": 1.0, "max": 1.0}),
    "normal": ("normal", {"mean": 5.0, "sd": 2.0}),
    "normal-truncated": ("normal", {"mean": 0.15, "sd": 0.1, "min": 0.0, "max": 1.0}),
    "normal-truncated-below": ("normal", {"mean": 1.0, "sd": 2.0, "min": 0.0}),
    "lognormal": ("lognormal", {"mean": 3.0, "sd": 1.5}),
    "lognormal-wide": ("lognormal", {"mean": 23_000.0, "sd": 15_000.0}),
    "gamma": ("gamma", {"mean": 3.0, "sd": 1.5}),
    "gamma-shape-below-1": ("gamma", {"mean": 2.0, "sd": 3.0}),
    "exponential": ("exponential", {"mean": 2.5}),
    "beta": ("beta", {"mean": 0.3, "sd": 0.1}),
    "beta-u-shaped": ("beta", {"mean": 0.5, "sd": 0.4}),
}


def _ppf_cdf(family, params):
    """The CDF defined by ``ppf``: interpolate u against ppf(u) on a fine grid."""
    grid = np.linspace(0.0, 1.0, 200_001)[1:-1]
    xs = ppf(family, params, grid)
    assert np.all(np.diff(xs) >= 0), "ppf must be non-decreasing"

    def cdf(x):
        return np.interp(x, xs, grid, left=0.0, right=1.0)

    return cdf


def _quadrature_moments(family, params, m=400_000):
    """Mean and sd of the law defined by ``ppf`` (midpoint rule in u; deterministic)."""
    x = ppf(family, params, (np.arange(m) + 0.5) / m)
    return float(x.mean()), float(x.std())


# --------------------------------------------------------------------------- draw and ppf: one law


@pytest.mark.parametrize("name", list(CONTINUOUS))
def test_draw_and_ppf_are_the_same_law(name):
    family, params = CONTINUOUS[name]
    rng = np.random.default_rng(20240501)
    sample = draw(family, params, rng, N)
    assert sample.shape == (N,)
    assert np.all(np.isfinite(sample))
    # one-sample KS of the numpy draws against the CDF that ppf defines
    result = stats.kstest(sample, _ppf_cdf(family, params))
    assert result.pvalue > P_MIN, f"{name}: KS D={result.statistic:.4f}, p={result.pvalue:.2g}"
    # and two-sample KS of the draws against ppf at independent uniforms
    via_ppf = ppf(family, params, np.random.default_rng(7).random(N))
    result2 = stats.ks_2samp(sample, via_ppf)
    assert result2.pvalue > P_MIN, f"{name}: 2-sample KS D={result2.statistic:.4f}, p={result2.pvalue:.2g}"
    # the sample mean agrees with the ppf law's mean within 4 standard errors
    mu, sd = _quadrature_moments(family, params)
    assert abs(sample.mean() - mu) < 4 * sd / math.sqrt(N), (name, sample.mean(), mu)


@pytest.mark.parametrize("name", list(CONTINUOUS))
def test_draws_stay_in_the_support(name):
    family, params = CONTINUOUS[name]
    d = parse_dist({"dist": family, **params})
    lo, hi = d.support()
    x = draw(family, params, np.random.default_rng(3), N)
    assert x.min() >= lo and x.max() <= hi
    u = np.concatenate([[0.0, 1e-12, 0.5, 1 - 1e-12], np.random.default_rng(4).random(1000)])
    y = ppf(family, params, u)
    finite = y[np.isfinite(y)]
    assert finite.min() >= lo and finite.max() <= hi


# --------------------------------------------------------------------------- ppf against scipy's own laws


@pytest.mark.parametrize(
    "family, params, reference",
    [
        ("uniform", {"min": 2.0, "max": 5.0}, stats.uniform(2, 3)),
        ("triangular", {"min": 1.0, "mode": 2.0, "max": 4.0}, stats.triang(1 / 3, loc=1, scale=3)),
        ("pert", {"min": 4.0, "mode": 6.0, "max": 12.0}, stats.beta(1 + 4 * 0.25, 1 + 4 * 0.75, loc=4, scale=8)),
        ("normal", {"mean": 5.0, "sd": 2.0}, stats.norm(5, 2)),
        ("normal", {"mean": 0.15, "sd": 0.1, "min": 0.0, "max": 1.0}, stats.truncnorm(-1.5, 8.5, loc=0.15, scale=0.1)),
        ("exponential", {"mean": 2.5}, stats.expon(scale=2.5)),
    ],
    ids=["uniform", "triangular", "pert", "normal", "normal-truncated", "exponential"],
)
def test_ppf_matches_the_textbook_law(family, params, reference):
    u = np.linspace(0.001, 0.999, 999)
    np.testing.assert_allclose(ppf(family, params, u), reference.ppf(u), rtol=1e-9, atol=1e-9)


@pytest.mark.parametrize(
    "name", ["lognormal", "lognormal-wide", "gamma", "gamma-shape-below-1", "beta", "beta-u-shaped"]
)
def test_mean_and_sd_are_those_of_the_variable(name):
    """lognormal, gamma and beta are given by the mean and sd of the variable itself.

    ppf: the law's mean and sd by quadrature (deterministic) agree to 0.5 %.
    draws (and ppf at random uniforms): the sample mean is within 4 SE = 4 σ/√n of the
    given mean, and the sample sd within 4 SE of the given sd, where by the delta method
    Var(s²) ≈ (μ₄ − σ⁴)/n, so SE(s) ≈ σ·sqrt((κ − 1)/n)/2 with κ = μ₄/σ⁴ the (non-excess)
    kurtosis of the target law, taken from scipy.  n = 200 000 keeps the delta-method
    approximation accurate even for the heavy-tailed cases.
    """
    family, params = CONTINUOUS[name]
    m, s = params["mean"], params["sd"]
    q_mean, q_sd = _quadrature_moments(family, params, m=500_000)
    assert q_mean == pytest.approx(m, rel=5e-3)
    assert q_sd == pytest.approx(s, rel=5e-3)

    if family == "lognormal":
        s2 = math.log1p((s / m) ** 2)
        law = stats.lognorm(math.sqrt(s2), scale=m * math.exp(-s2 / 2))
    elif family == "gamma":
        law = stats.gamma((m / s) ** 2, scale=s * s / m)
    else:
        k = m * (1 - m) / s**2 - 1
        law = stats.beta(m * k, (1 - m) * k)
    assert law.mean() == pytest.approx(m) and law.std() == pytest.approx(s)  # the reference is right
    kurt = float(law.stats(moments="k")) + 3.0

    n = 200_000
    se_mean = s / math.sqrt(n)
    se_sd = s * math.sqrt((kurt - 1.0) / n) / 2.0
    for label, x in (
        ("draw", draw(family, params, np.random.default_rng(11), n)),
        ("ppf", ppf(family, params, np.random.default_rng(12).random(n))),
    ):
        assert abs(x.mean() - m) < 4 * se_mean, (label, x.mean(), m, se_mean)
        assert abs(x.std(ddof=1) - s) < 4 * se_sd, (label, x.std(ddof=1), s, se_sd)


@pytest.mark.parametrize(
    "params",
    [
        {"min": 4.0, "mode": 6.0, "max": 12.0},
        {"min": 0.09, "mode": 0.13, "max": 0.18},
        {"min": 0.0, "mode": 0.0, "max": 10.0},
        {"min": 1.0, "mode": 3.0, "max": 3.0},
    ],
)
def test_pert_mean(params):
    expected = (params["min"] + 4 * params["mode"] + params["max"]) / 6
    assert mean("pert", params) == pytest.approx(expected)
    q_mean, q_sd = _quadrature_moments("pert", params)
    assert q_mean == pytest.approx(expected, rel=1e-4)
    x = draw("pert", params, np.random.default_rng(5), N)
    assert abs(x.mean() - expected) < 4 * q_sd / math.sqrt(N)


def test_pert_with_min_equal_max_is_that_value():
    params = {"min": 3.0, "mode": 3.0, "max": 3.0}
    assert np.all(draw("pert", params, np.random.default_rng(1), 10) == 3.0)
    assert np.all(ppf("pert", params, np.array([0.0, 0.5, 1.0])) == 3.0)


def test_fixed():
    assert np.all(draw("fixed", {"value": 2.5}, np.random.default_rng(1), 5) == 2.5)
    assert np.all(ppf("fixed", {"value": 2.5}, np.array([0.0, 0.3, 1.0])) == 2.5)


# --------------------------------------------------------------------------- truncated normal


@pytest.mark.parametrize(
    "params",
    [
        {"mean": 0.15, "sd": 0.1, "min": 0.0, "max": 1.0},
        {"mean": 0.0, "sd": 1.0, "min": -0.1, "max": 0.1},     # narrow window at the centre
        {"mean": 0.0, "sd": 1.0, "min": 3.0, "max": 4.0},      # window in the tail
        {"mean": 0.0, "sd": 1.0, "min": 6.0, "max": 7.0},      # window far in the tail
        {"mean": 5.0, "sd": 1.0, "max": 4.0},                  # upper truncation only
    ],
    ids=["probability", "narrow", "tail", "far-tail", "upper-only"],
)
def test_truncated_normal_stays_within_bounds(params):
    lo, hi = params.get("min", -np.inf), params.get("max", np.inf)
    x = draw("normal", params, np.random.default_rng(9), N)
    assert np.all(np.isfinite(x))
    assert x.min() >= lo and x.max() <= hi
    u = np.concatenate([[0.0, 1e-15, 0.5, 1 - 1e-15, 1.0], np.random.default_rng(10).random(1000)])
    y = ppf("normal", params, u)
    assert not np.any(np.isnan(y)) and y.min() >= lo and y.max() <= hi
    assert np.all(np.isfinite(y[1:-1]))  # u = 0 and u = 1 map to an unbounded side's ±inf
    # and it is the truncated normal law, not a normal clipped at the bounds
    a, b = (lo - params["mean"]) / params["sd"], (hi - params["mean"]) / params["sd"]
    law = stats.truncnorm(a, b, loc=params["mean"], scale=params["sd"])
    assert abs(x.mean() - law.mean()) < 4 * law.std() / math.sqrt(N), (x.mean(), law.mean())
    assert mean("normal", params) == pytest.approx(law.mean(), rel=1e-6)


# --------------------------------------------------------------------------- discrete


@pytest.mark.parametrize(
    "values, weights",
    [
        ([1, 2, 3], [0.2, 0.5, 0.3]),
        ([3, 1, 2], [0.3, 0.2, 0.5]),  # values not sorted
        ([1, 2, 3, 4], None),          # equal weights by default
        ([1, 2, 3], [1, 0, 3]),        # a zero weight is never drawn
        ([2, 2.5, 7], [5, 3, 2]),      # weights need not sum to 1
    ],
)
def test_discrete_respects_weights(values, weights):
    params = {"values": values} if weights is None else {"values": values, "weights": weights}
    w = np.ones(len(values)) if weights is None else np.asarray(weights, dtype=float)
    p = w / w.sum()
    for label, x in (
        ("draw", draw("discrete", params, np.random.default_rng(13), N)),
        ("ppf", ppf("discrete", params, np.random.default_rng(14).random(N))),
    ):
        assert set(np.unique(x)) <= set(float(v) for v in values), label
        for v, pv in zip(values, p):
            count = int(np.sum(x == v))
            sigma = math.sqrt(N * pv * (1 - pv))
            if pv == 0:
                assert count == 0, (label, v)
            else:
                assert abs(count - N * pv) < 4 * sigma, (label, v, count, N * pv)
        observed = [int(np.sum(x == v)) for v, pv in zip(values, p) if pv > 0]
        chi = stats.chisquare(observed, [N * pv for pv in p if pv > 0])
        assert chi.pvalue > P_MIN, (label, chi)


def test_discrete_ppf_at_the_edges():
    params = {"values": [1, 2, 3], "weights": [0.2, 0.5, 0.3]}
    got = ppf("discrete", params, np.array([0.0, 0.1999, 0.2001, 0.6999, 0.7001, 1.0]))
    np.testing.assert_array_equal(got, [1, 1, 2, 2, 3, 3])


# --------------------------------------------------------------------------- Sampler


SAMPLER_CASES = {**CONTINUOUS, "fixed": ("fixed", {"value": 4.0}),
                 "discrete": ("discrete", {"values": [1.0, 2.0, 3.0], "weights": [0.2, 0.5, 0.3]})}


@pytest.mark.parametrize("name", list(SAMPLER_CASES))
def test_sampler_sequence_does_not_depend_on_block_size(name):
    """Sampler draws blocks of 8, 16, 32, ... 1024; its values must equal one big draw.

    3000 values cross every block size up to the cap (8 + 16 + ... + 1024 = 2040).
    """
    family, params = SAMPLER_CASES[name]
    n = 3000
    sampler = Sampler(family, params, np.random.default_rng(2024))
    one_by_one = np.array([sampler() for _ in range(n)])
    at_once = draw(family, params, np.random.default_rng(2024), n)
    mismatch = np.flatnonzero(one_by_one != at_once)
    assert mismatch.size == 0, (
        f"{name}: Sampler differs from one draw(size={n}) from the first index {mismatch[0]} on "
        f"({mismatch.size} values differ)"
    )
    assert all(isinstance(v, float) for v in one_by_one[:3].tolist())


# --------------------------------------------------------------------------- Gaussian copula


TARGET = np.array([
    [1.0, 0.6, -0.4],
    [0.6, 1.0, 0.1],
    [-0.4, 0.1, 1.0],
])


def _spearman_se(rho: float, n: int) -> float:
    # SE of Spearman's rho ≈ (1 − ρ²)/√n: the normal-theory approximation (exact at ρ = 0);
    # for a Gaussian copula and |ρ| ≤ 0.6 it is a fair approximation, and 4 SE leaves room.
    return (1 - rho**2) / math.sqrt(n)


def test_correlate_uniforms_gives_the_rank_correlations():
    n = 20_000
    u = np.random.default_rng(99).random((n, 3))
    v = correlate_uniforms(u, copula_factor(TARGET))
    assert v.shape == (n, 3)
    assert np.all((v > 0) & (v < 1))
    achieved = stats.spearmanr(v).statistic
    for i in range(3):
        for j in range(i + 1, 3):
            rho = TARGET[i, j]
            assert abs(achieved[i, j] - rho) < 4 * _spearman_se(rho, n), (i, j, achieved[i, j], rho)
    for j in range(3):
        result = stats.kstest(v[:, j], "uniform")
        assert result.pvalue > P_MIN, (j, result)


def test_copula_with_identity_leaves_uniforms_alone():
    u = np.random.default_rng(1).random((100, 2))
    np.testing.assert_allclose(correlate_uniforms(u, copula_factor(np.eye(2))), u, rtol=1e-9, atol=1e-12)


@pytest.mark.parametrize(
    "matrix",
    [
        [[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]],  # inconsistent three-way correlations
        [[1, 1.5], [1.5, 1]],                            # |rho| > 1
        [[1, 0.5], [0.3, 1]],                            # not symmetric
        [[1, 0.5, 0.2]],                                 # not square
    ],
    ids=["not-positive-definite", "rho-above-1", "not-symmetric", "not-square"],
)
def test_copula_factor_refuses_bad_matrices(matrix):
    with pytest.raises(DistError):
        copula_factor(np.array(matrix, dtype=float))


def test_copula_factor_message_for_inconsistent_correlations():
    with pytest.raises(DistError, match="positive definite"):
        copula_factor(np.array([[1, 0.9, 0.9], [0.9, 1, -0.9], [0.9, -0.9, 1]]))


# --------------------------------------------------------------------------- through a config


#: The shared variant with uncertain inputs, with two correlated pairs: the councils' turnover
#: (South Bucks' made uncertain), and Planning's savings with a parameter of a distribution
#: (the mean of Chiltern's recruitment time, itself uncertain); three review teams possible.
CONFIG = small_config(
    **TWO_SERVICES,
    overrides={
        "programme.review_teams": {"dist": "discrete", "values": [1, 2, 3], "weights": [1, 2, 1]},
        "councils.Chiltern.recruitment_months.mean": {"dist": "uniform", "min": 2, "max": 4},
        "councils.South Bucks.turnover_annual": {"dist": "lognormal", "mean": 0.12, "sd": 0.03},
    },
    correlations=[
        {"between": ["councils.Chiltern.turnover_annual", "councils.South Bucks.turnover_annual"], "rho": 0.6},
        {"between": ["services.Planning.savings_fraction", "councils.Chiltern.recruitment_months.mean"], "rho": -0.5},
    ],
)


def test_config_correlations_reach_the_drawn_values():
    cfg = simshare.load_config(CONFIG)
    specs = replication_parameters(cfg)
    paths = [p.path for p in specs]
    col = {p: j for j, p in enumerate(paths)}
    for p in ("councils.Chiltern.turnover_annual", "councils.South Bucks.turnover_annual",
              "services.Planning.savings_fraction", "councils.Chiltern.recruitment_months.mean",
              "programme.review_teams"):
        assert p in col, paths

    n = 20_000
    u = np.random.default_rng(2012).random((n, len(specs)))
    u_before = u.copy()
    uc = correlate(cfg, specs, u)
    np.testing.assert_array_equal(u, u_before)  # the input is not modified
    values = draw_values(specs, uc)
    assert values.shape == (n, len(specs))

    def rank_corr(a: str, b: str) -> float:
        return float(stats.spearmanr(values[:, col[a]], values[:, col[b]]).statistic)

    for a, b, rho in (
        ("councils.Chiltern.turnover_annual", "councils.South Bucks.turnover_annual", 0.6),
        ("services.Planning.savings_fraction", "councils.Chiltern.recruitment_months.mean", -0.5),
        ("councils.Chiltern.turnover_annual", "services.Planning.savings_fraction", 0.0),
    ):
        got = rank_corr(a, b)
        assert abs(got - rho) < 4 * _spearman_se(rho, n), (a, b, got, rho)

    # uncorrelated columns are passed through untouched
    touched = {col[p] for c in cfg.correlations for p in c.between}
    for j in range(len(specs)):
        if j not in touched:
            np.testing.assert_array_equal(uc[:, j], u[:, j])

    # the marginals are still the configured laws
    t = values[:, col["councils.Chiltern.turnover_annual"]]
    assert t.min() >= 0.09 and t.max() <= 0.18
    assert abs(t.mean() - (0.09 + 4 * 0.13 + 0.18) / 6) < 4 * t.std() / math.sqrt(n)
    s = values[:, col["councils.South Bucks.turnover_annual"]]
    assert abs(s.mean() - 0.12) < 4 * 0.03 / math.sqrt(n)
    teams = values[:, col["programme.review_teams"]]
    assert set(np.unique(teams)) <= {1.0, 2.0, 3.0}
    assert abs(np.mean(teams == 2.0) - 0.5) < 4 * math.sqrt(0.25 / n)
