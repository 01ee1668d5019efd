"""The realised programme: the typed, frozen values one replication runs on (docs/model.md).

:func:`realise` turns a :class:`~simshare.config.schema.Config` and one replication's
drawn parameter values into a :class:`Realisation`: plain numbers with attribute access,
one class per config section, field names equal to the config keys.  Recurring
durations (time to hire, rework, a review lead's replacement) come back as an
:class:`Occurrence`, to be drawn afresh each time the thing happens; durations that
happen once per replication (each service's review, consultation and implementation)
and every other replication parameter come back as numbers.

The fixed part is worked out once per config (cached with ``cfg.derived``); a record
with nothing drawn in it is shared by every replication (it is frozen), and a record
with drawn values is rebuilt from its fixed arguments with the drawn ones filled in.
"""

from __future__ import annotations

import dataclasses
import datetime as dt
import math
from dataclasses import dataclass
from typing import Any, Callable, Iterable, Iterator, Mapping, Sequence, TypeVar

import numpy as np

from ..distributions import Dist, Sampler
from ..distributions import mean as dist_mean
from .drivers import driver_factors
from .parameters import ONCE_KEYS, parameter_paths
from .schema import INTEGER_KEYS, OCCURRENCE_KEYS, Config, Domain, domain_of

V = TypeVar("V")


@dataclass(frozen=True, slots=True)
class Occurrence:
    """A recurring duration with numeric parameters, ready for a :class:`~simshare.distributions.Sampler`.

    ``family`` is a distribution family of :mod:`simshare.distributions`; ``params`` its
    (name, value) pairs in the config's order, every value a number (nested tables drawn).
    """

    family: str
    params: tuple[tuple[str, Any], ...]
    scale: float = 1.0   # the risk drivers' factor: every draw is multiplied by it

    @property
    def fixed(self) -> float | None:
        """The value when the duration is fixed (family ``fixed``), else None."""
        return float(dict(self.params)["value"]) * self.scale if self.family == "fixed" else None

    @property
    def mean(self) -> float:
        """The mean of one occurrence (months)."""
        return dist_mean(self.family, dict(self.params)) * self.scale

    def sampler(self, rng: Callable[[], np.random.Generator]) -> Callable[[], float]:
        """A function drawing one occurrence (months) per call.

        ``rng`` makes the stream to draw from; it is not called when the duration is fixed.
        """
        fixed = self.fixed
        if fixed is not None:
            return lambda: fixed
        draw = Sampler(self.family, dict(self.params), rng()).next
        if self.scale == 1.0:
            return draw
        scale = self.scale
        return lambda: scale * draw()


class ByCouncil(Mapping[str, V]):
    """A read-only table keyed by council name, in the config's order (a service's budget, posts, specialists)."""

    __slots__ = ("_items",)

    def __init__(self, items: Mapping[str, V] | Iterable[tuple[str, V]] = ()):
        self._items = dict(items)

    def __getitem__(self, name: str) -> V:
        return self._items[name]

    def __iter__(self) -> Iterator[str]:
        return iter(self._items)

    def __len__(self) -> int:
        return len(self._items)

    def __contains__(self, name: object) -> bool:
        return name in self._items

    def get(self, name: str, default: Any = None) -> Any:
        return self._items.get(name, default)

    def keys(self):  # type: ignore[override]
        return self._items.keys()

    def values(self):  # type: ignore[override]
        return self._items.values()

    def items(self):  # type: ignore[override]
        return self._items.items()

    def __hash__(self) -> int:
        return hash(tuple(self._items.items()))

    def __repr__(self) -> str:
        return f"ByCouncil({self._items!r})"


@dataclass(frozen=True, slots=True)
class JointManagementValues:
    """``[programme.joint_management]``: a saving (£/yr) ramping in from ``start_month`` over ``ramp_months``, a one-off cost (£)."""

    saving_per_year: float
    start_month: float
    ramp_months: float
    one_off_cost: float


