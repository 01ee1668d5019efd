"""Sensitivity as one call: :func:`sensitivity` (the method's indices, after a screen) and :func:`study` (the
indices with the screen and the rank correlations of its run), switching values for several parameters, and
the files that hold a study (``sensitivity-<method>.nc``, ``.csv``, ``.png``; :func:`output_stem`)."""

from __future__ import annotations

import os
import re
from dataclasses import dataclass
from pathlib import Path
from typing import Any, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from ...config import Config, load_config, parameter_paths
from ...engine.progress import Progress, as_progress
from ...engine.simulate import parameter_units
from .catalogue import add_units, check_variable, select_parameters
from .designs import run_morris, run_sobol, sobol_base_samples
from .experiments import base_config, run_options
from .rank import rank_correlations, rank_correlations_by_year
from ..results import select_scenario
from .screen import DEFAULT_TOP, SCREEN_REPLICATIONS, Screen, run_screen, same_run, screen_from
from .switching import CRITERIA, switching_value
from .tornado import run_tornado

METHODS = ("tornado", "morris", "sobol")
#: the size of each method's design when none is given, after the screen: replications per setting,
#: trajectories, base samples (sized so each method costs at most about 3 × a default ``simshare run``)
DEFAULT_SIZE = {"tornado": 64, "morris": 40, "sobol": 128}


def _check_method(method: str) -> None:
    if method not in METHODS:
        raise ValueError(f"method must be tornado, morris or sobol, got {method!r}")


@dataclass(frozen=True)
class Study:
    """A method's indices, the screen that chose its parameters, and rank correlations from an ordinary run."""

    method: str
    variable: str
    #: replications per setting (tornado), trajectories (morris) or base samples (sobol)
    replications: int
    seed: int
    #: simulator runs of the whole study (the screen included)
    runs: int
    result: xr.Dataset
    #: rank correlations of every parameter from the screening run (or tornado's base run); None when
    #: Morris or Sobol were given their parameters (no ordinary run)
    ranks: pd.DataFrame | None
    ranks_by_year: xr.Dataset | None
    #: the screen (None when the parameters were chosen with ``parameters``)
    screen: Screen | None = None


#: tornado settings per engine call (bounds memory)
TORNADO_BATCH = 32


def _design_runs(method: str, n: int, k: int) -> int:
    return {"tornado": 2 * k * n, "morris": n * (k + 1), "sobol": n * (k + 2)}[method]


