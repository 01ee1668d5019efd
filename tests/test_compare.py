"""Scenario comparison under common random numbers (simshare.analysis.compare, ``simshare compare``).

The base, the config's ``[[scenarios]]`` and the status quo run in one call, replication i of
each drawing the same random numbers; the table reads each scenario against the base
replication by replication (paired differences).
"""

from __future__ import annotations

import json
import re
import tomllib
from pathlib import Path

import numpy as np
import pandas as pd
import pytest
import tomli_w
import xarray as xr

from simshare.analysis.compare import compare, paired_differences, scenario_configs, scenario_figures
from simshare.analysis.compare_text import format_comparison
from simshare.analysis.statistics import statistic_ci
from simshare.config import ConfigError, load_config

from conftest import MINIMAL, SHARED_PLANNING, council, service, small_config

SERVICES = ("Licensing", "Planning", "Waste")

#: Two councils, three services reviewed one at a time; turnover and uncertain durations; two scenarios.
CONFIG = small_config(
    [service(name,
             budget={"A": 300_000 + 100_000 * k, "B": 250_000 + 50_000 * k},
             posts={"A": 6 + k, "B": 5 + k},
             specialists={"A": 1, "B": 1},
             review={"dist": "pert", "min": 2, "mode": 4, "max": 8},
             implementation={"dist": "pert", "min": 4, "mode": 6, "max": 12},
             savings_fraction={"dist": "pert", "min": 0.05, "mode": 0.12, "max": 0.2})
     for k, name in enumerate(SERVICES)],
    councils=[council(name, turnover_annual=0.12, recruitment_months={"dist": "lognormal", "mean": 3.0, "sd": 1.5})
              for name in ("A", "B")],
    horizon=48, name="Test programme", start="2025-04-01", savings_target=150_000, target_month=36,
    scenarios=[
        {"name": "two review teams", "set": {"programme.review_teams": 2}},
        {"name": "planning first", "set": {"programme.order": ["Planning", "Licensing", "Waste"]},
         "description": "phasing: the biggest service first"},
    ],
)


@pytest.fixture(scope="module")
def compared() -> xr.Dataset:
    return compare(CONFIG, baseline=True, replications=40, seed=3)


# --------------------------------------------------------------------------- common random numbers


def test_common_random_numbers_cut_the_variance_of_a_paired_difference():
    # A second review team on the shared planning config: both reviews can run at once, but one
    # implementation slot still serialises go-live, so the effect on NPV is modest (about +£0.1m
    # against a spread of about £0.5m between futures). Under common random numbers the futures'
    # own noise (turnover, recruitment, savings fractions) cancels in the paired difference;
    # between independent runs (different seeds) it does not, and swamps the effect.
    raw = tomllib.loads(SHARED_PLANNING.read_text())
    raw["scenarios"] = [{"name": "two review teams", "set": {"programme.review_teams": 2}}]
    same = compare(raw, ["two review teams"], replications=150, seed=1)
    other = compare(raw, ["two review teams"], replications=150, seed=2)
    paired = same["npv"].sel(scenario="two review teams") - same["npv"].sel(scenario="base")
    independent = other["npv"].sel(scenario="two review teams").values - same["npv"].sel(scenario="base").values
    assert float(paired.var()) < 0.5 * float(np.var(independent))
    assert np.array_equal(same["inputs"].sel(scenario="base").values[:, :3],
                          same["inputs"].sel(scenario="two review teams").values[:, :3], equal_nan=True)


# --------------------------------------------------------------------------- the dataset


