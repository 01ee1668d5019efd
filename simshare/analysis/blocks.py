"""Bounded passes over stored results: summaries, tables and figures read a results file in pieces.

A results file opened with ``xarray.open_dataset`` is lazy: a variable is read from disk only when its
values are asked for. The functions here never ask for a whole (replication, time, ...) variable at once:
they read it in blocks of consecutive replications, each at most :data:`BLOCK_BYTES` (rounded to the
file's chunks, which simshare writes by replication: simshare.engine.store.chunk_shape), and keep only
what each block reduces to. So the memory a summary, a table or a report needs grows with a few numbers
per replication, not with replications × months × councils, and it needs neither dask nor a chunked
dataset.

Every figure is exact. A reduction over time (each future's lowest resilience) is the same reduction per
future. A quantile over replications at each month (a fan chart's P10 band) is selected exactly from
three passes over the blocks (:func:`quantiles_over_replications`), to the bit what
``numpy.nanpercentile`` gives on the whole array; a mean is summed block by block (equal to the
in-memory mean to floating-point rounding). tests/test_memory_bounded.py holds them to it.
"""

from __future__ import annotations

import math
from typing import Callable, Iterator, Sequence

import numpy as np
import xarray as xr

#: the most bytes one block of a pass reads (and holds as float64) at once
BLOCK_BYTES = 8 * 2**20


def _budget(budget: int | None) -> int:
    return int(budget) if budget else BLOCK_BYTES  # read at call time, so that tests can shrink the blocks


def _itemsize(da: xr.DataArray) -> int:
    return max(8, np.dtype(da.dtype).itemsize)  # values are worked on as float64


def _slices(length: int, step: int) -> Iterator[slice]:
    step = max(1, int(step))
    for start in range(0, length, step):
        yield slice(start, min(start + step, length))


def replication_blocks(da: xr.DataArray, budget: int | None = None) -> Iterator[np.ndarray]:
    """The values of ``da`` (dims ``replication`` first, then the rest in their order) as float arrays of
    consecutive replications, each at most ``budget`` bytes (at least one replication)."""
    rest = [d for d in da.dims if d != "replication"]
    da = da.transpose("replication", *rest)
    per = _itemsize(da) * int(np.prod([da.sizes[d] for d in rest], dtype=np.int64))
    for block in _slices(da.sizes["replication"], _block_length(da, per, budget)):
        yield np.asarray(da.isel(replication=block).values, dtype=float)


def reduce_replications(da: xr.DataArray, reduce: Callable[[np.ndarray], np.ndarray],
                        budget: int | None = None) -> np.ndarray:
    """``reduce`` applied to blocks of replications of ``da`` (axis 0: replication, the other dims in
    their order), joined along the replications: e.g. ``lambda v: v.min(axis=1)`` for each future's
    lowest value over time. ``reduce`` must work replication by replication."""
    parts = [np.asarray(reduce(values)) for values in replication_blocks(da, budget)]
    return np.concatenate(parts, axis=0) if parts else np.empty((0,))


def lowest_over_time(da: xr.DataArray, budget: int | None = None) -> np.ndarray:
    """Each replication's minimum over ``time`` of ``da``: shape (replication, other dims in order), NaN
    ignored (NaN where every month is NaN)."""
    axis = [d for d in da.dims if d != "replication"].index("time") + 1

    def low(v: np.ndarray) -> np.ndarray:
        out = np.full(v.shape[:axis] + v.shape[axis + 1:], np.nan)
        ok = ~np.all(np.isnan(v), axis=axis)
        out[ok] = np.nanmin(np.moveaxis(v, axis, -1)[ok], axis=-1)
        return out

    return reduce_replications(da, low, budget)


