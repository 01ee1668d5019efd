"""The comparison as a planner reads it (``simshare compare``): each scenario's own figures first (P50 NPV,
P50 and P80 completion as calendar months, how often it never finishes, P(target)), then the paired
differences against the base, labelled as differences (Δ = scenario − base, replication by replication),
then one headline per scenario. Nothing prints as ∞: a future that never finishes within the horizon is
said in words ("never finishes in 12 % of futures"), and the status quo, which runs no programme, has
"not applicable: no programme" where a finish date would be.
"""

from __future__ import annotations

import datetime as dt
import math

import pandas as pd
import xarray as xr

from ..config import BASE
from .compare import MEASURES, no_programme, paired_differences, scenario_figures
from .results import attr, format_money, month_label, start_date, target_month
from .summary import target_sentence

MINUS = "−"  # typographic minus for signed differences
NO_PROGRAMME = "not applicable: no programme"


def _minus(text: str) -> str:
    return MINUS + text[1:] if text.startswith("-") else text


def _percent(share: float) -> str:
    return f"{100 * share:.0f} %"


def signed_money(value: float) -> str:
    """A money difference with its sign: +£120k, −£40.0k, £0; n/a for NaN or an infinite value."""
    if not math.isfinite(value):
        return "n/a"
    if value == 0:
        return "£0"
    return _minus(format_money(value, sign="+" if value > 0 else ""))


def _signed(value: float, unit: str, scale: float = 1.0, decimals: int = 1) -> str:
    if math.isnan(value):
        return "n/a"
    if round(scale * value, decimals) == 0:
        return f"{0:.{decimals}f}" + unit
    return _minus(f"{scale * value:+.{decimals}f}") + unit


def format_difference(value: float, units: str) -> str:
    """A paired difference for the table: money (£, £/yr), ± months, or percentage points of resilience.
    A month difference that leans on futures where one side never finishes is "never" (the scenario does
    not finish within the horizon where the base does) or "base never" (the reverse)."""
    if units == "months" and math.isinf(value):
        return "never" if value > 0 else "base never"
    if units.startswith("£"):
        text = signed_money(value)
        return text + "/yr" if units == "£/yr" and text != "n/a" else text
    if math.isinf(value):
        return "n/a"
    if units == "months":
        return _signed(value, " mo")
    return _signed(value, " pp", scale=100.0)


def _label(ds: xr.Dataset, measure: str) -> str:
    tm = target_month(ds)
    if measure.endswith("@target") and tm is not None:
        whose = "reviews' run-rate" if measure.startswith("service_") else "run-rate"
        return f"Δ {whose} {month_label(start_date(ds), tm)}"
    text = MEASURES[measure][0]
    return "Δ " + text[0].lower() + text[1:] if not text.startswith("NPV") else "Δ " + text


def _month(iso: str) -> str:
    """``2016-05`` as ``May 2016``; empty (not within the horizon) as "after horizon"."""
    if not iso:
        return "after horizon"
    year, month = (int(part) for part in iso.split("-"))
    return month_label(dt.date(year, month, 1), 0)


def _dated(iso: str, hw: float) -> str:
    """A finish month with its ± half-width in months (``±?`` when unbounded)."""
    if not iso:
        return _month(iso)
    return f"{_month(iso)} " + (f"±{hw:.1f} mo" if math.isfinite(hw) else "±?")


def _table(heads: list[str], rows: list[tuple[str, list[str | None]]], indent: str = "  ") -> list[str]:
    """Rows under right-aligned heads; a row ``[a, b, None, text]`` has cells a and b, then ``text``
    spanning the rest of the row, left-aligned (what is not applicable there)."""
    def fixed(cells: list[str | None]) -> list[str]:
        return cells[:cells.index(None)] if None in cells else cells  # type: ignore[return-value]

    label_w = max([len(lab) for lab, _ in rows] + [0])
    widths = [max([len(h)] + [len(fixed(cells)[k]) for _, cells in rows if k < len(fixed(cells))])
              for k, h in enumerate(heads)]
    out = [indent + f"{'':<{label_w}} " + " ".join(f"{h:>{w}}" for h, w in zip(heads, widths))]
    for lab, cells in rows:
        line = indent + f"{lab:<{label_w}} " + " ".join(f"{c:>{w}}" for c, w in zip(fixed(cells), widths))
        if None in cells:
            line += (" " if fixed(cells) else "") + " ".join(str(c) for c in cells[cells.index(None) + 1:])
        out.append(line.rstrip())
    return out


def own_lines(ds: xr.Dataset, figures: pd.DataFrame) -> list[str]:
    """Each scenario's own figures as table lines."""
    heads = ["P50 NPV", "P50 complete", "P80 complete", "never finishes"]
    target = "P(target)" in figures
    if target:
        heads.append("P(target)")
    dissolving = "P(dissolved)" in figures
    if dissolving:
        heads.append("dissolved")
    rows = []
    for name, row in figures.iterrows():
        hw = float(row["npv_P50_hw"])
        npv = f"{format_money(float(row['npv_P50']))} {format_money(hw, sign='±', digits=2) if math.isfinite(hw) else '±?'}"
        chance = f"{_percent(float(row['P(target)']))} ±{100 * float(row['P(target)_hw']):.0f}" if target else ""
        if row["no_programme"]:
            cells: list[str | None] = [npv, None, NO_PROGRAMME + (f" (P(target) {chance})" if target else "")]
        else:
            cells = [npv] + [_dated(row[f"programme_complete_{s}"], float(row[f"programme_complete_{s}_hw_months"]))
                             for s in ("P50", "P80")]
            cells += [f"in {_percent(float(row['P(never finishes)']))}"] + ([chance] if target else [])
        if dissolving:
            cells += [None] * (len(heads) - 1 - len(cells)) + [f"in {_percent(float(row['P(dissolved)']))}"]
        rows.append((str(name), cells))
    return _table(heads, rows)


