"""Loading a config: TOML or a table in, a validated :class:`Config` out, every problem reported at once.

Errors name the key path, as in ``services[2].posts.Chiltern: must be a whole number ≥ 0,
got -3``; unknown keys are errors; checks that span several keys (councils of services,
the phasing order, correlations, scenarios) run alongside the schema's.
"""

from __future__ import annotations

import copy
import multiprocessing
import re
import tomllib
import warnings
from pathlib import Path
from typing import Any, Iterable, Mapping, Union

from pydantic import ValidationError

from ..distributions import GROSS_CHANGE, CorrelationError, DistError
from .cases import warn_about_cases
from .drivers import check_drivers
from .errors import ConfigError, ConfigWarning, OverrideError, name_entries
from .overrides import apply_overrides, plain
from .parameters import correlation_fit, correlation_matrix, replication_parameters
from .schema import Config, got

#: the scenario name of "no programme at all": the same councils and workforce, no reviews, no joint management
STATUS_QUO = "status quo"
#: the scenario name of the config itself
BASE = "base"

# --------------------------------------------------------------------------- loading


def format_loc(loc: Iterable[Any]) -> str:
    """('services', 2, 'posts', 'Chiltern') -> 'services[2].posts.Chiltern'."""
    out = ""
    for part in loc:
        if isinstance(part, int):
            out += f"[{part}]"
        else:
            out += ("." if out else "") + str(part)
    return out or "(top level)"


_MESSAGES = {
    "missing": "is required",
    "extra_forbidden": "unknown key (not part of the config; check the spelling)",
    "bool_type": "must be true or false",
    "bool_parsing": "must be true or false",
    "string_type": "must be text",
    "list_type": "must be a list",
    "dict_type": "must be a table",
    "model_type": "must be a table",
    "model_attributes_type": "must be a table",
    "date_type": "must be a date like 2012-10-01",
    "date_parsing": "must be a date like 2012-10-01",
    "date_from_datetime_parsing": "must be a date like 2012-10-01",
    "date_from_datetime_inexact": "must be a date like 2012-10-01 (no time of day)",
    "string_too_short": "must not be empty",
    "too_short": "has too few entries",
    "too_long": "has too many entries",
}


def _pydantic_errors(err: ValidationError) -> list[str]:
    lines = []
    for e in err.errors():
        loc = format_loc(e["loc"])
        kind = e["type"]
        if kind == "value_error":
            msg = str(e["ctx"]["error"]) if "ctx" in e else e["msg"]
            lines.append(f"{loc}: {msg}")
            continue
        msg = _MESSAGES.get(kind, e["msg"])
        if kind in ("missing", "extra_forbidden"):
            lines.append(f"{loc}: {msg}")
        elif kind in ("too_short", "too_long") and "ctx" in e:
            lines.append(f"{loc}: {msg} (expected {e['ctx'].get('min_length', '')}"
                         f"{'–' + str(e['ctx'].get('max_length')) if e['ctx'].get('max_length') else ' or more'}), got {got(e['input'])}")
        else:
            lines.append(f"{loc}: {msg}, got {got(e['input'])}")
    return lines


def _items(raw: Mapping[str, Any], key: str) -> list[tuple[int, dict]]:
    value = raw.get(key)
    if not isinstance(value, list):
        return []
    return [(i, item) for i, item in enumerate(value) if isinstance(item, dict)]


