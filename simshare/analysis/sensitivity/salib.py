"""Morris elementary effects and Sobol indices (via SALib) of any model given as a callable on the unit
hypercube. SALib is imported when a method runs."""

from __future__ import annotations

import warnings
from typing import Callable, Sequence

import numpy as np
import xarray as xr

#: uniforms are kept inside (0, 1) so unbounded inverse CDFs stay finite
EPS = 2.0 ** -53


def _problem(names: Sequence[str]) -> dict:
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def _columns(y: np.ndarray) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    return y[:, None] if y.ndim == 1 else y


def _output_name(outputs: Sequence[str] | None, k: int) -> str:
    return str(outputs[k]) if outputs is not None else f"output {k}"


def warnings_sentence(caught: dict[str, list[str]], total: int) -> str:
    """SALib's warnings in one plain sentence (empty when there were none). ``caught``: the names of the
    outputs behind each kind of warning ("constant", "power of 2", "other"); ``total``: outputs analysed."""
    parts = []
    if caught.get("constant"):
        names = caught["constant"]
        shown = ", ".join(names[:6]) + (f" and {len(names) - 6} more" if len(names) > 6 else "")
        parts.append(f"for {len(names)} of the {total} outputs ({shown}) some runs or resamples gave identical "
                     "values, so their indices are near 0 or unreliable: the output hardly varies there")
    if caught.get("power of 2"):
        parts.append("the number of base samples is not a power of 2, so the Sobol sequence loses its balance "
                     "and the indices converge more slowly")
    if caught.get("other"):
        parts.append("SALib also warned: " + "; ".join(sorted(set(caught["other"])))[:300])
    return ("Note: " + "; ".join(parts) + ".") if parts else ""


def _sort_warnings(records: list[warnings.WarningMessage], name: str, caught: dict[str, list[str]]) -> None:
    for r in records:
        text = " ".join(str(r.message).split())
        if issubclass(r.category, RuntimeWarning):
            continue  # 0/0 in a resample of a constant output: its index is NaN, said by the caveats
        kind = ("constant" if "constant values" in text.lower() else
                "power of 2" if "power of 2" in text.lower() or "balance properties" in text.lower() else "other")
        if kind == "other":
            caught.setdefault(kind, []).append(text)
        elif name not in caught.setdefault(kind, []):
            caught[kind].append(name)


def _indices_dataset(results: list[dict[str, np.ndarray]], names: Sequence[str], one: bool,
                     outputs: Sequence[str] | None, attrs: dict) -> xr.Dataset:
    keys = list(results[0])
    if one:
        data = {k: ("parameter", results[0][k]) for k in keys}
        coords = {"parameter": list(names)}
    else:
        data = {k: (("output", "parameter"), np.array([r[k] for r in results])) for k in keys}
        coords = {"parameter": list(names), "output": list(outputs) if outputs is not None else np.arange(len(results))}
    return xr.Dataset(data, coords=coords, attrs=attrs)