def study(config: Any, method: str = "tornado", variable: str = "npv", parameters: Sequence[str] | None = None,
          replications: int | None = None, seed: int = 1, *, levels: int = 4, workers: int = 1,
          executor: str | None = None, scheduler: str | None = None, chunk_size: int | None = None,
          progress: bool | Progress = False, top: int | None = None,
          screen_replications: int = SCREEN_REPLICATIONS, screen_run: xr.Dataset | None = None) -> Study:
    """:func:`sensitivity` with its screen and the rank correlations of the screening run (for tornado with
    ``parameters``: of its base scenario; for Morris and Sobol with ``parameters``: none). ``progress``: a
    flag or an outer :class:`~simshare.engine.progress.Progress`; one count spans every run of the study."""
    _check_method(method)
    if parameters is not None and top is not None:
        raise ValueError("give top (screen for the top k parameters) or parameters (choose them), not both")
    if top is not None and (isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1):
        raise ValueError(f"top must be a whole number of parameters of at least 1, got {top!r}")
    cfg = base_config(load_config(config))
    variable = check_variable(cfg, variable)
    candidates = select_parameters(cfg, parameters)
    if not candidates:
        raise ValueError("no uncertain replication parameters to study (the config has no distribution tables)")
    n = DEFAULT_SIZE[method] if replications is None else replications
    if method == "sobol":
        n = sobol_base_samples(n)[0]
    screened = parameters is None
    if screen_run is not None:
        if not screened:
            raise ValueError("screen_run is for the screen: give it or parameters, not both")
        screen_run = select_scenario(screen_run)
        if "inputs" not in screen_run:
            raise ValueError("screen_run: these results have no 'inputs' (the parameters each replication drew)")
        drawn = {str(p) for p in screen_run["parameter"].values}
        missing = [p for p in parameter_paths(cfg) if p not in drawn]
        horizon = screen_run.attrs.get("horizon_months")
        if missing or (horizon is not None and int(horizon) != int(cfg.programme.horizon_months)):
            what = (f"it has no draws of {len(missing)} of this config's parameters (e.g. {missing[0]})" if missing
                    else f"its horizon is {int(horizon)} months, this config's {cfg.programme.horizon_months}")
            raise ValueError(f"screen_run: these results are not a run of this config ({what}); screen from a run "
                             "of the same config, or leave it out")
        screen_replications = int(screen_run.sizes["replication"])
    k = min(DEFAULT_TOP if top is None else top, len(candidates)) if screened else len(candidates)
    if screened and (isinstance(screen_replications, bool) or not isinstance(screen_replications, int)
                     or screen_replications < 2):
        raise ValueError(f"screen_replications must be a whole number of at least 2, got {screen_replications!r}")
    reusable = screened and (screen_run is None or same_run(screen_run, cfg, seed))
    base = method == "tornado" and (not reusable or screen_replications < n)  # else the screen's run is the base
    screen_runs = screen_replications if screened and screen_run is None else 0
    total = _design_runs(method, n, k) + screen_runs + (n if base else 0)
    bar, own = as_progress(progress, total, "sensitivity")
    opts = run_options(workers, executor, scheduler, chunk_size, False) | {"progress": bar}
    try:
        screen = None
        if screen_run is not None:
            screen = screen_from(screen_run, variable, DEFAULT_TOP if top is None else top, candidates=candidates)
        elif screened:
            screen = run_screen(cfg, variable, DEFAULT_TOP if top is None else top, screen_replications, seed, opts)
        candidates = screen.kept if screen is not None else candidates
        if method == "tornado":
            result, base_run = run_tornado(cfg, variable, candidates, n, seed, opts, TORNADO_BATCH,
                                           base=screen.run if screen is not None and reusable else None)
            ranks_from = screen.run if screen is not None else base_run
        else:
            runner = run_morris if method == "morris" else run_sobol
            args = (n, levels) if method == "morris" else (n,)
            result, _ = runner(cfg, variable, candidates, *args, seed, opts, 4096)
            ranks_from = screen.run if screen is not None else None
    finally:
        if own:
            bar.close()
    if screen is not None:
        result.attrs.update(screen.attrs)
    add_units(result)
    ranks = ranks_by_year = None
    if ranks_from is not None:
        ranks = screen.table if screen is not None else rank_correlations(ranks_from, variable)
        ranks_by_year = rank_correlations_by_year(ranks_from)
    return Study(method, variable, n, seed, total, result, ranks, ranks_by_year, screen)


