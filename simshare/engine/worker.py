"""The unit of work sent to an executor: a chunk of replications of one or more scenarios.

A task carries configs as TOML text (small, picklable, identical everywhere) and, for
Latin hypercube or Sobol designs, the parameter values of its rows.  Each replication
of each scenario draws from the same SeedSequence(seed, spawn_key=(i,)): scenarios share
their random numbers (DESIGN §3.4).
"""

from __future__ import annotations

import gc
import tomllib
from dataclasses import dataclass, field
from functools import lru_cache

import numpy as np

from ..config import Config, load_config, parameter_paths
from ..model.replication import run_replication
from .sampling import replication_inputs
from ..seeds import replication_seed

#: record fields that become dataset variables (the post counts stay inside the model)
STORED = (
    "savings_run_rate", "cumulative_savings", "cumulative_costs", "cumulative_net",
    "reviews_complete", "services_live", "vacancy_rate", "staffing", "resilience", "agency_cost",
    "review_start", "approved", "live", "reviews_complete_month", "programme_complete_month",
    "npv", "payback_month",
)


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
    return load_config(tomllib.loads(text))


def run_task(task: Task) -> tuple[int, dict[str, np.ndarray]]:
    """Run a chunk; return its first replication index and arrays shaped (scenario, replication, ...)."""
    configs = [_config(text) for text in task.configs]
    n_s, n = len(configs), task.count
    out: dict[str, np.ndarray] = {}
    events = np.zeros((n_s, n), dtype=np.int64)
    inputs = np.full((n_s, n, len(task.parameters)), np.nan)
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
                for name in STORED:
                    value = getattr(rec, name)
                    if name not in out:
                        out[name] = np.zeros((n_s, n) + np.shape(value), dtype=np.asarray(value).dtype)
                    out[name][k, j] = value
                inputs[k, j, columns[k]] = rec.inputs
                events[k, j] = rec.events
                del rec
            if j % 16 == 15:
                gc.collect()
    finally:
        gc.unfreeze()
        if enabled:
            gc.enable()
    out["inputs"] = inputs
    out["events"] = events
    return task.start, out

