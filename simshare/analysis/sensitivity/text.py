"""A sensitivity study as plain text: the plan, the screen, the indices table with 95 % intervals, the
caveats, the rank correlations, what drives each programme year and the switching values. Money is in £
with k/m (:func:`simshare.analysis.results.format_money`), parameters in their own units."""

from __future__ import annotations

import math
from typing import Sequence

import numpy as np
import pandas as pd
import xarray as xr

from ...engine.simulate import parameter_units
from .catalogue import SERIES, format_output, format_parameter
from .caveats import caveats, swing_text
from .screen import screen_text
from .studies import Study
from .switching import CRITERIA

#: per method: (the yearly variable shown, what it is called)
_YEARLY = {"tornado": ("swing_mean_by_year", "swing of the mean"), "morris": ("mu_star_by_year", "mu*"),
           "sobol": ("ST_by_year", "ST")}


def plan_text(method: str, parameters: Sequence[str], replications: int, top: int | None = None,
              screen_replications: int = 0) -> str:
    """What a study is about to run: the screen (when ``top`` is given: the top ``top`` of ``parameters``
    are studied), the method's parameters, scenarios or design rows, and replications."""
    d, n = len(parameters), replications
    head = ""
    if top is not None:
        head = f"screen: {screen_replications} replications rank {d} parameters; "
        d = min(top, d)
    if method == "tornado":
        return head + f"tornado: top {d} parameters, {2 * d} scenarios × {n} replications (common random numbers)"
    rows = n * (d + (1 if method == "morris" else 2))
    what = "trajectories" if method == "morris" else "base samples"
    return head + f"{method}: {d} parameters, {n} {what} = {rows} simulator runs"


def _cells(ds: xr.Dataset, i: int) -> list[tuple[str, str]]:
    """(heading, text) of a parameter's row of indices, each index with its 95 % half-width."""
    units, method = str(ds.attrs.get("units", "")), ds.attrs["method"]
    v = {name: float(ds[name].values[i]) for name in ds.data_vars if ds[name].dims == ("parameter",)
         and ds[name].dtype.kind == "f"}
    if method == "tornado":
        punits = parameter_units(str(ds["parameter"].values[i]))
        return [("P10 value", format_parameter(v["low"], punits)), ("P90 value", format_parameter(v["high"], punits)),
                ("P50 at P10", format_output(v["p50_low"], units)), ("P50 at P90", format_output(v["p50_high"], units)),
                ("swing P50 (95 % CI)", swing_text(v["swing_p50"], v.get("swing_p50_conf", math.nan), units)),
                ("swing mean (95 % CI)", swing_text(v["swing_mean"], v.get("swing_mean_conf", math.nan), units))]
    if method == "morris":
        return [("mu* (95 % CI)", swing_text(v["mu_star"], v["mu_star_conf"], units)),
                ("sigma", format_output(v["sigma"], units)), ("mu", format_output(v["mu"], units))]
    return [("S1 (95 % CI)", _share(v["S1"], v["S1_conf"])), ("ST (95 % CI)", _share(v["ST"], v["ST_conf"]))]


def _share(value: float, conf: float) -> str:
    if math.isnan(value):
        return "n/a"
    return f"{value:.2f}" + ("" if math.isnan(conf) else f" ± {conf:.2f}")


def indices_text(ds: xr.Dataset, limit: int = 25, stem: str = "the CSV") -> str:
    """The method's indices, a row per parameter (the first ``limit``), each with its 95 % half-width."""
    names = [str(p) for p in ds["parameter"].values]
    if "screen" in ds:
        names = [n for n, s in zip(names, ds["screen"].values) if str(s) == "studied"]
    width = max([len("parameter")] + [len(n) for n in names[:limit]])
    rows = [_cells(ds, i) for i in range(min(limit, len(names)))]
    heads = [h for h, _ in rows[0]] if rows else []
    cw = [max([len(h)] + [len(r[j][1]) for r in rows]) for j, h in enumerate(heads)]
    lines = [f"{'parameter':<{width}}  " + "  ".join(f"{h:>{w}}" for h, w in zip(heads, cw))]
    lines += [f"{n:<{width}}  " + "  ".join(f"{c[1]:>{w}}" for c, w in zip(r, cw)) for n, r in zip(names, rows)]
    if len(names) > limit:
        lines.append(f"... {len(names) - limit} more rows in {stem}")
    return "\n".join(lines)


