"""``simshare discover RESULTS --for "EXPR"``: which futures lead to an outcome (scenario discovery).

The outcome (:mod:`.expressions`) is true or false in each replication; the inputs are the replication
parameters stored with the results (``inputs``, replication × parameter). PRIM (the patient rule
induction method, EMA Workbench's implementation: an optional extra, ``pip install simshare[discover]``)
peels the space of inputs, a little at a time, towards a box where the outcome is dense, tracing a
trade-off between **coverage** (the share of all the futures with the outcome that fall in the box) and
**density** (the share of the futures in the box that have the outcome). The box chosen is the one with
the highest coverage among those whose density reaches ``min_density`` (default 0.8; the densest when
none does; among equal coverage the densest); restrictions whose quasi-p-value is above 0.05 (not
significant: Bryant and Lempert's one-sided binomial test, as EMA Workbench computes it) are then dropped.
Its restrictions (inputs bounded above, below or both) are what the board reads.
"""

from __future__ import annotations

import logging
import math
import warnings
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any

import numpy as np
import pandas as pd
import xarray as xr

from .discover_words import restriction_sentence, summary_sentence
from .expressions import Outcome, parse_outcome, variables_of
from .results import attr, select_scenario, start_date

#: fewer replications than this cannot support a box
MIN_REPLICATIONS = 20
#: restrictions whose quasi-p-value is above this are dropped from the chosen box
MAX_QP = 0.05


class DiscoverError(ValueError):
    """Results or settings that scenario discovery cannot use; the message names the problem."""


@dataclass
class DiscoverResult:
    """What :func:`discover` found.

    ``restrictions``: one row per restricted input (``parameter``, ``low``, ``high``, ``min``, ``max``:
    the box's bounds and the input's range over all futures, ``qp``: PRIM's quasi-p-value, ``units``),
    ``coverage``, ``density``, ``mass`` of the chosen box, ``base_rate`` the share of all futures with
    the outcome; ``trajectory`` PRIM's peeling trajectory (coverage, density, mass, res_dim per box) and
    ``chosen`` the chosen box's row in it; ``sentences``: the headline, then one per restriction.
    """

    expression: str
    replications: int
    cases: int
    base_rate: float
    coverage: float
    density: float
    mass: float
    restrictions: pd.DataFrame
    trajectory: pd.DataFrame
    chosen: int
    sentences: list[str]
    details: dict[str, Any] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        """Plain JSON-ready values (``discover.json``, read by the report)."""
        return {"kind": "simshare discover", "expression": self.expression, "replications": self.replications,
                "cases": self.cases, "base_rate": self.base_rate, "coverage": self.coverage, "density": self.density,
                "mass": self.mass, "chosen": self.chosen, "sentences": self.sentences,
                "restrictions": _records(self.restrictions), "trajectory": _records(self.trajectory.reset_index()),
                "details": self.details}


def _records(df: pd.DataFrame) -> list[dict]:
    return [{k: (None if isinstance(v, float) and not math.isfinite(v) else v) for k, v in row.items()}
            for row in df.to_dict(orient="records")]


def _open(results: str | Path | xr.Dataset) -> xr.Dataset:
    if isinstance(results, xr.Dataset):
        return results
    try:
        return xr.load_dataset(results)
    except FileNotFoundError:
        raise DiscoverError(f"no such file: {results}") from None
    except (OSError, ValueError) as err:
        raise DiscoverError(f"{results}: not a simshare results file ({err})") from None


def outcome_cases(ds: xr.Dataset, expression: str) -> tuple[Outcome, np.ndarray]:
    """The parsed expression and whether it holds in each replication (bool, shape (replication,))."""
    known = variables_of(ds)
    outcome = parse_outcome(expression, known)
    return outcome, outcome.evaluate({v: np.asarray(ds[v].values, dtype=float) for v in outcome.variables})


