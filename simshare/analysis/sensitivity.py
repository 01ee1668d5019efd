"""Sensitivity: which uncertainties drive an output (DESIGN §3.1, issue 4).

Five tools, cheapest first:

* :func:`rank_correlations` reads any run's ``inputs``: Spearman rank correlation of each
  replication parameter with the output, standardised regression coefficients (SRC, on
  values) and rank regression coefficients (SRRC), with the R² of each regression (an SRC
  only apportions the variance when R² is near 1). No extra runs.
* :func:`tornado` holds one parameter at a time at its P10 and at its P90, the rest random,
  under common random numbers, and reports the swing in the output's P50 and mean.
* :func:`morris` (elementary effects, screening) and :func:`sobol` (first and total-order
  variance shares, Saltelli sampling) via SALib, over all parameters or a chosen subset.
* Time-resolved indices: every method also explains the savings run-rate and the mean
  resilience over councils at each programme year (months 12, 24, ... up to the horizon),
  on a ``year`` dim: what drives year-1 risk versus year-5 risk.
* :func:`switching_value` (Green Book): the value of a parameter at which P50 NPV crosses
  zero, or P(savings target met) crosses 50 %.

Conventions
-----------
* Output variables are the summary rows (:func:`simshare.analysis.summary.outcomes`:
  ``npv``, ``programme_complete_month``, ``lowest_resilience[C]``, ...) and
  ``savings_run_rate@M``, ``cumulative_net@M``, ``resilience@M`` (mean over councils) at a
  month M; see :func:`output_variables`.
* Month outputs store NaN for "not reached within the horizon". Percentiles and ranks read
  NaN as +inf (later than every month), as the board summary does; a mean with any NaN is
  undefined (NaN). Regressions on values (SRC) leave those replications out, and Morris and
  Sobol, which need finite numbers, censor them at the horizon.
* SALib's methods assume independent inputs: the sampled parameters are varied
  independently and the config's correlations are not imposed on them. Unsampled
  parameters keep their Monte Carlo values (correlations among them honoured).
"""

from __future__ import annotations

import fnmatch
import math
import os
import warnings
from pathlib import Path
from typing import Any, Callable, Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr
from scipy import optimize, stats

from ..config import Config, ParameterSpec, apply_overrides, correlate, draw_values, load_config, replication_parameters
from ..distributions import ppf
from ..seeds import parameter_uniforms, replication_seed
from ..engine.simulate import run_scenarios
from .convergence import mean_ci, quantile_ci
from .summary import RESILIENCE_PREFIX, format_money, outcomes, select_scenario, target_probability

#: time series explained per programme year (resilience: mean over councils)
SERIES = ("savings_run_rate", "resilience")
#: time series that ``NAME@MONTH`` output variables may name
_AT_MONTH = ("savings_run_rate", "cumulative_net", "cumulative_savings", "cumulative_costs", "resilience")
#: switching-value criteria: (label, threshold)
CRITERIA = {"npv_p50": ("P50 NPV", 0.0), "target_50": ("P(target met)", 0.5)}
_EPS = 2.0 ** -53  # uniforms are kept inside (0, 1) so unbounded inverse CDFs stay finite


# --------------------------------------------------------------------------- outputs and parameters


def output_variables(cfg: Config) -> list[str]:
    """Output variables a sensitivity analysis of ``cfg`` can explain (``@MONTH`` forms listed generically)."""
    p = cfg.programme
    names = ["npv"]
    if p.target_month is not None or p.savings_target is not None:
        names.append("savings_run_rate@target")
    names += ["savings_run_rate@horizon", "cumulative_net@horizon", "reviews_complete_month",
              "programme_complete_month", "payback_month"]
    names += [f"{RESILIENCE_PREFIX}[{c}]" for c in cfg.council_names]
    return names + [f"{s}@MONTH" for s in _AT_MONTH]


def check_variable(cfg: Config, variable: str) -> str:
    """``variable`` if ``cfg``'s results have it; else ValueError naming it and the valid choices."""
    choices = output_variables(cfg)
    if variable in choices and not variable.endswith("@MONTH"):
        return variable
    name, at, month = variable.partition("@")
    if at and name in _AT_MONTH and month not in ("target", "horizon"):
        if month.isdigit() and int(month) <= cfg.programme.horizon_months:
            return variable
        raise ValueError(f"output variable {variable!r}: the month must be a whole number from 0 to the horizon "
                         f"({cfg.programme.horizon_months})")
    raise ValueError(f"unknown output variable {variable!r} (choose one of: {', '.join(choices)})")


def is_months(variable: str) -> bool:
    """Whether an output is a month (NaN = not reached within the horizon)."""
    return variable.endswith("_month")


def select_parameters(cfg: Config, parameters: Sequence[str] | None = None) -> list[str]:
    """Replication parameters to study: all (None) or the named paths; ``*`` patterns match several.

    Raises ValueError naming every unknown path and listing the valid ones.
    """
    paths = [s.path for s in replication_parameters(cfg)]
    if parameters is None:
        return paths
    chosen: list[str] = []
    unknown = []
    for name in parameters:
        hits = [p for p in paths if fnmatch.fnmatchcase(p, name)] if any(c in name for c in "*?[") else (
            [name] if name in paths else [])
        if not hits:
            unknown.append(name)
        chosen += [h for h in hits if h not in chosen]
    if unknown:
        valid = ", ".join(paths) if paths else "none: the config has no distribution tables"
        raise ValueError(f"unknown parameter {', '.join(map(repr, unknown))}: not an uncertain replication "
                         f"parameter of this config (choose from: {valid})")
    return chosen


