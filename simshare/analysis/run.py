"""The public ``simulate``: a Monte Carlo run of a programme, with precision targets.

This is :func:`simshare.simulate` and what ``simshare run`` calls. It is the engine's
:func:`~simshare.engine.simulate.simulate` with ``precision`` read as targets on the summary's
figures (:mod:`simshare.analysis.precision`), handed to the engine as its stop rule.
"""

from __future__ import annotations

import warnings
from pathlib import Path
from typing import Any, Mapping, Sequence

import xarray as xr

from ..config import load_config
from ..engine.progress import Progress
from ..engine.simulate import simulate as run_replications
from .precision import PrecisionRule, PrecisionTarget, PrecisionWarning, parse_precision, precision_shortfall


def simulate(config: Any, replications: int = 1000, seed: int = 1, workers: int = 1, executor: str | None = None,
             chunk_size: int | None = None, sampling: str = "mc", scheduler: str | None = None,
             baseline: bool = False, output: str | Path | None = None, resume: bool = False,
             progress: bool | Progress = False, precision: str | Sequence[PrecisionTarget] | None = None,
             max_replications: int | None = None, overrides: Mapping[str, Any] | None = None) -> xr.Dataset:
    """Run ``replications`` futures of a programme and return them as an ``xarray.Dataset``.

    ``config``: a TOML path, a table or a :class:`~simshare.config.Config`; ``overrides`` (dotted
    path -> value) apply first. The dataset has dims ``replication``, ``time`` (months 0..horizon,
    with a ``date`` coordinate), ``council``, ``service`` and ``parameter`` (every replication
    parameter drawn, in ``inputs``), and ``scenario`` (``base``, ``status quo``) with ``baseline``;
    money in £, run-rates in £/yr, milestones in months since the start (NaN: not reached).

    Results are bit-identical for the same config and seed whatever ``workers``, ``executor``
    ("serial", "processes", "dask"; default serial for one worker, processes for several, dask
    with a ``scheduler`` address) and ``chunk_size``. ``sampling``: "mc", "lhs" or "sobol" for
    the replication parameters. With ``output`` the dataset is written there (atomically) and
    returned opened lazily from the file; ``resume`` continues an interrupted run there.
    ``baseline`` adds the status quo (no programme) under the same random numbers.

    ``precision`` (e.g. ``"programme_complete_month:P80=1,npv:mean=50000"``, or parsed targets)
    adds replications, doubling, until every 95 % confidence half-width is at most its target,
    or until ``max_replications`` (default 20 × ``replications``). The results record
    ``precision_target``, ``precision_reached`` (1 or 0) and ``precision_half_widths`` (JSON);
    a run that stops at the ceiling short of a target issues a :class:`PrecisionWarning` naming
    the figure, the half-width reached and the target.

    Raises ConfigError for a bad config; ValueError for a bad option or precision spec (and for
    ``precision`` with ``sampling`` other than "mc", or ``max_replications`` below ``replications``);
    StoreError when ``resume`` finds a different run at ``output``.
    """
    cfg = load_config(config, overrides)
    rule = None
    if precision:
        targets = parse_precision(precision, councils=cfg.council_names) if isinstance(precision, str) \
            else list(precision)
        if sampling != "mc":
            raise ValueError("--precision adds replications as it goes, which needs --sampling mc")
        rule = PrecisionRule(targets)
    ds = run_replications(cfg, replications, seed, workers=workers, executor=executor, chunk_size=chunk_size,
                          sampling=sampling, scheduler=scheduler, baseline=baseline, output=output, resume=resume,
                          progress=progress, stop=rule, max_replications=max_replications)
    shortfall = precision_shortfall(ds) if rule is not None else None
    if shortfall is not None:
        warnings.warn(shortfall, PrecisionWarning, stacklevel=2)
    return ds


__all__ = ["simulate"]
