"""Full-factorial sweeps under common random numbers (simshare.analysis.sweep, ``simshare sweep``).

Every point of the factorial is a scenario of one run, so replication i of each point shares
its random numbers; the result has one dimension per swept path in place of ``scenario``.
"""

from __future__ import annotations

import numpy as np
import pandas as pd
import pytest
import tomli_w
import xarray as xr

import re

from simshare.analysis.statistics import statistic_ci
from simshare.analysis.summary import summarise
from simshare.analysis.sweep import csv_table, output_stem, parse_sweep, sweep, sweep_summary, value_label
from simshare.analysis.sweep_text import format_sweep
from simshare.config import ConfigError

from conftest import MINIMAL, council, service, small_config

INTERVAL, FRACTION = "programme.committee_interval_months", "services.*.savings_fraction"

#: Two councils, two services; turnover, uncertain recruitment and review lengths.
CONFIG = small_config(
    [service(name, budget={"A": 400_000, "B": 300_000}, posts={"A": 8, "B": 6},
             review={"dist": "pert", "min": 2, "mode": 4, "max": 8},
             implementation={"dist": "pert", "min": 4, "mode": 6, "max": 12},
             savings_fraction=0.12, post_reduction_fraction=0.1)
     for name in ("Licensing", "Planning")],
    councils=[council(name, turnover_annual=0.15, recruitment_months={"dist": "lognormal", "mean": 3.0, "sd": 1.5})
              for name in ("A", "B")],
    horizon=48, name="Sweep test", start="2025-04-01", savings_target=100_000, target_month=36,
)


@pytest.fixture(scope="module")
def swept() -> xr.Dataset:
    return sweep(CONFIG, {INTERVAL: [1, 2], FRACTION: [0.1, 0.15, 0.2]}, replications=12, seed=5)


# --------------------------------------------------------------------------- parsing


def test_parse_sweep_splits_on_top_level_commas():
    axes = parse_sweep([
        'programme.order=["A","B"],["B","A"]',
        "programme.review_teams=1,2,3",
        'services.*.review_months={dist="pert",min=2,mode=4,max=8},6',
        "councils.A.turnover_annual=0.1, 0.15",
    ])
    assert axes["programme.order"] == [["A", "B"], ["B", "A"]]
    assert axes["programme.review_teams"] == [1, 2, 3]
    assert axes["services.*.review_months"] == [{"dist": "pert", "min": 2, "mode": 4, "max": 8}, 6]
    assert axes["councils.A.turnover_annual"] == [0.1, 0.15]
    assert value_label(["A", "B"]) == '["A", "B"]'


@pytest.mark.parametrize("bad, named", [
    ("programme.review_teams", "programme.review_teams"),      # no '='
    ("programme.review_teams=1,,3", "value 2"),                 # an empty value
    ("programme.order=[\"A\",\"B\"", "unclosed"),              # unbalanced
    ("=1,2", "path before '=' is empty"),
    ("programme.review_teams=2,2", "given twice"),
])
def test_parse_sweep_names_the_bad_part(bad, named):
    with pytest.raises(ValueError, match=named):
        parse_sweep([bad])


# --------------------------------------------------------------------------- the dataset


def test_sweep_has_a_dimension_per_swept_path(swept):
    assert swept["npv"].dims == (INTERVAL, FRACTION, "replication")
    assert swept.sizes[INTERVAL] == 2 and swept.sizes[FRACTION] == 3
    assert swept[INTERVAL].values.tolist() == [1, 2]
    assert swept[FRACTION].values.tolist() == [0.1, 0.15, 0.2]
    assert "scenario" not in swept.dims
    for name in ("savings_run_rate", "vacancy_rate", "review_start", "programme_complete_month", "inputs"):
        assert swept[name].dims[:2] == (INTERVAL, FRACTION), name
    assert swept["vacancy_rate"].dims[2:] == ("replication", "time", "council")


