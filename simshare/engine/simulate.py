"""Monte Carlo: many replications of a programme as one self-describing xarray Dataset (docs/model.md)."""

from __future__ import annotations

import datetime as dt
import hashlib
import json
import math
import tempfile
from pathlib import Path
from typing import Any, Callable, Mapping, Protocol, Sequence, runtime_checkable

import numpy as np
import tomli_w
import xarray as xr

from ..distributions import Dist
from ..config import BASE, STATUS_QUO, Config, load_config, parameter_paths, status_quo
from ..config.parameters import correlation_repairs
from ..version import __version__
from .executors import EXECUTORS, execute
from .progress import Progress, as_progress
from .sampling import METHODS, design_uniforms, replication_inputs
from .store import FolderLock, Layout, PartStore, StoreError, write_netcdf
from .worker import Task, run_task

#: without ``max_replications``, a run with a stop rule may grow to this many times its replications
CEILING_FACTOR = 20
#: the most replications one run may hold (results of a million replications are gigabytes)
MAX_REPLICATIONS = 1_000_000
#: seeds are stored as a 64-bit netCDF attribute
MAX_SEED = 2**63 - 1
#: the most parallel workers
MAX_WORKERS = 512


@runtime_checkable
class StopRule(Protocol):
    """A stop rule that also says what to record: ``attrs()`` (called after the last check) is added
    to the results' attributes. Any ``callable(ds) -> bool`` will do as a plain stop rule."""

    def __call__(self, ds: xr.Dataset) -> bool:
        """True when the dataset holds enough replications."""

    def attrs(self) -> Mapping[str, Any]:
        """Attributes describing the outcome, for the results."""


def default_ceiling(replications: int, max_replications: int | None) -> int:
    """The most replications a run with a stop rule may reach: ``max_replications``, else
    :data:`CEILING_FACTOR` × ``replications``."""
    return max_replications if max_replications is not None else min(CEILING_FACTOR * replications,
                                                                      max(replications, MAX_REPLICATIONS))


def config_text(cfg: Config) -> str:
    """The effective config as TOML text (what the dataset records, and what workers load)."""
    return tomli_w.dumps(_drop_none(cfg.raw))


def _drop_none(value: Any) -> Any:
    if isinstance(value, Mapping):
        return {k: _drop_none(v) for k, v in value.items() if v is not None}
    if isinstance(value, list):
        return [_drop_none(v) for v in value]
    return value


_UNITS = {
    "turnover_annual": "1/yr", "team_turnover_annual": "1/yr",
    "budget": "£/yr", "saving_per_year": "£/yr", "salary": "£/yr", "savings_target": "£/yr",
    "one_off_cost": "£", "redundancy_cost": "£", "team_cost_per_month": "£/month",
    "harmonisation_cost": "£", "pay_harmonisation": "1/yr",
    "review_teams": "slots", "support_capacity": "slots", "frontline_limit": "slots",
    "approvals_per_meeting": "cases",
    "dissolution_annual": "1/yr", "dissolution_cost": "£",
}


def parameter_units(path: str) -> str:
    """Units of a replication parameter, from its key."""
    parts = path.split(".")
    if parts[-1] in ("lambda", "weights"):
        return "1"
    for part in reversed(parts):
        if part in _UNITS:
            return _UNITS[part]
        if part.endswith("_months") or part.endswith("_month"):
            return "months"
    return "1"


def _check_args(replications: Any, seed: Any, workers: Any, executor: str, sampling: str, chunk_size: Any) -> None:
    def whole(name: str, value: Any, minimum: int, maximum: int) -> None:
        if (isinstance(value, bool) or not isinstance(value, (int, np.integer))
                or not minimum <= value <= maximum):
            raise ValueError(f"{name} must be a whole number from {minimum} to {maximum:,}, got {value!r}")

    whole("replications", replications, 1, MAX_REPLICATIONS)
    whole("seed", seed, 0, MAX_SEED)
    whole("workers", workers, 1, MAX_WORKERS)
    if chunk_size is not None:
        whole("chunk_size", chunk_size, 1, MAX_REPLICATIONS)
    if executor not in EXECUTORS:
        raise ValueError(f"executor must be one of {', '.join(EXECUTORS)}, got {executor!r}")
    if sampling not in METHODS:
        raise ValueError(f"sampling must be one of {', '.join(METHODS)}, got {sampling!r}")


