"""Scenario comparison under common random numbers (docs/model.md ``simshare compare``).

The base config, its ``[[scenarios]]`` (all or those named) and optionally the status quo
run in one :func:`~simshare.engine.simulate.run_scenarios` call, so replication i of every
scenario lives through the same leavers, recruitment campaigns, review lengths and committee
decisions wherever the scenario does not change them. The difference between a scenario and
the base is then read *per replication* (a paired difference), which strips out most of the
noise that two independent runs would carry: what remains is the scenario's own effect.

Phasing is a scenario like any other: ``programme.order``, ``programme.review_teams``,
``programme.support_capacity``, ``services.NAME.earliest_start_month``,
``programme.approvals_per_meeting`` all go in a scenario's ``set`` table as dotted paths.
"""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from ..config import BASE, STATUS_QUO, Config, ConfigError, load_config, scenario_config, status_quo
from ..engine.progress import Progress
from ..engine.simulate import run_scenarios
from .results import MONEY_TOLERANCE, attr, outcomes, select_scenario, start_date
from .statistics import half_width, statistic_ci
from .summary import dissolution_probability, iso_month, target_probability

#: measure -> (label, units, higher is better). The run-rate is the one the target is compared with
#: (the reviews' unless ``target_scope = "total"``) at the target month, or at the horizon when the results
#: have no target month. Money compares to the pound: differences within £1 are ties.
MEASURES: dict[str, tuple[str, str, bool]] = {
    "npv": ("NPV", "£", True),
    "programme_complete_month": ("Programme complete", "months", False),
    "service_savings_run_rate@target": ("Reviews' run-rate at target", "£/yr", True),
    "savings_run_rate@target": ("Run-rate at target", "£/yr", True),
    "service_savings_run_rate@horizon": ("Reviews' run-rate at end", "£/yr", True),
    "savings_run_rate@horizon": ("Run-rate at end", "£/yr", True),
    "lowest_resilience": ("Lowest resilience", "1", True),
}
COLUMNS = ["mean", "P10", "P50", "P90", "P(beats)", "P(better)", "P(tie)", "better", "units"]


# --------------------------------------------------------------------------- which scenarios


def _same_clock(name: str, cfg: Config, base: Config) -> None:
    """Every scenario shares the dataset's month axis, so none may move the start or the horizon."""
    for key in ("horizon_months", "start"):
        if getattr(cfg.programme, key) != getattr(base.programme, key):
            raise ConfigError([f"scenario {name!r}: programme.{key} must be the same in every scenario "
                               f"(they share one time axis), got {getattr(cfg.programme, key)} "
                               f"against the base's {getattr(base.programme, key)}"])


def scenario_configs(cfg: Config, names: Sequence[str] | None = None, baseline: bool = False) -> dict[str, Config]:
    """The configs to compare, base first: the config's scenarios (all, or ``names`` in that order),
    then the status quo when ``baseline``. An unknown name raises ConfigError listing the known ones."""

    available = [s.name for s in cfg.scenarios]
    if names is None:
        wanted = list(available)
    else:
        wanted = []
        for name in names:
            if name == STATUS_QUO and STATUS_QUO not in available:
                baseline = True
            elif name != BASE and name not in wanted:
                wanted.append(name)
        unknown = [n for n in wanted if n not in available]
        if unknown:
            listed = ", ".join(repr(n) for n in available) or "none: the config has no [[scenarios]]"
            raise ConfigError([f"no scenario named {n!r} (scenarios: {listed})" for n in unknown])
    if baseline and STATUS_QUO in available:
        raise ConfigError([f"scenarios: a scenario is named {STATUS_QUO!r}, which --baseline uses for "
                           "no programme; rename it"])
    out = {BASE: cfg}
    for name in wanted:
        out[name] = scenario_config(cfg, name)
        _same_clock(name, out[name], cfg)
    if baseline:
        out[STATUS_QUO] = status_quo(cfg)
    if len(out) < 2 and available:  # only the base was named: it is always there, compared with the others
        raise ConfigError([f"nothing to compare: {BASE!r} is always compared; name a scenario to compare it with "
                           f"({', '.join(repr(n) for n in available)}) or add the status quo (--baseline)"])
    if len(out) < 2:
        raise ConfigError(["nothing to compare: the config has no [[scenarios]] (add [[scenarios]] tables with a "
                           "name and a set of dotted-path overrides) and the status quo was not asked for "
                           "(--baseline)"])
    return out


