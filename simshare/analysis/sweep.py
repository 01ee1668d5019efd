"""Full-factorial parameter sweeps under common random numbers (docs/model.md ``simshare sweep``).

``simshare sweep CONFIG --set programme.review_teams=1,2,3 --set councils.A.turnover_annual=0.1,0.15``
runs every combination of the swept values as a scenario of one
:func:`~simshare.engine.simulate.run_scenarios` call, so replication i of every point shares its
random numbers, and the differences between points are the swept parameters' doing. The result
has one dimension per swept path (named by the path, its coordinate the values) in place of the
``scenario`` dimension, and keeps every result variable.
"""

from __future__ import annotations

import hashlib
import itertools
import json
import math
import os
import re
from pathlib import Path
from typing import Any, Iterator, Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from ..config import Config, ConfigError, OverrideError, load_config, parse_value, plain
from ..engine.progress import Progress
from ..engine.simulate import parameter_units, run_scenarios
from .results import attr, outcomes, start_date
from .statistics import STATISTICS, half_width, statistic_ci
from .summary import dissolution_probability, iso_month, target_probability

#: outcomes summarised per point
SUMMARY_OUTCOMES = ("npv", "programme_complete_month")
#: keys every point must share: the dataset has one time axis
FIXED_PATHS = ("programme.horizon_months", "programme.start")


# --------------------------------------------------------------------------- the command line's axes


def split_values(text: str) -> list[str]:
    """Split ``V1,V2,...`` on commas outside brackets, braces and quotes."""
    parts: list[str] = []
    current: list[str] = []
    depth, quote, i = 0, None, 0
    while i < len(text):
        ch = text[i]
        current.append(ch)
        if quote:
            if ch == "\\" and quote == '"' and i + 1 < len(text):
                current.append(text[i + 1])
                i += 1
            elif ch == quote:
                quote = None
        elif ch in "\"'":
            quote = ch
        elif ch in "[{":
            depth += 1
        elif ch in "]}":
            depth -= 1
            if depth < 0:
                raise ValueError(f"unbalanced {ch!r}")
        elif ch == "," and depth == 0:
            current.pop()
            parts.append("".join(current))
            current = []
        i += 1
    if quote:
        raise ValueError(f"unclosed quote {quote}")
    if depth:
        raise ValueError("unclosed bracket or brace")
    parts.append("".join(current))
    return parts


def value_label(value: Any) -> str:
    """A value as inline TOML (what ``--set`` accepts back): ``3``, ``0.15``, ``["A", "B"]``, ``{dist = "pert", ...}``."""
    if isinstance(value, bool):
        return "true" if value else "false"
    if isinstance(value, str):
        return json.dumps(value, ensure_ascii=False)
    if isinstance(value, float) and value.is_integer() and abs(value) < 1e15:
        return f"{value:.1f}"
    if isinstance(value, (int, float)):
        return repr(value)
    if isinstance(value, list):
        return "[" + ", ".join(value_label(v) for v in value) + "]"
    if isinstance(value, Mapping):
        def key(k: str) -> str:
            return k if k.replace("_", "").replace("-", "").isalnum() else json.dumps(k, ensure_ascii=False)

        return "{" + ", ".join(f"{key(str(k))} = {value_label(v)}" for k, v in value.items()) + "}"
    return str(value)


def _same(a: Any, b: Any) -> bool:
    number = (int, float)
    if isinstance(a, number) and isinstance(b, number) and not isinstance(a, bool) and not isinstance(b, bool):
        return a == b
    return value_label(a) == value_label(b)


