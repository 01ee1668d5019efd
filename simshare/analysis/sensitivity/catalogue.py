"""What a sensitivity analysis can explain, and by what: output variables, replication parameters,
the yearly series, and the units and text of an output.

Output variables are the summary rows (:func:`simshare.analysis.results.outcomes`: ``npv``,
``npv_services``, ``programme_complete_month``, ``council_npv[C]``, ``lowest_resilience[C]``, ...) and
``savings_run_rate@M``, ``service_savings_run_rate@M``, ``cumulative_net@M``, ``resilience@M`` (mean over
councils) at a month M.
"""

from __future__ import annotations

import fnmatch
import math
from typing import Sequence

import numpy as np
import xarray as xr

from ...config import Config, replication_parameters
from ..results import COUNCIL_NPV_PREFIX, RESILIENCE_PREFIX, format_money, outcomes, select_scenario

#: time series explained per programme year (resilience: mean over councils)
SERIES = ("savings_run_rate", "resilience")
#: time series that ``NAME@MONTH`` output variables may name
AT_MONTH = ("savings_run_rate", "service_savings_run_rate", "cumulative_net", "cumulative_savings",
            "cumulative_costs", "resilience")


def output_variables(cfg: Config) -> list[str]:
    """Output variables a sensitivity analysis of ``cfg`` can explain (``@MONTH`` forms listed generically)."""
    p = cfg.programme
    joint = p.joint_management is not None and bool(cfg.order)  # the reviews and joint management apart
    names = ["npv_services", "npv_joint_management", "npv"] if joint else ["npv"]
    if p.target_month is not None or p.savings_target is not None:
        names.append(("service_savings_run_rate" if joint and p.target_scope != "total" else "savings_run_rate")
                     + "@target")
    if joint:
        names += ["service_savings_run_rate@horizon", "joint_management_run_rate@horizon"]
    names += ["savings_run_rate@horizon", "cumulative_net@horizon", "reviews_complete_month",
              "programme_complete_month", "payback_month"]
    names += [f"{COUNCIL_NPV_PREFIX}[{c}]" for c in cfg.council_names]
    names += [f"{RESILIENCE_PREFIX}[{c}]" for c in cfg.council_names]
    return names + [f"{s}@MONTH" for s in AT_MONTH]


def check_variable(cfg: Config, variable: str) -> str:
    """``variable`` if ``cfg``'s results have it; else ValueError naming it and the valid choices."""
    choices = output_variables(cfg)
    if variable in choices and not variable.endswith("@MONTH"):
        return variable
    name, at, month = variable.partition("@")
    if at and name in AT_MONTH and month not in ("target", "horizon"):
        if month.isdigit() and int(month) <= cfg.programme.horizon_months:
            return variable
        raise ValueError(f"output variable {variable!r}: the month must be a whole number from 0 to the horizon "
                         f"({cfg.programme.horizon_months})")
    raise ValueError(f"unknown output variable {variable!r} (choose one of: {', '.join(choices)})")


def is_months(variable: str) -> bool:
    """Whether an output is a month (NaN = not reached within the horizon)."""
    return variable.endswith("_month")


def select_parameters(cfg: Config, parameters: Sequence[str] | None = None) -> list[str]:
    """Replication parameters to study: all (None) or the named paths; ``*`` patterns match several.

    Raises ValueError naming every unknown path and listing the valid ones.
    """
    paths = [s.path for s in replication_parameters(cfg)]
    if parameters is None:
        return paths
    chosen: list[str] = []
    unknown = []
    for name in parameters:
        hits = [p for p in paths if fnmatch.fnmatchcase(p, name)] if any(c in name for c in "*?[") else (
            [name] if name in paths else [])
        if not hits:
            unknown.append(name)
        chosen += [h for h in hits if h not in chosen]
    if unknown:
        valid = ", ".join(paths) if paths else "none: the config has no distribution tables"
        raise ValueError(f"unknown parameter {', '.join(map(repr, unknown))}: not an uncertain replication "
                         f"parameter of this config (choose from: {valid})")
    return chosen


def output_values(ds: xr.Dataset, variable: str, scenario: str | None = None) -> np.ndarray:
    """One value per replication of an output variable (see :func:`output_variables`)."""
    d = select_scenario(ds, scenario)
    values = outcomes(d)
    if variable in values:
        return values[variable]
    name, at, month = variable.partition("@")
    if at and name in AT_MONTH and name in d and month.isdigit():
        da = d[name].sel(time=int(month))
        if "council" in da.dims:
            da = da.mean("council")
        return np.asarray(da.values, dtype=float)
    raise ValueError(f"unknown output variable {variable!r} (these results have: {', '.join(values)})")


