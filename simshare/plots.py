"""Pictures for a programme board: each function takes results and returns a matplotlib Figure.

Every function builds a :class:`matplotlib.figure.Figure` directly: nothing here touches
pyplot's global state (no ``plt.figure``, no ``show``), so the figures are safe in scripts,
servers, tests and notebooks alike, with any backend or none. Save one with
``fig.savefig("fan.png")``; in a notebook ``%matplotlib inline`` (or ``display(fig)``) shows it.

=========================  ==================================================================
``fan_chart``              savings run-rate or cumulative net savings over time: P10–P90 and
                           P25–P75 bands, the median, the savings target
``completion_scurves``     S-curves (empirical CDFs) of the reviews-complete and
                           programme-complete dates, with the target (and a plan) marked
``resilience_chart``       resilience or vacancy rate per council over time, with the status
                           quo overlaid when the results hold one
``milestone_chart``        per service in phasing order: P10–P90 of the approval and go-live dates
``tornado_chart``          a tornado (simshare.analysis.sensitivity.tornado) as a tornado
``sobol_chart``            Sobol indices (simshare.analysis.sensitivity.sobol) as bars
``scenario_chart``         P50 NPV against P80 completion, one labelled point per scenario
``sweep_heatmap``          one statistic of one output over a sweep: heatmap (two swept
                           parameters) or line (one)
``figures_for``            the figures that fit a dataset, by name (what the report shows)
=========================  ==================================================================

Money is shown as £1.2m / £600k, months as calendar dates (from the ``date`` coordinate or the
``start`` attribute). Month outcomes that are NaN ("not reached within the horizon") count as
later than every month, as in the summary table.
"""

from __future__ import annotations

import datetime as dt
import json
import math
import textwrap
import tomllib
from typing import Any, Iterable, Mapping, Sequence

import matplotlib.dates as mdates
import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from .analysis.convergence import _as_later_than_all, _sample_quantile
from .analysis.summary import (
    _attr,
    format_money,
    month_label,
    select_scenario,
    start_date,
    target_month,
    target_probability,
)

__all__ = [
    "fan_chart",
    "completion_scurves",
    "resilience_chart",
    "milestone_chart",
    "tornado_chart",
    "sobol_chart",
    "scenario_chart",
    "sweep_heatmap",
    "figures_for",
    "phasing_order",
    "parameter_label",
    "money_formatter",
    "STATUS_QUO",
]

STATUS_QUO = "status quo"

#: Dimensions of a single run; any other dimension of a variable is a swept parameter (or ``scenario``).
RUN_DIMS = ("replication", "time", "council", "service", "parameter")

# Colours (colour-blind safe: blue / orange / grey, with a red target).
BLUE = "#1f5a96"
ORANGE = "#d9731a"
GREY = "#6e6e6e"
RED = "#b8322a"
GREEN = "#2e7d32"

WIDE = (9.0, 4.8)

_TITLES = {
    "savings_run_rate": "Savings in force (run-rate, £ a year)",
    "cumulative_net": "Cumulative net savings (savings less programme costs)",
    "cumulative_savings": "Cumulative savings",
    "cumulative_costs": "Cumulative programme costs",
    "reviews_complete": "Business cases approved",
    "services_live": "Services live as shared services",
    "resilience": "Resilience: budget-weighted share of services operating safely",
    "vacancy_rate": "Vacancy rate: vacant posts ÷ posts (agency-covered posts count as vacant)",
    "staffing": "Staffing: staffed ÷ required posts",
    "agency_cost": "Agency premium paid (cumulative)",
}

_OUTCOME_LABELS = {
    "npv": "NPV",
    "programme_complete_month": "programme completion",
    "reviews_complete_month": "reviews completion",
    "payback_month": "payback",
    "savings_run_rate@target": "savings run-rate at the target month",
    "savings_run_rate@horizon": "savings run-rate at the end",
    "cumulative_net@horizon": "cumulative net savings at the end",
    "lowest_resilience": "lowest resilience (any council, any month)",
}

_STATISTICS = {"P10": 0.10, "P25": 0.25, "P50": 0.50, "P75": 0.75, "P80": 0.80, "P90": 0.90, "mean": None}


# --------------------------------------------------------------------------- formatting helpers


def _money_tick(value: float, pos: Any = None) -> str:
    """Axis tick for money: £1.2m, £600k, £850, −£250k (trailing zeros dropped)."""
    if value is None or not math.isfinite(value):
        return ""
    if abs(value) < 0.5:
        return "£0"
    a = abs(value)
    if a >= 1e6:
        text = f"{a / 1e6:.2f}".rstrip("0").rstrip(".") + "m"
    elif a >= 1e3:
        text = f"{a / 1e3:.1f}".rstrip("0").rstrip(".") + "k"
    else:
        text = f"{a:.0f}"
    return ("−" if value < 0 else "") + "£" + text


def money_formatter() -> FuncFormatter:
    """A matplotlib tick formatter for £ amounts (£1.2m, £600k)."""
    return FuncFormatter(_money_tick)


def _is_money(units: str | None) -> bool:
    return bool(units) and str(units).startswith("£")


def _is_months(units: str | None, name: str = "") -> bool:
    return (bool(units) and str(units).startswith("month")) or name.endswith("_month")


def _percent(p: float) -> str:
    pct = 100.0 * p
    if 0 < pct < 1:
        return "<1 %"
    if 99 < pct < 100:
        return ">99 %"
    return f"{pct:.0f} %"


def _legend(ax, **kwargs) -> None:
    kwargs.setdefault("fontsize", "small")
    kwargs.setdefault("framealpha", 0.9)
    ax.legend(**kwargs)


def _style(ax) -> None:
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


# --------------------------------------------------------------------------- dataset helpers


def _need(ds: Any, names: Iterable[str], who: str) -> None:
    if not isinstance(ds, xr.Dataset):
        raise ValueError(f"{who}: expected an xarray.Dataset of simshare results, got {type(ds).__name__}")
    missing = [n for n in names if n not in ds.variables]
    if missing:
        have = ", ".join(sorted(str(v) for v in ds.data_vars)) or "none"
        raise ValueError(f"{who}: the results have no {', '.join(repr(m) for m in missing)} "
                         f"(variables present: {have})")


def _swept_dims(ds: xr.Dataset) -> list[str]:
    """Dimensions beyond a single run's, other than ``scenario``: the swept parameters."""
    return [str(d) for d in ds.dims if d not in RUN_DIMS and d != "scenario"]


def _single(ds: xr.Dataset, scenario: str | None, who: str) -> xr.Dataset:
    """One scenario of a single run (no swept dims); a clear ValueError otherwise."""
    swept = _swept_dims(ds)
    if swept:
        raise ValueError(f"{who}: these results have swept dimension(s) {', '.join(swept)}; select one value first "
                         f"(e.g. ds.isel({swept[0]}=0)) or use sweep_heatmap")
    try:
        return select_scenario(ds, scenario)
    except ValueError as err:
        raise ValueError(f"{who}: {err}") from None


