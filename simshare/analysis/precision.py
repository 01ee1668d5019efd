"""Precision targets: how many replications a run needs (``--precision``).

``npv:mean=50000`` asks for replications to be added until the half-width of the 95 %
confidence interval of the mean NPV is at most £50k. :class:`PrecisionRule` is the stop rule
the engine calls after each round (the replications doubling up to a ceiling); it records, in
the results' attributes, the targets, whether they were reached and the half-widths reached.
"""

from __future__ import annotations

import json
import math
from dataclasses import dataclass
from typing import Any, Iterable, Sequence

import xarray as xr

from .results import COUNCIL_NPV_PREFIX, RESILIENCE_PREFIX, ROWS, UNSAFE_PREFIX, attr, outcomes, units_of
from .statistics import STATISTICS, half_width, statistic_ci


class PrecisionWarning(UserWarning):
    """A run stopped at its ceiling (``max_replications``) before reaching its precision targets."""


@dataclass(frozen=True)
class PrecisionTarget:
    """Stop when the CI half-width of ``statistic`` of ``variable`` is at most ``half_width``."""

    variable: str
    statistic: str
    half_width: float

    def __str__(self) -> str:
        return f"{self.variable}:{self.statistic}={self.half_width:g}"

    @property
    def spec(self) -> str:
        """The target as ``--precision`` reads it, the half-width exactly (``repr``)."""
        return f"{self.variable}:{self.statistic}={self.half_width!r}"


SPEC_HELP = "VARIABLE:STAT=HALF_WIDTH, e.g. programme_complete_month:P80=1"
#: the per-council rows a target may name, as ``PREFIX[COUNCIL]``
COUNCIL_PREFIXES = (RESILIENCE_PREFIX, COUNCIL_NPV_PREFIX, UNSAFE_PREFIX)


def split_specs(text: str) -> list[str]:
    """Split on commas that are not inside [...] (council names are free text)."""
    parts, depth, cur = [], 0, []
    for ch in text:
        if ch == "[":
            depth += 1
        elif ch == "]":
            depth = max(depth - 1, 0)
        if ch == "," and depth == 0:
            parts.append("".join(cur))
            cur = []
        else:
            cur.append(ch)
    parts.append("".join(cur))
    return parts


def check_variable(variable: str, councils: Iterable[str] | None, part: str) -> str:
    if variable in ROWS:
        return variable
    for prefix in COUNCIL_PREFIXES:
        if not (variable.startswith(prefix + "[") and variable.endswith("]")):
            continue
        council = variable[len(prefix) + 1 : -1].strip()
        if not council:
            raise ValueError(f"--precision {part!r}: {prefix}[...] needs a council name")
        if councils is not None:
            names = list(councils)
            if council not in names:
                raise ValueError(
                    f"--precision {part!r}: unknown council {council!r} (councils are: {', '.join(names)})"
                )
        return f"{prefix}[{council}]"
    raise ValueError(
        f"--precision {part!r}: unknown variable {variable!r}: expected one of "
        f"{', '.join(ROWS)}, " + ", ".join(f"{prefix}[COUNCIL]" for prefix in COUNCIL_PREFIXES)
    )


def parse_precision(text: str, councils: Iterable[str] | None = None) -> list[PrecisionTarget]:
    """Parse a ``--precision`` spec: comma-separated ``VARIABLE:STAT=HALF_WIDTH`` items.

    VARIABLE is a summary row (``npv``, ``savings_run_rate@target``, ..., ``council_npv[COUNCIL]``,
    ``lowest_resilience[COUNCIL]``, ``unsafe_months[COUNCIL]``); STAT is P10, P50, P80, P90 or mean
    (case-insensitive); HALF_WIDTH is a positive number in the variable's units (£, £/yr, months, share).
    ``councils``, when given, restricts the council names. Raises ``ValueError`` naming the bad part.
    """
    if not isinstance(text, str) or not text.strip():
        raise ValueError(f"--precision: empty specification; expected {SPEC_HELP}")
    canonical = {s.lower(): s for s in STATISTICS}
    out: list[PrecisionTarget] = []
    for raw in split_specs(text):
        part = raw.strip()
        if not part:
            raise ValueError(f"--precision {text!r}: empty item between commas; expected {SPEC_HELP}")
        variable, colon, rest = part.rpartition(":")
        if not colon or not variable.strip():
            raise ValueError(f"--precision {part!r}: missing 'VARIABLE:'; expected {SPEC_HELP}")
        stat, eq, value = rest.partition("=")
        if not eq:
            raise ValueError(f"--precision {part!r}: missing '=HALF_WIDTH' after the statistic; expected {SPEC_HELP}")
        stat = stat.strip()
        if stat.lower() not in canonical:
            raise ValueError(
                f"--precision {part!r}: unknown statistic {stat!r}: expected one of {', '.join(STATISTICS)}"
            )
        value = value.strip()
        try:
            hw = float(value)
        except ValueError:
            raise ValueError(f"--precision {part!r}: half-width {value!r} is not a number") from None
        if not math.isfinite(hw) or hw <= 0:
            raise ValueError(f"--precision {part!r}: half-width must be a positive number, got {value!r}")
        name = check_variable(variable.strip(), councils, part)
        out.append(PrecisionTarget(name, canonical[stat.lower()], hw))
    return out