def _cross_check(raw: Mapping[str, Any]) -> list[str]:
    """Checks that span several keys: names, councils of services, order, specialists.

    They read the raw tables defensively, so they run (and report) even when other keys
    are invalid: the user sees every problem at once.
    """
    errors: list[str] = []
    councils = [c.get("name") for _, c in _items(raw, "councils") if isinstance(c.get("name"), str)]
    services = [s.get("name") for _, s in _items(raw, "services") if isinstance(s.get("name"), str)]
    for label in ("councils", "services", "scenarios", "drivers"):
        seen: set[str] = set()
        for i, item in _items(raw, label):
            name = item.get("name")
            if not isinstance(name, str):
                continue
            if name in seen:
                errors.append(f"{label}[{i}].name: duplicate name {name!r}")
            seen.add(name)
            if label == "scenarios" and name == "base":
                errors.append(f"scenarios[{i}].name: 'base' is reserved for the config itself")
    known = ", ".join(councils)
    for i, s in _items(raw, "services"):
        tables = {t: s.get(t) for t in ("budget", "posts", "specialists")}
        tables = {t: v for t, v in tables.items() if isinstance(v, dict)}
        for table, entries in tables.items():
            for c in entries:
                if c not in councils:
                    errors.append(f"services[{i}].{table}.{c}: unknown council {c!r} (councils are: {known})")
        posts, budget = tables.get("posts"), tables.get("budget")
        if posts is not None and not posts:
            errors.append(f"services[{i}].posts: must list the posts of at least one council")
        if posts is not None and budget is not None:
            for c in posts:
                if c in councils and c not in budget:
                    errors.append(f"services[{i}].budget.{c}: is required (council {c!r} has posts in this service)")
            for c in budget:
                if c in councils and c not in posts:
                    errors.append(f"services[{i}].posts.{c}: is required (council {c!r} has a budget for this service)")
        for c, n in tables.get("specialists", {}).items():
            p = (posts or {}).get(c)
            if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (n, p)) and n > p:
                errors.append(f"services[{i}].specialists.{c}: must not exceed posts.{c} ({p}), got {n}")
    total = sum(n for _, s in _items(raw, "services") if isinstance(s.get("posts"), dict)
                for n in s["posts"].values() if isinstance(n, (int, float)) and not isinstance(n, bool) and n >= 0)
    if total > MAX_TOTAL_POSTS:
        errors.append(f"services: {total:,.0f} posts in all; a config may have at most {MAX_TOTAL_POSTS:,}")
    programme = raw.get("programme") if isinstance(raw.get("programme"), dict) else {}
    order = programme.get("order")
    if isinstance(order, list):
        seen = set()
        for i, name in enumerate(order):
            if not isinstance(name, str):
                continue
            if name not in services:
                errors.append(f"programme.order[{i}]: unknown service {name!r} (services are: {', '.join(services)})")
            elif name in seen:
                errors.append(f"programme.order[{i}]: service {name!r} appears twice")
            seen.add(name)
    errors += _check_precedence(raw, services, order)
    errors += _check_sharing(programme.get("cost_sharing"), councils, _items(raw, "services"))
    target, horizon = programme.get("target_month"), programme.get("horizon_months")
    if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (target, horizon)) and target > horizon:
        errors.append(f"programme.target_month: must be within the horizon ({horizon}), got {target:g}")
    return errors


def _check_precedence(raw: Mapping[str, Any], services: list[str], order: Any) -> list[str]:
    """``after`` (docs/model.md): known services, not the service itself, no cycle, and, when the service
    is in the programme, every service it waits for is too (else it could never be implemented)."""
    errors: list[str] = []
    in_order = set(order) if isinstance(order, list) else set(services)
    graph: dict[str, list[str]] = {}
    for i, s in _items(raw, "services"):
        name, after = s.get("name"), s.get("after")
        if not isinstance(name, str) or not isinstance(after, list):
            continue
        graph[name] = []
        for j, other in enumerate(after):
            if not isinstance(other, str):
                continue
            if other == name:
                errors.append(f"services[{i}].after[{j}]: service {name!r} cannot wait for itself")
            elif other not in services:
                errors.append(f"services[{i}].after[{j}]: unknown service {other!r} (services are: {', '.join(services)})")
            else:
                graph[name].append(other)
                if name in in_order and other not in in_order:
                    errors.append(f"services[{i}].after[{j}]: {other!r} is not in programme.order, so {name!r} "
                                  "could never be implemented")
    state: dict[str, int] = {}
    cycles: list[list[str]] = []

    def visit(n: str, path: list[str]) -> None:
        state[n] = 1
        for m in graph.get(n, []):
            if state.get(m) == 1:
                cycles.append(path[path.index(m):] + [m])
            elif m not in state:
                visit(m, path + [m])
        state[n] = 2

    for n in graph:
        if n not in state:
            visit(n, [n])
    index = {s.get("name"): i for i, s in _items(raw, "services") if isinstance(s.get("name"), str)}
    for cycle in cycles:
        errors.append(f"services[{index[cycle[0]]}].after: precedence cycle {' → '.join(repr(c) for c in cycle)} "
                      "(each waits for the next to go live, so none ever can)")
    return errors


class CorrelationRepairWarning(ConfigWarning):
    """The config's rank correlations were slightly inconsistent and have been moved to the nearest
    consistent set; the message names each pair and its value as entered and as used."""


def _pair(names: list[str], i: int, j: int, where: dict[frozenset, int]) -> str:
    k = where.get(frozenset((names[i], names[j])))
    head = f"correlations[{k}]" if k is not None else "(not given, so 0)"
    return f"{head} {names[i]} ↔ {names[j]}"


