"""The tornado: each replication parameter held at its P10 and at its P90, the rest random, under
common random numbers; the swing in the output's P50 and mean, overall and per programme year."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import xarray as xr

from ...config import load_config
from .catalogue import (SERIES, check_variable, output_units, output_values, select_parameters, year_coords,
                        yearly_months, yearly_series)
from .experiments import (base_config, batched_runs, fixed_config, marginal_quantiles, mean_value,
                          order_by_importance, p50, run_options)


def _swing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.abs(np.asarray(b, dtype=float) - np.asarray(a, dtype=float))


def run_tornado(config: Any, variable: str, parameters: Sequence[str] | None, replications: int, seed: int,
                opts: Mapping[str, Any], batch: int) -> tuple[xr.Dataset, xr.Dataset]:
    """The tornado (see :func:`tornado`) and the base scenario's dataset (for rank correlations).
    ``opts``: :func:`~simshare.analysis.sensitivity.experiments.run_options`."""
    cfg = base_config(load_config(config))
    variable = check_variable(cfg, variable)
    paths = select_parameters(cfg, parameters)
    months = yearly_months(cfg.programme.horizon_months)
    ends, sources = {}, {}
    for p in paths:
        ends[p], sources[p] = marginal_quantiles(cfg, p, [0.1, 0.9])
    scenarios = [("base", cfg)]
    for p in paths:
        scenarios += [(f"{p} at P10", fixed_config(cfg, {p: ends[p][0]})),
                      (f"{p} at P90", fixed_config(cfg, {p: ends[p][1]}))]
    y: dict[str, np.ndarray] = {}
    series: dict[str, dict[str, np.ndarray]] = {}
    held: dict[str, xr.Dataset] = {}

    def keep(name: str, d: xr.Dataset) -> None:
        y[name] = output_values(d, variable)
        series[name] = yearly_series(d, months)
        if name == "base":
            held["base"] = d.load()

    batched_runs(scenarios, replications, seed, opts, batch, keep)
    lo_names = [f"{p} at P10" for p in paths]
    hi_names = [f"{p} at P90" for p in paths]
    stat = {k: np.array([f(y[n]) for n in names]) for k, f, names in
            (("p50_low", p50, lo_names), ("p50_high", p50, hi_names),
             ("mean_low", mean_value, lo_names), ("mean_high", mean_value, hi_names))}
    swing_p50, swing_mean = _swing(stat["p50_low"], stat["p50_high"]), _swing(stat["mean_low"], stat["mean_high"])
    by_year = {}
    for key, f in (("p50", lambda a: np.quantile(a, 0.5, axis=0)), ("mean", lambda a: a.mean(axis=0))):
        arr = np.array([[_swing(f(series[lo][s]), f(series[hi][s])) for lo, hi in zip(lo_names, hi_names)]
                        for s in SERIES])  # series, parameter, year
        by_year[f"swing_{key}_by_year"] = (("series", "year", "parameter"), arr.transpose(0, 2, 1).reshape(
            len(SERIES), len(months), len(paths)))
    units = output_units(variable)
    ds = xr.Dataset(
        {
            "low": ("parameter", np.array([ends[p][0] for p in paths], dtype=float)),
            "high": ("parameter", np.array([ends[p][1] for p in paths], dtype=float)),
            **{k: ("parameter", v, {"units": units}) for k, v in stat.items()},
            "swing_p50": ("parameter", swing_p50, {"units": units}),
            "swing_mean": ("parameter", swing_mean, {"units": units}),
            "quantiles_from": ("parameter", np.array([sources[p] for p in paths], dtype=object)),
            **by_year,
        },
        coords={"parameter": paths, **year_coords(months)},
        attrs={
            "method": "tornado", "variable": variable, "units": units, "replications": replications, "seed": seed,
            "base_p50": p50(y["base"]), "base_mean": mean_value(y["base"]),
            "note": "each parameter held at its P10 and at its P90 (exact quantiles of its distribution, or of the mixture where its "
                    "parameters are uncertain), the rest random; common random numbers; swing = |high - low|",
        },
    )
    for name in ("low", "high"):
        ds[name].attrs["long_name"] = f"parameter value held ({'P10' if name == 'low' else 'P90'} of its marginal)"
    order = order_by_importance(ds["swing_p50"].values, ds["swing_mean"].values)
    return ds.isel(parameter=order), held["base"]


def tornado(config: Any, variable: str = "npv", parameters: Sequence[str] | None = None, replications: int = 200,
            seed: int = 1, *, workers: int = 1, executor: str | None = None, scheduler: str | None = None,
            chunk_size: int | None = None, progress: bool = False, batch: int = 32) -> xr.Dataset:
    """One-at-a-time swings: each replication parameter held at its P10 and at its P90, the rest random.

    All scenarios (the base and two per parameter) run ``replications`` replications under
    common random numbers (``batch`` scenarios per engine call, to bound memory). Returns a
    Dataset on a ``parameter`` dim (dotted paths), largest ``swing_p50`` first: ``low``/``high``
    (the values held), ``p50_low``, ``p50_high``, ``mean_low``, ``mean_high``, ``swing_p50``,
    ``swing_mean``, and per programme year the swings of the savings run-rate and mean
    resilience (``swing_p50_by_year``, ``swing_mean_by_year``; dims series, year, parameter).
    P10/P90 come from the distribution's inverse CDF (exact), or from many inverse-CDF draws
    where its own parameters are uncertain; integer capacities are rounded. Month outputs:
    NaN (not reached) counts as +inf in the P50; the mean is then NaN.
    """
    ds, _ = run_tornado(config, variable, parameters, replications, seed,
                        run_options(workers, executor, scheduler, chunk_size, progress), batch)
    return ds


__all__ = ["tornado", "run_tornado"]
