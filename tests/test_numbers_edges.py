"""Issue 12, the numbers: right values from valid inputs at their edges, and a clean refusal
(ConfigError naming the key; exit 2 on the command line) outside the computable range.

One table-driven test (and a hypothesis fuzz where natural) per kind of fault:

1. truncated normals anywhere, far in either tail too (reference: scipy.stats.truncnorm);
2. exact quantiles, at a discrete step too (reference: the definition in exact decimal
   arithmetic, and scipy's rv_discrete / quadrature of the mixture);
3. correlations: positive semi-definite matrices (ρ = ±1) accepted, duplicate pairs refused,
   slightly inconsistent ones repaired to the nearest correlation matrix (reference: scipy's
   SLSQP on the same problem) with a warning, grossly inconsistent ones refused;
4. Latin hypercube keeps one point per stratum in every column under correlation (Iman–Conover);
5. parameters outside the computable range refused; accepted ones never draw NaN or ∞;
16. a row's draws are the same bits whatever the block of rows it is drawn in;
17. numpy numbers and arrays through the Python API;
18. a million errors of one kind print as ten and a count.
"""

from __future__ import annotations

import math
import pickle
import subprocess
import sys
import time
import tomllib
import warnings
from fractions import Fraction

import numpy as np
import pytest
from hypothesis import HealthCheck, given, note, settings
from hypothesis import strategies as st
from scipy import integrate, optimize, stats

from simshare.config import ConfigError, load_config, replication_parameters
from simshare.config.errors import cap_errors
from simshare.config.loading import CorrelationRepairWarning
from simshare.config.overrides import plain
from simshare.config.parameters import correlation_fit, correlation_repairs, draw_values
from simshare.distributions import (
    HUGE,
    MAX_TAIL_SD,
    TINY,
    U_MAX,
    U_MIN,
    DistError,
    cdf,
    correlate_uniforms,
    draw,
    fit_correlations,
    mean,
    parse_dist,
    pearson_to_spearman,
    ppf,
    quantile,
    spearman_to_pearson,
)
from simshare.engine.sampling import design_uniforms, replication_inputs
from simshare.model.replication import draw_inputs
from simshare.seeds import replication_seed

from conftest import CSB, ROOT
from conftest import MINIMAL as MINIMAL_PATH

MINIMAL = tomllib.loads(MINIMAL_PATH.read_text(encoding="utf-8"))
SERVICE = "services.Revenues and Benefits"
SETTINGS = dict(deadline=None, suppress_health_check=[HealthCheck.too_slow, HealthCheck.filter_too_much])


def _cli(*args: str, timeout: int = 300) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simshare", *args], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


# =========================================================================== 1. truncated normal

INF = math.inf
#: (id, mean, sd, min, max): windows in the bulk, in either tail, far out, narrow, one-sided
WINDOWS = [
    ("issue-upper-tail", 1.0, 1.0, 12.0, 20.0),
    ("issue-lower-mirror", 1.0, 1.0, -18.0, -10.0),
    ("far-upper", 0.0, 1.0, 38.0, 40.0),
    ("far-lower", 0.0, 1.0, -40.0, -38.0),
    ("very-far-narrow", 0.0, 1.0, 1000.0, 1000.5),
    ("near-the-limit", 0.0, 1.0, 0.9 * MAX_TAIL_SD, 0.9 * MAX_TAIL_SD + 1.0),
    ("one-sided-upper-tail", 0.0, 1.0, 8.0, INF),
    ("one-sided-lower-tail", 0.0, 1.0, -INF, -8.0),
    ("one-sided-bulk", 1.0, 2.0, 0.0, INF),
    ("bulk", 0.15, 0.1, 0.0, 1.0),
    ("straddling", 0.0, 1.0, -3.0, 2.0),
    ("from-zero-up", 0.0, 1.0, 0.0, 5.0),
    ("from-zero-down", 0.0, 1.0, -5.0, 0.0),
    ("narrow-centre", 0.0, 1.0, -1e-6, 1e-6),
    ("narrow-off-centre", 0.0, 1.0, 0.5, 0.5 + 1e-7),
    ("money-12-to-20-sd", 1000.0, 250.0, 4000.0, 6000.0),
]


def _normal(mu, sd, lo, hi) -> dict:
    p = {"mean": mu, "sd": sd}
    if lo > -INF:
        p["min"] = lo
    if hi < INF:
        p["max"] = hi
    return p


def _truncnorm(mu, sd, lo, hi):
    return stats.truncnorm((lo - mu) / sd, (hi - mu) / sd, loc=mu, scale=sd)


def _truncnorm_moments(mu, sd, lo, hi) -> tuple[float, float]:
    """Independent reference for the mean and sd (scipy's truncnorm.mean cancels far out: at 1000 sd
    it is off by 1e-8, and its std is NaN): adaptive quadrature of x^k·e^(−x²/2) over the window,
    shifted to the window's point c nearest 0 and rescaled by |c| so that the integrand neither
    underflows nor hides in a corner."""
    a, b = (lo - mu) / sd, (hi - mu) / sd
    c = min(max(0.0, a), b)
    m = max(1.0, abs(c))

    def w(y):
        x = y / m
        return math.exp(-x * (x + 2 * c) / 2)  # e^(−((c + x)² − c²)/2)

    ya, yb = (a - c) * m, (b - c) * m
    width = min(1.0, yb - ya)  # a first moment near 0 is found to an absolute 1e-14 of the width
    moment = [integrate.quad(lambda y: (y / m) ** k * w(y), ya, yb, epsabs=1e-14 * width**(k + 1), epsrel=1e-12,
                             limit=200)[0] for k in range(3)]
    shift = moment[1] / moment[0]
    var = moment[2] / moment[0] - shift**2
    return mu + sd * (c + shift), sd * math.sqrt(max(var, 0.0))


