"""``simshare discover``: PRIM recovers an input and its threshold from a synthetic run, outcome
expressions are parsed safely, and bad expressions, unknown variables and unusable results exit 2."""

from __future__ import annotations

import datetime as dt
import json

import numpy as np
import pytest
import xarray as xr

import simshare
from conftest import council, service, small_config
from simshare.analysis.discover import DiscoverError, discover
from simshare.analysis.discover_words import outcome_words, parameter_label
from simshare.analysis.expressions import ExpressionError, parse_outcome
from simshare.interface.cli import main
from simshare.interface.report import render_report

pytest.importorskip("ema_workbench")

THRESHOLD = 6.0


@pytest.fixture(scope="module")
def synthetic(tmp_path_factory) -> tuple[xr.Dataset, str]:
    """One service whose review takes 2–10 months (uniform); nothing else delays it (a committee every month
    approves every case), so the reviews complete after month 6 exactly when the review takes over 6 months.
    Two other inputs vary and have nothing to do with it."""
    cfg = small_config([service(review={"dist": "uniform", "min": 2, "max": 10},
                                savings_fraction={"dist": "uniform", "min": 0.05, "max": 0.2})],
                       councils=[council("North", turnover_annual={"dist": "uniform", "min": 0.05, "max": 0.2}),
                                 council("South")])
    path = tmp_path_factory.mktemp("discover") / "results.nc"
    simshare.simulate(cfg, replications=200, seed=3, output=path).close()
    return xr.load_dataset(path), str(path)


def test_recovers_the_input_and_its_threshold(synthetic):
    ds, _ = synthetic
    result = discover(ds, f"reviews_complete_month > {THRESHOLD:g}")
    assert list(result.restrictions["parameter"]) == ["services.Svc.review_months"]
    low = float(result.restrictions["low"].iloc[0])
    assert np.isnan(result.restrictions["high"].iloc[0])
    # within the sampling resolution: PRIM peels peel_alpha (5 %) of the futures at a time, so the bound lies
    # within that many sampled review lengths of the threshold
    x = np.sort(ds["inputs"].sel(parameter="services.Svc.review_months").values)
    step = int(np.ceil(0.05 * x.size))
    m = int(np.searchsorted(x, THRESHOLD, side="right"))  # samples at or below the threshold
    assert x[m - step] <= low <= x[min(m + step, x.size - 1)]
    assert abs(low - THRESHOLD) < 0.25
    assert result.coverage >= 0.95 and result.density >= 0.95
    assert result.sentences[0].startswith("The reviews complete after the start of April 2013 in ")
    assert result.sentences[1].startswith("Svc's review is above 6.0 months")


def test_the_command_writes_the_box_and_the_chart(synthetic, tmp_path, capsys):
    _, path = synthetic
    code = main(["discover", path, "--for", "reviews_complete_month > 6", "-o", str(tmp_path)])
    out = capsys.readouterr().out
    assert code == 0
    assert "coverage" in out and "services.Svc.review_months" in out
    record = json.loads((tmp_path / "discover.json").read_text())
    assert record["restrictions"][0]["parameter"] == "services.Svc.review_months"
    assert (tmp_path / "discover.png").stat().st_size > 0
    # beside the results, the board report gets a section for it
    assert main(["discover", path, "--for", "reviews_complete_month > 6"]) == 0
    page = render_report(xr.load_dataset(path), source=path)
    assert 'id="discover"' in page and "Which futures go wrong" in page and "review is above 6.0 months" in page


@pytest.mark.parametrize("expr, named", [
    ("", "empty"),
    ("reviews_complete_month >", "not a valid expression"),
    ("__import__('os').system('true')", "call is not allowed"),
    ("npv.real > 0", "attribute is not allowed"),
    ("npv > 'a lot'", "is not a number"),
    ("turnover > 0.1 and npv < 0", "unknown variable turnover"),
    ("foo > 1 or bar < 2", "unknown variables bar, foo"),
    ("npv + 1", "not a condition"),
    ("npv < 0 and 3", "join comparisons"),
    ("npv < -1e30", "never true"),
    ("npv == npv", "always true"),
])
def test_bad_expressions_exit_2_naming_the_problem(synthetic, capsys, expr, named):
    _, path = synthetic
    code = main(["discover", path, "--for", expr])
    err = capsys.readouterr().err
    assert code == 2, err
    assert named in err and "Traceback" not in err


def test_results_discover_cannot_use(synthetic, tmp_path, capsys):
    ds, _ = synthetic
    with pytest.raises(DiscoverError, match="too few"):
        discover(ds.isel(replication=slice(0, 10)), "reviews_complete_month > 6")
    with pytest.raises(DiscoverError, match="no replication inputs"):
        discover(ds.drop_vars("inputs"), "reviews_complete_month > 6")
    assert main(["discover", str(tmp_path / "missing.nc"), "--for", "npv < 0"]) == 2
    assert "no such results file" in capsys.readouterr().err


def test_month_outcomes_not_reached_count_as_later_and_equality_tests_happening():
    known = ["dissolved_month", "programme_complete_month"]
    values = {"dissolved_month": np.array([np.nan, 30.0]), "programme_complete_month": np.array([np.nan, 50.0])}
    assert list(parse_outcome("dissolved_month == dissolved_month", known).evaluate(values)) == [False, True]
    assert list(parse_outcome("programme_complete_month > 60", known).evaluate(values)) == [True, False]
    assert list(parse_outcome("not (programme_complete_month <= 60)", known).evaluate(values)) == [True, False]
    with pytest.raises(ExpressionError, match="is not allowed"):
        parse_outcome("(lambda: 1)() > 0", known)


def test_board_words():
    start = dt.date(2012, 10, 1)
    known = ["reviews_complete_month", "npv_services", "dissolved_month"]
    assert outcome_words(parse_outcome("reviews_complete_month >= 52", known), start) == \
        "the reviews complete in February 2017 or later"
    assert outcome_words(parse_outcome("npv_services < 0", known), start) == "the reviews' NPV is below £0"
    assert outcome_words(parse_outcome("dissolved_month == dissolved_month", known), start) == \
        "the partnership dissolves within the horizon"
    assert parameter_label("councils.South Bucks.turnover_annual") == "South Bucks' staff turnover"
    assert parameter_label("drivers.ICT maturity") == "the “ICT maturity” factor"
    assert parameter_label("services.ICT.review_months.mean") == "ICT's review (its mean)"


def test_a_sweep_is_refused_with_its_reason():
    ds = simshare.sweep(small_config(), {"programme.review_teams": [1, 2]}, replications=4)
    with pytest.raises(DiscoverError, match="a sweep's results"):
        discover(ds, "npv < 0")