def test_points_share_their_random_numbers(swept):
    # Neither the committee calendar nor the savings fraction touches the workforce before a service
    # goes live (no turnover uplift in change here), so every point sees the same leavers and hires.
    first_live = float(swept["live"].min())
    before = swept["vacancy_rate"].sel(time=slice(0, int(np.floor(first_live)) - 1))
    assert before.sizes["time"] > 3
    reference = before.isel({INTERVAL: 0, FRACTION: 0})
    assert (before == reference).all()
    assert before.std() > 0  # the workforce does vary between replications
    # the savings fraction moves money, not dates: the same committee calendar gives the same go-lives
    live = swept["programme_complete_month"]
    assert np.array_equal(live.isel({FRACTION: 0}).values, live.isel({FRACTION: 2}).values, equal_nan=True)
    npv = swept["npv"].sel({INTERVAL: 1})
    assert (npv.sel({FRACTION: 0.2}) > npv.sel({FRACTION: 0.1})).all()


def test_sweep_summary_per_point(swept):
    table = sweep_summary(swept)
    assert list(table.index.names) == [INTERVAL, FRACTION]
    assert len(table) == 6
    point = swept.sel({INTERVAL: 2, FRACTION: 0.15})
    row = table.loc[(2, 0.15)]
    assert row["npv_P50"] == pytest.approx(np.percentile(point["npv"].values, 50))
    assert row["npv_mean"] == pytest.approx(point["npv"].values.mean())
    rate = point["savings_run_rate"].sel(time=36).values
    assert row["P(target)"] == pytest.approx(np.mean(rate >= 100_000))
    assert {"npv_P10", "npv_P80", "npv_P90", "programme_complete_month_P50"} <= set(table.columns)


def test_list_values_become_labels_and_a_single_point_works():
    order = [["Planning", "Licensing"], ["Licensing", "Planning"]]
    ds = sweep(CONFIG, {"programme.order": order, "programme.review_teams": [2]}, replications=3)
    assert ds["programme.order"].values.tolist() == ['["Planning", "Licensing"]', '["Licensing", "Planning"]']
    assert ds.sizes["programme.review_teams"] == 1
    first = ds["review_start"].sel({"programme.order": '["Licensing", "Planning"]'})
    assert (first.sel(service="Licensing") == 0).all()


def test_invalid_points_name_the_path_and_value():
    with pytest.raises(ConfigError, match=r"programme\.review_teams=0: .*whole number"):
        sweep(CONFIG, {"programme.review_teams": [1, 0]}, replications=2)
    with pytest.raises(ConfigError, match=r"programme\.review_tems=1: unknown key"):
        sweep(CONFIG, {"programme.review_tems": [1, 2]}, replications=2)


# --------------------------------------------------------------------------- command line


def test_cli_writes_the_sweep_and_its_summary(tmp_path, simshare_cli):
    config = tmp_path / "small.toml"
    config.write_text(tomli_w.dumps(CONFIG))
    out = tmp_path / "out"
    result = simshare_cli("sweep", str(config), "--set", "programme.review_teams=1,2", "--set",
                          'programme.order=["Planning","Licensing"],["Licensing","Planning"]',
                          "-n", "4", "-o", str(out), "-q")
    assert result.returncode == 0, result.stderr
    stem = "sweep_programme.review_teams+programme.order"
    assert sorted(p.name for p in out.iterdir()) == [f"{stem}.csv", f"{stem}.nc"]
    with xr.open_dataset(out / f"{stem}.nc") as ds:
        assert ds["npv"].dims == ("programme.review_teams", "programme.order", "replication")
        assert ds["programme.review_teams"].values.tolist() == [1, 2]
    table = pd.read_csv(out / f"{stem}.csv")
    assert len(table) == 4 and "npv_P50" in table.columns
    assert "P50" in result.stdout


@pytest.mark.parametrize("assignment, named", [
    ("programme.review_tems=1,2", "programme.review_tems"),
    ("programme.review_teams=1,0", "programme.review_teams=0"),
    ("services.Nowhere.review_months=3,4", "Nowhere"),
    ("programme.review_teams=1,,2", "programme.review_teams"),
])
def test_cli_bad_paths_or_values_exit_2_naming_them(tmp_path, assignment, named, simshare_cli):
    result = simshare_cli("sweep", str(MINIMAL), "--set", assignment, "-n", "2", "-o", str(tmp_path / "out"), "-q")
    assert result.returncode == 2
    assert named in result.stderr
    assert "Traceback" not in result.stderr
    assert not (tmp_path / "out").exists()