def scenario_definitions(cfg: Config, names: Sequence[str], overrides: Mapping[str, Any] | None = None) -> dict:
    """What each compared scenario changes (its ``set`` table), for the dataset's attributes."""
    out: dict[str, dict] = {}
    for name in names:
        if name == BASE:
            out[name] = {"set": dict(overrides or {}), "description": "the config as given"}
        elif name == STATUS_QUO:
            out[name] = {"set": {"programme.order": [], "programme.joint_management": None},
                         "description": "no programme: the same councils and workforce, nothing shared"}
        else:
            sc = next(s for s in cfg.scenarios if s.name == name)
            out[name] = {"set": dict(sc.set), "description": sc.description}
    return out


def compare(config: Any, scenarios: Sequence[str] | None = None, baseline: bool = False, replications: int = 500,
            seed: int = 1, workers: int = 1, executor: str | None = None, chunk_size: int | None = None,
            scheduler: str | None = None, progress: bool | Progress = False, output: str | Path | None = None,
            overrides: Mapping[str, Any] | None = None) -> xr.Dataset:
    """Run the base, its scenarios (all or ``scenarios``) and optionally the status quo under common
    random numbers; one dataset with a ``scenario`` dim (``base`` first). ``overrides`` apply to every
    scenario (a scenario's own ``set`` wins where both name a path).

    ``config``: a TOML path, a table or a Config. The dataset is :func:`simshare.simulate`'s with a
    ``scenario`` dim ahead of the others (replication, time, council, service, parameter) and the
    attributes ``scenario_definitions`` (JSON) and ``comparison``; read it with
    :func:`paired_differences` and :func:`scenario_figures`. With ``output`` it is also written there
    (netCDF, atomically). ``progress``: True for a bar (or plain lines off a terminal) counting the
    replications, each of which runs every scenario, or an outer :class:`~simshare.engine.progress.Progress`.
    Raises ConfigError for a bad config, an unknown scenario name, a scenario that moves the start
    or the horizon, or nothing to compare; ValueError for bad engine options.
    """
    cfg = load_config(config, overrides)
    configs = scenario_configs(cfg, scenarios, baseline)
    attrs = {
        "scenario_definitions": json.dumps(scenario_definitions(cfg, list(configs), overrides),
                                           ensure_ascii=False, default=str),
        "comparison": "paired: replication i of every scenario draws the same random numbers (common random numbers)",
    }
    own = not isinstance(progress, Progress)
    bar = Progress(replications, f"compare ({len(configs)} scenarios)", unit="replication",
                   enabled=bool(progress)) if own else progress
    try:
        return run_scenarios(configs, replications, seed, workers=workers, executor=executor, chunk_size=chunk_size,
                             scheduler=scheduler, progress=bar, output=output, extra_attrs=attrs)
    finally:
        if own:
            bar.close()


# --------------------------------------------------------------------------- paired differences


def measure_values(ds: xr.Dataset, scenario: str) -> dict[str, np.ndarray]:
    """One value per replication of each compared measure for one scenario.

    ``programme_complete_month`` has NaN (not within the horizon) replaced by +inf, later than any month.
    """
    o = outcomes(ds, scenario)
    d = select_scenario(ds, scenario)
    out = {"npv": o["npv"]}
    complete = np.asarray(o.get("programme_complete_month", np.full(o["npv"].shape, np.nan)), dtype=float)
    out["programme_complete_month"] = np.where(np.isnan(complete), np.inf, complete)
    rate = next((r for r in ("service_savings_run_rate@target", "savings_run_rate@target") if r in o), None)
    if rate is None:
        rate = "service_savings_run_rate@horizon" if "service_savings_run_rate@horizon" in o else \
            "savings_run_rate@horizon"
    out[rate] = o[rate]
    out["lowest_resilience"] = np.asarray(d["resilience"].min(("time", "council")).values, dtype=float)
    return out


