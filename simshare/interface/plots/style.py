"""The look shared by every figure: colours, sizes, titles, labels, tick formatters, axes and legends."""

from __future__ import annotations

import functools
import math
import re
import textwrap
from typing import Any, Callable

from matplotlib.figure import Figure
from matplotlib.text import Text
from matplotlib.ticker import FixedFormatter, FuncFormatter

# Colours (colour-blind safe: blue / orange / grey, with a red target).
BLUE = "#1f5a96"
ORANGE = "#d9731a"
GREY = "#6e6e6e"
RED = "#b8322a"
GREEN = "#2e7d32"

WIDE = (9.0, 4.8)

TITLES = {
    "savings_run_rate": "Savings in force (run-rate, £ a year)",
    "service_savings_run_rate": "The reviews' savings in force (run-rate, £ a year; joint management left out)",
    "cumulative_net": "Cumulative net savings (savings less programme costs)",
    "cumulative_savings": "Cumulative savings",
    "cumulative_costs": "Cumulative programme costs",
    "reviews_complete": "Business cases approved",
    "services_live": "Services live as shared services",
    "resilience": "Resilience: budget-weighted share of services operating safely",
    "vacancy_rate": "Vacancy rate: vacant posts ÷ posts (agency-covered posts count as vacant)",
    "staffing": "Staffing: staffed ÷ required posts",
    "agency_cost": "Agency premium paid (cumulative)",
}

OUTCOME_LABELS = {
    "npv": "NPV",
    "programme_complete_month": "programme completion",
    "reviews_complete_month": "reviews completion",
    "payback_month": "payback",
    "savings_run_rate@target": "savings run-rate at the target month",
    "service_savings_run_rate@target": "the reviews' savings run-rate at the target month",
    "npv_services": "NPV of the reviews",
    "savings_run_rate@horizon": "savings run-rate at the end",
    "cumulative_net@horizon": "cumulative net savings at the end",
    "lowest_resilience": "lowest resilience (any council, any month)",
}


def money_tick(value: float, pos: Any = None) -> str:
    """Axis tick for money: £1.2m, £600k, £850, −£250k (trailing zeros dropped)."""
    if value is None or not math.isfinite(value):
        return ""
    if abs(value) < 0.5:
        return "£0"
    a = abs(value)
    if a >= 1e6:
        text = f"{a / 1e6:.2f}".rstrip("0").rstrip(".") + "m"
    elif a >= 1e3:
        text = f"{a / 1e3:.1f}".rstrip("0").rstrip(".") + "k"
    else:
        text = f"{a:.0f}"
    return ("−" if value < 0 else "") + "£" + text


def money_formatter() -> FuncFormatter:
    """A matplotlib tick formatter for £ amounts (£1.2m, £600k)."""
    return FuncFormatter(money_tick)


def is_money(units: str | None) -> bool:
    """Whether ``units`` are money (£, £/yr)."""
    return bool(units) and str(units).startswith("£")


def is_months(units: str | None, name: str = "") -> bool:
    """Whether a variable is a month (its units, or a name ending in ``_month``)."""
    return (bool(units) and str(units).startswith("month")) or name.endswith("_month")


def percent(p: float) -> str:
    """A probability as a whole percentage, with <1 % and >99 % at the ends."""
    pct = 100.0 * p
    if 0 < pct < 1:
        return "<1 %"
    if 99 < pct < 100:
        return ">99 %"
    return f"{pct:.0f} %"


def add_legend(ax, **kwargs) -> None:
    """A legend in the house style (small, nearly opaque)."""
    kwargs.setdefault("fontsize", "small")
    kwargs.setdefault("framealpha", 0.9)
    ax.legend(**kwargs)


def _entries(axes: list, handles: list | None) -> dict[str, Any]:
    seen: dict[str, Any] = {}
    if handles is not None:
        return {h.get_label(): h for h in handles}
    for ax in axes:
        for handle, label in zip(*ax.get_legend_handles_labels()):
            if label and not label.startswith("_") and label not in seen:
                seen[label] = handle
    return seen


