"""What the test modules share: the repository's paths, one builder for small configs, one
replication of a config, the command line in a subprocess, and a run that several modules read.

Constants and builders are imported (pytest puts this folder on ``sys.path``)::

    from conftest import CONFIGS, council, service, small_config

and fixtures (``simshare_cli``, ``planning_scenarios``) are requested by name as usual.

The builder
-----------
``small_config()`` returns the raw tables (a dict, as ``tomllib`` would give) of the small base
config: a 24-month programme from October 2012 in which councils North and South share one
service, Svc, where nobody leaves and every duration is fixed, so one replication is fully
determined. Everything not written here takes the schema's default (one review team, one
implementation slot, a committee every month from month 0 that approves every case, a 3.5 %
discount rate, no joint management; docs/model.md).

Each test module asks for its variant with keyword arguments: ``services`` and ``councils`` replace
the tables (built with :func:`service` and :func:`council`, whose keywords add or replace keys),
other keywords set ``[programme]`` keys, and ``overrides`` sets dotted paths last
(``"services.Planning.review_months"``, ``"councils.*.turnover_annual"``,
``"councils.Chiltern.recruitment_months.mean"``). :data:`TWO_SERVICES` holds the keywords of the
variant with uncertain inputs that the config-validation, override and correlation tests edit.
"""

from __future__ import annotations

import copy
import datetime as dt
import json
import re
import subprocess
import sys
from collections.abc import Mapping, Sequence
from pathlib import Path
from typing import Any

import numpy as np
import pytest
import xarray as xr

import simshare
from simshare.model.outputs import Record
from simshare.model.replication import run_replication

# --------------------------------------------------------------------------- paths

ROOT = Path(__file__).resolve().parents[1]
CONFIGS = ROOT / "configs"
MINIMAL = CONFIGS / "minimal.toml"
CSB = CONFIGS / "chiltern_south_bucks.toml"
SHARED_PLANNING = CONFIGS / "shared_planning.toml"


# --------------------------------------------------------------------------- the small config builder


def council(name: str, **keys: Any) -> dict:
    """A ``[[councils]]`` table in which nobody leaves and a recruitment campaign takes 3 months;
    ``keys`` add or replace keys."""
    return {"name": name, "turnover_annual": 0, "recruitment_months": 3, **keys}


def service(name: str = "Svc", *, review: Any = 2, implementation: Any = 4, consultation: Any = None,
            **keys: Any) -> dict:
    """A ``[[services]]`` table shared by North and South: combined budget £1.6m (North £1.0m +
    South £0.6m), 20 posts (12 + 8), review 2 months, implementation 4, savings 10 % of the budget.

    ``review``, ``implementation`` and ``consultation`` set ``review_months``,
    ``implementation_months`` and ``consultation_months`` (left at its default, 0, unless given);
    ``keys`` add or replace any key (a service of other councils gives its ``budget`` and ``posts``).
    """
    table = {
        "name": name,
        "budget": {"North": 1_000_000, "South": 600_000},
        "posts": {"North": 12, "South": 8},
        "review_months": review,
    }
    if consultation is not None:
        table["consultation_months"] = consultation
    table["implementation_months"] = implementation
    table["savings_fraction"] = 0.1
    table.update(keys)
    return table


def small_config(
    services: Sequence[Mapping[str, Any]] | None = None,
    *,
    councils: Sequence[Mapping[str, Any]] | None = None,
    horizon: int = 24,
    correlations: Sequence[Mapping[str, Any]] = (),
    scenarios: Sequence[Mapping[str, Any]] = (),
    overrides: Mapping[str, Any] | None = None,
    **programme: Any,
) -> dict:
    """The raw tables of the small base config, changed by the arguments (see the module docstring).

    services: the ``[[services]]`` tables, in phasing order (default: ``[service()]``).
    councils: the ``[[councils]]`` tables (default: ``[council("North"), council("South")]``).
    horizon: ``programme.horizon_months``.
    correlations, scenarios: ``[[correlations]]`` and ``[[scenarios]]`` tables (default: none).
    overrides: ``{dotted.path: value}`` set after everything else; a path naming a council or a
        service that is not there is a test bug and raises ``KeyError``.
    programme: ``[programme]`` keys (``name``, ``start``, ``review_teams``, ``joint_management``, ...).

    Nothing passed in is kept: the result is a fresh copy that a test may change.
    """
    config = {
        "programme": {"name": "small test config", "start": dt.date(2012, 10, 1), "horizon_months": horizon,
                      **programme},
        "councils": list(councils) if councils is not None else [council("North"), council("South")],
        "services": list(services) if services is not None else [service()],
    }
    if correlations:
        config["correlations"] = list(correlations)
    if scenarios:
        config["scenarios"] = list(scenarios)
    config = copy.deepcopy(config)
    for path, value in (overrides or {}).items():
        _set_path(config, path, copy.deepcopy(value))
    return config


def _set_path(config: dict, path: str, value: Any) -> None:
    section, *rest = path.split(".")
    if section == "programme":
        tables = [config["programme"]]
    elif section in ("councils", "services") and len(rest) >= 2:
        name, *rest = rest
        tables = [t for t in config[section] if name in ("*", t["name"])]
        if not tables:
            raise KeyError(f"{path}: the config has no {section[:-1]} named {name!r}")
    else:
        raise KeyError(f"{path}: not a programme., councils.NAME. or services.NAME. path")
    if not rest:
        raise KeyError(f"{path}: names no key")
    *parents, key = rest
    for table in tables:
        for part in parents:
            table = table[part]
        table[key] = copy.deepcopy(value)


