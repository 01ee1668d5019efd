"""Dotted-path overrides: ``programme.review_teams``, ``services.*.savings_fraction``,
``services.Planning.review_months.mean``, for ``--set``, scenarios, sweeps and sensitivity."""

from __future__ import annotations

import copy
import datetime as dt
import tomllib
from typing import Any, Mapping

import numpy as np
from pydantic import BaseModel

from .errors import ConfigError
from .schema import Council, Driver, JointManagement, Programme, Service


_SECTIONS = {"programme": Programme, "councils": Council, "services": Service, "drivers": Driver}
_TABLE_KEYS = ("budget", "posts", "specialists")


_ATOMS = (str, int, float, bool, dt.date, dt.datetime)
#: tables and lists nested deeper than this are refused (a config needs 4 levels; Python's own recursion would fail)
MAX_DEPTH = 64


def plain(value: Any, _depth: int = 0) -> Any:
    """A deep copy of ``value`` with numpy types as Python ones: numpy scalars become int, float, bool or
    str, numpy arrays and tuples become lists, mapping keys become their plain form. Everything the
    config accepts as a plain number or list is then accepted as a numpy number or array too.
    ConfigError for tables or lists nested more than MAX_DEPTH deep."""
    if value is None or type(value) in _ATOMS:
        return value
    if _depth > MAX_DEPTH:
        raise ConfigError([f"(top level): tables and lists are nested more than {MAX_DEPTH} levels deep"])
    if isinstance(value, np.ndarray):
        if value.ndim > MAX_DEPTH:
            raise ConfigError([f"(top level): an array has more than {MAX_DEPTH} dimensions"])
        return plain(value.tolist(), _depth) if value.dtype == object else value.tolist()
    if isinstance(value, np.generic):
        return value.item()
    if isinstance(value, (list, tuple)):
        return [plain(v, _depth + 1) for v in value]
    if isinstance(value, Mapping):
        return {plain(k, _depth + 1): plain(v, _depth + 1) for k, v in value.items()}
    return copy.deepcopy(value)


def parse_value(text: str) -> Any:
    """A command-line value as TOML (``3``, ``0.2``, ``{dist = "pert", ...}``, ``["A", "B"]``), else a string."""
    try:
        return tomllib.loads(f"v = {text}")["v"]
    except tomllib.TOMLDecodeError:
        return text


def parse_assignment(text: str) -> tuple[str, Any]:
    """``PATH=VALUE`` from the command line."""
    if "=" not in text:
        raise ConfigError([f"--set {text!r}: expected PATH=VALUE, e.g. programme.review_teams=3"])
    path, value = text.split("=", 1)
    path = path.strip()
    if not path:
        raise ConfigError([f"--set {text!r}: the path before '=' is empty"])
    return path, parse_value(value.strip())


def _match_name(items: list, parts: list[str], section: str, path: str) -> tuple[list, list[str]]:
    """Find the named entries (or every entry for '*') of a council/service list."""
    if parts and parts[0] == "*":
        return list(items), parts[1:]
    for n in range(len(parts), 0, -1):
        name = ".".join(parts[:n])
        hits = [it for it in items if isinstance(it, dict) and it.get("name") == name]
        if hits:
            return hits, parts[n:]
    names = ", ".join(str(it.get("name")) for it in items if isinstance(it, dict))
    wanted = parts[0] if parts else ""
    raise ConfigError([f"{path}: no {section[:-1]} named {wanted!r} ({section} are: {names})"])


def _set_in(table: dict, parts: list[str], value: Any, model: type[BaseModel], path: str) -> None:
    key, rest = parts[0], parts[1:]
    if key not in model.model_fields or key == "raw":
        raise ConfigError([f"{path}: unknown key {key!r} (expected one of {', '.join(k for k in model.model_fields if k != 'raw')})"])
    if not rest:
        table[key] = copy.deepcopy(value)
        return
    if model is Programme and key == "joint_management":
        sub = table.setdefault(key, {})
        return _set_in(sub, rest, value, JointManagement, path)
    if key in _TABLE_KEYS:
        sub = table.setdefault(key, {})
        name = ".".join(rest)
        if not isinstance(sub, dict):
            raise ConfigError([f"{path}: {key} is not a table"])
        sub[name] = copy.deepcopy(value)
        return
    current = table.get(key)
    if len(rest) == 1 and isinstance(current, dict) and "dist" in current:
        current[rest[0]] = copy.deepcopy(value)
        return
    if isinstance(current, list) or (current is None and _is_list(model, key)):
        raise ConfigError([f"{path}: {key} is a list; set it whole, e.g. {'.'.join(path.split('.')[:-len(rest)])}"
                           f"=[...]"])
    what = "a number" if not isinstance(current, dict) else "not a distribution table"
    raise ConfigError([f"{path}: {key} is {what} here, so it has no parameter {'.'.join(rest)!r}"])


def _is_list(model: type, key: str) -> bool:
    """Whether ``model``'s field ``key`` holds a list (``after``, ``order``, ``applies_to``)."""
    field = model.model_fields.get(key)
    return field is not None and "list[" in str(field.annotation)


def _set_driver(table: dict, rest: list[str], value: Any, path: str) -> None:
    """``drivers.NAME`` (its factor, the replication parameter recorded under that path),
    ``drivers.NAME.factor``, ``drivers.NAME.factor.PARAM`` or ``drivers.NAME.PARAM`` (a parameter of
    a factor given as a distribution table), ``drivers.NAME.applies_to``."""
    if not rest:
        rest = ["factor"]
    if rest[0] not in Driver.model_fields:
        factor = table.get("factor")
        if len(rest) == 1 and isinstance(factor, dict) and "dist" in factor:
            rest = ["factor", rest[0]]
    _set_in(table, rest, value, Driver, path)


def apply_overrides(raw: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict:
    """Apply ``{dotted.path: value}`` to a copy of the raw config tables.

    Paths: ``programme.review_teams``, ``programme.joint_management.saving_per_year``,
    ``councils.NAME.key``, ``services.NAME.key``, ``services.NAME.posts.COUNCIL``,
    ``services.*.key`` (every service), ``...key.PARAM`` for a parameter of a
    distribution table (``services.Planning.review_months.mean``) and ``drivers.NAME`` (a risk
    driver's factor; see :func:`_set_driver`).
    """
    out = plain(dict(raw))
    out.pop("raw", None)
    for path, value in plain(dict(overrides)).items():
        parts = str(path).split(".")
        section = parts[0]
        if section not in _SECTIONS or len(parts) < 2:
            raise ConfigError([f"{path}: unknown parameter path (it must start with programme., councils., services. "
                               "or drivers.)"])
        if section == "programme":
            _set_in(out.setdefault("programme", {}), parts[1:], value, Programme, path)
            continue
        items = out.get(section)
        if not isinstance(items, list):
            raise ConfigError([f"{path}: the config has no [[{section}]] tables"])
        targets, rest = _match_name(items, parts[1:], section, path)
        if section == "drivers":
            for item in targets:
                _set_driver(item, rest, value, path)
            continue
        if not rest:
            raise ConfigError([f"{path}: name a key after the {section[:-1]}, e.g. {section}.NAME.key"])
        for item in targets:
            _set_in(item, rest, value, _SECTIONS[section], path)
    return out

