"""Switching values (Green Book): the value of a parameter at which P50 NPV crosses zero, or
P(savings target met) crosses 50 %, the rest random, under common random numbers."""

from __future__ import annotations

import math
from typing import Any, Sequence

import numpy as np
import pandas as pd
import xarray as xr
from scipy import optimize

from ...config import load_config
from ..results import MONEY_TOLERANCE, format_money
from ..summary import target_probability
from .catalogue import output_values, select_parameters
from .experiments import (base_config, batched_runs, fixed_config, marginal_quantiles, p50, parameter_specs,
                          run_options)

#: switching-value criteria: (label, threshold)
CRITERIA = {"npv_p50": ("P50 NPV", 0.0), "target_50": ("P(target met)", 0.5)}


def _criterion(ds: xr.Dataset, criterion: str) -> float:
    if criterion == "npv_p50":
        return p50(output_values(ds, "npv"))
    prob = target_probability(ds)
    return math.nan if prob is None else prob[0]


def switching_value(config: Any, parameter: str, criterion: str = "npv_p50", replications: int = 200,
                    seed: int = 1, bounds: tuple[float, float] | None = None, *, grid: int = 5,
                    xtol: float | None = None, workers: int = 1, executor: str | None = None,
                    scheduler: str | None = None, chunk_size: int | None = None) -> pd.Series:
    """The value of ``parameter`` at which the criterion crosses its threshold, the rest random.

    ``criterion``: ``"npv_p50"`` (P50 NPV crosses £0) or ``"target_50"`` (P(savings target met
    by the target month) crosses 50 %). The parameter is held at a value (every evaluation one
    engine run, same seed: common random numbers, so the estimated curve is deterministic); a
    ``grid`` of values over ``bounds`` (default its support; an infinite end is replaced by its
    P0.1 or P99.9) brackets the first crossing, which Brent's method then narrows to ``xtol``
    (default 1e-6 of the range). Integer parameters are stepped through whole values: the value
    is the first at which the criterion has crossed. Reaching the threshold exactly counts as
    being past it (NPV ≥ 0, P ≥ 50 %), so a criterion that only touches it does not cross; money
    compares to the pound (a P50 NPV within £1 of £0 is on it), and P(target) counts a run-rate
    within £1 of the target as meeting it (:func:`~simshare.analysis.summary.target_probability`).
    Returns a Series: value (NaN when none), found, lo, hi, at_lo, at_hi (the criterion at the
    ends), evaluations and a note.
    """
    cfg = base_config(load_config(config))
    if criterion not in CRITERIA:
        raise ValueError(f"unknown criterion {criterion!r} (choose one of: {', '.join(CRITERIA)})")
    if criterion == "target_50" and cfg.programme.savings_target is None:
        raise ValueError("criterion 'target_50' needs programme.savings_target in the config")
    specs = parameter_specs(cfg)
    if len(select_parameters(cfg, [parameter])) != 1 or parameter not in specs:
        raise ValueError(f"switching value: name one parameter, not a pattern ({parameter!r})")
    spec = specs[parameter]
    label, threshold = CRITERIA[criterion]
    if bounds is None:
        lo, hi = spec.dist.support()
        if not (math.isfinite(lo) and math.isfinite(hi)):
            tails = marginal_quantiles(cfg, parameter, [0.001, 0.999])[0]
            lo = lo if math.isfinite(lo) else float(tails[0])
            hi = hi if math.isfinite(hi) else float(tails[1])
    else:
        lo, hi = map(float, bounds)
    if spec.integer:
        lo, hi = math.ceil(lo), math.floor(hi)
    if not lo < hi:
        raise ValueError(f"switching value of {parameter}: the range [{lo:g}, {hi:g}] is empty")
    opts = run_options(workers, executor, scheduler, chunk_size, False)
    seen: dict[float, float] = {}

    def evaluate(xs: Sequence[float]) -> None:
        todo = [float(x) for x in xs if float(x) not in seen]
        scenarios = [(f"{parameter}={x!r}", fixed_config(cfg, {parameter: x})) for x in todo]

        def keep(name: str, d: xr.Dataset) -> None:
            seen[float(name.rsplit("=", 1)[1])] = _criterion(d, criterion)

        if scenarios:
            batched_runs(scenarios, replications, seed, opts, 32, keep)

    if spec.integer:
        xs = list(range(int(lo), int(hi) + 1)) if hi - lo <= 64 else list(np.unique(np.rint(np.linspace(lo, hi, 65))))
    else:
        xs = list(np.linspace(lo, hi, max(int(grid), 2)))
    evaluate(xs)

    slack = MONEY_TOLERANCE if criterion == "npv_p50" else 0.0  # money to the pound: within £1 of £0 is £0

    def gap_at(x: float) -> float:
        gap = seen[float(x)] - threshold
        return 0.0 if abs(gap) <= slack else gap

    def side(x: float) -> float:
        """+1 at or past the threshold (NPV ≥ 0 to the pound, P ≥ 50 %), −1 short of it, NaN when undefined."""
        gap = gap_at(x)
        return math.nan if math.isnan(gap) else (1.0 if gap >= 0 else -1.0)

    def f(x: float) -> float:
        evaluate([x])
        gap = gap_at(x)
        return gap if gap != 0 else 1e-300  # on the threshold counts as reached

    value = math.nan
    for a, b in zip(xs, xs[1:]):
        sa, sb = side(a), side(b)
        if math.isnan(sa) or math.isnan(sb) or sa == sb:
            continue
        if spec.integer:
            value = float(b)  # the first whole value on the other side
        else:
            value = optimize.brentq(f, float(a), float(b), xtol=xtol or 1e-6 * (hi - lo), rtol=1e-10, maxiter=100)
        break
    found = not math.isnan(value)
    at_lo, at_hi = seen[float(xs[0])], seen[float(xs[-1])]
    if not found:
        note = (f"no switching value within [{lo:g}, {hi:g}]: {label} is {_crit_text(at_lo, criterion)} at {lo:g} "
                f"and {_crit_text(at_hi, criterion)} at {hi:g}")
    else:
        note = f"{label} crosses {_crit_text(threshold, criterion)} at {parameter} = {value:.6g}"
    return pd.Series({"parameter": parameter, "criterion": criterion, "value": value, "found": found,
                      "lo": float(lo), "hi": float(hi), "at_lo": at_lo, "at_hi": at_hi,
                      "evaluations": len(seen), "note": note}, name=parameter)


def _crit_text(value: float, criterion: str) -> str:
    return format_money(value) if criterion == "npv_p50" else f"{100 * value:.0f} %"


__all__ = ["CRITERIA", "switching_value"]