def headline(name: str, table: pd.DataFrame, figures: pd.DataFrame | None = None) -> str:
    """The board's one line for a scenario: its own P50 NPV, the paired difference in NPV against the
    base (labelled as a difference), how often it finishes earlier, and how often it never finishes."""
    npv = table.loc[(name, "npv")]
    base = table.attrs.get("base", BASE)
    text = f"{name}:"
    if figures is not None:
        text += f" P50 NPV {format_money(float(figures.at[name, 'npv_P50']))};"
    text += (f" Δ NPV vs {base} P50 {signed_money(npv['P50'])} (P10–P90 {signed_money(npv['P10'])} to "
             f"{signed_money(npv['P90'])})")
    absent = figures is not None and bool(figures.at[name, "no_programme"])
    if absent:
        return text + f"; finish date {NO_PROGRAMME}"
    if (name, "programme_complete_month") in table.index:
        done = table.loc[(name, "programme_complete_month")]
        earlier, tie = float(done["P(better)"]), float(done["P(tie)"])
        later = max(0.0, 1.0 - earlier - tie)
        text += f"; finishes earlier than {base} in {_percent(earlier)} of futures"
        extra = []
        if later > 0:
            extra.append(f"later in {_percent(later)}")
        if tie > 0:
            extra.append(f"the same month in {_percent(tie)}")
        if extra:
            text += f" ({', '.join(extra)})"
    if figures is not None:
        never = float(figures.at[name, "P(never finishes)"])
        if never > 0:
            text += f"; never finishes within the horizon in {_percent(never)} of futures"
    return text


def format_comparison(ds: xr.Dataset, table: pd.DataFrame | None = None, figures: pd.DataFrame | None = None) -> str:
    """The comparison as plain text: each scenario's own figures, a block of paired differences per
    scenario against the base, then the board headlines. ``table`` and ``figures`` default to
    :func:`~simshare.analysis.compare.paired_differences` and :func:`~simshare.analysis.compare.scenario_figures`."""
    if table is None:
        table = paired_differences(ds)
    if figures is None:
        figures = scenario_figures(ds)
    names = list(dict.fromkeys(table.index.get_level_values("scenario")))
    base = table.attrs.get("base", BASE)
    n = int(ds.sizes.get("replication", 0))
    seed = attr(ds, "seed")
    lines = [str(attr(ds, "config_name") or "simshare comparison"),
             f"{n:,} replications, seed {seed if seed is not None else '?'}; every scenario under the same random "
             "numbers.", "", "Each scenario on its own"]
    lines += own_lines(ds, figures)
    lines.append("")
    stats = ["mean", "P10", "P50", "P90"]
    heads = [f"{s} of Δ" for s in stats] + ["P(beats)"]
    any_never = False
    for name in names:
        rows = []
        for measure in table.loc[name].index:
            row = table.loc[(name, measure)]
            label = f"{_label(ds, measure)} ({'higher' if row['better'] == 'higher' else 'lower'} is better)"
            if measure == "programme_complete_month" and no_programme(ds, name):
                rows.append((label, [None, NO_PROGRAMME]))
                continue
            cells = [format_difference(float(row[s]), row["units"]) if s != "mean" or math.isfinite(float(row[s]))
                     else "n/a" for s in stats]
            any_never = any_never or (row["units"] == "months" and any(c in ("never", "base never", "n/a")
                                                                       for c in cells))
            cells.append(_percent(float(row["P(beats)"])))
            rows.append((label, cells))
        lines.append(f"{name} vs {base}: paired differences, Δ = {name} − {base} in the same future")
        lines += _table(heads, rows)
        lines.append("")
    bounds = figures[[c for c in figures if c.endswith("_hw") or c.endswith("_hw_months")]]
    if any(math.isinf(float(v)) for v in bounds.to_numpy().ravel()):
        lines.append("±?: too few replications to bound that figure at 95 %; run more with -n.")
    lines.append("P(beats): share of futures in which the scenario does better than the base, ties counted half.")
    if any_never:
        lines.append("Completion Δ: \"never\" where that point of the differences falls in futures in which the "
                     "scenario does not finish within the horizon but the base does (\"base never\": the reverse); "
                     "the mean of Δ is n/a when either never finishes in some future.")
    lines.append("P50/P80 complete: the month by which half / four in five futures have every service live. "
                 "Resilience Δ in percentage points (pp). Run-rate: recurring savings, £ a year.")
    if "P(target)" in figures:
        tm = target_month(ds)
        by = month_label(start_date(ds), tm) if tm is not None else "the end"
        lines.append(f"P(target): chance that {target_sentence(ds)} is at least "
                     f"{format_money(float(attr(ds, 'savings_target')))}/yr in {by} (to the pound); ± in % points.")
    lines.append("")
    lines.append("Headlines:")
    lines.extend(f"  {headline(name, table, figures)}" for name in names)
    return "\n".join(lines) + "\n"


__all__ = ["format_comparison", "format_difference", "signed_money", "headline", "own_lines", "NO_PROGRAMME"]