@pytest.mark.parametrize("case", WINDOWS, ids=[w[0] for w in WINDOWS])
def test_truncated_normal_inverse_cdf_matches_scipy(case):
    _, mu, sd, lo, hi = case
    params = _normal(mu, sd, lo, hi)
    law = _truncnorm(mu, sd, lo, hi)
    u = np.concatenate([[U_MIN, 1e-12, 1e-6], np.linspace(0.001, 0.999, 999), [1 - 1e-6, 1 - 1e-12, U_MAX]])
    x = ppf("normal", params, u)
    ref = law.ppf(u)
    spread = float(law.ppf(0.75) - law.ppf(0.25))  # scipy's std cancels to NaN far out; its ppf does not
    assert np.all(np.isfinite(x)) and np.all(np.diff(x) >= 0)
    assert x.min() >= lo and x.max() <= hi
    # each quantile agrees with scipy's truncnorm.ppf (to 1e-10 of the value or 1e-7 of the spread),
    # or, where scipy's ppf loses precision (u near 1 in a window around 0, where it inverts Φ near 1),
    # scipy's cdf (u ≤ ½) or sf (u > ½) of it gives back u to 1e-8 relative in the tail probability
    near = np.abs(x - ref) <= 1e-10 * np.abs(ref) + 1e-7 * spread
    with np.errstate(all="ignore"):
        tail = np.where(u <= 0.5, law.cdf(x) / u, law.sf(x) / (1 - u))
    ok = near | (np.abs(tail - 1) <= 1e-8)
    assert ok.all(), [(float(a), float(b), float(c), float(t)) for a, b, c, t in zip(u[~ok], x[~ok], ref[~ok], tail[~ok])]
    assert near[(u >= 0.001) & (u <= 0.999)].all()
    # the law ppf defines has the truncated normal's mean (midpoint rule in u; the issue's draws
    # were all 20 for a mean of 12.0895)
    m = 200_000
    true_mean, true_sd = _truncnorm_moments(mu, sd, lo, hi)
    q_mean = float(ppf("normal", params, (np.arange(m) + 0.5) / m).mean())
    assert abs(q_mean - true_mean) <= 1e-4 * spread, (q_mean, true_mean)
    assert abs(mean("normal", params) - true_mean) <= 1e-12 * abs(true_mean) + 1e-9 * spread, (mean("normal", params), true_mean)
    # numpy occurrence draws: inside, finite, mean within 4 standard errors (sd ≤ the spread)
    n = 20_000
    d = draw("normal", params, np.random.default_rng(5), n)
    assert np.all(np.isfinite(d)) and d.min() >= lo and d.max() <= hi
    assert abs(d.mean() - true_mean) < 4 * true_sd / math.sqrt(n)


def test_truncated_normal_from_the_issue_through_a_config():
    cfg = load_config(MINIMAL, {f"{SERVICE}.review_months": {"dist": "normal", "mean": 1, "sd": 1, "min": 12, "max": 20}})
    specs = replication_parameters(cfg)
    j = [s.path for s in specs].index(f"{SERVICE}.review_months")
    n = 20_000
    values = draw_values(specs, np.random.default_rng(1).random((n, len(specs))))[:, j]
    law = _truncnorm(1.0, 1.0, 12.0, 20.0)
    assert law.mean() == pytest.approx(12.0895, abs=1e-4)
    assert abs(values.mean() - law.mean()) < 4 * law.std() / math.sqrt(n)
    assert np.mean(values == 20.0) == 0.0


# =========================================================================== 2. exact quantiles

DISCRETE = [
    ("issue", [2, 3, 4], [1, 8, 1]),
    ("decimal-weights", [1, 2, 3], [0.2, 0.5, 0.3]),
    ("unsorted", [3, 1, 2], [0.3, 0.2, 0.5]),
    ("equal-weights", [1, 2, 3, 4], None),
    ("zero-weight", [1, 2, 3], [1, 0, 3]),
    ("zero-weight-first", [1, 2, 3], [0, 1, 1]),
    ("tenths", list(range(1, 11)), [0.1] * 10),
    ("one-value", [7.5], [2]),
    ("sevenths", [0.5, 7.0, 2.5], [1, 2, 4]),
]


def _exact_quantile(values, weights, q: float) -> float:
    """The smallest x with F(x) ≥ q − 10⁻¹² (the documented STEP_TOLERANCE), in exact decimal
    arithmetic (weights and q as written): q = 0.1 is on the step of weights 1, 8, 1 exactly."""
    weights = [1] * len(values) if weights is None else weights
    w = {}
    for v, wt in zip(values, weights):
        w[v] = w.get(v, 0) + Fraction(str(wt))
    total = sum(w.values())
    target = Fraction(str(q)) - Fraction(1, 10**12)
    acc = Fraction(0)
    for v in sorted(w):
        if w[v] == 0:
            continue
        acc += w[v]
        if acc / total >= target:
            return float(v)
    return float(max(v for v in w if w[v] > 0))


@pytest.mark.parametrize("case", DISCRETE, ids=[c[0] for c in DISCRETE])
def test_discrete_quantile_is_the_smallest_value_reaching_p(case):
    _, values, weights = case
    table = {"dist": "discrete", "values": values} | ({} if weights is None else {"weights": weights})
    d = parse_dist(table)
    w = np.ones(len(values)) if weights is None else np.asarray(weights, dtype=float)
    steps = [float(s) for s in np.cumsum(w[np.argsort(values)]) / w.sum()]
    near = [s + d for s in steps for d in (-1e-9, 1e-9) if 0 < s + d < 1]  # clearly either side of a step
    qs = sorted(set([0.0, 1.0, 0.1, 0.9, 0.5, *steps, *near, *np.round(np.linspace(0.0005, 0.9995, 200), 4)]))
    got = quantile(d, qs)
    want = [_exact_quantile(values, weights, q) for q in qs]
    np.testing.assert_array_equal(got, want)
    np.testing.assert_array_equal(ppf("discrete", dict(d.params), np.asarray(qs)), want)
    # and scipy's rv_discrete wherever q is not on a step (there it is at the mercy of rounding)
    keep = w > 0
    vals, probs = np.asarray(values, dtype=float)[keep], w[keep] / w[keep].sum()
    order = np.argsort(vals)
    ref = stats.rv_discrete(values=(np.arange(len(vals)), probs[order]))
    off = np.array([q for q in qs if 0 < q < 1 and min(abs(q - s) for s in steps) > 1e-9])
    np.testing.assert_array_equal(quantile(d, off), vals[order][ref.ppf(off).astype(int)])


