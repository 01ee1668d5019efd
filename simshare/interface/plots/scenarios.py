"""Scenarios side by side: P50 NPV against the P80 completion date, one labelled point per scenario."""

from __future__ import annotations

import math

import numpy as np
import xarray as xr
from matplotlib.backends.backend_agg import FigureCanvasAgg
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ...analysis.results import format_money, scenario_names, select_scenario, swept_dims
from ...analysis.statistics import late_quantile
from ...config import STATUS_QUO
from .data import Timeline, need, replication_count
from .style import literal_text, BLUE, GREY, ORANGE, money_formatter, style_axes, title_figure


def _place_labels(fig: Figure, ax, items: list[tuple[float, float, str, dict]]) -> None:
    """Label points (x, y, text, text kwargs) so that labels overlap neither each other nor the points:
    each tries right-above, right-below, left-above, left-below, then further out."""
    canvas = fig.canvas if hasattr(fig.canvas, "get_renderer") else FigureCanvasAgg(fig)
    fig.draw_without_rendering()
    renderer = canvas.get_renderer()
    frame = ax.get_window_extent(renderer)
    taken = []
    for x, y in [(x, y) for x, y, _, _ in items]:
        px, py = ax.transData.transform((x, y))
        taken.append((px - 6, py - 6, px + 6, py + 6))
    offsets = [(9, 5, "left"), (9, -15, "left"), (-9, 5, "right"), (-9, -15, "right"),
               (9, 17, "left"), (9, -27, "left"), (-9, 17, "right"), (-9, -27, "right")]
    for x, y, text, kw in items:
        chosen = None
        for dx, dy, ha in offsets:
            t = ax.annotate(text, (x, y), xytext=(dx, dy), textcoords="offset points", ha=ha, **kw)
            box = t.get_window_extent(renderer)
            rect = (box.x0, box.y0, box.x1, box.y1)
            inside = frame.x0 <= rect[0] and rect[2] <= frame.x1 and frame.y0 <= rect[1] and rect[3] <= frame.y1
            if inside and not any(rect[0] < r[2] and r[0] < rect[2] and rect[1] < r[3] and r[1] < rect[3] for r in taken):
                chosen = rect
                break
            t.remove()
        if chosen is None:  # everything overlaps: keep the first choice
            t = ax.annotate(text, (x, y), xytext=offsets[0][:2], textcoords="offset points", ha="left", **kw)
            box = t.get_window_extent(renderer)
            chosen = (box.x0, box.y0, box.x1, box.y1)
        taken.append(chosen)


@literal_text
def scenario_chart(ds: xr.Dataset) -> Figure:
    """One labelled point per scenario: P50 NPV (up is better) against the P80 programme completion
    date (left is better), with the NPV's P10–P90 as a whisker. The status quo (no programme, which
    never completes) is listed in the legend with its median NPV rather than plotted."""
    who = "scenario_chart"
    need(ds, ["npv", "programme_complete_month"], who)
    if "scenario" not in ds.dims:
        raise ValueError(f"{who}: the results have no 'scenario' dimension (run simshare compare, or run --baseline)")
    swept = swept_dims(ds)
    if swept:
        raise ValueError(f"{who}: these results have swept dimension(s) {', '.join(swept)}; use sweep_heatmap")
    tl = Timeline(ds)
    end = tl.end()
    fig = Figure(figsize=(9, 5.4), layout="constrained")
    ax = fig.add_subplot()
    xs: list[float] = []
    labels: list[tuple[float, float, str, dict]] = []
    extra: list[Line2D] = []
    for k, name in enumerate(scenario_names(ds)):
        d = select_scenario(ds, name)
        npv = np.asarray(d["npv"].values, dtype=float)
        done = np.asarray(d["programme_complete_month"].values, dtype=float)
        if not np.isfinite(npv).any():
            continue
        p10, p50, p90 = (float(np.nanpercentile(npv, q)) for q in (10, 50, 90))
        started = np.asarray(d["review_start"].values, dtype=float) if "review_start" in d else done
        if name == STATUS_QUO or not np.isfinite(started).any():
            extra.append(Line2D([], [], linestyle="", marker="",
                                label=f"{name}: no programme, median NPV {format_money(p50)} (not plotted)"))
            continue
        p80 = late_quantile(done, 0.8)
        x = float(tl(p80)) if math.isfinite(p80) else end
        colour = BLUE if k == 0 else ORANGE
        ax.vlines(x, p10, p90, color=colour, alpha=0.35, linewidth=2.5)
        ax.plot([x], [p50], marker="o" if math.isfinite(p80) else ">", color=colour, markersize=9, zorder=5,
                markeredgecolor="white", clip_on=False)
        text = f"{name}\n{format_money(p50)}, {tl.label(p80)}" if math.isfinite(p80) else \
            f"{name}\n{format_money(p50)}, P80 after {tl.label(tl.horizon)}"
        labels.append((x, p50, text, dict(fontsize="small", fontweight="bold" if k == 0 else "normal",
                                          va="bottom", linespacing=1.1)))
        xs.append(x)
    if xs:
        span = max(max(xs) - min(xs), 240.0)
        ax.set_xlim(min(xs) - 0.3 * span, min(max(xs) + 0.45 * span, end) if max(xs) >= end else max(xs) + 0.45 * span)
        if max(xs) >= end:
            ax.axvline(end, color=GREY, linewidth=0.8, linestyle=":")
            extra.append(Line2D([], [], color=GREY, marker=">", linestyle="",
                                label=f"P80 after the end of the simulation ({tl.label(tl.horizon)})"))
    ax.margins(y=0.15)
    tl.format_axis(ax.xaxis)
    ax.yaxis.set_major_formatter(money_formatter())
    ax.set_ylabel("NPV in the median future (P50); whisker: P10–P90")
    ax.set_xlabel("programme complete in four futures out of five (P80 date)")
    style_axes(ax)
    handles = [Line2D([], [], color=BLUE, marker="o", linestyle="", label=scenario_names(ds)[0]),
               Line2D([], [], color=ORANGE, marker="o", linestyle="", label="alternative scenarios")]
    ax.legend(handles=handles + extra, fontsize="small", loc="best")
    title_figure(fig, "Scenarios: value against finish date",
           f"{replication_count(ds):,} futures each, same random numbers; up is more value, left is an earlier finish")
    _place_labels(fig, ax, labels)
    return fig


__all__ = ["scenario_chart"]
