"""Occurrence durations (time to hire, rework, …) drawn in bulk from a numpy Generator during a replication."""

from __future__ import annotations

import math
from functools import partial
from itertools import chain
from typing import Any, Callable, Iterator, Mapping

import numpy as np

from .inverse import ppf


class Sampler:
    """Draws occurrence values of one realised distribution from its own numpy stream.

    Values are drawn in blocks (8, 16, 32, … up to 1024 at a time), so a replication pays
    numpy's call overhead a few times rather than once per draw; the sequence of values is
    the same whatever the block size. ``next`` is the fastest way to take one value: a bound
    C method (``itertools.chain.__next__``) that calls back into Python only to draw a new block.
    """

    __slots__ = ("family", "params", "rng", "next")

    def __init__(self, family: str, params: Mapping[str, Any], rng: np.random.Generator):
        self.family = family
        self.params = dict(params)
        self.rng = rng
        # the blocks' generator holds no reference to the sampler: no reference cycle to collect
        self.next: Callable[[], float] = chain.from_iterable(_blocks(family, self.params, rng)).__next__

    def __call__(self) -> float:
        return self.next()


def _blocks(family: str, params: Mapping[str, Any], rng: np.random.Generator) -> Iterator[list[float]]:
    """Blocks of 8, 16, 32, … 1024 draws, for ever."""
    drawer = _drawer(family, params, rng)
    block = 8
    while True:
        yield drawer(block).tolist()
        block = min(block * 2, 1024)


def _drawer(family: str, p: Mapping[str, Any], rng: np.random.Generator) -> Callable[[int], np.ndarray]:
    """:func:`draw` for one family, parameters and stream, as a function of the size alone: the common
    families call numpy directly with their parameters worked out once (the same calls, the same values)."""
    if family == "exponential":
        return partial(rng.exponential, p["mean"])
    if family == "lognormal":
        s2 = math.log1p((p["sd"] / p["mean"]) ** 2)
        return partial(rng.lognormal, math.log(p["mean"]) - s2 / 2, math.sqrt(s2))
    if family == "uniform":
        return partial(rng.uniform, p["min"], p["max"])
    return partial(draw, family, p, rng)


def draw(family: str, p: Mapping[str, Any], rng: np.random.Generator, size: int) -> np.ndarray:
    """``size`` independent draws with numpy; the same law as :func:`ppf` (tests check this)."""
    if family == "fixed":
        return np.full(size, float(p["value"]))
    if family == "uniform":
        return rng.uniform(p["min"], p["max"], size)
    if family in ("triangular", "pert"):
        lo, mode, hi = p["min"], p["mode"], p["max"]
        if hi <= lo:
            return np.full(size, float(lo))
        if family == "triangular":
            return rng.triangular(lo, mode, hi, size)
        lam = p.get("lambda", 4.0)
        c = (mode - lo) / (hi - lo)
        return lo + (hi - lo) * rng.beta(1 + lam * c, 1 + lam * (1 - c), size)
    if family == "normal":
        if "min" not in p and "max" not in p:
            return rng.normal(p["mean"], p["sd"], size)
        return ppf("normal", p, rng.random(size))
    if family == "lognormal":
        s2 = math.log1p((p["sd"] / p["mean"]) ** 2)
        return rng.lognormal(math.log(p["mean"]) - s2 / 2, math.sqrt(s2), size)
    if family == "gamma":
        return rng.gamma((p["mean"] / p["sd"]) ** 2, p["sd"] ** 2 / p["mean"], size)
    if family == "exponential":
        return rng.exponential(p["mean"], size)
    if family == "beta":
        k = p["mean"] * (1 - p["mean"]) / p["sd"] ** 2 - 1
        return rng.beta(p["mean"] * k, (1 - p["mean"]) * k, size)
    if family == "discrete":
        w = np.asarray(p.get("weights", np.ones(len(p["values"]))), dtype=float)
        return rng.choice(np.asarray(p["values"], dtype=float), size=size, p=w / w.sum())
    raise KeyError(family)
