"""Morris screening and Sobol indices of the simulator: SALib designs over the chosen replication
parameters, run under common random numbers within each base sample or trajectory.

SALib's methods assume independent inputs: the sampled parameters are varied independently and the
config's correlations are not imposed on them. Unsampled parameters keep their Monte Carlo values
(correlations among them honoured). Month outputs never reached are censored at the horizon.
"""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import xarray as xr

from ...config import Config, correlate, draw_values, load_config, replication_parameters
from ...engine.simulate import run_scenarios
from ...seeds import parameter_uniforms, replication_seed
from .catalogue import (SERIES, check_variable, is_months, output_units, output_values, select_parameters,
                        year_coords, yearly_months, yearly_series)
from .experiments import base_config, order_by_importance, run_options
from .salib import morris_indices, sobol_indices


class Design:
    """Runs designed rows on the simulator: the chosen parameters from the design's uniforms, the rest
    from each row's group stream, all random numbers of a group shared (common random numbers)."""

    def __init__(self, cfg: Config, paths: Sequence[str], variable: str, seed: int, opts: Mapping[str, Any],
                 batch_rows: int):
        self.cfg, self.paths, self.variable, self.seed = cfg, list(paths), variable, seed
        self.opts, self.batch_rows = dict(opts), batch_rows
        self.specs = replication_parameters(cfg)
        self.all_paths = [s.path for s in self.specs]
        self.columns = [self.all_paths.index(p) for p in self.paths]
        self.months = yearly_months(cfg.programme.horizon_months)
        self.outputs = [variable] + [f"{s}@{m}" for s in SERIES for m in self.months]
        self.inputs: np.ndarray | None = None
        self.y: np.ndarray | None = None
        self.main: np.ndarray | None = None  # the variable as simulated (months: NaN = not reached)

    def values(self, u: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """Parameter values (rows × P): the row's group stream, correlated as in a Monte Carlo run, then
        the sampled columns replaced by the design's uniforms (independent: no copula)."""
        unique, inverse = np.unique(groups, return_inverse=True)
        base = np.array([parameter_uniforms(replication_seed(self.seed, int(g)), self.all_paths) for g in unique])
        base = correlate(self.cfg, self.specs, base.reshape(len(unique), len(self.all_paths)))
        full = base[inverse]
        full[:, self.columns] = u
        return draw_values(self.specs, full)

    def __call__(self, u: np.ndarray, groups: np.ndarray) -> np.ndarray:
        values = self.values(u, groups)
        y = np.full((len(u), len(self.outputs)), np.nan)
        raw = np.full(len(u), np.nan)
        horizon = float(self.cfg.programme.horizon_months)
        for start in range(0, len(u), self.batch_rows):
            rows = slice(start, min(start + self.batch_rows, len(u)))
            ds = run_scenarios({"design": self.cfg}, rows.stop - rows.start, self.seed, values=[values[rows]],
                               streams=np.asarray(groups[rows], dtype=np.int64), **self.opts)
            main = raw[rows] = output_values(ds, self.variable)
            if is_months(self.variable):
                main = np.where(np.isnan(main), horizon, main)  # censored at the horizon
            series = yearly_series(ds, self.months)
            y[rows] = np.column_stack([main] + [series[s] for s in SERIES])
        self.inputs, self.y, self.main = values, y, raw
        return y


def _split(result: xr.Dataset, design: Design, keys: Sequence[str], sort_key: str, method: str,
           variable: str, attrs: dict) -> xr.Dataset:
    """The indices of the variable on ``parameter``, and per year on (series, year, parameter)."""
    k = len(design.months)
    out = {}
    for key in keys:
        arr = result[key].values
        out[key] = ("parameter", arr[0])
        out[f"{key}_by_year"] = (("series", "year", "parameter"),
                                 arr[1:].reshape(len(SERIES), k, len(design.paths)))
    ds = xr.Dataset(out, coords={"parameter": design.paths, **year_coords(design.months)},
                    attrs={**result.attrs, **attrs, "method": method, "variable": variable,
                           "units": output_units(variable),
                           "note": "SALib assumes independent inputs: the sampled parameters vary independently "
                                   "(the config's correlations are not imposed on them); the rows of one base "
                                   "sample or trajectory share their random numbers"})
    second = "ST" if sort_key == "ST" else "sigma"
    return ds.isel(parameter=order_by_importance(ds[sort_key].values, ds[second].values))


def _design(config: Any, variable: str, parameters: Sequence[str] | None, seed: int, opts: Mapping[str, Any],
            batch_rows: int) -> "Design":
    """The runner of a SALib design over the chosen parameters (all uncertain ones by default)."""
    cfg = base_config(load_config(config))
    variable = check_variable(cfg, variable)
    paths = select_parameters(cfg, parameters)
    if not paths:
        raise ValueError("no uncertain replication parameters to study (the config has no distribution tables)")
    return Design(cfg, paths, variable, seed, opts, batch_rows)


def run_morris(config: Any, variable: str, parameters: Sequence[str] | None, trajectories: int, levels: int,
               seed: int, opts: Mapping[str, Any], batch_rows: int) -> tuple[xr.Dataset, Design]:
    """Morris screening (see :func:`morris`) and its design."""
    design = _design(config, variable, parameters, seed, opts, batch_rows)
    variable, paths = design.variable, design.paths
    result = morris_indices(design, paths, trajectories, levels, seed, outputs=design.outputs)
    return _split(result, design, ("mu", "mu_star", "mu_star_conf", "sigma"), "mu_star", "morris", variable,
                  {"replications": int(result.attrs["rows"])}), design


def morris(config: Any, variable: str = "npv", parameters: Sequence[str] | None = None, trajectories: int = 20,
           levels: int = 4, seed: int = 1, *, workers: int = 1, executor: str | None = None,
           scheduler: str | None = None, chunk_size: int | None = None, progress: bool = False,
           batch_rows: int = 4096) -> xr.Dataset:
    """Morris screening of the chosen replication parameters (default all; :func:`sensitivity` screens first): mu*, its confidence
    half-width, sigma (non-linearity and interactions) and mu per parameter, largest mu* first,
    with the same per programme year for the savings run-rate and mean resilience.

    ``trajectories`` × (d + 1) simulator runs. SALib assumes independent inputs: the sampled
    parameters vary independently (no copula); the others are drawn as in a Monte Carlo run. The
    d + 1 rows of one trajectory share a random-number stream (independent across trajectories):
    the model is stochastic, and sharing makes each elementary effect compare like with like.
    Month outputs never reached are censored at the horizon.
    """
    ds, _ = run_morris(config, variable, parameters, trajectories, levels, seed,
                       run_options(workers, executor, scheduler, chunk_size, progress), batch_rows)
    return ds


def sobol_base_samples(n: int) -> tuple[int, str]:
    """Base samples for Saltelli's design: ``n`` if a power of 2, else the next power of 2 up (the Sobol
    sequence is balanced only at powers of 2, and fewer samples than asked would lose precision), with a
    note saying so (empty when ``n`` is kept). Raises ValueError for n < 1."""
    if isinstance(n, bool) or not isinstance(n, (int, np.integer)) or n < 1:
        raise ValueError(f"Sobol base samples (-n) must be a whole number of at least 1, got {n!r}")
    up = 1 << (int(n) - 1).bit_length()
    if up == n:
        return int(n), ""
    return up, f"-n {n} rounded up to {up}: Sobol's design needs a power of 2 of base samples"


def run_sobol(config: Any, variable: str, parameters: Sequence[str] | None, n: int, seed: int,
              opts: Mapping[str, Any], batch_rows: int) -> tuple[xr.Dataset, Design]:
    """Sobol indices (see :func:`sobol`) and their design. ``n`` not a power of 2 is rounded up
    (:func:`sobol_base_samples`; the ``n_note`` attribute says so)."""
    design = _design(config, variable, parameters, seed, opts, batch_rows)
    variable, paths = design.variable, design.paths
    n, note = sobol_base_samples(n)
    result = sobol_indices(design, paths, n, seed, outputs=design.outputs)
    return _split(result, design, ("S1", "S1_conf", "ST", "ST_conf"), "ST", "sobol", variable,
                  {"replications": int(result.attrs["rows"]), "n_note": note}), design


def sobol(config: Any, variable: str = "npv", parameters: Sequence[str] | None = None, n: int = 256,
          seed: int = 1, *, workers: int = 1, executor: str | None = None, scheduler: str | None = None,
          chunk_size: int | None = None, progress: bool = False, batch_rows: int = 4096) -> xr.Dataset:
    """Sobol first-order (S1) and total-order (ST) indices with confidence half-widths of the chosen
    replication parameters (default all; :func:`sensitivity` screens first), largest ST first, and the same per programme year for the
    savings run-rate and mean resilience.

    Saltelli's design: ``n`` (a power of 2; another number is rounded up to one, and the ``n_note``
    attribute says so) × (d + 2) simulator runs. SALib assumes independent
    inputs: the sampled parameters vary independently (no copula); the others are drawn as in a
    Monte Carlo run. Rows A_j, B_j and AB_ij of one base sample share a random-number stream
    (independent across base samples): the model is stochastic, and the sharing makes each
    contrast f(AB_ij) − f(A_j) compare like with like. The model's own randomness (and the
    unsampled parameters) thus act as one more input, never sampled: its share of the variance
    is in no parameter's index, and a parameter's S1 includes its interaction with that noise.
    Month outputs never reached are censored at the horizon.
    """
    ds, _ = run_sobol(config, variable, parameters, n, seed,
                      run_options(workers, executor, scheduler, chunk_size, progress), batch_rows)
    return ds


__all__ = ["Design", "morris", "sobol", "run_morris", "run_sobol", "sobol_base_samples"]
