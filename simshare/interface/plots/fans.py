"""Fan charts (a variable's spread over time) and S-curves (when the reviews and the programme finish)."""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ...analysis.results import attr, format_money, target_month, target_variable
from ...analysis.statistics import late_quantile
from ...analysis.summary import target_probability
from .data import Timeline, band_quantiles, need, replication_count, scenario_suffix, single_run
from .style import (literal_text, BLUE, GREEN, GREY, ORANGE, RED, TITLES, WIDE, figure_legend, is_money, money_formatter, percent,
                    style_axes, title_figure)


@literal_text
def fan_chart(ds: xr.Dataset, variable: str = "savings_run_rate", scenario: str | None = None) -> Figure:
    """Fan chart of a replication × time variable: P10–P90 and P25–P75 bands and the median.

    ``variable``: ``savings_run_rate`` (default) or ``service_savings_run_rate`` (the reviews' alone),
    with the savings target marked on the run-rate it is compared with when the results carry
    ``savings_target`` and ``target_month``; ``cumulative_net`` (with break-even marked), or any other
    (replication, time) variable such as ``cumulative_costs`` or ``services_live``.
    """
    who = "fan_chart"
    need(ds, [variable, "time"], who)
    d = single_run(ds, scenario, who)
    da = d[variable]
    if "replication" not in da.dims or "time" not in da.dims:
        raise ValueError(f"{who}: {variable} must have replication and time dims, has {da.dims}")
    extra = [x for x in da.dims if x not in ("replication", "time")]
    if extra:
        raise ValueError(f"{who}: {variable} also varies by {', '.join(extra)}; select one value first "
                         "(for councils see resilience_chart)")
    tl = Timeline(d)
    x = tl(d["time"].values)
    q = band_quantiles(da.transpose("replication", "time"), [10, 25, 50, 75, 90])
    units = str(da.attrs.get("units", ""))

    fig = Figure(figsize=WIDE, layout="constrained")
    ax = fig.add_subplot()
    ax.fill_between(x, q[0], q[4], color=BLUE, alpha=0.16, linewidth=0, label="middle 80 % of futures (P10–P90)")
    ax.fill_between(x, q[1], q[3], color=BLUE, alpha=0.32, linewidth=0, label="middle half of futures (P25–P75)")
    ax.plot(x, q[2], color=BLUE, linewidth=2.2, label="median future (P50)")

    target = attr(d, "savings_target") if target_variable(ds) == variable else None
    if target is not None:
        target = float(target)
        tm = target_month(d)
        tm = tl.horizon if tm is None else tm
        prob = target_probability(ds, scenario=scenario)
        label = f"target {format_money(target)} a year by {tl.label(tm)}"
        if prob is not None:
            label += f": met in {percent(prob[0])} of futures"
        ax.axhline(target, color=RED, linestyle="--", linewidth=1.3, label=label)
        ax.axvline(float(tl(tm)), color=RED, linestyle=":", linewidth=1.1)
        ax.plot([float(tl(tm))], [target], marker="o", color=RED, markersize=6, zorder=5)
    if variable.startswith("cumulative"):
        ax.axhline(0.0, color="black", linewidth=0.9, label="break-even (£0)" if variable == "cumulative_net" else None)

    tl.format_axis(ax.xaxis)
    ax.set_xlim(x[0], x[-1])
    if is_money(units):
        ax.yaxis.set_major_formatter(money_formatter())
    if variable.endswith("savings_run_rate"):
        ax.set_ylabel("£ a year")
        ax.set_ylim(bottom=0)
    elif is_money(units):
        ax.set_ylabel("£")
    elif units:
        ax.set_ylabel(units)
    style_axes(ax)
    title = TITLES.get(variable, str(da.attrs.get("long_name", variable)))
    title_figure(fig, title + scenario_suffix(ds, scenario),
           f"{replication_count(d):,} simulated futures; the bands show how widely they spread, month by month")
    figure_legend(fig, [ax])
    return fig


def _month_values(plan: Any, tl: Timeline) -> float:
    """A plan given as months since the start, or as a date (date, datetime, 'YYYY-MM[-DD]')."""
    if isinstance(plan, (int, float, np.integer, np.floating)) and not isinstance(plan, bool):
        return float(plan)
    if tl.start is None:
        raise ValueError("plan dates need results with a start date; give the plan in months instead")
    when = pd.Timestamp(plan)
    return float((when.year - tl.start.year) * 12 + (when.month - tl.start.month) + (when.day - 1) / 30.44)


@literal_text
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
        need(ds, ["programme_complete_month"], who)
    d = single_run(ds, scenario, who)
    tl = Timeline(d)
    n = replication_count(d)
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
            label += f" — {percent(1 - done)} not within the horizon"
        ax.step(xs, ys, where="post", color=colour, linewidth=2.2, label=label)
        for q, text in ((0.5, "P50"), (0.8, "P80")):
            m = late_quantile(values, q)
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
    style_axes(ax)
    title_figure(fig, "When do the reviews and the programme finish?" + scenario_suffix(ds, scenario),
           f"S-curves over {n:,} simulated futures; read across at 50 % or 80 % for the P50 or P80 date")
    figure_legend(fig, [ax])
    return fig


__all__ = ["fan_chart", "completion_scurves"]
