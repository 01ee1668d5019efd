"""Sensitivity as one call: :func:`sensitivity` (the method's indices) and :func:`study` (the indices with
rank correlations from the same runs), switching values for several parameters, and the files
(``sensitivity.nc``, ``sensitivity.csv``) that hold a study."""

from __future__ import annotations

import os
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import pandas as pd
import xarray as xr

from ...config import Config, load_config
from .designs import morris, run_morris, run_sobol, sobol
from .experiments import base_config, run_options
from .rank import rank_correlations, rank_correlations_by_year
from .switching import CRITERIA, switching_value
from .tornado import run_tornado, tornado

METHODS = ("tornado", "morris", "sobol")
#: the size of each method's design when none is given: replications per setting, trajectories, base samples
DEFAULT_SIZE = {"tornado": 200, "morris": 20, "sobol": 256}


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"method must be tornado, morris or sobol, got {method!r}")


def sensitivity(config: Any, method: str = "tornado", variable: str = "npv", parameters: Sequence[str] | None = None,
                replications: int | None = None, seed: int = 1, *, levels: int = 4, workers: int = 1,
                executor: str | None = None, scheduler: str | None = None, chunk_size: int | None = None,
                progress: bool = False) -> xr.Dataset:
    """Which uncertainties drive an output: :func:`tornado`, :func:`morris` or :func:`sobol` of ``config``
    (a path, a table or a Config) on a ``parameter`` dim (dotted paths), most influential first.

    ``variable``: an output variable (``npv``, ``programme_complete_month``, ``savings_run_rate@24``, ...;
    see :func:`~simshare.analysis.sensitivity.catalogue.output_variables`). ``parameters``: the replication
    parameters to study (``*`` patterns allowed; default all). ``replications``: the size of the design —
    replications per setting for tornado (default 200), trajectories for morris (20, with ``levels``
    grid levels), base samples for sobol (256, a power of 2; n × (parameters + 2) runs). Raises
    ValueError for an unknown method, variable or parameter, ConfigError for a bad config.
    """
    _check_method(method)
    n = DEFAULT_SIZE[method] if replications is None else replications
    opts = dict(workers=workers, executor=executor, scheduler=scheduler, chunk_size=chunk_size, progress=progress)
    if method == "tornado":
        return tornado(config, variable, parameters, n, seed, **opts)
    if method == "morris":
        return morris(config, variable, parameters, n, levels, seed, **opts)
    return sobol(config, variable, parameters, n, seed, **opts)


@dataclass(frozen=True)
class Study:
    """A method's indices and the rank correlations read from the same runs (no extra runs)."""

    method: str
    variable: str
    #: replications per setting (tornado), trajectories (morris) or base samples (sobol)
    replications: int
    seed: int
    #: simulator runs of a Morris or Sobol design (replications × scenarios for tornado)
    runs: int
    result: xr.Dataset
    ranks: pd.DataFrame
    ranks_by_year: xr.Dataset


def study(config: Any, method: str = "tornado", variable: str = "npv", parameters: Sequence[str] | None = None,
          replications: int | None = None, seed: int = 1, *, workers: int = 1, executor: str | None = None,
          scheduler: str | None = None, chunk_size: int | None = None, progress: bool = False) -> Study:
    """:func:`sensitivity` with the rank correlations of the same runs: for tornado those of the base
    scenario's replications, for morris and sobol those of the design's rows (sampled parameters only)."""
    _check_method(method)
    n = DEFAULT_SIZE[method] if replications is None else replications
    opts = run_options(workers, executor, scheduler, chunk_size, progress)
    if method == "tornado":
        result, base = run_tornado(config, variable, parameters, n, seed, opts, 32)
        ranks, ranks_by_year = rank_correlations(base, result.attrs["variable"]), rank_correlations_by_year(base)
        runs = n * (2 * result.sizes["parameter"] + 1)
    else:
        runner = run_morris(config, variable, parameters, n, 4, seed, opts, 4096) if method == "morris" else \
            run_sobol(config, variable, parameters, n, seed, opts, 4096)
        result, design = runner
        ranks, ranks_by_year = design.rank_tables()
        runs = n * (len(design.paths) + (1 if method == "morris" else 2))
    return Study(method, str(result.attrs["variable"]), n, seed, runs, result, ranks, ranks_by_year)


