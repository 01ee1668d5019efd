"""The board summary: P10/P50/P80/P90 and mean of the headline outcomes, with Monte Carlo error.

:func:`~simshare.analysis.results.outcomes` reduces a results dataset (docs/results-layout.md)
to one value per replication for each summary row; :func:`summarise` turns those into a table of percentiles
(numpy's linear method, so each figure equals ``np.percentile`` on the stored array) with the
half-width of each figure's confidence interval; :func:`format_summary` prints it for a board:
money in £k/£m, dates as calendar months, resilience as percentages.

Month rows (``*_month``) are months since the programme start; NaN = not reached within the
horizon, which the percentiles treat as later than every month (so a P80 can be "after
horizon") and which makes the mean undefined (NaN).
"""

from __future__ import annotations

import datetime as dt
import math
import textwrap
from typing import Any, Mapping

import numpy as np
import pandas as pd
import xarray as xr

from ..config import BASE, STATUS_QUO
from .blocks import mean_over
from .points import point_label, select_point
from .results import (
    COUNCIL_NPV_PREFIX,
    RESILIENCE_PREFIX,
    UNSAFE_PREFIX,
    at_month,
    attr,
    every_partner_ahead,
    format_money,
    has_joint_management,
    iter_outcomes,
    lowest_resilience,
    meets_target,
    month_label,
    per_replication,
    select_scenario,
    start_date,
    target_month,
    target_variable,
    unsafe_service_months,
    units_of,
)
from .statistics import STATISTICS, half_width, statistic_ci, wilson

_WIDTH = 100  # widest line of the printed table, labels permitting

_LABELS: dict[str, str] = {
    "npv": "NPV",
    "savings_run_rate@horizon": "Run-rate at end",
    "cumulative_net@horizon": "Net savings at end",
    "reviews_complete_month": "Reviews complete",
    "programme_complete_month": "Programme complete",
    "payback_month": "Payback",
}
#: with joint management in the results: (group heading, label under it) of the rows that say whose money
_APART: dict[str, tuple[str, str]] = {
    "npv_services": ("NPV", "reviews"),
    "npv_joint_management": ("NPV", "joint management"),
    "npv": ("NPV", "total"),
    "service_savings_run_rate@horizon": ("Run-rate at end", "reviews"),
    "joint_management_run_rate@horizon": ("Run-rate at end", "joint management"),
    "savings_run_rate@horizon": ("Run-rate at end", "total"),
}
#: group headings of the per-council rows
_HEADINGS = {COUNCIL_NPV_PREFIX: "Each council's NPV", RESILIENCE_PREFIX: "Lowest resilience",
             UNSAFE_PREFIX: "Service-months unsafe"}


def row_label(ds: xr.Dataset, row: str) -> tuple[str | None, str]:
    """(group heading or None, label) of a summary row in the board table. With joint management in the
    results, NPV and run-rates are grouped as reviews, joint management and total; the target row names
    its month and, then, whose run-rate it is; per-council rows sit under "Each council's NPV" and
    "Lowest resilience"."""
    for prefix, heading in _HEADINGS.items():
        if row.startswith(prefix + "["):
            return heading, row[len(prefix) + 1: -1]
    apart = has_joint_management(ds)
    if row.endswith("@target"):
        tm = target_month(ds)
        heading = f"Run-rate {month_label(start_date(ds), tm)}" if tm is not None else "Run-rate at target"
        if not apart:
            return None, heading
        return heading, "reviews" if row.startswith("service_") else "total"
    if apart and row in _APART:
        return _APART[row]
    if apart and row == "payback_month":
        return None, "Payback (reviews)"
    return None, _LABELS.get(row, row)


# --------------------------------------------------------------------------- the table


