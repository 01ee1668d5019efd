"""The tornado: each replication parameter held at its P10 and at its P90, the rest random, under
common random numbers; the swing in the output's P50 and mean, overall and per programme year."""

from __future__ import annotations

from typing import Any, Mapping, Sequence

import numpy as np
import xarray as xr

from ...config import Config, ParameterSpec, correlate, draw_values, load_config, replication_parameters
from ...distributions import U_MAX, U_MIN, Dist, ppf
from ...engine.simulate import run_scenarios
from ...seeds import parameter_uniforms, replication_seed
from .catalogue import (SERIES, check_variable, output_units, output_values, select_parameters, year_coords,
                        yearly_months, yearly_series)
from .experiments import base_config, marginal_quantiles, mean_value, order_by_importance, p50, run_options
from .rank import Z95


#: bootstrap resamples of the replications behind each swing's interval
RESAMPLES = 200


def _swing(a: np.ndarray, b: np.ndarray) -> np.ndarray:
    with np.errstate(invalid="ignore"):
        return np.abs(np.asarray(b, dtype=float) - np.asarray(a, dtype=float))


def swing_conf(low: np.ndarray, high: np.ndarray, seed: int = 0) -> tuple[float, float]:
    """95 % half-widths of the swing of the P50 and of the mean between two runs of the same replications
    (common random numbers: the pairs are resampled together). The mean's is Z95 × the standard error of
    the paired differences; the P50's half the central 95 % of a bootstrap of the swing (NaN, as in the
    P50 itself, counts as +inf; NaN where the swing is not finite). ``low``/``high``: replications (× K)."""
    low, high = np.asarray(low, dtype=float), np.asarray(high, dtype=float)
    n = low.shape[0]
    if n < 2:
        return np.full(low.shape[1:], np.nan), np.full(low.shape[1:], np.nan)
    diff = high - low
    mean_conf = Z95 * diff.std(axis=0, ddof=1) / np.sqrt(n)
    idx = np.random.default_rng(seed).integers(0, n, size=(RESAMPLES, n))
    lo, hi = np.where(np.isnan(low), np.inf, low), np.where(np.isnan(high), np.inf, high)
    with np.errstate(invalid="ignore"):
        boot = np.abs(np.quantile(hi[idx], 0.5, axis=1) - np.quantile(lo[idx], 0.5, axis=1))
        ends = np.quantile(boot, [0.025, 0.975], axis=0)
    p50_conf = np.where(np.isfinite(ends).all(axis=0), (ends[1] - ends[0]) / 2, np.nan)
    return p50_conf, mean_conf


def held_rows(cfg: Config, paths: Sequence[str], ends: Mapping[str, np.ndarray], replications: int, seed: int,
              with_base: bool) -> tuple[np.ndarray, np.ndarray, list[str]]:
    """The tornado's runs as rows of one design: parameter values (rows × P), the random-number stream of
    each row, and the name of each block of ``replications`` rows (``base``, then ``PATH at P10`` and
    ``PATH at P90`` per path).

    Row r of every block draws what replication r of an ordinary run draws (its stream and its parameter
    values, correlations included: common random numbers), except that the held parameter is set to its
    P10 or P90 (``ends``); a parameter of another's distribution (an uncertain mean) is held before that
    one is drawn, so the other follows it."""
    specs = replication_parameters(cfg)
    all_paths = [s.path for s in specs]
    u = np.array([parameter_uniforms(replication_seed(seed, i), all_paths) for i in range(replications)])
    u = correlate(cfg, specs, u.reshape(replications, len(all_paths)))
    blocks, names = ([draw_values(specs, u)], ["base"]) if with_base else ([], [])
    for p in paths:
        j = all_paths.index(p)
        for end, label in zip(ends[p], ("P10", "P90")):
            blocks.append(draw_values_holding(specs, u, j, float(end)))
            names.append(f"{p} at {label}")
    streams = np.tile(np.arange(replications, dtype=np.int64), len(blocks))
    return np.concatenate(blocks), streams, names