def switching_criteria(cfg: Config) -> list[str]:
    """The switching-value criteria that apply: P50 NPV = 0, and P(target) = 50 % when there is a target."""
    return ["npv_p50"] + (["target_50"] if cfg.programme.savings_target is not None else [])


def switching_values(config: Any, parameters: Sequence[str], replications: int = 200, seed: int = 1,
                     criteria: Sequence[str] | None = None, *, workers: int = 1, executor: str | None = None,
                     scheduler: str | None = None, chunk_size: int | None = None) -> pd.DataFrame:
    """:func:`~simshare.analysis.sensitivity.switching.switching_value` of each parameter for each criterion
    (default :func:`switching_criteria`), a row each."""
    cfg = base_config(load_config(config))
    criteria = switching_criteria(cfg) if criteria is None else list(criteria)
    return pd.DataFrame([switching_value(cfg, p, c, replications, seed, workers=workers, executor=executor,
                                         scheduler=scheduler, chunk_size=chunk_size)
                         for p in parameters for c in criteria]).reset_index(drop=True)


def study_dataset(study: Study, switching: pd.DataFrame | None = None) -> xr.Dataset:
    """Everything a study found on one ``parameter`` dim: the indices, the rank correlations (``spearman``,
    ``src``, ``srrc``, ``rank_*_by_year``) and the switching values (``switching_<criterion>``)."""
    result, ranks, ranks_by_year = study.result, study.ranks, study.ranks_by_year
    params = [str(p) for p in result["parameter"].values]
    params += [p for p in ranks.index if p not in params]
    ds = result.reindex(parameter=params)
    for col in ranks.columns:
        ds[col] = ("parameter", ranks[col].reindex(params).to_numpy(dtype=float))
    ds.attrs["rank_r2"], ds.attrs["rank_r2_rank"] = ranks.attrs["r2"], ranks.attrs["r2_rank"]
    rby = ranks_by_year.reindex(parameter=params)
    for name in rby.data_vars:
        ds[f"rank_{name}"] = rby[name]
    if switching is not None and len(switching):
        for crit in switching["criterion"].unique():
            part = switching[switching["criterion"] == crit].set_index("parameter")
            ds[f"switching_{crit}"] = ("parameter", part["value"].reindex(params).to_numpy(dtype=float),
                                       {"long_name": f"value at which {CRITERIA[crit][0]} crosses "
                                                     f"{CRITERIA[crit][1]:g} (NaN: none in the range or not asked)"})
    ds.attrs = {k: (str(v) if isinstance(v, (bool, type(None))) else v) for k, v in ds.attrs.items()}
    if "quantiles_from" in ds:
        ds["quantiles_from"] = ds["quantiles_from"].fillna("").astype(str)
    return ds


def write_study(study: Study, switching: pd.DataFrame | None, out_dir: str | os.PathLike) -> tuple[str, str]:
    """Write ``sensitivity.nc`` (:func:`study_dataset`) and ``sensitivity.csv`` (its per-parameter variables)
    into ``out_dir``, each atomically; return their paths."""
    ds = study_dataset(study, switching)
    out_dir = Path(out_dir)
    nc, csv = out_dir / "sensitivity.nc", out_dir / "sensitivity.csv"
    tmp = out_dir / "sensitivity.nc.tmp"
    ds.to_netcdf(tmp)
    os.replace(tmp, nc)
    flat = [v for v in ds.data_vars if ds[v].dims == ("parameter",)]
    ds[flat].to_dataframe().to_csv(out_dir / "sensitivity.csv.tmp")
    os.replace(out_dir / "sensitivity.csv.tmp", csv)
    return str(nc), str(csv)


__all__ = ["METHODS", "DEFAULT_SIZE", "sensitivity", "Study", "study", "switching_criteria", "switching_values",
           "study_dataset", "write_study"]
