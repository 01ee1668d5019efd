"""The board summary and its Monte Carlo error (simshare.analysis.summary / .statistics / .precision)."""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import pytest
import xarray as xr

from simshare.analysis.precision import PrecisionTarget, parse_precision, precision_reached
from simshare.analysis.results import format_money, month_label, outcomes
from simshare.analysis.statistics import mean_ci, quantile_ci
from simshare.analysis.summary import format_summary, summarise, target_probability

COUNCILS = ["Chiltern", "South Bucks"]
SERVICES = ["Planning", "Licensing", "Building Control"]
START = "2012-10-01"
HORIZON = 60
PERCENTILES = {"P10": 10, "P50": 50, "P80": 80, "P90": 90}


def make_results(
    n: int = 300,
    seed: int = 7,
    horizon: int = HORIZON,
    target: tuple[float, float] | None = (1_237_200.0, 48.0),
    nan_share: float = 0.3,
) -> xr.Dataset:
    """A synthetic results dataset laid out as docs/results-layout.md says (random values)."""
    rng = np.random.default_rng(seed)
    time = np.arange(horizon + 1)
    dates = pd.date_range(START, periods=horizon + 1, freq="MS").values
    params = ["programme.review_teams", "services.Planning.review_months"]

    # run-rate: rises linearly from a random month to a random level; cumulative figures integrate it
    level = rng.lognormal(np.log(1.3e6), 0.3, n)
    begin = rng.uniform(6, 30, n)
    rate = level[:, None] * np.clip((time[None, :] - begin[:, None]) / 18.0, 0, 1)
    savings = np.cumsum(rate / 12.0, axis=1)
    costs = rng.uniform(5e5, 2e6, n)[:, None] * np.clip(time[None, :] / 24.0, 0, 1)
    net = savings - costs

    def months(low: float, high: float) -> np.ndarray:
        m = rng.uniform(low, high, n)
        m[rng.random(n) < nan_share] = np.nan
        return m

    milestone = rng.uniform(0, horizon, (n, len(SERVICES)))
    resilience = np.clip(0.9 + 0.1 * rng.standard_normal((n, horizon + 1, len(COUNCILS))), 0, 1)

    rt = ("replication", "time")
    rtc = ("replication", "time", "council")
    rs = ("replication", "service")
    r = ("replication",)
    variables = {
        "savings_run_rate": (rt, rate, "£/yr"),
        "cumulative_savings": (rt, savings, "£"),
        "cumulative_costs": (rt, costs, "£"),
        "cumulative_net": (rt, net, "£"),
        "reviews_complete": (rt, np.floor(rng.uniform(0, 3, (n, horizon + 1))), "services"),
        "services_live": (rt, np.floor(rng.uniform(0, 3, (n, horizon + 1))), "services"),
        "vacancy_rate": (rtc, rng.uniform(0, 0.2, (n, horizon + 1, 2)), "1"),
        "staffing": (rtc, rng.uniform(0.8, 1, (n, horizon + 1, 2)), "1"),
        "resilience": (rtc, resilience, "1"),
        "agency_cost": (rtc, rng.uniform(0, 1e5, (n, horizon + 1, 2)), "£"),
        "review_start": (rs, milestone, "months"),
        "approved": (rs, milestone + 3, "months"),
        "live": (rs, milestone + 9, "months"),
        "reviews_complete_month": (r, months(10, 40), "months"),
        "programme_complete_month": (r, months(20, 58), "months"),
        "payback_month": (r, months(15, 55), "months"),
        "npv": (r, rng.normal(2e6, 1.5e6, n), "£"),
        "inputs": (("replication", "parameter"), rng.uniform(1, 3, (n, len(params))), ""),
    }
    ds = xr.Dataset(
        {k: xr.Variable(dims, values, {"units": u, "long_name": k.replace("_", " ")}) for k, (dims, values, u) in variables.items()},
        coords={
            "replication": np.arange(n),
            "time": time,
            "date": ("time", dates),
            "council": COUNCILS,
            "service": SERVICES,
            "parameter": params,
            "parameter_units": ("parameter", ["services", "months"]),
        },
        attrs={
            "config": "[programme]\nname = 'Test'\n",
            "config_name": "Test shared services",
            "seed": seed,
            "sampling": "mc",
            "replications": n,
            "simshare_version": "0.1.0",
            "created": "2024-01-01T00:00:00",
            "start": START,
            "horizon_months": horizon,
        },
    )
    if target is not None:
        ds.attrs["savings_target"], ds.attrs["target_month"] = target
    return ds