def summarise(ds: xr.Dataset, confidence: float = 0.95, scenario: str | None = None,
              at: Mapping[str, Any] | None = None) -> pd.DataFrame:
    """The summary table: a row per outcome; P10, P50, P80, P90, mean, their CI half-widths, units.

    Rows (index ``outcome``): :data:`~simshare.analysis.results.ROWS` present in ``ds``, then per council
    ``council_npv[COUNCIL]``, ``lowest_resilience[COUNCIL]`` and ``unsafe_months[COUNCIL]`` (service-months
    not operating safely); columns ``P10``..``mean``, ``P10_hw``..``mean_hw`` and
    ``units`` (£, £/yr, months since the start, 1 for a share). Percentiles are numpy's linear sample
    quantiles with NaN months as +inf; half-widths are (high - low)/2 of the order-statistic
    (quantiles) or normal (mean) interval at ``confidence``. ``attrs``: confidence, replications,
    scenario. ``scenario``: which scenario of a comparison (default the first); ValueError for an
    unknown one. ``at``: for a sweep's results, the point ({swept path: value}) to summarise; ValueError
    when it is missing or names no swept point (:func:`~simshare.analysis.points.select_point`). Results
    opened lazily from a file are read a row, or a block of replications, at a time
    (:mod:`simshare.analysis.blocks`); the figures are the same.
    """
    ds = select_point(ds, at)
    stats = list(STATISTICS)
    rows, names, n = [], [], 0
    for name, x in iter_outcomes(ds, scenario=scenario):  # a row at a time: memory stays flat
        names.append(name)
        n = int(len(x))
        row: dict[str, Any] = {}
        for s in stats:
            est, low, high = statistic_ci(x, s, confidence)
            row[s] = est
            row[f"{s}_hw"] = half_width(low, high)
        row["units"] = units_of(name)
        rows.append(row)
    table = pd.DataFrame(rows, index=pd.Index(names, name="outcome"))
    table = table[stats + [f"{s}_hw" for s in stats] + ["units"]]
    table.attrs.update(
        at=dict(at or {}),
        confidence=confidence,
        replications=n,
        scenario=scenario if "scenario" not in ds.dims or scenario is not None else str(ds["scenario"].values[0]),
    )
    return table


def iso_month(start: dt.date, months: float) -> str:
    """The calendar month in which ``months`` after ``start`` falls, as ``YYYY-MM`` (``"2016-05"``), the
    form CSV files give dates in; ValueError for NaN or an infinite month."""
    if not math.isfinite(months):
        raise ValueError(f"month {months}: not a month within the horizon")
    index = start.year * 12 + (start.month - 1) + math.floor(months + 1e-9)
    return f"{index // 12:04d}-{index % 12 + 1:02d}"


def target_probability(
    ds: xr.Dataset, confidence: float = 0.95, scenario: str | None = None
) -> tuple[float, float] | None:
    """P(run-rate at ``target_month`` meets ``savings_target``) and its CI half-width.

    The run-rate is the reviews' unless the config's ``target_scope`` is ``"total"``
    (:func:`~simshare.analysis.results.target_variable`); it meets the target to the pound (within
    £1 below it counts). The half-width is half the Wilson score interval. Without
    ``savings_target`` returns None; without ``target_month`` the target is judged at the horizon.
    """
    target = attr(ds, "savings_target")
    if target is None:
        return None
    d = select_scenario(ds, scenario)
    tm = target_month(d)
    name = target_variable(ds)
    rate = d[name].isel(time=-1, drop=True) if tm is None else at_month(d[name], tm)
    x = per_replication(rate, name)
    n = x.size
    if n == 0:
        return None
    hits = int(np.count_nonzero(meets_target(x, float(target))))
    low, high = wilson(hits, n, confidence)
    return hits / n, (high - low) / 2.0


def dissolution_probability(
    ds: xr.Dataset, confidence: float = 0.95, scenario: str | None = None
) -> tuple[float, float] | None:
    """P(the partnership has dissolved by the horizon) and its CI half-width (half the Wilson interval).

    None when the results cannot dissolve: no ``dissolved_month`` variable, or a config without a
    dissolution hazard (the ``dissolution`` attribute 0) in which no replication dissolved.
    """
    d = select_scenario(ds, scenario)
    if "dissolved_month" not in d:
        return None
    x = per_replication(d["dissolved_month"], "dissolved_month")
    hits = int(np.count_nonzero(np.isfinite(x)))
    if x.size == 0 or (hits == 0 and not attr(ds, "dissolution")):
        return None
    low, high = wilson(hits, x.size, confidence)
    return hits / x.size, (high - low) / 2.0


def partners_ahead_probability(
    ds: xr.Dataset, confidence: float = 0.95, scenario: str | None = None
) -> tuple[float, float] | None:
    """P(every partner's NPV > £0) and its CI half-width (half the Wilson interval); None without
    per-council NPV or with a single council."""
    ahead = every_partner_ahead(ds, scenario)
    if ahead is None or ahead.size == 0 or ds.sizes.get("council", 0) < 2:
        return None
    hits = int(np.count_nonzero(ahead))
    low, high = wilson(hits, ahead.size, confidence)
    return hits / ahead.size, (high - low) / 2.0


def target_sentence(ds: xr.Dataset) -> str:
    """What the target is compared with, in words: "the reviews' savings run-rate" or "the savings run-rate"."""
    if target_variable(ds) == "service_savings_run_rate" and has_joint_management(ds):
        return "the reviews' savings run-rate (joint management left out)"
    return "the savings run-rate" + (" (joint management included)" if has_joint_management(ds) else "")


