"""Reading a results dataset (docs/results-layout.md): attributes, scenarios, dates and the
per-replication outcomes every summary, comparison, figure and report is built from.

Month outcomes (``*_month``) are months since the programme start; NaN = not reached within
the horizon. Money is in £ (``£/yr`` for run-rates); resilience is a share (0..1).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from ..config import BASE
from ..model.outputs import DATASET_OUTPUTS

#: what every simshare results file holds (docs/results-layout.md); readers check for it first
REQUIRED_VARIABLES: tuple[str, ...] = tuple(o.name for o in DATASET_OUTPUTS)
REQUIRED_COORDS: tuple[str, ...] = ("replication", "time", "council", "service")
REQUIRED_ATTRS: tuple[str, ...] = ("simshare_version", "config", "seed", "replications", "start", "horizon_months")


class NotResults(ValueError):
    """A dataset that is not a (complete) simshare results file."""


def check_results(ds: xr.Dataset, source: Any = "the dataset") -> None:
    """Raise :class:`NotResults`, naming what is missing, unless ``ds`` holds every variable,
    coordinate and attribute of a simshare results file."""
    missing = [f"variable {v}" for v in REQUIRED_VARIABLES if v not in ds.variables]
    missing += [f"coordinate {c}" for c in REQUIRED_COORDS if c not in ds.variables]
    missing += [f"attribute {a}" for a in REQUIRED_ATTRS if a not in ds.attrs]
    if missing:
        shown = ", ".join(missing[:6]) + (f" and {len(missing) - 6} more" if len(missing) > 6 else "")
        raise NotResults(f"{source}: not a simshare results file (it lacks {shown})")

#: Fixed summary rows in table order; ``lowest_resilience[COUNCIL]`` rows follow, one per council.
#: ``savings_run_rate@target`` is present only when the results carry a ``target_month``.
ROWS: tuple[str, ...] = (
    "npv",
    "savings_run_rate@target",
    "savings_run_rate@horizon",
    "cumulative_net@horizon",
    "reviews_complete_month",
    "programme_complete_month",
    "payback_month",
)
RESILIENCE_PREFIX = "lowest_resilience"

#: Units of each summary row (``lowest_resilience[C]`` rows under the prefix).
UNITS: dict[str, str] = {
    "npv": "£",
    "savings_run_rate@target": "£/yr",
    "savings_run_rate@horizon": "£/yr",
    "cumulative_net@horizon": "£",
    "reviews_complete_month": "months",
    "programme_complete_month": "months",
    "payback_month": "months",
    RESILIENCE_PREFIX: "1",
}

#: Dimensions of a single run; any other dimension of a variable is a swept parameter (or ``scenario``).
RUN_DIMS: tuple[str, ...] = ("replication", "time", "council", "service", "parameter")


# --------------------------------------------------------------------------- attributes and dims


def attr(ds: xr.Dataset, name: str) -> Any:
    """A dataset attribute as a Python value, or None when absent, empty or NaN (netCDF has no None)."""
    value = ds.attrs.get(name)
    if value is None:
        return None
    if isinstance(value, np.ndarray):
        if value.size != 1:
            return value
        value = value.item()
    if isinstance(value, np.generic):
        value = value.item()
    if isinstance(value, float) and math.isnan(value):
        return None
    if isinstance(value, str) and not value.strip():
        return None
    return value


def scenario_names(ds: xr.Dataset) -> list[str]:
    """The stored scenarios in order; empty for a single run (no ``scenario`` dim)."""
    return [str(s) for s in ds["scenario"].values] if "scenario" in ds.dims else []


def swept_dims(ds: xr.Dataset) -> list[str]:
    """Dimensions beyond a single run's, other than ``scenario``: the swept parameters."""
    return [str(d) for d in ds.dims if d not in RUN_DIMS and d != "scenario"]


def select_scenario(ds: xr.Dataset, scenario: str | None = None) -> xr.Dataset:
    """The dataset of one scenario: ``scenario`` by name, default the first stored.

    A dataset without a ``scenario`` dim is a single run; it accepts ``None`` or ``"base"``.
    Raises ValueError naming the stored scenarios for an unknown name.
    """
    if "scenario" not in ds.dims:
        if scenario not in (None, BASE):
            raise ValueError(f"scenario {scenario!r}: these results hold a single run (no scenario dimension)")
        return ds
    names = scenario_names(ds)
    if scenario is None:
        return ds.isel(scenario=0)
    if scenario not in names:
        raise ValueError(f"scenario {scenario!r}: not in the results (scenarios are: {', '.join(names)})")
    return ds.isel(scenario=names.index(scenario))


def per_replication(da: xr.DataArray, name: str) -> np.ndarray:
    """The values of a (replication,) array as floats; ValueError naming ``name`` for any other dims."""
    if da.dims != ("replication",):
        raise ValueError(
            f"{name}: expected one value per replication, got dims {da.dims} "
            "(select a scenario or swept value first)"
        )
    return np.asarray(da.values, dtype=float)


