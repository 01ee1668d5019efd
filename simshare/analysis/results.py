"""Reading a results dataset (docs/results-layout.md): attributes, scenarios, dates and the
per-replication outcomes every summary, comparison, figure and report is built from.

Month outcomes (``*_month``) are months since the programme start; NaN = not reached within
the horizon; ``payback_month`` is −inf when the reviews never go into deficit ("no deficit").
Money is in £ (``£/yr`` for run-rates) and compares to the pound (:data:`MONEY_TOLERANCE`);
resilience is a share (0..1).
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Iterator

import numpy as np
import pandas as pd
import xarray as xr

from ..config import BASE
from ..model.outputs import DATASET_OUTPUTS
from .blocks import lowest_over_time, max_abs_difference, reduce_replications

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

#: Fixed summary rows in table order; ``council_npv[COUNCIL]``, ``lowest_resilience[COUNCIL]`` and
#: ``unsafe_months[COUNCIL]`` rows follow, one per council. Which rows a dataset has depends on what it holds (:func:`outcomes`): the reviews and
#: joint management apart when it records the reviews' own money, and one ``@target`` row, of the run-rate
#: the target is compared with (:func:`target_variable`), when it carries a ``target_month``.
ROWS: tuple[str, ...] = (
    "npv_services",
    "npv_joint_management",
    "npv",
    "service_savings_run_rate@target",
    "savings_run_rate@target",
    "service_savings_run_rate@horizon",
    "joint_management_run_rate@horizon",
    "savings_run_rate@horizon",
    "cumulative_net@horizon",
    "reviews_complete_month",
    "programme_complete_month",
    "payback_month",
)
RESILIENCE_PREFIX = "lowest_resilience"
COUNCIL_NPV_PREFIX = "council_npv"
#: a council's service-months not operating safely: ``unsafe_months`` summed over its services (how long,
#: beside the lowest resilience's how deep)
UNSAFE_PREFIX = "unsafe_months"

#: Units of each summary row (per-council rows under their prefix).
UNITS: dict[str, str] = {
    "npv_services": "£",
    "npv_joint_management": "£",
    "npv": "£",
    "service_savings_run_rate@target": "£/yr",
    "savings_run_rate@target": "£/yr",
    "service_savings_run_rate@horizon": "£/yr",
    "joint_management_run_rate@horizon": "£/yr",
    "savings_run_rate@horizon": "£/yr",
    "cumulative_net@horizon": "£",
    "reviews_complete_month": "months",
    "programme_complete_month": "months",
    "payback_month": "months",
    COUNCIL_NPV_PREFIX: "£",
    RESILIENCE_PREFIX: "1",
    UNSAFE_PREFIX: "service-months",
}

#: Money compares to the pound (docs/model.md, section 9): amounts within £1 of each other, or of a target, count as equal.
MONEY_TOLERANCE = 1.0

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


def target_variable(ds: xr.Dataset) -> str:
    """The run-rate the savings target is compared with (docs/model.md, section 9): the reviews'
    (``service_savings_run_rate``) unless the config's ``target_scope`` is ``"total"``. Without any
    joint-management money the reviews' run-rate is the total, and ``savings_run_rate`` is named (so are
    results that do not record the reviews' own run-rate)."""
    if attr(ds, "target_scope") == "total" or not has_joint_management(ds):
        return "savings_run_rate"
    return "service_savings_run_rate"


def meets_target(x: np.ndarray, target: float) -> np.ndarray:
    """Whether each run-rate meets ``target``, to the pound: within £1 below it counts as meeting it."""
    return np.asarray(x, dtype=float) >= float(target) - MONEY_TOLERANCE