def test_tornado_ends_of_the_issue_parameter():
    """The issue: review_teams [2, 3, 4] weighted [1, 8, 1] has P10 = 2 and P90 = 3."""
    cfg = load_config(MINIMAL, {"programme.review_teams": {"dist": "discrete", "values": [2, 3, 4], "weights": [1, 8, 1]}})
    spec = next(s for s in replication_parameters(cfg) if s.path == "programme.review_teams")
    np.testing.assert_array_equal(quantile(spec.dist, [0.1, 0.9]), [2.0, 3.0])


CONTINUOUS_REFERENCES = [
    ("uniform", {"dist": "uniform", "min": 2, "max": 5}, stats.uniform(2, 3)),
    ("triangular", {"dist": "triangular", "min": 1, "mode": 2, "max": 4}, stats.triang(1 / 3, loc=1, scale=3)),
    ("pert", {"dist": "pert", "min": 4, "mode": 6, "max": 12}, stats.beta(2, 4, loc=4, scale=8)),
    ("normal", {"dist": "normal", "mean": 5, "sd": 2}, stats.norm(5, 2)),
    ("lognormal", {"dist": "lognormal", "mean": 3, "sd": 1.5},
     stats.lognorm(math.sqrt(math.log1p(0.25)), scale=3 * math.exp(-math.log1p(0.25) / 2))),
    ("gamma", {"dist": "gamma", "mean": 3, "sd": 1.5}, stats.gamma(4, scale=0.75)),
    ("beta", {"dist": "beta", "mean": 0.3, "sd": 0.1}, stats.beta(0.3 * 20, 0.7 * 20)),
    ("exponential", {"dist": "exponential", "mean": 2.5}, stats.expon(scale=2.5)),
]


@pytest.mark.parametrize("case", CONTINUOUS_REFERENCES, ids=[c[0] for c in CONTINUOUS_REFERENCES])
def test_continuous_quantiles_match_scipy(case):
    _, table, law = case
    q = np.array([0.001, 0.01, 0.1, 0.25, 0.5, 0.75, 0.9, 0.99, 0.999])
    np.testing.assert_allclose(quantile(parse_dist(table), q), law.ppf(q), rtol=1e-9)


def _mixture_reference(cdf_given, q: float, lo: float, hi: float) -> float:
    return optimize.brentq(lambda x: cdf_given(x) - q, lo, hi, xtol=1e-13, rtol=1e-14)


def _lognormal(m, s):
    s2 = math.log1p((s / m) ** 2)
    return stats.lognorm(math.sqrt(s2), scale=m * math.exp(-s2 / 2))


MIXTURES = [
    # an uncertain normal mean: the marginal is normal with the variances added
    ("normal-mean-normal", {"dist": "normal", "mean": {"dist": "normal", "mean": 5, "sd": 1}, "sd": 2},
     lambda q: stats.norm(5, math.sqrt(5)).ppf(q)),
    # a discrete uncertain mean: a two-component mixture
    ("lognormal-mean-discrete", {"dist": "lognormal", "mean": {"dist": "discrete", "values": [2, 4], "weights": [1, 3]}, "sd": 1},
     lambda q: _mixture_reference(lambda x: 0.25 * _lognormal(2, 1).cdf(x) + 0.75 * _lognormal(4, 1).cdf(x), q, 1e-9, 100)),
    # the bundled configs' time to hire: lognormal with a PERT mean (scipy quad over the PERT density)
    ("lognormal-mean-pert", {"dist": "lognormal", "mean": {"dist": "pert", "min": 2.2, "mode": 3.3, "max": 5.3}, "sd": 1.5},
     lambda q: _mixture_reference(
         lambda x: integrate.quad(lambda m: stats.beta(1 + 4 * 11 / 31, 1 + 4 * 20 / 31, loc=2.2, scale=3.1).pdf(m)
                                  * _lognormal(m, 1.5).cdf(x), 2.2, 5.3, epsabs=1e-13, epsrel=1e-11, limit=200)[0],
         q, 1e-6, 200)),
]


@pytest.mark.parametrize("case", MIXTURES, ids=[c[0] for c in MIXTURES])
def test_quantiles_of_a_mixture(case):
    """Parameters that are themselves distributions: the marginal is a mixture; quantile() integrates
    it (no sampling) and agrees with an independent scipy computation."""
    _, table, reference = case
    d = parse_dist(table, allow_nested=True)
    qs = (0.1, 0.9) if "pert" in case[0] else (0.001, 0.1, 0.5, 0.9, 0.999)  # the slow reference: the tornado's ends
    got = quantile(d, qs)
    for q, x in zip(qs, got):
        assert float(x) == pytest.approx(reference(q), rel=1e-7), q


# =========================================================================== 3. correlations

CORR_BASE = """\
[programme]
name = "Correlation edges"
start = 2020-01-01
horizon_months = 36

[[councils]]
name = "A"
turnover_annual = {dist = "pert", min = 0.08, mode = 0.12, max = 0.2}
recruitment_months = 3

[[councils]]
name = "B"
turnover_annual = {dist = "uniform", min = 0.05, max = 0.25}
recruitment_months = 3

[[services]]
name = "S"
budget = {A = 500000, B = 400000}
posts = {A = 10, B = 8}
review_months = {dist = "triangular", min = 3, mode = 5, max = 9}
implementation_months = 6
savings_fraction = {dist = "pert", min = 0.05, mode = 0.1, max = 0.2}
"""
TA, TB = "councils.A.turnover_annual", "councils.B.turnover_annual"
RV, SF = "services.S.review_months", "services.S.savings_fraction"


def _corr(pairs) -> dict:
    raw = tomllib.loads(CORR_BASE)
    raw["correlations"] = [{"between": [a, b], "rho": rho} for a, b, rho in pairs]
    return raw


def _inputs(cfg, n: int, method: str, seed: int = 3) -> dict[str, np.ndarray]:
    values = replication_inputs(cfg, seed, np.arange(n), design_uniforms(cfg, seed, n, method))
    return {s.path: values[:, j] for j, s in enumerate(replication_parameters(cfg))}


