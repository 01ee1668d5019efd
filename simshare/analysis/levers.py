"""The levers ``simshare optimise`` searches: their ranges, a candidate's overrides, and their words.

A candidate is a set of dotted-path overrides of the config (``programme.order``,
``programme.review_teams``, ``programme.support_capacity``, ``programme.approvals_per_meeting``,
``services.NAME.earliest_start_month``). The phasing order is searched as one priority key per service
in [0, 1]: the services go in order of their keys, ties in the plan's order, so that every order can be
reached and nearby keys give nearby orders.
"""

from __future__ import annotations

import math
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import tomli_w

from ..config import Config, ConfigError
from ..config.schema import LEVERS, lever_range
from ..distributions import Dist

#: the levers searched when none are named
DEFAULT_LEVERS = ("programme.order", "programme.review_teams", "programme.support_capacity")
ORDER, START = "programme.order", "services.*.earliest_start_month"
#: the default latest start month searched for ``services.*.earliest_start_month``
DEFAULT_LATEST_START = 24
_NUMBER_WORDS = ["no", "one", "two", "three", "four", "five", "six", "seven", "eight", "nine", "ten"]


def plan_value(cfg: Config, path: str) -> Any:
    """The plan's own value of a lever: a number, the phasing order (a list), None for no cap, or a
    distribution when the config leaves it uncertain."""
    if path == ORDER:
        return cfg.order
    return getattr(cfg.programme, path.split(".")[1])


def _typical(value: Any) -> float | None:
    if isinstance(value, Dist):  # the largest value it can take
        high = value.support()[1]
        return high if math.isfinite(high) else None
    return None if value is None else float(value)


def default_range(cfg: Config, path: str) -> tuple[float, float]:
    """The range searched when none is given: 1 to twice the plan's value (at least 2; for an uncertain
    value twice its largest) for capacities;
    1 to the number of services for the cap per meeting; 0 to 24 months for start months."""
    if path == START:
        return 0.0, float(DEFAULT_LATEST_START)
    if path == "programme.approvals_per_meeting":
        return 1.0, float(max(len(cfg.order), 1))
    typical = _typical(plan_value(cfg, path)) or 1.0
    return 1.0, float(max(2, math.ceil(2 * typical)))


@dataclass(frozen=True)
class Space:
    """The levers searched and each one's range (``None`` for the order)."""

    levers: tuple[str, ...]
    ranges: Mapping[str, tuple[float, float] | None]
    services: tuple[str, ...]  # the programme's services, in the plan's order

    def suggest(self, trial: Any) -> dict[str, Any]:
        """An optuna trial's candidate, as overrides."""
        out: dict[str, Any] = {}
        for path in self.levers:
            if path == ORDER:
                keys = [trial.suggest_float(f"order.{s}", 0.0, 1.0) for s in self.services]
                ranked = sorted(range(len(self.services)), key=lambda i: (keys[i], i))
                out[ORDER] = [self.services[i] for i in ranked]
            elif path == START:
                low, high = self.ranges[path]
                for s in self.services:
                    out[f"services.{s}.earliest_start_month"] = trial.suggest_int(
                        f"start.{s}", int(math.floor(low)), int(math.floor(high)))
            else:
                low, high = self.ranges[path]
                out[path] = trial.suggest_int(path, int(low), int(high))
        return out

    def plan_params(self, cfg: Config) -> dict[str, Any]:
        """The optuna parameters of the plan's own levers, where the plan's value lies in the space
        (an uncertain or out-of-range value is left for the sampler)."""
        params: dict[str, Any] = {}
        n = len(self.services)
        for path in self.levers:
            if path == ORDER:
                params.update({f"order.{s}": (i + 0.5) / n for i, s in enumerate(self.services)})
            elif path == START:
                low, high = self.ranges[path]
                for s in self.services:
                    v = cfg.service(s).earliest_start_month
                    if not isinstance(v, Dist) and low <= v <= high and float(v).is_integer():
                        params[f"start.{s}"] = int(v)
            else:
                v = plan_value(cfg, path)
                low, high = self.ranges[path]
                if v is not None and not isinstance(v, Dist) and low <= v <= high:
                    params[path] = int(v)
        return params


