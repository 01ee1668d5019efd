"""Resilience, vacancy and staffing per council over time, against the status quo when the results hold it.

Resilience is shown two ways that must agree: the monthly band (P10–P90 of the futures in each month)
and, beside it, how low each future dips at its lowest month. A dip lasts a month or two and comes at
different times in different futures, so the monthly band can stay high while most futures dip low at
some point; the second panel shows those lowest months, on the same scale.
"""

from __future__ import annotations

import math

import numpy as np
import pandas as pd
import xarray as xr
from matplotlib.figure import Figure
from matplotlib.ticker import PercentFormatter

from ...analysis.results import lowest_resilience, scenario_names, select_scenario, unsafe_service_months
from ...config import BASE, STATUS_QUO
from .data import Timeline, band_quantiles, chosen_name, need, replication_count, scenario_suffix, single_run
from .style import BLUE, GREY, ORANGE, TITLES, band_legend, legend_band, literal_text, style_axes, title_figure

#: months either side of each month that the vacancy lines are averaged over
SMOOTH_MONTHS = 6


def smoothed(lines: np.ndarray, months: int = SMOOTH_MONTHS) -> np.ndarray:
    """Each row of ``lines`` (e.g. P10, P50, P90 over time) as a centred moving average over ``months``
    either side (fewer at the ends), NaN ignored."""
    frame = pd.DataFrame(np.asarray(lines, dtype=float).T)
    return frame.rolling(2 * months + 1, center=True, min_periods=1).mean().to_numpy().T


def _dips(ax, low: np.ndarray, quo_low: np.ndarray | None, unsafe: tuple[float, float | None]) -> None:
    """The distribution of each future's lowest month, as a horizontal histogram with P10, P50, P90 marked."""
    values = low[np.isfinite(low)]
    if not values.size:
        ax.set_visible(False)
        return
    bins = np.linspace(0.0, 1.0, 41)
    ax.hist(values, bins=bins, orientation="horizontal", color=ORANGE, alpha=0.55, density=True,
            label="each future's lowest month")
    if quo_low is not None and np.isfinite(quo_low).any():
        ax.hist(quo_low[np.isfinite(quo_low)], bins=bins, orientation="horizontal", histtype="step", color=GREY,
                linewidth=1.2, density=True, label="status quo: each future's lowest month")
    p10, p50, p90 = np.percentile(values, [10, 50, 90])
    for level, style in ((p10, ":"), (p50, "-"), (p90, ":")):
        ax.axhline(level, color=ORANGE, linestyle=style, linewidth=1.4)
    ax.text(0.97, p50, f"P50 {100 * p50:.0f} %", transform=ax.get_yaxis_transform(), ha="right", va="bottom",
            fontsize="x-small", color="black", fontweight="bold")
    months, quo_months = unsafe
    note = f"unsafe: P50 {months:,.0f}\nservice-months"
    if quo_months is not None:
        note += f"\n(status quo {quo_months:,.0f})"
    ax.text(0.97, 0.02, note, transform=ax.transAxes, ha="right", va="bottom", fontsize="x-small", color="black")
    ax.set_xticks([])
    ax.set_title("lowest month", loc="left", fontsize="small")
    for side in ("top", "right", "bottom"):
        ax.spines[side].set_visible(False)


