"""The config schema: pydantic models of every key, with the domain of each value.

A config is validated once into frozen objects (:class:`Config`).  Numeric keys take a
plain number or a distribution table (:mod:`simshare.distributions`); each key's domain
(a rate, a probability, money, months, a whole number; :mod:`.domains`) is checked, and a
distribution whose support leaves the domain is refused.
"""

from __future__ import annotations

import math
from typing import Annotated, Any, Literal, Optional, Union, get_args

from pydantic import AfterValidator, BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr

from .domains import (  # INTEGER_KEYS, OCCURRENCE_KEYS, Domain and got are re-exported
    Count,
    distinct,
    driver_name,
    Date,
    DiscountRate,
    Domain,
    Duration,
    Flag,
    Fraction,
    HorizonMonths,
    INTEGER_KEYS,  # noqa: F401
    Money,
    Months,
    Multiplier,
    Name,
    OCCURRENCE_KEYS,  # noqa: F401
    PositiveMonths,
    Posts,
    Probability,
    Rate,
    MONEY_DOMAIN,
    MONTHS_DOMAIN,
    choice,
    plain_number,
    sharing_rule,
    got,  # noqa: F401
)


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
    horizon_months: HorizonMonths
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
    savings_target: Optional[Annotated[float, plain_number(MONEY_DOMAIN)]] = None
    target_month: Optional[Annotated[float, plain_number(MONTHS_DOMAIN)]] = None
    joint_management: Optional[JointManagement] = None
    dissolution_annual: Rate = 0.0
    unwind_months: Months = 0.0
    savings_retained: Fraction = 0.0
    dissolution_cost: Money = 0.0
    target_scope: Annotated[Literal["services", "total"], BeforeValidator(choice("services", "total"))] = "services"
    cost_sharing: Annotated[Union[str, dict[Name, float]], BeforeValidator(sharing_rule)] = "budget"
    review_team_cost_per_month: Money = 0.0
    support_slot_cost_per_month: Money = 0.0


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
    after: Annotated[list[Name], AfterValidator(distinct)] = []
    realisation: Fraction = 1.0
    pay_harmonisation: Fraction = 0.0
    harmonisation_cost: Money = 0.0


class Correlation(_Model):
    """A rank correlation between two replication parameters, by dotted path."""

    between: Annotated[list[Name], Field(min_length=2, max_length=2)]
    rho: Annotated[float, plain_number(Domain("a rank correlation in [-1, 1]", lo=-1, hi=1))]


class Scenario(_Model):
    """An alternative to the base: dotted-path overrides compared under common random numbers."""

    name: Name
    set: dict[str, Any]
    description: str = ""


class Driver(_Model):
    """A risk driver (common cause): a replication parameter multiplying every parameter it names."""

    name: Annotated[Name, AfterValidator(driver_name)]
    factor: Multiplier
    applies_to: Annotated[list[Name], Field(min_length=1), AfterValidator(distinct)]
    description: str = ""


#: the levers ``simshare optimise`` can search: path -> whether its range is whole numbers (None: no range)
LEVERS: dict[str, Optional[bool]] = {
    "programme.order": None,
    "programme.review_teams": True,
    "programme.support_capacity": True,
    "programme.approvals_per_meeting": True,
    "services.*.earliest_start_month": False,
}
#: the most candidates one search may try
MAX_TRIALS = 10_000


def lever_range(path: str, value: Any) -> tuple[float, float]:
    """A lever's search range ``[low, high]`` checked: a known lever that takes a range, two numbers,
    whole numbers ≥ 1 for capacities and caps, months ≥ 0 for start months, low ≤ high. ValueError
    naming what is wrong."""
    if path not in LEVERS:
        raise ValueError(f"{path}: unknown lever (levers: {', '.join(LEVERS)})")
    if LEVERS[path] is None:
        raise ValueError(f"{path}: takes no range (every order of the programme's services is searched)")
    if (not isinstance(value, (list, tuple)) or len(value) != 2
            or any(isinstance(v, bool) or not isinstance(v, (int, float)) or not math.isfinite(v) for v in value)):
        raise ValueError(f"{path}: a range must be two numbers [low, high], got {got(value)}")
    low, high = float(value[0]), float(value[1])
    if LEVERS[path]:
        if low != int(low) or high != int(high) or low < 1:
            raise ValueError(f"{path}: a range of whole numbers ≥ 1, got {got(value)}")
    elif low < 0:
        raise ValueError(f"{path}: months from the programme start, ≥ 0, got {got(value)}")
    if low > high:
        raise ValueError(f"{path}: the range [{value[0]}, {value[1]}] is empty (low above high)")
    return low, high


def _lever_list(value: Any) -> Any:
    if isinstance(value, list):
        unknown = [v for v in value if v not in LEVERS]
        if unknown:
            raise ValueError(f"unknown lever {unknown[0]!r} (levers: {', '.join(LEVERS)})")
    return value


def _ranges(value: Any) -> Any:
    if isinstance(value, dict):
        for path, r in value.items():
            lever_range(path, r)
    return value


def _trials(value: Any) -> Any:
    if isinstance(value, bool) or not isinstance(value, int) or not 1 <= value <= MAX_TRIALS:
        raise ValueError(f"must be a whole number from 1 to {MAX_TRIALS:,}, got {got(value)}")
    return value


class Optimise(_Model):
    """``[optimise]``: what ``simshare optimise`` searches by default (the command line overrides each key).

    ``levers`` are paths from :data:`LEVERS`; ``ranges`` maps a lever to ``[low, high]``; ``floor`` is a
    resilience floor such as ``"unsafe_months<=3@P90"`` (parsed by the optimiser); ``trials`` the number of
    candidates tried.
    """

    levers: Annotated[Optional[list[str]], BeforeValidator(_lever_list)] = None
    ranges: Annotated[dict[str, Any], BeforeValidator(_ranges)] = {}
    objective: Annotated[Literal["npv", "p_target"], BeforeValidator(choice("npv", "p_target"))] = "npv"
    floor: Optional[str] = None
    trials: Annotated[int, BeforeValidator(_trials)] = 40


class Config(_Model):
    """A validated programme. ``raw`` keeps the input tables, from which overrides re-validate."""

    programme: Programme
    councils: Annotated[list[Council], Field(min_length=1)]
    services: Annotated[list[Service], Field(min_length=1)]
    correlations: list[Correlation] = []
    scenarios: list[Scenario] = []
    raw: dict = Field(default_factory=dict, exclude=True, repr=False)
    drivers: list[Driver] = []
    optimise: Optional[Optimise] = None
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
        """Services in phasing order (docs/model.md: default every service, in config order)."""
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