# --------------------------------------------------------------------------- ± and calendar months


def test_every_sweep_figure_has_its_half_width(swept):
    table = sweep_summary(swept)
    point = swept.sel({INTERVAL: 1, FRACTION: 0.2})
    row = table.loc[(1, 0.2)]
    for stat in ("P10", "P50", "P80", "P90", "mean"):
        est, low, high = statistic_ci(point["npv"].values, stat)
        assert row[f"npv_{stat}"] == pytest.approx(est)
        assert row[f"npv_{stat}_hw"] == pytest.approx((high - low) / 2)
    assert 0 < row["P(target)_hw"] < 0.5
    assert row["P(never finishes)"] == pytest.approx(np.mean(np.isnan(point["programme_complete_month"].values)))


def test_printed_sweep_has_plus_minus_and_no_infinity(swept):
    text = format_sweep(swept)
    assert re.search(r"£[0-9.]+[km]? ±£[0-9.]+[km]?", text), text
    assert re.search(r"[A-Z][a-z]{2} \d{4} (±\d+\.\d mo|±\?)", text), text
    assert "∞" not in text and not re.search(r"\binf\b", text)
    assert "never finishes" in text and f"--at {INTERVAL}=VALUE --at {FRACTION}=VALUE" in text


def test_csv_gives_completion_as_calendar_months(swept):
    table = csv_table(swept)
    for stat in ("P10", "P50", "P80", "P90", "mean"):
        assert all(re.fullmatch(r"(\d{4}-\d{2})?", v) for v in table[f"programme_complete_{stat}"])
        assert f"programme_complete_month_{stat}" not in table
    assert not np.isinf(table.select_dtypes("number").to_numpy()).any()
    month = sweep_summary(swept).loc[(2, 0.1), "programme_complete_month_P50"]
    if np.isfinite(month):
        assert table.loc[(2, 0.1), "programme_complete_P50"] == str(np.datetime64("2025-04") + int(month))


def test_summary_of_one_point_equals_the_point_alone(swept):
    alone = swept.isel({INTERVAL: 1, FRACTION: 2})
    expected = summarise(alone)
    for at in ({INTERVAL: 2, FRACTION: 0.2}, {INTERVAL: "2", FRACTION: "0.2"}, {INTERVAL: 2.0, FRACTION: 0.2}):
        table = summarise(swept, at=at)
        pd.testing.assert_frame_equal(table[["P50", "P80"]], expected[["P50", "P80"]])


@pytest.mark.parametrize("at, words", [
    (None, ["--at", INTERVAL, FRACTION]),
    ({INTERVAL: 2}, ["--at " + FRACTION, "0.1, 0.15, 0.2"]),
    ({INTERVAL: 3, FRACTION: 0.1}, [f"--at {INTERVAL}=3", "not a swept value", "1, 2"]),
    ({INTERVAL: 2, FRACTION: 0.1, "programme.review_teams": 2}, ["programme.review_teams", "not swept"]),
])
def test_summary_of_a_sweep_asks_for_a_point_it_has(swept, at, words):
    with pytest.raises(ValueError) as info:
        summarise(swept, at=at)
    assert all(w in str(info.value) for w in words), str(info.value)


def test_sweeps_of_different_paths_write_different_files():
    assert output_stem([INTERVAL]) == "sweep_programme.committee_interval_months"
    assert output_stem([INTERVAL, FRACTION]) == "sweep_programme.committee_interval_months+services._.savings_fraction"
    long = output_stem([f"services.Service number {k}.savings_fraction" for k in range(10)])
    assert len(long) < 90 and long != output_stem([f"services.Service number {k}.savings_fraction" for k in range(11)])


def test_a_swept_hazard_shows_the_chance_of_dissolution():
    ds = sweep(small_config(), {"programme.dissolution_annual": [0, 100]}, replications=6, seed=3)
    table = sweep_summary(ds)
    assert list(table["P(dissolved)"]) == [0.0, 1.0]
    assert "dissolved" in format_sweep(ds)