def parse_sweep(assignments: list[str]) -> dict[str, list]:
    """``PATH=V1,V2,...`` options as ``{path: [values]}``; values read as TOML like ``--set`` values.

    Commas inside brackets, braces or quotes belong to a value, so
    ``programme.order=["A","B"],["B","A"]`` gives two lists. Raises ValueError naming the bad part.
    """
    axes: dict[str, list] = {}
    for text in assignments or []:
        if "=" not in text:
            raise ValueError(f"--set {text!r}: expected PATH=V1,V2,..., e.g. programme.review_teams=1,2,3")
        path, rest = (s.strip() for s in text.split("=", 1))
        if not path:
            raise ValueError(f"--set {text!r}: the path before '=' is empty")
        if path in axes:
            raise ValueError(f"--set {text!r}: {path} is swept twice; give all its values in one --set")
        try:
            parts = split_values(rest)
        except ValueError as err:
            raise ValueError(f"--set {text!r}: {err} in the values") from None
        values: list = []
        for k, part in enumerate(parts, 1):
            part = part.strip()
            if not part:
                raise ValueError(f"--set {text!r}: value {k} of {path} is empty")
            value = parse_value(part)
            if any(_same(value, v) for v in values):
                raise ValueError(f"--set {text!r}: value {part} of {path} is given twice")
            values.append(value)
        axes[path] = values
    if not axes:
        raise ValueError("nothing to sweep: give --set PATH=V1,V2,...")
    return axes


# --------------------------------------------------------------------------- the points


def _point_errors(path: str, value: Any, err: ConfigError) -> list[str]:
    head = f"{path}={value_label(value)}"
    if isinstance(err, OverrideError):
        return [f"{head}: {message}" for _, message in err.blamed]
    return [f"{head}: {e[len(path) + 2:] if e.startswith(path + ': ') else e}" for e in err.errors]


def sweep_configs(config: Any, axes: Mapping[str, list], overrides: Mapping[str, Any] | None = None) -> dict[str, Config]:
    """One config per point of the full factorial, in C order (last path fastest), named
    ``path=value; path=value``. A path or value that does not make a valid config raises
    ConfigError naming the path and the value."""
    axes = {str(path): plain(list(values)) for path, values in axes.items()}  # numpy values become plain ones
    cfg = load_config(config, overrides)
    base = load_config({k: v for k, v in cfg.raw.items() if k != "scenarios"}) if cfg.scenarios else cfg
    if not axes:
        raise ConfigError(["nothing to sweep: give at least one path and its values"])
    errors = []
    for path, values in axes.items():
        if path in FIXED_PATHS:
            errors.append(f"{path}: cannot be swept: every point shares one time axis")
            continue
        if not values:
            errors.append(f"{path}: no values to sweep")
        for value in values:  # each value alone first, so an error names its own path
            try:
                point = load_config(base, {path: value})
            except ConfigError as err:  # a message that every value gets (a bad path) is said once
                said = {e.split(": ", 1)[-1] for e in errors if e.startswith(path + "=")}
                errors += [e for e in _point_errors(path, value, err) if e.split(": ", 1)[-1] not in said]
                continue
            for key in ("horizon_months", "start"):
                if getattr(point.programme, key) != getattr(base.programme, key):
                    errors.append(f"{path}={value_label(value)}: changes programme.{key}, which every point shares")
    if errors:
        raise ConfigError(errors)
    points: dict[str, Config] = {}
    for combo in itertools.product(*axes.values()):
        point = dict(zip(axes, combo))
        name = "; ".join(f"{p}={value_label(v)}" for p, v in point.items())
        try:
            points[name] = load_config(base, point)
        except OverrideError as err:
            raise ConfigError([f"{name}: {message}" for _, message in err.blamed]) from None
    return points


def _coordinate(path: str, values: list) -> xr.DataArray:
    """The swept values as a coordinate: numbers stay numbers, strings stay strings, lists and
    tables (and mixtures) become their inline-TOML labels."""
    attrs = {"long_name": f"swept parameter {path}"}
    if all(isinstance(v, (int, float)) and not isinstance(v, bool) for v in values):
        data = np.array(values, dtype=float if any(isinstance(v, float) for v in values) else np.int64)
        attrs["units"] = parameter_units(path)
    elif all(isinstance(v, str) for v in values):
        data = np.array(values, dtype=str)
    else:
        data = np.array([value_label(v) for v in values], dtype=str)
    return xr.DataArray(data, dims=(path,), attrs=attrs)


