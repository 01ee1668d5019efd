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

from simshare.analysis.sweep import parse_sweep, sweep, sweep_summary, value_label
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
