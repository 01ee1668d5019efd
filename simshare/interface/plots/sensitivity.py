"""Sensitivity results as pictures: a tornado and Sobol indices (:mod:`simshare.analysis.sensitivity`)."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D
from matplotlib.patches import Patch
from matplotlib.ticker import MaxNLocator, PercentFormatter

from ...analysis.results import format_money
from .style import (literal_text, BLUE, GREY, ORANGE, OUTCOME_LABELS, add_legend, is_money, money_formatter, style_axes,
                    title_figure)


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


@literal_text
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
    rank, hidden = _first(rank, limit)
    variable = str(table.attrs.get("variable", table.attrs.get("output", "npv")))
    units = table.attrs.get("units")
    if not units:
        money_output = variable == "npv" or "savings" in variable or "cumulative" in variable
        units = "£" if money_output else ("months" if variable.endswith("_month") else "")
    units = str(units)
    money = is_money(units)

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
    label = OUTCOME_LABELS.get(variable, variable)
    ax.set_xlabel(f"P50 {label}" + (f" ({units})" if units and not money and units != "1" else ""))
    reach = np.abs(np.concatenate([low[rank], high[rank]]) - base)
    reach = float(np.nanmax(reach[np.isfinite(reach)])) if np.isfinite(reach).any() else 0.0
    if reach > 0:
        ax.set_xlim(base - 1.7 * reach, base + 1.7 * reach)
    style_axes(ax)
    ax.grid(False, axis="y")
    ax.legend(handles=[Patch(color=ORANGE, alpha=0.85, label="parameter at its low value (P10)"),
                       Patch(color=BLUE, alpha=0.85, label="parameter at its high value (P90)"),
                       Line2D([], [], color="black", label=f"base case: P50 {out_text(base)}")],
              fontsize="small", loc="lower right", framealpha=0.95)
    sub = "each parameter held at its low and its high value, the rest uncertain as in the base; widest swing at the top"
    if hidden:
        sub += f"; {hidden} narrower not shown"
    title_figure(fig, title or f"What moves the P50 {label} most? (tornado)", sub)
    return fig


@literal_text
def sobol_chart(result: Any, title: str | None = None, limit: int | None = 15) -> Figure:
    """Sobol indices (:func:`simshare.analysis.sensitivity.sobol`): per parameter, the first-order share
    S1 (its effect alone) and the total-order share ST (with its interactions) of the output's variance,
    with confidence half-widths; largest ST at the top."""
    who = "sobol_chart"
    table = _per_parameter_table(result, who)
    cols = [str(c) for c in table.columns]
    if "S1" not in cols or "ST" not in cols:
        raise ValueError(f"{who}: the table needs columns 'S1' and 'ST'; it has: {', '.join(cols) or 'no columns'}")
    table, hidden = _first(table.sort_values("ST", ascending=False, na_position="last"), limit)
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
    ax.set_xlabel(f"share of the variance of {OUTCOME_LABELS.get(variable, variable)}")
    sub = "bars: share of the output's variance due to each uncertain parameter; whiskers: confidence half-widths"
    return _finish_bars(fig, ax, title or f"Which uncertainties drive {OUTCOME_LABELS.get(variable, variable)}? "
                                          "(Sobol indices)", sub, hidden)


def _first(rows: Any, limit: int | None) -> tuple[Any, int]:
    """The first ``limit`` rows (all when None) of a list or a DataFrame already in order, and how many are left out."""
    if limit is None or len(rows) <= limit:
        return rows, 0
    return (rows.iloc[:limit] if isinstance(rows, pd.DataFrame) else rows[:limit]), len(rows) - limit


def _finish_bars(fig: Figure, ax: Any, title: str, sub: str, hidden: int) -> Figure:
    """Style a bar chart of indices, its legend at the lower right and its title and subtitle."""
    style_axes(ax)
    ax.grid(False, axis="y")
    add_legend(ax, loc="lower right")
    title_figure(fig, title, sub + (f"; {hidden} smaller not shown" if hidden else ""))
    return fig


@literal_text
def morris_chart(result: Any, title: str | None = None, limit: int | None = 15) -> Figure:
    """Morris screening (:func:`simshare.analysis.sensitivity.morris`): per parameter, mu* (the mean absolute
    change in the output as the parameter moves across its probability range) with its 95 % half-width,
    largest at the top; sigma (non-linearity and interactions) as a marker."""
    who = "morris_chart"
    table = _per_parameter_table(result, who)
    cols = [str(c) for c in table.columns]
    if "mu_star" not in cols:
        raise ValueError(f"{who}: the table needs a column 'mu_star'; it has: {', '.join(cols) or 'no columns'}")
    table, hidden = _first(table.sort_values("mu_star", ascending=False, na_position="last"), limit)
    names = [parameter_label(str(i)) for i in table.index]
    y = np.arange(len(table))
    fig = Figure(figsize=(9.5, 1.9 + 0.42 * max(len(table), 2)), layout="constrained")
    ax = fig.add_subplot()
    err = table["mu_star_conf"].astype(float).to_numpy() if "mu_star_conf" in cols else None
    ax.barh(y, table["mu_star"].astype(float).to_numpy(), height=0.6, color=BLUE, alpha=0.85,
            label="mu* (whiskers: 95 % interval)", xerr=err, error_kw=dict(ecolor="#444444", elinewidth=0.8, capsize=2))
    if "sigma" in cols:
        ax.plot(table["sigma"].astype(float).to_numpy(), y, "o", color=ORANGE, label="sigma (non-linearity, interactions)")
    ax.set_yticks(y, names)
    ax.set_ylim(len(table) + 1.0, -0.5)  # a free band at the bottom for the legend
    variable = str(table.attrs.get("variable", "npv"))
    units = str(table.attrs.get("units", ""))
    if is_money(units):
        ax.xaxis.set_major_formatter(money_formatter())
    label = OUTCOME_LABELS.get(variable, variable)
    ax.set_xlabel(f"change in {label}" + (f" ({units})" if units and not is_money(units) and units != "1" else ""))
    sub = "mean absolute change as each parameter moves across its range, the others varying; widest at the top"
    return _finish_bars(fig, ax, title or f"Which uncertainties move {label}? (Morris screening)", sub, hidden)


def sensitivity_chart(result: xr.Dataset, title: str | None = None, limit: int | None = 15) -> Figure:
    """The chart that suits a sensitivity result, by its ``method`` attribute: :func:`tornado_chart`,
    :func:`morris_chart` or :func:`sobol_chart`. Raises ValueError for a dataset with no known method."""
    charts = {"tornado": tornado_chart, "morris": morris_chart, "sobol": sobol_chart}
    method = str(result.attrs.get("method", ""))
    if method not in charts:
        raise ValueError(f"sensitivity_chart: the dataset's 'method' attribute must be one of {', '.join(charts)}, "
                         f"got {method!r}")
    return charts[method](result, title=title, limit=limit)


__all__ = ["tornado_chart", "sobol_chart", "morris_chart", "sensitivity_chart", "parameter_label"]