def _scenario_names(ds: xr.Dataset) -> list[str]:
    return [str(s) for s in ds["scenario"].values] if "scenario" in ds.dims else []


def _chosen_name(ds: xr.Dataset, scenario: str | None) -> str | None:
    names = _scenario_names(ds)
    if not names:
        return None
    return scenario if scenario is not None else names[0]


def _start(ds: xr.Dataset) -> dt.date | None:
    """The programme start (to turn months into dates), or None when the results do not say."""
    try:
        return start_date(ds)
    except ValueError:
        return None


def _add_months(start: dt.date, months: int) -> dt.date:
    index = start.year * 12 + (start.month - 1) + months
    return dt.date(index // 12, index % 12 + 1, 1)


def _full_month(start: dt.date, months: float) -> str:
    """``October 2016``: the calendar month in which ``months`` after ``start`` falls."""
    label = month_label(start, months)
    return dt.datetime.strptime(label, "%b %Y").strftime("%B %Y")


class _Timeline:
    """Months since the programme start -> matplotlib date numbers (or months, without dates)."""

    def __init__(self, ds: xr.Dataset):
        self.months = np.asarray(ds["time"].values, dtype=float) if "time" in ds.coords else np.arange(1.0)
        self.start = _start(ds)
        self.horizon = float(self.months[-1]) if self.months.size else float(_attr(ds, "horizon_months") or 0)
        if "date" in ds.coords and "time" in ds.coords and ds["date"].dims == ("time",):
            self.nums = np.asarray(mdates.date2num(np.asarray(ds["date"].values, dtype="datetime64[D]")), dtype=float)
        elif self.start is not None:
            self.nums = np.array([mdates.date2num(_add_months(self.start.replace(day=1), int(m))) for m in self.months])
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
        locator = mdates.AutoDateLocator(minticks=4, maxticks=9)
        axis.set_major_locator(locator)
        axis.set_major_formatter(mdates.ConciseDateFormatter(locator, show_offset=False))


def _quantile_late(x: np.ndarray, q: float) -> float:
    """Sample quantile with NaN read as later than every month (+inf), as in the summary table."""
    return _sample_quantile(_as_later_than_all(x), q)


def _statistic(x: np.ndarray, statistic: str, months: bool) -> float:
    if statistic not in _STATISTICS:
        raise ValueError(f"statistic must be one of {', '.join(_STATISTICS)}, got {statistic!r}")
    q = _STATISTICS[statistic]
    x = np.asarray(x, dtype=float).ravel()
    if q is None:
        if months and np.isnan(x).any():
            return math.inf
        return float(np.nanmean(x)) if np.isfinite(x).any() else math.nan
    if months:
        return _quantile_late(x, q)
    finite = x[~np.isnan(x)]
    return float(np.quantile(finite, q)) if finite.size else math.nan


def _band_quantiles(values: np.ndarray, levels: Sequence[float]) -> np.ndarray:
    """Quantiles over replications (axis 0), NaN ignored; all-NaN columns stay NaN without warnings."""
    values = np.asarray(values, dtype=float)
    out = np.full((len(levels),) + values.shape[1:], np.nan)
    ok = ~np.all(np.isnan(values), axis=0)
    if ok.any():
        out[:, ok] = np.nanpercentile(values[:, ok], levels, axis=0)
    return out


def _title(fig: Figure, text: str, note: str | None = None) -> None:
    """The figure's title (top left, bold) and a note on how to read it (bottom left, grey)."""
    fig.suptitle(text, x=0.01, ha="left", fontsize="large", fontweight="bold")
    if note:
        fig.supxlabel("\n".join(textwrap.wrap(note, int(fig.get_figwidth() * 15))), x=0.01, ha="left",
                      fontsize="small", color=GREY)


def _n(ds: xr.Dataset) -> int:
    return int(ds.sizes.get("replication", 0))


def _scenario_suffix(ds: xr.Dataset, scenario: str | None) -> str:
    """`` — NAME`` when the figure shows one of several scenarios (not for the base beside the status quo)."""
    name = _chosen_name(ds, scenario)
    others = [n for n in _scenario_names(ds) if n != STATUS_QUO]
    if name is None or (name == "base" and len(others) < 2):
        return ""
    return f" — {name}"


# --------------------------------------------------------------------------- fan chart


def fan_chart(ds: xr.Dataset, variable: str = "savings_run_rate", scenario: str | None = None) -> Figure:
    """Fan chart of a replication × time variable: P10–P90 and P25–P75 bands and the median.

    ``variable``: ``savings_run_rate`` (default; with the savings target marked when the results
    carry ``savings_target`` and ``target_month``) or ``cumulative_net`` (with break-even marked), or any
    other (replication, time) variable such as ``cumulative_costs`` or ``services_live``.
    """
    who = "fan_chart"
    _need(ds, [variable, "time"], who)
    d = _single(ds, scenario, who)
    da = d[variable]
    if "replication" not in da.dims or "time" not in da.dims:
        raise ValueError(f"{who}: {variable} must have replication and time dims, has {da.dims}")
    extra = [x for x in da.dims if x not in ("replication", "time")]
    if extra:
        raise ValueError(f"{who}: {variable} also varies by {', '.join(extra)}; select one value first "
                         "(for councils see resilience_chart)")
    values = da.transpose("replication", "time").values
    tl = _Timeline(d)
    x = tl(d["time"].values)
    q = _band_quantiles(values, [10, 25, 50, 75, 90])
    units = str(da.attrs.get("units", ""))

    fig = Figure(figsize=WIDE, layout="constrained")
    ax = fig.add_subplot()
    ax.fill_between(x, q[0], q[4], color=BLUE, alpha=0.16, linewidth=0, label="middle 80 % of futures (P10–P90)")
    ax.fill_between(x, q[1], q[3], color=BLUE, alpha=0.32, linewidth=0, label="middle half of futures (P25–P75)")
    ax.plot(x, q[2], color=BLUE, linewidth=2.2, label="median future (P50)")

    target = _attr(d, "savings_target") if variable == "savings_run_rate" else None
    if target is not None:
        target = float(target)
        tm = target_month(d)
        tm = tl.horizon if tm is None else tm
        prob = target_probability(ds, scenario=scenario)
        label = f"target {format_money(target)} a year by {tl.label(tm)}"
        if prob is not None:
            label += f": met in {_percent(prob[0])} of futures"
        ax.axhline(target, color=RED, linestyle="--", linewidth=1.3, label=label)
        ax.axvline(float(tl(tm)), color=RED, linestyle=":", linewidth=1.1)
        ax.plot([float(tl(tm))], [target], marker="o", color=RED, markersize=6, zorder=5)
    if variable.startswith("cumulative"):
        ax.axhline(0.0, color="black", linewidth=0.9, label="break-even (£0)" if variable == "cumulative_net" else None)

    tl.format_axis(ax.xaxis)
    ax.set_xlim(x[0], x[-1])
    if _is_money(units):
        ax.yaxis.set_major_formatter(money_formatter())
    if variable == "savings_run_rate":
        ax.set_ylabel("£ a year")
        ax.set_ylim(bottom=0)
    elif _is_money(units):
        ax.set_ylabel("£")
    elif units:
        ax.set_ylabel(units)
    _style(ax)
    title = _TITLES.get(variable, str(da.attrs.get("long_name", variable)))
    _title(fig, title + _scenario_suffix(ds, scenario),
           f"{_n(d):,} simulated futures; the bands show how widely they spread, month by month")
    _legend(ax, loc="upper left")
    return fig


# --------------------------------------------------------------------------- S-curves


def _month_values(plan: Any, tl: _Timeline) -> float:
    """A plan given as months since the start, or as a date (date, datetime, 'YYYY-MM[-DD]')."""
    if isinstance(plan, (int, float, np.integer, np.floating)) and not isinstance(plan, bool):
        return float(plan)
    if tl.start is None:
        raise ValueError("plan dates need results with a start date; give the plan in months instead")
    when = pd.Timestamp(plan)
    return float((when.year - tl.start.year) * 12 + (when.month - tl.start.month) + (when.day - 1) / 30.44)


def completion_scurves(ds: xr.Dataset, scenario: str | None = None, plan: Any = None) -> Figure:
    """S-curves (empirical CDFs) of the dates the reviews and the programme complete.

    The height of a curve at a date is the share of simulated futures finished by then; a curve
    that stays below 100 % means some futures do not finish within the simulated horizon. The
    savings target month is marked when the results carry one; ``plan`` (months since the start, a
    date, or a mapping of label -> either) marks planned dates.
    """
    who = "completion_scurves"
    names = [v for v in ("reviews_complete_month", "programme_complete_month") if isinstance(ds, xr.Dataset) and v in ds]
    if not names:
        _need(ds, ["programme_complete_month"], who)
    d = _single(ds, scenario, who)
    tl = _Timeline(d)
    n = _n(d)
    fig = Figure(figsize=WIDE, layout="constrained")
    ax = fig.add_subplot()
    styles = {"reviews_complete_month": (ORANGE, "all business cases approved"),
              "programme_complete_month": (BLUE, "programme complete (last service live)")}
    x0, x_end = float(tl(0.0)), tl.end()
    for name in names:
        colour, label = styles[name]
        values = np.asarray(d[name].values, dtype=float).ravel()
        finite = np.sort(values[np.isfinite(values)])
        done = finite.size / n if n else 0.0
        xs = np.concatenate([[x0], tl(finite), [x_end]])
        ys = np.concatenate([[0.0], np.arange(1, finite.size + 1) / n, [done]])
        if finite.size < n:
            label += f" — {_percent(1 - done)} not within the horizon"
        ax.step(xs, ys, where="post", color=colour, linewidth=2.2, label=label)
        for q, text in ((0.5, "P50"), (0.8, "P80")):
            m = _quantile_late(values, q)
            if math.isfinite(m):
                ax.plot([float(tl(m))], [q], marker="o", color=colour, markersize=5, zorder=5)
                ax.annotate(f"{text}: {tl.label(m)}", (float(tl(m)), q), xytext=(8, -14 if name.startswith("rev") else 5),
                            textcoords="offset points", fontsize="small", color=colour, fontweight="bold",
                            bbox=dict(boxstyle="round,pad=0.15", facecolor="white", edgecolor="none", alpha=0.85))
    for q, text in ((0.5, "half of futures"), (0.8, "four in five")):
        ax.axhline(q, color=GREY, linewidth=0.7, linestyle=(0, (4, 3)))
        ax.text(x0, q, f" {text}", va="bottom", ha="left", fontsize="x-small", color=GREY)
    tm = target_month(d)
    if tm is not None:
        ax.axvline(float(tl(tm)), color=RED, linestyle="--", linewidth=1.2,
                   label=f"savings target date ({tl.label(tm)})")
    if plan is not None:
        plans = plan.items() if isinstance(plan, Mapping) else [("plan", plan)]
        for i, (label, when) in enumerate(plans):
            m = _month_values(when, tl)
            ax.axvline(float(tl(m)), color=GREEN, linestyle=["-.", ":", "--"][i % 3], linewidth=1.4,
                       label=f"{label} ({tl.label(m)})")
    tl.format_axis(ax.xaxis)
    ax.set_xlim(x0, x_end)
    ax.set_ylim(0, 1.02)
    ax.yaxis.set_major_formatter(PercentFormatter(1.0))
    ax.set_ylabel("share of futures finished by this date")
    _style(ax)
    _title(fig, "When do the reviews and the programme finish?" + _scenario_suffix(ds, scenario),
           f"S-curves over {n:,} simulated futures; read across at 50 % or 80 % for the P50 or P80 date")
    _legend(ax, loc="upper left")
    return fig


# --------------------------------------------------------------------------- resilience and vacancy


def resilience_chart(ds: xr.Dataset, variable: str = "resilience", scenario: str | None = None) -> Figure:
    """Per council, ``resilience`` (or ``vacancy_rate``, ``staffing``) over time: P10–P90 band and median,
    with the status quo (no programme, same random numbers) overlaid when the results hold it."""
    who = "resilience_chart"
    _need(ds, [variable, "council"], who)
    d = _single(ds, scenario, who)
    if "council" not in d[variable].dims:
        raise ValueError(f"{who}: {variable} has no council dimension (dims {d[variable].dims})")
    names = _scenario_names(ds)
    chosen = _chosen_name(ds, scenario)
    quo = select_scenario(ds, STATUS_QUO) if STATUS_QUO in names and chosen != STATUS_QUO else None
    councils = [str(c) for c in d["council"].values]
    cols = min(len(councils), 3)
    rows = math.ceil(len(councils) / cols)
    fig = Figure(figsize=(max(4.2 * cols, 7.5), 3.9 * rows + 0.9), layout="constrained")
    axes = fig.subplots(rows, cols, sharey=True, squeeze=False).ravel()
    tl = _Timeline(d)
    x = tl(d["time"].values)
    label_base = chosen if chosen not in (None, "base") else "with the programme"
    lows: list[float] = []
    for ax, council in zip(axes, councils):
        v = d[variable].sel(council=council).transpose("replication", "time").values
        q = _band_quantiles(v, [10, 50, 90])
        lows.append(float(np.nanmin(q[0])) if np.isfinite(q[0]).any() else math.nan)
        ax.fill_between(x, q[0], q[2], color=BLUE, alpha=0.2, linewidth=0, label=f"{label_base}: P10–P90")
        ax.plot(x, q[1], color=BLUE, linewidth=2, label=f"{label_base}: median")
        if quo is not None:
            s = quo[variable].sel(council=council).transpose("replication", "time").values
            sq = _band_quantiles(s, [10, 50, 90])
            lows.append(float(np.nanmin(sq[0])) if np.isfinite(sq[0]).any() else math.nan)
            ax.plot(x, sq[1], color=GREY, linewidth=1.6, linestyle="--", label="status quo: median")
            ax.plot(x, sq[0], color=GREY, linewidth=0.9, linestyle=":", label="status quo: P10 and P90")
            ax.plot(x, sq[2], color=GREY, linewidth=0.9, linestyle=":")
        ax.set_title(council, loc="left", fontweight="bold")
        tl.format_axis(ax.xaxis)
        ax.set_xlim(x[0], x[-1])
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        _style(ax)
    for ax in axes[len(councils):]:
        ax.set_visible(False)
    if variable == "resilience":
        low = float(np.nanmin(lows)) if np.isfinite(lows).any() else 0.0
        axes[0].set_ylim(max(0.0, math.floor(10 * low) / 10 - 0.05) if math.isfinite(low) else 0.0, 1.01)
    else:
        axes[0].set_ylim(bottom=0)
    axes[0].set_ylabel({"resilience": "services operating safely (share of budget)",
                        "vacancy_rate": "posts vacant"}.get(variable, variable))
    title = _TITLES.get(variable, str(d[variable].attrs.get("long_name", variable)))
    sub = f"by council; blue band: middle 80 % of {_n(d):,} simulated futures"
    if quo is not None:
        sub += "; grey: the status quo (no programme), same random numbers"
    _title(fig, f"{title}{_scenario_suffix(ds, scenario)}", sub)
    _legend(axes[0], loc="lower left" if variable == "resilience" else "upper left")
    return fig


# --------------------------------------------------------------------------- milestones


def _as_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        return [str(v) for v in value.ravel()]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
            if isinstance(parsed, list):
                return [str(v) for v in parsed]
        except ValueError:
            pass
        parts = [p.strip() for p in value.replace(";", "\n").splitlines() if p.strip()]
        return parts or None
    return None


def phasing_order(ds: xr.Dataset, scenario: str | None = None) -> list[str]:
    """Services in phasing order: the ``order`` attribute, else the scenario's or the config's
    ``programme.order`` (from the ``config`` attribute), else the ``service`` coordinate order.
    Only services present in the results are returned."""
    services = [str(s) for s in ds["service"].values] if "service" in ds.coords else []
    order = _as_list(ds.attrs.get("order"))
    if order is None and scenario not in (None, "base", STATUS_QUO):
        try:
            defs = json.loads(str(ds.attrs.get("scenario_definitions", "{}")))
            order = _as_list(defs.get(scenario, {}).get("set", {}).get("programme.order"))
        except (ValueError, AttributeError):
            order = None
    if order is None and _attr(ds, "config"):
        try:
            order = _as_list(tomllib.loads(str(ds.attrs["config"])).get("programme", {}).get("order"))
        except (tomllib.TOMLDecodeError, AttributeError):
            order = None
    if order is None:
        return services
    return [s for s in order if s in services]


def milestone_chart(ds: xr.Dataset, scenario: str | None = None, order: Sequence[str] | None = None) -> Figure:
    """Per service in phasing order, the P10–P90 range (bar) and median (dot) of the month its business
    case is approved and the month it goes live. Services outside the programme are left out; a bar
    that runs into the right edge means more than one future in ten does not get there in the horizon."""
    who = "milestone_chart"
    _need(ds, ["approved", "live", "service"], who)
    d = _single(ds, scenario, who)
    chosen = _chosen_name(ds, scenario)
    services = list(order) if order is not None else phasing_order(ds, chosen)
    unknown = [s for s in services if s not in [str(v) for v in d["service"].values]]
    if unknown:
        raise ValueError(f"{who}: unknown service(s) {', '.join(unknown)}")
    shown = [s for s in services if np.isfinite(d["approved"].sel(service=s).values).any()
             or np.isfinite(d["live"].sel(service=s).values).any()]
    tl = _Timeline(d)
    end = tl.end()
    fig = Figure(figsize=(9.5, 1.6 + 0.36 * max(len(shown), 2)), layout="constrained")
    ax = fig.add_subplot()
    for i, service in enumerate(shown):
        for var, colour, dy in (("approved", ORANGE, -0.17), ("live", BLUE, 0.17)):
            v = np.asarray(d[var].sel(service=service).values, dtype=float)
            lo, mid, hi = (_quantile_late(v, q) for q in (0.1, 0.5, 0.9))
            y = i + dy
            if math.isfinite(lo):
                right = float(tl(hi)) if math.isfinite(hi) else end
                ax.hlines(y, float(tl(lo)), right, color=colour, linewidth=6, alpha=0.55)
                if not math.isfinite(hi):
                    ax.plot([end], [y], marker=">", color=colour, markersize=7, clip_on=False)
            if math.isfinite(mid):
                ax.plot([float(tl(mid))], [y], marker="o", color=colour, markeredgecolor="white", markersize=6)
    tm = target_month(d)
    if tm is not None:
        ax.axvline(float(tl(tm)), color=RED, linestyle="--", linewidth=1.1)
    ax.set_yticks(range(len(shown)), shown)
    ax.set_ylim(len(shown) - 0.5, -0.5)
    tl.format_axis(ax.xaxis)
    ax.set_xlim(float(tl(0.0)), end)
    _style(ax)
    ax.grid(False, axis="y")
    handles = [Line2D([], [], color=ORANGE, linewidth=6, alpha=0.55, label="business case approved (P10–P90)"),
               Line2D([], [], color=BLUE, linewidth=6, alpha=0.55, label="service live (P10–P90)"),
               Line2D([], [], color=GREY, marker="o", linestyle="", label="median (P50)")]
    if tm is not None:
        handles.append(Line2D([], [], color=RED, linestyle="--", label=f"savings target date ({tl.label(tm)})"))
    if any(not math.isfinite(_quantile_late(np.asarray(d["live"].sel(service=s).values, dtype=float), 0.9))
           for s in shown):
        handles.append(Line2D([], [], color=GREY, marker=">", linestyle="", label="P90 beyond the horizon"))
    ax.legend(handles=handles, fontsize="small", loc="upper right", framealpha=0.95)
    left_out = [s for s in services if s not in shown]
    sub = "services in phasing order, first at the top"
    if left_out:
        sub += f"; not in the programme: {', '.join(left_out)}"
    _title(fig, "Milestones by service: approval and go-live dates" + _scenario_suffix(ds, scenario), sub)
    return fig


# --------------------------------------------------------------------------- tornado


def _pick(columns: Sequence[str], candidates: Sequence[str]) -> str | None:
    lower = {str(c).lower(): str(c) for c in columns}
    for c in candidates:
        if c.lower() in lower:
            return lower[c.lower()]
    return None


def _per_parameter_table(result: Any, who: str) -> pd.DataFrame:
    """A sensitivity result (an xarray Dataset on a ``parameter`` dim, or a DataFrame) as a DataFrame
    with one row per parameter, keeping the attributes."""
    if isinstance(result, xr.Dataset):
        if "parameter" not in result.dims:
            raise ValueError(f"{who}: the dataset has no 'parameter' dimension (dims: {', '.join(map(str, result.dims))})")
        names = [v for v in result.data_vars if result[v].dims == ("parameter",)]
        table = result[names].to_dataframe() if names else pd.DataFrame(index=pd.Index(result["parameter"].values))
        table = table[[c for c in table.columns if c in names]]
        table.attrs.update({k: (v.item() if isinstance(v, np.generic) else v) for k, v in result.attrs.items()})
        return table
    if isinstance(result, pd.DataFrame):
        return result
    raise ValueError(f"{who}: expected the result of simshare.analysis.sensitivity (an xarray Dataset on a "
                     f"'parameter' dim) or a DataFrame, got {type(result).__name__}")


def parameter_label(path: str) -> str:
    """A dotted path in words: ``services.Planning.review_months`` -> ``Planning: review months``,
    ``councils.A.recruitment_months.mean`` -> ``A: recruitment months (mean)``."""
    parts = str(path).split(".")
    if len(parts) >= 3 and parts[0] in ("services", "councils"):
        who, rest = parts[1], parts[2:]
    elif len(parts) >= 2 and parts[0] == "programme":
        who, rest = "programme", parts[1:]
    else:
        return str(path)
    if who == "*":
        who = "every service" if parts[0] == "services" else "every council"
    key = rest[0].replace("_", " ")
    extra = [r.replace("_", " ") for r in rest[1:]]
    return f"{who}: {key}" + (f" ({', '.join(extra)})" if extra else "")


def _value_text(value: Any) -> str:
    if isinstance(value, (int, float, np.integer, np.floating)) and not isinstance(value, bool):
        v = float(value)
        if not math.isfinite(v):
            return ""
        return f"{v:,.0f}" if abs(v) >= 1000 else f"{v:.3g}"
    return str(value)


def tornado_chart(table: Any, title: str | None = None, limit: int | None = 15) -> Figure:
    """A tornado: per parameter, the output's P50 with the parameter held at its low (P10) and at its
    high (P90) value, as bars from the base case's P50; the widest swing at the top.

    ``table`` is what :func:`simshare.analysis.sensitivity.tornado` returns (a Dataset on a
    ``parameter`` dim with ``low``/``high`` — the values held —, ``p50_low``/``p50_high`` and the
    attributes ``base_p50``, ``variable``, ``units``) or a DataFrame with the same columns (the
    parameter in the index or a ``parameter`` column; ``output_low``/``output_high`` or, without
    value columns, ``low``/``high`` are read as the outputs). ``limit``: the widest ``limit`` rows.
    """
    who = "tornado_chart"
    table = _per_parameter_table(table, who)
    cols = [str(c) for c in table.columns]
    low_col = _pick(cols, ["p50_low", "output_low", "low_output", "y_low", "at_low"])
    high_col = _pick(cols, ["p50_high", "output_high", "high_output", "y_high", "at_high"])
    lv, hv = _pick(cols, ["low_value", "value_low", "input_low"]), _pick(cols, ["high_value", "value_high", "input_high"])
    if low_col is None or high_col is None:
        low_col, high_col = _pick(cols, ["low"]), _pick(cols, ["high"])
    elif lv is None and hv is None:
        lv, hv = _pick(cols, ["low"]), _pick(cols, ["high"])
    if low_col is None or high_col is None:
        raise ValueError(f"{who}: the table needs the output's P50 with each parameter at its low and its high value "
                         f"(columns 'p50_low' and 'p50_high'); it has: {', '.join(cols) or 'no columns'}")
    if len(table) == 0:
        raise ValueError(f"{who}: the table has no rows (no parameters)")
    names = table["parameter"].astype(str).tolist() if "parameter" in cols else [str(i) for i in table.index]
    names = [parameter_label(n) for n in names]
    low = table[low_col].astype(float).to_numpy()
    high = table[high_col].astype(float).to_numpy()
    base = next((table.attrs[k] for k in ("base_p50", "base", "baseline") if table.attrs.get(k) is not None), None)
    base_col = _pick(cols, ["base", "p50_base", "output_base", "baseline"])
    if base is None and base_col is not None:
        base = float(table[base_col].astype(float).iloc[0])
    finite = np.concatenate([low, high])
    finite = finite[np.isfinite(finite)]
    if base is None or not math.isfinite(float(base)):
        base = float(np.median(finite)) if finite.size else 0.0
    base = float(base)
    swing = np.abs(high - low)
    rank = list(np.argsort(-np.nan_to_num(swing, nan=-1.0, posinf=np.finfo(float).max), kind="stable"))
    hidden = 0
    if limit is not None and len(rank) > limit:
        hidden = len(rank) - limit
        rank = rank[:limit]
    variable = str(table.attrs.get("variable", table.attrs.get("output", "npv")))
    units = table.attrs.get("units")
    if not units:
        money_output = variable == "npv" or "savings" in variable or "cumulative" in variable
        units = "£" if money_output else ("months" if variable.endswith("_month") else "")
    units = str(units)
    money = _is_money(units)

    def out_text(v: float) -> str:
        if not math.isfinite(v):
            return "after horizon" if v > 0 else "n/a"
        return format_money(v) if money else (f"{100 * v:.0f} %" if units == "1" else f"{v:.3g}")

    fig = Figure(figsize=(9.5, 2.5 + 0.42 * max(len(rank), 2)), layout="constrained")
    ax = fig.add_subplot()
    widest = float(np.nanmax(np.where(np.isfinite(swing), swing, np.nan))) if np.isfinite(swing).any() else 0.0
    quiet = 0
    for row, i in enumerate(rank):
        ends = []
        for value, colour, held in ((low[i], ORANGE, lv), (high[i], BLUE, hv)):
            if not math.isfinite(value):
                continue
            ax.barh(row, value - base, left=base, color=colour, alpha=0.85, height=0.62)
            text = out_text(value)
            if held is not None and _value_text(table[held].iloc[i]):
                text = f"{text} at {_value_text(table[held].iloc[i])}"
            ends.append((value, colour, text))
        if not ends:
            continue
        if widest > 0 and math.isfinite(swing[i]) and swing[i] < 0.01 * widest:
            quiet += 1
            ax.annotate("hardly moves it", (base, row), xytext=(6, 0), textcoords="offset points", ha="left",
                        va="center", fontsize="x-small", color=GREY)
            continue
        ends.sort(key=lambda e: e[0])
        left, right = ends[0], ends[-1]
        if len(ends) == 1:
            left, right = (ends[0], None) if ends[0][0] < base else (None, ends[0])
        if left is not None:
            ax.annotate(left[2], (min(left[0], base), row), xytext=(-4, 0), textcoords="offset points", ha="right",
                        va="center", fontsize="x-small", color=left[1])
        if right is not None:
            ax.annotate(right[2], (max(right[0], base), row), xytext=(4, 0), textcoords="offset points", ha="left",
                        va="center", fontsize="x-small", color=right[1])
    ax.axvline(base, color="black", linewidth=1)
    ax.set_yticks(range(len(rank)), [names[i] for i in rank])
    ax.set_ylim(len(rank) + 1.3, -0.5)  # a free band at the bottom for the legend
    ax.xaxis.set_major_locator(MaxNLocator(nbins=7))
    if money:
        ax.xaxis.set_major_formatter(money_formatter())
    elif units == "1":
        ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    label = _OUTCOME_LABELS.get(variable, variable)
    ax.set_xlabel(f"P50 {label}" + (f" ({units})" if units and not money and units != "1" else ""))
    reach = np.abs(np.concatenate([low[rank], high[rank]]) - base)
    reach = float(np.nanmax(reach[np.isfinite(reach)])) if np.isfinite(reach).any() else 0.0
    if reach > 0:
        ax.set_xlim(base - 1.7 * reach, base + 1.7 * reach)
    _style(ax)
    ax.grid(False, axis="y")
    ax.legend(handles=[Patch(color=ORANGE, alpha=0.85, label="parameter at its low value (P10)"),
                       Patch(color=BLUE, alpha=0.85, label="parameter at its high value (P90)"),
                       Line2D([], [], color="black", label=f"base case: P50 {out_text(base)}")],
              fontsize="small", loc="lower right", framealpha=0.95)
    sub = "each parameter held at its low and its high value, the rest uncertain as in the base; widest swing at the top"
    if hidden:
        sub += f"; {hidden} narrower not shown"
    _title(fig, title or f"What moves the P50 {label} most? (tornado)", sub)
    return fig


def sobol_chart(result: Any, title: str | None = None, limit: int | None = 15) -> Figure:
    """Sobol indices (:func:`simshare.analysis.sensitivity.sobol`): per parameter, the first-order share
    S1 (its effect alone) and the total-order share ST (with its interactions) of the output's variance,
    with confidence half-widths; largest ST at the top."""
    who = "sobol_chart"
    table = _per_parameter_table(result, who)
    cols = [str(c) for c in table.columns]
    if "S1" not in cols or "ST" not in cols:
        raise ValueError(f"{who}: the table needs columns 'S1' and 'ST'; it has: {', '.join(cols) or 'no columns'}")
    table = table.sort_values("ST", ascending=False, na_position="last")
    hidden = 0
    if limit is not None and len(table) > limit:
        hidden = len(table) - limit
        table = table.iloc[:limit]
    names = table["parameter"].astype(str).tolist() if "parameter" in cols else [str(i) for i in table.index]
    names = [parameter_label(n) for n in names]
    y = np.arange(len(table))
    fig = Figure(figsize=(9.5, 1.9 + 0.42 * max(len(table), 2)), layout="constrained")
    ax = fig.add_subplot()
    for col, conf, colour, dy, label in (("S1", "S1_conf", ORANGE, -0.18, "first order S1 (alone)"),
                                         ("ST", "ST_conf", BLUE, 0.18, "total order ST (with interactions)")):
        err = table[conf].astype(float).to_numpy() if conf in cols else None
        ax.barh(y + dy, table[col].astype(float).to_numpy(), height=0.34, color=colour, alpha=0.85, label=label,
                xerr=err, error_kw=dict(ecolor="#444444", elinewidth=0.8, capsize=2))
    ax.set_yticks(y, names)
    ax.set_ylim(len(table) - 0.5, -0.5)
    ax.xaxis.set_major_formatter(PercentFormatter(1.0))
    variable = str(table.attrs.get("variable", "npv"))
    ax.set_xlabel(f"share of the variance of {_OUTCOME_LABELS.get(variable, variable)}")
    _style(ax)
    ax.grid(False, axis="y")
    _legend(ax, loc="lower right")
    sub = "bars: share of the output's variance due to each uncertain parameter; whiskers: confidence half-widths"
    if hidden:
        sub += f"; {hidden} smaller not shown"
    _title(fig, title or f"Which uncertainties drive {_OUTCOME_LABELS.get(variable, variable)}? (Sobol indices)", sub)
    return fig


# --------------------------------------------------------------------------- scenarios


def _place_labels(fig: Figure, ax, items: list[tuple[float, float, str, dict]]) -> None:
    """Label points (x, y, text, text kwargs) so that labels overlap neither each other nor the points:
    each tries right-above, right-below, left-above, left-below, then further out."""
    from matplotlib.backends.backend_agg import FigureCanvasAgg

    canvas = fig.canvas if hasattr(fig.canvas, "get_renderer") else FigureCanvasAgg(fig)
    fig.draw_without_rendering()
    renderer = canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    taken = []
    for x, y in [(x, y) for x, y, _, _ in items]:
        px, py = ax.transData.transform((x, y))
        taken.append((px - 6, py - 6, px + 6, py + 6))
    offsets = [(9, 5, "left"), (9, -15, "left"), (-9, 5, "right"), (-9, -15, "right"),
               (9, 17, "left"), (9, -27, "left"), (-9, 17, "right"), (-9, -27, "right")]
    for x, y, text, kw in items:
        chosen = None
        for dx, dy, ha in offsets:
            t = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, **kw)
            box = t.get_window_extent(renderer)
            rect = (box.x0, box.y0, box.x1, box.y1)
            inside = frame.x0 <= rect[0] and rect[2] <= frame.x1 and frame.y0 <= rect[1] and rect[3] <= frame.y1
            if inside and not any(rect[0] < r[2] and r[0] < rect[2] and rect[1] < r[3] and r[1] < rect[3] for r in taken):
                chosen = rect
                break
            t.remove()
        if chosen is None:  # everything overlaps: keep the first choice
            t = ax.annotate(text, (x, y), xytext=offsets[0][:2], textcoords="offset points", ha="left", **kw)
            box = t.get_window_extent(renderer)
            chosen = (box.x0, box.y0, box.x1, box.y1)
        taken.append(chosen)