def reshape_points(ds: xr.Dataset, axes: Mapping[str, list]) -> xr.Dataset:
    """Turn the ``scenario`` dim of a sweep's points (full factorial, C order) into one dim per
    swept path, keeping every variable and coordinate."""
    paths = list(axes)
    shape = tuple(len(v) for v in axes.values())
    if "scenario" not in ds.dims:  # a single point: run_scenarios drops the dim
        ds = ds.expand_dims(scenario=1)
    if ds.sizes["scenario"] != math.prod(shape):
        raise ValueError(f"{ds.sizes['scenario']} scenarios cannot fill a sweep of shape {shape}")
    data_vars = {}
    for name, var in ds.data_vars.items():
        if "scenario" not in var.dims:
            data_vars[name] = var
            continue
        rest = [d for d in var.dims if d != "scenario"]
        v = var.transpose("scenario", *rest)
        data_vars[name] = xr.DataArray(v.values.reshape(shape + v.shape[1:]), dims=paths + rest, attrs=var.attrs)
    coords = {p: _coordinate(p, v) for p, v in axes.items()}
    coords.update({k: c for k, c in ds.coords.items() if "scenario" not in c.dims and k not in coords})
    return xr.Dataset(data_vars, coords=coords, attrs=dict(ds.attrs))


def sweep(config: Any, axes: Mapping[str, list], replications: int = 200, seed: int = 1, workers: int = 1,
          executor: str | None = None, chunk_size: int | None = None, scheduler: str | None = None,
          progress: bool | Progress = False, output: str | Path | None = None,
          overrides: Mapping[str, Any] | None = None) -> xr.Dataset:
    """Run every point of the full factorial of ``axes`` ({dotted path: [values]}) under common random
    numbers; a dataset with one dimension per swept path (coordinate: the values) ahead of the usual ones.
    The config's ``[[scenarios]]`` play no part. With ``output`` the dataset is also written there.

    ``config``: a TOML path, a table or a Config, with ``overrides`` applied first. Each point runs
    ``replications`` replications (``progress``: True for one bar, or plain lines off a terminal, over
    them all, or an outer :class:`~simshare.engine.progress.Progress`); the attributes ``sweep_paths`` and ``sweep_axes`` (JSON) record the
    axes; read it with :func:`sweep_summary`. Raises ConfigError naming the path and value of any point
    that is not a valid config (or that changes the start or the horizon); ValueError for bad engine
    options.
    """
    axes = {str(p): plain(list(v)) for p, v in axes.items()}  # numpy values become plain ones
    points = sweep_configs(config, axes, overrides)
    attrs = {
        "sweep_paths": json.dumps(list(axes), ensure_ascii=False),
        "sweep_axes": json.dumps(axes, ensure_ascii=False, default=str),
        "sweep_note": "full factorial; replication i of every point draws the same random numbers",
    }
    own = not isinstance(progress, Progress)
    bar = Progress(replications, f"sweep ({len(points)} points)", unit="replication",
                   enabled=bool(progress)) if own else progress
    try:
        ds = run_scenarios(points, replications, seed, workers=workers, executor=executor, chunk_size=chunk_size,
                           scheduler=scheduler, progress=bar, extra_attrs=attrs)
    finally:
        if own:
            bar.close()
    out = reshape_points(ds, axes)
    if output is not None:
        write_atomic(out, Path(output))
    return out


def write_atomic(ds: xr.Dataset, path: Path) -> None:
    """Write netCDF via a temporary file renamed into place: never a half-written result."""
    tmp = path.with_name(path.name + ".tmp")
    try:
        ds.to_netcdf(tmp)
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()


# --------------------------------------------------------------------------- summary


def swept_paths(ds: xr.Dataset) -> list[str]:
    """The swept dims of a sweep dataset, from its ``sweep_paths`` attribute."""
    text = attr(ds, "sweep_paths")
    if text is None:
        raise ValueError("not a sweep dataset: no sweep_paths attribute")
    return [p for p in json.loads(text)]


def point_outcomes(ds: xr.Dataset) -> Iterator[tuple[tuple, xr.Dataset]]:
    """Each point of a sweep (C order, last path fastest): its swept values (plain Python values, as the
    coordinates hold them) and the dataset of that point alone."""
    paths = swept_paths(ds)
    for idx in itertools.product(*(range(ds.sizes[p]) for p in paths)):
        yield tuple(ds[p].values[i].item() for p, i in zip(paths, idx)), ds.isel(dict(zip(paths, idx)))