def precision_reached(
    ds: xr.Dataset,
    targets: Sequence[PrecisionTarget],
    confidence: float = 0.95,
    scenario: str | None = None,
) -> list[tuple[PrecisionTarget, float, bool]]:
    """For each target: ``(target, CI half-width now, half-width <= target)``.

    The half-width is (high - low) / 2 of the same interval the summary reports; it is +inf
    while an interval end is unbounded (too few replications, or beyond the horizon) and NaN
    (never ok) for a mean that is undefined because some replications never reach the month.
    """
    values = outcomes(ds, scenario=scenario)
    result = []
    for t in targets:
        if t.variable not in values:
            raise ValueError(
                f"--precision {str(t)!r}: the results have no {t.variable!r} "
                f"(they have: {', '.join(values)})"
            )
        _, low, high = statistic_ci(values[t.variable], t.statistic, confidence)
        hw = half_width(low, high)
        result.append((t, hw, bool(hw <= t.half_width)))
    return result


class PrecisionRule:
    """The engine's stop rule for precision targets: ``rule(ds)`` is True when every target is reached.

    Each call keeps the half-widths it found, so after the run :meth:`attrs` (which the engine
    records in the results) and :attr:`reached` describe the run as it ended.
    """

    def __init__(self, targets: Sequence[PrecisionTarget], confidence: float = 0.95, scenario: str | None = None):
        if not targets:
            raise ValueError("a precision rule needs at least one target")
        self.targets = list(targets)
        self.confidence = confidence
        self.scenario = scenario
        self.last: list[tuple[PrecisionTarget, float, bool]] = []

    def __call__(self, ds: xr.Dataset) -> bool:
        self.last = precision_reached(ds, self.targets, self.confidence, self.scenario)
        return self.reached

    @property
    def reached(self) -> bool:
        """Whether the last dataset checked met every target (False before any check)."""
        return bool(self.last) and all(ok for _, _, ok in self.last)

    def attrs(self) -> dict[str, Any]:
        """What the results record: ``precision_target`` (the spec), ``precision_reached`` (1 or 0) and
        ``precision_half_widths`` (JSON: target -> half-width reached, in the variable's units)."""
        return {
            "precision_target": ",".join(t.spec for t in self.targets),
            "precision_reached": int(self.reached),
            "precision_half_widths": json.dumps({t.spec: hw for t, hw, _ in self.last}),
        }


def precision_shortfall(ds: xr.Dataset) -> str | None:
    """A sentence naming each precision target a run did not reach, with the half-width it reached;
    None when the run had no targets or reached them all (read from the results' attributes)."""
    spec = attr(ds, "precision_target")
    reached = attr(ds, "precision_reached")
    if spec is None or reached is None or int(reached) == 1:
        return None
    widths = json.loads(str(attr(ds, "precision_half_widths") or "{}"))
    missed = []
    for target in parse_precision(str(spec)):
        hw = widths.get(target.spec, math.nan)
        if not hw <= target.half_width:
            missed.append(f"{target.variable} {target.statistic}: half-width reached {hw:.4g}, target "
                          f"{target.half_width:g} ({units_of(target.variable)})")
    n = int(ds.sizes.get("replication", 0))
    return f"precision not reached by the ceiling of {n:,} replications: {'; '.join(missed)}"


__all__ = ["PrecisionTarget", "PrecisionRule", "PrecisionWarning", "parse_precision", "precision_reached",
           "precision_shortfall", "SPEC_HELP"]
