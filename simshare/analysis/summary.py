"""The board summary: P10/P50/P80/P90 and mean of the headline outcomes, with Monte Carlo error.

:func:`outcomes` reduces a results dataset (docs/results-layout.md) to one value per
replication for each summary row; :func:`summarise` turns those into a table of percentiles
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

from .convergence import STATISTICS, half_width, statistic_ci

#: Fixed summary rows in table order; ``lowest_resilience[COUNCIL]`` rows follow, one per council.
#: ``savings_run_rate@target`` is present only when the results carry a ``target_month``.
ROWS: tuple[str, ...] = (
    "npv",
    "savings_run_rate@target",
    "savings_run_rate@horizon",
    "cumulative_net@horizon",
    "reviews_complete_month",
    "programme_complete_month",
    "payback_month",
)
RESILIENCE_PREFIX = "lowest_resilience"
_WIDTH = 100  # widest line of the printed table, labels permitting

UNITS: dict[str, str] = {
    "npv": "£",
    "savings_run_rate@target": "£/yr",
    "savings_run_rate@horizon": "£/yr",
    "cumulative_net@horizon": "£",
    "reviews_complete_month": "months",
    "programme_complete_month": "months",
    "payback_month": "months",
    RESILIENCE_PREFIX: "1",
}

_LABELS: dict[str, str] = {
    "npv": "NPV",
    "savings_run_rate@target": "Run-rate at target",
    "savings_run_rate@horizon": "Run-rate at end",
    "cumulative_net@horizon": "Net savings at end",
    "reviews_complete_month": "Reviews complete",
    "programme_complete_month": "Programme complete",
    "payback_month": "Payback",
}


# --------------------------------------------------------------------------- dataset access


def _attr(ds: xr.Dataset, name: str) -> Any:
    """A dataset attribute, or None when absent, empty or NaN (netCDF has no None)."""
    value = ds.attrs.get(name)
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        if value.size != 1:
            return value
        value = value.item()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def select_scenario(ds: xr.Dataset, scenario: str | None = None) -> xr.Dataset:
    """The dataset of one scenario: ``scenario`` by name, default the first stored.

    A dataset without a ``scenario`` dim is a single run; it accepts ``None`` or ``"base"``.
    """
    if "scenario" not in ds.dims:
        if scenario not in (None, "base"):
            raise ValueError(f"scenario {scenario!r}: these results hold a single run (no scenario dimension)")
        return ds
    names = [str(s) for s in ds["scenario"].values]
    if scenario is None:
        return ds.isel(scenario=0)
    if scenario not in names:
        raise ValueError(f"scenario {scenario!r}: not in the results (scenarios are: {', '.join(names)})")
    return ds.isel(scenario=names.index(scenario))


def _per_replication(da: xr.DataArray, name: str) -> np.ndarray:
    if da.dims != ("replication",):
        raise ValueError(
            f"{name}: expected one value per replication, got dims {da.dims} "
            "(select a scenario or swept value first)"
        )
    return np.asarray(da.values, dtype=float)


def _at_month(da: xr.DataArray, month: float) -> xr.DataArray:
    """Value at ``month`` (months since start), linear between the stored integer months.

    The model's run-rate is piecewise linear with steps; between two stored months we
    interpolate linearly (exact at whole months, which is what configs normally give).
    """
    times = np.asarray(da["time"].values, dtype=float)
    if not times[0] - 1e-9 <= month <= times[-1] + 1e-9:
        raise ValueError(f"month {month:g} is outside the simulated months {times[0]:g}..{times[-1]:g}")
    i = int(np.searchsorted(times, month, side="right")) - 1
    i = min(max(i, 0), len(times) - 1)
    if abs(times[i] - month) <= 1e-9 or i == len(times) - 1:
        return da.isel(time=i)
    w = (month - times[i]) / (times[i + 1] - times[i])
    return da.isel(time=i) * (1.0 - w) + da.isel(time=i + 1) * w


def target_month(ds: xr.Dataset) -> float | None:
    """The ``target_month`` attribute as a float, or None when the config has none."""
    value = _attr(ds, "target_month")
    return None if value is None else float(value)


def outcomes(ds: xr.Dataset, scenario: str | None = None) -> dict[str, np.ndarray]:
    """One value per replication for each summary row (see :data:`ROWS`), in table order.

    ``savings_run_rate@target`` is the run-rate at ``target_month`` (linear between whole
    months), present only when the dataset has that attribute; ``@horizon`` rows take the
    last month; ``lowest_resilience[C]`` is council C's minimum resilience over time.
    """
    d = select_scenario(ds, scenario)
    out: dict[str, np.ndarray] = {"npv": _per_replication(d["npv"], "npv")}
    tm = target_month(d)
    if tm is not None:
        out["savings_run_rate@target"] = _per_replication(
            _at_month(d["savings_run_rate"], tm), "savings_run_rate@target"
        )
    out["savings_run_rate@horizon"] = _per_replication(
        d["savings_run_rate"].isel(time=-1, drop=True), "savings_run_rate@horizon"
    )
    out["cumulative_net@horizon"] = _per_replication(
        d["cumulative_net"].isel(time=-1, drop=True), "cumulative_net@horizon"
    )
    for name in ("reviews_complete_month", "programme_complete_month", "payback_month"):
        if name in d:
            out[name] = _per_replication(d[name], name)
    if "resilience" in d:
        lowest = d["resilience"].min("time")
        for council in d["council"].values:
            key = f"{RESILIENCE_PREFIX}[{council}]"
            out[key] = _per_replication(lowest.sel(council=council, drop=True), key)
    return out


def units_of(row: str) -> str:
    """Units of a summary row."""
    return UNITS[RESILIENCE_PREFIX if row.startswith(RESILIENCE_PREFIX) else row]


# --------------------------------------------------------------------------- the table


def summarise(ds: xr.Dataset, confidence: float = 0.95, scenario: str | None = None) -> pd.DataFrame:
    """The summary table: a row per outcome; P10, P50, P80, P90, mean, their CI half-widths, units.

    Percentiles are numpy's linear sample quantiles with NaN months as +inf; half-widths are
    (high - low)/2 of the order-statistic (quantiles) or normal (mean) interval at ``confidence``.
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


