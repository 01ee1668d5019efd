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
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..config import BASE, STATUS_QUO
from .results import (
    RESILIENCE_PREFIX,
    at_month,
    attr,
    format_money,
    month_label,
    outcomes,
    per_replication,
    select_scenario,
    start_date,
    target_month,
    units_of,
)
from .statistics import STATISTICS, half_width, statistic_ci, wilson

_WIDTH = 100  # widest line of the printed table, labels permitting

_LABELS: dict[str, str] = {
    "npv": "NPV",
    "savings_run_rate@target": "Run-rate at target",
    "savings_run_rate@horizon": "Run-rate at end",
    "cumulative_net@horizon": "Net savings at end",
    "reviews_complete_month": "Reviews complete",
    "programme_complete_month": "Programme complete",
    "payback_month": "Payback",
}


# --------------------------------------------------------------------------- the table


def summarise(ds: xr.Dataset, confidence: float = 0.95, scenario: str | None = None) -> pd.DataFrame:
    """The summary table: a row per outcome; P10, P50, P80, P90, mean, their CI half-widths, units.

    Rows (index ``outcome``): :data:`~simshare.analysis.results.ROWS` present in ``ds``, then
    ``lowest_resilience[COUNCIL]`` per council; columns ``P10``..``mean``, ``P10_hw``..``mean_hw`` and
    ``units`` (£, £/yr, months since the start, 1 for a share). Percentiles are numpy's linear sample
    quantiles with NaN months as +inf; half-widths are (high - low)/2 of the order-statistic
    (quantiles) or normal (mean) interval at ``confidence``. ``attrs``: confidence, replications,
    scenario. ``scenario``: which scenario of a comparison (default the first); ValueError for an
    unknown one or for results with swept dims.
    """
    values = outcomes(ds, scenario=scenario)
    stats = list(STATISTICS)
    rows = []
    for name, x in values.items():
        row: dict[str, Any] = {}
        for s in stats:
            est, low, high = statistic_ci(x, s, confidence)
            row[s] = est
            row[f"{s}_hw"] = half_width(low, high)
        row["units"] = units_of(name)
        rows.append(row)
    table = pd.DataFrame(rows, index=pd.Index(list(values), name="outcome"))
    table = table[stats + [f"{s}_hw" for s in stats] + ["units"]]
    table.attrs.update(
        confidence=confidence,
        replications=int(len(next(iter(values.values())))),
        scenario=scenario if "scenario" not in ds.dims or scenario is not None else str(ds["scenario"].values[0]),
    )
    return table


def target_probability(
    ds: xr.Dataset, confidence: float = 0.95, scenario: str | None = None
) -> tuple[float, float] | None:
    """P(savings run-rate at ``target_month`` >= ``savings_target``) and its CI half-width.

    The half-width is half the Wilson score interval. Without ``savings_target`` returns None;
    without ``target_month`` the target is judged at the horizon.
    """
    target = attr(ds, "savings_target")
    if target is None:
        return None
    d = select_scenario(ds, scenario)
    tm = target_month(d)
    rate = d["savings_run_rate"].isel(time=-1, drop=True) if tm is None else at_month(d["savings_run_rate"], tm)
    x = per_replication(rate, "savings_run_rate")
    n = x.size
    if n == 0:
        return None
    hits = int(np.count_nonzero(x >= float(target)))
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


# --------------------------------------------------------------------------- formatting