def _chunks(indices: list[int], size: int) -> list[tuple[int, int]]:
    """Runs of consecutive replication indices, at most ``size`` long: (start, count)."""
    out: list[tuple[int, int]] = []
    for i in indices:
        if out and out[-1][0] + out[-1][1] == i and out[-1][1] < size:
            out[-1] = (out[-1][0], out[-1][1] + 1)
        else:
            out.append((i, 1))
    return out


class Run:
    """One Monte Carlo run of one or more scenarios under common random numbers."""

    def __init__(self, scenarios: Mapping[str, Config], seed: int, sampling: str = "mc",
                 values: Sequence[np.ndarray] | None = None, streams: np.ndarray | None = None):
        """``values`` (one n × P array per scenario, in ``parameter_paths`` order) fixes the
        replication parameters of every row, for designed experiments; ``streams`` says whose
        random numbers each row uses (default: row i uses replication i's)."""
        self.scenarios = dict(scenarios)
        self.configs = list(self.scenarios.values())
        self.base = self.configs[0]
        self.texts = [config_text(c) for c in self.configs]
        self.seed = int(seed)
        self.sampling = sampling
        self.parameters: list[str] = []
        for cfg in self.configs:
            self.parameters += [p for p in parameter_paths(cfg) if p not in self.parameters]
        self._designs: dict[int, list[np.ndarray | None]] = {}
        self.given = None if values is None else [np.asarray(v, dtype=float) for v in values]
        self.streams = None if streams is None else np.asarray(streams, dtype=np.int64)
        if self.given is not None:
            self.sampling = "given"

    def description(self, replications: int) -> dict:
        """What fixes the numbers of every replication (resume refuses anything else)."""
        digest = hashlib.sha256("\n---\n".join(self.texts).encode()).hexdigest()
        out = {"configs": digest, "scenarios": list(self.scenarios), "seed": self.seed, "sampling": self.sampling}
        if self.sampling != "mc":  # a design depends on its size; Monte Carlo replications do not
            out["replications"] = replications
        if self.given is not None:
            digest = hashlib.sha256(b"".join(np.ascontiguousarray(v).tobytes() for v in self.given))
            if self.streams is not None:
                digest.update(self.streams.tobytes())
            out["design"] = digest.hexdigest()
        return out

    def tasks(self, starts: list[tuple[int, int]], total: int) -> list[Task]:
        if self.given is not None:
            return [Task(self.texts, self.seed, start, count, self.parameters,
                         [v[start:start + count] for v in self.given],
                         None if self.streams is None else self.streams[start:start + count])
                    for start, count in starts]
        if self.sampling != "mc" and total not in self._designs:
            self._designs[total] = [
                replication_inputs(cfg, self.seed, np.arange(total), design_uniforms(cfg, self.seed, total, self.sampling))
                for cfg in self.configs
            ]
        tasks = []
        for start, count in starts:
            values = []
            if self.sampling != "mc":
                values = [v[start:start + count] for v in self._designs[total]]
            tasks.append(Task(self.texts, self.seed, start, count, self.parameters, values))
        return tasks

    def layout(self, replications: int, extra_attrs: Mapping[str, Any] | None = None) -> Layout:
        p = self.base.programme
        attrs = {
            "title": f"simshare results: {p.name}",
            "config": self.texts[0],
            "config_name": p.name,
            "correlation_repairs": json.dumps(correlation_repairs(self.base), ensure_ascii=False),
            "seed": self.seed,
            "sampling": self.sampling,
            "replications": replications,
            "simshare_version": __version__,
            "created": dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds"),
            "start": p.start.isoformat(),
            "horizon_months": p.horizon_months,
            "savings_target": p.savings_target,
            "target_month": p.target_month if p.target_month is not None else (
                p.horizon_months if p.savings_target is not None else None),
            "target_scope": p.target_scope,
            "cost_sharing": p.cost_sharing if isinstance(p.cost_sharing, str) else ", ".join(
                f"{c} {share:g}" for c, share in p.cost_sharing.items()),
            "discount_rate_note": "NPV over the horizon at each replication's programme.discount_rate",
            "dissolution": int(isinstance(p.dissolution_annual, Dist) or p.dissolution_annual > 0),
            "run_description": json.dumps(self.description(replications), sort_keys=True),  # what --resume checks
        }
        attrs.update(extra_attrs or {})
        return Layout(list(self.scenarios), self.base.council_names, self.base.service_names, self.parameters,
                      [parameter_units(q) for q in self.parameters], p.horizon_months, p.start, attrs)


