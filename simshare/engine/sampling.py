"""Sampling designs for replication parameters: plain Monte Carlo, Latin hypercube, scrambled Sobol.

Every design gives uniforms (one row per replication, one column per parameter) and values
follow by inverse CDF. The config's rank correlations are honoured in every mode:

* Monte Carlo and Sobol: Gaussian copula, row by row (a row's values never depend on the
  other rows, so any chunking gives the same bits);
* Latin hypercube: Iman–Conover, which reorders each correlated column's values rather than
  transforming them, so every column keeps exactly one point in each of its n strata.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import qmc

from ..config import Config, correlate, draw_values, replication_parameters
from ..config.parameters import correlated_columns
from ..distributions import iman_conover
from ..seeds import child, parameter_uniforms, replication_seed

METHODS = ("mc", "lhs", "sobol")


class DesignUniforms(np.ndarray):
    """A design's uniforms (n × P). ``correlated``: the config's rank correlations are already in
    them (Iman–Conover), so :func:`replication_inputs` must not impose them again. Rows taken from
    it (``design[indices]``) keep the flag."""

    correlated: bool = False

    def __array_finalize__(self, obj) -> None:
        self.correlated = getattr(obj, "correlated", False)

    def __reduce__(self):  # the flag survives pickling (to a worker process)
        constructor, args, state = super().__reduce__()
        return constructor, args, (state, self.correlated)

    def __setstate__(self, state) -> None:
        array_state, self.correlated = state
        super().__setstate__(array_state)


def _design(u: np.ndarray, correlated: bool) -> DesignUniforms:
    out = np.asarray(u, dtype=float).view(DesignUniforms)
    out.correlated = correlated
    return out


def design_uniforms(cfg: Config, seed: int, n: int, method: str = "mc") -> np.ndarray | None:
    """Uniforms for replications 0..n-1 of a design that needs the whole set (lhs, sobol); None for mc.

    Latin hypercube columns are keyed by parameter path (like Monte Carlo), so scenarios
    that add or fix parameters keep the others' values: common random numbers. With correlations,
    the correlated columns are reordered by Iman–Conover (score permutations keyed by path too).
    """
    if method not in METHODS:
        raise ValueError(f"unknown sampling method {method!r}; expected one of {', '.join(METHODS)}")
    if method == "mc":
        return None
    specs = replication_parameters(cfg)
    paths = [p.path for p in specs]
    if not paths:
        return _design(np.empty((n, 0)), False)
    root = np.random.SeedSequence(seed)
    if method == "lhs":
        cols = []
        for path in paths:
            rng = np.random.default_rng(child(root, "parameters", "lhs", path))
            cols.append(qmc.LatinHypercube(d=1, rng=rng).random(n)[:, 0])
        u = np.column_stack(cols)
        columns, fit = correlated_columns(cfg, specs)
        if not columns:
            return _design(u, False)
        rngs = [np.random.default_rng(child(root, "parameters", "iman-conover", paths[j])) for j in columns]
        u[:, columns] = iman_conover(u[:, columns], fit.factor, rngs)
        return _design(u, True)
    rng = np.random.default_rng(child(root, "parameters", "sobol"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # balance properties need n = 2^m; any n is still valid
        return _design(qmc.Sobol(d=len(paths), scramble=True, rng=rng).random(n), False)


def replication_inputs(cfg: Config, seed: int, indices: np.ndarray, design: np.ndarray | None) -> np.ndarray:
    """Parameter values (len(indices) × P) for the given replications.

    ``design``: None for Monte Carlo, else the design's uniforms from :func:`design_uniforms` (all n
    rows); the Gaussian copula is applied unless the design already holds the correlations.
    """
    specs = replication_parameters(cfg)
    if design is None:
        paths = [p.path for p in specs]
        u = np.array([parameter_uniforms(replication_seed(seed, int(i)), paths) for i in indices])
        u = u.reshape(len(indices), len(specs))
        return draw_values(specs, correlate(cfg, specs, u))
    rows = design[np.asarray(indices, dtype=int)]
    if getattr(design, "correlated", False):
        return draw_values(specs, np.asarray(rows))
    return draw_values(specs, correlate(cfg, specs, np.asarray(rows)))