def yearly_months(horizon: int) -> np.ndarray:
    """Months that end each whole programme year within the horizon: 12, 24, ..."""
    return np.arange(12, int(horizon) + 1, 12, dtype=int)


def yearly_series(ds: xr.Dataset, months: np.ndarray, scenario: str | None = None) -> dict[str, np.ndarray]:
    """Savings run-rate and mean resilience over councils at each month: replication × year arrays."""
    d = select_scenario(ds, scenario)
    months = [int(m) for m in months]
    n = d.sizes["replication"]
    return {
        "savings_run_rate": np.asarray(d["savings_run_rate"].sel(time=months).values, dtype=float).reshape(n, len(months)),
        "resilience": np.asarray(d["resilience"].sel(time=months).mean("council").values, dtype=float).reshape(n, len(months)),
    }


def output_units(variable: str) -> str:
    """Units of an output variable: months, 1 (a share), £/yr or £."""
    if is_months(variable):
        return "months"
    if variable.startswith(RESILIENCE_PREFIX) or variable.startswith("resilience"):
        return "1"
    return "£/yr" if "run_rate" in variable else "£"


def format_output(value: float, units: str) -> str:
    """An output value as text in its units: £ as money, months to one decimal, a share (1) as a percentage,
    else three figures."""
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if units.startswith("£"):
        return format_money(float(value))
    if units == "months":
        return "after horizon" if math.isinf(value) else f"{value:.1f}"
    if units == "1":
        return f"{100 * value:.3g} %"
    return f"{value:.3g}"


def format_parameter(value: float, units: str) -> str:
    """A parameter's value as text in its units (:func:`simshare.engine.simulate.parameter_units`): money
    as £ with k/m (and its period), months to one decimal, a rate per year as a percentage, slots and
    cases as whole numbers, shares and multipliers to three figures."""
    if value is None or not math.isfinite(float(value)):
        return "n/a"
    v = float(value)
    if units.startswith("£"):
        return format_money(v) + units[1:]
    if units == "months":
        return f"{v:.1f} mo"
    if units == "1/yr":
        return f"{100 * v:.3g} %/yr"
    if units in ("slots", "cases"):
        return f"{v:.0f} {units}"
    return f"{v:.3g}"


#: variables in the output's units (tornado and Morris), and dimensionless ones (shares, correlations)
_IN_OUTPUT_UNITS = ("p50_low", "p50_high", "mean_low", "mean_high", "swing_p50", "swing_mean", "mu", "mu_star",
                    "sigma")
_SHARES = ("S1", "ST", "spearman", "src", "srrc", "r2")
#: variables that hold a parameter's value, in that parameter's own units
_PARAMETER_VALUES = ("low", "high")
_PARAMETER_UNITS_TEXT = "the parameter's own units (see parameter_units)"


def add_units(ds: xr.Dataset) -> xr.Dataset:
    """Give every variable of a sensitivity dataset a ``units`` attribute, in place, and return it.

    Tornado values and Morris effects are in the output's units (``ds.attrs["units"]``; per programme
    year in £/yr for the savings run-rate and 1 for resilience); Sobol indices and rank statistics are
    shares (1); the values held and switching values are in each parameter's own units (the
    ``parameter_units`` variable); text variables get an empty ``units``.
    """
    out_units = str(ds.attrs.get("units", ""))
    for name in ds.data_vars:
        var = ds[name]
        base = str(name).removeprefix("rank_").removesuffix("_by_year").removesuffix("_conf")
        if var.dtype.kind in "OUS":
            units = ""
        elif base in _SHARES or base.startswith("screen"):
            units = "1"
        elif base in _PARAMETER_VALUES or base.startswith("switching_"):
            units = _PARAMETER_UNITS_TEXT
        elif base in _IN_OUTPUT_UNITS:
            units = out_units if not str(name).endswith("_by_year") else \
                "£/yr (series savings_run_rate), 1 (series resilience)"
        else:
            units = var.attrs.get("units", "1")
        var.attrs["units"] = units
    return ds


def year_coords(months: np.ndarray) -> dict:
    """Coordinates of the (series, year) dims: ``series``, ``year`` (1, 2, ...) and its ``month``."""
    return {"series": list(SERIES), "year": ("year", (np.asarray(months) // 12).astype(int)),
            "month": ("year", np.asarray(months, dtype=int))}


__all__ = ["SERIES", "AT_MONTH", "output_variables", "check_variable", "is_months", "select_parameters",
           "output_values", "yearly_months", "yearly_series", "output_units", "format_output", "format_parameter", "add_units", "year_coords"]