def output_values(ds: xr.Dataset, variable: str, scenario: str | None = None) -> np.ndarray:
    """One value per replication of an output variable (see :func:`output_variables`)."""
    d = select_scenario(ds, scenario)
    values = outcomes(d)
    if variable in values:
        return values[variable]
    name, at, month = variable.partition("@")
    if at and name in _AT_MONTH and name in d and month.isdigit():
        da = d[name].sel(time=int(month))
        if "council" in da.dims:
            da = da.mean("council")
        return np.asarray(da.values, dtype=float)
    raise ValueError(f"unknown output variable {variable!r} (these results have: {', '.join(values)})")


def yearly_months(horizon: int) -> np.ndarray:
    """Months that end each whole programme year within the horizon: 12, 24, ..."""
    return np.arange(12, int(horizon) + 1, 12, dtype=int)


def yearly_series(ds: xr.Dataset, months: np.ndarray, scenario: str | None = None) -> dict[str, np.ndarray]:
    """Savings run-rate and mean resilience over councils at each month: replication × year arrays."""
    d = select_scenario(ds, scenario)
    months = [int(m) for m in months]
    n = d.sizes["replication"]
    return {
        "savings_run_rate": np.asarray(d["savings_run_rate"].sel(time=months).values, dtype=float).reshape(n, len(months)),
        "resilience": np.asarray(d["resilience"].sel(time=months).mean("council").values, dtype=float).reshape(n, len(months)),
    }


def _units(variable: str) -> str:
    if is_months(variable):
        return "months"
    if variable.startswith(RESILIENCE_PREFIX) or variable.startswith("resilience"):
        return "1"
    return "£/yr" if variable.startswith("savings_run_rate") else "£"


def _fmt(value: float, units: str) -> str:
    if value is None or (isinstance(value, float) and math.isnan(value)):
        return "n/a"
    if units.startswith("£"):
        return format_money(float(value))
    if units == "months":
        return "after horizon" if math.isinf(value) else f"{value:.1f}"
    return f"{value:.3g}"


# --------------------------------------------------------------------------- rank correlations


def _standardise(a: np.ndarray) -> np.ndarray:
    sd = a.std(axis=0)
    return (a - a.mean(axis=0)) / np.where(sd > 0, sd, 1.0)


def _regression(x: np.ndarray, y: np.ndarray) -> tuple[np.ndarray, float]:
    """Least-squares coefficients on standardised values, and R²; NaN when under-determined."""
    n, k = x.shape
    if n <= k + 1 or y.std() == 0:
        return np.full(k, np.nan), math.nan
    zx, zy = _standardise(x), _standardise(y)
    coef, *_ = np.linalg.lstsq(zx, zy, rcond=None)
    resid = zy - zx @ coef
    return coef, float(1.0 - resid @ resid / (zy @ zy))


def _rank_table(inputs: np.ndarray, names: Sequence[str], y: np.ndarray, months: bool) -> pd.DataFrame:
    """Spearman, SRC and SRRC of each varying input column with ``y``, sorted by |Spearman|."""
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
    src, r2 = _regression(x[finite], y[finite])
    srrc, r2_rank = _regression(rx, ry)
    table = pd.DataFrame({"spearman": spearman, "src": src, "srrc": srrc},
                         index=pd.Index(names, name="parameter"))
    table = table.iloc[np.argsort(-np.nan_to_num(np.abs(spearman), nan=-1.0), kind="stable")]
    table.attrs.update(r2=r2, r2_rank=r2_rank, replications=int(len(y)),
                       not_reached=int(np.count_nonzero(~finite)))
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
    table = _rank_table(np.asarray(d["inputs"].values, dtype=float), [str(p) for p in d["parameter"].values],
                        y, is_months(variable))
    table.attrs["variable"] = variable
    return table


def _rank_by_year(inputs: np.ndarray, names: Sequence[str], series: Mapping[str, np.ndarray],
                  months: np.ndarray) -> xr.Dataset:
    tables = {s: [_rank_table(inputs, names, series[s][:, k], False) for k in range(len(months))] for s in SERIES}
    params = [n for n in names if any(n in t.index for ts in tables.values() for t in ts)]
    out = {}
    for col in ("spearman", "src"):
        arr = np.full((len(SERIES), len(months), len(params)), np.nan)
        for i, s in enumerate(SERIES):
            for k, t in enumerate(tables[s]):
                arr[i, k] = t[col].reindex(params).to_numpy()
        out[f"{col}_by_year"] = (("series", "year", "parameter"), arr)
    out["r2_by_year"] = (("series", "year"), np.array([[t.attrs["r2"] for t in tables[s]] for s in SERIES]))
    return xr.Dataset(out, coords=_year_coords(months) | {"parameter": params})


def rank_correlations_by_year(ds: xr.Dataset, scenario: str | None = None) -> xr.Dataset:
    """Time-resolved rank correlations: Spearman and SRC of every parameter with the savings run-rate
    and the mean resilience at each programme year, dims (series, year, parameter)."""
    d = select_scenario(ds, scenario)
    months = yearly_months(int(d["time"].values[-1]))
    return _rank_by_year(np.asarray(d["inputs"].values, dtype=float), [str(p) for p in d["parameter"].values],
                         yearly_series(d, months), months)


