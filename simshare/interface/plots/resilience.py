"""Resilience, vacancy and staffing per council over time, against the status quo when the results hold it."""

from __future__ import annotations

import math

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ...analysis.results import scenario_names, select_scenario
from ...config import BASE, STATUS_QUO
from .data import Timeline, band_quantiles, chosen_name, need, replication_count, scenario_suffix, single_run
from .style import literal_text, BLUE, GREY, TITLES, add_legend, style_axes, title_figure


@literal_text
def resilience_chart(ds: xr.Dataset, variable: str = "resilience", scenario: str | None = None) -> Figure:
    """Per council, ``resilience`` (or ``vacancy_rate``, ``staffing``) over time: P10–P90 band and median,
    with the status quo (no programme, same random numbers) overlaid when the results hold it."""
    who = "resilience_chart"
    need(ds, [variable, "council"], who)
    d = single_run(ds, scenario, who)
    if "council" not in d[variable].dims:
        raise ValueError(f"{who}: {variable} has no council dimension (dims {d[variable].dims})")
    names = scenario_names(ds)
    chosen = chosen_name(ds, scenario)
    quo = select_scenario(ds, STATUS_QUO) if STATUS_QUO in names and chosen != STATUS_QUO else None
    councils = [str(c) for c in d["council"].values]
    cols = min(len(councils), 3)
    rows = math.ceil(len(councils) / cols)
    fig = Figure(figsize=(max(4.2 * cols, 7.5), 3.9 * rows + 0.9), layout="constrained")
    axes = fig.subplots(rows, cols, sharey=True, squeeze=False).ravel()
    tl = Timeline(d)
    x = tl(d["time"].values)
    label_base = chosen if chosen not in (None, BASE) else "with the programme"
    lows: list[float] = []
    for ax, council in zip(axes, councils):
        v = d[variable].sel(council=council).transpose("replication", "time").values
        q = band_quantiles(v, [10, 50, 90])
        lows.append(float(np.nanmin(q[0])) if np.isfinite(q[0]).any() else math.nan)
        ax.fill_between(x, q[0], q[2], color=BLUE, alpha=0.2, linewidth=0, label=f"{label_base}: P10–P90")
        ax.plot(x, q[1], color=BLUE, linewidth=2, label=f"{label_base}: median")
        if quo is not None:
            s = quo[variable].sel(council=council).transpose("replication", "time").values
            sq = band_quantiles(s, [10, 50, 90])
            lows.append(float(np.nanmin(sq[0])) if np.isfinite(sq[0]).any() else math.nan)
            ax.plot(x, sq[1], color=GREY, linewidth=1.6, linestyle="--", label="status quo: median")
            ax.plot(x, sq[0], color=GREY, linewidth=0.9, linestyle=":", label="status quo: P10 and P90")
            ax.plot(x, sq[2], color=GREY, linewidth=0.9, linestyle=":")
        ax.set_title(council, loc="left", fontweight="bold")
        tl.format_axis(ax.xaxis)
        ax.set_xlim(x[0], x[-1])
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        style_axes(ax)
    for ax in axes[len(councils):]:
        ax.set_visible(False)
    if variable == "resilience":
        low = float(np.nanmin(lows)) if np.isfinite(lows).any() else 0.0
        axes[0].set_ylim(max(0.0, math.floor(10 * low) / 10 - 0.05) if math.isfinite(low) else 0.0, 1.01)
    else:
        axes[0].set_ylim(bottom=0)
    axes[0].set_ylabel({"resilience": "services operating safely (share of budget)",
                        "vacancy_rate": "posts vacant"}.get(variable, variable))
    title = TITLES.get(variable, str(d[variable].attrs.get("long_name", variable)))
    sub = f"by council; blue band: middle 80 % of {replication_count(d):,} simulated futures"
    if quo is not None:
        sub += "; grey: the status quo (no programme), same random numbers"
    title_figure(fig, f"{title}{scenario_suffix(ds, scenario)}", sub)
    add_legend(axes[0], loc="lower left" if variable == "resilience" else "upper left")
    return fig


__all__ = ["resilience_chart"]
