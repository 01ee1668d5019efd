"""A sensitivity study as plain text: the plan, the indices table, the rank correlations, what drives
each programme year and the switching values."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from .catalogue import SERIES, format_output
from .studies import Study
from .switching import CRITERIA

#: per method: (the yearly variable shown, what it is called)
_YEARLY = {"tornado": ("swing_mean_by_year", "swing of the mean"), "morris": ("mu_star_by_year", "mu*"),
           "sobol": ("ST_by_year", "ST")}


def plan_text(method: str, parameters: Sequence[str], replications: int) -> str:
    """What a study is about to run: parameters, scenarios or design rows, replications."""
    d, n = len(parameters), replications
    if method == "tornado":
        return f"tornado: {d} parameters, {2 * d + 1} scenarios × {n} replications"
    rows = n * (d + (1 if method == "morris" else 2))
    return f"{method}: {d} parameters, {n} {'trajectories' if method == 'morris' else 'base samples'} = {rows} simulator runs"


def indices_text(ds: xr.Dataset, limit: int = 25) -> str:
    """The method's indices, a row per parameter (the first ``limit``)."""
    units = ds.attrs.get("units", "")
    method = ds.attrs["method"]
    names = [str(p) for p in ds["parameter"].values]
    width = max([len("parameter")] + [len(n) for n in names[:limit]])
    if method == "tornado":
        cols = [("P10 value", "low", "plain"), ("P90 value", "high", "plain"), ("P50 at P10", "p50_low", "out"),
                ("P50 at P90", "p50_high", "out"), ("swing P50", "swing_p50", "out"), ("swing mean", "swing_mean", "out")]
    elif method == "morris":
        cols = [("mu*", "mu_star", "out"), ("± conf", "mu_star_conf", "out"), ("sigma", "sigma", "out"),
                ("mu", "mu", "out")]
    else:
        cols = [("S1", "S1", "share"), ("± conf", "S1_conf", "share"), ("ST", "ST", "share"),
                ("± conf", "ST_conf", "share")]

    def cell(value: float, kind: str) -> str:
        if kind == "out":
            return format_output(float(value), units)
        if kind == "share":
            return "n/a" if math.isnan(value) else f"{value:.3f}"
        return f"{value:.4g}"

    rows = [[cell(float(ds[v].values[i]), kind) for _, v, kind in cols] for i in range(min(limit, len(names)))]
    cw = max([len(c) for c, _, _ in cols] + [len(x) for r in rows for x in r])
    lines = [f"{'parameter':<{width}} " + " ".join(f"{c:>{cw}}" for c, _, _ in cols)]
    lines += [f"{n:<{width}} " + " ".join(f"{x:>{cw}}" for x in r) for n, r in zip(names, rows)]
    if len(names) > limit:
        lines.append(f"... {len(names) - limit} more rows in sensitivity.csv")
    return "\n".join(lines)


def ranks_text(table: pd.DataFrame, limit: int = 15) -> str:
    """Spearman, SRC and SRRC, a row per parameter (the first ``limit``), and the R² of the regressions."""
    names = list(table.index[:limit])
    width = max([len("parameter")] + [len(n) for n in names])
    lines = [f"{'parameter':<{width}} {'Spearman':>9} {'SRC':>7} {'SRRC':>7}"]
    for n in names:
        r = table.loc[n]
        lines.append(f"{n:<{width}} {r['spearman']:>9.3f} {r['src']:>7.3f} {r['srrc']:>7.3f}")
    if len(table) > limit:
        lines.append(f"... {len(table) - limit} more rows in sensitivity.csv")
    if math.isnan(table.attrs["r2"]) and math.isnan(table.attrs["r2_rank"]):
        lines.append(f"SRC and SRRC need more replications than parameters + 1 ({len(table)} parameters vary)")
    else:
        lines.append(f"R² of the regression on values {table.attrs['r2']:.2f}, on ranks {table.attrs['r2_rank']:.2f} "
                     "(SRC² sums to about R²: near 1, the SRCs explain the variance)")
    return "\n".join(lines)


def by_year_text(ds: xr.Dataset, var: str, what: str) -> str:
    """The top parameter of each programme year for each series; empty without yearly indices."""
    if var not in ds or ds.sizes.get("year", 0) == 0:
        return ""
    table = []
    for k, year in enumerate(ds["year"].values):
        cells = []
        for s in SERIES:
            vals = np.abs(ds[var].sel(series=s).values[k])
            if not np.isfinite(vals).any() or np.nanmax(vals) == 0:
                cells.append("(no variation)")
                continue
            j = int(np.nanargmax(vals))
            cells.append(f"{ds['parameter'].values[j]} ({ds[var].sel(series=s).values[k][j]:.3g})")
        table.append((int(year), cells))
    w = max([len("savings run-rate")] + [len(c[0]) for _, c in table])
    lines = [f"What drives each programme year ({what}; the top parameter):",
             f"{'year':>4}  {'savings run-rate':<{w}}  resilience (mean over councils)"]
    lines += [f"{year:>4}  {cells[0]:<{w}}  {cells[1]}" for year, cells in table]
    return "\n".join(lines)


def study_head(study: Study) -> str:
    """The first line of a study's text: the method, the output, the runs and the seed."""
    result, n, seed = study.result, study.replications, study.seed
    if study.method == "tornado":
        units = result.attrs["units"]
        return (f"Tornado of {study.variable}: each parameter at its P10 and P90, the rest random ({n} replications "
                f"each, common random numbers, seed {seed}); base P50 {format_output(result.attrs['base_p50'], units)}, "
                f"mean {format_output(result.attrs['base_mean'], units)}")
    what = "mu* (Morris)" if study.method == "morris" else "ST (Sobol total order)"
    return (f"{'Morris screening' if study.method == 'morris' else 'Sobol indices'} of {study.variable}: {what}, "
            f"{study.runs} runs, seed {seed}; sampled parameters vary independently (no correlations)")


def switching_text(switching: pd.DataFrame) -> str:
    """One line per parameter and criterion: the switching value (or none) and how it was found."""
    lines = ["Switching values (Green Book): the value at which the criterion crosses, the rest random:"]
    for _, r in switching.iterrows():
        value = f"{r['value']:.6g}" if r["found"] else "none"
        lines.append(f"  {r['parameter']}: {CRITERIA[r['criterion']][0]} → {value}  ({r['note']})")
    return "\n".join(lines)


def format_study(study: Study, switching: pd.DataFrame | None = None) -> str:
    """The study as text, its sections separated by blank lines (what ``simshare sensitivity`` prints)."""
    source = "base run" if study.method == "tornado" else "design rows"
    sections = [study_head(study) + "\n" + indices_text(study.result),
                f"Rank correlations with {study.variable} ({source}, no extra runs):\n" + ranks_text(study.ranks),
                by_year_text(study.result, *_YEARLY[study.method])]
    if switching is not None:
        sections.append(switching_text(switching))
    return "\n\n".join(x for x in sections if x)


__all__ = ["plan_text", "indices_text", "ranks_text", "by_year_text", "study_head", "switching_text", "format_study"]