def _wilson(successes: int, n: int, confidence: float) -> tuple[float, float]:
    """Wilson score interval for a binomial proportion."""
    from scipy import stats

    z = float(stats.norm.ppf(0.5 + confidence / 2.0))
    p = successes / n
    denom = 1.0 + z * z / n
    centre = (p + z * z / (2 * n)) / denom
    half = z / denom * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    return centre - half, centre + half


def target_probability(
    ds: xr.Dataset, confidence: float = 0.95, scenario: str | None = None
) -> tuple[float, float] | None:
    """P(savings run-rate at ``target_month`` >= ``savings_target``) and its CI half-width.

    The half-width is half the Wilson score interval. Without ``savings_target`` returns None;
    without ``target_month`` the target is judged at the horizon.
    """
    target = _attr(ds, "savings_target")
    if target is None:
        return None
    d = select_scenario(ds, scenario)
    tm = target_month(d)
    rate = d["savings_run_rate"].isel(time=-1, drop=True) if tm is None else _at_month(d["savings_run_rate"], tm)
    x = _per_replication(rate, "savings_run_rate")
    n = x.size
    if n == 0:
        return None
    hits = int(np.count_nonzero(x >= float(target)))
    low, high = _wilson(hits, n, confidence)
    return hits / n, (high - low) / 2.0


# --------------------------------------------------------------------------- formatting


def format_money(value: float, sign: str = "", digits: int = 3) -> str:
    """£ to ``digits`` significant figures: £1.24m, £660k, £12.3k, £850; ``sign`` is prefixed (e.g. ±).

    Estimates use three significant figures, half-widths two (±£12k, ±£1.2m).
    """
    if value is None or math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return f"{sign}∞" if sign else ("-∞" if value < 0 else "∞")
    neg = value < 0
    v = float(f"{abs(value):.{digits}g}")  # round first so 999,999 becomes £1.00m, not £1000k
    if v >= 1e6:
        scaled, suffix = v / 1e6, "m"
    elif v >= 1e3:
        scaled, suffix = v / 1e3, "k"
    else:
        scaled, suffix = v, ""
    whole = len(str(int(scaled))) if scaled >= 1 else 1
    decimals = max(digits - whole, 0) if suffix else 0
    return f"{sign}{'-' if neg else ''}£{scaled:.{decimals}f}{suffix}"


def month_label(start: dt.date, months: float) -> str:
    """Calendar month in which ``months`` after ``start`` falls, e.g. ``Jan 2017``."""
    whole = math.floor(months + 1e-9)
    index = start.year * 12 + (start.month - 1) + whole
    return dt.date(index // 12, index % 12 + 1, 1).strftime("%b %Y")


def start_date(ds: xr.Dataset) -> dt.date:
    value = _attr(ds, "start")
    if value is not None:
        try:
            return dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            pass
    if "date" in ds.coords:
        first = pd.Timestamp(ds["date"].values[0])
        return dt.date(first.year, first.month, 1)
    raise ValueError("results have no 'start' attribute or 'date' coordinate to turn months into dates")


def _cell(row: str, value: float, hw: float, start: dt.date, statistic: str) -> str:
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
    name = _attr(ds, "config_name") or "simshare results"
    seed = _attr(ds, "seed")
    sampling = _attr(ds, "sampling")
    horizon = _attr(ds, "horizon_months")
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
        row: [_cell(row, float(table.at[row, s]), float(table.at[row, f"{s}_hw"]), start, s) for s in stats]
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
        target = float(_attr(ds, "savings_target"))
        lines.append("")
        lines.append(
            f"P(savings run-rate ≥ {format_money(target)}/yr by {by}): "
            f"{100 * p:.{decimals}f} % ± {100 * hw:.{decimals}f} %"
        )
    return "\n".join(lines) + "\n"


def format_baseline(ds: xr.Dataset, scenario: str = "base", baseline: str = "status quo") -> str:
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