# --------------------------------------------------------------------------- formatting


def cell_text(row: str, value: float, hw: float, start: dt.date, statistic: str) -> str:
    """One table cell: the estimate and its ± half-width, as a date (months), a percentage (shares) or £."""
    units = units_of(row)
    if units.startswith("months"):
        if math.isnan(value):
            return "n/a" if row == "payback_month" else "not reached"
        if math.isinf(value):
            return "no deficit" if value < 0 else "after horizon"
        h = "±∞" if math.isinf(hw) else f"±{hw:.1f}mo"
        return f"{month_label(start, value)} {h}"
    if units == "service-months":
        if math.isnan(value):
            return "n/a"
        h = "±∞" if math.isinf(hw) else f"±{hw:.0f}" if hw >= 1 else f"±{hw:.1f}"
        return f"{value:,.0f} {h}"
    if units == "1":
        if math.isnan(value):
            return "n/a"
        h = "±∞" if math.isinf(hw) else f"±{100 * hw:.1f}"
        return f"{100 * value:.1f}% {h}"
    return f"{format_money(value)} {format_money(hw, sign='±', digits=2)}"


def format_summary(
    ds: xr.Dataset,
    table: pd.DataFrame | None = None,
    confidence: float = 0.95,
    scenario: str | None = None,
    at: Mapping[str, Any] | None = None,
) -> str:
    """The board table as plain text: P10/P50/P80/P90/mean of each outcome, each ± its CI half-width.
    ``scenario``: which scenario of a comparison (default the first); ``at``: which point of a sweep."""
    point = point_label(ds, at) if at else None
    ds = select_point(ds, at)
    if table is None:
        table = summarise(ds, confidence=confidence, scenario=scenario)
    confidence = float(table.attrs.get("confidence", confidence))
    start = start_date(ds)
    n = int(table.attrs.get("replications") or ds.sizes.get("replication", 0))
    name = attr(ds, "config_name") or "simshare results"
    seed = attr(ds, "seed")
    sampling = attr(ds, "sampling")
    horizon = attr(ds, "horizon_months")
    horizon = float(ds["time"].values[-1]) if horizon is None else float(horizon)
    tm = target_month(ds)
    end = month_label(start, horizon)

    head = f"{name}"
    if "scenario" in ds.dims:
        head += f" — scenario: {scenario if scenario is not None else str(ds['scenario'].values[0])}"
    if point:
        head += f" — sweep point: {point}"
    details = f"{n:,} replications, seed {seed if seed is not None else '?'}"
    if sampling:
        details += f" ({sampling})"
    details += f"; start {month_label(start, 0)}, end {end} ({horizon:g} months)"
    lines = [head, details, f"Each figure ± half-width of its {confidence:.0%} confidence interval (Monte Carlo error).", ""]

    labels: list[tuple[str, str | None]] = []  # (label, row) or (heading, None)
    current = None
    for row in table.index:
        heading, label = row_label(ds, row)
        if heading is not None and heading != current:
            labels.append((heading, None))
        current = heading
        labels.append((label if heading is None else "  " + label, row))

    stats = list(STATISTICS)
    cells = {
        row: [cell_text(row, float(table.at[row, s]), float(table.at[row, f"{s}_hw"]), start, s) for s in stats]
        for _, row in labels
        if row is not None
    }
    label_w = max(len(lab) for lab, row in labels if row is not None)
    col_w = max([len(s) for s in stats] + [len(c) for cs in cells.values() for c in cs])

    def line(label: str, items: list[str]) -> str:
        return f"{label:<{label_w}} " + " ".join(f"{c:>{col_w}}" for c in items)

    lines.append(line("", stats))
    for lab, row in labels:
        lines.append(lab if row is None else line(lab, cells[row]))

    notes = ["Run-rate: recurring savings in force, £ a year. End: the last simulated month."]
    if has_joint_management(ds):
        notes.append("Reviews: the service reviews' savings and costs (the programme team's included); joint "
                     "management: its saving and one-off cost; total, and net savings at end: both.")
    if "payback_month" in table.index:
        notes.append("The reviews' payback: the first month from which their cumulative net savings stay at or "
                     "above £0 after a deficit; no deficit: they are never below £0.")
    if any(r.startswith(COUNCIL_NPV_PREFIX) for r in table.index):
        notes.append("Each council's NPV: its share of savings less its share of costs, by the "
                     f"programme's cost sharing ({attr(ds, 'cost_sharing') or 'budget'}).")
    if any(r.startswith(RESILIENCE_PREFIX) for r in table.index):
        notes.append("Resilience: budget-weighted share of services operating safely; ± in % points.")
    if any(r.startswith(UNSAFE_PREFIX) for r in table.index):
        notes.append("Service-months unsafe: how long, beside how deep: the months each of the council's "
                     "services is not operating safely (below safe staffing, or no specialist in post), added up "
                     "over its services.")
    if any(c in ("after horizon", "not reached") or "±∞" in c for cs in cells.values() for c in cs):
        notes.append(
            "after horizon: later than the last simulated month. not reached: some replications never "
            "get there, so no mean. ±∞: the interval reaches past the horizon (or too few replications)."
        )
    lines.append("")
    for note in notes:
        lines.extend(textwrap.wrap(note, width=_WIDTH))

    prob = target_probability(ds, confidence=confidence, scenario=scenario)
    ahead = partners_ahead_probability(ds, confidence=confidence, scenario=scenario)
    if prob is not None or ahead is not None:
        lines.append("")
    if prob is not None:
        p, hw = prob
        by = month_label(start, tm if tm is not None else float(horizon))
        target = float(attr(ds, "savings_target"))
        whose = "reviews' savings run-rate" if target_variable(ds) == "service_savings_run_rate" and \
            has_joint_management(ds) else "savings run-rate"
        lines.append(f"P({whose} ≥ {format_money(target)}/yr in {by}): {_percent(p, hw)}")
    if ahead is not None:
        lines.append(f"P(every partner's NPV > £0): {_percent(*ahead)}")
    gone = dissolution_probability(ds, confidence=confidence, scenario=scenario)
    if gone is not None:
        if prob is None and ahead is None:
            lines.append("")
        lines.append(f"P(partnership dissolved by {end}): {_percent(*gone)}")
    return "\n".join(lines) + "\n"