def _year_coords(months: np.ndarray) -> dict:
    return {"series": list(SERIES), "year": ("year", (np.asarray(months) // 12).astype(int)),
            "month": ("year", np.asarray(months, dtype=int))}


# --------------------------------------------------------------------------- marginals and fixed configs


def _specs(cfg: Config) -> dict[str, ParameterSpec]:
    return {s.path: s for s in replication_parameters(cfg)}


def marginal_quantiles(cfg: Config, path: str, q: Sequence[float], draws: int = 200_000) -> tuple[np.ndarray, str]:
    """Quantiles of a replication parameter's marginal, and how they were found.

    Exact (the distribution's inverse CDF) when its parameters are numbers; when they are
    themselves distributions (an uncertain mean) the marginal is a mixture, and we take the
    empirical quantiles of ``draws`` values drawn by inverse CDF (fixed seed: deterministic).
    Integer parameters are rounded. Correlations never change a marginal.
    """
    specs = _specs(cfg)
    spec = specs[path]
    q = np.asarray(q, dtype=float)
    if not spec.dist.nested:
        x = np.asarray(ppf(spec.dist.family, dict(spec.dist.params), q), dtype=float)
        source = "distribution"
    else:
        sub = [s for p, s in specs.items() if p.startswith(path + ".")] + [spec]
        rng = np.random.default_rng(20240)
        values = draw_values(sub, rng.random((draws, len(sub))))[:, -1]
        method = "inverted_cdf" if spec.dist.family == "discrete" else "linear"
        x = np.quantile(values, q, method=method)
        source = "sampled"
    return (np.rint(x) if spec.integer else x), source


def _plain(value: float, integer: bool) -> float | int:
    return int(round(float(value))) if integer else float(value)


def fixed_config(cfg: Config, overrides: Mapping[str, float]) -> Config:
    """``cfg`` with parameters held at values (dotted paths, nested ones included).

    Scenarios are dropped, and so is any correlation that names a parameter no longer uncertain
    (its partners keep their marginals).
    """
    specs = _specs(cfg)
    raw = apply_overrides(cfg.raw, {p: _plain(v, specs[p].integer if p in specs else False)
                                    for p, v in overrides.items()})
    raw.pop("scenarios", None)
    if raw.get("correlations"):
        correlations = raw.pop("correlations")
        alive = {s.path for s in replication_parameters(load_config(raw))}
        raw["correlations"] = [c for c in correlations if all(p in alive for p in c.get("between", []))]
    return load_config(raw)


def _base(cfg: Config) -> Config:
    if not cfg.scenarios:
        return cfg
    raw = dict(cfg.raw)
    raw.pop("scenarios", None)
    return load_config(raw)


def _batched_runs(scenarios: list[tuple[str, Config]], replications: int, seed: int, opts: Mapping[str, Any],
                  batch: int, keep: Callable[[str, xr.Dataset], None]) -> None:
    """Run scenarios under common random numbers, ``batch`` at a time, handing each scenario's data to ``keep``.

    Replication i of every call draws from SeedSequence(seed, i), so batches share their random
    numbers exactly as one call would; batching only bounds memory.
    """
    for start in range(0, len(scenarios), batch):
        part = scenarios[start:start + batch]
        ds = run_scenarios(dict(part), replications, seed, **opts)
        for name, _ in part:
            keep(name, ds if "scenario" not in ds.dims else ds.sel(scenario=name, drop=True))


def _run_options(workers: int, executor: str | None, scheduler: str | None, chunk_size: int | None,
                 progress: bool) -> dict:
    return dict(workers=workers, executor=executor, scheduler=scheduler, chunk_size=chunk_size, progress=progress)


# --------------------------------------------------------------------------- tornado


def _p50(y: np.ndarray) -> float:
    return quantile_ci(y, 0.5)[0]


def _mean(y: np.ndarray) -> float:
    return mean_ci(y)[0]


def _swing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.abs(np.asarray(b, dtype=float) - np.asarray(a, dtype=float))


def _tornado(config: Any, variable: str, parameters: Sequence[str] | None, replications: int, seed: int,
             opts: Mapping[str, Any], batch: int) -> tuple[xr.Dataset, xr.Dataset]:
    cfg = _base(load_config(config))
    variable = check_variable(cfg, variable)
    paths = select_parameters(cfg, parameters)
    months = yearly_months(cfg.programme.horizon_months)
    ends, sources = {}, {}
    for p in paths:
        ends[p], sources[p] = marginal_quantiles(cfg, p, [0.1, 0.9])
    scenarios = [("base", cfg)]
    for p in paths:
        scenarios += [(f"{p} at P10", fixed_config(cfg, {p: ends[p][0]})),
                      (f"{p} at P90", fixed_config(cfg, {p: ends[p][1]}))]
    y: dict[str, np.ndarray] = {}
    series: dict[str, dict[str, np.ndarray]] = {}
    held: dict[str, xr.Dataset] = {}

    def keep(name: str, d: xr.Dataset) -> None:
        y[name] = output_values(d, variable)
        series[name] = yearly_series(d, months)
        if name == "base":
            held["base"] = d.load()

    _batched_runs(scenarios, replications, seed, opts, batch, keep)
    lo_names = [f"{p} at P10" for p in paths]
    hi_names = [f"{p} at P90" for p in paths]
    stat = {k: np.array([f(y[n]) for n in names]) for k, f, names in
            (("p50_low", _p50, lo_names), ("p50_high", _p50, hi_names),
             ("mean_low", _mean, lo_names), ("mean_high", _mean, hi_names))}
    swing_p50, swing_mean = _swing(stat["p50_low"], stat["p50_high"]), _swing(stat["mean_low"], stat["mean_high"])
    by_year = {}
    for key, f in (("p50", lambda a: np.quantile(a, 0.5, axis=0)), ("mean", lambda a: a.mean(axis=0))):
        arr = np.array([[_swing(f(series[lo][s]), f(series[hi][s])) for lo, hi in zip(lo_names, hi_names)]
                        for s in SERIES])  # series, parameter, year
        by_year[f"swing_{key}_by_year"] = (("series", "year", "parameter"), arr.transpose(0, 2, 1).reshape(
            len(SERIES), len(months), len(paths)))
    units = _units(variable)
    ds = xr.Dataset(
        {
            "low": ("parameter", np.array([ends[p][0] for p in paths], dtype=float)),
            "high": ("parameter", np.array([ends[p][1] for p in paths], dtype=float)),
            **{k: ("parameter", v, {"units": units}) for k, v in stat.items()},
            "swing_p50": ("parameter", swing_p50, {"units": units}),
            "swing_mean": ("parameter", swing_mean, {"units": units}),
            "quantiles_from": ("parameter", np.array([sources[p] for p in paths], dtype=object)),
            **by_year,
        },
        coords={"parameter": paths, **_year_coords(months)},
        attrs={
            "method": "tornado", "variable": variable, "units": units, "replications": replications, "seed": seed,
            "base_p50": _p50(y["base"]), "base_mean": _mean(y["base"]),
            "note": "each parameter held at its P10 and at its P90 (from its distribution, or sampled where its "
                    "parameters are uncertain), the rest random; common random numbers; swing = |high - low|",
        },
    )
    for name in ("low", "high"):
        ds[name].attrs["long_name"] = f"parameter value held ({'P10' if name == 'low' else 'P90'} of its marginal)"
    order = _order(ds["swing_p50"].values, ds["swing_mean"].values)
    return ds.isel(parameter=order), held["base"]


def _order(first: np.ndarray, second: np.ndarray) -> np.ndarray:
    """Indices sorting by ``first`` then ``second``, largest first, NaN last."""
    key1 = np.nan_to_num(np.asarray(first, dtype=float), nan=-np.inf, posinf=np.finfo(float).max)
    key2 = np.nan_to_num(np.asarray(second, dtype=float), nan=-np.inf, posinf=np.finfo(float).max)
    return np.lexsort((-key2, -key1))


def tornado(config: Any, variable: str = "npv", parameters: Sequence[str] | None = None, replications: int = 200,
            seed: int = 1, *, workers: int = 1, executor: str | None = None, scheduler: str | None = None,
            chunk_size: int | None = None, progress: bool = False, batch: int = 32) -> xr.Dataset:
    """One-at-a-time swings: each replication parameter held at its P10 and at its P90, the rest random.

    All scenarios (the base and two per parameter) run ``replications`` replications under
    common random numbers (``batch`` scenarios per engine call, to bound memory). Returns a
    Dataset on a ``parameter`` dim (dotted paths), largest ``swing_p50`` first: ``low``/``high``
    (the values held), ``p50_low``, ``p50_high``, ``mean_low``, ``mean_high``, ``swing_p50``,
    ``swing_mean``, and per programme year the swings of the savings run-rate and mean
    resilience (``swing_p50_by_year``, ``swing_mean_by_year``; dims series, year, parameter).
    P10/P90 come from the distribution's inverse CDF (exact), or from many inverse-CDF draws
    where its own parameters are uncertain; integer capacities are rounded. Month outputs:
    NaN (not reached) counts as +inf in the P50; the mean is then NaN.
    """
    ds, _ = _tornado(config, variable, parameters, replications, seed,
                     _run_options(workers, executor, scheduler, chunk_size, progress), batch)
    return ds


# --------------------------------------------------------------------------- SALib designs (pure)


def _problem(names: Sequence[str]) -> dict:
    return {"num_vars": len(names), "names": list(names), "bounds": [[0.0, 1.0]] * len(names)}


def _columns(y: np.ndarray) -> np.ndarray:
    y = np.asarray(y, dtype=float)
    return y[:, None] if y.ndim == 1 else y


def _indices_dataset(results: list[dict[str, np.ndarray]], names: Sequence[str], one: bool,
                     outputs: Sequence[str] | None, attrs: dict) -> xr.Dataset:
    keys = list(results[0])
    if one:
        data = {k: ("parameter", results[0][k]) for k in keys}
        coords = {"parameter": list(names)}
    else:
        data = {k: (("output", "parameter"), np.array([r[k] for r in results])) for k in keys}
        coords = {"parameter": list(names), "output": list(outputs) if outputs is not None else np.arange(len(results))}
    return xr.Dataset(data, coords=coords, attrs=attrs)


def sobol_indices(evaluate: Callable[[np.ndarray, np.ndarray], np.ndarray], names: Sequence[str], n: int = 1024,
                  seed: int = 1, *, conf_level: float = 0.95, num_resamples: int = 100,
                  outputs: Sequence[str] | None = None) -> xr.Dataset:
    """First-order (S1) and total-order (ST) Sobol indices of a model given as a callable.

    Saltelli's design (SALib, scrambled Sobol sequence, ``n`` base samples, second order off:
    n·(d+2) rows) over the unit hypercube; ``evaluate(u, groups)`` gets the uniforms (rows × d,
    inside (0, 1); map them by inverse CDF) and the base sample each row belongs to (rows A_j,
    B_j and AB_ij share group j), and returns one output (rows) or several (rows × K). Returns
    S1, S1_conf, ST, ST_conf (conf: half-width of the bootstrap interval at ``conf_level``) on
    ``parameter`` (and ``output`` for several), in ``names`` order. ``n`` should be a power of 2.
    An output that never varies gets NaN indices.
    """
    from SALib.analyze import sobol as analyze
    from SALib.sample import sobol as sample

    problem = _problem(names)
    d = len(names)
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")  # SALib warns when n is not a power of 2; the design is still valid
        u = sample.sample(problem, int(n), calc_second_order=False, scramble=True, seed=seed)
    u = np.clip(u, _EPS, 1.0 - _EPS)
    groups = np.arange(len(u)) // (d + 2)
    raw = np.asarray(evaluate(u, groups), dtype=float)
    y = _columns(raw)
    results = []
    for k in range(y.shape[1]):
        col = y[:, k]
        if not np.isfinite(col).all() or np.ptp(col) == 0:
            results.append({key: np.full(d, np.nan) for key in ("S1", "S1_conf", "ST", "ST_conf")})
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            si = analyze.analyze(problem, col, calc_second_order=False, num_resamples=num_resamples,
                                 conf_level=conf_level, seed=seed)
        results.append({key: np.asarray(si[key], dtype=float) for key in ("S1", "S1_conf", "ST", "ST_conf")})
    return _indices_dataset(results, names, raw.ndim == 1, outputs,
                            {"method": "sobol", "n": int(n), "rows": int(len(u)), "seed": seed,
                             "conf_level": conf_level})


def morris_indices(evaluate: Callable[[np.ndarray, np.ndarray], np.ndarray], names: Sequence[str],
                   trajectories: int = 20, levels: int = 4, seed: int = 1, *, conf_level: float = 0.95,
                   num_resamples: int = 100, outputs: Sequence[str] | None = None) -> xr.Dataset:
    """Morris elementary effects (mu, mu*, mu*_conf, sigma) of a model given as a callable.

    SALib's trajectories on a ``levels``-point grid; level k of p is the uniform (k + ½)/p, the
    middle of the k-th of p equal-probability bands (so unbounded inverse CDFs stay finite).
    ``evaluate(u, groups)`` as in :func:`sobol_indices`; the d+1 rows of a trajectory share a
    group. Effects are SALib's, per unit of the [0, 1] design scale (each parameter's whole
    probability range, less half a band at each end), so mu* values compare across parameters.
    """
    from SALib.analyze import morris as analyze
    from SALib.sample import morris as sample

    problem = _problem(names)
    d = len(names)
    x = sample.sample(problem, int(trajectories), num_levels=levels, seed=seed)
    u = (x * (levels - 1) + 0.5) / levels
    groups = np.arange(len(x)) // (d + 1)
    raw = np.asarray(evaluate(u, groups), dtype=float)
    y = _columns(raw)
    keys = ("mu", "mu_star", "mu_star_conf", "sigma")
    results = []
    for k in range(y.shape[1]):
        col = y[:, k]
        if not np.isfinite(col).all():
            results.append({key: np.full(d, np.nan) for key in keys})
            continue
        with warnings.catch_warnings():
            warnings.simplefilter("ignore", RuntimeWarning)
            si = analyze.analyze(problem, x, col, num_resamples=num_resamples, conf_level=conf_level,
                                 num_levels=levels, seed=seed)
        results.append({key: np.asarray(si[key], dtype=float) for key in keys})
    return _indices_dataset(results, names, raw.ndim == 1, outputs,
                            {"method": "morris", "trajectories": int(trajectories), "levels": int(levels),
                             "rows": int(len(u)), "seed": seed, "conf_level": conf_level})


# --------------------------------------------------------------------------- SALib designs on the simulator


class _Design:
    """Runs designed rows on the simulator: the chosen parameters from the design's uniforms, the rest
    from each row's group stream, all random numbers of a group shared (common random numbers)."""

    def __init__(self, cfg: Config, paths: Sequence[str], variable: str, seed: int, opts: Mapping[str, Any],
                 batch_rows: int):
        self.cfg, self.paths, self.variable, self.seed = cfg, list(paths), variable, seed
        self.opts, self.batch_rows = dict(opts), batch_rows
        self.specs = replication_parameters(cfg)
        self.all_paths = [s.path for s in self.specs]
        self.columns = [self.all_paths.index(p) for p in self.paths]
        self.months = yearly_months(cfg.programme.horizon_months)
        self.outputs = [variable] + [f"{s}@{m}" for s in SERIES for m in self.months]
        self.inputs: np.ndarray | None = None
        self.y: np.ndarray | None = None
        self.main: np.ndarray | None = None  # the variable as simulated (months: NaN = not reached)

    def values(self, u: np.ndarray, groups: np.ndarray) -> np.ndarray:
        """Parameter values (rows × P): the row's group stream, correlated as in a Monte Carlo run, then
        the sampled columns replaced by the design's uniforms (independent: no copula)."""
        unique, inverse = np.unique(groups, return_inverse=True)
        base = np.array([parameter_uniforms(replication_seed(self.seed, int(g)), self.all_paths) for g in unique])
        base = correlate(self.cfg, self.specs, base.reshape(len(unique), len(self.all_paths)))
        full = base[inverse]
        full[:, self.columns] = u
        return draw_values(self.specs, full)

    def __call__(self, u: np.ndarray, groups: np.ndarray) -> np.ndarray:
        values = self.values(u, groups)
        y = np.full((len(u), len(self.outputs)), np.nan)
        raw = np.full(len(u), np.nan)
        horizon = float(self.cfg.programme.horizon_months)
        for start in range(0, len(u), self.batch_rows):
            rows = slice(start, min(start + self.batch_rows, len(u)))
            ds = run_scenarios({"design": self.cfg}, rows.stop - rows.start, self.seed, values=[values[rows]],
                               streams=np.asarray(groups[rows], dtype=np.int64), **self.opts)
            main = raw[rows] = output_values(ds, self.variable)
            if is_months(self.variable):
                main = np.where(np.isnan(main), horizon, main)  # censored at the horizon
            series = yearly_series(ds, self.months)
            y[rows] = np.column_stack([main] + [series[s] for s in SERIES])
        self.inputs, self.y, self.main = values, y, raw
        return y

    def rank_tables(self) -> tuple[pd.DataFrame, xr.Dataset]:
        """Rank correlations of the sampled parameters over the design's rows. Each row is a valid draw
        of the independent sampled inputs; the unsampled ones repeat within a group, so they are left out."""
        x = self.inputs[:, self.columns]
        table = _rank_table(x, self.paths, self.main, is_months(self.variable))
        table.attrs["variable"] = self.variable
        k = len(self.months)
        series = {s: self.y[:, 1 + i * k: 1 + (i + 1) * k] for i, s in enumerate(SERIES)}
        return table, _rank_by_year(x, self.paths, series, self.months)


def _split(result: xr.Dataset, design: _Design, keys: Sequence[str], sort_key: str, method: str,
           variable: str, attrs: dict) -> xr.Dataset:
    """The indices of the variable on ``parameter``, and per year on (series, year, parameter)."""
    k = len(design.months)
    out = {}
    for key in keys:
        arr = result[key].values
        out[key] = ("parameter", arr[0])
        out[f"{key}_by_year"] = (("series", "year", "parameter"),
                                 arr[1:].reshape(len(SERIES), k, len(design.paths)))
    ds = xr.Dataset(out, coords={"parameter": design.paths, **_year_coords(design.months)},
                    attrs={**result.attrs, **attrs, "method": method, "variable": variable,
                           "units": _units(variable),
                           "note": "SALib assumes independent inputs: the sampled parameters vary independently "
                                   "(the config's correlations are not imposed on them); the rows of one base "
                                   "sample or trajectory share their random numbers"})
    second = "ST" if sort_key == "ST" else "sigma"
    return ds.isel(parameter=_order(ds[sort_key].values, ds[second].values))


def _design(config: Any, variable: str, parameters: Sequence[str] | None, seed: int, opts: Mapping[str, Any],
            batch_rows: int) -> "_Design":
    """The runner of a SALib design over the chosen parameters (all uncertain ones by default)."""
    cfg = _base(load_config(config))
    variable = check_variable(cfg, variable)
    paths = select_parameters(cfg, parameters)
    if not paths:
        raise ValueError("no uncertain replication parameters to study (the config has no distribution tables)")
    return _Design(cfg, paths, variable, seed, opts, batch_rows)


def _morris(config: Any, variable: str, parameters: Sequence[str] | None, trajectories: int, levels: int, seed: int,
            opts: Mapping[str, Any], batch_rows: int) -> tuple[xr.Dataset, _Design]:
    design = _design(config, variable, parameters, seed, opts, batch_rows)
    variable, paths = design.variable, design.paths
    result = morris_indices(design, paths, trajectories, levels, seed, outputs=design.outputs)
    return _split(result, design, ("mu", "mu_star", "mu_star_conf", "sigma"), "mu_star", "morris", variable,
                  {"replications": int(result.attrs["rows"])}), design


def morris(config: Any, variable: str = "npv", parameters: Sequence[str] | None = None, trajectories: int = 20,
           levels: int = 4, seed: int = 1, *, workers: int = 1, executor: str | None = None,
           scheduler: str | None = None, chunk_size: int | None = None, progress: bool = False,
           batch_rows: int = 4096) -> xr.Dataset:
    """Morris screening of the chosen replication parameters (default all): mu*, its confidence
    half-width, sigma (non-linearity and interactions) and mu per parameter, largest mu* first,
    with the same per programme year for the savings run-rate and mean resilience.

    ``trajectories`` × (d + 1) simulator runs. SALib assumes independent inputs: the sampled
    parameters vary independently (no copula); the others are drawn as in a Monte Carlo run. The
    d + 1 rows of one trajectory share a random-number stream (independent across trajectories):
    the model is stochastic, and sharing makes each elementary effect compare like with like.
    Month outputs never reached are censored at the horizon.
    """
    ds, _ = _morris(config, variable, parameters, trajectories, levels, seed,
                    _run_options(workers, executor, scheduler, chunk_size, progress), batch_rows)
    return ds


def _sobol(config: Any, variable: str, parameters: Sequence[str] | None, n: int, seed: int,
           opts: Mapping[str, Any], batch_rows: int) -> tuple[xr.Dataset, _Design]:
    design = _design(config, variable, parameters, seed, opts, batch_rows)
    variable, paths = design.variable, design.paths
    result = sobol_indices(design, paths, n, seed, outputs=design.outputs)
    return _split(result, design, ("S1", "S1_conf", "ST", "ST_conf"), "ST", "sobol", variable,
                  {"replications": int(result.attrs["rows"])}), design


def sobol(config: Any, variable: str = "npv", parameters: Sequence[str] | None = None, n: int = 256,
          seed: int = 1, *, workers: int = 1, executor: str | None = None, scheduler: str | None = None,
          chunk_size: int | None = None, progress: bool = False, batch_rows: int = 4096) -> xr.Dataset:
    """Sobol first-order (S1) and total-order (ST) indices with confidence half-widths of the chosen
    replication parameters (default all), largest ST first, and the same per programme year for the
    savings run-rate and mean resilience.

    Saltelli's design: ``n`` (a power of 2) × (d + 2) simulator runs. SALib assumes independent
    inputs: the sampled parameters vary independently (no copula); the others are drawn as in a
    Monte Carlo run. Rows A_j, B_j and AB_ij of one base sample share a random-number stream
    (independent across base samples): the model is stochastic, and the sharing makes each
    contrast f(AB_ij) − f(A_j) compare like with like. The model's own randomness (and the
    unsampled parameters) thus act as one more input, never sampled: its share of the variance
    is in no parameter's index, and a parameter's S1 includes its interaction with that noise.
    Month outputs never reached are censored at the horizon.
    """
    ds, _ = _sobol(config, variable, parameters, n, seed,
                   _run_options(workers, executor, scheduler, chunk_size, progress), batch_rows)
    return ds


# --------------------------------------------------------------------------- switching values


def _criterion(ds: xr.Dataset, criterion: str) -> float:
    if criterion == "npv_p50":
        return _p50(output_values(ds, "npv"))
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
    being past it (NPV ≥ 0, P ≥ 50 %), so a criterion that only touches it does not cross.
    Returns a Series: value (NaN when none), found, lo, hi, at_lo, at_hi (the criterion at the
    ends), evaluations and a note.
    """
    cfg = _base(load_config(config))
    if criterion not in CRITERIA:
        raise ValueError(f"unknown criterion {criterion!r} (choose one of: {', '.join(CRITERIA)})")
    if criterion == "target_50" and cfg.programme.savings_target is None:
        raise ValueError("criterion 'target_50' needs programme.savings_target in the config")
    specs = _specs(cfg)
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
    opts = _run_options(workers, executor, scheduler, chunk_size, False)
    seen: dict[float, float] = {}

    def evaluate(xs: Sequence[float]) -> None:
        todo = [float(x) for x in xs if float(x) not in seen]
        scenarios = [(f"{parameter}={x!r}", fixed_config(cfg, {parameter: x})) for x in todo]

        def keep(name: str, d: xr.Dataset) -> None:
            seen[float(name.rsplit("=", 1)[1])] = _criterion(d, criterion)

        if scenarios:
            _batched_runs(scenarios, replications, seed, opts, 32, keep)

    if spec.integer:
        xs = list(range(int(lo), int(hi) + 1)) if hi - lo <= 64 else list(np.unique(np.rint(np.linspace(lo, hi, 65))))
    else:
        xs = list(np.linspace(lo, hi, max(int(grid), 2)))
    evaluate(xs)

    def side(x: float) -> float:
        """+1 at or past the threshold (NPV ≥ 0, P ≥ 50 %), −1 short of it, NaN when undefined."""
        gap = seen[float(x)] - threshold
        return math.nan if math.isnan(gap) else (1.0 if gap >= 0 else -1.0)

    def f(x: float) -> float:
        evaluate([x])
        gap = seen[float(x)] - threshold
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


# --------------------------------------------------------------------------- command line


def _table_text(ds: xr.Dataset, limit: int = 25) -> str:
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
            return _fmt(float(value), units)
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


def _ranks_text(table: pd.DataFrame, limit: int = 15) -> str:
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


def _by_year_text(ds: xr.Dataset, var: str, what: str) -> str:
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


def _write(result: xr.Dataset, ranks: pd.DataFrame, ranks_by_year: xr.Dataset, switching: pd.DataFrame | None,
           out_dir: os.PathLike) -> tuple[str, str]:
    """sensitivity.nc (everything) and sensitivity.csv (the per-parameter table), written atomically."""
    params = [str(p) for p in result["parameter"].values]
    params += [p for p in ranks.index if p not in params]
    ds = result.reindex(parameter=params)
    for col in ranks.columns:
        ds[col] = ("parameter", ranks[col].reindex(params).to_numpy(dtype=float))
    ds.attrs["rank_r2"], ds.attrs["rank_r2_rank"] = ranks.attrs["r2"], ranks.attrs["r2_rank"]
    rby = ranks_by_year.reindex(parameter=params)
    for name in rby.data_vars:
        ds[f"rank_{name}"] = rby[name]
    if switching is not None and len(switching):
        for crit in switching["criterion"].unique():
            part = switching[switching["criterion"] == crit].set_index("parameter")
            ds[f"switching_{crit}"] = ("parameter", part["value"].reindex(params).to_numpy(dtype=float),
                                       {"long_name": f"value at which {CRITERIA[crit][0]} crosses "
                                                     f"{CRITERIA[crit][1]:g} (NaN: none in the range or not asked)"})
    ds.attrs = {k: (str(v) if isinstance(v, (bool, type(None))) else v) for k, v in ds.attrs.items()}
    if "quantiles_from" in ds:
        ds["quantiles_from"] = ds["quantiles_from"].fillna("").astype(str)
    out_dir = Path(out_dir)
    nc, csv = out_dir / "sensitivity.nc", out_dir / "sensitivity.csv"
    tmp = out_dir / "sensitivity.nc.tmp"
    ds.to_netcdf(tmp)
    os.replace(tmp, nc)
    flat = [v for v in ds.data_vars if ds[v].dims == ("parameter",)]
    ds[flat].to_dataframe().to_csv(out_dir / "sensitivity.csv.tmp")
    os.replace(out_dir / "sensitivity.csv.tmp", csv)
    return str(nc), str(csv)


def command(args: Any) -> int:
    """``simshare sensitivity CONFIG --method tornado|morris|sobol [--for VAR] [--parameters P...] [--switching [P...]]``."""
    from ..cli import BadInput, choose_executor, output_dir, overrides_from

    cfg = _base(load_config(args.config, overrides_from(args.set)))
    try:
        variable = check_variable(cfg, args.variable)
        paths = select_parameters(cfg, args.parameters)
        switch_paths = select_parameters(cfg, args.switching) if args.switching else args.switching
    except ValueError as err:
        raise BadInput(str(err)) from None
    if not paths:
        raise BadInput(f"{args.config}: no uncertain replication parameters to study (give some keys as "
                       "distribution tables)")
    executor = choose_executor(args)
    out = output_dir(args, args.config)
    opts = _run_options(args.workers, executor, args.scheduler, args.chunk_size, not args.quiet)
    n = args.replications
    if args.method == "tornado":
        print(f"tornado: {len(paths)} parameters, {2 * len(paths) + 1} scenarios × {n} replications")
        result, base = _tornado(cfg, variable, paths, n, args.seed, opts, 32)
        ranks = rank_correlations(base, variable)
        ranks_by_year = rank_correlations_by_year(base)
        head = (f"Tornado of {variable}: each parameter at its P10 and P90, the rest random ({n} replications each, "
                f"common random numbers, seed {args.seed}); base P50 {_fmt(result.attrs['base_p50'], result.attrs['units'])}, "
                f"mean {_fmt(result.attrs['base_mean'], result.attrs['units'])}")
        yearly = ("swing_mean_by_year", "swing of the mean")
    else:
        rows = n * (len(paths) + (1 if args.method == "morris" else 2))
        print(f"{args.method}: {len(paths)} parameters, {n} {'trajectories' if args.method == 'morris' else 'base samples'}"
              f" = {rows} simulator runs")
        runner = _morris if args.method == "morris" else _sobol
        extra = (4,) if args.method == "morris" else ()
        result, design = runner(cfg, variable, paths, n, *extra, args.seed, opts, 4096)
        ranks, ranks_by_year = design.rank_tables()
        what = "mu* (Morris)" if args.method == "morris" else "ST (Sobol total order)"
        head = (f"{'Morris screening' if args.method == 'morris' else 'Sobol indices'} of {variable}: {what}, "
                f"{rows} runs, seed {args.seed}; sampled parameters vary independently (no correlations)")
        yearly = ("mu_star_by_year", "mu*") if args.method == "morris" else ("ST_by_year", "ST")
    switching = None
    if args.switching is not None:
        targets = switch_paths or [str(p) for p in result["parameter"].values[:3]]
        criteria = ["npv_p50"] + (["target_50"] if cfg.programme.savings_target is not None else [])
        print(f"switching values: {len(targets)} parameters × {len(criteria)} criteria")
        switching = pd.DataFrame([switching_value(cfg, p, c, n, args.seed, workers=args.workers, executor=executor,
                                                  scheduler=args.scheduler, chunk_size=args.chunk_size)
                                  for p in targets for c in criteria]).reset_index(drop=True)
    nc, csv = _write(result, ranks, ranks_by_year, switching, out)  # written before printing: a closed pipe loses nothing
    sections = [head + "\n" + _table_text(result),
                f"Rank correlations with {variable} ({'base run' if args.method == 'tornado' else 'design rows'}, "
                "no extra runs):\n" + _ranks_text(ranks),
                _by_year_text(result, *yearly)]
    if switching is not None:
        lines = ["Switching values (Green Book): the value at which the criterion crosses, the rest random:"]
        for _, r in switching.iterrows():
            value = f"{r['value']:.6g}" if r["found"] else "none"
            lines.append(f"  {r['parameter']}: {CRITERIA[r['criterion']][0]} → {value}  ({r['note']})")
        sections.append("\n".join(lines))
    sections.append(f"results: {nc}, {csv}")
    print()
    print("\n\n".join(x for x in sections if x))
    return 0


__all__ = [
    "rank_correlations", "rank_correlations_by_year", "tornado", "morris", "sobol", "morris_indices",
    "sobol_indices", "switching_value", "output_variables", "output_values", "select_parameters",
    "marginal_quantiles", "fixed_config", "command",
]