def scenario_chart(ds: xr.Dataset) -> Figure:
    """One labelled point per scenario: P50 NPV (up is better) against the P80 programme completion
    date (left is better), with the NPV's P10–P90 as a whisker. The status quo (no programme, which
    never completes) is listed in the legend with its median NPV rather than plotted."""
    who = "scenario_chart"
    _need(ds, ["npv", "programme_complete_month"], who)
    if "scenario" not in ds.dims:
        raise ValueError(f"{who}: the results have no 'scenario' dimension (run simshare compare, or run --baseline)")
    swept = _swept_dims(ds)
    if swept:
        raise ValueError(f"{who}: these results have swept dimension(s) {', '.join(swept)}; use sweep_heatmap")
    tl = _Timeline(ds)
    end = tl.end()
    fig = Figure(figsize=(9, 5.4), layout="constrained")
    ax = fig.add_subplot()
    xs: list[float] = []
    labels: list[tuple[float, float, str, dict]] = []
    extra: list[Line2D] = []
    for k, name in enumerate(_scenario_names(ds)):
        d = select_scenario(ds, name)
        npv = np.asarray(d["npv"].values, dtype=float)
        done = np.asarray(d["programme_complete_month"].values, dtype=float)
        if not np.isfinite(npv).any():
            continue
        p10, p50, p90 = (float(np.nanpercentile(npv, q)) for q in (10, 50, 90))
        started = np.asarray(d["review_start"].values, dtype=float) if "review_start" in d else done
        if name == STATUS_QUO or not np.isfinite(started).any():
            extra.append(Line2D([], [], linestyle="", marker="",
                                label=f"{name}: no programme, median NPV {format_money(p50)} (not plotted)"))
            continue
        p80 = _quantile_late(done, 0.8)
        x = float(tl(p80)) if math.isfinite(p80) else end
        colour = BLUE if k == 0 else ORANGE
        ax.vlines(x, p10, p90, color=colour, alpha=0.35, linewidth=2.5)
        ax.plot([x], [p50], marker="o" if math.isfinite(p80) else ">", color=colour, markersize=9, zorder=5,
                markeredgecolor="white", clip_on=False)
        text = f"{name}\n{format_money(p50)}, {tl.label(p80)}" if math.isfinite(p80) else \
            f"{name}\n{format_money(p50)}, P80 after {tl.label(tl.horizon)}"
        labels.append((x, p50, text, dict(fontsize="small", fontweight="bold" if k == 0 else "normal",
                                          va="bottom", linespacing=1.1)))
        xs.append(x)
    if xs:
        span = max(max(xs) - min(xs), 240.0)
        ax.set_xlim(min(xs) - 0.3 * span, min(max(xs) + 0.45 * span, end) if max(xs) >= end else max(xs) + 0.45 * span)
        if max(xs) >= end:
            ax.axvline(end, color=GREY, linewidth=0.8, linestyle=":")
            extra.append(Line2D([], [], color=GREY, marker=">", linestyle="",
                                label=f"P80 after the end of the simulation ({tl.label(tl.horizon)})"))
    ax.margins(y=0.15)
    tl.format_axis(ax.xaxis)
    ax.yaxis.set_major_formatter(money_formatter())
    ax.set_ylabel("NPV in the median future (P50); whisker: P10–P90")
    ax.set_xlabel("programme complete in four futures out of five (P80 date)")
    _style(ax)
    handles = [Line2D([], [], color=BLUE, marker="o", linestyle="", label=_scenario_names(ds)[0]),
               Line2D([], [], color=ORANGE, marker="o", linestyle="", label="alternative scenarios")]
    ax.legend(handles=handles + extra, fontsize="small", loc="best")
    _title(fig, "Scenarios: value against finish date",
           f"{_n(ds):,} futures each, same random numbers; up is more value, left is an earlier finish")
    _place_labels(fig, ax, labels)
    return fig


