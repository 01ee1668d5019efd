"""What the figures read from a results dataset: checks, the one run a figure shows, the timeline
(months since the start as matplotlib dates) and statistics over replications."""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Iterable, Sequence

import matplotlib.dates as mdates
import numpy as np
import xarray as xr

from ...analysis.blocks import quantiles_over_replications
from ...analysis.results import attr, month_label, scenario_names, select_scenario, start_date, swept_dims
from ...analysis.statistics import late_quantile
from ...config import BASE, STATUS_QUO

#: statistics a figure can show, with the quantile level (None: the mean)
PLOT_STATISTICS = {"P10": 0.10, "P25": 0.25, "P50": 0.50, "P75": 0.75, "P80": 0.80, "P90": 0.90, "mean": None}


def need(ds: Any, names: Iterable[str], who: str) -> None:
    """ValueError naming ``who`` unless ``ds`` is a Dataset holding every one of ``names``."""
    if not isinstance(ds, xr.Dataset):
        raise ValueError(f"{who}: expected an xarray.Dataset of simshare results, got {type(ds).__name__}")
    missing = [n for n in names if n not in ds.variables]
    if missing:
        have = ", ".join(sorted(str(v) for v in ds.data_vars)) or "none"
        raise ValueError(f"{who}: the results have no {', '.join(repr(m) for m in missing)} "
                         f"(variables present: {have})")


def single_run(ds: xr.Dataset, scenario: str | None, who: str) -> xr.Dataset:
    """One scenario of a single run (no swept dims); a clear ValueError otherwise."""
    swept = swept_dims(ds)
    if swept:
        raise ValueError(f"{who}: these results have swept dimension(s) {', '.join(swept)}; select one value first "
                         f"(e.g. ds.isel({swept[0]}=0)) or use sweep_heatmap")
    try:
        return select_scenario(ds, scenario)
    except ValueError as err:
        raise ValueError(f"{who}: {err}") from None


def chosen_name(ds: xr.Dataset, scenario: str | None) -> str | None:
    """The scenario a figure shows: ``scenario``, else the first stored; None for a single run."""
    names = scenario_names(ds)
    if not names:
        return None
    return scenario if scenario is not None else names[0]


def start_or_none(ds: xr.Dataset) -> dt.date | None:
    """The programme start (to turn months into dates), or None when the results do not say."""
    try:
        return start_date(ds)
    except ValueError:
        return None


def add_months(start: dt.date, months: int) -> dt.date:
    """The first of the month ``months`` after ``start``."""
    index = start.year * 12 + (start.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


class Timeline:
    """Months since the programme start -> matplotlib date numbers (or months, without dates)."""

    def __init__(self, ds: xr.Dataset):
        self.months = np.asarray(ds["time"].values, dtype=float) if "time" in ds.coords else np.arange(1.0)
        self.start = start_or_none(ds)
        self.horizon = float(self.months[-1]) if self.months.size else float(attr(ds, "horizon_months") or 0)
        if "date" in ds.coords and "time" in ds.coords and ds["date"].dims == ("time",):
            self.nums = np.asarray(mdates.date2num(np.asarray(ds["date"].values, dtype="datetime64[D]")), dtype=float)
        elif self.start is not None:
            self.nums = np.array([mdates.date2num(add_months(self.start.replace(day=1), int(m))) for m in self.months])
        else:
            self.nums = None

    @property
    def dated(self) -> bool:
        return self.nums is not None

    def __call__(self, months: Any) -> np.ndarray:
        m = np.asarray(months, dtype=float)
        if self.nums is None:
            return m
        inside = np.interp(m, self.months, self.nums)
        per_month = 30.44
        if self.months.size > 1:
            per_month = (self.nums[-1] - self.nums[0]) / max(self.months[-1] - self.months[0], 1.0)
        out = np.where(m > self.months[-1], self.nums[-1] + (m - self.months[-1]) * per_month, inside)
        out = np.where(m < self.months[0], self.nums[0] + (m - self.months[0]) * per_month, out)
        return np.where(np.isfinite(m), out, m)

    def end(self) -> float:
        return float(self(self.horizon))

    def label(self, months: float) -> str:
        if not math.isfinite(months):
            return "after the horizon"
        if self.start is None:
            return f"month {months:.0f}"
        return month_label(self.start, months)

    def format_axis(self, axis) -> None:
        if self.nums is None:
            axis.set_label_text("months from the programme start")
            return
        span = float(self.horizon)
        if span >= 36:  # years: every tick a year ("2016"), never a month without its year
            axis.set_major_locator(mdates.YearLocator(base=max(1, math.ceil(span / 12 / 8))))
            axis.set_major_formatter(mdates.DateFormatter("%Y"))
        else:  # a short horizon: months, each with its year ("Sep 2016")
            axis.set_major_locator(mdates.MonthLocator(interval=max(1, math.ceil(span / 6)), bymonthday=1))
            axis.set_major_formatter(mdates.DateFormatter("%b %Y"))


def statistic_of(x: np.ndarray, statistic: str, months: bool) -> float:
    """One statistic of ``x`` (PLOT_STATISTICS); for months NaN counts as later than all."""
    if statistic not in PLOT_STATISTICS:
        raise ValueError(f"statistic must be one of {', '.join(PLOT_STATISTICS)}, got {statistic!r}")
    q = PLOT_STATISTICS[statistic]
    x = np.asarray(x, dtype=float).ravel()
    if q is None:
        if months and np.isnan(x).any():
            return math.inf
        return float(np.nanmean(x)) if np.isfinite(x).any() else math.nan
    if months:
        return late_quantile(x, q)
    finite = x[~np.isnan(x)]
    return float(np.quantile(finite, q)) if finite.size else math.nan


def band_quantiles(values: np.ndarray | xr.DataArray, levels: Sequence[float]) -> np.ndarray:
    """Percentiles ``levels`` over replications (axis 0, or the ``replication`` dim of a DataArray, whose
    other dims keep their order), NaN ignored; all-NaN columns stay NaN without warnings. A DataArray
    (e.g. a variable of results opened from a file) is read in bounded blocks of replications and gives
    the same figures as ``numpy.nanpercentile`` on its values (:mod:`simshare.analysis.blocks`)."""
    if isinstance(values, xr.DataArray):
        return quantiles_over_replications(values, levels)
    values = np.asarray(values, dtype=float)
    out = np.full((len(levels),) + values.shape[1:], np.nan)
    ok = ~np.all(np.isnan(values), axis=0)
    if ok.any():
        out[:, ok] = np.nanpercentile(values[:, ok], levels, axis=0)
    return out


def replication_count(ds: xr.Dataset) -> int:
    """Replications in the dataset."""
    return int(ds.sizes.get("replication", 0))


def scenario_suffix(ds: xr.Dataset, scenario: str | None) -> str:
    """`` — NAME`` when the figure shows one of several scenarios (not for the base beside the status quo)."""
    name = chosen_name(ds, scenario)
    others = [n for n in scenario_names(ds) if n != STATUS_QUO]
    if name is None or (name == BASE and len(others) < 2):
        return ""
    return f" — {name}"


__all__ = ["PLOT_STATISTICS", "need", "single_run", "chosen_name", "start_or_none", "add_months", "Timeline",
           "statistic_of", "band_quantiles", "replication_count", "scenario_suffix"]
