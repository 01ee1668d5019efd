"""Milestones by service in phasing order: when each business case is approved and each service goes live."""

from __future__ import annotations

import json
import math
import tomllib
from typing import Any, Sequence

import numpy as np
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.lines import Line2D

from ...analysis.results import attr, target_month
from ...analysis.statistics import late_quantile
from ...config import BASE, STATUS_QUO
from .data import Timeline, chosen_name, need, scenario_suffix, single_run
from .style import literal_text, BLUE, GREY, ORANGE, RED, figure_legend, style_axes, title_figure


def _as_list(value: Any) -> list[str] | None:
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        return [str(v) for v in value.ravel()]
    if isinstance(value, (list, tuple)):
        return [str(v) for v in value]
    if isinstance(value, str):
        try:
            parsed = json.loads(value)
            if isinstance(parsed, list):
                return [str(v) for v in parsed]
        except ValueError:
            pass
        parts = [p.strip() for p in value.replace(";", "\n").splitlines() if p.strip()]
        return parts or None
    return None


def phasing_order(ds: xr.Dataset, scenario: str | None = None) -> list[str]:
    """Services in phasing order: the ``order`` attribute, else the scenario's or the config's
    ``programme.order`` (from the ``config`` attribute), else the ``service`` coordinate order.
    Only services present in the results are returned."""
    services = [str(s) for s in ds["service"].values] if "service" in ds.coords else []
    order = _as_list(ds.attrs.get("order"))
    if order is None and scenario not in (None, BASE, STATUS_QUO):
        try:
            defs = json.loads(str(ds.attrs.get("scenario_definitions", "{}")))
            order = _as_list(defs.get(scenario, {}).get("set", {}).get("programme.order"))
        except (ValueError, AttributeError):
            order = None
    if order is None and attr(ds, "config"):
        try:
            order = _as_list(tomllib.loads(str(ds.attrs["config"])).get("programme", {}).get("order"))
        except (tomllib.TOMLDecodeError, AttributeError):
            order = None
    if order is None:
        return services
    return [s for s in order if s in services]


@literal_text
def milestone_chart(ds: xr.Dataset, scenario: str | None = None, order: Sequence[str] | None = None) -> Figure:
    """Per service in phasing order, the P10–P90 range (bar) and median (dot) of the month its business
    case is approved and the month it goes live. Services outside the programme are left out; a bar
    that runs into the right edge means more than one future in ten does not get there in the horizon."""
    who = "milestone_chart"
    need(ds, ["approved", "live", "service"], who)
    d = single_run(ds, scenario, who)
    chosen = chosen_name(ds, scenario)
    services = list(order) if order is not None else phasing_order(ds, chosen)
    unknown = [s for s in services if s not in [str(v) for v in d["service"].values]]
    if unknown:
        raise ValueError(f"{who}: unknown service(s) {', '.join(unknown)}")
    shown = [s for s in services if np.isfinite(d["approved"].sel(service=s).values).any()
             or np.isfinite(d["live"].sel(service=s).values).any()]
    tl = Timeline(d)
    end = tl.end()
    fig = Figure(figsize=(9.5, 1.6 + 0.36 * max(len(shown), 2)), layout="constrained")
    ax = fig.add_subplot()
    for i, service in enumerate(shown):
        for var, colour, dy in (("approved", ORANGE, -0.17), ("live", BLUE, 0.17)):
            v = np.asarray(d[var].sel(service=service).values, dtype=float)
            lo, mid, hi = (late_quantile(v, q) for q in (0.1, 0.5, 0.9))
            y = i + dy
            if math.isfinite(lo):
                right = float(tl(hi)) if math.isfinite(hi) else end
                ax.hlines(y, float(tl(lo)), right, color=colour, linewidth=6, alpha=0.55)
                if not math.isfinite(hi):
                    ax.plot([end], [y], marker=">", color=colour, markersize=7, clip_on=False)
            if math.isfinite(mid):
                ax.plot([float(tl(mid))], [y], marker="o", color=colour, markeredgecolor="white", markersize=6)
    tm = target_month(d)
    if tm is not None:
        ax.axvline(float(tl(tm)), color=RED, linestyle="--", linewidth=1.1)
    ax.set_yticks(range(len(shown)), shown)
    ax.set_ylim(len(shown) - 0.5, -0.5)
    tl.format_axis(ax.xaxis)
    ax.set_xlim(float(tl(0.0)), end)
    style_axes(ax)
    ax.grid(False, axis="y")
    handles = [Line2D([], [], color=ORANGE, linewidth=6, alpha=0.55, label="business case approved (P10–P90)"),
               Line2D([], [], color=BLUE, linewidth=6, alpha=0.55, label="service live (P10–P90)"),
               Line2D([], [], color=GREY, marker="o", linestyle="", label="median (P50)")]
    if tm is not None:
        handles.append(Line2D([], [], color=RED, linestyle="--", label=f"savings target date ({tl.label(tm)})"))
    if any(not math.isfinite(late_quantile(np.asarray(d["live"].sel(service=s).values, dtype=float), 0.9))
           for s in shown):
        handles.append(Line2D([], [], color=GREY, marker=">", linestyle="", label="P90 beyond the horizon"))
    figure_legend(fig, [ax], handles=handles)
    left_out = [s for s in services if s not in shown]
    sub = "services in phasing order, first at the top"
    if left_out:
        sub += f"; not in the programme: {', '.join(left_out)}"
    title_figure(fig, "Milestones by service: approval and go-live dates" + scenario_suffix(ds, scenario), sub)
    return fig


__all__ = ["phasing_order", "milestone_chart"]
