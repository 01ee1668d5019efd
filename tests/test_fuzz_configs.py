"""Fuzz: mutate the bundled configs (types, magnitudes, structure, names) and check that
``validate`` and a 3-replication ``run`` end with exit 0 or 2, never a traceback, within a time
bound, and that a run that succeeds holds no NaN where a number is promised (issue 12)."""

from __future__ import annotations

import copy
import time
import tomllib
from pathlib import Path

import numpy as np
import pytest
import tomli_w
import xarray as xr
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from simshare.interface.cli import main

ROOT = Path(__file__).resolve().parents[1]
BASES = {name: tomllib.loads((ROOT / "configs" / name).read_text(encoding="utf-8"))
         for name in ("minimal.toml", "shared_planning.toml")}
#: per-replication outputs that are always numbers (month outcomes may be NaN: "not reached")
PROMISED = ("npv", "cumulative_net", "cumulative_savings", "cumulative_costs", "savings_run_rate", "agency_cost")
SECONDS = 120

REPLACEMENTS = st.one_of(
    st.sampled_from([0, -1, 1, 2, 10**9, 10**18, -(10**18), 1e308, -1e308, 1e-300, 0.5, float("inf"),
                     float("nan"), True, "", "x", "East $\\foo$ ham", " lead", "a\u0007b", "<b>&</b>",
                     [], [1, 2], ["pert"], {}, {"dist": "pert"}, {"dist": ["pert"]},
                     {"dist": "normal", "mean": 1, "sd": 1, "min": 12, "max": 20},
                     {"dist": "gamma", "mean": 1e-300, "sd": 1e-300}, {"a": {"b": {"c": 1}}}]),
    st.integers(min_value=-(2**70), max_value=2**70),
    st.floats(allow_nan=False, width=64),
    st.text(max_size=30),
)


def _paths(value, prefix=()):
    yield prefix
    if isinstance(value, dict):
        for k, v in value.items():
            yield from _paths(v, prefix + (k,))
    elif isinstance(value, list):
        for i, v in enumerate(value):
            yield from _paths(v, prefix + (i,))


@st.composite
def mutated(draw):
    name = draw(st.sampled_from(sorted(BASES)))
    raw = copy.deepcopy(BASES[name])
    for _ in range(draw(st.integers(1, 3))):
        paths = [p for p in _paths(raw) if p]
        path = draw(st.sampled_from(paths))
        parent = raw
        for key in path[:-1]:
            parent = parent[key]
        old = parent[path[-1]]
        kind = draw(st.sampled_from(["replace", "scale", "delete", "wrap"]))
        if kind == "scale" and isinstance(old, (int, float)) and not isinstance(old, bool):
            parent[path[-1]] = old * draw(st.sampled_from([-1, 0, 1e-6, 1e3, 1e6, 1e300]))
        elif kind == "delete" and isinstance(parent, dict):
            del parent[path[-1]]
        elif kind == "wrap":
            parent[path[-1]] = {"dist": "fixed", "value": old} if draw(st.booleans()) else [old]
        else:
            parent[path[-1]] = draw(REPLACEMENTS)
    return raw


@settings(max_examples=40, deadline=None, suppress_health_check=[HealthCheck.function_scoped_fixture,
                                                                  HealthCheck.too_slow])
@given(raw=mutated())
def test_fuzzed_configs_end_cleanly(tmp_path_factory, capsys, raw):
    folder = tmp_path_factory.mktemp("fuzz")
    cfg = folder / "fuzz.toml"
    try:
        cfg.write_text(tomli_w.dumps(raw), encoding="utf-8")
    except (TypeError, ValueError):  # not expressible in TOML: nothing a user could write
        return
    began = time.monotonic()
    code = main(["validate", str(cfg)])
    out = capsys.readouterr()
    assert code in (0, 2), out.err
    assert "Traceback" not in out.err
    code = main(["run", str(cfg), "-n", "3", "-q", "-o", str(folder / "out")])
    out = capsys.readouterr()
    assert code in (0, 2), out.err
    assert "Traceback" not in out.err
    assert time.monotonic() - began < SECONDS
    if code == 0:
        with xr.open_dataset(folder / "out" / "results.nc") as ds:
            for name in PROMISED:
                assert np.isfinite(ds[name].values).all(), name
