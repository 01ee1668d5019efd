"""The config schema: pydantic models of every key, with the domain of each value.

A config is validated once into frozen objects (:class:`Config`).  Numeric keys take a
plain number or a distribution table (:mod:`simshare.distributions`); each key's domain
(a rate, a probability, money, months, a whole number) is checked, and a distribution
whose support leaves the domain is refused.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any, Literal, Mapping, Optional, Union, get_args

from pydantic import BaseModel, BeforeValidator, ConfigDict, Field, PrivateAttr

from ..distributions import SMALLEST, U_MAX, U_MIN, Dist, DistError, parse_dist, ppf



@dataclass(frozen=True)
class Domain:
    """What values a numeric key may take; ``occurrence`` keys may nest distributions.

    ``cap`` bounds the size of every number given for the key: a plain value, and each number in a
    distribution table and the values its nested parameters can take (an unbounded family such as
    a lognormal can still draw beyond it, finitely). With every number at most its cap and, unless
    0, a normal float (at least 2.2e-308, so that its reciprocal is finite), the model's sums,
    products and ratios of them stay finite.
    """

    what: str
    lo: float = -math.inf
    hi: float = math.inf
    lo_open: bool = False
    integer: bool = False
    occurrence: bool = False
    cap: float = math.inf

    def describe(self) -> str:
        return self.what

    def admits(self, lo: float, hi: float) -> bool:
        below = lo <= self.lo if self.lo_open else lo < self.lo
        return not below and hi <= self.hi

    def size_error(self, value: float) -> str | None:
        """Why a number cannot be used for this key, or None."""
        if abs(value) > self.cap:
            return f"must be {self.what} and at most {self.cap:,.0f}"
        if value != 0 and abs(value) < SMALLEST:
            return f"must be {self.what}, either 0 or at least {SMALLEST:.4g} (its reciprocal must be finite)"
        return None


def _table_numbers(d: Dist) -> list[float]:
    """Every number of a distribution table (lambda and weights aside) and the extreme values its nested
    parameters can take."""
    out: list[float] = []
    for name, value in d.params:
        if name in ("lambda", "weights"):
            continue
        if isinstance(value, Dist):
            if value.family == "discrete":
                out += [float(v) for v in value.get("values")]
            else:
                out += [float(x) for x in ppf(value.family, dict(value.params), [U_MIN, U_MAX])]
        elif isinstance(value, tuple):
            out += [float(v) for v in value]
        else:
            out.append(float(value))
    return out


def got(value: Any) -> str:
    text = repr(value)
    return text if len(text) <= 60 else text[:57] + "..."


def _param(domain: Domain):
    """A pydantic before-validator turning a number or distribution table into a checked Param."""

    def parse(value: Any):
        if isinstance(value, Dist):
            return value
        if isinstance(value, Mapping):
            if not isinstance(value.get("dist", ""), str):
                raise ValueError(f"'dist' must name a distribution family as text, got {got(value.get('dist'))}")
            try:
                d = parse_dist(value, allow_nested=domain.occurrence)
            except DistError as err:
                raise ValueError(str(err)) from None
            except (TypeError, AttributeError, KeyError):  # a table whose shape no family has
                raise ValueError(f"is not a distribution table: {got(dict(value))}") from None
            sizes = [e for e in (domain.size_error(x) for x in _table_numbers(d)) if e]
            if sizes:
                raise ValueError(f"{sizes[0]}, but this {d.family} distribution holds (or its nested "
                                 f"parameters can take) {max(_table_numbers(d), key=abs):g}")
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
        size = domain.size_error(value)
        if size:
            raise ValueError(f"{size}, got {got(value)}")
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
        size = domain.size_error(value)
        if size:
            raise ValueError(f"{size}, got {got(value)}")
        return float(value)

    return BeforeValidator(parse)


Param = Union[float, int, Dist]
#: the largest amount of money (£), rate (per year), multiplier and number of months a key may take:
#: far beyond any council's, and small enough that the model's sums and products stay finite
MAX_MONEY = 1e12
MAX_RATE = 100.0
MAX_MULTIPLIER = 100.0
MAX_MONTHS = 100_000.0

_RATE = Domain("a rate per year ≥ 0", lo=0, cap=MAX_RATE)
_PROB = Domain("a probability in [0, 1]", lo=0, hi=1)
_FRACTION = Domain("a fraction in [0, 1]", lo=0, hi=1)
_MONEY = Domain("an amount of money ≥ 0", lo=0, cap=MAX_MONEY)
_MONTHS = Domain("a number of months ≥ 0", lo=0, cap=MAX_MONTHS)
_DURATION = Domain("a duration in months ≥ 0", lo=0, occurrence=True, cap=MAX_MONTHS)
_POSITIVE_MONTHS = Domain("a number of months > 0", lo=0, lo_open=True, cap=MAX_MONTHS)
_MULTIPLIER = Domain("a multiplier ≥ 0", lo=0, cap=MAX_MULTIPLIER)
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
#: the most posts one council may have in one service (and, see loading, in the whole config)
MAX_POSTS = 1_000_000
#: the longest horizon a programme may have (a century)
MAX_HORIZON_MONTHS = 1200
#: the longest name (of a council, service, scenario or programme)
MAX_NAME_LENGTH = 200


def _bounded_whole(minimum: int, maximum: int, what: str):
    def parse(value: Any) -> int:
        if (isinstance(value, bool) or not isinstance(value, (int, float)) or not math.isfinite(value)
                or not float(value).is_integer() or not minimum <= value <= maximum):
            raise ValueError(f"must be {what}, got {got(value)}")
        return int(value)

    return BeforeValidator(parse)


Posts = Annotated[int, _bounded_whole(0, MAX_POSTS, f"a whole number from 0 to {MAX_POSTS:,}")]
HorizonMonths = Annotated[int, _bounded_whole(1, MAX_HORIZON_MONTHS,
                                              f"a whole number of months from 1 to {MAX_HORIZON_MONTHS:,}")]


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


def _choice(*options: str):
    def parse(value: Any) -> str:
        if value not in options:
            raise ValueError(f"must be one of {', '.join(repr(o) for o in options)}, got {got(value)}")
        return value

    return parse


#: the rules ``programme.cost_sharing`` may name; a table of council shares is the other form
SHARING_RULES = ("budget", "posts", "equal")


def _sharing(value: Any) -> str | dict[str, float]:
    """``programme.cost_sharing``: a rule or a table of council -> share, each in [0, 1], summing to 1 (within 1e-9).

    Whether the table names the config's councils is checked with the other cross-key checks (loading).
    """
    if isinstance(value, str):
        return _choice(*SHARING_RULES)(value)
    if not isinstance(value, Mapping):
        raise ValueError(f"must be one of {', '.join(repr(r) for r in SHARING_RULES)} or a table of council "
                         f"shares, got {got(value)}")
    if not value:
        raise ValueError("a table of council shares must name at least one council")
    shares = {}
    for council, share in value.items():
        if isinstance(share, bool) or not isinstance(share, (int, float)) or not math.isfinite(share) or not 0 <= share <= 1:
            raise ValueError(f"{council}: a share must be a number in [0, 1], got {got(share)}")
        shares[str(council)] = float(share)
    total = math.fsum(shares.values())
    if abs(total - 1.0) > 1e-9:
        raise ValueError(f"the shares must sum to 1, got {total:.12g}")
    return shares


Date = Annotated[dt.date, BeforeValidator(_date)]
Flag = Annotated[bool, BeforeValidator(_bool)]
def _name(value: Any) -> str:
    """Names are shown in plots, HTML and CSV and stored in netCDF: printable text that round-trips
    UTF-8, without surrounding spaces, at most MAX_NAME_LENGTH characters. Characters special to a
    backend (``$``, ``<``, ``,``, quotes) are allowed and escaped where names are written."""
    if not isinstance(value, str):
        raise ValueError(f"must be a name (text), got {got(value)}")
    if not value:
        raise ValueError("must be a non-empty name")
    if len(value) > MAX_NAME_LENGTH:
        raise ValueError(f"must be a name of at most {MAX_NAME_LENGTH} characters, got {len(value)}")
    if value != value.strip():
        raise ValueError(f"must not begin or end with spaces, got {got(value)}")
    bad = [ch for ch in value if unicodedata.category(ch) in ("Cc", "Cs", "Co", "Cn", "Zl", "Zp")]
    if bad:
        raise ValueError(f"must be printable text: {got(bad[0])} (a control or unassigned character) in {got(value)}")
    return value


Name = Annotated[str, BeforeValidator(_name)]

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
    savings_target: Optional[Annotated[float, _plain_number(_MONEY)]] = None
    target_month: Optional[Annotated[float, _plain_number(_MONTHS)]] = None
    joint_management: Optional[JointManagement] = None
    dissolution_annual: Rate = 0.0
    unwind_months: Months = 0.0
    savings_retained: Fraction = 0.0
    dissolution_cost: Money = 0.0
    target_scope: Annotated[Literal["services", "total"], BeforeValidator(_choice("services", "total"))] = "services"
    cost_sharing: Annotated[Union[str, dict[Name, float]], BeforeValidator(_sharing)] = "budget"


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
    realisation: Fraction = 1.0
    pay_harmonisation: Fraction = 0.0
    harmonisation_cost: Money = 0.0


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