def _check_sharing(sharing: Any, councils: list[str], services: list[tuple[int, dict]]) -> list[str]:
    """A table of council shares names only the config's councils and gives each service's councils a share."""
    if not isinstance(sharing, dict):
        return []
    known = ", ".join(councils)
    errors = [f"programme.cost_sharing.{c}: unknown council {c!r} (councils are: {known})"
              for c in sharing if c not in councils]
    numbers = {c: v for c, v in sharing.items() if isinstance(v, (int, float)) and not isinstance(v, bool)}
    for i, s in services:
        posts = s.get("posts")
        if isinstance(posts, dict) and posts and all(numbers.get(c, 0) == 0 for c in posts):
            errors.append(f"programme.cost_sharing: gives no share to any council of services[{i}] "
                          f"({s.get('name')!r}: {', '.join(posts)})")
    return errors


def _check_correlations(cfg: Config) -> list[str]:
    if not cfg.correlations:
        return []
    paths = {p.path: p for p in replication_parameters(cfg)}
    errors = []
    first: dict[frozenset, int] = {}
    for i, corr in enumerate(cfg.correlations):
        a, b = corr.between
        for j, path in enumerate((a, b)):
            if path not in paths:
                errors.append(
                    f"correlations[{i}].between[{j}]: {path!r} is not an uncertain replication parameter "
                    "(it must name a key given as a distribution table, e.g. 'councils.A.turnover_annual')"
                )
        if a == b:
            errors.append(f"correlations[{i}].between: a parameter cannot be correlated with itself ({a!r})")
            continue
        pair = frozenset((a, b))
        if pair in first:
            k = first[pair]
            errors.append(
                f"correlations[{i}].between: the pair {a!r}, {b!r} is already correlated by correlations[{k}] "
                f"(rho = {cfg.correlations[k].rho:g} there, {corr.rho:g} here); give each pair once"
            )
        else:
            first[pair] = i
    if errors:
        return errors
    try:
        names, fit = correlation_fit(cfg)
    except CorrelationError as err:
        names, _ = correlation_matrix(cfg)
        moves = "; ".join(f"{_pair(names, i, j, first)}: {entered:g} → {near:.4f}" for i, j, entered, near in err.entries)
        return [f"correlations: {err} ({moves}); correct these (a move of up to {GROSS_CHANGE:g} is made "
                "for you, with a warning)"]
    except (DistError, ValueError) as err:
        return [f"correlations: {err}"]
    if fit.changes and multiprocessing.parent_process() is None:  # said once, by the parent, not by each worker
        moves = "; ".join(f"{_pair(names, i, j, first)}: {entered:g} → {used:.4f}" for i, j, entered, used in fit.changes)
        warnings.warn(CorrelationRepairWarning(
            f"{cfg.programme.name}: the rank correlations are slightly inconsistent (no set of variables has "
            f"them all at once), so the nearest consistent set is used: {moves}. The results record this "
            "in their attributes (correlation_repairs)."), stacklevel=2)
    return errors


#: the most posts a whole config may have (every council, every service)
MAX_TOTAL_POSTS = 1_000_000
#: the largest config file read (a config is a few kilobytes)
MAX_CONFIG_BYTES = 16 * 1024 * 1024
#: how binary files simshare writes or reads begin: netCDF-4/HDF5, netCDF classic, numpy's npz (zip)
_BINARY_MAGIC = {b"\x89HDF\r\n\x1a\n": "a results file (netCDF-4): use 'simshare summary' or 'simshare report'",
                 b"CDF\x01": "a results file (netCDF): use 'simshare summary' or 'simshare report'",
                 b"CDF\x02": "a results file (netCDF): use 'simshare summary' or 'simshare report'",
                 b"PK\x03\x04": "a zip or .npz file, not a TOML config"}


