"""Risk drivers (common causes): which parameters each ``[[drivers]]`` entry multiplies.

A driver names parameters by dotted path, ``*`` matching any run of characters:
``services.*.implementation_months``, ``councils.*.approval_months``, ``services.ICT.one_off_cost``,
``services.*.budget`` (every council's budget of every service). A path names a numeric parameter of
the config: a programme, joint-management, council or service key that takes a number or a
distribution table and has a value (not ``horizon_months``, ``savings_target``, ``target_month``, post
counts, names or flags; not a key left unset, such as ``salary`` or a specialist key that follows the
ordinary one). Each drawn occurrence, or the replication value, of a named parameter is multiplied by the
driver's factor (by the product of the factors when several drivers name it).
"""

from __future__ import annotations

import re
from typing import Iterator

from ..distributions import bounds
from .schema import Config, Council, Domain, JointManagement, Programme, Service, domain_of

#: tables of a service whose entries (one per council) are parameters a driver may multiply
TABLE_KEYS = ("budget",)


def targets(cfg: Config) -> Iterator[tuple[str, str, Domain]]:
    """(path, the path a pattern may also name it by, domain) of every parameter a driver may multiply."""
    prog = cfg.programme
    for key in Programme.model_fields:
        domain = domain_of(Programme, key)
        if domain is not None and getattr(prog, key) is not None:
            yield f"programme.{key}", f"programme.{key}", domain
    if prog.joint_management is not None:
        for key in JointManagement.model_fields:
            domain = domain_of(JointManagement, key)
            if domain is not None:
                yield f"programme.joint_management.{key}", f"programme.joint_management.{key}", domain
    for c in cfg.councils:
        for key in Council.model_fields:
            domain = domain_of(Council, key)
            if domain is not None and getattr(c, key) is not None:
                yield f"councils.{c.name}.{key}", f"councils.{c.name}.{key}", domain
    for s in cfg.services:
        for key in Service.model_fields:
            domain = domain_of(Service, key)
            if domain is None or getattr(s, key) is None:
                continue
            if key in TABLE_KEYS:
                for council in getattr(s, key):
                    yield f"services.{s.name}.{key}.{council}", f"services.{s.name}.{key}", domain
            else:
                yield f"services.{s.name}.{key}", f"services.{s.name}.{key}", domain


def _pattern(path: str) -> re.Pattern:
    """A dotted path with ``*`` (any run of characters) as a regular expression."""
    return re.compile(".*".join(re.escape(part) for part in path.split("*")) + r"\Z", re.DOTALL)


def driver_factors(cfg: Config) -> dict[str, list[int]]:
    """Each multiplied parameter's path and the indices of the drivers that name it (config order)."""
    return cfg.derived("driver_factors", _driver_factors)


def _driver_factors(cfg: Config) -> dict[str, list[int]]:
    out: dict[str, list[int]] = {}
    if not cfg.drivers:
        return out
    known = list(targets(cfg))
    for i, driver in enumerate(cfg.drivers):
        hits: set[str] = set()
        for path in driver.applies_to:
            rx = _pattern(path)
            hits.update(t for t, table, _ in known if rx.match(t) or rx.match(table))
        for t, _, _ in known:
            if t in hits:
                out.setdefault(t, []).append(i)
    return out


def check_drivers(cfg: Config) -> list[str]:
    """Errors for driver paths that name no parameter of the config, each naming the driver and the path."""
    if not cfg.drivers:
        return []
    known = list(targets(cfg))
    errors = []
    for i, driver in enumerate(cfg.drivers):
        for j, path in enumerate(driver.applies_to):
            rx = _pattern(path)
            if not any(rx.match(t) or rx.match(table) for t, table, _ in known):
                errors.append(
                    f"drivers[{i}].applies_to[{j}]: {path!r} names no parameter of this config (driver "
                    f"{driver.name!r}); a path names a numeric key, e.g. 'services.*.implementation_months', "
                    "'councils.NAME.approval_months', 'programme.rework_months' or 'services.NAME.budget'"
                )
    factors = driver_factors(cfg)
    domains = {t: domain for t, _, domain in known}
    for path, drivers in factors.items():
        domain = domains[path]
        if not domain.lo_open:
            continue
        for i in drivers:
            lowest = bounds(cfg.drivers[i].factor)[0]
            if lowest <= 0:
                errors.append(
                    f"drivers[{i}].factor: can be {lowest:g}, and driver {cfg.drivers[i].name!r} multiplies {path}, "
                    f"which must stay above 0 ({domain.what}); give the factor a minimum above 0 or leave "
                    "that key out of applies_to"
                )
                break
    return errors


__all__ = ["TABLE_KEYS", "targets", "driver_factors", "check_drivers"]
