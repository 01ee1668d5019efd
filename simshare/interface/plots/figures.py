"""The figures that fit a results dataset, by name (what the report shows)."""

from __future__ import annotations

import numpy as np
import xarray as xr
from matplotlib.figure import Figure

from ...analysis.results import has_joint_management, scenario_names, select_scenario, swept_dims
from ...config import STATUS_QUO
from .councils import council_chart
from .fans import completion_scurves, fan_chart
from .milestones import milestone_chart
from .resilience import resilience_chart
from .scenarios import scenario_chart
from .sweeps import sweep_heatmap


def _has_finite(ds: xr.Dataset, name: str) -> bool:
    return name in ds and bool(np.isfinite(np.asarray(ds[name].values, dtype=float)).any())


def figures_for(ds: xr.Dataset, scenario: str | None = None) -> dict[str, Figure]:
    """The figures that fit these results, by name, in reading order.

    A single run (with or without the status quo): ``service_savings_run_rate`` (the reviews' alone, when
    the results hold joint management too), ``savings_run_rate``, ``cumulative_net``, ``completion``,
    ``milestones``, ``councils`` (each council's NPV, when there are two or more), ``resilience``,
    ``vacancy``; several scenarios add ``scenarios``; a sweep gives ``sweep_npv`` and ``sweep_completion``.
    """
    if not isinstance(ds, xr.Dataset):
        raise ValueError(f"figures_for: expected an xarray.Dataset of simshare results, got {type(ds).__name__}")
    figures: dict[str, Figure] = {}
    swept = swept_dims(ds)
    if swept:
        sel = ds
        if "scenario" in ds.dims:
            sel = select_scenario(ds, scenario)
        if len(swept) > 2:
            sel = sel.isel({dim: 0 for dim in swept[2:]})
        if "npv" in sel:
            figures["sweep_npv"] = sweep_heatmap(sel, "npv", "P50")
        if "programme_complete_month" in sel:
            figures["sweep_completion"] = sweep_heatmap(sel, "programme_complete_month", "P80")
        return figures
    d = select_scenario(ds, scenario)
    if "service_savings_run_rate" in d and has_joint_management(ds):
        figures["service_savings_run_rate"] = fan_chart(ds, "service_savings_run_rate", scenario)
    if "savings_run_rate" in d:
        figures["savings_run_rate"] = fan_chart(ds, "savings_run_rate", scenario)
    if "cumulative_net" in d:
        figures["cumulative_net"] = fan_chart(ds, "cumulative_net", scenario)
    if _has_finite(d, "programme_complete_month") or _has_finite(d, "reviews_complete_month"):
        figures["completion"] = completion_scurves(ds, scenario)
    if "approved" in d and "live" in d and (_has_finite(d, "approved") or _has_finite(d, "live")):
        figures["milestones"] = milestone_chart(ds, scenario)
    if "council_npv" in d and d.sizes.get("council", 0) > 1:
        figures["councils"] = council_chart(ds, scenario)
    if "resilience" in d and "council" in d.dims:
        figures["resilience"] = resilience_chart(ds, "resilience", scenario)
    if "vacancy_rate" in d and "council" in d.dims:
        figures["vacancy"] = resilience_chart(ds, "vacancy_rate", scenario)
    names = [n for n in scenario_names(ds) if n != STATUS_QUO]
    if len(names) >= 2 and "npv" in ds and "programme_complete_month" in ds:
        figures["scenarios"] = scenario_chart(ds)
    return figures


__all__ = ["figures_for"]