def test_base_scenarios_and_status_quo_share_one_dataset(compared):
    assert [str(s) for s in compared["scenario"].values] == ["base", "two review teams", "planning first", "status quo"]
    definitions = json.loads(compared.attrs["scenario_definitions"])
    assert definitions["two review teams"]["set"] == {"programme.review_teams": 2}
    assert definitions["planning first"]["set"] == {"programme.order": ["Planning", "Licensing", "Waste"]}
    start = compared["review_start"]
    # one review team: the first service in phasing order starts at once, the others wait
    assert (start.sel(scenario="base", service="Licensing") == 0).all()
    assert (start.sel(scenario="base", service="Planning") > 0).all()
    assert (start.sel(scenario="planning first", service="Planning") == 0).all()
    assert (start.sel(scenario="planning first", service="Licensing") > 0).all()
    # two review teams: two services start at once
    assert (start.sel(scenario="two review teams", service=["Licensing", "Planning"]) == 0).all()
    # the status quo has no programme
    assert np.isnan(compared["programme_complete_month"].sel(scenario="status quo")).all()
    assert (compared["npv"].sel(scenario="status quo") == 0).all()


def test_scenarios_can_be_named_and_unknown_names_are_refused():
    cfg = load_config(CONFIG)
    assert list(scenario_configs(cfg, ["planning first"])) == ["base", "planning first"]
    assert list(scenario_configs(cfg, [], baseline=True)) == ["base", "status quo"]
    with pytest.raises(ConfigError, match="no scenario named 'three teams'.*'two review teams', 'planning first'"):
        scenario_configs(cfg, ["three teams"])
    with pytest.raises(ConfigError, match="nothing to compare"):
        scenario_configs(load_config(MINIMAL))
    ds = compare(cfg, ["planning first"], replications=2, seed=1)
    assert [str(s) for s in ds["scenario"].values] == ["base", "planning first"]


# --------------------------------------------------------------------------- paired differences


def test_paired_differences_equal_a_hand_computation(compared):
    table = paired_differences(compared)
    assert list(table.index.get_level_values("scenario").unique()) == ["two review teams", "planning first", "status quo"]
    base = compared.sel(scenario="base")
    for name in ("two review teams", "planning first"):
        scen = compared.sel(scenario=name)
        hand = {
            "npv": (scen["npv"].values, base["npv"].values),
            "savings_run_rate@target": (scen["savings_run_rate"].sel(time=36).values,
                                        base["savings_run_rate"].sel(time=36).values),
            "lowest_resilience": (scen["resilience"].min(("time", "council")).values,
                                  base["resilience"].min(("time", "council")).values),
        }
        for measure, (s, b) in hand.items():
            row = table.loc[(name, measure)]
            d = s - b
            assert row["mean"] == pytest.approx(d.mean())
            for q in (10, 50, 90):
                assert row[f"P{q}"] == pytest.approx(np.percentile(d, q))
            same = np.abs(s - b) <= (1.0 if measure != "lowest_resilience" else 0.0)  # money to the pound
            assert row["P(beats)"] == pytest.approx(np.mean(~same & (s > b)) + 0.5 * np.mean(same))
            assert row["better"] == "higher"
        s = np.nan_to_num(scen["programme_complete_month"].values, nan=np.inf)
        b = np.nan_to_num(base["programme_complete_month"].values, nan=np.inf)
        assert table.loc[(name, "programme_complete_month"), "P(beats)"] == pytest.approx(
            np.mean(s < b) + 0.5 * np.mean(s == b))


def test_ties_count_half_and_not_finishing_counts_as_infinitely_late(compared):
    ds = compared.isel(scenario=[0, 1], replication=slice(0, 4)).copy(deep=True)
    ds["npv"].values[:] = [[10.0, 20.0, 30.0, 40.0], [10.0, 30.0, 20.0, 40.5]]  # differences 0, +10, -10, +0.5 (a tie to the pound)
    ds["programme_complete_month"].values[:] = [[10.0, np.nan, 20.0, np.nan], [np.nan, 12.0, 20.0, np.nan]]
    table = paired_differences(ds)
    npv = table.loc[("two review teams", "npv")]
    assert npv["P(better)"] == 0.25 and npv["P(tie)"] == 0.5
    assert npv["P(beats)"] == 0.5  # one win, one loss, two ties counted half
    assert npv["mean"] == 0.125 and npv["P50"] == 0.25
    done = table.loc[("two review teams", "programme_complete_month")]
    # the scenario never finishes where the base does (+inf), finishes where the base never does
    # (-inf, a win), ties at 20, and neither finishes in the last (a tie, difference 0)
    assert done["P(better)"] == 0.25 and done["P(tie)"] == 0.5 and done["P(beats)"] == 0.5
    assert done["P90"] == np.inf and done["P10"] == -np.inf and done["P50"] == 0.0
    ds["programme_complete_month"].values[1] = np.nan  # the scenario never finishes
    done = paired_differences(ds).loc[("two review teams", "programme_complete_month")]
    assert done["P90"] == np.inf and done["P(better)"] == 0.0
    text = format_comparison(ds)
    assert "∞" not in text and not re.search(r"\binf\b", text)
    assert re.search(r"Δ programme complete \(lower is better\) +n/a .* never ", text), text