def _ranks(x: np.ndarray) -> np.ndarray:
    return stats.rankdata(x, method="ordinal")


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
@pytest.mark.parametrize("rho", [1.0, -1.0])
def test_rank_correlation_of_one_is_accepted_and_exact(rho, method):
    cfg = load_config(_corr([(TA, TB, rho), (TA, SF, 0.3), (TB, SF, 0.3 * rho)]))
    x = _inputs(cfg, 500, method)
    a, b = _ranks(x[TA]), _ranks(x[TB])
    np.testing.assert_array_equal(a, b if rho == 1 else 501 - b)


@pytest.mark.parametrize(
    "pairs",
    [[(TA, TB, 0.8), (TB, TA, -0.8)], [(TA, TB, 0.5), (TA, SF, 0.2), (TA, TB, 0.5)]],
    ids=["reversed-order", "same-order"],
)
def test_a_pair_given_twice_is_refused_naming_both(pairs):
    with pytest.raises(ConfigError) as info:
        load_config(_corr(pairs))
    second = len(pairs) - 1
    line = next(e for e in info.value.errors if e.startswith(f"correlations[{second}].between"))
    assert "correlations[0]" in line and "once" in line, line


def _nearest_correlation_slsqp(c: np.ndarray) -> np.ndarray:
    """Independent reference: minimise the Frobenius distance over unit-diagonal matrices whose
    smallest eigenvalue is ≥ 0, with scipy's SLSQP (3 × 3: three unknowns)."""
    iu = np.triu_indices(3, 1)

    def build(v):
        m = np.eye(3)
        m[iu] = v
        return m + np.triu(m, 1).T

    result = optimize.minimize(lambda v: 2 * np.sum((v - c[iu]) ** 2), c[iu], method="SLSQP",
                               constraints=[{"type": "ineq", "fun": lambda v: np.linalg.eigvalsh(build(v)).min()}],
                               options={"ftol": 1e-15, "maxiter": 500})
    assert result.success, result
    return build(result.x)


#: (id, (AB, AS, BS) rank correlations; None = not given (0)): valid as entered but indefinite after
#: the Spearman → normal-copula conversion, or slightly indefinite as entered
SLIGHT = [
    ("indefinite-after-conversion", (0.95, 0.3, None)),
    ("indefinite-as-entered", (0.9, 0.9, 0.55)),
]


@pytest.mark.parametrize("case", SLIGHT, ids=[c[0] for c in SLIGHT])
def test_slightly_inconsistent_correlations_are_repaired_and_reported(case):
    _, (ab, a_s, b_s) = case
    pairs = [(TA, TB, ab), (TA, SF, a_s)] + ([(TB, SF, b_s)] if b_s is not None else [])
    entered = np.array([[1, ab, a_s], [ab, 1, b_s or 0.0], [a_s, b_s or 0.0, 1]])
    if case[0] == "indefinite-after-conversion":
        assert np.linalg.eigvalsh(entered).min() > 0 > np.linalg.eigvalsh(spearman_to_pearson(entered)).min()
    with pytest.warns(CorrelationRepairWarning) as caught:
        cfg = load_config(_corr(pairs))
    names, fit = correlation_fit(cfg)
    assert names == [TA, TB, SF]
    # the copula's matrix is the nearest correlation matrix to the converted one
    np.testing.assert_allclose(fit.normal, _nearest_correlation_slsqp(spearman_to_pearson(entered)), atol=2e-6)
    assert np.linalg.eigvalsh(fit.normal).min() > -1e-12
    np.testing.assert_allclose(fit.factor @ fit.factor.T, fit.normal, atol=1e-12)
    repairs = correlation_repairs(cfg)
    assert repairs and all(abs(r["used"] - r["entered"]) <= 0.05 for r in repairs)
    message = str(caught[0].message)
    for r in repairs:
        used = pearson_to_spearman(fit.normal)[names.index(r["between"][0]), names.index(r["between"][1])]
        assert r["used"] == pytest.approx(used, abs=1e-12)
        assert f"{r['between'][0]} ↔ {r['between'][1]}: {r['entered']:g} → {r['used']:.4f}" in message
        assert (r["entry"] is None) == (r["entered"] == 0.0 and b_s is None)
    # and the draws have the repaired rank correlations (Monte Carlo, 4 standard errors)
    n = 20_000
    x = _inputs(cfg, n, "mc")
    for r in repairs:
        got = stats.spearmanr(x[r["between"][0]], x[r["between"][1]]).statistic
        assert abs(got - r["used"]) < 4 * (1 - r["used"] ** 2) / math.sqrt(n) + 1e-3


@pytest.mark.parametrize(
    "pairs, named",
    [
        ([(TA, TB, 0.9), (TA, SF, 0.9), (TB, SF, -0.9)], ["correlations[0]", "correlations[1]", "correlations[2]"]),
        ([(TA, TB, 0.9), (TB, SF, 0.9)], ["(not given, so 0)"]),
    ],
    ids=["three-way", "implicit-zero"],
)
def test_grossly_inconsistent_correlations_are_refused_naming_the_entries(pairs, named):
    with pytest.raises(ConfigError) as info:
        load_config(_corr(pairs))
    line = next(e for e in info.value.errors if e.startswith("correlations:"))
    assert "positive definite" in line
    for entry in named:
        assert entry in line, line


def test_correlation_repair_on_the_command_line(tmp_path):
    slight = tmp_path / "slight.toml"
    slight.write_text(CORR_BASE + f'\n[[correlations]]\nbetween = ["{TA}", "{TB}"]\nrho = 0.95\n'
                      f'[[correlations]]\nbetween = ["{TA}", "{SF}"]\nrho = 0.3\n', encoding="utf-8")
    gross = tmp_path / "gross.toml"
    gross.write_text(CORR_BASE + f'\n[[correlations]]\nbetween = ["{TA}", "{TB}"]\nrho = 0.9\n'
                     f'[[correlations]]\nbetween = ["{TB}", "{SF}"]\nrho = 0.9\n', encoding="utf-8")
    ok = _cli("validate", str(slight))
    assert ok.returncode == 0 and "ok" in ok.stdout, ok.stderr
    assert "nearest consistent set" in ok.stderr and "0.95 → 0.9459" in ok.stderr, ok.stderr
    bad = _cli("validate", str(gross))
    assert bad.returncode == 2 and "Traceback" not in bad.stderr
    assert "correlations" in bad.stderr and "(not given, so 0)" in bad.stderr


