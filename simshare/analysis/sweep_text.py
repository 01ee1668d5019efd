"""A sweep as a planner reads it (``simshare sweep``): a row per point, each figure ± the half-width of its
95 % confidence interval, NPV in £, completion as calendar months and how often it never finishes, and
P(target); never a "∞"."""

from __future__ import annotations

import math
from typing import Any, Callable

import numpy as np
import pandas as pd
import xarray as xr

from .results import attr, format_money, month_label, start_date
from .statistics import STATISTICS
from .summary import target_sentence
from .sweep import sweep_summary, value_label


def _cell(value: float, hw: float, fmt: Callable[[float], str], hw_text: Callable[[float], str]) -> str:
    text = fmt(value)
    if text in ("after horizon", "n/a"):
        return text
    return f"{text} {'±?' if not math.isfinite(hw) else hw_text(hw)}"


def format_sweep(ds: xr.Dataset, table: pd.DataFrame | None = None) -> str:
    """The sweep summary as plain text: a row per point, each figure ± the half-width of its 95 %
    confidence interval; NPV in £, completion as calendar months, never a "∞"."""
    if table is None:
        table = sweep_summary(ds)
    start = start_date(ds)
    paths = list(table.index.names)
    stats = list(STATISTICS)

    def month(v: float) -> str:
        return "n/a" if math.isnan(v) else ("after horizon" if math.isinf(v) else month_label(start, v))

    def label(v: Any) -> str:
        return value_label(v.item() if isinstance(v, np.generic) else v) if not isinstance(v, str) else v

    money = (format_money, lambda hw: format_money(hw, sign="±", digits=2))
    months = (month, lambda hw: f"±{hw:.1f} mo")
    blocks = [("NPV", "npv", money), ("Programme complete", "programme_complete_month", months)]
    n = int(ds.sizes.get("replication", 0))
    lines = [str(attr(ds, "config_name") or "simshare sweep"),
             f"{len(table)} points × {n:,} replications, seed {attr(ds, 'seed')}; every point under the same "
             "random numbers. Each figure ± the half-width of its 95 % confidence interval.", ""]
    keys = [tuple(label(v) for v in (k if isinstance(k, tuple) else (k,))) for k in table.index]
    key_w = [max(len(p), *(len(k[i]) for k in keys)) for i, p in enumerate(paths)]
    unbounded = False
    for title, name, (fmt, hw_text) in blocks:
        heads = list(stats)
        cells = [[_cell(float(table.iloc[r][f"{name}_{s}"]), float(table.iloc[r][f"{name}_{s}_hw"]), fmt, hw_text)
                  for s in stats] for r in range(len(table))]
        if name == "npv" and "P(target)" in table:
            heads.append("P(target)")
            for r, row in enumerate(cells):
                row.append(f"{100 * float(table.iloc[r]['P(target)']):.0f} % "
                           f"±{100 * float(table.iloc[r]['P(target)_hw']):.0f}")
        if name == "npv" and "P(dissolved)" in table:
            heads.append("dissolved")
            for r, row in enumerate(cells):
                row.append(f"in {100 * float(table.iloc[r]['P(dissolved)']):.0f} %")
        if name == "programme_complete_month":
            heads.append("never finishes")
            for r, row in enumerate(cells):
                row.append(f"in {100 * float(table.iloc[r]['P(never finishes)']):.0f} %")
        unbounded = unbounded or any("±?" in c for row in cells for c in row)
        col_w = max([len(h) for h in heads] + [len(c) for row in cells for c in row])
        lines.append(title)
        lines.append("  " + " ".join(f"{p:<{w}}" for p, w in zip(paths, key_w)) + " "
                     + " ".join(f"{h:>{col_w}}" for h in heads))
        for k, row in zip(keys, cells):
            lines.append("  " + " ".join(f"{v:<{w}}" for v, w in zip(k, key_w)) + " "
                         + " ".join(f"{c:>{col_w}}" for c in row))
        lines.append("")
    target = attr(ds, "savings_target")
    if "P(target)" in table:
        tm = attr(ds, "target_month")
        by = month_label(start, float(tm)) if tm is not None else "the end"
        lines.append(f"P(target): chance that {target_sentence(ds)} is at least {format_money(float(target))}/yr "
                     f"in {by} (to the pound); ± in % points.")
    lines.append("Completion: after horizon = later than the last simulated month, in more futures than that "
                 "percentile allows; the mean is n/a when any future never finishes.")
    if unbounded:
        lines.append("±?: too few replications (for completion: too few futures finishing within the horizon) to "
                     "bound that figure at 95 %; run more with -n.")
    lines.append(f"One point's full table: simshare summary RESULTS --at {paths[0]}=VALUE"
                 + "".join(f" --at {p}=VALUE" for p in paths[1:]) + ".")
    return "\n".join(lines) + "\n"


__all__ = ["format_sweep"]