@literal_text
def resilience_chart(ds: xr.Dataset, variable: str = "resilience", scenario: str | None = None) -> Figure:
    """Per council, ``resilience`` (or ``vacancy_rate``, ``staffing``) over time: P10–P90 band and median,
    with the status quo (no programme, same random numbers) overlaid when the results hold it.

    For ``resilience`` each council also gets a narrow panel on the same scale: the distribution of each
    future's lowest month (orange; P10, P50 and P90 marked, the status quo's in grey), with the median
    service-months not operating safely (``unsafe_months`` summed over the council's services). The
    ``vacancy_rate`` lines are smoothed: a centred moving average over :data:`SMOOTH_MONTHS` months either
    side of each month. The results are read in bounded blocks of replications.
    """
    who = "resilience_chart"
    need(ds, [variable, "council"], who)
    d = single_run(ds, scenario, who)
    if "council" not in d[variable].dims:
        raise ValueError(f"{who}: {variable} has no council dimension (dims {d[variable].dims})")
    names = scenario_names(ds)
    chosen = chosen_name(ds, scenario)
    quo = select_scenario(ds, STATUS_QUO) if STATUS_QUO in names and chosen != STATUS_QUO else None
    councils = [str(c) for c in d["council"].values]
    dips = variable == "resilience"
    smooth = variable == "vacancy_rate"
    cols = min(len(councils), 2 if dips else 3)
    rows = math.ceil(len(councils) / cols)
    width = (6.4 if dips else 4.2) * cols
    fig = Figure(figsize=(max(width, 7.5), 3.9 * rows + 1.6), layout="constrained")
    entries = (2 if quo is None else 4) + (0 if not dips else 1 if quo is None else 2)
    band, body = legend_band(fig, entries)
    grid = body.subplots(rows, 2 * cols if dips else cols, sharey=True, squeeze=False,
                        width_ratios=[4, 1] * cols if dips else None)
    pairs = [(grid[r, 2 * c], grid[r, 2 * c + 1]) if dips else (grid[r, c], None)
             for r in range(rows) for c in range(cols)]
    tl = Timeline(d)
    x = tl(d["time"].values)
    label_base = chosen if chosen not in (None, BASE) else "with the programme"
    order = ("replication", "time", "council")
    bands = band_quantiles(d[variable].transpose(*order), [10, 50, 90])  # (3, time, council), one pass
    quo_bands = band_quantiles(quo[variable].transpose(*order), [10, 50, 90]) if quo is not None else None
    if smooth:
        bands = np.stack([smoothed(bands[:, :, i]) for i in range(len(councils))], axis=2)
        quo_bands = None if quo_bands is None else np.stack(
            [smoothed(quo_bands[:, :, i]) for i in range(len(councils))], axis=2)
    low = lowest_resilience(d) if dips else None
    quo_low = lowest_resilience(quo) if dips and quo is not None else None
    unsafe = unsafe_service_months(d) if dips else None
    quo_unsafe = unsafe_service_months(quo) if dips and quo is not None else None
    lows: list[float] = []
    for i, ((ax, side), council) in enumerate(zip(pairs, councils)):
        q = bands[:, :, i]
        lows.append(float(np.nanmin(q[0])) if np.isfinite(q[0]).any() else math.nan)
        ax.fill_between(x, q[0], q[2], color=BLUE, alpha=0.2, linewidth=0, label=f"{label_base}: P10–P90 each month")
        ax.plot(x, q[1], color=BLUE, linewidth=2, label=f"{label_base}: median each month")
        if quo_bands is not None:
            sq = quo_bands[:, :, i]
            lows.append(float(np.nanmin(sq[0])) if np.isfinite(sq[0]).any() else math.nan)
            ax.plot(x, sq[1], color=GREY, linewidth=1.6, linestyle="--", label="status quo: median")
            ax.plot(x, sq[0], color=GREY, linewidth=0.9, linestyle=":", label="status quo: P10 and P90")
            ax.plot(x, sq[2], color=GREY, linewidth=0.9, linestyle=":")
        ax.set_title(council, loc="left", fontweight="bold")
        tl.format_axis(ax.xaxis)
        ax.set_xlim(x[0], x[-1])
        ax.yaxis.set_major_formatter(PercentFormatter(1.0, decimals=0))
        style_axes(ax)
        if side is not None and low is not None:
            finite = low[:, i][np.isfinite(low[:, i])]
            lows.append(float(np.percentile(finite, 1)) if finite.size else math.nan)  # the lowest 1 % may be cut
            months = float(np.median(unsafe[:, i])) if unsafe is not None and unsafe.size else math.nan
            quo_months = float(np.median(quo_unsafe[:, i])) if quo_unsafe is not None and quo_unsafe.size else None
            _dips(side, low[:, i], None if quo_low is None else quo_low[:, i], (months, quo_months))
    for ax, side in pairs[len(councils):]:
        ax.set_visible(False)
        if side is not None:
            side.set_visible(False)
    first = pairs[0][0]
    if dips:
        low_all = float(np.nanmin(lows)) if np.isfinite(lows).any() else 0.0
        first.set_ylim(max(0.0, math.floor(10 * low_all) / 10 - 0.05) if math.isfinite(low_all) else 0.0, 1.01)
    else:
        first.set_ylim(bottom=0)
    first.set_ylabel({"resilience": "services operating safely (share of budget)",
                      "vacancy_rate": "posts vacant"}.get(variable, variable))
    title = TITLES.get(variable, str(d[variable].attrs.get("long_name", variable)))
    sub = f"by council; blue band: middle 80 % of {replication_count(d):,} simulated futures in each month"
    if smooth:
        sub += f"; lines and band smoothed (centred average over {2 * SMOOTH_MONTHS + 1} months)"
    if dips:
        sub += ("; orange: how low each future goes at its lowest month. Dips come at different times in "
                "different futures, so most futures can dip below the monthly band")
    if quo is not None:
        sub += "; grey: the status quo (no programme), same random numbers"
    title_figure(fig, f"{title}{scenario_suffix(ds, scenario)}", sub)
    band_legend(band, [first] + ([pairs[0][1]] if dips else []))
    return fig


__all__ = ["resilience_chart", "smoothed", "SMOOTH_MONTHS"]