def at_month(da: xr.DataArray, month: float) -> xr.DataArray:
    """Value at ``month`` (months since start), linear between the stored integer months.

    The model's run-rate is piecewise linear with steps; between two stored months we
    interpolate linearly (exact at whole months, which is what configs normally give).
    Raises ValueError for a month outside the simulated ones.
    """
    times = np.asarray(da["time"].values, dtype=float)
    if not times[0] - 1e-9 <= month <= times[-1] + 1e-9:
        raise ValueError(f"month {month:g} is outside the simulated months {times[0]:g}..{times[-1]:g}")
    i = int(np.searchsorted(times, month, side="right")) - 1
    i = min(max(i, 0), len(times) - 1)
    if abs(times[i] - month) <= 1e-9 or i == len(times) - 1:
        return da.isel(time=i)
    w = (month - times[i]) / (times[i + 1] - times[i])
    return da.isel(time=i) * (1.0 - w) + da.isel(time=i + 1) * w


def target_month(ds: xr.Dataset) -> float | None:
    """The ``target_month`` attribute (months since the start) as a float, or None when the config has none."""
    value = attr(ds, "target_month")
    return None if value is None else float(value)


# --------------------------------------------------------------------------- dates and money


def start_date(ds: xr.Dataset) -> dt.date:
    """The programme start: the ``start`` attribute, else the first ``date``; ValueError without either."""
    value = attr(ds, "start")
    if value is not None:
        try:
            return dt.date.fromisoformat(str(value)[:10])
        except ValueError:
            pass
    if "date" in ds.coords:
        first = pd.Timestamp(ds["date"].values[0])
        return dt.date(first.year, first.month, 1)
    raise ValueError("results have no 'start' attribute or 'date' coordinate to turn months into dates")


def month_label(start: dt.date, months: float) -> str:
    """Calendar month in which ``months`` after ``start`` falls, e.g. ``Jan 2017``."""
    whole = math.floor(months + 1e-9)
    index = start.year * 12 + (start.month - 1) + whole
    return dt.date(index // 12, index % 12 + 1, 1).strftime("%b %Y")


def full_month(start: dt.date, months: float) -> str:
    """``October 2016``: the calendar month in which ``months`` after ``start`` falls."""
    label = month_label(start, months)
    return dt.datetime.strptime(label, "%b %Y").strftime("%B %Y")


def format_money(value: float, sign: str = "", digits: int = 3) -> str:
    """£ to ``digits`` significant figures: £1.24m, £660k, £12.3k, £850; ``sign`` is prefixed (e.g. ±).

    Estimates use three significant figures, half-widths two (±£12k, ±£1.2m).
    """
    if value is None or math.isnan(value):
        return "n/a"
    if math.isinf(value):
        return f"{sign}∞" if sign else ("-∞" if value < 0 else "∞")
    neg = value < 0
    v = float(f"{abs(value):.{digits}g}")  # round first so 999,999 becomes £1.00m, not £1000k
    if v >= 1e6:
        scaled, suffix = v / 1e6, "m"
    elif v >= 1e3:
        scaled, suffix = v / 1e3, "k"
    else:
        scaled, suffix = v, ""
    whole = len(str(int(scaled))) if scaled >= 1 else 1
    decimals = max(digits - whole, 0) if suffix else 0
    return f"{sign}{'-' if neg else ''}£{scaled:.{decimals}f}{suffix}"


# --------------------------------------------------------------------------- outcomes


def outcomes(ds: xr.Dataset, scenario: str | None = None) -> dict[str, np.ndarray]:
    """One value per replication (arrays of shape (replication,)) for each summary row (see
    :data:`ROWS`), in table order.

    ``savings_run_rate@target`` is the run-rate at ``target_month`` (linear between whole
    months), present only when the dataset has that attribute; ``@horizon`` rows take the
    last month; ``lowest_resilience[C]`` is council C's minimum resilience over time.
    """
    d = select_scenario(ds, scenario)
    out: dict[str, np.ndarray] = {"npv": per_replication(d["npv"], "npv")}
    tm = target_month(d)
    if tm is not None:
        out["savings_run_rate@target"] = per_replication(at_month(d["savings_run_rate"], tm), "savings_run_rate@target")
    out["savings_run_rate@horizon"] = per_replication(
        d["savings_run_rate"].isel(time=-1, drop=True), "savings_run_rate@horizon"
    )
    out["cumulative_net@horizon"] = per_replication(
        d["cumulative_net"].isel(time=-1, drop=True), "cumulative_net@horizon"
    )
    for name in ("reviews_complete_month", "programme_complete_month", "payback_month"):
        if name in d:
            out[name] = per_replication(d[name], name)
    if "resilience" in d:
        lowest = d["resilience"].min("time")
        for council in d["council"].values:
            key = f"{RESILIENCE_PREFIX}[{council}]"
            out[key] = per_replication(lowest.sel(council=council, drop=True), key)
    return out


def units_of(row: str) -> str:
    """Units of a summary row: £, £/yr, months or 1 (a share)."""
    return UNITS[RESILIENCE_PREFIX if row.startswith(RESILIENCE_PREFIX) else row]


__all__ = ["REQUIRED_VARIABLES", "REQUIRED_COORDS", "REQUIRED_ATTRS", "NotResults", "check_results", "ROWS", "RESILIENCE_PREFIX", "UNITS", "RUN_DIMS", "attr", "scenario_names", "swept_dims",
           "select_scenario", "per_replication", "at_month", "target_month", "start_date", "month_label",
           "full_month", "format_money", "outcomes", "units_of"]
