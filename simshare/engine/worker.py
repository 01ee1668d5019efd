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

from ..config import Config, ConfigWarning, load_config, parameter_paths
from ..model.outputs import COLLECTED_OUTPUTS, DATASET_OUTPUTS, Output
from ..model.replication import run_replication
from ..seeds import replication_seed
from .sampling import replication_inputs

#: record fields that become dataset variables (from the model's table of outputs)
STORED: tuple[str, ...] = tuple(o.name for o in DATASET_OUTPUTS)


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
    n_s, n = len(configs), task.count
    out: dict[str, np.ndarray] = {}
    columns = [[task.parameters.index(p) for p in parameter_paths(cfg)] for cfg in configs]
    indices = np.arange(task.start, task.start + n) if task.streams is None else np.asarray(task.streams)
    # Monte Carlo parameters for the whole chunk in one vectorised draw (same values as one by one)
    values = [task.values[k] if task.values else replication_inputs(cfg, task.seed, indices, None)
              for k, cfg in enumerate(configs)]
    # SimPy's reference cycles (a few hundred objects a replication) are collected every
    # 16 replications, never mid-run; objects alive before the chunk (modules, configs)
    # are frozen so that collection skips them
    enabled = gc.isenabled()
    gc.disable()
    gc.freeze()
    try:
        for j in range(n):
            ss = replication_seed(task.seed, int(indices[j]))
            for k, cfg in enumerate(configs):
                rec = run_replication(cfg, ss, values[k][j])
                for o in COLLECTED_OUTPUTS:
                    value = getattr(rec, o.name)
                    if o.name not in out:
                        out[o.name] = _allocate(o, value, n_s, n, len(task.parameters))
                    if "parameter" in o.dims:  # the replication's own parameters, onto the run's union
                        out[o.name][k, j, columns[k]] = value
                    else:
                        out[o.name][k, j] = value
                del rec
            if j % 16 == 15:
                gc.collect()
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()
    return task.start, out


def _allocate(o: Output, value, scenarios: int, count: int, parameters: int) -> np.ndarray:
    """The chunk's array for output ``o``: (scenario, replication, *dims), shaped after the first
    record's value; a ``parameter`` dim spans the run's parameters, NaN where a scenario has none."""
    if "parameter" in o.dims:
        return np.full((scenarios, count, parameters), np.nan, dtype=o.dtype)
    return np.zeros((scenarios, count) + np.shape(value), dtype=o.dtype)

