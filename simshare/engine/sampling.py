"""Sampling designs for replication parameters: plain Monte Carlo, Latin hypercube, scrambled Sobol.

Every design gives uniforms (one row per replication, one column per parameter), then
the config's rank correlations are imposed by Gaussian copula and values follow by
inverse CDF — so correlations are honoured in every mode.
"""

from __future__ import annotations

import warnings

import numpy as np
from scipy.stats import qmc

from ..config import Config, correlate, draw_values, replication_parameters
from ..seeds import child, parameter_uniforms, replication_seed

METHODS = ("mc", "lhs", "sobol")


def design_uniforms(cfg: Config, seed: int, n: int, method: str = "mc") -> np.ndarray | None:
    """Uniforms for replications 0..n-1 of a design that needs the whole set (lhs, sobol); None for mc.

    Latin hypercube columns are keyed by parameter path (like Monte Carlo), so scenarios
    that add or fix parameters keep the others' values: common random numbers.
    """
    if method not in METHODS:
        raise ValueError(f"unknown sampling method {method!r}; expected one of {', '.join(METHODS)}")
    if method == "mc":
        return None
    paths = [p.path for p in replication_parameters(cfg)]
    if not paths:
        return np.empty((n, 0))
    root = np.random.SeedSequence(seed)
    if method == "lhs":
        cols = []
        for path in paths:
            rng = np.random.default_rng(child(root, "parameters", "lhs", path))
            cols.append(qmc.LatinHypercube(d=1, rng=rng).random(n)[:, 0])
        return np.column_stack(cols)
    rng = np.random.default_rng(child(root, "parameters", "sobol"))
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", UserWarning)  # balance properties need n = 2^m; any n is still valid
        return qmc.Sobol(d=len(paths), scramble=True, rng=rng).random(n)


def replication_inputs(cfg: Config, seed: int, indices: np.ndarray, design: np.ndarray | None) -> np.ndarray:
    """Parameter values (len(indices) × P) for the given replications."""
    specs = replication_parameters(cfg)
    if design is None:
        paths = [p.path for p in specs]
        u = np.array([parameter_uniforms(replication_seed(seed, int(i)), paths) for i in indices])
        u = u.reshape(len(indices), len(specs))
    else:
        u = design[np.asarray(indices, dtype=int)]
    return draw_values(specs, correlate(cfg, specs, u))