def quantile(x: np.ndarray, q: float) -> float:
    """numpy's linear sample quantile, exact when some values are ±inf (an interpolation that leans on an
    infinite value gives that infinity); equals ``np.quantile`` on finite data."""
    a = np.sort(np.asarray(x, dtype=float).ravel())
    a = a[~np.isnan(a)]
    if a.size == 0:
        return math.nan
    if np.isfinite(a).all():
        return float(np.quantile(a, q))
    h = (a.size - 1) * q
    lo = int(math.floor(h))
    hi = min(lo + 1, a.size - 1)
    w = h - lo
    if w == 0 or a[lo] == a[hi]:
        return float(a[lo])
    if math.isinf(a[lo]) and math.isinf(a[hi]):
        return math.nan  # between -inf and +inf: undefined
    if math.isinf(a[hi]):
        return float(a[hi])
    if math.isinf(a[lo]):
        return float(a[lo])
    return float(a[lo] + w * (a[hi] - a[lo]))


def paired_difference(scenario: np.ndarray, base: np.ndarray) -> np.ndarray:
    """scenario − base per replication; inf − finite = inf, and two infinities of the same sign
    (neither finishes within the horizon) differ by 0: nothing tells them apart."""
    s, b = np.asarray(scenario, dtype=float), np.asarray(base, dtype=float)
    with np.errstate(invalid="ignore"):
        diff = s - b
    return np.where(np.isinf(s) & (s == b), 0.0, diff)


def paired_differences(ds: xr.Dataset) -> pd.DataFrame:
    """Per scenario other than the base and per measure: mean, P10, P50, P90 of the paired difference
    (scenario − base, replication by replication) and P(scenario beats base).

    P(beats) counts ties half: P(better) + P(tie)/2, so two identical scenarios score 50 %.
    ``P(better)`` is the share of replications strictly better, ``P(tie)`` the share equal; money compares
    to the pound (amounts within £1 of each other are equal). Completion
    not within the horizon is +inf: a scenario that finishes when the base never does beats it, and the
    difference is -inf (shown as such, not dropped). NaN differences (undefined) are left out.
    """
    if "scenario" not in ds.dims or ds.sizes["scenario"] < 2:
        raise ValueError("paired differences need a dataset with a scenario dimension of two or more scenarios")
    names = [str(s) for s in ds["scenario"].values]
    base = measure_values(ds, names[0])
    rows, index = [], []
    for name in names[1:]:
        values = measure_values(ds, name)
        for measure, b in base.items():
            s = values[measure]
            _, units, higher = MEASURES[measure]
            diff = paired_difference(s, b)
            if units.startswith("£"):
                with np.errstate(invalid="ignore"):
                    same = (s == b) | (np.abs(s - b) <= MONEY_TOLERANCE)
            else:
                same = s == b
            better = float(np.mean(~same & (s > b if higher else s < b)))
            tie = float(np.mean(same))
            finite = diff[~np.isnan(diff)]
            with np.errstate(invalid="ignore"):
                mean = float(np.mean(finite)) if finite.size else math.nan
            rows.append({
                "mean": mean,
                "P10": quantile(finite, 0.10),
                "P50": quantile(finite, 0.50),
                "P90": quantile(finite, 0.90),
                "P(beats)": better + tie / 2.0,
                "P(better)": better,
                "P(tie)": tie,
                "better": "higher" if higher else "lower",
                "units": MEASURES[measure][1],
            })
            index.append((name, measure))
    table = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=["scenario", "measure"]))[COLUMNS]
    table.attrs.update(base=names[0], replications=int(ds.sizes["replication"]),
                       note="difference = scenario − base per replication (same random numbers); "
                            "P(beats) = P(better) + P(tie)/2; completion not within the horizon = +inf")
    return table



