"""Resilience floors: the condition a plan must keep in most futures (``simshare optimise --floor``).

Grammar (spaces allowed anywhere between the parts)::

    FLOOR   := MEASURE OP NUMBER "@" "P" PERCENT
    MEASURE := "unsafe_months" | "lowest_resilience"
    OP      := "<=" | "<" | ">=" | ">"
    NUMBER  := a number (for lowest_resilience a share 0–1, or a percentage like 80%)
    PERCENT := a whole number from 1 to 99

``unsafe_months<=3@P90`` reads "in at least 90 % of futures, no service of any council has more than 3
months not operating safely"; ``lowest_resilience>=0.8@P90`` "in at least 90 % of futures, every
council's resilience stays at or above 80 % in every month". Per replication, ``unsafe_months`` is the
worst over councils and services of the ``unsafe_months`` result, ``lowest_resilience`` the lowest over
months and councils of ``resilience``; the floor holds when the share of replications meeting the
condition is at least PERCENT %.
"""

from __future__ import annotations

import math
import operator
import re
from dataclasses import dataclass

import numpy as np
import xarray as xr

#: measure -> (what it is per replication, in the board's words)
MEASURES = {
    "unsafe_months": "the most months any council's service is not operating safely",
    "lowest_resilience": "the lowest resilience of any council in any month",
}
_OPS = {"<=": operator.le, "<": operator.lt, ">=": operator.ge, ">": operator.gt}
_GRAMMAR = re.compile(r"^\s*([A-Za-z_]+)\s*(<=|>=|<|>)\s*([-+0-9.eE]+)\s*(%?)\s*@\s*[Pp]\s*([0-9]+)\s*$")
EXAMPLES = '"unsafe_months<=3@P90" or "lowest_resilience>=0.8@P90"'


class FloorError(ValueError):
    """A floor that does not parse; the message says what is wrong and shows the grammar."""


@dataclass(frozen=True)
class Floor:
    """``measure op value`` in at least ``share`` of futures (``share`` = PERCENT / 100)."""

    measure: str
    op: str
    value: float
    share: float

    def __str__(self) -> str:
        value = f"{self.value:g}"
        return f"{self.measure}{self.op}{value}@P{round(100 * self.share)}"

    def per_replication(self, ds: xr.Dataset) -> np.ndarray:
        """The floor's measure per replication, shape (replication,), of a single-scenario dataset."""
        if self.measure == "unsafe_months":
            return np.asarray(ds["unsafe_months"].max(("council", "service")).values, dtype=float)
        return np.asarray(ds["resilience"].min(("time", "council")).values, dtype=float)

    def share_met(self, ds: xr.Dataset) -> float:
        """The share of replications meeting the condition."""
        x = self.per_replication(ds)
        return float(np.mean(_OPS[self.op](x, self.value))) if x.size else math.nan

    def holds(self, ds: xr.Dataset) -> bool:
        """Whether the condition is met in at least ``share`` of the replications."""
        return self.share_met(ds) >= self.share - 1e-12

    def shortfall(self, ds: xr.Dataset) -> float:
        """How far the share met falls short of ``share`` (≤ 0 when the floor holds): optuna's constraint."""
        return self.share - self.share_met(ds)

    def sentence(self) -> str:
        """The floor in the board's words: "every council's services safe ... in 9 futures out of 10"."""
        futures = _futures(self.share)
        if self.measure == "unsafe_months":
            if self.value == 0 and self.op == "<=":
                return f"keeping every council's services safe in {futures}"
            return (f"keeping every council's services unsafe for {_op_words(self.op)} {self.value:g} months "
                    f"in {futures}")
        return f"keeping every council's resilience {_op_words(self.op)} {self.value:.0%} in {futures}".replace("%", " %")


def _futures(share: float) -> str:
    tenths = share * 10
    if abs(tenths - round(tenths)) < 1e-9:
        return f"{round(tenths)} futures out of 10"
    return f"{share:.0%} of futures".replace("%", " %")


def _op_words(op: str) -> str:
    return {"<=": "at most", "<": "less than", ">=": "at least", ">": "more than"}[op]


def parse_floor(text: str) -> Floor:
    """A floor from its text (see the module docstring); FloorError naming the problem otherwise."""
    if not isinstance(text, str):
        raise FloorError(f"--floor must be text such as {EXAMPLES}, got {text!r}")
    m = _GRAMMAR.match(text)
    if m is None:
        raise FloorError(f"--floor {text!r}: expected MEASURE OP NUMBER@PNN, e.g. {EXAMPLES}")
    measure, op, number, percent_sign, p = m.groups()
    if measure not in MEASURES:
        raise FloorError(f"--floor {text!r}: unknown measure {measure!r} (measures: {', '.join(MEASURES)})")
    try:
        value = float(number)
    except ValueError:
        raise FloorError(f"--floor {text!r}: {number!r} is not a number") from None
    if not math.isfinite(value):
        raise FloorError(f"--floor {text!r}: the number must be finite")
    if percent_sign:
        if measure != "lowest_resilience":
            raise FloorError(f"--floor {text!r}: only lowest_resilience takes a percentage")
        value /= 100.0
    if measure == "lowest_resilience" and not 0.0 <= value <= 1.0:
        raise FloorError(f"--floor {text!r}: lowest_resilience is a share from 0 to 1 (or 0 % to 100 %), got {number}")
    if measure == "unsafe_months" and value < 0:
        raise FloorError(f"--floor {text!r}: unsafe_months cannot be negative, got {number}")
    share = int(p)
    if not 1 <= share <= 99:
        raise FloorError(f"--floor {text!r}: the percentile after @P must be a whole number from 1 to 99, got {p}")
    return Floor(measure, op, value, share / 100.0)


__all__ = ["Floor", "FloorError", "parse_floor", "MEASURES", "EXAMPLES"]
