"""The unit of work sent to an executor: a chunk of replications of one or more scenarios.

A task carries configs as TOML text (small, picklable, identical everywhere) and, for
Latin hypercube or Sobol designs, the parameter values of its rows.  Each replication
of each scenario draws from the same SeedSequence(seed, spawn_key=(i,)): scenarios share
their random numbers (docs/model.md).
"""

from __future__ import annotations

import gc
import tomllib
import warnings
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np
from threadpoolctl import threadpool_limits

from ..config import Config, ConfigWarning, load_config, parameter_paths
from ..model.outputs import COLLECTED_OUTPUTS, DATASET_OUTPUTS, KINDS, POST_STATES, Output
from ..model.replication import measure, play
from ..seeds import replication_seed
from .sampling import replication_inputs

#: record fields that become dataset variables (from the model's table of outputs)
STORED: tuple[str, ...] = tuple(o.name for o in DATASET_OUTPUTS)
#: what the worker keeps of each replication
COLLECTED: tuple[str, ...] = tuple(o.name for o in COLLECTED_OUTPUTS)
#: replications played before their measures are worked out together and SimPy's reference cycles
#: collected (a few hundred objects a replication): at most 16, and fewer where their monthly post
#: counts would take more than 2 MB (a batch's measures hold a few float copies of them)
BATCH, BATCH_BYTES = 16, 2 << 20


def batch_size(configs: list[Config]) -> int:
    """Replications per batch for ``configs`` (see :data:`BATCH`)."""
    largest = max((cfg.programme.horizon_months + 1) * len(POST_STATES) * len(cfg.councils) * len(cfg.services)
                  * len(KINDS) * 4 for cfg in configs)
    return max(1, min(BATCH, BATCH_BYTES // largest))


@dataclass
class Task:
    """Replications ``start .. start + count - 1`` of every scenario."""

    configs: list[str]                  # TOML text per scenario
    seed: int
    start: int
    count: int
    parameters: list[str]               # the dataset's parameter coordinate (union over scenarios)
    values: list[np.ndarray | None] = field(default_factory=list)  # per scenario: (count × P_s) or None = Monte Carlo
    streams: np.ndarray | None = None   # the replication whose random numbers each row uses (default: its own)


@lru_cache(maxsize=16)
def _config(text: str) -> Config:
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfigWarning)  # said where the config was loaded, not again per worker
        return load_config(tomllib.loads(text))


def run_task(task: Task) -> tuple[int, dict[str, np.ndarray]]:
    """Run a chunk; return its first replication index and arrays shaped (scenario, replication, ...)."""
    configs = [_config(text) for text in task.configs]
    n = task.count
    out: dict[str, np.ndarray] = {}
    columns = [[task.parameters.index(p) for p in parameter_paths(cfg)] for cfg in configs]
    indices = np.arange(task.start, task.start + n) if task.streams is None else np.asarray(task.streams)
    # Monte Carlo parameters for the whole chunk in one vectorised draw (same values as one by one)
    values = [task.values[k] if task.values else replication_inputs(cfg, task.seed, indices, None)
              for k, cfg in enumerate(configs)]
    # SimPy's reference cycles are collected after each batch, never mid-run (generations 0 and 1 only: a
    # full collection would reset the collector's count of long-lived objects, and the whole heap would
    # be walked again soon after the chunk); objects alive before the chunk (modules, configs) are frozen
    # so that collection skips them. Any BLAS call a replication still makes runs on one thread: the
    # worker is one of many processes, and OpenBLAS's idle threads spinning between calls cost more CPU
    # than the calls (measured when the money used matrix products: a tenth of a replication's time on 2
    # cores). The model's own sums do not go through BLAS, so the results do not depend on this.
    enabled = gc.isenabled()
    gc.disable()
    gc.freeze()
    try:
        with threadpool_limits(limits=1, user_api="blas"):
            _run_batches(task, configs, values, columns, indices, out)
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()
    return task.start, out


def _run_batches(task: Task, configs: list[Config], values: list[np.ndarray], columns: list[list[int]],
                 indices: np.ndarray, out: dict[str, np.ndarray]) -> None:
    """Play the chunk's replications a batch at a time, every scenario of each, into ``out``."""
    n_s, n = len(configs), task.count
    batch = batch_size(configs)
    for first in range(0, n, batch):
        rows = range(first, min(first + batch, n))
        seeds = [replication_seed(task.seed, int(indices[j])) for j in rows]
        for k, cfg in enumerate(configs):
            arrays = measure([play(cfg, ss, values[k][j]) for ss, j in zip(seeds, rows)], COLLECTED)
            for o in COLLECTED_OUTPUTS:
                value = arrays[o.name]
                if o.name not in out:
                    out[o.name] = _allocate(o, value[0], n_s, n, len(task.parameters))
                if "parameter" in o.dims:  # the replication's own parameters, onto the run's union
                    out[o.name][k, rows.start:rows.stop][:, columns[k]] = value
                else:
                    out[o.name][k, rows.start:rows.stop] = value
            del arrays
        gc.collect(1)


def _allocate(o: Output, value, scenarios: int, count: int, parameters: int) -> np.ndarray:
    """The chunk's array for output ``o``: (scenario, replication, *dims), shaped after the first
    record's value; a ``parameter`` dim spans the run's parameters, NaN where a scenario has none."""
    if "parameter" in o.dims:
        return np.full((scenarios, count, parameters), np.nan, dtype=o.dtype)
    return np.zeros((scenarios, count) + np.shape(value), dtype=o.dtype)

