"""Who pays and who gains: each partner council's NPV, and its cumulative net savings over time."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from ...analysis.blocks import reduce_replications
from ...analysis.results import MONEY_TOLERANCE, attr, format_money
from .data import Timeline, band_quantiles, need, replication_count, scenario_suffix, single_run
from .style import (BLUE, GREEN, GREY, ORANGE, RED, figure_legend, literal, literal_text, money_formatter, percent, style_axes,
                    title_figure)

#: councils up to which the chart also draws each council's cumulative net savings over time
_OVER_TIME = 6
_COLOURS = (BLUE, ORANGE, GREEN, RED, GREY, "#7b4f9d")


@literal_text
def council_chart(ds: xr.Dataset, scenario: str | None = None) -> Figure:
    """Each council's NPV (P10–P90 bar, median dot, the share of futures in which it is above £0) and, for
    a partnership of up to six councils, its cumulative net savings over time (median and P10–P90)."""
    who = "council_chart"
    need(ds, ["council_npv", "council"], who)
    d = single_run(ds, scenario, who)
    councils = [str(c) for c in d["council"].values]
    npv = d["council_npv"].transpose("replication", "council")
    over_time = "council_cumulative_net" in d and len(councils) <= _OVER_TIME
    height = max(3.6, 1.6 + 0.32 * len(councils))
    fig = Figure(figsize=(11.0 if over_time else 8.0, height), layout="constrained")
    axes = fig.subplots(1, 2, width_ratios=[2, 3]) if over_time else [fig.subplots()]
    ax = axes[0]
    y = np.arange(len(councils))[::-1]
    q = band_quantiles(npv, [10, 50, 90])
    ahead = (reduce_replications(npv, lambda v: np.count_nonzero(v > MONEY_TOLERANCE, axis=0)[None]).sum(axis=0)
             / max(npv.sizes["replication"], 1)) if npv.size else np.zeros(len(councils))
    ax.hlines(y, q[0], q[2], color=BLUE, linewidth=6, alpha=0.45, label="P10–P90")
    ax.plot(q[1], y, "o", color=BLUE, label="median (P50)")
    ax.axvline(0.0, color="black", linewidth=0.9)
    ax.set_ylim(-0.8, len(councils) - 0.2)
    ax.set_yticks(y, [f"{literal(c)}\nahead in {percent(a)}" if len(councils) <= 12 else literal(c)
                   for c, a in zip(councils, ahead)],
                  fontsize="small")
    ax.xaxis.set_major_formatter(money_formatter())
    ax.set_xlabel("net present value, £")
    style_axes(ax)
    if over_time:
        net = d["council_cumulative_net"]
        tl = Timeline(d)
        x = tl(d["time"].values)
        ax2 = axes[1]
        bands = band_quantiles(net.transpose("replication", "time", "council"), [10, 50, 90])  # one pass
        for i, council in enumerate(councils):
            colour = _COLOURS[i % len(_COLOURS)]
            band = bands[:, :, i]
            ax2.fill_between(x, band[0], band[2], color=colour, alpha=0.15, linewidth=0)
            ax2.plot(x, band[1], color=colour, linewidth=2,
                     label=f"{literal(council)}: P50 NPV {format_money(float(q[1][i]))}")
        ax2.axhline(0.0, color="black", linewidth=0.9)
        tl.format_axis(ax2.xaxis)
        ax2.set_xlim(x[0], x[-1])
        ax2.yaxis.set_major_formatter(money_formatter())
        ax2.set_ylabel("cumulative net savings, £")
        style_axes(ax2)
    figure_legend(fig, list(axes))
    sharing = attr(d, "cost_sharing") or "budget"
    title_figure(fig, "Who pays and who gains: each council's share" + scenario_suffix(ds, scenario),
                 f"{replication_count(d):,} simulated futures; costs and savings split by the programme's cost sharing "
                 f"({sharing}); a council is ahead when its own NPV is above £0")
    return fig


__all__ = ["council_chart"]
