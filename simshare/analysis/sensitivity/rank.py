"""Rank correlations from any run's ``inputs`` (no extra runs): Spearman, standardised regression
coefficients on values (SRC) and on ranks (SRRC), with the R² of each regression, overall and per
programme year.

Month outputs that are NaN (not reached) rank as +inf (latest) and are left out of the SRC.
"""

from __future__ import annotations

import math
from typing import Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr
from scipy import stats
from threadpoolctl import threadpool_limits

from ..results import select_scenario
from .catalogue import SERIES, is_months, output_values, year_coords, yearly_months, yearly_series


def _standardise(a: np.ndarray) -> np.ndarray:
    sd = a.std(axis=0)
    return (a - a.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


#: two-sided 95 % normal quantile: every half-width here is a 95 % interval, as SALib's ``_conf``
Z95 = 1.959963984540054


def regression(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, np.ndarray, float, float]:
    """Least squares of standardised ``y`` (rows) on standardised ``x`` (rows × k): the coefficients, their
    95 % half-widths (ordinary least squares), R² and adjusted R² (1 − (1 − R²)(n − 1)/(n − k − 1), which
    does not grow with useless columns). All NaN when under-determined (n ≤ k + 1) or ``y`` never varies."""
    n, k = x.shape
    if n <= k + 1 or y.std() == 0:
        return np.full(k, np.nan), np.full(k, np.nan), math.nan, math.nan
    zx, zy = _standardise(x), _standardise(y)
    # one BLAS thread: these matrices are small, and threads spinning on a busy machine cost 50 × the work
    with threadpool_limits(limits=1, user_api="blas"):
        coef, *_ = np.linalg.lstsq(zx, zy, rcond=None)
        resid = zy - zx @ coef
        rss = float(resid @ resid)
        cov = np.linalg.pinv(zx.T @ zx) * rss / (n - k - 1)
    r2 = 1.0 - rss / float(zy @ zy)
    adjusted = 1.0 - (1.0 - r2) * (n - 1) / (n - k - 1)
    return coef, Z95 * np.sqrt(np.clip(np.diag(cov), 0.0, None)), float(r2), float(adjusted)


def spearman_conf(rho: np.ndarray, n: int) -> np.ndarray:
    """95 % half-widths of Spearman coefficients from ``n`` pairs: the Fisher-z interval with Bonett and
    Wright's variance (1 + ρ²/2)/(n − 3), mapped back and halved; NaN for n ≤ 3."""
    rho = np.asarray(rho, dtype=float)
    if n <= 3:
        return np.full(rho.shape, np.nan)
    z = np.arctanh(np.clip(rho, -0.999999, 0.999999))
    se = np.sqrt((1.0 + rho ** 2 / 2.0) / (n - 3))
    return (np.tanh(z + Z95 * se) - np.tanh(z - Z95 * se)) / 2.0


def rank_table(inputs: np.ndarray, names: Sequence[str], y: np.ndarray, months: bool) -> pd.DataFrame:
    """Spearman, SRC and SRRC of each varying input column (inputs: rows × parameters) with ``y`` (rows),
    each with its 95 % half-width (``*_conf``), sorted by |Spearman|; ``attrs``: ``r2``, ``r2_rank`` (and
    ``*_adjusted``), ``replications``, ``not_reached``. ``months``: y
    is a month (NaN = not reached: ranked latest, left out of the SRC); otherwise non-finite rows are dropped."""
    inputs = np.asarray(inputs, dtype=float)
    y = np.asarray(y, dtype=float)
    keep = [j for j in range(inputs.shape[1])
            if np.isfinite(inputs[:, j]).all() and np.ptp(inputs[:, j]) > 0]
    x = inputs[:, keep]
    names = [names[j] for j in keep]
    if months:
        y_rank = np.where(np.isnan(y), np.inf, y)
    else:
        ok = np.isfinite(y)
        x, y, y_rank = x[ok], y[ok], y[ok]
    ry = stats.rankdata(y_rank)
    rx = np.column_stack([stats.rankdata(x[:, j]) for j in range(x.shape[1])]) if names else np.empty((len(y), 0))
    if len(y) > 2 and ry.std() > 0 and names:
        spearman = np.array([np.corrcoef(rx[:, j], ry)[0, 1] for j in range(len(names))])
    else:
        spearman = np.full(len(names), np.nan)
    finite = np.isfinite(y)
    src, src_conf, r2, r2_adj = regression(x[finite], y[finite])
    srrc, srrc_conf, r2_rank, r2_rank_adj = regression(rx, ry)
    table = pd.DataFrame({"spearman": spearman, "spearman_conf": spearman_conf(spearman, len(y)),
                          "src": src, "src_conf": src_conf, "srrc": srrc, "srrc_conf": srrc_conf},
                         index=pd.Index(names, name="parameter"))
    table = table.iloc[np.argsort(-np.nan_to_num(np.abs(spearman), nan=-1.0), kind="stable")]
    table.attrs.update(r2=r2, r2_rank=r2_rank, r2_adjusted=r2_adj, r2_rank_adjusted=r2_rank_adj,
                       replications=int(len(y)), not_reached=int(np.count_nonzero(~finite)))
    return table


def rank_correlations(ds: xr.Dataset, variable: str = "npv", scenario: str | None = None) -> pd.DataFrame:
    """Spearman rank correlation, SRC and SRRC of every replication parameter with an output, from
    a run's ``inputs`` (no extra runs); rows sorted by |Spearman|, largest first.

    ``attrs``: ``r2`` and ``r2_rank``, the R² of the regressions on values and on ranks — SRC²
    sums to about R², so a low R² says the output is not linear in the inputs (or is driven by
    the model's own randomness); NaN with too few replications (n ≤ parameters + 1). For month outputs
    a replication that never gets there ranks as +inf (latest) and is left out of the SRC.
    """
    d = select_scenario(ds, scenario)
    y = output_values(d, variable)
    table = rank_table(np.asarray(d["inputs"].values, dtype=float), [str(p) for p in d["parameter"].values],
                        y, is_months(variable))
    table.attrs["variable"] = variable
    return table


def rank_by_year(inputs: np.ndarray, names: Sequence[str], series: Mapping[str, np.ndarray],
                 months: np.ndarray) -> xr.Dataset:
    """Spearman and SRC of each input with each yearly series (rows × years), dims (series, year, parameter),
    and the R² per (series, year)."""
    tables = {s: [rank_table(inputs, names, series[s][:, k], False) for k in range(len(months))] for s in SERIES}
    params = [n for n in names if any(n in t.index for ts in tables.values() for t in ts)]
    out = {}
    for col in ("spearman", "src"):
        arr = np.full((len(SERIES), len(months), len(params)), np.nan)
        for i, s in enumerate(SERIES):
            for k, t in enumerate(tables[s]):
                arr[i, k] = t[col].reindex(params).to_numpy()
        out[f"{col}_by_year"] = (("series", "year", "parameter"), arr)
    out["r2_by_year"] = (("series", "year"), np.array([[t.attrs["r2"] for t in tables[s]] for s in SERIES]))
    return xr.Dataset(out, coords=year_coords(months) | {"parameter": params})


def rank_correlations_by_year(ds: xr.Dataset, scenario: str | None = None) -> xr.Dataset:
    """Time-resolved rank correlations: Spearman and SRC of every parameter with the savings run-rate
    and the mean resilience at each programme year, dims (series, year, parameter)."""
    d = select_scenario(ds, scenario)
    months = yearly_months(int(d["time"].values[-1]))
    return rank_by_year(np.asarray(d["inputs"].values, dtype=float), [str(p) for p in d["parameter"].values],
                         yearly_series(d, months), months)


__all__ = ["Z95", "regression", "spearman_conf", "rank_table", "rank_correlations", "rank_by_year", "rank_correlations_by_year"]