# --------------------------------------------------------------------------- each scenario on its own


def no_programme(ds: xr.Dataset, scenario: str) -> bool:
    """Whether ``scenario`` runs no programme at all (the status quo, or a scenario that sets
    ``programme.order = []``): it has no finish date to show."""
    definitions = json.loads(attr(ds, "scenario_definitions") or "{}")
    changes = definitions.get(scenario, {}).get("set", {})
    if "programme.order" in changes:
        return not changes["programme.order"]
    return scenario == STATUS_QUO


def scenario_figures(ds: xr.Dataset, confidence: float = 0.95) -> pd.DataFrame:
    """Each compared scenario's own figures (not differences), a row per scenario, base first.

    Columns: ``npv_P50`` and ``npv_P50_hw`` (£; the half-width of its ``confidence`` interval);
    ``programme_complete_P50`` and ``programme_complete_P80``, the calendar month (``"2016-05"``) by
    which half and four in five of the futures have every service live, empty when that many futures
    do not finish within the horizon, each with ``_hw_months``, its half-width in months (+inf when the
    replications cannot bound it); ``P(never finishes)``, the share of futures in which the programme
    is not complete by the horizon; ``no_programme`` (True for the status quo: the completion columns are
    then empty and ``P(never finishes)`` NaN: not applicable); and, when the config has a savings target,
    ``P(target)`` and ``P(target)_hw``; when the partnership dissolves by the horizon in any future of any
    scenario, ``P(dissolved)``.
    """
    if "scenario" not in ds.dims:
        raise ValueError("scenario figures need a dataset with a scenario dimension (simshare compare)")
    start = start_date(ds)
    rows, names = [], [str(s) for s in ds["scenario"].values]
    # any scenario that can dissolve (a hazard set in a scenario, not only the base) adds P(dissolved)
    dissolving = "dissolved_month" in ds and bool(np.isfinite(ds["dissolved_month"].values).any())
    for name in names:
        values = outcomes(ds, name)
        est, low, high = statistic_ci(values["npv"], "P50", confidence)
        row: dict[str, Any] = {"npv_P50": est, "npv_P50_hw": half_width(low, high)}
        absent = no_programme(ds, name)
        done = np.asarray(values.get("programme_complete_month", np.full(values["npv"].shape, np.nan)), dtype=float)
        for stat in ("P50", "P80"):
            month, low, high = statistic_ci(done, stat, confidence)
            shown = not absent and math.isfinite(month)
            row[f"programme_complete_{stat}"] = iso_month(start, month) if shown else ""
            row[f"programme_complete_{stat}_hw_months"] = half_width(low, high) if shown else math.nan
        row["P(never finishes)"] = math.nan if absent else float(np.mean(np.isnan(done)))
        row["no_programme"] = absent
        prob = target_probability(ds, confidence=confidence, scenario=name)
        if prob is not None:
            row["P(target)"], row["P(target)_hw"] = prob
        if dissolving:
            gone = dissolution_probability(ds, confidence=confidence, scenario=name)  # None: none dissolved
            row["P(dissolved)"] = gone[0] if gone is not None else 0.0
        rows.append(row)
    table = pd.DataFrame(rows, index=pd.Index(names, name="scenario"))
    table.attrs.update(confidence=confidence, replications=int(ds.sizes["replication"]))
    return table


def differences_for_csv(table: pd.DataFrame) -> pd.DataFrame:
    """The paired-difference table as written to CSV: a difference that leans on a future in which one
    side never finishes (±inf in :func:`paired_differences`) is left empty rather than written as inf."""
    out = table.copy()
    numeric = out.select_dtypes("number").columns
    out[numeric] = out[numeric].replace([np.inf, -np.inf], np.nan)
    return out


__all__ = ["compare", "scenario_configs", "scenario_definitions", "paired_differences", "paired_difference",
           "measure_values", "quantile", "scenario_figures", "no_programme", "differences_for_csv",
           "MEASURES", "COLUMNS"]