def draw_values_holding(specs: Sequence[ParameterSpec], u: np.ndarray, column: int, value: float) -> np.ndarray:
    """:func:`~simshare.config.draw_values` of uniforms ``u`` with one column held at ``value``: the
    parameters whose distribution uses it (an uncertain mean held) are drawn again from the same uniforms."""
    out = draw_values(list(specs), u)
    out[:, column] = value
    index = {s.path: k for k, s in enumerate(specs)}
    changed = {column}
    for k in range(column + 1, len(specs)):
        spec = specs[k]
        uses = [index[f"{spec.path}.{name}"] for name, v in spec.dist.params if isinstance(v, Dist)]
        if not changed.intersection(uses):
            continue
        params = {name: out[:, index[f"{spec.path}.{name}"]] if isinstance(v, Dist) else v
                  for name, v in spec.dist.params}
        x = ppf(spec.dist.family, params, np.clip(u[:, k], U_MIN, U_MAX))
        out[:, k] = np.rint(x) if spec.integer else x
        changed.add(k)
    return out


def run_tornado(config: Any, variable: str, parameters: Sequence[str] | None, replications: int, seed: int,
                opts: Mapping[str, Any], batch: int, base: xr.Dataset | None = None) -> tuple[xr.Dataset, xr.Dataset]:
    """The tornado (see :func:`tornado`) and the base scenario's dataset (for rank correlations).
    ``opts``: :func:`~simshare.analysis.sensitivity.experiments.run_options`. ``base``: a run of the same
    base config and seed with at least ``replications`` replications (a screening run), whose first
    ``replications`` are the base scenario (the same random numbers), so it is not run again."""
    cfg = base_config(load_config(config))
    variable = check_variable(cfg, variable)
    paths = select_parameters(cfg, parameters)
    months = yearly_months(cfg.programme.horizon_months)
    ends, sources = {}, {}
    for p in paths:
        ends[p], sources[p] = marginal_quantiles(cfg, p, [0.1, 0.9])
    reuse = base is not None and base.sizes["replication"] >= replications
    values, streams, names = held_rows(cfg, paths, ends, replications, seed, with_base=not reuse)
    y: dict[str, np.ndarray] = {}
    series: dict[str, dict[str, np.ndarray]] = {}
    main = np.full(len(values), np.nan)
    rows_series = {s: np.full((len(values), len(months)), np.nan) for s in SERIES}
    for start in range(0, len(values), batch * replications):
        rows = slice(start, min(start + batch * replications, len(values)))
        d = run_scenarios({"tornado": cfg}, rows.stop - rows.start, seed, values=[values[rows]],
                          streams=streams[rows], **opts)
        main[rows] = output_values(d, variable)
        for s, arr in yearly_series(d, months).items():
            rows_series[s][rows] = arr
        if start == 0 and not reuse:
            base = d.isel(replication=slice(0, replications)).load()
    for j, name in enumerate(names):
        part = slice(j * replications, (j + 1) * replications)
        y[name] = main[part]
        series[name] = {s: rows_series[s][part] for s in SERIES}
    if reuse:
        base = base.isel(replication=slice(0, replications))
        y["base"], series["base"] = output_values(base, variable), yearly_series(base, months)
    lo_names = [f"{p} at P10" for p in paths]
    hi_names = [f"{p} at P90" for p in paths]
    stat = {k: np.array([f(y[n]) for n in names]) for k, f, names in
            (("p50_low", p50, lo_names), ("p50_high", p50, hi_names),
             ("mean_low", mean_value, lo_names), ("mean_high", mean_value, hi_names))}
    swing_p50, swing_mean = _swing(stat["p50_low"], stat["p50_high"]), _swing(stat["mean_low"], stat["mean_high"])
    confs = [swing_conf(y[lo], y[hi], seed) for lo, hi in zip(lo_names, hi_names)]
    conf_p50 = np.array([c[0] for c in confs], dtype=float).reshape(len(paths))
    conf_mean = np.array([c[1] for c in confs], dtype=float).reshape(len(paths))
    by_year = {}
    for key, f in (("p50", lambda a: np.quantile(a, 0.5, axis=0)), ("mean", lambda a: a.mean(axis=0))):
        arr = np.array([[_swing(f(series[lo][s]), f(series[hi][s])) for lo, hi in zip(lo_names, hi_names)]
                        for s in SERIES])  # series, parameter, year
        by_year[f"swing_{key}_by_year"] = (("series", "year", "parameter"), arr.transpose(0, 2, 1).reshape(
            len(SERIES), len(months), len(paths)))
    year_conf = np.full((2, len(SERIES), len(months), len(paths)), np.nan)  # (p50, mean), series, year, parameter
    for i, s in enumerate(SERIES):
        for j, (lo, hi) in enumerate(zip(lo_names, hi_names)):
            year_conf[0, i, :, j], year_conf[1, i, :, j] = swing_conf(series[lo][s], series[hi][s], seed)
    by_year["swing_p50_conf_by_year"] = (("series", "year", "parameter"), year_conf[0])
    by_year["swing_mean_conf_by_year"] = (("series", "year", "parameter"), year_conf[1])
    units = output_units(variable)
    ds = xr.Dataset(
        {
            "low": ("parameter", np.array([ends[p][0] for p in paths], dtype=float)),
            "high": ("parameter", np.array([ends[p][1] for p in paths], dtype=float)),
            **{k: ("parameter", v, {"units": units}) for k, v in stat.items()},
            "swing_p50": ("parameter", swing_p50, {"units": units}),
            "swing_mean": ("parameter", swing_mean, {"units": units}),
            "swing_p50_conf": ("parameter", conf_p50, {"units": units}),
            "swing_mean_conf": ("parameter", conf_mean, {"units": units}),
            "quantiles_from": ("parameter", np.array([sources[p] for p in paths], dtype=object)),
            **by_year,
        },
        coords={"parameter": paths, **year_coords(months)},
        attrs={
            "method": "tornado", "variable": variable, "units": units, "replications": replications, "seed": seed,
            "base_p50": p50(y["base"]), "base_mean": mean_value(y["base"]),
            "note": "each parameter held at its P10 and at its P90 (exact quantiles of its distribution, or of the mixture where its "
                    "parameters are uncertain), the rest random; common random numbers; swing = |high - low|; "
                    "_conf: 95 % half-widths from the replications (paired)",
        },
    )
    for name in ("low", "high"):
        ds[name].attrs["long_name"] = f"parameter value held ({'P10' if name == 'low' else 'P90'} of its marginal)"
    order = order_by_importance(ds["swing_p50"].values, ds["swing_mean"].values)
    return ds.isel(parameter=order), base