def figure_legend(fig: Figure, axes: list, ncols: int | None = None, handles: list | None = None) -> None:
    """A legend for each of ``axes`` (its labels in order, each once; ``handles``: given ones instead, on
    the first axes), outside the plotting area, just above the axes (and its title): it never covers data.
    ``fig`` is the figure the axes belong to."""
    for i, ax in enumerate(axes):
        seen = _entries([ax], handles if i == 0 else None) if handles is None or i == 0 else {}
        if not seen:
            continue
        columns = ncols or min(len(seen), 2 if max(len(k) for k in seen) > 30 else 3)
        titled = bool(ax.get_title("left") or ax.get_title())
        ax.legend(list(seen.values()), list(seen), loc="lower left", bbox_to_anchor=(0.0, 1.0),
                  borderaxespad=2.0 if titled else 0.4, ncols=columns, fontsize="small", frameon=False)


def legend_band(fig: Figure, entries: int, columns: int = 3) -> tuple[Figure, Figure]:
    """Split ``fig`` into a band at the top for a legend of ``entries`` labels in ``columns`` columns and
    the body below it for the axes: (band, body). Fill the band with :func:`band_legend`."""
    lines = math.ceil(entries / columns)
    height = 0.22 * lines + 0.12
    band, body = fig.subfigures(2, 1, height_ratios=[height, max(fig.get_figheight() - height, 1.0)])
    return band, body


def band_legend(band: Figure, axes: list, columns: int = 3) -> None:
    """The legend of ``axes`` (labels in order, each once) in a band from :func:`legend_band`: across the
    whole figure, above every axes, covering nothing."""
    seen = _entries(axes, None)
    if seen:
        band.legend(list(seen.values()), list(seen), loc="center left", ncols=columns, fontsize="small",
                    frameon=False, borderaxespad=0.2)


def style_axes(ax) -> None:
    """Light grid behind the data, no top or right spine."""
    ax.grid(True, color="#dddddd", linewidth=0.6)
    ax.set_axisbelow(True)
    for side in ("top", "right"):
        ax.spines[side].set_visible(False)


def title_figure(fig: Figure, text: str, note: str | None = None) -> None:
    """The figure's title (top left, bold) and a note on how to read it (bottom left, grey)."""
    fig.suptitle(text, x=0.01, ha="left", fontsize="large", fontweight="bold")
    if note:
        fig.supxlabel("\n".join(textwrap.wrap(note, int(fig.get_figwidth() * 15))), x=0.01, ha="left",
                      fontsize="small", color=GREY)


__all__ = ["BLUE", "ORANGE", "GREY", "RED", "GREEN", "WIDE", "TITLES", "OUTCOME_LABELS", "money_tick",
           "money_formatter", "is_money", "is_months", "percent", "add_legend", "figure_legend", "legend_band", "band_legend", "style_axes", "title_figure"]


_DOLLAR = re.compile(r"(?<!\\)\$")


def literal(text: str) -> str:
    """``text`` shown as written: an unescaped ``$`` would start matplotlib mathtext (a council
    named ``East $\\foo$ ham`` would fail to draw), so every ``$`` is escaped."""
    return _DOLLAR.sub(r"\\$", text)


def literal_text(build: Callable[..., Figure]) -> Callable[..., Figure]:
    """Decorate a figure builder: names from the results (councils, services, scenarios, the
    programme) appear literally in every text, legend and tick label of the figure."""

    @functools.wraps(build)
    def wrapper(*args: Any, **kwargs: Any) -> Figure:
        fig = build(*args, **kwargs)
        for text in fig.findobj(Text):
            if "$" in text.get_text():
                text.set_text(literal(text.get_text()))
        for ax in fig.axes:
            for axis in (ax.xaxis, ax.yaxis):
                formatter = axis.get_major_formatter()
                if isinstance(formatter, FixedFormatter):
                    formatter.seq = [literal(str(t)) for t in formatter.seq]
        return fig

    return wrapper