def nan_as_inf_percentile(x: np.ndarray, p: float) -> float:
    """Reference for the NaN rule: NaN = later than every month, via a huge finite stand-in."""
    y = np.where(np.isnan(x), 1e300, x)
    v = float(np.percentile(y, p))
    return math.inf if v > 1e200 else v


# --------------------------------------------------------------------------- summary figures


def test_summary_equals_numpy_percentiles_and_mean():
    ds = make_results()
    table = summarise(ds)
    values = outcomes(ds)
    assert list(table.columns) == ["P10", "P50", "P80", "P90", "mean", "P10_hw", "P50_hw", "P80_hw", "P90_hw", "mean_hw", "units"]
    assert list(table.index) == [
        "npv",
        "savings_run_rate@target",
        "savings_run_rate@horizon",
        "cumulative_net@horizon",
        "reviews_complete_month",
        "programme_complete_month",
        "payback_month",
        "lowest_resilience[Chiltern]",
        "lowest_resilience[South Bucks]",
    ]
    stored = {
        "npv": ds["npv"].values,
        "savings_run_rate@target": ds["savings_run_rate"].sel(time=48).values,
        "savings_run_rate@horizon": ds["savings_run_rate"].sel(time=HORIZON).values,
        "cumulative_net@horizon": ds["cumulative_net"].sel(time=HORIZON).values,
        "lowest_resilience[Chiltern]": ds["resilience"].sel(council="Chiltern").values.min(axis=1),
        "lowest_resilience[South Bucks]": ds["resilience"].sel(council="South Bucks").values.min(axis=1),
    }
    for row, x in stored.items():
        np.testing.assert_array_equal(values[row], x)
        for col, p in PERCENTILES.items():
            assert table.at[row, col] == np.percentile(x, p), (row, col)
        assert table.at[row, "mean"] == pytest.approx(np.mean(x), rel=1e-12)
        assert all(np.isfinite(table.loc[row, [f"{s}_hw" for s in ["P10", "P50", "P80", "P90", "mean"]]].astype(float)))


def test_month_rows_treat_nan_as_after_horizon():
    ds = make_results(nan_share=0.3)
    table = summarise(ds)
    for row in ("reviews_complete_month", "programme_complete_month", "payback_month"):
        x = ds[row].values
        share = np.isnan(x).mean()
        assert 0.2 < share < 0.4
        for col, p in PERCENTILES.items():
            assert table.at[row, col] == nan_as_inf_percentile(x, p), (row, col)
        # about 30 % never complete: the P80 and P90 lie after the horizon, the P10/P50 do not
        assert math.isinf(table.at[row, "P80"]) and math.isinf(table.at[row, "P90"])
        assert math.isfinite(table.at[row, "P50"]) and math.isfinite(table.at[row, "P10"])
        assert table.at[row, "P50"] == np.percentile(np.where(np.isnan(x), np.inf, x), 50)
        assert math.isnan(table.at[row, "mean"])  # undefined when some never finish
        assert math.isinf(table.at[row, "P80_hw"])


def test_month_rows_without_nan_equal_numpy():
    ds = make_results(nan_share=0.0)
    table = summarise(ds)
    x = ds["programme_complete_month"].values
    for col, p in PERCENTILES.items():
        assert table.at["programme_complete_month", col] == np.percentile(x, p)
    assert table.at["programme_complete_month", "mean"] == pytest.approx(x.mean(), rel=1e-12)


def test_quantile_ci_nan_rule_at_the_boundary():
    # 10 values, 3 never reached: numpy's linear P70 sits exactly on the 7th value (finite),
    # any quantile that puts weight on the 8th value is +inf.
    x = np.array([5.0, 1, 3, np.nan, 2, 7, np.nan, 4, 6, np.nan])
    assert quantile_ci(x, 2 / 3)[0] == 7.0  # index (n-1)q = 6 exactly
    assert math.isinf(quantile_ci(x, 0.7)[0])
    assert quantile_ci(x, 0.5)[0] == np.percentile([1, 2, 3, 4, 5, 6, 7, 99, 99, 99], 50)
    est, low, high = quantile_ci([np.nan] * 50, 0.5)
    assert math.isinf(est) and math.isinf(high)


