"""Full-factorial parameter sweeps under common random numbers (docs/model.md ``simshare sweep``).

``simshare sweep CONFIG --set programme.review_teams=1,2,3 --set councils.A.turnover_annual=0.1,0.15``
runs every combination of the swept values as a scenario of one
:func:`~simshare.engine.simulate.run_scenarios` call, so replication i of every point shares its
random numbers, and the differences between points are the swept parameters' doing. The result
has one dimension per swept path (named by the path, its coordinate the values) in place of the
``scenario`` dimension, and keeps every result variable.
"""

from __future__ import annotations

import itertools
import json
import math
import os
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import pandas as pd
import xarray as xr

from ..config import Config, ConfigError, load_config, parse_value, plain
from ..engine.simulate import parameter_units, run_scenarios
from .results import attr, format_money, month_label, outcomes, start_date
from .statistics import STATISTICS, statistic_ci
from .summary import target_probability, target_sentence

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
        except ConfigError as err:
            raise ConfigError([f"{name}: {e}" for e in err.errors]) from None
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
          progress: bool = False, output: str | Path | None = None,
          overrides: Mapping[str, Any] | None = None) -> xr.Dataset:
    """Run every point of the full factorial of ``axes`` ({dotted path: [values]}) under common random
    numbers; a dataset with one dimension per swept path (coordinate: the values) ahead of the usual ones.
    The config's ``[[scenarios]]`` play no part. With ``output`` the dataset is also written there.

    ``config``: a TOML path, a table or a Config, with ``overrides`` applied first. Each point runs
    ``replications`` replications; the attributes ``sweep_paths`` and ``sweep_axes`` (JSON) record the
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
    ds = run_scenarios(points, replications, seed, workers=workers, executor=executor, chunk_size=chunk_size,
                       scheduler=scheduler, progress=progress, extra_attrs=attrs)
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


def sweep_summary(ds: xr.Dataset) -> pd.DataFrame:
    """Per point: P10, P50, P80, P90 and mean of NPV and of programme completion (months from the start;
    NaN = not within the horizon, read as later than any month, so the mean is NaN), and P(target)
    when the config has a savings target."""
    paths = swept_paths(ds)
    rows, index = [], []
    for idx in itertools.product(*(range(ds.sizes[p]) for p in paths)):
        d = ds.isel(dict(zip(paths, idx)))
        values = outcomes(d)
        row: dict[str, float] = {}
        for name in SUMMARY_OUTCOMES:
            for stat in STATISTICS:
                row[f"{name}_{stat}"] = statistic_ci(values[name], stat)[0]
        prob = target_probability(d)
        if prob is not None:
            row["P(target)"] = prob[0]
        rows.append(row)
        index.append(tuple(ds[p].values[i].item() for p, i in zip(paths, idx)))
    table = pd.DataFrame(rows, index=pd.MultiIndex.from_tuples(index, names=paths))
    table.attrs.update(replications=int(ds.sizes["replication"]))
    return table


def format_sweep(ds: xr.Dataset, table: pd.DataFrame | None = None) -> str:
    """The sweep summary as plain text: a row per point, NPV in £, completion as calendar months."""
    if table is None:
        table = sweep_summary(ds)
    start = start_date(ds)
    paths = list(table.index.names)
    stats = list(STATISTICS)

    def month(v: float) -> str:
        return "not reached" if math.isnan(v) else ("after horizon" if math.isinf(v) else month_label(start, v))

    def label(v: Any) -> str:
        return value_label(v.item() if isinstance(v, np.generic) else v) if not isinstance(v, str) else v

    blocks = [("NPV", "npv", format_money), ("Programme complete", "programme_complete_month", month)]
    n = int(ds.sizes.get("replication", 0))
    lines = [str(attr(ds, "config_name") or "simshare sweep"),
             f"{len(table)} points × {n:,} replications, seed {attr(ds, 'seed')}; every point under the same "
             "random numbers.", ""]
    keys = [tuple(label(v) for v in (k if isinstance(k, tuple) else (k,))) for k in table.index]
    key_w = [max(len(p), *(len(k[i]) for k in keys)) for i, p in enumerate(paths)]
    for title, name, fmt in blocks:
        heads = stats + (["P(target)"] if "P(target)" in table and name == "npv" else [])
        cells = [[fmt(float(table.iloc[r][f"{name}_{s}"])) for s in stats] for r in range(len(table))]
        if len(heads) > len(stats):
            for r, row in enumerate(cells):
                row.append(f"{100 * float(table.iloc[r]['P(target)']):.0f} %")
        col_w = max([len(h) for h in heads] + [len(c) for row in cells for c in row])
        lines.append(title)
        lines.append("  " + " ".join(f"{p:<{w}}" for p, w in zip(paths, key_w)) + " "
                     + " ".join(f"{h:>{col_w}}" for h in heads))
        for k, row in zip(keys, cells):
            lines.append("  " + " ".join(f"{v:<{w}}" for v, w in zip(k, key_w)) + " "
                         + " ".join(f"{c:>{col_w}}" for c in row))
        lines.append("")
    target = attr(ds, "savings_target")
    if "P(target)" in table:
        tm = attr(ds, "target_month")
        by = month_label(start, float(tm)) if tm is not None else "the end"
        lines.append(f"P(target): chance that {target_sentence(ds)} is at least {format_money(float(target))}/yr "
                     f"by {by} (to the pound).")
    lines.append("Completion: after horizon = later than the last simulated month; not reached = no mean.")
    return "\n".join(lines) + "\n"


__all__ = ["parse_sweep", "split_values", "value_label", "sweep_configs", "reshape_points", "sweep",
           "sweep_summary", "format_sweep", "swept_paths", "write_atomic", "SUMMARY_OUTCOMES", "FIXED_PATHS"]