def test_the_printed_table_has_money_months_percentages_and_headlines(compared):
    text = format_comparison(compared)
    assert re.search(r"two review teams: P50 NPV −?£[0-9.]+[km]?; Δ NPV vs base P50 [+−]?£[0-9.]+[km]? \(P10–P90 "
                     r"[+−]?£[0-9.]+[km]? to [+−]?£[0-9.]+[km]?\); finishes earlier than base in \d+ % of futures", text), text
    assert re.search(r"[+−]\d+\.\d mo", text)
    assert re.search(r"\d+ %", text)
    assert "ties counted half" in text
    assert "Δ run-rate Apr 2028" in text  # the target month, 36 months after April 2025


# --------------------------------------------------------------------------- command line


@pytest.fixture(scope="module")
def config_file(tmp_path_factory) -> Path:
    path = tmp_path_factory.mktemp("cfg") / "small.toml"
    path.write_text(tomli_w.dumps(CONFIG))
    return path


def test_cli_writes_the_dataset_and_the_table(config_file, tmp_path, simshare_cli):
    out = tmp_path / "out"
    result = simshare_cli("compare", str(config_file), "--scenario", "planning first", "--baseline",
                          "-n", "10", "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    assert sorted(p.name for p in out.iterdir()) == ["compare-differences.csv", "compare.csv", "compare.nc"]
    with xr.open_dataset(out / "compare.nc") as ds:
        assert [str(s) for s in ds["scenario"].values] == ["base", "planning first", "status quo"]
        assert ds.sizes["replication"] == 10
    table = pd.read_csv(out / "compare-differences.csv")
    assert set(table["scenario"]) == {"planning first", "status quo"}
    assert set(table["measure"]) == {"npv", "programme_complete_month", "savings_run_rate@target", "lowest_resilience"}
    assert "planning first: P50 NPV" in result.stdout


def test_cli_unknown_scenario_exits_2_naming_it(config_file, tmp_path, simshare_cli):
    result = simshare_cli("compare", str(config_file), "--scenario", "three teams", "-n", "5",
                          "-o", str(tmp_path / "out"), "-q")
    assert result.returncode == 2
    assert "three teams" in result.stderr and "planning first" in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


def test_cli_without_scenarios_or_baseline_exits_2(tmp_path, simshare_cli):
    result = simshare_cli("compare", str(MINIMAL), "-n", "5", "-o", str(tmp_path / "out"), "-q")
    assert result.returncode == 2
    assert "[[scenarios]]" in result.stderr and "--baseline" in result.stderr
    assert "Traceback" not in result.stderr


# --------------------------------------------------------------------------- each scenario's own figures


def test_each_scenario_has_its_own_p50_p80_npv_and_p_target(compared):
    figures = scenario_figures(compared)
    assert list(figures.index) == ["base", "two review teams", "planning first", "status quo"]
    start = np.datetime64("2025-04")
    for name in ("base", "planning first"):
        d = compared.sel(scenario=name)
        assert figures.at[name, "npv_P50"] == pytest.approx(np.percentile(d["npv"].values, 50))
        done = np.nan_to_num(d["programme_complete_month"].values, nan=np.inf)
        for stat, q in (("P50", 50), ("P80", 80)):
            month = np.percentile(done, q, method="linear")
            expected = "" if not np.isfinite(month) else str(start + int(np.floor(month + 1e-9)))
            assert figures.at[name, f"programme_complete_{stat}"] == expected
            assert re.fullmatch(r"(\d{4}-\d{2})?", figures.at[name, f"programme_complete_{stat}"])
            if expected:
                _, low, high = statistic_ci(d["programme_complete_month"].values, stat)
                assert figures.at[name, f"programme_complete_{stat}_hw_months"] == pytest.approx((high - low) / 2)
        assert figures.at[name, "P(never finishes)"] == pytest.approx(np.mean(np.isnan(d["programme_complete_month"])))
        rate = d["savings_run_rate"].sel(time=36).values
        assert figures.at[name, "P(target)"] == pytest.approx(np.mean(rate >= 150_000 - 1))
    quo = figures.loc["status quo"]
    assert quo["no_programme"] and quo["programme_complete_P50"] == "" and np.isnan(quo["P(never finishes)"])


def test_the_table_says_never_and_not_applicable_instead_of_infinity(compared):
    ds = compared.copy(deep=True)
    ds["programme_complete_month"].loc[{"scenario": "two review teams"}] = np.where(
        np.arange(ds.sizes["replication"]) % 4 == 0, np.nan, 12.0)  # never finishes in one future in four
    text = format_comparison(ds)
    assert "∞" not in text and not re.search(r"\binf\b", text), text
    assert re.search(r"status quo +£[0-9.]+[km]? ±£[0-9.]+[km]? not applicable: no programme", text), text
    assert "Δ programme complete (lower is better) not applicable: no programme" in text
    assert "status quo: P50 NPV" in text and "finish date not applicable: no programme" in text
    assert re.search(r"two review teams: .*never finishes within the horizon in 25 % of futures", text), text
    assert "finishes earlier in 0 %" not in text
    # differences are labelled as differences, the scenario's own figures as its own
    assert "two review teams vs base: paired differences, Δ = two review teams − base" in text
    assert "P50 of Δ" in text and "Δ NPV vs base P50" in text and "Each scenario on its own" in text


def test_cli_writes_own_figures_with_calendar_months_and_differences_without_inf(config_file, tmp_path, simshare_cli):
    out = tmp_path / "out"
    result = simshare_cli("compare", str(config_file), "--baseline", "-n", "8", "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    own = pd.read_csv(out / "compare.csv", keep_default_na=False)
    assert list(own["scenario"]) == ["base", "two review teams", "planning first", "status quo"]
    for col in ("programme_complete_P50", "programme_complete_P80"):
        assert all(re.fullmatch(r"(\d{4}-\d{2})?", str(v)) for v in own[col]), own[col]
    assert {"npv_P50", "npv_P50_hw", "P(never finishes)", "P(target)", "P(target)_hw"} <= set(own.columns)
    diffs = (out / "compare-differences.csv").read_text()
    assert "inf" not in diffs
    assert f"simshare summary {out / 'compare.nc'} --scenario NAME" in result.stdout


def test_a_scenario_that_dissolves_shows_its_chance():
    """A scenario with a dissolution hazard: its own row says how often the partnership has ended (here
    always: a hazard of 100 a year dissolves within weeks of the first go-live); the base never does."""
    raw = small_config(scenarios=[{"name": "fragile", "set": {"programme.dissolution_annual": 100}}])
    ds = compare(raw, replications=6, seed=3)
    figures = scenario_figures(ds)
    assert figures.at["base", "P(dissolved)"] == 0.0 and figures.at["fragile", "P(dissolved)"] == 1.0
    assert "dissolved" in format_comparison(ds)
    assert "P(dissolved)" not in scenario_figures(compare(small_config(), replications=4, baseline=True))


def test_naming_only_the_base_says_it_is_always_compared():
    with pytest.raises(ConfigError, match="'base' is always compared; name a scenario"):
        compare(SHARED_PLANNING, scenarios=["base"], replications=4)