# --------------------------------------------------------------------------- sweeps


def _per_replication(ds: xr.Dataset, variable: str) -> tuple[xr.DataArray, str]:
    """(values with dims swept... × replication, units) for an outcome name."""
    base, _, at = variable.partition("@")
    if variable == "lowest_resilience":
        da = ds["resilience"].min(("time", "council"))
        return da, "1"
    if base not in ds:
        have = ", ".join(sorted(str(v) for v in ds.data_vars))
        raise ValueError(f"sweep_heatmap: the results have no {base!r} variable (variables present: {have})")
    da = ds[base]
    units = str(da.attrs.get("units", ""))
    if at:
        if "time" not in da.dims:
            raise ValueError(f"sweep_heatmap: {variable}: {base} has no time dimension")
        if at == "horizon":
            da = da.isel(time=-1, drop=True)
        elif at == "target":
            tm = target_month(ds)
            if tm is None:
                raise ValueError("sweep_heatmap: @target needs results with a target_month attribute")
            da = da.interp(time=tm).drop_vars(["time", "date"], errors="ignore")
        else:
            da = da.interp(time=float(at)).drop_vars(["time", "date"], errors="ignore")
    elif "time" in da.dims:
        raise ValueError(f"sweep_heatmap: {base} varies over time; name a month, e.g. {base}@horizon or {base}@target")
    for extra in ("council", "service"):
        if extra in da.dims:
            raise ValueError(f"sweep_heatmap: {base} varies by {extra}; choose an outcome with one value per replication")
    return da, units