def board_table(ds: xr.Dataset, table: pd.DataFrame | None = None, confidence: float = 0.95,
                scenario: str | None = None) -> pd.DataFrame:
    """The board table as text cells, as :func:`format_summary` prints them (dates as calendar months, money
    in £k/£m, shares in %, each ± its half-width; "after horizon", "no deficit", "not reached" in words):
    for display, e.g. in a notebook. Index: the row's label (``NPV: reviews``); columns P10 … mean."""
    if table is None:
        table = summarise(ds, confidence=confidence, scenario=scenario)
    start = start_date(ds)
    stats = list(STATISTICS)
    labels = []
    for row in table.index:
        heading, label = row_label(ds, row)
        labels.append(label if heading is None else f"{heading}: {label}")
    cells = [[cell_text(row, float(table.at[row, s]), float(table.at[row, f"{s}_hw"]), start, s) for s in stats]
             for row in table.index]
    return pd.DataFrame(cells, index=pd.Index(labels, name="outcome"), columns=stats)


def _percent(p: float, hw: float) -> str:
    decimals = 0 if hw >= 0.01 else 1
    return f"{100 * p:.{decimals}f} % ± {100 * hw:.{decimals}f} %"


def format_baseline(ds: xr.Dataset, scenario: str = BASE, baseline: str = STATUS_QUO) -> str:
    """Lines comparing the programme with the status quo run under the same random numbers."""
    if "scenario" not in ds.dims or baseline not in ds["scenario"].values:
        return ""
    base, quo = select_scenario(ds, scenario), select_scenario(ds, baseline)
    lines = [f"Against the {baseline} (no programme, same random numbers), means over replications:"]
    lows = [lowest_resilience(d) for d in (base, quo)]
    unsafe = [unsafe_service_months(d) for d in (base, quo)]
    means = [mean_over(d["resilience"], keep="council") for d in (base, quo)]
    for i, council in enumerate(ds["council"].values):
        b, q = (float(np.mean(low[:, i])) for low in lows)
        bm, qm = (float(m[i]) for m in means)
        cost_b, cost_q = (float(d["agency_cost"].sel(council=council).isel(time=-1).mean()) for d in (base, quo))
        ub, uq = (float(np.mean(u[:, i])) for u in unsafe)
        lines.append(
            f"  {council}: lowest resilience {b:.1%} vs {q:.1%}; average resilience {bm:.1%} vs {qm:.1%}; "
            f"service-months unsafe {ub:,.0f} vs {uq:,.0f}; "
            f"agency premium to the end {format_money(cost_b)} vs {format_money(cost_q)}"
        )
    return "\n".join(lines)


__all__ = ["iso_month", "summarise", "target_probability", "dissolution_probability", "partners_ahead_probability",
           "target_sentence", "row_label", "cell_text", "format_summary", "format_baseline", "board_table"]