@pytest.mark.parametrize("k", [2, 3, 5])
def test_singular_copula_factor_reproduces_the_matrix(k):
    """ρ = 1 within a group: positive semi-definite, not definite; the eigen factor still gives F·Fᵀ = C."""
    rng = np.random.default_rng(k)
    r = np.eye(k)
    r[0, 1] = r[1, 0] = 1.0
    for j in range(2, k):
        r[0, j] = r[j, 0] = r[1, j] = r[j, 1] = rng.uniform(-0.3, 0.3)
    fit = fit_correlations(r)
    assert not fit.repaired
    np.testing.assert_allclose(fit.factor @ fit.factor.T, spearman_to_pearson(r) + np.eye(k) * 0, atol=1e-12)
    np.testing.assert_array_equal(fit.factor[0], fit.factor[1])


# =========================================================================== 4. Latin hypercube + correlation

LHS_CASES = [
    ("one-pair", [(TA, TB, 0.6)]),
    ("three", [(TA, TB, 0.6), (TA, SF, -0.4), (RV, SF, 0.3)]),
    ("comonotone", [(TA, TB, 1.0), (RV, SF, -0.5)]),
    ("comonotone-and-antitone", [(TA, TB, 1.0), (TA, SF, -1.0), (TB, SF, -1.0), (TA, RV, 0.2), (TB, RV, 0.2), (SF, RV, -0.2)]),
    ("repaired", [(TA, TB, 0.95), (TA, SF, 0.3)]),
]


@pytest.mark.parametrize("case", LHS_CASES, ids=[c[0] for c in LHS_CASES])
def test_latin_hypercube_keeps_its_strata_under_correlation(case):
    _, pairs = case
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", CorrelationRepairWarning)
        cfg = load_config(_corr(pairs))
    n = 400
    specs = replication_parameters(cfg)
    u = design_uniforms(cfg, 11, n, "lhs")
    for j, spec in enumerate(specs):
        strata = np.floor(np.asarray(u[:, j]) * n).astype(int)
        assert np.array_equal(np.sort(strata), np.arange(n)), f"{spec.path}: {len(set(strata))}/{n} strata"
    assert u.correlated and pickle.loads(pickle.dumps(u)).correlated  # so the copula is not applied again
    values = replication_inputs(cfg, 11, np.arange(n), u)
    col = {s.path: j for j, s in enumerate(specs)}
    np.testing.assert_array_equal(values[:, col[TA]], ppf(specs[col[TA]].dist.family, dict(specs[col[TA]].dist.params),
                                                          np.asarray(u[:, col[TA]])))
    _, fit = correlation_fit(cfg)
    names = correlation_fit(cfg)[0]
    for a in range(len(names)):
        for b in range(a + 1, len(names)):
            rho = fit.used[a, b]
            got = stats.spearmanr(values[:, col[names[a]]], values[:, col[names[b]]]).statistic
            assert abs(got - rho) <= 4 * (1 - rho**2) / math.sqrt(n) + 1e-9, (names[a], names[b], got, rho)


def test_the_copula_alone_would_lose_the_strata():
    """Guard: a Gaussian copula applied to the same Latin hypercube leaves far fewer singly-held strata,
    so the test above does detect the fault."""
    cfg = load_config(_corr([(TA, TB, 0.6)]))
    n = 400
    specs = replication_parameters(cfg)
    columns = [[s.path for s in specs].index(p) for p in (TA, TB)]
    u = np.column_stack([np.random.default_rng(j).permutation((np.arange(n) + 0.5) / n) for j in range(2)])
    v = correlate_uniforms(u, fit_correlations(np.array([[1, 0.6], [0.6, 1]])).factor)
    singly = [int(np.sum(np.bincount(np.floor(v[:, j] * n).astype(int), minlength=n) == 1)) for j in range(2)]
    assert singly[0] == n and singly[1] < 0.8 * n, singly  # the Cholesky factor's first column is untouched
    assert columns  # the config's correlated columns exist


# =========================================================================== 5. computable range

REFUSED = [
    # (id, override path, value, substrings of the error line after the path)
    ("gamma-mean-1e-300", f"{SERVICE}.review_months", {"dist": "gamma", "mean": 1e-300, "sd": 1e-300}, ["mean", "1e-100"]),
    ("pert-lambda-1e308", f"{SERVICE}.review_months", {"dist": "pert", "min": 3, "mode": 6, "max": 12, "lambda": 1e308}, ["lambda"]),
    ("pert-lambda-5000", f"{SERVICE}.review_months", {"dist": "pert", "min": 3, "mode": 6, "max": 12, "lambda": 5000}, ["lambda", "1000"]),
    ("salary-1e308", f"{SERVICE}.salary", 1e308, ["money", "1,000,000,000,000"]),
    ("budget-1e13", f"{SERVICE}.budget.Eastham", 1e13, ["money", "1,000,000,000,000"]),
    ("budget-lognormal-huge", f"{SERVICE}.one_off_cost", {"dist": "lognormal", "mean": 2e12, "sd": 1e11}, ["money", "2e+12"]),
    ("rate-1000", "councils.Eastham.turnover_annual", 1000.0, ["rate", "100"]),
    ("rate-subnormal", "councils.Eastham.turnover_annual", 1e-320, ["rate", "2.225e-308"]),
    ("gamma-sd-tiny", f"{SERVICE}.review_months", {"dist": "gamma", "mean": 3, "sd": 1e-120}, ["sd", "1e-100"]),
    ("multiplier-1e6", "programme.change_turnover_multiplier", 1e6, ["multiplier", "100"]),
    ("months-1e9", f"{SERVICE}.ramp_months", 1e9, ["months", "100,000"]),
    ("normal-window-far", f"{SERVICE}.review_months", {"dist": "normal", "mean": 1, "sd": 1e-3, "min": 12, "max": 20},
     ["standard deviations", "10000"]),
    ("beta-too-narrow", "councils.Eastham.recruitment_failure", {"dist": "beta", "mean": 0.5, "sd": 1e-9}, ["sd", "1e+12"]),
    ("beta-shape-zero", "councils.Eastham.recruitment_failure", {"dist": "beta", "mean": 0.5, "sd": 0.4999999999}, ["sd"]),
    ("discrete-weight-huge", "programme.review_teams", {"dist": "discrete", "values": [1, 2], "weights": [1, 1e300]}, ["weights"]),
    ("discrete-value-tiny", "programme.committee_first_month", {"dist": "discrete", "values": [0, 5e-324]}, ["values"]),
    ("nested-mean-reaching-beyond", "councils.Eastham.recruitment_months",
     {"dist": "lognormal", "mean": {"dist": "normal", "mean": 5e4, "sd": 1e4, "min": 1}, "sd": 1}, ["months", "100,000"]),
    ("nested-sd-near-zero", "councils.Eastham.recruitment_months",
     {"dist": "gamma", "mean": 3, "sd": {"dist": "uniform", "min": 1e-120, "max": 1}}, ["sd"]),
    ("exponential-mean-huge", "councils.Eastham.recruitment_months", {"dist": "exponential", "mean": 1e20}, ["mean"]),
    ("uniform-span-overflows", f"{SERVICE}.review_months", {"dist": "uniform", "min": 0, "max": 1e308}, ["max"]),
]


