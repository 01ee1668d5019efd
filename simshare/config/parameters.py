"""Replication parameters: which values a replication draws, by dotted path, and how.

Two kinds of uncertain value are drawn once per replication and recorded in ``inputs``:

- replication parameters (rates, fractions, capacities, money, and the parameters of
  occurrence distributions that are themselves distribution tables);
- the durations of things that happen exactly once per replication (each service's
  review, consultation and implementation), so that sensitivity can reach them.

Durations that recur (recruitment campaigns, rework, team replacement) are drawn during
the replication from their own streams.
"""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any, Iterator

import numpy as np

from ..distributions import U_MAX, U_MIN, CorrelationFit, Dist, correlate_uniforms, fit_correlations, ppf
from .schema import INTEGER_KEYS, OCCURRENCE_KEYS, Config

#: durations drawn once per replication (one review, consultation, implementation per service)
ONCE_KEYS = ("review_months", "consultation_months", "implementation_months")


@dataclass(frozen=True)
class ParameterSpec:
    """One uncertain value drawn per replication."""

    path: str
    dist: Dist
    integer: bool = False


def _walk(cfg: Config) -> Iterator[tuple[str, str, Any]]:
    """(section, path, value) for every numeric key of the config, in config order."""
    prog = cfg.programme
    for key in type(prog).model_fields:
        value = getattr(prog, key)
        if key == "joint_management" and value is not None:
            for k in type(value).model_fields:
                yield "programme", f"programme.joint_management.{k}", getattr(value, k)
        elif isinstance(value, (int, float, Dist)) and not isinstance(value, bool):
            yield "programme", f"programme.{key}", value
    for c in cfg.councils:
        for key in type(c).model_fields:
            value = getattr(c, key)
            if isinstance(value, (int, float, Dist)) and not isinstance(value, bool):
                yield "councils", f"councils.{c.name}.{key}", value
    for s in cfg.services:
        for key in type(s).model_fields:
            value = getattr(s, key)
            if isinstance(value, dict):
                for council, v in value.items():
                    if key == "budget":
                        yield "services", f"services.{s.name}.{key}.{council}", v
            elif isinstance(value, (int, float, Dist)) and not isinstance(value, bool):
                yield "services", f"services.{s.name}.{key}", value
    for d in cfg.drivers:
        yield "drivers", f"drivers.{d.name}", d.factor


def replication_parameters(cfg: Config) -> list[ParameterSpec]:
    """Every uncertain value a replication draws, nested parameters before the value that uses them."""
    return cfg.derived("replication_parameters", _replication_parameters)


def _replication_parameters(cfg: Config) -> list[ParameterSpec]:
    specs: list[ParameterSpec] = []
    for section, path, value in _walk(cfg):
        if not isinstance(value, Dist):
            continue
        key = path.rsplit(".", 1)[-1]
        occurrence = key in OCCURRENCE_KEYS.get(section, ())
        for name, nested in value.nested:
            specs.append(ParameterSpec(f"{path}.{name}", nested))
        if not occurrence or key in ONCE_KEYS:
            specs.append(ParameterSpec(path, value, integer=key in INTEGER_KEYS))
    return specs


def parameter_paths(cfg: Config) -> list[str]:
    return [p.path for p in replication_parameters(cfg)]


def correlation_matrix(cfg: Config) -> tuple[list[str], np.ndarray]:
    """The correlated parameters and their rank-correlation matrix (identity where unspecified).
    A pair given twice is refused when the config is loaded, so no entry overwrites another here."""
    names: list[str] = []
    for corr in cfg.correlations:
        for path in corr.between:
            if path not in names:
                names.append(path)
    matrix = np.eye(len(names))
    for corr in cfg.correlations:
        i, j = names.index(corr.between[0]), names.index(corr.between[1])
        matrix[i, j] = matrix[j, i] = corr.rho
    return names, matrix


def correlation_fit(cfg: Config) -> tuple[list[str], CorrelationFit]:
    """The correlated parameters and the copula used for them: the config's rank correlations, or the
    nearest consistent set when they are slightly inconsistent (see :func:`correlation_repairs`).
    Raises DistError (CorrelationError) for grossly inconsistent ones; load_config refuses those."""
    return cfg.derived("correlation_fit", _correlation_fit)


def _correlation_fit(cfg: Config) -> tuple[list[str], CorrelationFit]:
    names, matrix = correlation_matrix(cfg)
    return names, fit_correlations(matrix)


def correlation_repairs(cfg: Config) -> list[dict]:
    """How the rank correlations were repaired to the nearest consistent set, one entry per moved
    pair: ``{"between": [a, b], "entered": ρ, "used": ρ', "entry": "correlations[i]" or None}``
    (None: a pair the config does not correlate, taken as 0). Empty when used as entered.
    Plain JSON-ready values, for the results' attributes."""
    if not cfg.correlations:
        return []
    names, fit = correlation_fit(cfg)
    where = {}
    for k, corr in enumerate(cfg.correlations):
        where[frozenset(corr.between)] = f"correlations[{k}]"
    return [{"between": [names[i], names[j]], "entered": round(entered, 12), "used": round(used, 12),
             "entry": where.get(frozenset((names[i], names[j])))}
            for i, j, entered, used in fit.changes]


def correlated_columns(cfg: Config, specs: list[ParameterSpec]) -> tuple[list[int], CorrelationFit | None]:
    """Columns (in ``specs``) of the correlated parameters, in the order of the copula's matrix."""
    if not cfg.correlations:
        return [], None
    names, fit = correlation_fit(cfg)
    paths = [p.path for p in specs]
    return [paths.index(n) for n in names], fit


def correlate(cfg: Config, specs: list[ParameterSpec], u: np.ndarray) -> np.ndarray:
    """Impose the config's rank correlations on independent uniforms ``u`` (n × P) by Gaussian copula.
    Row by row: each row's result is the same bits whatever the number of rows."""
    if not cfg.correlations:
        return u
    columns, fit = correlated_columns(cfg, specs)
    out = np.array(u, dtype=float, copy=True)
    out[:, columns] = correlate_uniforms(out[:, columns], fit.factor)
    return out


def draw_values(specs: list[ParameterSpec], u: np.ndarray) -> np.ndarray:
    """Values (n × P) of the parameters at uniforms ``u`` (n × P), by inverse CDF."""
    u = np.clip(np.atleast_2d(np.asarray(u, dtype=float)), U_MIN, U_MAX)  # only an exact 0 or 1 moves
    out = np.empty_like(u)
    column = {p.path: j for j, p in enumerate(specs)}
    for j, spec in enumerate(specs):
        params = {}
        for name, value in spec.dist.params:
            params[name] = out[:, column[f"{spec.path}.{name}"]] if isinstance(value, Dist) else value
        x = ppf(spec.dist.family, params, u[:, j])
        out[:, j] = np.rint(x) if spec.integer else x
    return out
