"""Programme configuration: the TOML schema, loading with plain error messages, dotted-path overrides.

A config is validated once into frozen objects (:class:`Config`).  Every error names the
key path, as in ``services[2].posts.Chiltern: must be a whole number ≥ 0, got -3``, and
all errors are reported together.  Unknown keys are errors.
"""

from __future__ import annotations

import copy
import datetime as dt
import math
import tomllib
from dataclasses import dataclass
from pathlib import Path
from typing import Annotated, Any, Iterable, Mapping, Optional, Union

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr, ValidationError

from .distributions import Dist, DistError, parse_dist


class ConfigError(ValueError):
    """A config (or an override of one) that cannot be used. ``errors`` lists one line per problem."""

    def __init__(self, errors: Iterable[str], source: str | None = None):
        self.errors = list(errors)
        self.source = source
        head = f"{source}: " if source else ""
        super().__init__(head + "invalid config\n" + "\n".join(f"  {e}" for e in self.errors))


# --------------------------------------------------------------------------- parameter types


@dataclass(frozen=True)
class Domain:
    """What values a numeric key may take; ``occurrence`` keys may nest distributions."""

    what: str
    lo: float = -math.inf
    hi: float = math.inf
    lo_open: bool = False
    integer: bool = False
    occurrence: bool = False

    def describe(self) -> str:
        return self.what

    def admits(self, lo: float, hi: float) -> bool:
        below = lo <= self.lo if self.lo_open else lo < self.lo
        return not below and hi <= self.hi