def tornado(config: Any, variable: str = "npv", parameters: Sequence[str] | None = None, replications: int = 200,
            seed: int = 1, *, workers: int = 1, executor: str | None = None, scheduler: str | None = None,
            chunk_size: int | None = None, progress: bool = False, batch: int = 32) -> xr.Dataset:
    """One-at-a-time swings: each replication parameter held at its P10 and at its P90, the rest random.
    No screen: every parameter named (default all) is held; :func:`sensitivity` screens first.

    All settings (the base and two per parameter) run ``replications`` replications under common
    random numbers: replication r of every setting has the random numbers and the parameter values
    of replication r of an ordinary run (correlated partners of the held parameter keep theirs), but
    for the parameter held (``batch`` settings per engine call, to bound memory). Returns a
    Dataset on a ``parameter`` dim (dotted paths), largest ``swing_p50`` first: ``low``/``high``
    (the values held), ``p50_low``, ``p50_high``, ``mean_low``, ``mean_high``, ``swing_p50``,
    ``swing_mean``, and per programme year the swings of the savings run-rate and mean
    resilience (``swing_p50_by_year``, ``swing_mean_by_year``; dims series, year, parameter).
    P10/P90 come from the distribution's inverse CDF (exact), or from many inverse-CDF draws
    where its own parameters are uncertain; integer capacities are rounded. Month outputs:
    NaN (not reached) counts as +inf in the P50; the mean is then NaN.
    """
    ds, _ = run_tornado(config, variable, parameters, replications, seed,
                        run_options(workers, executor, scheduler, chunk_size, progress), batch)
    return ds


__all__ = ["tornado", "run_tornado"]
