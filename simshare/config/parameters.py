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

from ..distributions import Dist, copula_factor, correlate_uniforms, ppf
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
    """The correlated parameters and their rank-correlation matrix (identity where unspecified)."""
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


def correlate(cfg: Config, specs: list[ParameterSpec], u: np.ndarray) -> np.ndarray:
    """Impose the config's rank correlations on independent uniforms ``u`` (n × P) by Gaussian copula."""
    if not cfg.correlations:
        return u
    names, matrix = correlation_matrix(cfg)
    columns = [[p.path for p in specs].index(n) for n in names]
    out = np.array(u, dtype=float, copy=True)
    out[:, columns] = correlate_uniforms(out[:, columns], copula_factor(matrix))
    return out


def draw_values(specs: list[ParameterSpec], u: np.ndarray) -> np.ndarray:
    """Values (n × P) of the parameters at uniforms ``u`` (n × P), by inverse CDF."""
    u = np.atleast_2d(np.asarray(u, dtype=float))
    out = np.empty_like(u)
    column = {p.path: j for j, p in enumerate(specs)}
    for j, spec in enumerate(specs):
        params = {}
        for name, value in spec.dist.params:
            params[name] = out[:, column[f"{spec.path}.{name}"]] if isinstance(value, Dist) else value
        x = ppf(spec.dist.family, params, u[:, j])
        out[:, j] = np.rint(x) if spec.integer else x
    return out
