"""Sensitivity (issue 4): rank correlations, tornado, Morris, Sobol, time-resolved indices,
switching values and the ``simshare sensitivity`` command.

The configs are tiny and deterministic apart from the parameters under study (no turnover,
fixed durations, approval certain), so indices and switching values can be checked against
figures worked out by hand from docs/model.md's discounting rule: a flow at month t weighs
(1.035)^(−t/12) = exp(−δt).
"""

from __future__ import annotations

import math

import numpy as np
import pytest
import xarray as xr

import simshare
from simshare.analysis import sensitivity as sens

from conftest import MINIMAL, service, small_config

DELTA = math.log(1.035) / 12

SF = "services.Svc.savings_fraction"
COST = "services.Svc.one_off_cost"
IMPL = "services.Svc.implementation_months"

# The shared small config (conftest.small_config) over four years: one service, Svc, in North and
# South, where nobody leaves: combined budget £1.6m, 20 posts; review 2 months, approved at the
# month-2 meeting, implementation 2–6, live at 6 (no ramp), unless a test's service keys say otherwise.
HORIZON = 48


def pv_step(start, end):
    """∫ₛᵉ exp(−δt) dt: present value of £1 a month from ``start`` to ``end``."""
    return (math.exp(-DELTA * start) - math.exp(-DELTA * end)) / DELTA


# one parameter drives everything: a wide savings fraction; a tiny cost and a tiny implementation range
ONE_DRIVER = small_config([service(
    savings_fraction={"dist": "uniform", "min": 0.02, "max": 0.3},
    one_off_cost={"dist": "uniform", "min": 10_000, "max": 10_500},
    implementation_months={"dist": "uniform", "min": 4, "max": 4.05},
)], horizon=HORIZON)


# --------------------------------------------------------------------------- one driver


@pytest.fixture(scope="module")
def one_driver_run():
    return simshare.simulate(ONE_DRIVER, replications=200, seed=3)


def test_rank_correlations_find_the_one_driver(one_driver_run):
    table = sens.rank_correlations(one_driver_run, "npv")
    assert list(table.index)[0] == SF
    assert table.loc[SF, "spearman"] > 0.95
    assert table.loc[SF, "src"] > 0.95
    assert table.loc[COST, "src"] < 0, "a dearer implementation lowers NPV"
    assert table.loc[IMPL, "src"] < 0, "a longer implementation goes live later"
    assert table.attrs["r2"] > 0.99
    assert set(table.columns) >= {"spearman", "src", "srrc"}


def test_rank_correlations_by_year_have_a_year_per_programme_year(one_driver_run):
    by_year = sens.rank_correlations_by_year(one_driver_run)
    assert by_year.sizes["year"] == 4
    assert list(by_year["month"].values) == [12, 24, 36, 48]
    assert set(by_year["series"].values) == {"savings_run_rate", "resilience"}
    # the run-rate after go-live (month 6) is savings_fraction × budget: perfectly rank-correlated
    assert by_year["spearman_by_year"].sel(series="savings_run_rate", year=2, parameter=SF) > 0.999


def test_months_not_reached_rank_last():
    x = np.array([[1.0], [2.0], [3.0], [4.0]])
    table = sens.rank_table(x, ["p"], np.array([10.0, 20.0, np.nan, 40.0]), months=True)
    # ranks of y with NaN as +inf: 1, 2, 4, 3 → Spearman with 1, 2, 3, 4 is 0.8
    assert table.loc["p", "spearman"] == pytest.approx(0.8)
    assert table.attrs["not_reached"] == 1


def test_tornado_puts_the_one_driver_on_top():
    result = sens.tornado(ONE_DRIVER, replications=20, seed=2)
    assert [str(p) for p in result["parameter"].values][0] == SF
    swings = result["swing_p50"].values
    assert swings[0] > 20 * swings[1]
    assert result.attrs["variable"] == "npv"
    assert result.sizes["year"] == 4


def test_morris_mu_star_largest_by_far():
    result = sens.morris(ONE_DRIVER, trajectories=10, seed=4)
    names = [str(p) for p in result["parameter"].values]
    assert names[0] == SF
    assert result["mu_star"].values[0] > 20 * result["mu_star"].values[1:].max()
    assert result.sizes["year"] == 4
    assert "mu_star_by_year" in result