def run_to_file(run: Run, replications: int, output: Path, *, workers: int = 1, executor: str = "serial",
                chunk_size: int | None = None, scheduler: str | None = None, resume: bool = False,
                progress: bool | Progress = False, stop: Callable[[xr.Dataset], bool] | None = None,
                max_replications: int | None = None, extra_attrs: Mapping[str, Any] | None = None) -> int:
    """Run the replications (resuming stored chunks), write ``output`` atomically; return the count run.

    With ``stop``, the dataset so far is handed to ``stop(ds)`` after each round; while it returns
    False the replications double, up to ``max_replications`` (see :func:`default_ceiling`). A
    :class:`StopRule`'s ``attrs()`` are recorded in the results.
    """
    output = Path(output)
    if output.is_dir():  # said now, not after every replication has run
        raise StoreError(f"cannot write {output}: a folder of that name is in the way; remove it or choose another -o")
    with FolderLock(output.parent):
        return _run_locked(run, replications, output, workers=workers, executor=executor, chunk_size=chunk_size,
                           scheduler=scheduler, resume=resume, progress=progress, stop=stop,
                           max_replications=max_replications, extra_attrs=extra_attrs)


def _run_locked(run: Run, replications: int, output: Path, *, workers: int, executor: str,
                chunk_size: int | None, scheduler: str | None, resume: bool, progress: bool | Progress,
                stop: Callable[[xr.Dataset], bool] | None, max_replications: int | None,
                extra_attrs: Mapping[str, Any] | None) -> int:
    store = PartStore(output.with_name(output.name + ".parts"), run.description(replications))
    if resume and not store.folder.exists() and output.exists():
        _check_finished(output, run.description(replications))
    store.open(resume)
    if chunk_size is None:
        chunk_size = max(1, min(50, math.ceil(replications / (4 * workers))))
    total = replications
    ceiling = max(total, default_ceiling(total, max_replications)) if stop is not None else total
    bar, own = as_progress(progress, total)
    counted = 0
    try:
        while True:
            missing = store.missing(total)
            bar.extend(bar.done + total - counted)
            bar.update(total - len(missing) - counted)
            counted = total - len(missing)
            for start, arrays in execute(run_task, run.tasks(_chunks(missing, chunk_size), total),
                                         executor, workers, scheduler):
                count = arrays["npv"].shape[1]
                store.write(start, arrays)
                arrays.clear()  # a pool keeps each finished task's result until the run ends: free it once stored
                bar.update(count)
                counted += count
            if stop is None:
                break
            check = output.with_name(output.name + ".check")
            write_netcdf(check, run.layout(total, extra_attrs), store.parts(total), total)
            try:
                with xr.open_dataset(check) as ds:
                    reached = bool(stop(ds))
            finally:
                check.unlink()
            if reached or total >= ceiling:
                break
            total = min(2 * total, ceiling)
    finally:
        if own:
            bar.close()
    attrs = dict(extra_attrs or {})
    if isinstance(stop, StopRule):
        attrs.update(stop.attrs())
    missing = store.missing(total)
    if missing:  # never write a results file holding replications that were not computed
        raise StoreError(f"{output}: {len(missing)} of {total} replications are missing from {store.folder} "
                         f"(the first is {missing[0]}); run again with --resume")
    write_netcdf(output, run.layout(total, attrs), store.parts(total), total)
    store.remove()
    return total


def _check_finished(output: Path, description: dict) -> None:
    """``--resume`` with no unfinished run beside ``output``: refuse to replace a finished one of another run."""
    try:
        with xr.open_dataset(output) as ds:
            stored = ds.attrs.get("run_description")
    except (OSError, ValueError):
        stored = None
    if stored is None or json.loads(stored) != json.loads(json.dumps(description, sort_keys=True)):
        raise StoreError(f"cannot resume: there is no unfinished run beside {output}, and {output} holds the "
                         "finished results of a different run (another config, seed or sampling); run without "
                         "--resume to replace them, or choose another -o")


def default_executor(workers: int, scheduler: str | None = None) -> str:
    """serial for one worker, processes for several, dask when joining a scheduler."""
    return "dask" if scheduler else ("serial" if workers == 1 else "processes")