@pytest.mark.parametrize("case", REFUSED, ids=[c[0] for c in REFUSED])
def test_parameters_outside_the_computable_range_are_refused(case):
    _, path, value, words = case
    with pytest.raises(ConfigError) as info:
        load_config(MINIMAL, {path: value})
    lines = info.value.errors
    # the key is named (as services["NAME"].x / councils["NAME"].x / programme.x, or the --set path) and the range is said
    key = path.split(".")[-1] if not path.endswith("Eastham") or "budget" not in path else "budget.Eastham"
    line = next((e for e in lines if key in e.split(":")[0]), None)
    assert line is not None, lines
    for w in words:
        assert w in line, (w, line)


def test_issue_examples_exit_2_on_the_command_line(tmp_path):
    text = MINIMAL_PATH.read_text(encoding="utf-8")
    edits = {
        "gamma": ("review_months = {dist = \"pert\", min = 3, mode = 6, max = 12}",
                  "review_months = {dist = \"gamma\", mean = 1e-300, sd = 1e-300}", 'services["Revenues and Benefits"].review_months'),
        "lambda": ("review_months = {dist = \"pert\", min = 3, mode = 6, max = 12}",
                   "review_months = {dist = \"pert\", min = 3, mode = 6, max = 12, lambda = 1e308}", 'services["Revenues and Benefits"].review_months'),
        "salary": ("implementation_months = 18", "implementation_months = 18\nsalary = 1e308", 'services["Revenues and Benefits"].salary'),
    }
    for name, (old, new, key) in edits.items():
        assert text.count(old) == 1, old
        path = tmp_path / f"{name}.toml"
        path.write_text(text.replace(old, new), encoding="utf-8")
        proc = _cli("validate", str(path))
        assert proc.returncode == 2 and "Traceback" not in proc.stderr, proc.stderr
        assert key in proc.stderr, proc.stderr


# ---- accepted parameters never draw NaN or ∞ (hypothesis)


def _size():
    """Numbers across every magnitude a user might type, well beyond the accepted range."""
    return st.one_of(
        st.builds(lambda e, s: s * 10.0**e, st.floats(-330, 308), st.sampled_from([1.0, -1.0])),
        st.floats(-1e6, 1e6, allow_nan=False, allow_infinity=False),
        st.sampled_from([0.0, 1.0, TINY, HUGE, 5e-324, 1.7976931348623157e308]),
    )


def _positive():
    return st.builds(abs, _size())


@st.composite
def tables(draw, nested: bool = True):
    family = draw(st.sampled_from(["fixed", "uniform", "triangular", "pert", "normal", "lognormal", "gamma",
                                   "exponential", "beta", "discrete"]))
    sub = tables(nested=False) if nested else None

    def number(strategy):
        if sub is not None and draw(st.integers(0, 5)) == 0:
            return draw(sub)
        return draw(strategy)

    if family == "fixed":
        return {"dist": "fixed", "value": draw(_size())}
    if family == "discrete":
        k = draw(st.integers(1, 5))
        return {"dist": "discrete", "values": [draw(_size()) for _ in range(k)],
                "weights": [draw(_positive()) for _ in range(k)]}
    if family in ("uniform", "triangular", "pert"):
        a, b, c = sorted(draw(_size()) for _ in range(3))
        t = {"dist": family, "min": a, "max": c} | ({"mode": b} if family != "uniform" else {})
        if family == "pert" and draw(st.booleans()):
            t["lambda"] = draw(_positive())
        return t
    if family == "normal":
        t = {"dist": "normal", "mean": number(_size()), "sd": number(_positive())}
        ends = sorted(draw(_size()) for _ in range(2))
        which = draw(st.sampled_from(["none", "min", "max", "both"]))
        if which in ("min", "both"):
            t["min"] = ends[0]
        if which in ("max", "both"):
            t["max"] = ends[1]
        return t
    if family == "beta":
        m = draw(st.one_of(st.floats(0, 1), st.builds(lambda e: 10.0**e, st.floats(-120, 0))))
        # sd as a fraction of its largest possible value √(m(1 − m)), at every magnitude, or anything
        sd = draw(st.one_of(st.builds(lambda e: math.sqrt(m * (1 - m)) * 10.0**e, st.floats(-12, 0.01)), _positive()))
        return {"dist": "beta", "mean": m, "sd": sd}
    if family == "exponential":
        return {"dist": "exponential", "mean": number(_positive())}
    return {"dist": family, "mean": number(_positive()), "sd": number(_positive())}


def _realisations(d):
    """Numeric parameter sets of a (possibly nested) table at the nested parameters' extremes and middle."""
    nested = d.nested
    if not nested:
        return [dict(d.params)]
    out = []
    for u in (U_MIN, 0.5, U_MAX):
        params = dict(d.params)
        for name, sub in nested:
            params[name] = float(ppf(sub.family, dict(sub.params), np.array([u]))[0])
        out.append(params)
    return out