def test_sobol_gives_the_one_driver_nearly_all_the_variance():
    result = sens.sobol(ONE_DRIVER, n=128, seed=5)
    st = result["ST"].to_series()
    assert st[SF] > 0.9
    assert st[COST] < 0.1 and st[IMPL] < 0.1
    assert result["S1"].sel(parameter=SF) > 0.9
    # time-resolved: one index per parameter per programme year and series
    assert result["ST_by_year"].dims == ("series", "year", "parameter")
    assert result.sizes["year"] == 4
    assert float(result["ST_by_year"].sel(series="savings_run_rate", year=3, parameter=SF)) > 0.9


def test_design_rows_of_a_group_share_their_random_numbers():
    cfg = simshare.load_config(MINIMAL)
    design = sens.Design(cfg, ["services.Revenues and Benefits.savings_fraction"], "npv", 1, {}, 100)
    groups = np.array([0, 0, 0, 1, 1, 1])
    u = np.linspace(0.1, 0.9, 6)[:, None]
    values = design.values(u, groups)
    review = values[:, design.all_paths.index("services.Revenues and Benefits.review_months")]
    assert review[0] == review[1] == review[2] and review[3] == review[4] == review[5]
    assert review[0] != review[3]
    sf = values[:, design.columns[0]]
    assert len(set(sf)) == 6, "the sampled column follows the design"


# --------------------------------------------------------------------------- the Sobol/Morris plumbing on a toy


def test_linear_toy_sobol_indices_are_recovered():
    a = np.array([1.0, 2.0, 3.0])
    expected = a**2 / np.sum(a**2)  # Y = Σ aᵢXᵢ, Xᵢ ~ U(0, 1) independent: Sᵢ = STᵢ = aᵢ² / Σ aⱼ²
    seen_groups = []

    def model(u, groups):
        seen_groups.append(groups)
        return u @ a

    result = sens.sobol_indices(model, ["x1", "x2", "x3"], n=2048, seed=7)
    for key in ("S1", "ST"):
        est, conf = result[key].values, result[f"{key}_conf"].values
        tolerance = np.maximum(3 * conf, 0.05)
        assert np.all(np.abs(est - expected) <= tolerance), (key, est, conf, expected)
    groups = seen_groups[0]
    assert len(groups) == 2048 * 5 and np.all(np.bincount(groups) == 5)


def test_linear_toy_morris_effects_are_exact():
    a = np.array([1.0, -2.0, 3.0])
    result = sens.morris_indices(lambda u, g: u @ a, ["x1", "x2", "x3"], trajectories=20, levels=4, seed=3)
    # a step of Δ on the design scale moves the uniform by Δ·(p−1)/p: every effect is aᵢ·3/4
    np.testing.assert_allclose(result["mu_star"].values, np.abs(a) * 0.75, rtol=1e-9)
    np.testing.assert_allclose(result["mu"].values, a * 0.75, rtol=1e-9)
    np.testing.assert_allclose(result["sigma"].values, 0.0, atol=1e-9)


# --------------------------------------------------------------------------- tornado by hand


def test_tornado_order_and_swing_by_hand():
    cfg = small_config([service(
        savings_fraction={"dist": "uniform", "min": 0.05, "max": 0.25},
        one_off_cost={"dist": "uniform", "min": 10_000, "max": 10_100},
    )], horizon=HORIZON)
    result = sens.tornado(cfg, replications=15, seed=1)
    assert [str(p) for p in result["parameter"].values] == [SF, COST]
    assert result["low"].sel(parameter=SF) == pytest.approx(0.07)
    assert result["high"].sel(parameter=SF) == pytest.approx(0.23)
    # savings of savings_fraction × £1.6m a year from go-live (month 6) to the horizon (48); the
    # cost's values are the same in both scenarios (common random numbers), so they cancel
    swing = (0.23 - 0.07) * 1_600_000 / 12 * pv_step(6, 48)
    assert float(result["swing_p50"].sel(parameter=SF)) == pytest.approx(swing, rel=1e-6)
    assert float(result["swing_mean"].sel(parameter=SF)) == pytest.approx(swing, rel=1e-6)
    # the cost, £80 between P10 and P90, spread over the implementation (months 2-6)
    cost_swing = 80 / 4 * pv_step(2, 6)
    assert float(result["swing_mean"].sel(parameter=COST)) == pytest.approx(cost_swing, rel=1e-6)