def _read_toml(path: Path) -> dict:
    try:
        with open(path, "rb") as fh:
            head = fh.read(8)
        for magic, what in _BINARY_MAGIC.items():
            if head.startswith(magic):
                raise ConfigError([f"{path} is {what}"])
        if path.stat().st_size > MAX_CONFIG_BYTES:
            raise ConfigError([f"{path} is {path.stat().st_size:,} bytes; a config may be at most {MAX_CONFIG_BYTES:,}"])
        text = path.read_text(encoding="utf-8-sig")  # a byte-order mark (Notepad, Excel) is dropped
    except FileNotFoundError:
        raise ConfigError([f"no such file: {path}"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{path} is a folder, not a config file"]) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError([f"cannot read {path}: {err}"]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        at = re.search(r"at line (\d+)", str(err))  # show the line itself (a key written twice, a stray quote)
        line = text.splitlines()[int(at.group(1)) - 1].strip() if at and int(at.group(1)) <= len(text.splitlines()) else ""
        raise ConfigError([f"TOML syntax error: {err}" + (f": {line[:120]}" if line else "")], source=str(path)) from None


def _apply_each(raw: dict, overrides: Mapping[str, Any]) -> dict:
    """Apply overrides one by one, so that one that cannot apply is named (a path through a value
    that is not a table, e.g. ``programme.joint_management=5`` then ``programme.joint_management.x=1``)."""
    for path, value in overrides.items():
        try:
            raw = apply_overrides(raw, {path: value})
        except (TypeError, AttributeError, KeyError, IndexError):
            above = [p for p in overrides if p != path and str(path).startswith(f"{p}.")]
            hint = f" (another override sets {above[0]} to a plain value)" if above else ""
            raise ConfigError([f"{path}: cannot set this: a key on its path is not a table{hint}"]) from None
    return raw


def load_config(source: Union[str, Path, Mapping[str, Any], Config], overrides: Mapping[str, Any] | None = None) -> Config:
    """Load and validate a config from a TOML file path or a dict; raise ConfigError listing every problem.

    Errors name list entries by their names (``services["Planning"].posts.Chiltern``). With
    ``overrides`` ({dotted path: value}) that make it invalid, the config is checked again without
    them: its own errors raise ConfigError as the config's; errors that only the overrides bring raise
    :class:`OverrideError`, each line blamed on the override it comes from.
    """
    if isinstance(source, Config):
        source = source.raw
        if not overrides:
            return load_config(source)
    if not overrides:
        return _load(source, None)
    try:
        return _load(source, overrides)
    except ConfigError as err:  # only now is the config checked alone: a valid run pays for one check
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", ConfigWarning)  # said when the config is used
            _load(source, None)  # the config's own errors are the config's
        raise OverrideError(err.all_errors, overrides) from None


def _load(source: Union[str, Path, Mapping[str, Any]], overrides: Mapping[str, Any] | None) -> Config:
    label = None
    if isinstance(source, (str, Path)):
        label = str(source)
        raw = _read_toml(Path(source))
    elif isinstance(source, Mapping):
        raw = plain(source)  # a deep copy, with numpy numbers and arrays as Python numbers and lists
    else:
        raise ConfigError([f"a config must be a path or a table, got {type(source).__name__}"])
    if overrides:
        raw = _apply_each(raw, overrides)
    if "raw" in raw:
        raise ConfigError(["raw: unknown key (not part of the config; check the spelling)"], source=label)
    cross = _cross_check(raw)
    try:
        cfg = Config.model_validate({**raw, "raw": raw})
    except ValidationError as err:
        raise ConfigError(name_entries(_pydantic_errors(err) + cross, raw), source=label) from None
    # the scenarios are checked only on a sound base, so that a base error is said once, not once per scenario
    errors = cross or (check_drivers(cfg) + _check_correlations(cfg)) or _check_scenarios(cfg)
    if errors:
        raise ConfigError(name_entries(errors, raw), source=label)
    warn_about_cases(cfg, label)
    return cfg


def _without_scenarios(raw: Mapping[str, Any]) -> dict:
    return {k: v for k, v in raw.items() if k != "scenarios"}


def _check_scenarios(cfg: Config) -> list[str]:
    """Each scenario's overrides must give a valid config (scenarios are not nested)."""
    errors = []
    base = _without_scenarios(cfg.raw)
    for i, sc in enumerate(cfg.scenarios):
        try:
            with warnings.catch_warnings():
                warnings.simplefilter("ignore", ConfigWarning)  # said when the scenario itself is run
                load_config(apply_overrides(base, sc.set))
        except ConfigError as err:
            errors += [f"scenarios[{i}]: {e}" for e in err.errors]
    return errors



def scenario_config(cfg: Config, name: str) -> Config:
    """The config of a named scenario (the config itself for ``"base"``); ConfigError for an unknown name."""
    if name == BASE:
        return cfg
    for sc in cfg.scenarios:
        if sc.name == name:
            return load_config(apply_overrides(_without_scenarios(cfg.raw), sc.set))
    raise ConfigError([f"no scenario named {name!r} (scenarios: {', '.join(s.name for s in cfg.scenarios) or 'none'})"])


def status_quo(cfg: Config) -> Config:
    """The same councils and workforce with no programme: no reviews, no joint management (docs/model.md, section 4).

    ``order = []`` alone means the same (the model runs no joint management without reviews); the table
    is dropped too so that the config recorded with the results says so.
    """
    raw = copy.deepcopy(cfg.raw)
    raw["programme"]["order"] = []
    raw["programme"].pop("joint_management", None)
    raw.pop("scenarios", None)
    return load_config(raw)