@settings(max_examples=400, **SETTINGS)
@given(table=tables())
def test_accepted_distributions_draw_finite_values(table):
    try:
        d = parse_dist(table, allow_nested=True)
    except DistError:
        return
    note(repr(d))
    u = np.array([U_MIN, 1e-12, 0.1, 0.5, 0.9, 1 - 1e-12, U_MAX])
    for params in _realisations(d):
        x = ppf(d.family, params, u)
        assert np.all(np.isfinite(x)), (params, x)
        assert np.all(np.diff(x) >= 0), (params, x)
        y = draw(d.family, params, np.random.default_rng(0), 64)
        assert np.all(np.isfinite(y)), (params, y)
        assert math.isfinite(mean(d.family, params))
        c = cdf(d.family, params, x)
        assert np.all((c >= 0) & (c <= 1))


MONEY_KEYS = [f"{SERVICE}.budget.Eastham", f"{SERVICE}.one_off_cost", f"{SERVICE}.salary",
              f"{SERVICE}.redundancy_cost"]
OTHER_KEYS = ["councils.Eastham.turnover_annual", "councils.Eastham.recruitment_failure", f"{SERVICE}.review_months",
              "councils.Eastham.recruitment_months", "programme.change_turnover_multiplier", f"{SERVICE}.savings_fraction"]


@settings(max_examples=150, **SETTINGS)
@given(key=st.sampled_from(MONEY_KEYS + OTHER_KEYS), value=st.one_of(_size(), tables()))
def test_accepted_configs_draw_finite_inputs(key, value):
    try:
        cfg = load_config(MINIMAL, {key: value})
    except ConfigError:
        return
    specs = replication_parameters(cfg)
    u = np.array([[U_MIN] * len(specs), [0.5] * len(specs), [U_MAX] * len(specs), [0.0] * len(specs),
                  [1.0] * len(specs)])
    x = draw_values(specs, u)
    assert np.all(np.isfinite(x)), (key, value, x)


# =========================================================================== 16. bits independent of the block


def _factors(k: int, rng) -> list[np.ndarray]:
    a = rng.standard_normal((k, k + 3))
    pd = np.corrcoef(a)
    rank = np.eye(k)  # variables 0 and 1 comonotone, the rest correlated alike with both
    rank[0, 1] = rank[1, 0] = 1.0
    for j in range(2, k):
        rank[0, j] = rank[j, 0] = rank[1, j] = rank[j, 1] = rng.uniform(-0.4, 0.4)
    return [np.linalg.cholesky(pd), fit_correlations(rank).factor, rng.standard_normal((k, k))]


@pytest.mark.parametrize("k", [2, 3, 5, 9])
@pytest.mark.parametrize("n", [1, 2, 7, 122])
def test_copula_rows_are_the_same_bits_in_any_block(n, k):
    rng = np.random.default_rng(100 * n + k)
    u = rng.random((n, k))
    for factor in _factors(k, rng):
        whole = correlate_uniforms(u, factor)
        for i in range(n):
            np.testing.assert_array_equal(correlate_uniforms(u[i:i + 1], factor)[0], whole[i])
        if n > 2:
            split = np.vstack([correlate_uniforms(u[:2], factor), correlate_uniforms(u[2:], factor)])
            np.testing.assert_array_equal(split, whole)


ELEMENTWISE = [
    ("uniform", {"min": 2.0, "max": 5.0}),
    ("triangular", {"min": 1.0, "mode": 2.0, "max": 4.0}),
    ("pert", {"min": 4.0, "mode": 6.0, "max": 12.0}),
    ("normal", {"mean": 5.0, "sd": 2.0}),
    ("normal", {"mean": 1.0, "sd": 1.0, "min": 12.0, "max": 20.0}),
    ("normal", {"mean": 0.0, "sd": 1.0, "min": -1.0, "max": 3.0}),
    ("lognormal", {"mean": 3.0, "sd": 1.5}),
    ("gamma", {"mean": 3.0, "sd": 1.5}),
    ("beta", {"mean": 0.3, "sd": 0.1}),
    ("exponential", {"mean": 2.5}),
    ("discrete", {"values": (1.0, 2.0, 3.0), "weights": (1.0, 8.0, 1.0)}),
]


@pytest.mark.parametrize("case", ELEMENTWISE, ids=[f"{c[0]}-{i}" for i, c in enumerate(ELEMENTWISE)])
def test_inverse_cdf_is_elementwise_bit_for_bit(case):
    family, params = case
    rng = np.random.default_rng(7)
    n = 122
    u = rng.random(n)
    # parameters as arrays too (as for nested parameters): scale the first numeric one per row
    arrays = dict(params)
    if family != "discrete":
        first = next(iter(params))
        arrays[first] = params[first] * (1 + 0.01 * rng.random(n)) if family != "normal" or first != "mean" else \
            params[first] + 0.01 * rng.random(n)
    whole = ppf(family, arrays, u)
    for i in range(n):
        one = {k: (v[i:i + 1] if isinstance(v, np.ndarray) else v) for k, v in arrays.items()}
        np.testing.assert_array_equal(ppf(family, one, u[i:i + 1]), whole[i:i + 1])


@pytest.mark.parametrize("method", ["mc", "lhs", "sobol"])
def test_correlated_config_draws_are_the_same_bits_in_any_chunk(method):
    """The issue's case: configs/chiltern_south_bucks.toml (correlated turnovers), replications 0..121
    in one block, one by one, and in chunks of 2 and 7 (and for Monte Carlo, the model's own one-row path)."""
    cfg = load_config(CSB)
    assert cfg.correlations
    n, seed = 122, 20240
    design = design_uniforms(cfg, seed, n, method)
    whole = replication_inputs(cfg, seed, np.arange(n), design)
    assert np.all(np.isfinite(whole))
    for size in (1, 2, 7):
        parts = np.vstack([replication_inputs(cfg, seed, np.arange(s, min(s + size, n)), design)
                           for s in range(0, n, size)])
        np.testing.assert_array_equal(parts.view(np.uint64), whole.view(np.uint64))
    if method == "mc":
        for i in (0, 1, 60, 121):
            np.testing.assert_array_equal(draw_inputs(cfg, replication_seed(seed, i)), whole[i])


# =========================================================================== 17. numpy values