def test_target_row_interpolates_between_months():
    ds = make_results(target=(1e6, 30.25))
    x = outcomes(ds)["savings_run_rate@target"]
    rate = ds["savings_run_rate"]
    expected = 0.75 * rate.sel(time=30).values + 0.25 * rate.sel(time=31).values
    np.testing.assert_allclose(x, expected, rtol=1e-12)


def test_no_target_no_target_row_and_no_probability():
    ds = make_results(target=None)
    table = summarise(ds)
    assert "savings_run_rate@target" not in table.index
    assert target_probability(ds) is None
    assert "P(savings" not in format_summary(ds)


def test_scenario_dimension_selects_base_by_default():
    base, quo = make_results(seed=1), make_results(seed=2)
    both = xr.concat([base, quo], dim=pd.Index(["base", "status quo"], name="scenario"), coords="minimal", compat="override")
    assert both["npv"].dims[0] == "scenario"
    pd.testing.assert_frame_equal(summarise(both), summarise(base))
    pd.testing.assert_frame_equal(summarise(both, scenario="status quo"), summarise(quo))
    with pytest.raises(ValueError, match="not in the results"):
        summarise(both, scenario="nope")


# --------------------------------------------------------------------------- confidence intervals


def test_quantile_ci_covers_true_quantile_about_95_percent():
    rng = np.random.default_rng(12345)
    reps, n, q = 400, 200, 0.8
    true = -math.log(1 - q)  # exponential(1) quantile
    covered = 0
    for _ in range(reps):
        _, low, high = quantile_ci(rng.exponential(1.0, n), q)
        covered += low <= true <= high
    coverage = covered / reps
    se = math.sqrt(0.95 * 0.05 / reps)
    assert coverage >= 0.95 - 4 * se
    assert coverage <= 1.0


def test_mean_ci_covers_true_mean_about_95_percent():
    rng = np.random.default_rng(99)
    reps, n = 400, 200
    covered = sum(lo <= 1.0 <= hi for _, lo, hi in (mean_ci(rng.exponential(1.0, n)) for _ in range(reps)))
    se = math.sqrt(0.95 * 0.05 / reps)
    assert abs(covered / reps - 0.95) <= 4 * se


def test_ci_shrinks_like_one_over_sqrt_n():
    rng = np.random.default_rng(3)
    widths = {}
    for n in (400, 1600, 6400):
        x = rng.normal(0, 1, n)
        est, low, high = quantile_ci(x, 0.8)
        m, mlo, mhi = mean_ci(x)
        assert low <= est <= high and mlo <= m <= mhi
        widths[n] = ((high - low) / 2, (mhi - mlo) / 2)
    for k in (0, 1):
        assert widths[400][k] / widths[1600][k] == pytest.approx(2.0, rel=0.25)
        assert widths[1600][k] / widths[6400][k] == pytest.approx(2.0, rel=0.25)
    # the mean's half-width is z * sd / sqrt(n)
    x = rng.normal(0, 1, 1000)
    m, lo, hi = mean_ci(x)
    assert (hi - lo) / 2 == pytest.approx(1.959964 * x.std(ddof=1) / math.sqrt(1000), rel=1e-6)


def test_quantile_ci_small_samples_and_nan_mean():
    est, low, high = quantile_ci([1.0, 2.0, 3.0], 0.5)
    assert est == 2.0 and low == -math.inf and high == math.inf
    assert quantile_ci([], 0.5)[1:] == (-math.inf, math.inf)
    assert all(math.isnan(v) for v in mean_ci([1.0, np.nan, 3.0]))
    m, lo, hi = mean_ci([4.0])
    assert m == 4.0 and lo == -math.inf and hi == math.inf


def test_quantile_ci_ends_are_order_statistics_with_binomial_coverage():
    from scipy import stats

    n, q = 200, 0.8
    x = np.arange(1.0, n + 1)  # x_(k) = k
    _, low, high = quantile_ci(x, q)
    lo_rank, hi_rank = int(low), int(high)
    cover = stats.binom.cdf(hi_rank - 1, n, q) - stats.binom.cdf(lo_rank - 1, n, q)
    assert cover >= 0.95
    # and it is the narrowest such choice with at most 2.5 % in each tail
    assert stats.binom.cdf(lo_rank, n, q) >= 0.025 and stats.binom.cdf(hi_rank - 2, n, q) < 0.975