def max_abs_difference(a: xr.DataArray, b: xr.DataArray, budget: int | None = None) -> float:
    """The largest ``|a - b|`` over every element (NaN ignored; 0 when there is none), read in blocks of
    replications. ``a`` and ``b`` have the same dims."""
    rest = [d for d in a.dims if d != "replication"]
    a, b = a.transpose("replication", *rest), b.transpose("replication", *rest)
    per = 8 * int(np.prod([a.sizes[d] for d in rest], dtype=np.int64))
    largest = 0.0
    for block in _slices(a.sizes["replication"], _budget(budget) // max(2 * per, 1)):
        diff = np.abs(np.asarray(a.isel(replication=block).values, dtype=float)
                      - np.asarray(b.isel(replication=block).values, dtype=float))
        largest = max(largest, float(np.nanmax(diff, initial=0.0)))
    return largest


def _block_length(da: xr.DataArray, per: int, budget: int | None) -> int:
    """Replications per block: as many as ``budget`` allows (at least one), rounded down to whole chunks of
    the file ``da`` was read from, so that each stored chunk is decompressed once per pass."""
    step = max(1, _budget(budget) // max(per, 1))
    chunk = (da.encoding.get("preferred_chunks") or {}).get("replication")
    if chunk and step > chunk:
        step -= step % int(chunk)
    return step


def _blocks(da: xr.DataArray, budget: int | None) -> Iterator[np.ndarray]:
    """Blocks of replications of ``da`` (replication first) as 2-D float arrays (replications, columns)."""
    per = _itemsize(da) * int(np.prod([da.sizes[d] for d in da.dims if d != "replication"], dtype=np.int64))
    for block in _slices(da.sizes["replication"], _block_length(da, per, budget)):
        values = np.asarray(da.isel(replication=block).values, dtype=float)
        yield values.reshape(values.shape[0], -1)


def _lerp(a: np.ndarray, b: np.ndarray, t: np.ndarray) -> np.ndarray:
    """numpy's linear interpolation of quantiles, to the bit (numpy.lib._function_base_impl._lerp)."""
    diff = b - a
    out = np.add(a, diff * t)
    np.subtract(b, diff * (1 - t), out=out, where=t >= 0.5)
    return out


_BINS = 64  # the second pass counts each bracket in at most this many bins


def quantiles_over_replications(da: xr.DataArray, levels: Sequence[float], budget: int | None = None) -> np.ndarray:
    """Percentiles ``levels`` (0..100) over the replications of ``da`` at each value of its other dims (in
    their order, e.g. time then council): shape (len(levels), other dims...). NaN is ignored; a column with
    no value gives NaN. The figures equal ``numpy.nanpercentile(values, levels, axis=0)`` to the bit.

    Memory stays bounded whatever the number of replications: three passes over blocks of replications
    (each at most ``budget`` bytes) select the order statistics exactly. Pass 1 brackets each wanted
    order statistic between the lowest and highest of the blocks' own order statistics at that level
    (which provably holds it); pass 2 counts, per column, the values below the bracket and in each of up
    to 64 bins across it, with each bin's lowest and highest value. Ranks that fall in different bins are
    then known (the highest of one bin, the lowest of the next), and so are ranks in a bin of equal values
    (ties, common in resilience); pass 3, only where needed, keeps the values of the one bin holding both
    ranks, sorts them and interpolates as numpy does.
    """
    rest = [d for d in da.dims if d != "replication"]
    da = da.transpose("replication", *rest)
    shape = tuple(da.sizes[d] for d in rest)
    q = np.true_divide(np.asarray(levels, dtype=float), 100)
    L, m = q.size, int(np.prod(shape, dtype=np.int64))
    cols = np.arange(m)
    # pass 1: how many values each column holds, and a bracket for each wanted order statistic
    count = np.zeros(m, dtype=np.int64)
    lo = np.full((L, m), np.inf)
    hi = np.full((L, m), -np.inf)
    for v in _blocks(da, budget):
        v = np.sort(v, axis=0)  # NaN last
        nv = np.count_nonzero(~np.isnan(v), axis=0)
        count += nv
        has = nv > 0
        where = (nv - 1)[None, :] * q[:, None]
        low_i = np.clip(np.floor(where), 0, None).astype(np.intp)
        high_i = np.clip(np.ceil(where), 0, None).astype(np.intp)
        lo = np.where(has, np.fmin(lo, v[low_i, cols]), lo)
        hi = np.where(has, np.fmax(hi, v[high_i, cols]), hi)
    out = np.full((L, m), np.nan)
    ok = count > 0
    if not ok.any():
        return out.reshape((L,) + shape)
    # the ranks numpy interpolates between (linear method, "type 7")
    virtual = (count - 1)[None, :] * q[:, None]
    previous = np.floor(virtual)
    gamma = virtual - previous
    k0 = previous.astype(np.int64)
    k1 = k0 + 1
    top = virtual >= (count - 1)[None, :]
    k0 = np.where(top, count - 1, k0)
    k1 = np.where(top | (gamma == 0), k0, k1)  # with no weight on the next value, a + (b - a) * 0 is a
    # pass 2: values below each bracket, and a histogram across it with each bin's lowest and highest value
    bins_n = int(max(8, min(_BINS, 2**19 // max(L * m, 1))))  # fewer bins for many columns: memory stays flat
    width = np.where(hi > lo, hi - lo, 1.0)
    below = np.zeros((L, m), dtype=np.int64)
    hist = np.zeros((L, m * bins_n), dtype=np.int64)
    low_in = np.full((L, m * bins_n), np.inf)
    high_in = np.full((L, m * bins_n), -np.inf)

    def bins(v: np.ndarray, l: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
        """The values of ``v`` inside level ``l``'s brackets: (their columns, their bin keys, the values)."""
        rows, cs = np.nonzero((v >= lo[l]) & (v <= hi[l]))
        x = v[rows, cs]
        b = np.clip(((x - lo[l, cs]) / width[l, cs] * bins_n).astype(np.int64), 0, bins_n - 1)
        return cs, cs * bins_n + b, x

    for v in _blocks(da, budget):
        below += np.count_nonzero(v[None] < lo[:, None, :], axis=1)
        for l in range(L):
            _, key, x = bins(v, l)
            hist[l] += np.bincount(key, minlength=m * bins_n)
            np.minimum.at(low_in[l], key, x)
            np.maximum.at(high_in[l], key, x)
    hist = hist.reshape(L, m, bins_n)
    low_in, high_in = low_in.reshape(L, m, bins_n), high_in.reshape(L, m, bins_n)
    cumulative = below[:, :, None] + np.cumsum(hist, axis=2)  # values up to the end of each bin
    held = (below <= k0) & (cumulative[:, :, -1] > k1)
    if not held[:, ok].all():  # cannot happen (see the docstring); never give an inexact figure
        raise RuntimeError("quantiles_over_replications: an order statistic fell outside its bracket")
    first = np.argmax(cumulative > k0[:, :, None], axis=2)  # the bins holding ranks k0 and k1
    last = np.argmax(cumulative > k1[:, :, None], axis=2)
    # in different bins, rank k0 is the highest value of its bin and k1 the lowest of its; in one bin whose
    # values are all equal, both are that value; only the other bins need their values (pass 3)
    a = np.take_along_axis(high_in, first[:, :, None], axis=2)[:, :, 0]
    b = np.take_along_axis(low_in, last[:, :, None], axis=2)[:, :, 0]
    one = first == last
    same = one & (np.take_along_axis(low_in, first[:, :, None], axis=2)[:, :, 0] == a)
    a = np.where(same, b, a)
    need = one & ~same & ok[None, :]
    if need.any():
        # pass 3: the values in those bins only, sorted, column by column
        kept: list[list[tuple[np.ndarray, np.ndarray]]] = [[] for _ in range(L)]
        for v in _blocks(da, budget):
            for l in np.flatnonzero(need.any(axis=1)):
                cs, key, x = bins(v, l)
                keep = need[l, cs] & (key - cs * bins_n == first[l, cs])
                kept[l].append((cs[keep], x[keep]))
        before = below + np.where(first > 0, np.take_along_axis(
            np.cumsum(hist, axis=2), np.maximum(first - 1, 0)[:, :, None], axis=2)[:, :, 0], 0)
        for l in np.flatnonzero(need.any(axis=1)):
            cs = np.concatenate([c for c, _ in kept[l]])
            vals = np.concatenate([x for _, x in kept[l]])
            order = np.lexsort((vals, cs))
            cs, vals = cs[order], vals[order]
            c = np.flatnonzero(need[l])
            start = np.searchsorted(cs, c)
            a[l, c] = vals[start + (k0[l, c] - before[l, c])]
            b[l, c] = vals[start + (k1[l, c] - before[l, c])]
    out[:, ok] = _lerp(a[:, ok], b[:, ok], gamma[:, ok])
    return out.reshape((L,) + shape)


def mean_over(da: xr.DataArray, keep: str | None = None, budget: int | None = None) -> float | np.ndarray:
    """The mean of ``da`` over every dim but ``keep`` (NaN ignored; NaN where there is no value): a float, or
    an array along ``keep``. Read in blocks of replications; equal to the in-memory mean to floating-point
    rounding (the sums are taken block by block)."""
    rest = [d for d in da.dims if d not in ("replication", keep)]
    order = ["replication", *rest] + ([keep] if keep else [])
    da = da.transpose(*order)
    width = da.sizes[keep] if keep else 1
    total, count = np.zeros(width), np.zeros(width, dtype=np.int64)
    for values in replication_blocks(da, budget):
        values = values.reshape(-1, width)
        total += np.nansum(values, axis=0)
        count += np.count_nonzero(~np.isnan(values), axis=0)
    with np.errstate(invalid="ignore", divide="ignore"):
        mean = np.where(count > 0, total / np.maximum(count, 1), np.nan)
    return mean if keep else float(mean[0])


__all__ = ["BLOCK_BYTES", "replication_blocks", "reduce_replications", "lowest_over_time", "max_abs_difference",
           "quantiles_over_replications", "mean_over"]
