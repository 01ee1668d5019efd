"""Decisions: the peeling trade-off of scenario discovery, and the candidates an optimisation tried.

Both take a result (:class:`~simshare.analysis.discover.DiscoverResult`,
:class:`~simshare.analysis.optimise.OptimiseResult`) or its record (``to_record()``, as written to
``discover.json`` and ``optimise.json``) and return a matplotlib Figure.
"""

from __future__ import annotations

from typing import Any, Mapping

import numpy as np
from matplotlib.figure import Figure

from ...analysis.results import format_money
from .style import BLUE, GREY, ORANGE, RED, WIDE, add_legend, literal_text, money_formatter, style_axes, title_figure


def _record(result: Any) -> Mapping[str, Any]:
    return result.to_record() if hasattr(result, "to_record") else result


@literal_text
def peeling_tradeoff(result: Any) -> Figure:
    """Coverage against density along PRIM's peeling trajectory, coloured by the number of restricted
    inputs, the chosen box circled. Coverage: the share of all futures with the outcome inside the box;
    density: the share of the box's futures with the outcome."""
    rec = _record(result)
    traj = rec["trajectory"]
    coverage = np.array([float(r["coverage"]) for r in traj])
    density = np.array([float(r["density"]) for r in traj])
    restricted = np.array([float(r["res_dim"]) for r in traj])
    chosen = int(rec["chosen"])
    fig = Figure(figsize=(7.5, 5.2), layout="constrained")
    ax = fig.add_subplot()
    points = ax.scatter(coverage, density, c=restricted, cmap="viridis", s=28, zorder=3)
    fig.colorbar(points, ax=ax, label="inputs restricted")
    ax.scatter([coverage[chosen]], [density[chosen]], s=160, facecolors="none", edgecolors=RED, linewidths=2,
               zorder=4, label=f"chosen: coverage {coverage[chosen]:.0%}, density {density[chosen]:.0%}".replace("%", " %"))
    ax.axhline(float(rec["base_rate"]), color=GREY, linestyle="--", linewidth=1,
               label=f"share of all futures ({float(rec['base_rate']):.0%})".replace("%", " %"))
    ax.set_xlabel("coverage: share of the outcome's futures inside the box")
    ax.set_ylabel("density: share of the box's futures with the outcome")
    ax.set_xlim(0, 1.02)
    ax.set_ylim(0, 1.02)
    style_axes(ax)
    add_legend(ax, loc="lower left")
    title_figure(fig, f"Which futures lead to {rec['expression']}",
                 "Each point is a box of futures PRIM peeled towards the outcome; moving right keeps more of the "
                 "outcome's futures, moving up makes the box purer.")
    return fig


@literal_text
def candidates_chart(result: Any) -> Figure:
    """Each candidate an optimisation tried: its objective against the share of futures meeting the floor,
    the floor's line, the plan marked."""
    rec = _record(result)
    cands = rec["candidates"]
    objective = np.array([float(c["objective"]) for c in cands])
    met = np.array([float(c["floor met"]) for c in cands])
    ok = np.array([bool(c["meets floor"]) for c in cands])
    money = rec["objective"] == "npv"
    fig = Figure(figsize=WIDE, layout="constrained")
    ax = fig.add_subplot()
    ax.scatter(met[ok], objective[ok], color=BLUE, s=26, label="meets the floor", zorder=3)
    ax.scatter(met[~ok], objective[~ok], color=GREY, s=26, marker="x", label="misses the floor", zorder=3)
    plan = rec["plan"]
    ax.scatter([plan["floor met"]], [plan["objective"]], color=ORANGE, s=90, marker="D", label="the plan", zorder=4)
    if rec.get("floor"):
        share = _floor_share(rec["floor"])
        if share is not None:
            ax.axvline(share, color=RED, linestyle="--", linewidth=1, label=f"floor: {rec['floor']}")
    ax.set_xlabel("share of futures meeting the floor")
    if money:
        ax.yaxis.set_major_formatter(money_formatter())
        ax.set_ylabel("median NPV of the reviews")
    else:
        ax.set_ylabel("chance of meeting the savings target")
    style_axes(ax)
    add_legend(ax, loc="best")
    best = format_money(float(objective[ok].max())) if money and ok.any() else ""
    title_figure(fig, f"Candidates tried ({len(cands)})" + (f": best meeting the floor {best}" if best else ""),
                 f"{rec['trials']} candidates × {rec['replications']} replications under the same futures.")
    return fig


def _floor_share(text: str) -> float | None:
    try:
        return int(text.rsplit("@P", 1)[1]) / 100.0
    except (IndexError, ValueError):
        return None


__all__ = ["peeling_tradeoff", "candidates_chart"]