def sensitivity(config: Any, method: str = "tornado", variable: str = "npv", parameters: Sequence[str] | None = None,
                replications: int | None = None, seed: int = 1, *, levels: int = 4, workers: int = 1,
                executor: str | None = None, scheduler: str | None = None, chunk_size: int | None = None,
                progress: bool | Progress = False, top: int | None = None,
                screen_replications: int = SCREEN_REPLICATIONS, screen_run: xr.Dataset | None = None) -> xr.Dataset:
    """Which uncertainties drive an output: :func:`tornado`, :func:`morris` or :func:`sobol` of ``config``
    (a path, a table or a Config) on a ``parameter`` dim (dotted paths), most influential first.

    Screened first: one ordinary run of ``screen_replications`` (default 500) ranks every replication
    parameter by rank correlation with the output, and the method studies the top ``top`` (default 15).
    The ``screen_*`` and ``screened_out`` attributes say what was kept and dropped and how much of the
    output's rank variance the kept ones explain. ``parameters`` chooses the parameters instead (``*``
    patterns allowed) and skips the screen; give ``top`` or ``parameters``, not both. ``screen_run``: the
    results of an ordinary run (e.g. of :func:`simshare.simulate`) to screen from instead of a new run;
    when it is a run of this config with this ``seed``, its first replications are also the tornado's base.

    ``variable``: an output variable (``npv``, ``programme_complete_month``, ``savings_run_rate@24``, ...;
    see :func:`~simshare.analysis.sensitivity.catalogue.output_variables`). ``replications``: the size of
    the design — replications per setting for tornado (default 64, common random numbers: the base is the
    screening run's first 64), trajectories for morris (40, with ``levels`` grid levels), base samples for
    sobol (128; not a power of 2 is rounded up to one, said in the ``n_note`` attribute); n × (k + 2)
    runs. Every index has a 95 % half-width (``*_conf``); every variable a ``units`` attribute. Raises
    ValueError for an unknown method, variable or parameter, or both ``top`` and ``parameters``;
    ConfigError for a bad config.
    """
    return study(config, method, variable, parameters, replications, seed, levels=levels, workers=workers,
                 executor=executor, scheduler=scheduler, chunk_size=chunk_size, progress=progress, top=top,
                 screen_replications=screen_replications, screen_run=screen_run).result


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
    """Everything a study found on one ``parameter`` dim: the indices (NaN for a parameter screened out),
    ``screen`` ("studied" or "screened out"), ``parameter_units``, the rank correlations (``spearman``,
    ``src``, ``srrc``, each with ``_conf``, and ``rank_*_by_year``) and the switching values
    (``switching_<criterion>``). Every variable has a ``units`` attribute."""
    result, ranks, ranks_by_year = study.result, study.ranks, study.ranks_by_year
    studied = [str(p) for p in result["parameter"].values]
    params = list(studied)
    if ranks is not None:
        params += [p for p in ranks.index if p not in params]
    if study.screen is not None:
        params += [p for p in study.screen.dropped if p not in params]
    ds = result.reindex(parameter=params)
    ds["screen"] = ("parameter", np.array(["studied" if p in studied else "screened out" for p in params],
                                          dtype=object))
    ds["parameter_units"] = ("parameter", np.array([parameter_units(p) for p in params], dtype=object))
    if ranks is not None:
        for col in ranks.columns:
            ds[col] = ("parameter", ranks[col].reindex(params).to_numpy(dtype=float))
        ds.attrs["rank_r2"], ds.attrs["rank_r2_rank"] = ranks.attrs["r2"], ranks.attrs["r2_rank"]
        ds.attrs["rank_replications"] = ranks.attrs["replications"]
    if ranks_by_year is not None:
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
    for name in ("screen", "parameter_units"):
        ds[name] = ds[name].astype(str)
    return add_units(ds)


def output_stem(method: str, variable: str = "npv") -> str:
    """The name shared by a study's files: ``sensitivity-<method>``, and ``-<variable>`` for an output other
    than NPV (``@`` written ``-at-``, anything but letters, digits, ``_``, ``.`` and ``-`` as ``_``), so that
    each method and output has its own files and a rerun replaces only those."""
    _check_method(method)
    if variable == "npv":
        return f"sensitivity-{method}"
    safe = re.sub(r"[^A-Za-z0-9_.-]+", "_", variable.replace("@", "-at-")).strip("_")
    return f"sensitivity-{method}-{safe}"


def write_study(study: Study, switching: pd.DataFrame | None, out_dir: str | os.PathLike,
                figure: Any | None = None) -> list[str]:
    """Write ``<stem>.nc`` (:func:`study_dataset`), ``<stem>.csv`` (its per-parameter variables) and, given a
    matplotlib ``figure``, ``<stem>.png`` into ``out_dir`` (stem: :func:`output_stem`); return their paths.

    All are written to temporary files first and renamed into place only when every one is complete: a
    failure leaves the previous files of this method as they were, and no other method's files are
    touched."""
    ds = study_dataset(study, switching)
    out_dir = Path(out_dir)
    stem = output_stem(study.method, study.variable)
    flat = [v for v in ds.data_vars if ds[v].dims == ("parameter",)]
    table = ds[flat].to_dataframe()
    writers = {".nc": ds.to_netcdf, ".csv": table.to_csv}
    if figure is not None:
        writers[".png"] = lambda path: figure.savefig(path, format="png", dpi=110)
    done: list[tuple[Path, Path]] = []
    try:
        for suffix, write in writers.items():
            final = out_dir / f"{stem}{suffix}"
            tmp = out_dir / f".{stem}{suffix}.{os.getpid()}.tmp"
            done.append((tmp, final))
            write(tmp)
    except BaseException:
        for tmp, _ in done:
            tmp.unlink(missing_ok=True)
        raise
    for tmp, final in done:
        os.replace(tmp, final)
    return [str(final) for _, final in done]


__all__ = ["METHODS", "DEFAULT_SIZE", "sensitivity", "Study", "study", "switching_criteria", "switching_values",
           "study_dataset", "output_stem", "write_study"]