# --------------------------------------------------------------------------- precision targets


def test_parse_precision_valid():
    assert parse_precision("programme_complete_month:P80=1") == [PrecisionTarget("programme_complete_month", "P80", 1.0)]
    got = parse_precision("npv:P50=50000, savings_run_rate@target:p80=20_000,lowest_resilience[South Bucks]:MEAN=0.01")
    assert got == [
        PrecisionTarget("npv", "P50", 50000.0),
        PrecisionTarget("savings_run_rate@target", "P80", 20000.0),
        PrecisionTarget("lowest_resilience[South Bucks]", "mean", 0.01),
    ]


@pytest.mark.parametrize(
    "text, fragment",
    [
        ("", "empty"),
        ("npv", "missing 'VARIABLE:'"),
        ("npv:P50", "missing '=HALF_WIDTH'"),
        ("npv:P85=1", "unknown statistic 'P85'"),
        ("npv:median=1", "unknown statistic 'median'"),
        ("costs:P50=1", "unknown variable 'costs'"),
        ("npv:P50=lots", "half-width 'lots' is not a number"),
        ("npv:P50=0", "must be a positive number"),
        ("npv:P50=-5", "must be a positive number"),
        ("npv:P50=inf", "must be a positive number"),
        ("npv:P50=1,,npv:P80=2", "empty item"),
        ("lowest_resilience[]:P10=0.01", "needs a council name"),
    ],
)
def test_parse_precision_rejects_bad_specs(text, fragment):
    with pytest.raises(ValueError, match="expected|unknown|not a number|positive|empty|needs") as err:
        parse_precision(text)
    assert fragment in str(err.value)


@pytest.mark.parametrize("prefix", ["council_npv", "lowest_resilience", "unsafe_months"])
def test_parse_precision_per_council_rows(prefix):
    """Every per-council row of the board table can be a precision target, its council checked."""
    assert parse_precision(f"{prefix}[ South Bucks ]:p80=2", councils=COUNCILS) == [
        PrecisionTarget(f"{prefix}[South Bucks]", "P80", 2.0)]
    with pytest.raises(ValueError, match=rf"unknown council 'Wycombe' \(councils are: Chiltern, South Bucks\)"):
        parse_precision(f"{prefix}[Wycombe]:P10=1", councils=COUNCILS)
    with pytest.raises(ValueError, match="needs a council name"):
        parse_precision(f"{prefix}[ ]:P10=1")
    with pytest.raises(ValueError, match=rf"expected one of .*{prefix}\[COUNCIL\]"):
        parse_precision(f"{prefix}:P10=1")


def test_parse_precision_names_the_bad_part():
    with pytest.raises(ValueError) as err:
        parse_precision("npv:P50=50000,payback_month:P99=1")
    assert "'payback_month:P99=1'" in str(err.value) and "P10, P50, P80, P90, mean" in str(err.value)
    with pytest.raises(ValueError, match="unknown council 'Wycombe'"):
        parse_precision("lowest_resilience[Wycombe]:P10=0.01", councils=COUNCILS)


def test_precision_reached_matches_summary_half_widths():
    ds = make_results()
    table = summarise(ds)
    targets = parse_precision("npv:P50=1e9,npv:P80=1,programme_complete_month:P80=5,reviews_complete_month:P10=100")
    got = precision_reached(ds, targets)
    assert [t for t, _, _ in got] == targets
    assert got[0][1] == table.at["npv", "P50_hw"] and got[0][2] is True
    assert got[1][1] == table.at["npv", "P80_hw"] and got[1][2] is False
    assert math.isinf(got[2][1]) and got[2][2] is False  # P80 beyond the horizon: never precise
    assert got[3][1] == table.at["reviews_complete_month", "P10_hw"] and got[3][2] is True
    with pytest.raises(ValueError, match="no 'savings_run_rate@target'"):
        precision_reached(make_results(target=None), parse_precision("savings_run_rate@target:P50=1"))


# --------------------------------------------------------------------------- target probability


