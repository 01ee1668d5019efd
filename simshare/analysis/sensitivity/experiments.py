"""Holding parameters and running the scenarios of an experiment: marginal quantiles, configs with
parameters held at values, batched runs under common random numbers, and the orderings of results."""

from __future__ import annotations

import warnings
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import xarray as xr

from ...config import Config, ConfigWarning, ParameterSpec, apply_overrides, load_config, replication_parameters
from ...distributions import quantile
from ...engine.simulate import run_scenarios
from ..statistics import mean_ci, quantile_ci


def parameter_specs(cfg: Config) -> dict[str, ParameterSpec]:
    """The config's replication parameters by dotted path."""
    return {s.path: s for s in replication_parameters(cfg)}


def marginal_quantiles(cfg: Config, path: str, q: Sequence[float]) -> tuple[np.ndarray, str]:
    """Quantiles of a replication parameter's marginal (the smallest x with F(x) ≥ q), and how they were found.

    Exact (the distribution's inverse CDF, steps included) when its parameters are numbers
    ("distribution"); when they are themselves distributions (an uncertain mean) the marginal is a
    mixture, integrated by quadrature and inverted by root-finding ("mixture"), with no sampling
    (:func:`simshare.distributions.quantile`). Integer parameters are rounded. Correlations never
    change a marginal.
    """
    spec = parameter_specs(cfg)[path]
    x = np.asarray(quantile(spec.dist, np.asarray(q, dtype=float)), dtype=float)
    return (np.rint(x) if spec.integer else x), ("mixture" if spec.dist.nested else "distribution")


def _plain(value: float, integer: bool) -> float | int:
    return int(round(float(value))) if integer else float(value)


def fixed_config(cfg: Config, overrides: Mapping[str, float]) -> Config:
    """``cfg`` with parameters held at values (dotted paths, nested ones included).

    Scenarios are dropped, and so is any correlation that names a parameter no longer uncertain
    (its partners keep their marginals).
    """
    specs = parameter_specs(cfg)
    raw = apply_overrides(cfg.raw, {p: _plain(v, specs[p].integer if p in specs else False)
                                    for p, v in overrides.items()})
    raw.pop("scenarios", None)
    if raw.get("correlations"):
        correlations = raw.pop("correlations")
        alive = {s.path for s in replication_parameters(load_config(raw))}
        raw["correlations"] = [c for c in correlations if all(p in alive for p in c.get("between", []))]
    return load_config(raw)


def base_config(cfg: Config) -> Config:
    """``cfg`` without its ``[[scenarios]]`` (what an experiment varies is its own business)."""
    if not cfg.scenarios:
        return cfg
    raw = dict(cfg.raw)
    raw.pop("scenarios", None)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfigWarning)  # said when ``cfg`` was loaded: once is enough
        return load_config(raw)


def batched_runs(scenarios: list[tuple[str, Config]], replications: int, seed: int, opts: Mapping[str, Any],
                 batch: int, keep: Callable[[str, xr.Dataset], None]) -> None:
    """Run scenarios under common random numbers, ``batch`` at a time, handing each scenario's data to ``keep``.

    Replication i of every call draws from SeedSequence(seed, i), so batches share their random
    numbers exactly as one call would; batching only bounds memory.
    """
    for start in range(0, len(scenarios), batch):
        part = scenarios[start:start + batch]
        ds = run_scenarios(dict(part), replications, seed, **opts)
        for name, _ in part:
            keep(name, ds if "scenario" not in ds.dims else ds.sel(scenario=name, drop=True))


def run_options(workers: int, executor: str | None, scheduler: str | None, chunk_size: int | None,
                progress: bool) -> dict:
    """The engine options of an experiment's runs, as keyword arguments of ``run_scenarios``."""
    return dict(workers=workers, executor=executor, scheduler=scheduler, chunk_size=chunk_size, progress=progress)


def p50(y: np.ndarray) -> float:
    """The median with NaN (not reached) as +inf."""
    return quantile_ci(y, 0.5)[0]


def mean_value(y: np.ndarray) -> float:
    """The mean; NaN when any value is NaN (not reached)."""
    return mean_ci(y)[0]


def order_by_importance(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Indices sorting by ``first`` then ``second``, largest first, NaN last."""
    key1 = np.nan_to_num(np.asarray(first, dtype=float), nan=-np.inf, posinf=np.finfo(float).max)
    key2 = np.nan_to_num(np.asarray(second, dtype=float), nan=-np.inf, posinf=np.finfo(float).max)
    return np.lexsort((-key2, -key1))


__all__ = ["parameter_specs", "marginal_quantiles", "fixed_config", "base_config", "batched_runs", "run_options",
           "p50", "mean_value", "order_by_importance"]
