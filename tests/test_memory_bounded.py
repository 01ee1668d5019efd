"""Summaries, tables and figures read stored results in bounded blocks and give the in-memory figures exactly
(simshare.analysis.blocks; the peak-memory ratios themselves are in benchmarks/memory_ratio.py)."""

from __future__ import annotations

import warnings

import numpy as np
import pandas as pd
import pytest
import xarray as xr

import simshare
from simshare.analysis import blocks
from simshare.analysis.blocks import (lowest_over_time, max_abs_difference, mean_over, quantiles_over_replications,
                                      reduce_replications)
from simshare.analysis.results import lowest_resilience, outcomes, unsafe_service_months
from simshare.analysis.summary import format_baseline, format_summary, summarise
from simshare.engine.store import CHUNK_BYTES, chunk_shape
from simshare.interface.plots.data import band_quantiles

from conftest import SHARED_PLANNING

LEVELS = [0, 10, 25, 50, 75, 80, 90, 100]


def numpy_percentiles(values: np.ndarray) -> np.ndarray:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)  # all-NaN columns
        return np.nanpercentile(values, LEVELS, axis=0)


def sample(kind: str, n: int, shape: tuple[int, ...], rng: np.random.Generator) -> np.ndarray:
    v = rng.normal(size=(n, *shape))
    if kind == "ties":  # resilience-like: few distinct values, many equal
        v = np.round(v * 2) / 2
    elif kind == "nan":  # months never reached, and a column never reached at all
        v[rng.random(v.shape) < 0.3] = np.nan
        v[(slice(None),) + (0,) * len(shape)] = np.nan
    elif kind == "constant":
        v[:] = 0.85
    elif kind == "skewed":  # a few huge values
        v = np.exp(3 * v)
    return v


@pytest.mark.parametrize("kind", ["normal", "ties", "nan", "constant", "skewed"])
@pytest.mark.parametrize("n", [1, 2, 7, 250])
def test_quantiles_over_blocks_equal_numpy_to_the_bit(kind, n):
    rng = np.random.default_rng(n * 31 + len(kind))
    values = sample(kind, n, (5, 3), rng)
    da = xr.DataArray(values, dims=("replication", "time", "council"))
    want = numpy_percentiles(values)
    for budget in (8 * 15, 8 * 15 * 6, 10**9):  # one replication a block, a few, all at once
        got = quantiles_over_replications(da, LEVELS, budget=budget)
        assert np.array_equal(got, want, equal_nan=True), (kind, n, budget)


@pytest.mark.parametrize("kind", ["normal", "ties", "nan"])
def test_reductions_over_blocks_equal_in_memory(kind):
    rng = np.random.default_rng(5)
    values = sample(kind, 97, (6, 2), rng)
    da = xr.DataArray(values, dims=("replication", "time", "council"))
    budget = 8 * 12 * 5  # five replications a block
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", RuntimeWarning)
        assert np.array_equal(lowest_over_time(da, budget), da.min("time").values, equal_nan=True)
        np.testing.assert_allclose(mean_over(da, "council", budget), np.nanmean(values, axis=(0, 1)), rtol=1e-12)
    assert np.array_equal(reduce_replications(da, lambda v: np.nansum(v, axis=1), budget), np.nansum(values, axis=1))
    other = da + 1.0
    assert max_abs_difference(da, other, budget) == pytest.approx(1.0)


def test_results_are_chunked_by_replication():
    for dims, shape, itemsize in ((("scenario", "replication", "time", "council"), [2, 100_000, 121, 50], 8),
                                  (("replication",), [16_000], 8),
                                  (("replication", "council", "service"), [7, 2, 19], 2)):
        chunks = chunk_shape(shape, dims, itemsize)
        sizes = dict(zip(dims, chunks))
        assert sizes.get("scenario", 1) == 1
        assert all(sizes[d] == s for d, s in zip(dims, shape) if d not in ("scenario", "replication"))
        assert 1 <= sizes["replication"] <= shape[dims.index("replication")]
        assert itemsize * int(np.prod(chunks)) <= max(CHUNK_BYTES, itemsize * int(np.prod(chunks[1:])))
    assert chunk_shape([0, 3], ("replication", "parameter"), 8) is None


@pytest.fixture(scope="module")
def stored(tmp_path_factory):
    """A small run with the status quo, written to a file (as ``simshare run`` writes it)."""
    path = tmp_path_factory.mktemp("bounded") / "results.nc"
    simshare.simulate(SHARED_PLANNING, replications=60, seed=3, baseline=True, output=path).close()
    return path


def test_bounded_table_equals_in_memory(stored, monkeypatch):
    memory = xr.load_dataset(stored)
    want = summarise(memory)
    want_text = format_summary(memory) + format_baseline(memory)
    # the rows a board reads, computed on whole arrays the plain way
    base = memory.isel(scenario=0)
    for i, council in enumerate(memory["council"].values):
        assert np.array_equal(outcomes(memory)[f"lowest_resilience[{council}]"],
                              base["resilience"].sel(council=council).min("time").values)
        assert np.array_equal(outcomes(memory)[f"unsafe_months[{council}]"],
                              base["unsafe_months"].sel(council=council).sum("service").values)
    monkeypatch.setattr(blocks, "BLOCK_BYTES", 4096)  # many small blocks
    with xr.open_dataset(stored) as lazy:
        pd.testing.assert_frame_equal(summarise(lazy), want, check_exact=True)
        assert format_summary(lazy) + format_baseline(lazy) == want_text
        d = lazy.isel(scenario=0)
        assert np.array_equal(lowest_resilience(d), lowest_resilience(base))
        assert np.array_equal(unsafe_service_months(d), unsafe_service_months(base))
        # the figures' bands, from the file in blocks, against numpy on the whole array
        for name in ("savings_run_rate", "resilience", "vacancy_rate"):
            got = band_quantiles(d[name].transpose("replication", "time", ...), LEVELS)
            assert np.array_equal(got, numpy_percentiles(base[name].transpose("replication", "time", ...).values),
                                  equal_nan=True), name
        # nothing of replication × time was read whole
        for name in ("resilience", "savings_run_rate", "service_savings_run_rate", "agency_cost", "vacancy_rate"):
            assert not lazy[name].variable._in_memory, f"{name} was loaded whole"