def _format_value(value: float, units: str, tl: _Timeline, months: bool) -> str:
    if not math.isfinite(value):
        return "after horizon" if months and value > 0 else "n/a"
    if months:
        return tl.label(value)
    if _is_money(units):
        return format_money(value)
    if units == "1":
        return f"{100 * value:.0f} %"
    return f"{value:.3g}"


def sweep_heatmap(ds: xr.Dataset, variable: str = "npv", statistic: str = "P50", scenario: str | None = None) -> Figure:
    """One statistic (P10, P25, P50, P75, P80, P90, mean) of one outcome over a sweep.

    ``variable``: a per-replication variable (``npv``, ``programme_complete_month``, ...), a time
    variable at a month (``savings_run_rate@target``, ``cumulative_net@horizon``) or
    ``lowest_resilience``. Two swept dimensions give a heatmap with every cell labelled; one gives
    a line. Month outcomes are shown as calendar dates (NaN = not reached counts as later than all).
    """
    who = "sweep_heatmap"
    if not isinstance(ds, xr.Dataset):
        raise ValueError(f"{who}: expected an xarray.Dataset of sweep results, got {type(ds).__name__}")
    if statistic not in _STATISTICS:
        raise ValueError(f"{who}: statistic must be one of {', '.join(_STATISTICS)}, got {statistic!r}")
    d = ds
    if "scenario" in d.dims:
        if scenario is None and d.sizes["scenario"] > 1:
            raise ValueError(f"{who}: the results have several scenarios ({', '.join(_scenario_names(d))}); "
                             "choose one with scenario=")
        d = select_scenario(d, scenario)
    swept = _swept_dims(d)
    if not swept:
        raise ValueError(f"{who}: the results have no swept dimension (a sweep has one dimension per swept "
                         "parameter besides replication, time, council and service)")
    if len(swept) > 2:
        raise ValueError(f"{who}: {len(swept)} swept dimensions ({', '.join(swept)}); select values of all but "
                         f"two first, e.g. ds.isel({swept[0]}=0)")
    da, units = _per_replication(d, variable)
    months = _is_months(units, variable.partition("@")[0])
    tl = _Timeline(d)
    stat = xr.apply_ufunc(lambda x: _statistic(x, statistic, months), da, input_core_dims=[["replication"]],
                          vectorize=True)
    label = _OUTCOME_LABELS.get(variable, variable)
    title = f"{statistic} {label} across the sweep"
    sub = f"{_n(d):,} futures per setting, same random numbers" + (
        "; dates are the months in which the statistic falls" if months else "")
    if len(swept) == 1:
        dim = swept[0]
        coord = d[dim].values
        values = stat.transpose(dim).values.astype(float)
        numeric = np.issubdtype(np.asarray(coord).dtype, np.number)
        pos = np.asarray(coord, dtype=float) if numeric else np.arange(len(coord))
        y = values
        fig = Figure(figsize=WIDE, layout="constrained")
        ax = fig.add_subplot()
        ax.plot(pos, y, marker="o", color=BLUE, linewidth=2, label=f"{statistic} {label}")
        for p, v, yy in zip(pos, values, y):
            if math.isfinite(yy):
                ax.annotate(_format_value(v, units, tl, months), (p, yy), xytext=(0, 7), textcoords="offset points",
                            ha="center", fontsize="x-small")
        if len(pos) <= 12:
            ax.set_xticks(pos, [str(c) for c in coord])
        ax.set_xlabel(dim)
        if months:
            ax.yaxis.set_major_locator(MaxNLocator(nbins=6, integer=True))
            ax.yaxis.set_major_formatter(FuncFormatter(lambda v, pos=None: tl.label(v)))
        elif _is_money(units):
            ax.yaxis.set_major_formatter(money_formatter())
        elif units == "1":
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylabel(f"{statistic} {label}")
        ax.margins(y=0.15)
        _style(ax)
        _legend(ax, loc="best")
        _title(fig, title, sub)
        return fig
    ydim, xdim = swept
    grid = stat.transpose(ydim, xdim).values.astype(float)
    shown = np.where(np.isfinite(grid), grid, np.nan)
    fig = Figure(figsize=(9, 1.8 + 0.6 * max(grid.shape[0], 3)), layout="constrained")
    ax = fig.add_subplot()
    cmap = "viridis_r" if months else "viridis"
    image = ax.imshow(np.ma.masked_invalid(shown), cmap=cmap, aspect="auto", origin="lower")
    finite = shown[np.isfinite(shown)]
    mid = float(np.mean([finite.min(), finite.max()])) if finite.size else 0.0
    for i in range(grid.shape[0]):
        for j in range(grid.shape[1]):
            v = grid[i, j]
            dark = math.isfinite(v) and ((v < mid) != months)
            ax.text(j, i, _format_value(v, units, tl, months), ha="center", va="center", fontsize="small",
                    color="white" if dark else "black")
    ax.set_xticks(range(grid.shape[1]), [str(v) for v in d[xdim].values])
    ax.set_yticks(range(grid.shape[0]), [str(v) for v in d[ydim].values])
    ax.set_xlabel(xdim)
    ax.set_ylabel(ydim)
    bar = fig.colorbar(image, ax=ax, shrink=0.9)
    if months:
        bar.locator = MaxNLocator(nbins=6, integer=True)
        bar.formatter = FuncFormatter(lambda v, pos=None: tl.label(v))
    elif _is_money(units):
        bar.formatter = money_formatter()
    elif units == "1":
        bar.formatter = PercentFormatter(1.0)
    bar.update_ticks()
    bar.set_label(f"{statistic} {label}")
    _title(fig, title, sub)
    return fig