def sweep_summary(ds: xr.Dataset, confidence: float = 0.95) -> pd.DataFrame:
    """Per point (index: one level per swept path): ``npv_STAT`` and ``programme_complete_month_STAT`` for
    STAT in P10, P50, P80, P90 and mean, each with ``_hw``, the half-width of its ``confidence`` interval
    (the summary's intervals: order statistics for percentiles, normal for means); ``P(never finishes)``,
    the share of futures not complete by the horizon; and ``P(target)`` with ``P(target)_hw`` (Wilson) when
    the config has a savings target. Completion is in months from the start: +inf = after the horizon
    (a percentile that leans on futures that never finish), NaN mean when any never finishes, +inf
    half-width when too few futures finish to bound the figure; ``P(dissolved)`` when the partnership
    dissolves by the horizon in any future of any point. :func:`csv_table` gives the same table
    with calendar months."""
    paths = swept_paths(ds)
    rows, index = [], []
    # a swept hazard (or any point that dissolves) adds P(dissolved): why NPV collapses at some points
    dissolving = "dissolved_month" in ds and bool(np.isfinite(ds["dissolved_month"].values).any())
    for key, d in point_outcomes(ds):
        values = outcomes(d)
        row: dict[str, float] = {}
        for name in SUMMARY_OUTCOMES:
            for stat in STATISTICS:
                est, low, high = statistic_ci(values[name], stat, confidence)
                row[f"{name}_{stat}"], row[f"{name}_{stat}_hw"] = est, half_width(low, high)
        row["P(never finishes)"] = float(np.mean(np.isnan(values["programme_complete_month"])))
        prob = target_probability(d, confidence=confidence)
        if prob is not None:
            row["P(target)"], row["P(target)_hw"] = prob
        if dissolving:
            gone = dissolution_probability(d, confidence=confidence)  # None: none dissolved at this point
            row["P(dissolved)"] = gone[0] if gone is not None else 0.0
        rows.append(row)
        index.append(key)
    table = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=paths))
    table.attrs.update(replications=int(ds.sizes["replication"]), confidence=confidence)
    return table


def csv_table(ds: xr.Dataset, table: pd.DataFrame | None = None) -> pd.DataFrame:
    """:func:`sweep_summary` as the sweep's CSV holds it: completion percentiles and means as calendar months
    (``2016-05``), empty when after the horizon (or undefined); their half-widths in months (to 0.1),
    empty when unbounded; list and table values of a swept path as inline TOML."""
    if table is None:
        table = sweep_summary(ds)
    start = start_date(ds)
    out = table.copy()
    for stat in STATISTICS:
        col = f"programme_complete_month_{stat}"
        out[col] = [iso_month(start, v) if math.isfinite(v) else "" for v in table[col]]
        out = out.rename(columns={col: f"programme_complete_{stat}",
                                  f"{col}_hw": f"programme_complete_{stat}_hw_months"})
    numeric = out.select_dtypes("number").columns
    out[numeric] = out[numeric].replace([np.inf, -np.inf], np.nan)
    for stat in STATISTICS:
        out[f"programme_complete_{stat}_hw_months"] = out[f"programme_complete_{stat}_hw_months"].round(1)
    return out


def output_stem(paths: Sequence[str]) -> str:
    """The name a sweep's files take in the output folder, from its swept paths, so that sweeps of different
    parameters keep their own files (``sweep_programme.review_teams``, ``sweep_a+b``); characters other than
    letters, digits, ``._-`` become ``_``; a long name is cut and ends in a short hash of the paths."""
    text = "+".join(re.sub(r"[^A-Za-z0-9._-]", "_", p) for p in paths)
    if len(text) > 80:
        text = text[:60] + "-" + hashlib.sha256("\n".join(paths).encode()).hexdigest()[:10]
    return f"sweep_{text}"


__all__ = ["parse_sweep", "split_values", "value_label", "sweep_configs", "reshape_points", "sweep",
           "sweep_summary", "csv_table", "swept_paths", "point_outcomes", "output_stem", "write_atomic",
           "SUMMARY_OUTCOMES", "FIXED_PATHS"]