@dataclass(frozen=True, slots=True)
class ProgrammeValues:
    """``[programme]`` for one replication (docs/model.md). Months, £, rates per year.

    ``target_scope`` is ``"services"`` or ``"total"``; ``cost_sharing`` a rule (``"budget"``, ``"posts"``,
    ``"equal"``) or council shares summing to 1.
    """

    name: str
    start: dt.date
    horizon_months: int
    review_teams: int
    support_capacity: int
    frontline_limit: int
    committee_first_month: float
    committee_interval_months: float
    approvals_per_meeting: int | None
    approval_probability: float
    rework_months: Occurrence
    team_turnover_annual: float
    team_replacement_months: Occurrence
    team_cost_per_month: float
    change_turnover_multiplier: float
    change_settle_months: float
    shared_turnover_multiplier: float
    safe_staffing: float
    discount_rate: float
    order: tuple[str, ...] | None
    savings_target: float | None
    target_month: float | None
    dissolution_annual: float
    unwind_months: float
    savings_retained: float
    dissolution_cost: float
    target_scope: str
    cost_sharing: str | ByCouncil[float]
    review_team_cost_per_month: float
    support_slot_cost_per_month: float


@dataclass(frozen=True, slots=True)
class CouncilValues:
    """One ``[[councils]]`` entry for one replication (docs/model.md).

    The specialist recruitment keys are always set: when the config leaves them out they
    are the council's ordinary ``recruitment_months`` and ``recruitment_failure``.
    """

    name: str
    turnover_annual: float
    recruitment_months: Occurrence
    recruitment_failure: float
    specialist_recruitment_months: Occurrence
    specialist_recruitment_failure: float
    agency_cover: float
    agency_start_months: float
    agency_premium: float
    initial_vacancy_rate: float
    vacancy_hold_months: Occurrence
    approval_months: Occurrence


@dataclass(frozen=True, slots=True)
class ServiceValues:
    """One ``[[services]]`` entry for one replication (docs/model.md).

    ``review_months``, ``consultation_months`` and ``implementation_months`` happen once
    per replication, so they are drawn numbers here. ``budget`` (£/yr), ``posts`` and
    ``specialists`` are keyed by council name, for the councils that have the service.
    ``realisation`` is the share of the business case delivered; ``pay_harmonisation`` a share
    of the remaining staff cost a year, ``harmonisation_cost`` £ once, both from go-live.
    """

    name: str
    frontline: bool
    budget: ByCouncil[float]
    posts: ByCouncil[int]
    specialists: ByCouncil[int]
    staff_cost_share: float
    salary: float | None
    earliest_start_month: float
    review_months: float
    consultation_months: float
    implementation_months: float
    implementation_disruption: float
    savings_fraction: float
    post_reduction_fraction: float
    attrition_window_months: float
    redundancy_cost: float
    one_off_cost: float
    ramp_months: float
    recruitment_freeze: bool
    after: tuple[str, ...]
    realisation: float
    pay_harmonisation: float
    harmonisation_cost: float


@dataclass(frozen=True, slots=True)
class Realisation:
    """Everything one replication runs on: councils and services in config order."""

    programme: ProgrammeValues
    joint_management: JointManagementValues | None
    councils: tuple[CouncilValues, ...]
    services: tuple[ServiceValues, ...]


def realise(cfg: Config, values: Sequence[float] | Mapping[str, float]) -> Realisation:
    """The typed values of one replication.

    ``values`` are the replication parameters, either in ``parameter_paths(cfg)`` order
    (a sequence or 1-d array) or by dotted path (a mapping). Raises ``KeyError`` when a
    mapping lacks a path the config draws, ``IndexError`` when a sequence is too short.
    """
    template = cfg.derived("realisation", _Template)
    if isinstance(values, Mapping):
        vals = [float(values[p]) for p in template.paths]
    elif isinstance(values, np.ndarray):
        vals = values.astype(float, copy=False).tolist()
    else:
        vals = [float(v) for v in values]
    return Realisation(
        template.programme.make(vals),
        None if template.joint_management is None else template.joint_management.make(vals),
        tuple(r.make(vals) for r in template.councils) if template.council_draws else template.fixed_councils,
        tuple(r.make(vals) for r in template.services) if template.service_draws else template.fixed_services,
    )