def has_joint_management(ds: xr.Dataset) -> bool:
    """Whether the results record the reviews apart and any joint-management money (in any scenario)."""
    if "npv_services" not in ds or "service_savings_run_rate" not in ds:
        return False
    if max_abs_difference(ds["npv"], ds["npv_services"]) > MONEY_TOLERANCE:
        return True
    return max_abs_difference(ds["savings_run_rate"], ds["service_savings_run_rate"]) > MONEY_TOLERANCE


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
    :data:`ROWS`), in table order: ``dict(iter_outcomes(ds, scenario))``."""
    return dict(iter_outcomes(ds, scenario))


def iter_outcomes(ds: xr.Dataset, scenario: str | None = None) -> Iterator[tuple[str, np.ndarray]]:
    """``(row, values)`` for each summary row in table order, one at a time; ``values`` has shape
    (replication,).

    Where the results hold joint-management money besides the reviews' (:func:`has_joint_management`),
    NPV and the run-rate at the end come as the reviews', joint management's (total less reviews) and
    the total; without it the reviews are the whole programme and only the total is given. The ``@target``
    row is the run-rate the target is compared with (:func:`target_variable`) at ``target_month`` (linear
    between whole months), present only when the dataset has that attribute; ``@horizon`` rows take the
    last month; ``council_npv[C]`` is council C's NPV, ``lowest_resilience[C]`` its minimum resilience
    over time and ``unsafe_months[C]`` its services' months not operating safely, summed over its
    services (service-months: two services unsafe for three months each make 6).

    Results opened lazily from a file are read a row, or a block of replications, at a time
    (:mod:`simshare.analysis.blocks`): memory grows with one value per replication, not with months or
    councils.
    """
    d = select_scenario(ds, scenario)
    apart = has_joint_management(ds)  # with no joint management the reviews are the whole programme
    npv = per_replication(d["npv"], "npv")
    if apart:
        reviews = per_replication(d["npv_services"], "npv_services")
        yield "npv_services", reviews
        yield "npv_joint_management", npv - reviews
    yield "npv", npv
    tm = target_month(d)
    if tm is not None:
        name = target_variable(ds)
        yield f"{name}@target", per_replication(at_month(d[name], tm), f"{name}@target")
    total = per_replication(d["savings_run_rate"].isel(time=-1, drop=True), "savings_run_rate@horizon")
    if apart:
        reviews = per_replication(d["service_savings_run_rate"].isel(time=-1, drop=True),
                                  "service_savings_run_rate@horizon")
        yield "service_savings_run_rate@horizon", reviews
        yield "joint_management_run_rate@horizon", total - reviews
    yield "savings_run_rate@horizon", total
    yield "cumulative_net@horizon", per_replication(d["cumulative_net"].isel(time=-1, drop=True),
                                                    "cumulative_net@horizon")
    for name in ("reviews_complete_month", "programme_complete_month", "payback_month"):
        if name in d:
            yield name, per_replication(d[name], name)
    councils = [str(c) for c in d["council"].values] if "council" in d.coords else []
    if "council_npv" in d:
        for council in councils:
            key = f"{COUNCIL_NPV_PREFIX}[{council}]"
            yield key, per_replication(d["council_npv"].sel(council=council, drop=True), key)
    for prefix, values in ((RESILIENCE_PREFIX, lowest_resilience), (UNSAFE_PREFIX, unsafe_service_months)):
        table = values(d)
        if table is not None:
            for i, council in enumerate(councils):
                yield f"{prefix}[{council}]", table[:, i]


def _one_run(d: xr.Dataset, name: str, extra: tuple[str, ...]) -> xr.DataArray:
    da = d[name]
    if set(da.dims) != {"replication", "council", *extra}:
        raise ValueError(f"{name}: expected dims replication, council{''.join(', ' + e for e in extra)}, got "
                         f"{da.dims} (select a scenario or swept value first)")
    return da.transpose("replication", *extra, "council")


def lowest_resilience(d: xr.Dataset) -> np.ndarray | None:
    """Each replication's lowest resilience over the months, per council: shape (replication, council),
    read in blocks of replications; None without ``resilience``."""
    return lowest_over_time(_one_run(d, "resilience", ("time",))) if "resilience" in d else None


def unsafe_service_months(d: xr.Dataset) -> np.ndarray | None:
    """Each replication's service-months not operating safely, per council (``unsafe_months`` summed over
    the services): shape (replication, council); None without ``unsafe_months``."""
    if "unsafe_months" not in d:
        return None
    return reduce_replications(_one_run(d, "unsafe_months", ("service",)), lambda v: v.sum(axis=1))


def every_partner_ahead(ds: xr.Dataset, scenario: str | None = None) -> np.ndarray | None:
    """Per replication, whether every council's NPV is above £0 (to the pound: more than £1), or None
    when the results hold no per-council NPV."""
    d = select_scenario(ds, scenario)
    if "council_npv" not in d:
        return None
    return reduce_replications(d["council_npv"].transpose("replication", "council"),
                               lambda values: np.all(values > MONEY_TOLERANCE, axis=1))


def units_of(row: str) -> str:
    """Units of a summary row: £, £/yr, months or 1 (a share)."""
    for prefix in (RESILIENCE_PREFIX, COUNCIL_NPV_PREFIX, UNSAFE_PREFIX):
        if row.startswith(prefix + "["):
            return UNITS[prefix]
    return UNITS[row]


__all__ = ["REQUIRED_VARIABLES", "REQUIRED_COORDS", "REQUIRED_ATTRS", "NotResults", "check_results", "ROWS", "RESILIENCE_PREFIX", "COUNCIL_NPV_PREFIX", "UNSAFE_PREFIX", "UNITS", "MONEY_TOLERANCE", "RUN_DIMS", "attr",
           "scenario_names", "swept_dims", "select_scenario", "per_replication", "at_month", "target_month",
           "target_variable", "meets_target", "has_joint_management", "start_date", "month_label", "full_month",
           "format_money", "outcomes", "iter_outcomes", "lowest_resilience", "unsafe_service_months", "every_partner_ahead", "units_of"]
