"""Choosing one point of a sweep's results (``simshare summary RESULTS --at PATH=VALUE``).

A sweep's dataset has one dimension per swept path (docs/results-layout.md); a point is one value
of each. Values are matched as the sweep wrote them: numbers by value (``2`` matches ``2.0``), lists
and tables by their TOML (``["A", "B"]`` matches the label ``["A", "B"]`` whatever its spacing).
"""

from __future__ import annotations

import math
from typing import Any, Mapping

import numpy as np
import xarray as xr

from ..config import parse_value
from .results import swept_dims


def _plain(value: Any) -> Any:
    return value.item() if isinstance(value, np.generic) else value


def _same(stored: Any, wanted: Any) -> bool:
    stored = _plain(stored)
    if isinstance(wanted, str):
        wanted = parse_value(wanted.strip())
    if isinstance(stored, (int, float)) and not isinstance(stored, bool):
        return isinstance(wanted, (int, float)) and not isinstance(wanted, bool) and \
            math.isclose(float(stored), float(wanted), rel_tol=1e-12, abs_tol=1e-12)
    return stored == wanted or parse_value(str(stored)) == wanted


def _values(ds: xr.Dataset, path: str) -> str:
    return ", ".join(str(_plain(v)) for v in ds[path].values)


def select_point(ds: xr.Dataset, at: Mapping[str, Any] | None) -> xr.Dataset:
    """The dataset of one point of a sweep: ``at`` gives a value ({swept path: value}, a value as Python
    or as the TOML text ``--at`` takes) for every swept path. Results that are not a sweep are returned
    as they are when ``at`` is empty. ValueError, naming the swept paths and their values, when ``at``
    names a path that was not swept, leaves one out, or gives a value that was not swept."""
    swept = swept_dims(ds)
    at = dict(at or {})
    if not swept:
        if at:
            raise ValueError(f"--at {next(iter(at))}: these results are not a sweep (no swept parameters)")
        return ds
    unknown = [p for p in at if p not in swept]
    if unknown:
        raise ValueError(f"--at {unknown[0]}: not swept in these results (swept: "
                         + "; ".join(f"{p} = {_values(ds, p)}" for p in swept) + ")")
    missing = [p for p in swept if p not in at]
    if missing:
        raise ValueError("these results are a sweep: choose a point with "
                         + " ".join(f"--at {p}=VALUE" for p in missing) + " ("
                         + "; ".join(f"{p} = {_values(ds, p)}" for p in missing) + ")")
    index = {}
    for path in swept:
        hits = [i for i, v in enumerate(ds[path].values) if _same(v, at[path])]
        if not hits:
            raise ValueError(f"--at {path}={at[path]}: not a swept value (values: {_values(ds, path)})")
        index[path] = hits[0]
    return ds.isel(index)


def point_label(ds: xr.Dataset, at: Mapping[str, Any]) -> str:
    """``programme.review_teams=2; councils.A.turnover_annual=0.15``: the point as the sweep's values name it."""
    point = select_point(ds, at)
    return "; ".join(f"{p}={_plain(point[p].values.item() if point[p].ndim == 0 else point[p].values)}"
                     for p in swept_dims(ds))


__all__ = ["select_point", "point_label"]