def cell_text(row: str, value: float, hw: float, start: dt.date, statistic: str) -> str:
    """One table cell: the estimate and its ± half-width, as a date (months), a percentage (shares) or £."""
    units = units_of(row)
    if units.startswith("months"):
        if math.isnan(value):
            return "not reached"
        if math.isinf(value):
            return "after horizon"
        h = "±∞" if math.isinf(hw) else f"±{hw:.1f}mo"
        return f"{month_label(start, value)} {h}"
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
) -> str:
    """The board table as plain text: P10/P50/P80/P90/mean of each outcome, each ± its CI half-width."""
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
    details = f"{n:,} replications, seed {seed if seed is not None else '?'}"
    if sampling:
        details += f" ({sampling})"
    details += f"; start {month_label(start, 0)}, end {end} ({horizon:g} months)"
    lines = [head, details, f"Each figure ± half-width of its {confidence:.0%} confidence interval (Monte Carlo error).", ""]

    labels: list[tuple[str, str | None]] = []  # (label, row) or (heading, None)
    resilience_heading = False
    for row in table.index:
        if row.startswith(RESILIENCE_PREFIX):
            if not resilience_heading:
                labels.append(("Lowest resilience", None))
                resilience_heading = True
            labels.append(("  " + row[len(RESILIENCE_PREFIX) + 1 : -1], row))
        elif row == "savings_run_rate@target" and tm is not None:
            labels.append((f"Run-rate {month_label(start, tm)}", row))
        else:
            labels.append((_LABELS.get(row, row), row))

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
    if any(r.startswith(RESILIENCE_PREFIX) for r in table.index):
        notes.append("Resilience: budget-weighted share of services operating safely; ± in % points.")
    if any(c in ("after horizon", "not reached") or "±∞" in c for cs in cells.values() for c in cs):
        notes.append(
            "after horizon: later than the last simulated month. not reached: some replications never "
            "get there, so no mean. ±∞: the interval reaches past the horizon (or too few replications)."
        )
    lines.append("")
    for note in notes:
        lines.extend(textwrap.wrap(note, width=_WIDTH))

    prob = target_probability(ds, confidence=confidence, scenario=scenario)
    if prob is not None:
        p, hw = prob
        by = month_label(start, tm if tm is not None else float(horizon))
        decimals = 0 if hw >= 0.01 else 1
        target = float(attr(ds, "savings_target"))
        lines.append("")
        lines.append(
            f"P(savings run-rate ≥ {format_money(target)}/yr by {by}): "
            f"{100 * p:.{decimals}f} % ± {100 * hw:.{decimals}f} %"
        )
    gone = dissolution_probability(ds, confidence=confidence, scenario=scenario)
    if gone is not None:
        p, hw = gone
        decimals = 0 if hw >= 0.01 else 1
        if prob is None:
            lines.append("")
        lines.append(f"P(partnership dissolved by {end}): {100 * p:.{decimals}f} % ± {100 * hw:.{decimals}f} %")
    return "\n".join(lines) + "\n"


def format_baseline(ds: xr.Dataset, scenario: str = BASE, baseline: str = STATUS_QUO) -> str:
    """Lines comparing the programme with the status quo run under the same random numbers."""
    if "scenario" not in ds.dims or baseline not in ds["scenario"].values:
        return ""
    base, quo = select_scenario(ds, scenario), select_scenario(ds, baseline)
    lines = [f"Against the {baseline} (no programme, same random numbers), means over replications:"]
    for council in ds["council"].values:
        b = float(base["resilience"].sel(council=council).min("time").mean())
        q = float(quo["resilience"].sel(council=council).min("time").mean())
        bm = float(base["resilience"].sel(council=council).mean(("time", "replication")))
        qm = float(quo["resilience"].sel(council=council).mean(("time", "replication")))
        cost_b = float(base["agency_cost"].sel(council=council).isel(time=-1).mean())
        cost_q = float(quo["agency_cost"].sel(council=council).isel(time=-1).mean())
        lines.append(
            f"  {council}: lowest resilience {b:.1%} vs {q:.1%}; average resilience {bm:.1%} vs {qm:.1%}; "
            f"agency premium to the end {format_money(cost_b)} vs {format_money(cost_q)}"
        )
    return "\n".join(lines)


__all__ = ["summarise", "target_probability", "dissolution_probability", "cell_text", "format_summary",
           "format_baseline"]