def discover(results: str | Path | xr.Dataset, expression: str, scenario: str | None = None,
             min_density: float = 0.8, peel_alpha: float = 0.05, mass_min: float = 0.05) -> DiscoverResult:
    """Scenario discovery over a results file's ``inputs`` for the outcome ``expression`` (see the module
    docstring). ``results``: a path to a results file (``results.nc``, ``compare.nc``) or a Dataset;
    ``scenario``: which stored scenario (default the first). Raises ExpressionError (a ValueError) for an
    expression that does not parse or names unknown variables, DiscoverError for results without inputs,
    too few replications, an outcome that never or always happens, or bad settings; ImportError when
    EMA Workbench is not installed.
    """
    for name, value, low, high in (("min_density", min_density, 0.0, 1.0), ("peel_alpha", peel_alpha, 0.0, 0.5),
                                   ("mass_min", mass_min, 0.0, 1.0)):
        if isinstance(value, bool) or not isinstance(value, (int, float)) or not low < value <= high:
            raise DiscoverError(f"{name} must be a number above {low:g} and at most {high:g}, got {value!r}")
    ds = _open(results)
    swept = [str(dim) for dim in ds.dims if dim not in ("replication", "time", "council", "service", "parameter",
                                                       "scenario")]
    if swept:
        raise DiscoverError(f"these are a sweep's results (swept: {', '.join(swept)}): discover reads the results "
                            "of simshare run or compare; run the setting you want to explore with simshare run")
    try:
        d = select_scenario(ds, scenario)
    except ValueError as err:
        raise DiscoverError(str(err)) from None
    if "inputs" not in d or "replication" not in d.dims:
        raise DiscoverError("these results hold no replication inputs (run them with simshare run or compare)")
    outcome, y = outcome_cases(d, expression)
    n, cases = int(y.size), int(y.sum())
    if n < MIN_REPLICATIONS:
        raise DiscoverError(f"{n} replications are too few for scenario discovery (at least {MIN_REPLICATIONS})")
    if cases == 0 or cases == n:
        raise DiscoverError(f"--for {expression!r} is {'never' if cases == 0 else 'always'} true in these {n} "
                            "futures: there is nothing to tell apart")
    x = _inputs(d)
    if x.shape[1] == 0:
        raise DiscoverError("every input is the same in every future: nothing can explain the outcome")
    box, chosen = _prim(x, y, min_density, peel_alpha, mass_min)
    trajectory = box.peeling_trajectory[["coverage", "density", "mass", "res_dim"]].astype(float)
    restrictions = _restrictions(box, chosen, x, d)
    stats = trajectory.iloc[chosen]
    start = start_date(d) if "start" in d.attrs else None
    sentences = [summary_sentence(outcome, restrictions, float(stats["coverage"]), float(stats["density"]),
                                  cases / n, start)]
    sentences += [restriction_sentence(r, start) for _, r in restrictions.iterrows()]
    return DiscoverResult(expression=outcome.text, replications=n, cases=cases, base_rate=cases / n,
                          coverage=float(stats["coverage"]), density=float(stats["density"]),
                          mass=float(stats["mass"]), restrictions=restrictions, trajectory=trajectory,
                          chosen=int(chosen), sentences=sentences,
                          details={"config_name": attr(d, "config_name"), "min_density": min_density,
                                   "peel_alpha": peel_alpha, "mass_min": mass_min, "scenario": scenario})


def _inputs(d: xr.Dataset) -> pd.DataFrame:
    """The inputs as a replication × parameter table of floats, dropping inputs that never vary."""
    values = np.asarray(d["inputs"].values, dtype=float)
    names = [str(p) for p in d["parameter"].values]
    x = pd.DataFrame(values, columns=names)
    varies = x.nunique(dropna=True) > 1
    return x.loc[:, varies.values].astype(float)


def _prim(x: pd.DataFrame, y: np.ndarray, min_density: float, peel_alpha: float, mass_min: float):
    with warnings.catch_warnings():  # EMA Workbench warns on import about optional parallel back-ends
        warnings.simplefilter("ignore")
        from ema_workbench.analysis import prim  # an optional extra: pip install simshare[discover]
    logging.getLogger("EMA").setLevel(logging.WARNING)
    logging.getLogger("EMA.ema_workbench.analysis.prim").setLevel(logging.WARNING)
    # y is 0/1: PRIM's threshold marks the cases of interest (y ≥ 0.5) and the least density of a box it
    # returns; a peeling that ends below 50 % gives the whole space (no restriction), read as "nothing stands out"
    with warnings.catch_warnings():  # pandas deprecations inside EMA Workbench, not ours to act on
        warnings.simplefilter("ignore")
        p = prim.Prim(x, y.astype(int), threshold=0.5, peel_alpha=peel_alpha, mass_min=mass_min)
        box = p.find_box()
    traj = box.peeling_trajectory
    coverage, density = traj["coverage"].astype(float), traj["density"].astype(float)
    dense = traj.index[density >= min_density - 1e-12]
    if len(dense):  # the most coverage; among equal coverage, the densest
        chosen = int(max(dense, key=lambda i: (round(coverage[i], 9), density[i])))
    else:
        chosen = int(density.idxmax())
    box.select(chosen)
    # restrictions that are not significant (quasi-p-value above MAX_QP, Bryant and Lempert 2010) are dropped
    weak = [name for name, q in box.qp[chosen].items() if _qp(q) > MAX_QP]
    for name in weak:
        box.drop_restriction(name)
    return box, (len(box.peeling_trajectory) - 1 if weak else chosen)


def _qp(values: Any) -> float:
    """A restriction's quasi-p-value: the larger of its bounds' (-1 marks an unrestricted bound)."""
    valid = [float(v) for v in values if v is not None and float(v) >= 0]
    return max(valid) if valid else 0.0


def _restrictions(box: Any, chosen: int, x: pd.DataFrame, d: xr.Dataset) -> pd.DataFrame:
    lims = box.box_lims[chosen]
    init = box.box_lims[0]
    units = dict(zip([str(p) for p in d["parameter"].values],
                     [str(u) for u in d["parameter_units"].values])) if "parameter_units" in d.coords else {}
    try:
        qp = box.qp[chosen]
    except (AttributeError, IndexError, TypeError):
        qp = {}
    rows = []
    for name in lims.columns:
        low, high = float(lims.loc[0, name]), float(lims.loc[1, name])
        lo0, hi0 = float(init.loc[0, name]), float(init.loc[1, name])
        if low <= lo0 and high >= hi0:
            continue
        q = _qp(qp.get(name, ())) if isinstance(qp, dict) else math.nan
        rows.append({"parameter": name, "low": low if low > lo0 else math.nan, "high": high if high < hi0 else math.nan,
                     "min": lo0, "max": hi0, "qp": q,
                     "units": units.get(name, "1")})
    return pd.DataFrame(rows, columns=["parameter", "low", "high", "min", "max", "qp", "units"])


__all__ = ["discover", "DiscoverResult", "DiscoverError", "outcome_cases", "MIN_REPLICATIONS"]