def lever_space(cfg: Config, levers: Sequence[str] | None = None,
                ranges: Mapping[str, Sequence[float]] | None = None) -> Space:
    """The search space: ``levers`` (else the config's ``[optimise] levers``, else :data:`DEFAULT_LEVERS`)
    with ``ranges`` (else the config's ``[optimise] ranges``, else :func:`default_range`).

    ConfigError naming the problem: an unknown lever, a range for a lever not searched or that takes
    none, an empty range, a config with fewer than two services in its programme and the order asked for.
    """
    spec = cfg.optimise
    chosen = list(levers) if levers else list(spec.levers if spec and spec.levers else DEFAULT_LEVERS)
    if not levers and not (spec and spec.levers) and len(cfg.order) < 2:
        chosen.remove(ORDER)  # the defaults: with fewer than two services there is no order to choose
    errors = [f"--levers: unknown lever {p!r} (levers: {', '.join(LEVERS)})" for p in chosen if p not in LEVERS]
    given = dict(spec.ranges if spec else {})
    given.update(ranges or {})
    out: dict[str, tuple[float, float] | None] = {}
    for path, r in given.items():
        try:
            lever_range(path, r)
        except ValueError as err:
            errors.append(f"--range {err}")
            continue
        if path not in chosen:
            errors.append(f"--range {path}: a range for a lever not searched (levers: {', '.join(chosen)})")
    services = tuple(cfg.order)
    if ORDER in chosen and len(services) < 2:
        errors.append(f"--levers {ORDER}: the programme has {len(services)} service(s); there is no order to choose")
    if errors:
        raise ConfigError(errors)
    for path in dict.fromkeys(chosen):
        out[path] = None if LEVERS[path] is None else (
            tuple(float(v) for v in given[path]) if path in given else default_range(cfg, path))
    return Space(tuple(out), out, services)


# --------------------------------------------------------------------------- words and TOML


def _count(n: int) -> str:
    return _NUMBER_WORDS[n] if 0 <= n < len(_NUMBER_WORDS) else str(n)


def _names(names: Sequence[str]) -> str:
    names = list(names)
    return names[0] if len(names) == 1 else ", ".join(names[:-1]) + " and " + names[-1]


def describe(levers: Mapping[str, Any], plan: Config) -> str:
    """The changes a candidate makes to the plan, in the board's words: "Starting ICT and Revenues and
    Benefits first with three review teams"; "" when it changes nothing."""
    parts, withs = [], []
    order = levers.get(ORDER)
    if order is not None and list(order) != list(plan.order):
        first = 0
        while first < len(order) and order[first] == plan.order[first]:
            first += 1
        moved = list(order[: max(first + 1, 1)])
        lead = [s for s in order[:2] if s not in plan.order[:2]] or moved[-1:]
        parts.append(f"starting {_names(lead)} first" if order[0] in lead else f"taking {_names(lead)} earlier")
    words = {"programme.review_teams": ("review team", "review teams"),
             "programme.support_capacity": ("implementation slot", "implementation slots"),
             "programme.approvals_per_meeting": ("approval a meeting at most", "approvals a meeting at most")}
    for path, (one, many) in words.items():
        if path in levers and levers[path] != plan_value(plan, path):
            n = int(levers[path])
            withs.append(f"{_count(n)} {one if n == 1 else many}")
    if withs:
        parts.append(f"with {_names(withs)}")
    later = [p.split(".")[1] for p, v in levers.items()
             if p.endswith(".earliest_start_month") and v != plan.service(p.split(".")[1]).earliest_start_month]
    if later:
        parts.append(f"moving the start of {_names(later)}")
    if not parts:
        return ""
    text = " ".join(parts) if parts[0].startswith(("starting", "taking")) else "Running the programme " + " ".join(parts)
    return text[0].upper() + text[1:]


def short_levers(levers: Mapping[str, Any], width: int = 60) -> str:
    """A candidate's levers in one table cell: ``order Licensing → ICT → … ; review_teams 3``."""
    cells = []
    for path, value in levers.items():
        key = path.split(".")[-1] if not path.endswith("earliest_start_month") else f"start {path.split('.')[1]}"
        if isinstance(value, list):
            text = " → ".join(value)
            cells.append(f"order {text if len(text) <= width else text[: width - 1] + '…'}")
        else:
            cells.append(f"{key} {value}")
    return "; ".join(cells)


def scenario_toml(levers: Mapping[str, Any], name: str = "optimised", description: str = "") -> str:
    """A ready ``[[scenarios]]`` entry setting ``levers`` (to paste into the config)."""
    entry: dict[str, Any] = {"name": name}
    if description:
        entry["description"] = description
    entry["set"] = dict(levers)
    return tomli_w.dumps({"scenarios": [entry]})


__all__ = ["Space", "lever_space", "plan_value", "default_range", "describe", "short_levers", "scenario_toml",
           "DEFAULT_LEVERS", "ORDER", "START"]
