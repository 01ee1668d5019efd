"""The realised programme: the plain numbers one replication runs on, from a config and its drawn values."""

from __future__ import annotations

from dataclasses import dataclass
from typing import Any

from ..distributions import Dist
from .parameters import ONCE_KEYS
from .schema import OCCURRENCE_KEYS, Config


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
