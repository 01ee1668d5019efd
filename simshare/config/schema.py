"""The config schema: pydantic models of every key, with the domain of each value.

A config is validated once into frozen objects (:class:`Config`).  Numeric keys take a
plain number or a distribution table (:mod:`simshare.distributions`); each key's domain
(a rate, a probability, money, months, a whole number) is checked, and a distribution
whose support leaves the domain is refused.
"""

from __future__ import annotations

import datetime as dt
import math
from dataclasses import dataclass
from typing import Annotated, Any, Mapping, Optional, Union, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr

from ..distributions import Dist, DistError, parse_dist



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


def got(value: Any) -> str:
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
            raise ValueError(f"must be {domain.describe()} or a distribution table, got {got(value)}")
        if not math.isfinite(value):
            raise ValueError(f"must be {domain.describe()}, got {got(value)}")
        if domain.integer and not float(value).is_integer():
            raise ValueError(f"must be {domain.describe()}, got {got(value)}")
        if not domain.admits(value, value):
            raise ValueError(f"must be {domain.describe()}, got {got(value)}")
        return int(value) if domain.integer else float(value)

    parse.domain = domain  # type: ignore[attr-defined]  # read by domain_of (risk drivers)
    return BeforeValidator(parse)


def _whole(minimum: int, what: str):
    def parse(value: Any) -> int:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not float(value).is_integer() or value < minimum:
            raise ValueError(f"must be {what}, got {got(value)}")
        return int(value)

    return BeforeValidator(parse)


def _plain_number(domain: Domain):
    def parse(value: Any) -> float:
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value) or not domain.admits(value, value):
            raise ValueError(f"must be {domain.describe()}, got {got(value)}")
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
    raise ValueError(f"must be a date like 2012-10-01, got {got(value)}")


def _bool(value: Any) -> bool:
    if isinstance(value, bool):
        return value
    raise ValueError(f"must be true or false, got {got(value)}")


Date = Annotated[dt.date, BeforeValidator(_date)]
Flag = Annotated[bool, BeforeValidator(_bool)]
Name = Annotated[str, Field(min_length=1)]

#: keys whose value is drawn afresh each time the thing happens (DESIGN §1.1)
OCCURRENCE_KEYS = {
    "programme": ("rework_months", "team_replacement_months"),
    "councils": ("recruitment_months", "specialist_recruitment_months", "vacancy_hold_months", "approval_months"),
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
    dissolution_annual: Rate = 0.0
    unwind_months: Months = 0.0
    savings_retained: Fraction = 0.0
    dissolution_cost: Money = 0.0


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
    vacancy_hold_months: Duration = 0.0
    approval_months: Duration = 0.0


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
    recruitment_freeze: Flag = False
    after: list[Name] = []


class Correlation(_Model):
    """A rank correlation between two replication parameters, by dotted path."""

    between: Annotated[list[Name], Field(min_length=2, max_length=2)]
    rho: Annotated[float, _plain_number(Domain("a rank correlation in [-1, 1]", lo=-1, hi=1))]


class Scenario(_Model):
    """An alternative to the base: dotted-path overrides compared under common random numbers."""

    name: Name
    set: dict[str, Any]
    description: str = ""


class Driver(_Model):
    """A risk driver (common cause): a replication parameter multiplying every parameter it names."""

    name: Name
    factor: Multiplier
    applies_to: Annotated[list[Name], Field(min_length=1)]
    description: str = ""


class Config(_Model):
    """A validated programme. ``raw`` keeps the input tables, from which overrides re-validate."""

    programme: Programme
    councils: Annotated[list[Council], Field(min_length=1)]
    services: Annotated[list[Service], Field(min_length=1)]
    correlations: list[Correlation] = []
    scenarios: list[Scenario] = []
    raw: dict = Field(default_factory=dict, exclude=True, repr=False)
    drivers: list[Driver] = []
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


def domain_of(model: type[BaseModel], key: str) -> Domain | None:
    """The domain of a numeric parameter key of a schema class; None for keys that are not parameters
    (names, flags, lists, tables, plain numbers such as ``horizon_months``)."""
    field = model.model_fields.get(key)
    if field is None:
        return None
    found = [field.metadata]
    args = list(get_args(field.annotation))
    while args:
        arg = args.pop()
        found.append(getattr(arg, "__metadata__", ()))
        args.extend(get_args(arg))
    for metadata in found:
        for item in metadata:
            domain = getattr(getattr(item, "func", None), "domain", None)
            if isinstance(domain, Domain):
                return domain
    return None

