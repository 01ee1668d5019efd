"""Replication parameters: which values a replication draws, by dotted path, and the
realised programme (plain numbers) that one replication runs on.

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

from ..config import INTEGER_KEYS, OCCURRENCE_KEYS, Config
from ..distributions import Dist, copula_factor, correlate_uniforms, ppf

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


# --------------------------------------------------------------------------- realisation


@dataclass(frozen=True)
class Occurrence:
    """A recurring duration with numeric parameters, ready for a :class:`~simshare.distributions.Sampler`."""

    family: str
    params: tuple[tuple[str, Any], ...]

    @property
    def fixed(self) -> float | None:
        return float(dict(self.params)["value"]) if self.family == "fixed" else None


def _resolve(value: Any, path: str, values: dict[str, float], occurrence: bool):
    if value is None:
        return None
    if not isinstance(value, Dist):
        if occurrence:
            return Occurrence("fixed", (("value", float(value)),))
        return value
    if occurrence:
        params = tuple(
            (name, values[f"{path}.{name}"] if isinstance(v, Dist) else v) for name, v in value.params
        )
        return Occurrence(value.family, params)
    return values[path]


def realise(cfg: Config, values: dict[str, float]) -> dict[str, Any]:
    """Plain numbers for one replication: ``{"programme": {...}, "councils": [...], "services": [...]}``.

    Recurring durations come back as :class:`Occurrence`; once-per-replication durations
    as numbers (drawn), like every other replication parameter. The fixed part is built
    once per config; each replication copies it and fills in its drawn values.
    """
    template, slots = cfg.derived("realisation", _template)
    values = {k: float(v) for k, v in values.items()}
    out: dict[str, Any] = {
        "programme": dict(template["programme"]),
        "joint_management": None if template["joint_management"] is None else dict(template["joint_management"]),
        "councils": [dict(d) for d in template["councils"]],
        "services": [{**d, "budget": dict(d["budget"])} for d in template["services"]],
    }
    for where, key, value, path, occurrence in slots:
        table = out
        for part in where:
            table = table[part]
        table[key] = values[path] if key in ONCE_KEYS and where[0] == "services" else _resolve(
            value, path, values, occurrence)
    for d in out["councils"]:
        if d["specialist_recruitment_months"] is None:
            d["specialist_recruitment_months"] = d["recruitment_months"]
        if d["specialist_recruitment_failure"] is None:
            d["specialist_recruitment_failure"] = d["recruitment_failure"]
    return out


def _template(cfg: Config) -> tuple[dict[str, Any], list[tuple]]:
    """The realisation's fixed values, and a slot (where, key, value, path, occurrence) for each drawn one."""
    slots: list[tuple] = []
    out: dict[str, Any] = {"programme": {}, "joint_management": None, "councils": [], "services": []}

    def put(table: dict, where: tuple, key: str, value: Any, path: str, occurrence: bool) -> None:
        if isinstance(value, Dist):
            slots.append((where, key, value, path, occurrence))
            table[key] = None
        elif where[0] == "services" and key in ONCE_KEYS:
            table[key] = float(value)
        else:
            table[key] = _resolve(value, path, {}, occurrence)

    prog = cfg.programme
    for key in type(prog).model_fields:
        value = getattr(prog, key)
        if key == "joint_management":
            if value is not None:
                out["joint_management"] = {}
                for k in type(value).model_fields:
                    put(out["joint_management"], ("joint_management",), k, getattr(value, k),
                        f"programme.joint_management.{k}", False)
            continue
        put(out["programme"], ("programme",), key, value, f"programme.{key}", key in OCCURRENCE_KEYS["programme"])
    for i, c in enumerate(cfg.councils):
        d: dict[str, Any] = {}
        for key in type(c).model_fields:
            put(d, ("councils", i), key, getattr(c, key), f"councils.{c.name}.{key}", key in OCCURRENCE_KEYS["councils"])
        out["councils"].append(d)
    for i, s in enumerate(cfg.services):
        d = {}
        for key in type(s).model_fields:
            value, path = getattr(s, key), f"services.{s.name}.{key}"
            if key == "budget":
                d[key] = {}
                for c, v in value.items():
                    put(d[key], ("services", i, "budget"), c, v, f"{path}.{c}", False)
            else:
                put(d, ("services", i), key, value, path, False)
        out["services"].append(d)
    return out, slots