def sobol_indices(evaluate: Callable[[np.ndarray, np.ndarray], np.ndarray], names: Sequence[str], n: int = 1024,
                  seed: int = 1, *, conf_level: float = 0.95, num_resamples: int = 100,
                  outputs: Sequence[str] | None = None) -> xr.Dataset:
    """First-order (S1) and total-order (ST) Sobol indices of a model given as a callable.

    Saltelli's design (SALib, scrambled Sobol sequence, ``n`` base samples, second order off:
    n·(d+2) rows) over the unit hypercube; ``evaluate(u, groups)`` gets the uniforms (rows × d,
    inside (0, 1); map them by inverse CDF) and the base sample each row belongs to (rows A_j,
    B_j and AB_ij share group j), and returns one output (rows) or several (rows × K). Returns
    S1, S1_conf, ST, ST_conf (conf: half-width of the bootstrap interval at ``conf_level``) on
    ``parameter`` (and ``output`` for several), in ``names`` order. ``n`` should be a power of 2.
    An output that never varies gets NaN indices. SALib's warnings are not shown: the ``salib_note``
    attribute says them in one sentence (:func:`warnings_sentence`).
    """
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    problem = _problem(names)
    d = len(names)
    caught: dict[str, list[str]] = {}
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        u = sample.sample(problem, int(n), calc_second_order=False, scramble=True, seed=seed)
    _sort_warnings(records, "the design", caught)
    u = np.clip(u, EPS, 1.0 - EPS)
    groups = np.arange(len(u)) // (d + 2)
    raw = np.asarray(evaluate(u, groups), dtype=float)
    y = _columns(raw)
    results = []
    for k in range(y.shape[1]):
        col = y[:, k]
        if not np.isfinite(col).all() or np.ptp(col) == 0:
            results.append({key: np.full(d, np.nan) for key in ("S1", "S1_conf", "ST", "ST_conf")})
            continue
        with warnings.catch_warnings(record=True) as records:
            warnings.simplefilter("always")
            si = analyze.analyze(problem, col, calc_second_order=False, num_resamples=num_resamples,
                                 conf_level=conf_level, seed=seed)
        _sort_warnings(records, _output_name(outputs, k), caught)
        results.append({key: np.asarray(si[key], dtype=float) for key in ("S1", "S1_conf", "ST", "ST_conf")})
    return _indices_dataset(results, names, raw.ndim == 1, outputs,
                            {"method": "sobol", "n": int(n), "rows": int(len(u)), "seed": seed,
                             "conf_level": conf_level, "salib_note": warnings_sentence(caught, y.shape[1])})


def morris_indices(evaluate: Callable[[np.ndarray, np.ndarray], np.ndarray], names: Sequence[str],
                   trajectories: int = 20, levels: int = 4, seed: int = 1, *, conf_level: float = 0.95,
                   num_resamples: int = 100, outputs: Sequence[str] | None = None) -> xr.Dataset:
    """Morris elementary effects (mu, mu*, mu*_conf, sigma) of a model given as a callable.

    SALib's trajectories on a ``levels``-point grid; level k of p is the uniform (k + ½)/p, the
    middle of the k-th of p equal-probability bands (so unbounded inverse CDFs stay finite).
    ``evaluate(u, groups)`` as in :func:`sobol_indices`; the d+1 rows of a trajectory share a
    group. Effects are SALib's, per unit of the [0, 1] design scale (each parameter's whole
    probability range, less half a band at each end), so mu* values compare across parameters.
    """
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    problem = _problem(names)
    d = len(names)
    caught: dict[str, list[str]] = {}
    with warnings.catch_warnings(record=True) as records:
        warnings.simplefilter("always")
        x = sample.sample(problem, int(trajectories), num_levels=levels, seed=seed)
    _sort_warnings(records, "the design", caught)
    u = (x * (levels - 1) + 0.5) / levels
    groups = np.arange(len(x)) // (d + 1)
    raw = np.asarray(evaluate(u, groups), dtype=float)
    y = _columns(raw)
    keys = ("mu", "mu_star", "mu_star_conf", "sigma")
    results = []
    for k in range(y.shape[1]):
        col = y[:, k]
        if not np.isfinite(col).all():
            results.append({key: np.full(d, np.nan) for key in keys})
            continue
        with warnings.catch_warnings(record=True) as records:
            warnings.simplefilter("always")
            si = analyze.analyze(problem, x, col, num_resamples=num_resamples, conf_level=conf_level,
                                 num_levels=levels, seed=seed)
        _sort_warnings(records, _output_name(outputs, k), caught)
        results.append({key: np.asarray(si[key], dtype=float) for key in keys})
    return _indices_dataset(results, names, raw.ndim == 1, outputs,
                            {"method": "morris", "trajectories": int(trajectories), "levels": int(levels),
                             "rows": int(len(u)), "seed": seed, "conf_level": conf_level,
                             "salib_note": warnings_sentence(caught, y.shape[1])})


__all__ = ["sobol_indices", "morris_indices", "warnings_sentence", "EPS"]
