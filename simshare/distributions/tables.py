"""Distribution tables: the families, their parameters and the limits within which every draw is
computable (finite, normal floats)."""

from __future__ import annotations

import math
import sys
from dataclasses import dataclass
from typing import Any


#: uniforms are kept within [U_MIN, U_MAX] before an inverse CDF: every design's values lie there
#: already (Monte Carlo's are (k + ½)/2⁵³), but a Latin hypercube or Sobol value can be exactly 0 or
#: round up to 1, where an unbounded family's quantile is infinite
U_MIN = 2.0**-54
U_MAX = 1.0 - 2.0**-53
#: every number a distribution table holds or can draw is at most HUGE in size and, unless 0, at least
#: the smallest normal float (its reciprocal is finite); a parameter that must be positive (an sd, the
#: mean of a gamma, lognormal, exponential or beta, PERT's lambda) is at least TINY, so that squares,
#: products and ratios of two parameters stay finite and normal (no overflow, no underflow to 0)
TINY, HUGE = 1e-100, 1e15
SMALLEST = sys.float_info.min
#: PERT's lambda (peakedness; 4 is the classic PERT, 1–10 in practice)
MAX_LAMBDA = 1e3
#: a truncated normal's window must come within this many standard deviations of its mean; further
#: out the log-space inverse CDF loses the window's resolution (and the normal has no mass there)
MAX_TAIL_SD = 1e4
#: a beta's shape parameters (α + β = mean·(1 − mean)/sd² − 1) must lie within [BETA_MIN, BETA_MAX]
BETA_MIN, BETA_MAX = 1e-9, 1e12
#: discrete quantiles: F(x) ≥ p is decided within this (weights written in decimal, such as 0.2/0.5/0.3,
#: put P70 on the step at 0.7 although binary fractions miss it by an ulp)
STEP_TOLERANCE = 1e-12

#: required and optional parameter names of each family
FAMILIES: dict[str, tuple[tuple[str, ...], tuple[str, ...]]] = {
    "fixed": (("value",), ()),
    "uniform": (("min", "max"), ()),
    "triangular": (("min", "mode", "max"), ()),
    "pert": (("min", "mode", "max"), ("lambda",)),
    "normal": (("mean", "sd"), ("min", "max")),
    "lognormal": (("mean", "sd"), ()),
    "gamma": (("mean", "sd"), ()),
    "exponential": (("mean",), ()),
    "beta": (("mean", "sd"), ()),
    "discrete": (("values",), ("weights",)),
}


class DistError(ValueError):
    """A distribution table that cannot be used; the message says which part and why."""


@dataclass(frozen=True)
class Dist:
    """A distribution table. ``params`` maps names to numbers or, for occurrence
    distributions, to nested :class:`Dist` (then replication parameters)."""

    family: str
    params: tuple[tuple[str, Any], ...]

    def get(self, name: str, default: Any = None) -> Any:
        for key, value in self.params:
            if key == name:
                return value
        return default

    @property
    def nested(self) -> tuple[tuple[str, "Dist"], ...]:
        """The parameters that are themselves distributions."""
        return tuple((k, v) for k, v in self.params if isinstance(v, Dist))

    def support(self) -> tuple[float, float]:
        """Smallest and largest value the variable can take (over nested parameters too)."""
        lo = {k: bounds(v)[0] for k, v in self.params if k not in ("values", "weights")}
        hi = {k: bounds(v)[1] for k, v in self.params if k not in ("values", "weights")}
        f = self.family
        if f == "fixed":
            return lo["value"], hi["value"]
        if f in ("uniform", "triangular", "pert"):
            return lo["min"], hi["max"]
        if f == "normal":
            return lo.get("min", -math.inf), hi.get("max", math.inf)
        if f in ("lognormal", "gamma"):
            return 0.0, math.inf
        if f == "exponential":
            return 0.0, math.inf
        if f == "beta":
            return 0.0, 1.0
        values = self.get("values")
        return float(min(values)), float(max(values))


def bounds(value: Any) -> tuple[float, float]:
    if isinstance(value, Dist):
        return value.support()
    return float(value), float(value)