def test_tornado_holds_nested_parameters_and_their_parents():
    # review length: uniform from an uncertain minimum (itself uniform 1-2) to 3 months — a mixture
    cfg = small_config([service(review={"dist": "uniform", "min": {"dist": "uniform", "min": 1, "max": 2}, "max": 3},
                                savings_fraction={"dist": "uniform", "min": 0.05, "max": 0.25})], horizon=HORIZON)
    nested, parent = "services.Svc.review_months.min", "services.Svc.review_months"
    result = sens.tornado(cfg, replications=10, seed=1)
    assert set(map(str, result["parameter"].values)) == {SF, nested, parent}
    source = result["quantiles_from"].to_series()
    assert source[nested] == "distribution" and source[parent] == "mixture"
    assert float(result["low"].sel(parameter=nested)) == pytest.approx(1.1)
    # P10 and P90 of the mixture against an independent Monte Carlo of it
    rng = np.random.default_rng(0)
    draws = rng.uniform(rng.uniform(1, 2, 400_000), 3)
    expected = np.quantile(draws, [0.1, 0.9])
    got = [float(result[k].sel(parameter=parent)) for k in ("low", "high")]
    np.testing.assert_allclose(got, expected, atol=0.01)


# --------------------------------------------------------------------------- switching values by hand


def test_switching_value_of_a_linear_cost_by_hand():
    cfg = small_config([service(one_off_cost={"dist": "uniform", "min": 0, "max": 5_000_000})], horizon=HORIZON)
    result = sens.switching_value(cfg, COST, "npv_p50", replications=3, seed=1)
    savings = 0.1 * 1_600_000 / 12 * pv_step(6, 48)  # £160k a year from month 6
    weight = pv_step(2, 6) / 4                        # £1 of one-off cost, spread over months 2-6
    assert result["found"]
    assert result["value"] == pytest.approx(savings / weight, rel=1e-3)
    assert result["at_lo"] == pytest.approx(savings, rel=1e-6)
    assert result["at_hi"] == pytest.approx(savings - 5_000_000 * weight, rel=1e-6)


def test_switching_value_of_the_target_probability_by_hand():
    cfg = small_config([service(savings_fraction={"dist": "uniform", "min": 0.01, "max": 0.3})], horizon=HORIZON,
                       savings_target=150_000, target_month=24)
    result = sens.switching_value(cfg, SF, "target_50", replications=3, seed=1)
    assert result["found"]
    assert result["value"] == pytest.approx(150_000 / 1_600_000, rel=1e-3)
    assert result["at_lo"] == 0.0 and result["at_hi"] == 1.0


def test_no_switching_value_says_so():
    cfg = small_config([service(savings_fraction={"dist": "uniform", "min": 0.05, "max": 0.25})], horizon=HORIZON)
    result = sens.switching_value(cfg, SF, "npv_p50", replications=3, seed=1)
    assert not result["found"] and math.isnan(result["value"])
    assert "no switching value within [0.05, 0.25]" in result["note"]
    assert result["at_lo"] > 0 and result["at_hi"] > 0


# --------------------------------------------------------------------------- command line


def test_cli_tornado_writes_results(tmp_path, simshare_cli):
    out = tmp_path / "out"
    result = simshare_cli("sensitivity", MINIMAL, "--method", "tornado", "-n", "30", "-o", str(out), "-q",
                          "--screen-replications", "100")
    assert result.returncode == 0, result.stderr
    assert "Traceback" not in result.stderr
    assert "swing" in result.stdout and "Spearman" in result.stdout
    assert sorted(p.name for p in out.iterdir()) == ["sensitivity-tornado.csv", "sensitivity-tornado.nc",
                                                     "sensitivity-tornado.png"]
    with xr.open_dataset(out / "sensitivity-tornado.nc") as ds:
        assert ds.attrs["method"] == "tornado"
        assert "swing_p50" in ds and "spearman" in ds
        assert ds.sizes["parameter"] == 3  # review_months, savings_fraction, realisation


def test_cli_unknown_parameter_exits_2_naming_it(tmp_path, simshare_cli):
    result = simshare_cli("sensitivity", MINIMAL, "--parameters", "services.Nope.savings_fraction",
                          "-o", str(tmp_path / "o"), "-q")
    assert result.returncode == 2
    assert "services.Nope.savings_fraction" in result.stderr
    assert "services.Revenues and Benefits.savings_fraction" in result.stderr, "lists the valid choices"
    assert "Traceback" not in result.stderr


def test_cli_unknown_output_variable_exits_2_naming_it(tmp_path, simshare_cli):
    result = simshare_cli("sensitivity", MINIMAL, "--for", "profit", "-o", str(tmp_path / "o"), "-q")
    assert result.returncode == 2
    assert "profit" in result.stderr and "programme_complete_month" in result.stderr
    assert "Traceback" not in result.stderr