def test_target_probability_is_the_fraction_meeting_the_target():
    ds = make_results(target=(1_237_200.0, 48.0))
    x = ds["savings_run_rate"].sel(time=48).values
    expected = float(np.mean(x >= 1_237_200.0))
    p, hw = target_probability(ds)
    assert p == expected
    assert 0 < expected < 1
    n = x.size
    assert hw == pytest.approx(1.96 * math.sqrt(expected * (1 - expected) / n), rel=0.1)


# --------------------------------------------------------------------------- the printed table


def test_format_summary_board_table():
    ds = make_results()
    text = format_summary(ds)
    assert "Test shared services" in text and "300 replications" in text and "seed 7" in text
    table = summarise(ds)
    p50 = table.at["reviews_complete_month", "P50"]
    assert month_label(pd.Timestamp(START).date(), p50) in text
    assert "after horizon" in text and "not reached" in text
    assert "£" in text and "m " in text
    assert "Oct 2016" in text  # the target month, 48 months after Oct 2012
    p, hw = target_probability(ds)
    line = [ln for ln in text.splitlines() if ln.startswith("P(savings run-rate ≥ £1.24m/yr in Oct 2016): ")]
    assert line and f"{100 * p:.0f} % ± {100 * hw:.0f} %" in line[0]
    assert max(len(ln) for ln in text.splitlines()) <= 100
    assert "%" in text and "Chiltern" in text and "South Bucks" in text


def test_format_summary_calendar_months():
    import datetime as dt

    start = dt.date(2016, 10, 1)
    assert month_label(start, 3) == "Jan 2017"
    assert month_label(start, 3.99) == "Jan 2017"
    assert month_label(start, 0) == "Oct 2016"
    assert month_label(start, 15) == "Jan 2018"
    ds = make_results(nan_share=0.0)
    ds.attrs["start"] = "2016-10-01"
    ds["reviews_complete_month"][:] = 3.0  # every replication: January 2017
    text = format_summary(ds)
    row = [ln for ln in text.splitlines() if ln.startswith("Reviews complete")][0]
    assert row.count("Jan 2017") == 5


def test_format_money_style():
    assert format_money(1_237_200) == "£1.24m"
    assert format_money(660_000) == "£660k"
    assert format_money(12_345) == "£12.3k"
    assert format_money(999_999) == "£1.00m"
    assert format_money(-2_500_000) == "-£2.50m"
    assert format_money(850) == "£850"
    assert format_money(12_000, sign="±") == "±£12.0k"
    assert format_money(12_345, sign="±", digits=2) == "±£12k"
    assert format_money(1_249_000, sign="±", digits=2) == "±£1.2m"


def test_summary_survives_a_netcdf_round_trip(tmp_path):
    ds = make_results(n=120)
    path = tmp_path / "results.nc"
    ds.to_netcdf(path)
    # units "months" look like CF time units to xarray's decoder, which then fails
    # ("invalid reference date"): results must be opened with decode_times=False.
    with xr.open_dataset(path, decode_times=False) as back:
        pd.testing.assert_frame_equal(summarise(back), summarise(ds))
        assert format_summary(back) == format_summary(ds)
        assert target_probability(back) == target_probability(ds)


def test_board_table_reads_as_the_printed_table():
    """The notebook's table: words and calendar months, never inf, -inf, NaN or scientific notation."""
    from simshare.analysis.summary import board_table

    ds = make_results(n=80, nan_share=0.5)  # months never reached: P80/P90 after the horizon, no mean
    ds["payback_month"].values[:50] = -np.inf  # "no deficit" in most futures
    table = board_table(ds)
    assert list(table.columns) == ["P10", "P50", "P80", "P90", "mean"]
    cells = " | ".join(table.to_numpy().ravel())
    for bad in ("inf", "nan", "e+0", "e-0", "+∞ mo"):
        assert bad not in cells.lower(), bad
    assert "after horizon" in cells and "no deficit" in cells and "not reached" in cells
    assert table.loc["NPV"].str.startswith(("£", "-£")).all()
    assert table.loc["Programme complete", "P10"][:3] in ("Jan", "Feb", "Mar", "Apr", "May", "Jun", "Jul", "Aug",
                                                         "Sep", "Oct", "Nov", "Dec")