# --------------------------------------------------------------------------- the template

Fill = Callable[[list, list], Any]   # (drawn values, the record's arguments so far) -> the field's value


class _Recipe:
    """How to make one record: its class, fixed arguments and a fill for each drawn field."""

    __slots__ = ("cls", "args", "fills", "fixed")

    def __init__(self, cls: type, args: list, fills: list[tuple[int, Fill]]):
        self.cls, self.args, self.fills = cls, tuple(args), tuple(fills)
        self.fixed = None if fills else cls(*args)

    def make(self, vals: list[float]) -> Any:
        if self.fixed is not None:
            return self.fixed
        args = list(self.args)
        for i, fill in self.fills:
            args[i] = fill(vals, args)
        return self.cls(*args)


class _Template:
    """The realisation's fixed part for one config, and where each drawn value goes."""

    def __init__(self, cfg: Config):
        self.paths = parameter_paths(cfg)
        self.column = {p: j for j, p in enumerate(self.paths)}
        self.factors = driver_factors(cfg)  # path -> the drivers multiplying it
        self.drivers = [(None, self.column[f"drivers.{d.name}"]) if isinstance(d.factor, Dist) else (float(d.factor), None)
                        for d in cfg.drivers]
        prog = cfg.programme
        self.programme = self._recipe(ProgrammeValues, prog, "programme", exclude=("joint_management",))
        jm = prog.joint_management
        self.joint_management = None if jm is None else self._recipe(
            JointManagementValues, jm, "programme.joint_management", section=None)
        self.councils = [self._recipe(CouncilValues, c, f"councils.{c.name}", section="councils")
                         for c in cfg.councils]
        self.services = [self._recipe(ServiceValues, s, f"services.{s.name}", section="services")
                         for s in cfg.services]
        self.council_draws = any(r.fixed is None for r in self.councils)
        self.service_draws = any(r.fixed is None for r in self.services)
        self.fixed_councils = None if self.council_draws else tuple(r.fixed for r in self.councils)
        self.fixed_services = None if self.service_draws else tuple(r.fixed for r in self.services)

    def _recipe(self, cls: type, model: Any, prefix: str, section: str | None = "programme",
                exclude: tuple[str, ...] = ()) -> _Recipe:
        names = [f.name for f in dataclasses.fields(cls)]
        keys = [k for k in type(model).model_fields if k not in exclude]
        if names != keys:
            raise RuntimeError(f"{cls.__name__} fields {names} do not match the config keys {keys}")
        occurrence_keys = OCCURRENCE_KEYS.get(section or "", ())
        args: list = []
        fills: list[tuple[int, Fill]] = []
        for i, key in enumerate(keys):
            value, path = getattr(model, key), f"{prefix}.{key}"
            if key in ("budget", "posts", "specialists"):
                arg, fill = self._table(value, path, domain_of(type(model), key))
            elif section == "services" and key in ONCE_KEYS:
                arg, fill = (None, self._number(path, False)) if isinstance(value, Dist) else (float(value), None)
            elif key in occurrence_keys:
                arg, fill = self._occurrence(value, path)
            elif isinstance(value, Dist):
                arg, fill = None, self._number(path, key in INTEGER_KEYS)
            elif isinstance(value, list):
                arg, fill = tuple(value), None
            elif isinstance(value, Mapping):
                arg, fill = ByCouncil(value), None
            else:
                arg, fill = value, None
            if key.startswith("specialist_recruitment_") and value is None:
                ordinary = names.index(key.replace("specialist_", ""))
                arg, fill = args[ordinary], None
                if any(j == ordinary for j, _ in fills):
                    fill = lambda vals, got, j=ordinary: got[j]  # noqa: E731
            elif path in self.factors:
                arg, fill = self._driven(arg, fill, path, domain_of(type(model), key))
            args.append(arg)
            if fill is not None:
                fills.append((i, fill))
        return _Recipe(cls, args, fills)

    def _number(self, path: str, integer: bool) -> Fill:
        j = self.column[path]
        if integer:
            return lambda vals, got: int(vals[j])
        return lambda vals, got: vals[j]

    def _occurrence(self, value: Any, path: str) -> tuple[Any, Fill | None]:
        if value is None:
            return None, None
        if not isinstance(value, Dist):
            return Occurrence("fixed", (("value", float(value)),)), None
        if not any(isinstance(v, Dist) for _, v in value.params):
            return Occurrence(value.family, tuple(value.params)), None
        family = value.family
        params = [(name, self.column[f"{path}.{name}"] if isinstance(v, Dist) else None, v) for name, v in value.params]
        return None, lambda vals, got: Occurrence(
            family, tuple((name, v if j is None else vals[j]) for name, j, v in params))

    def _table(self, value: Mapping[str, Any], path: str, domain: Domain | None) -> tuple[Any, Fill | None]:
        driven = [c for c in value if f"{path}.{c}" in self.factors]
        if not driven and not any(isinstance(v, Dist) for v in value.values()):
            return ByCouncil(value), None
        entries = []  # (council, its fill): the drawn or fixed value, times any drivers' factor
        for c, v in value.items():
            arg, fill = (None, self._number(f"{path}.{c}", False)) if isinstance(v, Dist) else (v, None)
            if c in driven:
                arg, fill = self._driven(arg, fill, f"{path}.{c}", domain)
            entries.append((c, fill or (lambda vals, got, a=arg: a)))
        return None, lambda vals, got: ByCouncil([(c, f(vals, got)) for c, f in entries])

    # ------------------------------------------------------------------ risk drivers (docs/model.md)

    def _driven(self, arg: Any, fill: Fill | None, path: str, domain: Domain | None) -> tuple[Any, Fill | None]:
        """A field's value times the factors of the drivers naming ``path``: applied once here when every
        factor is fixed, else in the fill (a drawn factor is a replication parameter)."""
        fixed, columns = 1.0, []
        for i in self.factors[path]:
            value, column = self.drivers[i]
            if column is None:
                fixed *= value
            else:
                columns.append(column)
        if not columns:
            if fill is None:
                return _scaled(arg, fixed, domain), None
            return None, lambda vals, got: _scaled(fill(vals, got), fixed, domain)
        base = fill or (lambda vals, got: arg)
        return None, lambda vals, got: _scaled(base(vals, got), fixed * math.prod(vals[j] for j in columns), domain)


#: how far above its bound a driven key that must stay above it is kept (the validation refuses a factor
#: that can be 0 on such a key; this catches products that underflow)
_POSITIVE_FLOOR = 1e-300


def _scaled(value: Any, factor: float, domain: Domain | None) -> Any:
    """``value`` multiplied by a driver's ``factor``: an occurrence's every draw, or a number, brought back
    into its key's domain (a probability or fraction at most 1; a whole number rounded half up, at least
    its minimum; a positive key above 0)."""
    if isinstance(value, Occurrence):
        return dataclasses.replace(value, scale=value.scale * factor)
    x = value * factor
    if domain is None:
        return x
    if domain.integer:
        return max(int(math.floor(x + 0.5)), int(domain.lo))
    x = min(max(x, domain.lo), domain.hi)
    # a key that must stay above 0 stays above a floor whose ratios to the model's months are finite
    return domain.lo + _POSITIVE_FLOOR if domain.lo_open and x <= domain.lo + _POSITIVE_FLOOR else x