def _got(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _param(domain: Domain):
    """A pydantic before-validator turning a number or distribution table into a checked Param."""

    def parse(value: Any):
        if isinstance(value, Dist):
            return value
        if isinstance(value, Mapping):
            try:
                d = parse_dist(value, allow_nested=domain.occurrence)
            except DistError as err:
                raise ValueError(str(err)) from None
            if d.family == "fixed":
                value = d.get("value")
            else:
                lo, hi = d.support()
                if not domain.admits(lo, hi):
                    raise ValueError(
                        f"must be {domain.describe()}, but this {d.family} distribution "
                        f"can take values from {lo:g} to {hi:g}"
                        + (" (give it 'min' and 'max')" if d.family == "normal" else "")
                    )
                if domain.integer:
                    if d.family != "discrete" or any(not float(v).is_integer() for v in d.get("values")):
                        raise ValueError(f"must be {domain.describe()}: use a whole number or a discrete distribution of whole numbers")
                return d
        if isinstance(value, bool) or not isinstance(value, (int, float)):
            raise ValueError(f"must be {domain.describe()} or a distribution table, got {_got(value)}")
        if not math.isfinite(value):
            raise ValueError(f"must be {domain.describe()}, got {_got(value)}")
        if domain.integer and not float(value).is_integer():
            raise ValueError(f"must be {domain.describe()}, got {_got(value)}")
        if not domain.admits(value, value):
            raise ValueError(f"must be {domain.describe()}, got {_got(value)}")
        return int(value) if domain.integer else float(value)

    return BeforeValidator(parse)


def _whole(minimum: int, what: str):
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer() or value < minimum:
            raise ValueError(f"must be {what}, got {_got(value)}")
        return int(value)

    return BeforeValidator(parse)


def _plain_number(domain: Domain):
    def parse(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not domain.admits(value, value):
            raise ValueError(f"must be {domain.describe()}, got {_got(value)}")
        return float(value)

    return BeforeValidator(parse)


Param = Union[float, int, Dist]
_RATE = Domain("a rate per year ≥ 0", lo=0)
_PROB = Domain("a probability in [0, 1]", lo=0, hi=1)
_FRACTION = Domain("a fraction in [0, 1]", lo=0, hi=1)
_MONEY = Domain("an amount of money ≥ 0", lo=0)
_MONTHS = Domain("a number of months ≥ 0", lo=0)
_DURATION = Domain("a duration in months ≥ 0", lo=0, occurrence=True)
_POSITIVE_MONTHS = Domain("a number of months > 0", lo=0, lo_open=True)
_MULTIPLIER = Domain("a multiplier ≥ 0", lo=0)
_COUNT = Domain("a whole number ≥ 1", lo=1, integer=True)
_DISCOUNT = Domain("a discount rate per year in [0, 1)", lo=0, hi=0.999999)

Rate = Annotated[Param, _param(_RATE)]
Probability = Annotated[Param, _param(_PROB)]
Fraction = Annotated[Param, _param(_FRACTION)]
Money = Annotated[Param, _param(_MONEY)]
Months = Annotated[Param, _param(_MONTHS)]
Duration = Annotated[Param, _param(_DURATION)]
PositiveMonths = Annotated[Param, _param(_POSITIVE_MONTHS)]
Multiplier = Annotated[Param, _param(_MULTIPLIER)]
Count = Annotated[Param, _param(_COUNT)]
DiscountRate = Annotated[Param, _param(_DISCOUNT)]
Posts = Annotated[int, _whole(0, "a whole number ≥ 0")]


def _date(value: Any) -> dt.date:
    if isinstance(value, dt.date) and not isinstance(value, dt.datetime):
        return value
    if isinstance(value, str):
        try:
            return dt.date.fromisoformat(value)
        except ValueError:
            pass
    raise ValueError(f"must be a date like 2012-10-01, got {_got(value)}")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(f"must be true or false, got {_got(value)}")


Date = Annotated[dt.date, BeforeValidator(_date)]
Flag = Annotated[bool, BeforeValidator(_bool)]
Name = Annotated[str, Field(min_length=1)]

#: keys whose value is drawn afresh each time the thing happens (DESIGN §1.1)
OCCURRENCE_KEYS = {
    "programme": ("rework_months", "team_replacement_months"),
    "councils": ("recruitment_months", "specialist_recruitment_months"),
    "services": ("review_months", "consultation_months", "implementation_months"),
}
#: integer-valued replication parameters
INTEGER_KEYS = ("review_teams", "support_capacity", "frontline_limit", "approvals_per_meeting")


class _Model(BaseModel):
    model_config = ConfigDict(extra="forbid", frozen=True, arbitrary_types_allowed=True)


class JointManagement(_Model):
    """Shared senior management: a saving that ramps up, and a one-off cost at its start."""

    saving_per_year: Money
    start_month: Months = 0.0
    ramp_months: Months = 0.0
    one_off_cost: Money = 0.0


class Programme(_Model):
    """Programme-wide settings: calendar, capacities, governance, team, finance."""

    name: Name
    start: Date
    horizon_months: Annotated[int, _whole(1, "a whole number of months ≥ 1")]
    review_teams: Count = 1
    support_capacity: Count = 1
    frontline_limit: Count = 1
    committee_first_month: Months = 0.0
    committee_interval_months: PositiveMonths = 1.0
    approvals_per_meeting: Optional[Count] = None
    approval_probability: Probability = 1.0
    rework_months: Duration = 0.0
    team_turnover_annual: Rate = 0.0
    team_replacement_months: Duration = 0.0
    team_cost_per_month: Money = 0.0
    change_turnover_multiplier: Multiplier = 1.0
    change_settle_months: Months = 0.0
    shared_turnover_multiplier: Multiplier = 1.0
    safe_staffing: Fraction = 0.85
    discount_rate: DiscountRate = 0.035
    order: Optional[list[Name]] = None
    savings_target: Optional[Annotated[float, _plain_number(_MONEY)]] = None
    target_month: Optional[Annotated[float, _plain_number(_MONTHS)]] = None
    joint_management: Optional[JointManagement] = None


class Council(_Model):
    """One council's workforce: leaving, recruitment, agency cover."""

    name: Name
    turnover_annual: Rate
    recruitment_months: Duration
    recruitment_failure: Probability = 0.0
    specialist_recruitment_months: Optional[Duration] = None
    specialist_recruitment_failure: Optional[Probability] = None
    agency_cover: Probability = 0.0
    agency_start_months: Months = 0.0
    agency_premium: Multiplier = 0.6
    initial_vacancy_rate: Probability = 0.0


class Service(_Model):
    """A service as it exists in some councils, and its path through the programme."""

    name: Name
    frontline: Flag = False
    budget: dict[Name, Money]
    posts: dict[Name, Posts]
    specialists: dict[Name, Posts] = {}
    staff_cost_share: Fraction = 0.75
    salary: Optional[Money] = None
    earliest_start_month: Months = 0.0
    review_months: Duration
    consultation_months: Duration = 0.0
    implementation_months: Duration
    implementation_disruption: Fraction = 0.0
    savings_fraction: Fraction
    post_reduction_fraction: Fraction = 0.0
    attrition_window_months: Months = 12.0
    redundancy_cost: Money = 23_000.0
    one_off_cost: Money = 0.0
    ramp_months: Months = 0.0


class Correlation(_Model):
    """A rank correlation between two replication parameters, by dotted path."""

    between: Annotated[list[Name], Field(min_length=2, max_length=2)]
    rho: Annotated[float, _plain_number(Domain("a rank correlation in [-1, 1]", lo=-1, hi=1))]


class Scenario(_Model):
    """An alternative to the base: dotted-path overrides compared under common random numbers."""

    name: Name
    set: dict[str, Any]
    description: str = ""


class Config(_Model):
    """A validated programme. ``raw`` keeps the input tables, from which overrides re-validate."""

    programme: Programme
    councils: Annotated[list[Council], Field(min_length=1)]
    services: Annotated[list[Service], Field(min_length=1)]
    correlations: list[Correlation] = []
    scenarios: list[Scenario] = []
    raw: dict = Field(default_factory=dict, exclude=True, repr=False)
    _derived: dict = PrivateAttr(default_factory=dict)  # things computed once from the config (it is frozen)

    def derived(self, key: str, make):
        """A value computed once from this (frozen) config, e.g. its list of replication parameters."""
        if key not in self._derived:
            self._derived[key] = make(self)
        return self._derived[key]

    @property
    def council_names(self) -> list[str]:
        return [c.name for c in self.councils]

    @property
    def service_names(self) -> list[str]:
        return [s.name for s in self.services]

    @property
    def order(self) -> list[str]:
        """Services in phasing order (DESIGN §1.4: default every service, in config order)."""
        return list(self.service_names if self.programme.order is None else self.programme.order)

    def council(self, name: str) -> Council:
        return next(c for c in self.councils if c.name == name)

    def service(self, name: str) -> Service:
        return next(s for s in self.services if s.name == name)

    def with_overrides(self, overrides: Mapping[str, Any]) -> "Config":
        """A new config with dotted-path overrides applied and validated."""
        return load_config(apply_overrides(self.raw, overrides))

    def scenario_config(self, name: str) -> "Config":
        """The config of a named scenario (the base for ``"base"``)."""
        if name == "base":
            return self
        for sc in self.scenarios:
            if sc.name == name:
                return load_config(apply_overrides(_without_scenarios(self.raw), sc.set))
        raise ConfigError([f"no scenario named {name!r} (scenarios: {', '.join(s.name for s in self.scenarios) or 'none'})"])


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
                         f"{'–' + str(e['ctx'].get('max_length')) if e['ctx'].get('max_length') else ' or more'}), got {_got(e['input'])}")
        else:
            lines.append(f"{loc}: {msg}, got {_got(e['input'])}")
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
    for label in ("councils", "services", "scenarios"):
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
    target, horizon = programme.get("target_month"), programme.get("horizon_months")
    if all(isinstance(x, (int, float)) and not isinstance(x, bool) for x in (target, horizon)) and target > horizon:
        errors.append(f"programme.target_month: must be within the horizon ({horizon}), got {target:g}")
    return errors


def _check_correlations(cfg: Config) -> list[str]:
    from .distributions import copula_factor
    from .model.parameters import replication_parameters

    if not cfg.correlations:
        return []
    paths = {p.path: p for p in replication_parameters(cfg)}
    errors = []
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
    if errors:
        return errors
    try:
        from .model.parameters import correlation_matrix

        _, matrix = correlation_matrix(cfg)
        copula_factor(matrix)
    except (DistError, ValueError) as err:
        errors.append(f"correlations: {err}")
    return errors


def _read_toml(path: Path) -> dict:
    try:
        text = path.read_text(encoding="utf-8")
    except FileNotFoundError:
        raise ConfigError([f"no such file: {path}"]) from None
    except IsADirectoryError:
        raise ConfigError([f"{path} is a folder, not a config file"]) from None
    except (OSError, UnicodeDecodeError) as err:
        raise ConfigError([f"cannot read {path}: {err}"]) from None
    try:
        return tomllib.loads(text)
    except tomllib.TOMLDecodeError as err:
        raise ConfigError([f"TOML syntax error: {err}"], source=str(path)) from None


def load_config(source: Union[str, Path, Mapping[str, Any], Config], overrides: Mapping[str, Any] | None = None) -> Config:
    """Load and validate a config from a TOML file path or a dict; raise ConfigError listing every problem."""
    if isinstance(source, Config):
        return source.with_overrides(overrides) if overrides else source
    label = None
    if isinstance(source, (str, Path)):
        label = str(source)
        raw = _read_toml(Path(source))
    elif isinstance(source, Mapping):
        raw = copy.deepcopy(dict(source))
    else:
        raise ConfigError([f"a config must be a path or a table, got {type(source).__name__}"])
    if overrides:
        raw = apply_overrides(raw, overrides)
    if "raw" in raw:
        raise ConfigError(["raw: unknown key (not part of the config; check the spelling)"], source=label)
    cross = _cross_check(raw)
    try:
        cfg = Config.model_validate({**raw, "raw": raw})
    except ValidationError as err:
        raise ConfigError(_pydantic_errors(err) + cross, source=label) from None
    errors = cross or (_check_correlations(cfg) + _check_scenarios(cfg))
    if errors:
        raise ConfigError(errors, source=label)
    return cfg


def _without_scenarios(raw: Mapping[str, Any]) -> dict:
    return {k: v for k, v in raw.items() if k != "scenarios"}


def _check_scenarios(cfg: Config) -> list[str]:
    """Each scenario's overrides must give a valid config (scenarios are not nested)."""
    errors = []
    base = _without_scenarios(cfg.raw)
    for i, sc in enumerate(cfg.scenarios):
        try:
            load_config(apply_overrides(base, sc.set))
        except ConfigError as err:
            errors += [f"scenarios[{i}] ({sc.name}): {e}" for e in err.errors]
    return errors


# --------------------------------------------------------------------------- dotted-path overrides

_SECTIONS = {"programme": Programme, "councils": Council, "services": Service}
_TABLE_KEYS = ("budget", "posts", "specialists")


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
    raise ConfigError(
        [f"{path}: {key} is {'a number' if not isinstance(current, dict) else 'not a distribution table'} "
         f"here, so it has no parameter {'.'.join(rest)!r}"]
    )


def apply_overrides(raw: Mapping[str, Any], overrides: Mapping[str, Any]) -> dict:
    """Apply ``{dotted.path: value}`` to a copy of the raw config tables.

    Paths: ``programme.review_teams``, ``programme.joint_management.saving_per_year``,
    ``councils.NAME.key``, ``services.NAME.key``, ``services.NAME.posts.COUNCIL``,
    ``services.*.key`` (every service) and ``...key.PARAM`` for a parameter of a
    distribution table (``services.Planning.review_months.mean``).
    """
    out = copy.deepcopy(dict(raw))
    out.pop("raw", None)
    for path, value in overrides.items():
        parts = str(path).split(".")
        section = parts[0]
        if section not in _SECTIONS or len(parts) < 2:
            raise ConfigError([f"{path}: unknown parameter path (it must start with programme., councils. or services.)"])
        if section == "programme":
            _set_in(out.setdefault("programme", {}), parts[1:], value, Programme, path)
            continue
        items = out.get(section)
        if not isinstance(items, list):
            raise ConfigError([f"{path}: the config has no [[{section}]] tables"])
        targets, rest = _match_name(items, parts[1:], section, path)
        if not rest:
            raise ConfigError([f"{path}: name a key after the {section[:-1]}, e.g. {section}.NAME.key"])
        for item in targets:
            _set_in(item, rest, value, _SECTIONS[section], path)
    return out