def ranks_text(table: pd.DataFrame, limit: int = 15, stem: str = "the CSV") -> str:
    """Spearman (with its 95 % half-width), SRC and SRRC, a row per parameter (the first ``limit``), and
    the R² of the regressions."""
    names = list(table.index[:limit])
    width = max([len("parameter")] + [len(n) for n in names])
    lines = [f"{'parameter':<{width}}  {'Spearman (95 % CI)':>18}  {'SRC':>6}  {'SRRC':>6}"]
    for n in names:
        r = table.loc[n]
        rho = f"{r['spearman']:.2f}" + (f" ± {r['spearman_conf']:.2f}" if "spearman_conf" in r
                                        and math.isfinite(r["spearman_conf"]) else "")
        lines.append(f"{n:<{width}}  {rho:>18}  {r['src']:>6.2f}  {r['srrc']:>6.2f}")
    if len(table) > limit:
        lines.append(f"... {len(table) - limit} more rows in {stem}")
    if math.isnan(table.attrs["r2"]) and math.isnan(table.attrs["r2_rank"]):
        lines.append(f"SRC and SRRC need more replications than parameters + 1 ({len(table)} parameters vary)")
    else:
        lines.append(f"R² of the regression on values {table.attrs['r2']:.2f}, on ranks {table.attrs['r2_rank']:.2f} "
                     "(SRC² sums to about R²: near 1, the SRCs explain the variance; far below 1, read the "
                     "Spearman column)")
    return "\n".join(lines)


def by_year_text(ds: xr.Dataset, var: str, what: str) -> str:
    """The top parameter of each programme year for each series, with its 95 % half-width; empty without
    yearly indices."""
    if var not in ds or ds.sizes.get("year", 0) == 0:
        return ""
    conf_var = var.replace("_by_year", "_conf_by_year")
    table = []
    for k, year in enumerate(ds["year"].values):
        cells = []
        for s in SERIES:
            values = ds[var].sel(series=s).values[k]
            vals = np.abs(values)
            if not np.isfinite(vals).any() or np.nanmax(vals) == 0:
                cells.append("(no variation)")
                continue
            j = int(np.nanargmax(vals))
            conf = float(ds[conf_var].sel(series=s).values[k][j]) if conf_var in ds else math.nan
            if var.startswith("S"):
                text = _share(float(values[j]), conf)
            else:
                text = swing_text(float(values[j]), conf, "£/yr" if s == "savings_run_rate" else "1")
            cells.append(f"{ds['parameter'].values[j]} ({text})")
        table.append((int(year), cells))
    w = max([len("savings run-rate")] + [len(c[0]) for _, c in table])
    lines = [f"What drives each programme year ({what}, 95 % CI; the top parameter):",
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
    if study.method == "morris":
        what = (f"mu* (Morris: the mean absolute change in {study.variable} as a parameter moves across its "
                "probability range)")
    else:
        what = "S1 and ST (Sobol: the share of the output's variance due to a parameter alone and with interactions)"
    runs = f"{study.runs} runs" + (" with the screen" if study.screen is not None else "")
    return (f"{'Morris screening' if study.method == 'morris' else 'Sobol indices'} of {study.variable}: {what}; "
            f"{runs}, seed {seed}; sampled parameters vary independently (no correlations)")


def ranks_heading(study: Study) -> str:
    """Where the rank correlations come from, and why they may rank parameters differently from the method."""
    if study.screen is not None:
        source = f"the screening run, {study.screen.replications} replications"
    else:
        source = f"the tornado's base run, {study.replications} replications"
    text = f"Rank correlations with {study.variable} ({source}, no extra runs)"
    if study.method != "tornado":
        text += ("; an ordinary Monte Carlo run with the config's correlations, so they can rank parameters "
                 f"differently from the {study.method} indices, which vary each parameter independently")
    return text + ":"


def switching_text(switching: pd.DataFrame) -> str:
    """One line per parameter and criterion: the switching value (or none) and how it was found."""
    lines = ["Switching values (Green Book): the value at which the criterion crosses, the rest random:"]
    for _, r in switching.iterrows():
        value = format_parameter(r["value"], parameter_units(r["parameter"])) if r["found"] else "none"
        lines.append(f"  {r['parameter']}: {CRITERIA[r['criterion']][0]} → {value}  ({r['note']})")
    return "\n".join(lines)


def format_study(study: Study, switching: pd.DataFrame | None = None, stem: str = "the CSV") -> str:
    """The study as text, its sections separated by blank lines (what ``simshare sensitivity`` prints): the
    screen, the indices, the caveats, the rank correlations, what drives each year, the switching values."""
    sections = []
    if study.screen is not None:
        sections.append(screen_text(study.screen))
    sections.append(study_head(study) + "\n" + indices_text(study.result, stem=stem))
    notes = caveats(study.result)
    if notes:
        sections.append("Caveats:\n" + "\n".join(f"- {c}" for c in notes))
    if study.ranks is not None:
        sections.append(ranks_heading(study) + "\n" + ranks_text(study.ranks, stem=stem))
    else:
        sections.append("No rank correlations: --parameters chose the parameters, so there was no ordinary run "
                        "to read them from (simshare run, then rank_correlations(ds), gives them).")
    sections.append(by_year_text(study.result, *_YEARLY[study.method]))
    if switching is not None:
        sections.append(switching_text(switching))
    return "\n\n".join(x for x in sections if x)


__all__ = ["plan_text", "indices_text", "ranks_text", "by_year_text", "study_head", "ranks_heading",
           "switching_text", "format_study"]