# --------------------------------------------------------------------------- choosing figures


def _has_finite(ds: xr.Dataset, name: str) -> bool:
    return name in ds and bool(np.isfinite(np.asarray(ds[name].values, dtype=float)).any())


def figures_for(ds: xr.Dataset, scenario: str | None = None) -> dict[str, Figure]:
    """The figures that fit these results, by name, in reading order.

    A single run (with or without the status quo): ``savings_run_rate``, ``cumulative_net``,
    ``completion``, ``milestones``, ``resilience``, ``vacancy``; several scenarios add ``scenarios``;
    a sweep gives ``sweep_npv`` and ``sweep_completion``.
    """
    if not isinstance(ds, xr.Dataset):
        raise ValueError(f"figures_for: expected an xarray.Dataset of simshare results, got {type(ds).__name__}")
    figures: dict[str, Figure] = {}
    swept = _swept_dims(ds)
    if swept:
        sel = ds
        if "scenario" in ds.dims:
            sel = select_scenario(ds, scenario)
        if len(swept) > 2:
            sel = sel.isel({dim: 0 for dim in swept[2:]})
        if "npv" in sel:
            figures["sweep_npv"] = sweep_heatmap(sel, "npv", "P50")
        if "programme_complete_month" in sel:
            figures["sweep_completion"] = sweep_heatmap(sel, "programme_complete_month", "P80")
        return figures
    d = select_scenario(ds, scenario)
    if "savings_run_rate" in d:
        figures["savings_run_rate"] = fan_chart(ds, "savings_run_rate", scenario)
    if "cumulative_net" in d:
        figures["cumulative_net"] = fan_chart(ds, "cumulative_net", scenario)
    if _has_finite(d, "programme_complete_month") or _has_finite(d, "reviews_complete_month"):
        figures["completion"] = completion_scurves(ds, scenario)
    if "approved" in d and "live" in d and (_has_finite(d, "approved") or _has_finite(d, "live")):
        figures["milestones"] = milestone_chart(ds, scenario)
    if "resilience" in d and "council" in d.dims:
        figures["resilience"] = resilience_chart(ds, "resilience", scenario)
    if "vacancy_rate" in d and "council" in d.dims:
        figures["vacancy"] = resilience_chart(ds, "vacancy_rate", scenario)
    names = [n for n in _scenario_names(ds) if n != STATUS_QUO]
    if len(names) >= 2 and "npv" in ds and "programme_complete_month" in ds:
        figures["scenarios"] = scenario_chart(ds)
    return figures