#: ``small_config(**TWO_SERVICES)``: Chiltern and South Bucks share Planning (front line, with
#: specialists) and Licensing over five years; turnover, recruitment and the Planning review are
#: uncertain, campaigns can fail, one council buys agency cover, the committee sends some cases back,
#: and joint management saves £660k a year.
TWO_SERVICES: dict[str, Any] = dict(
    services=[
        service("Planning", frontline=True,
                budget={"Chiltern": 2_100_000, "South Bucks": 2_000_000},
                posts={"Chiltern": 30, "South Bucks": 28},
                specialists={"Chiltern": 2, "South Bucks": 1},
                review={"dist": "pert", "min": 4, "mode": 6, "max": 12},
                implementation={"dist": "pert", "min": 6, "mode": 12, "max": 24},
                savings_fraction={"dist": "pert", "min": 0.08, "mode": 0.15, "max": 0.2}),
        service("Licensing",
                budget={"Chiltern": 300_000, "South Bucks": 250_000},
                posts={"Chiltern": 6, "South Bucks": 5},
                review=4,
                implementation={"dist": "triangular", "min": 3, "mode": 4, "max": 8},
                savings_fraction=0.1),
    ],
    councils=[
        council("Chiltern", turnover_annual={"dist": "pert", "min": 0.09, "mode": 0.13, "max": 0.18},
                recruitment_months={"dist": "lognormal", "mean": 2.5, "sd": 1.5}, recruitment_failure=0.15),
        council("South Bucks", turnover_annual=0.12, agency_cover=0.5),
    ],
    horizon=60,
    name="Test programme",
    review_teams=2,
    support_capacity=2,
    approval_probability=0.9,
    rework_months={"dist": "triangular", "min": 1, "mode": 2, "max": 4},
    joint_management={"saving_per_year": 660_000, "ramp_months": 6},
)


def toml_text(config: Mapping[str, Any]) -> str:
    """``config`` as TOML laid out as a person writes one: ``[programme]`` (its plain sub-tables such
    as ``joint_management`` as ``[programme.NAME]`` sections), then one ``[[section]]`` per table of
    each list; distribution tables and every table inside a list item written inline."""
    blocks = []
    for section, value in config.items():
        if isinstance(value, Mapping):
            blocks += _sections(section, value)
        else:
            blocks += [f"[[{section}]]\n" + "".join(f"{_key(k)} = {_value(v)}\n" for k, v in item.items())
                       for item in value]
    return "\n".join(blocks)


def _sections(name: str, table: Mapping[str, Any]) -> list[str]:
    def inline(v: Any) -> bool:
        return not isinstance(v, Mapping) or "dist" in v

    head = f"[{name}]\n" + "".join(f"{_key(k)} = {_value(v)}\n" for k, v in table.items() if inline(v))
    return [head] + [block for k, v in table.items() if not inline(v) for block in _sections(f"{name}.{_key(k)}", v)]


def _key(key: str) -> str:
    return key if re.fullmatch(r"[A-Za-z0-9_-]+", key) else json.dumps(key, ensure_ascii=False)


def _value(v: Any) -> str:
    if isinstance(v, bool):
        return "true" if v else "false"
    if isinstance(v, (int, float)):
        return repr(v)
    if isinstance(v, str):
        return json.dumps(v, ensure_ascii=False)
    if isinstance(v, dt.date):
        return v.isoformat()
    if isinstance(v, Mapping):
        return "{" + ", ".join(f"{_key(k)} = {_value(x)}" for k, x in v.items()) + "}"
    if isinstance(v, (list, tuple)):
        return "[" + ", ".join(_value(x) for x in v) + "]"
    raise TypeError(f"no TOML for {v!r}")


# --------------------------------------------------------------------------- one replication


def run_one(config: Any, seed: int | np.random.SeedSequence = 0) -> Record:
    """The record of one replication of ``config`` (raw tables, a path or a loaded Config) seeded
    ``np.random.SeedSequence(seed)`` (or the given SeedSequence)."""
    ss = seed if isinstance(seed, np.random.SeedSequence) else np.random.SeedSequence(seed)
    return run_replication(simshare.load_config(config), ss)


# --------------------------------------------------------------------------- fixtures


def _run_cli(*args: Any, timeout: float = 120) -> subprocess.CompletedProcess:
    return subprocess.run([sys.executable, "-m", "simshare", *map(str, args)], capture_output=True, text=True,
                          timeout=timeout, cwd=ROOT)


@pytest.fixture(scope="session")
def simshare_cli():
    """``simshare_cli(*args, timeout=120)``: ``python -m simshare ARGS`` run from the repository root in
    a subprocess, as a user runs it; returns the CompletedProcess with stdout and stderr as text."""
    return _run_cli


@pytest.fixture(scope="session")
def planning_scenarios() -> xr.Dataset:
    """configs/shared_planning.toml compared: the base, the config's scenarios and the status quo
    (12 replications, seed 2)."""
    return simshare.compare(SHARED_PLANNING, baseline=True, replications=12, seed=2)