def _execute(run: Run, replications: int, output: str | Path | None, lazy: bool, **options: Any) -> xr.Dataset:
    """Run to ``output`` (or a temporary file) and return the dataset: opened lazily from
    ``output`` when ``lazy``, else loaded into memory."""
    if output is None:
        with tempfile.TemporaryDirectory(prefix="simshare-") as tmp:
            path = Path(tmp) / "results.nc"
            run_to_file(run, replications, path, **options)
            return xr.load_dataset(path)
    run_to_file(run, replications, Path(output), **options)
    return xr.open_dataset(output) if lazy else xr.load_dataset(output)


def run_scenarios(scenarios: Mapping[str, Config], replications: int, seed: int = 1, *, workers: int = 1,
                  executor: str | None = None, chunk_size: int | None = None, sampling: str = "mc",
                  scheduler: str | None = None, progress: bool | Progress = False, output: str | Path | None = None,
                  values: Sequence[np.ndarray] | None = None, streams: np.ndarray | None = None,
                  extra_attrs: Mapping[str, Any] | None = None) -> xr.Dataset:
    """Several configs under common random numbers, as one dataset with a ``scenario`` dim
    (dropped when there is one scenario). The building block of compare, sweep and sensitivity.

    ``values`` (one n × P array per scenario, in ``parameter_paths`` order) fixes every
    row's replication parameters, and ``streams`` whose random numbers each row uses.
    """
    executor = executor or default_executor(workers, scheduler)
    _check_args(replications, seed, workers, executor, sampling if values is None else "mc", chunk_size)
    run = Run(scenarios, seed, sampling, values, streams)
    return _execute(run, replications, output, False, workers=workers, executor=executor, chunk_size=chunk_size,
                    scheduler=scheduler, progress=progress, extra_attrs=extra_attrs)


def simulate(config: Any, replications: int = 1000, seed: int = 1, workers: int = 1, executor: str | None = None,
             chunk_size: int | None = None, sampling: str = "mc", scheduler: str | None = None,
             baseline: bool = False, output: str | Path | None = None, resume: bool = False,
             progress: bool | Progress = False, stop: Callable[[xr.Dataset], bool] | None = None,
             max_replications: int | None = None, overrides: Mapping[str, Any] | None = None) -> xr.Dataset:
    """Run ``replications`` futures of a programme and return them as an ``xarray.Dataset``
    (dims replication, time, council, service, parameter; a ``scenario`` dim with ``baseline``).

    ``config``: a TOML path, a table or a :class:`~simshare.config.Config`, with ``overrides``
    (dotted path -> value) applied. Results are bit-identical for the same config and seed whatever
    ``workers``, ``executor`` ("serial", "processes", "dask") and ``chunk_size``. With ``output``
    the dataset is written there (atomically) and returned opened from the file; ``resume``
    continues an interrupted run. ``baseline`` adds the status quo as a second scenario.
    ``stop`` (``callable(ds) -> bool``, e.g. :class:`simshare.analysis.precision.PrecisionRule`)
    adds replications, doubling, until it returns True or ``max_replications`` (default
    :data:`CEILING_FACTOR` × ``replications``) is reached; it needs ``sampling="mc"``.

    Raises ConfigError for a bad config, ValueError for bad options and StoreError when
    ``resume`` finds a different run in ``output``.
    """
    cfg = load_config(config, overrides)
    executor = executor or default_executor(workers, scheduler)
    _check_args(replications, seed, workers, executor, sampling, chunk_size)
    if stop is not None and sampling != "mc":
        raise ValueError("a stop rule adds replications as it goes, which needs sampling='mc'")
    if max_replications is not None and not replications <= max_replications <= MAX_REPLICATIONS:
        raise ValueError(f"max_replications ({max_replications}) must be from replications ({replications}) "
                         f"to {MAX_REPLICATIONS:,}")
    scenarios = {BASE: cfg}
    if baseline:
        scenarios[STATUS_QUO] = status_quo(cfg)
    return _execute(Run(scenarios, seed, sampling), replications, output, True, workers=workers, executor=executor,
                    chunk_size=chunk_size, scheduler=scheduler, progress=progress, stop=stop,
                    max_replications=max_replications, resume=resume)


__all__ = ["simulate", "run_scenarios", "config_text", "parameter_units", "default_executor", "default_ceiling",
           "CEILING_FACTOR", "MAX_REPLICATIONS", "MAX_SEED", "MAX_WORKERS", "StopRule", "Run", "run_to_file", "StoreError"]