NUMPY_OVERRIDES = [
    ("int64", "programme.review_teams", np.int64(2), 2),
    ("int32", "programme.horizon_months", np.int32(48), 48),
    ("float32-exact", f"{SERVICE}.savings_fraction", np.float32(0.25), 0.25),
    ("float64", f"{SERVICE}.savings_fraction", np.float64(0.2), 0.2),
    ("bool", f"{SERVICE}.frontline", np.bool_(True), True),
    ("str-array-order", "programme.order", np.array(["Revenues and Benefits"]), ["Revenues and Benefits"]),
    ("posts-int64", f"{SERVICE}.posts.Eastham", np.int64(20), None),
    ("table-with-arrays", "programme.review_teams",
     {"dist": "discrete", "values": np.arange(1, 4), "weights": np.array([1.0, 2.0, 1.0])}, None),
    ("table-with-numpy-scalars", f"{SERVICE}.review_months",
     {"dist": np.str_("pert"), "min": np.int64(3), "mode": np.float64(6), "max": np.uint8(12)}, None),
]


@pytest.mark.parametrize("case", NUMPY_OVERRIDES, ids=[c[0] for c in NUMPY_OVERRIDES])
def test_numpy_values_are_accepted_like_python_ones(case):
    _, path, value, expected = case
    cfg = load_config(MINIMAL, {np.str_(path): value})
    same = load_config(MINIMAL, {path: plain(value)})
    assert cfg.model_dump() == same.model_dump()
    if expected is not None:
        got = cfg
        for part in path.replace(f"{SERVICE}.", "services.0.").split("."):
            got = got[int(part)] if part.isdigit() else getattr(got, part)
        assert got == expected and type(got) is type(expected), (got, expected)


def test_numpy_values_in_raw_tables():
    raw = plain(MINIMAL)
    raw["programme"]["horizon_months"] = np.int64(48)
    raw["services"][0]["posts"] = {np.str_("Eastham"): np.int64(22), "Westham": np.int16(18)}
    raw["services"][0]["budget"] = {"Eastham": np.float64(1e6), "Westham": np.int64(800000)}
    raw["councils"][0]["turnover_annual"] = {"dist": "pert", "min": np.float32(0.0625), "mode": np.float64(0.12), "max": 0.2}
    raw["councils"][1]["turnover_annual"] = {"dist": "uniform", "min": 0.05, "max": 0.2}
    raw["correlations"] = [{"between": np.array(["councils.Eastham.turnover_annual", "councils.Westham.turnover_annual"]),
                            "rho": np.float64(0.5)}]
    cfg = load_config(raw)
    assert cfg.programme.horizon_months == 48 and type(cfg.programme.horizon_months) is int
    assert cfg.services[0].posts == {"Eastham": 22, "Westham": 18}
    assert cfg.correlations[0].rho == 0.5
    # the raw tables kept for overrides hold plain Python values only
    assert "numpy" not in repr(cfg.raw)


def test_plain_refuses_absurd_nesting():
    deep: list = []
    for _ in range(10_000):
        deep = [deep]
    with pytest.raises(ConfigError, match="nested"):
        load_config(MINIMAL, {"programme.order": deep})


# =========================================================================== 18. capped error lists


def test_a_million_bad_order_entries_give_a_few_lines():
    raw = plain(MINIMAL)
    raw["programme"]["order"] = [f"S{i}" for i in range(1_000_000)]
    start = time.perf_counter()
    with pytest.raises(ConfigError) as info:
        load_config(raw)
    elapsed = time.perf_counter() - start
    err = info.value
    assert len(err.all_errors) == 1_000_000
    assert len(err.errors) == 11
    assert err.errors[0].startswith("programme.order[0]: unknown service 'S0'")
    assert err.errors[-1] == "… and 999,990 more like this (programme.order[…])"
    assert len(str(err).splitlines()) == 12
    assert elapsed < 60, elapsed


@pytest.mark.parametrize(
    "errors, shown",
    [
        ([f"x[{i}]: bad 'n{i}'" for i in range(10)], [f"x[{i}]: bad 'n{i}'" for i in range(10)]),
        ([f"x[{i}]: bad 'n{i}'" for i in range(12)],
         [f"x[{i}]: bad 'n{i}'" for i in range(10)] + ["… and 2 more like this (x[…])"]),
        # two kinds interleaved: each capped on its own, in order
        ([e for i in range(15) for e in (f"a[{i}]: unknown {i}", f"b.c[{i}]: must be text, got {i}")],
         [e for i in range(10) for e in (f"a[{i}]: unknown {i}", f"b.c[{i}]: must be text, got {i}")][:-1]
         + ["… and 5 more like this (a[…])", "b.c[9]: must be text, got 9", "… and 5 more like this (b.c[…])"]),
        # different messages at one path are different kinds
        ([f"p[{i}]: first" for i in range(3)] + [f"p[{i}]: second" for i in range(3)],
         [f"p[{i}]: first" for i in range(3)] + [f"p[{i}]: second" for i in range(3)]),
    ],
    ids=["ten", "twelve", "two-kinds", "kinds-by-message"],
)
def test_cap_errors(errors, shown):
    assert cap_errors(errors) == shown


def test_capped_errors_on_the_command_line(tmp_path):
    text = MINIMAL_PATH.read_text(encoding="utf-8")
    names = ", ".join(f'"S{i}"' for i in range(100_000))
    ints = ", ".join(str(i) for i in range(50_000))
    bad = tmp_path / "bad.toml"
    bad.write_text(text.replace("horizon_months = 60", f"horizon_months = 60\norder = [{names}]"), encoding="utf-8")
    assert "order = [" in bad.read_text(encoding="utf-8")
    proc = _cli("validate", str(bad))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    lines = proc.stderr.splitlines()
    assert len(lines) <= 15, lines[:20]
    assert "… and 99,990 more like this (programme.order[…])" in proc.stderr
    typed = tmp_path / "typed.toml"
    typed.write_text(text.replace("horizon_months = 60", f"horizon_months = 60\norder = [{ints}]"), encoding="utf-8")
    proc = _cli("validate", str(typed))
    assert proc.returncode == 2 and "Traceback" not in proc.stderr
    assert len(proc.stderr.splitlines()) <= 15 and "… and 49,990 more like this" in proc.stderr, proc.stderr[:2000]
