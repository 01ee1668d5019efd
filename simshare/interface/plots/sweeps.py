"""One statistic of one outcome over a sweep: a heatmap for two swept parameters, a line for one."""

from __future__ import annotations

import math

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.ticker import FuncFormatter, MaxNLocator, PercentFormatter

from ...analysis.results import format_money, scenario_names, select_scenario, swept_dims, target_month
from .data import PLOT_STATISTICS, Timeline, replication_count, statistic_of
from .style import literal_text, BLUE, OUTCOME_LABELS, WIDE, add_legend, is_money, is_months, money_formatter, style_axes, title_figure


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


def _format_value(value: float, units: str, tl: Timeline, months: bool) -> str:
    if not math.isfinite(value):
        return "after horizon" if months and value > 0 else "n/a"
    if months:
        return tl.label(value)
    if is_money(units):
        return format_money(value)
    if units == "1":
        return f"{100 * value:.0f} %"
    return f"{value:.3g}"


@literal_text
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
    if statistic not in PLOT_STATISTICS:
        raise ValueError(f"{who}: statistic must be one of {', '.join(PLOT_STATISTICS)}, got {statistic!r}")
    d = ds
    if "scenario" in d.dims:
        if scenario is None and d.sizes["scenario"] > 1:
            raise ValueError(f"{who}: the results have several scenarios ({', '.join(scenario_names(d))}); "
                             "choose one with scenario=")
        d = select_scenario(d, scenario)
    swept = swept_dims(d)
    if not swept:
        raise ValueError(f"{who}: the results have no swept dimension (a sweep has one dimension per swept "
                         "parameter besides replication, time, council and service)")
    if len(swept) > 2:
        raise ValueError(f"{who}: {len(swept)} swept dimensions ({', '.join(swept)}); select values of all but "
                         f"two first, e.g. ds.isel({swept[0]}=0)")
    da, units = _per_replication(d, variable)
    months = is_months(units, variable.partition("@")[0])
    tl = Timeline(d)
    stat = xr.apply_ufunc(lambda x: statistic_of(x, statistic, months), da, input_core_dims=[["replication"]],
                          vectorize=True)
    label = OUTCOME_LABELS.get(variable, variable)
    title = f"{statistic} {label} across the sweep"
    sub = f"{replication_count(d):,} futures per setting, same random numbers" + (
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
        elif is_money(units):
            ax.yaxis.set_major_formatter(money_formatter())
        elif units == "1":
            ax.yaxis.set_major_formatter(PercentFormatter(1.0))
        ax.set_ylabel(f"{statistic} {label}")
        ax.margins(y=0.15)
        style_axes(ax)
        add_legend(ax, loc="best")
        title_figure(fig, title, sub)
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
    elif is_money(units):
        bar.formatter = money_formatter()
    elif units == "1":
        bar.formatter = PercentFormatter(1.0)
    bar.update_ticks()
    bar.set_label(f"{statistic} {label}")
    title_figure(fig, title, sub)
    return fig


__all__ = ["sweep_heatmap"]
