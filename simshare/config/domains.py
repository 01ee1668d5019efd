"""The domains of config values and the validators that check them (split from :mod:`.schema`).

Each numeric key has a :class:`Domain` (a rate, a probability, money, months, a whole number); a plain
number or a distribution table (:mod:`simshare.distributions`) is checked against it, and a
distribution whose support leaves the domain is refused. Names, dates, flags and the cost-sharing rule
have their own validators here.
"""

from __future__ import annotations

import datetime as dt
import math
import unicodedata
from dataclasses import dataclass
from typing import Annotated, Any, Mapping, Union

from pydantic import BeforeValidator

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


def shown(value: Any, depth: int = 0) -> str:
    """A config value as a message shows it: dates as dates (``2030-04``, or ``2030-04-15`` when not the
    first of a month; a time of day kept), lists and tables with their dates so too, anything else as
    Python writes it. Lists and tables show their first 8 entries and 6 levels of nesting (a value of any
    size or depth gives a short line, never a RecursionError)."""
    if isinstance(value, dt.datetime):
        return value.isoformat(sep=" ")
    if isinstance(value, dt.date):
        return value.strftime("%Y-%m") if value.day == 1 else value.isoformat()
    if isinstance(value, (list, tuple, Mapping)) and depth >= 6:
        return "[…]" if not isinstance(value, Mapping) else "{…}"
    if isinstance(value, (list, tuple)):
        items = [shown(v, depth + 1) for v in value[:8]]
        return "[" + ", ".join(items + (["…"] if len(value) > 8 else [])) + "]"
    if isinstance(value, Mapping):
        items = [f"{k!r}: {shown(v, depth + 1)}" for k, v in list(value.items())[:8]]
        return "{" + ", ".join(items + (["…"] if len(value) > 8 else [])) + "}"
    text = repr(value)
    return text if len(text) <= 200 else text[:197] + "..."


def got(value: Any) -> str:
    """A config value as a message shows it (:func:`shown`), cut to 60 characters."""
    text = shown(value)
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


def plain_number(domain: Domain):
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
MONEY_DOMAIN = Domain("an amount of money ≥ 0", lo=0, cap=MAX_MONEY)
MONTHS_DOMAIN = Domain("a number of months ≥ 0", lo=0, cap=MAX_MONTHS)
_DURATION = Domain("a duration in months ≥ 0", lo=0, occurrence=True, cap=MAX_MONTHS)
_POSITIVE_MONTHS = Domain("a number of months > 0", lo=0, lo_open=True, cap=MAX_MONTHS)
_MULTIPLIER = Domain("a multiplier ≥ 0", lo=0, cap=MAX_MULTIPLIER)
_COUNT = Domain("a whole number ≥ 1", lo=1, integer=True)
_DISCOUNT = Domain("a discount rate per year in [0, 1)", lo=0, hi=0.999999)

Rate = Annotated[Param, _param(_RATE)]
Probability = Annotated[Param, _param(_PROB)]
Fraction = Annotated[Param, _param(_FRACTION)]
Money = Annotated[Param, _param(MONEY_DOMAIN)]
Months = Annotated[Param, _param(MONTHS_DOMAIN)]
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


def choice(*options: str):
    def parse(value: Any) -> str:
        if value not in options:
            raise ValueError(f"must be one of {', '.join(repr(o) for o in options)}, got {got(value)}")
        return value

    return parse


#: the rules ``programme.cost_sharing`` may name; a table of council shares is the other form
SHARING_RULES = ("budget", "posts", "equal")


def sharing_rule(value: Any) -> str | dict[str, float]:
    """``programme.cost_sharing``: a rule or a table of council -> share, each in [0, 1], summing to 1 (within 1e-9).

    Whether the table names the config's councils is checked with the other cross-key checks (loading).
    """
    if isinstance(value, str):
        return choice(*SHARING_RULES)(value)
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


def distinct(values: list[str]) -> list[str]:
    """A list of names with no repeats (``after``, a driver's ``applies_to``)."""
    seen: set[str] = set()
    for value in values:
        if value in seen:
            raise ValueError(f"{value!r} appears twice")
        seen.add(value)
    return values


def driver_name(value: str) -> str:
    """A driver's name is part of the path ``drivers.NAME`` (in --set, sweeps, sensitivity): no ``.`` or ``*``."""
    if "." in value or "*" in value:
        raise ValueError(f"a driver's name must not contain '.' or '*' (it is used in paths such as "
                         f"drivers.NAME), got {value!r}")
    return value

#: keys whose value is drawn afresh each time the thing happens (docs/model.md)
OCCURRENCE_KEYS = {
    "programme": ("rework_months", "team_replacement_months"),
    "councils": ("recruitment_months", "specialist_recruitment_months", "vacancy_hold_months", "approval_months"),
    "services": ("review_months", "consultation_months", "implementation_months"),
}
#: integer-valued replication parameters
INTEGER_KEYS = ("review_teams", "support_capacity", "frontline_limit", "approvals_per_meeting")
