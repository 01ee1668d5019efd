"""Screening: rank every replication parameter from one ordinary run's ``inputs`` and keep the top k,
so that an expensive method (tornado, Morris, Sobol) spends its runs on the parameters that matter.

The screen is the rank table of :func:`~simshare.analysis.sensitivity.rank.rank_table` (Spearman, SRC,
SRRC) of one Monte Carlo run of the base config: parameters are ranked by |Spearman| with the output,
and the top k are kept. How much the screen explains is the adjusted R² of the regression of the
output's ranks on the kept parameters' ranks, beside the same on every parameter: the gap is what the
screened-out parameters add; what neither explains is the model's own randomness (who leaves when)
and interactions.
"""

from __future__ import annotations

import math
import tomllib
import warnings
from dataclasses import dataclass
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats

from ...config import Config, ConfigWarning, load_config
from ...engine.simulate import config_text, run_scenarios
from .catalogue import is_months, output_values
from .rank import rank_table, regression

#: parameters kept by default, and replications of the screening run
DEFAULT_TOP = 15
SCREEN_REPLICATIONS = 500


@dataclass(frozen=True)
class Screen:
    """Which parameters an expensive method studies, and why."""

    variable: str
    #: the parameters kept, most influential first
    kept: list[str]
    #: the parameters screened out, most influential first (those that never varied last)
    dropped: list[str]
    #: the rank table of every varying parameter (:func:`rank_table`), by |Spearman|
    table: pd.DataFrame
    #: adjusted R² of the output's ranks on the kept parameters' ranks, and on every parameter's
    r2_top: float
    r2_all: float
    replications: int
    #: the screening run (the base config, the study's seed), or None when given as a table
    run: xr.Dataset | None = None

    @property
    def attrs(self) -> dict[str, Any]:
        """What a result's attributes say about the screen (netCDF-safe: numbers and text)."""
        return {"screen_replications": self.replications, "screen_top": len(self.kept),
                "screen_parameters": len(self.kept) + len(self.dropped),
                "screen_r2_top": self.r2_top, "screen_r2_all": self.r2_all,
                "screened_out": "; ".join(self.dropped), "screen_note": screen_sentence(self)}


def rank_r2(inputs: np.ndarray, y: np.ndarray, months: bool) -> float:
    """Adjusted R² of the regression of ``y``'s ranks on the ranks of the input columns (rows × k)."""
    y = np.asarray(y, dtype=float)
    y = np.where(np.isnan(y), np.inf, y) if months else y
    ok = np.isfinite(y) | months
    x = np.asarray(inputs, dtype=float)[ok]
    if x.shape[1] == 0:
        return 0.0
    rx = np.column_stack([stats.rankdata(x[:, j]) for j in range(x.shape[1])])
    return regression(rx, stats.rankdata(y[ok]))[3]


def screen_from(ds: xr.Dataset, variable: str, top: int = DEFAULT_TOP, *,
                candidates: Sequence[str] | None = None) -> Screen:
    """Screen the parameters of a run ``ds`` (its ``inputs``) against ``variable``: the top ``top`` by
    |Spearman| are kept. ``candidates``: the parameters to choose from (default every one in ``inputs``).
    Raises ValueError when ``top`` < 1."""
    if isinstance(top, bool) or not isinstance(top, (int, np.integer)) or top < 1:
        raise ValueError(f"top must be a whole number of parameters of at least 1, got {top!r}")
    names = [str(p) for p in ds["parameter"].values]
    candidates = names if candidates is None else [c for c in candidates if c in names]
    columns = [names.index(c) for c in candidates]
    inputs = np.asarray(ds["inputs"].values, dtype=float)[:, columns]
    y = output_values(ds, variable)
    months = is_months(variable)
    table = rank_table(inputs, candidates, y, months)
    ranked = list(table.index) + [c for c in candidates if c not in table.index]  # never varied: last
    kept, dropped = ranked[:top], ranked[top:]
    r2_top = rank_r2(inputs[:, [candidates.index(k) for k in kept]], y, months)
    r2_all = rank_r2(inputs[:, [candidates.index(k) for k in table.index]], y, months)
    table.attrs["variable"] = variable
    return Screen(variable, kept, dropped, table, r2_top, r2_all, int(ds.sizes["replication"]), ds)


def same_run(ds: xr.Dataset, cfg: Config, seed: int) -> bool:
    """Whether the results ``ds`` are a Monte Carlo run of ``cfg`` (its ``[[scenarios]]`` aside) with ``seed``:
    then replication r of ``ds`` is replication r of any run of ``cfg`` with that seed (common random numbers)."""
    text = ds.attrs.get("config")
    if str(ds.attrs.get("seed")) != str(seed) or ds.attrs.get("sampling", "mc") != "mc" or not text:
        return False
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfigWarning)  # a comparison: the config's warnings were said when loaded
        try:
            stored = load_config(tomllib.loads(str(text)))
        except (ValueError, TypeError, tomllib.TOMLDecodeError):
            return False
        strip = (lambda c: config_text(load_config({k: v for k, v in c.raw.items() if k != "scenarios"})))
        return strip(stored) == strip(cfg)


def run_screen(cfg: Config, variable: str, top: int, replications: int, seed: int, opts: Mapping[str, Any],
               candidates: Sequence[str] | None = None) -> Screen:
    """One ordinary run of ``cfg`` (``replications``, ``seed``; ``opts``: engine options), screened."""
    ds = run_scenarios({"screen": cfg}, replications, seed, **opts).load()
    return screen_from(ds, variable, top, candidates=candidates)


def _share(r2: float) -> str:
    return "n/a" if r2 is None or math.isnan(r2) else f"{100 * max(r2, 0.0):.0f} %"


def screen_sentence(screen: Screen) -> str:
    """The screen in one plain sentence: runs, kept, how much they explain, how many dropped."""
    total = len(screen.kept) + len(screen.dropped)
    text = (f"screen: {screen.replications} replications ranked {total} parameters by rank correlation with "
            f"{screen.variable}; the top {len(screen.kept)} explain {_share(screen.r2_top)} of the variance of its "
            f"ranks (rank regression, adjusted R²), all {total} explain {_share(screen.r2_all)}")
    if math.isnan(screen.r2_all):
        text += f" (too few replications for a regression on all {total})"
    text += "; " + (f"{len(screen.dropped)} screened out" if screen.dropped else "none screened out")
    return text


def screen_text(screen: Screen, limit: int = 8) -> str:
    """The screen sentence and the first ``limit`` screened-out parameters (all are in the CSV)."""
    lines = [screen_sentence(screen)[0].upper() + screen_sentence(screen)[1:] + "."]
    if screen.dropped:
        shown = ", ".join(screen.dropped[:limit])
        more = len(screen.dropped) - limit
        lines.append(f"Screened out, strongest first: {shown}" + (f" and {more} more" if more > 0 else "") + ".")
        lines.append("What the top parameters leave unexplained is the model's own randomness (who leaves when), "
                     "interactions and the screened-out parameters; --top K or --parameters PATH... to choose.")
    return "\n".join(lines)


__all__ = ["DEFAULT_TOP", "SCREEN_REPLICATIONS", "Screen", "rank_r2", "screen_from", "same_run", "run_screen",
           "screen_sentence", "screen_text"]
