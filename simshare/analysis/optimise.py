"""``simshare optimise``: the best phasing and pace under a resilience floor (docs/commands.md).

The search (optuna's TPE sampler, with the floor as a constraint) tries ``trials`` candidates, each a
set of lever values (:mod:`.levers`), every one run with the same seed, so that replication i of every
candidate lives through the same futures (common random numbers): candidates differ only by their
levers. The objective is the median (P50) of the reviews' NPV (``npv``) or the probability of meeting
the savings target (``p_target``). Lever costs (``programme.review_team_cost_per_month``,
``support_slot_cost_per_month``) keep extra capacity from being free.

The best few candidates that meet the floor are then run again with more replications, alongside the
config's own plan, in one run (common random numbers again), and each is read as a paired difference
against the plan. The winner is the best of them that still meets the floor. It is recommended when the
plan misses the floor, or when it beats the plan significantly (the 95 % interval of its paired
difference in the objective lies above zero); otherwise the plan is kept. When no candidate meets the
floor there is no recommendation.
"""

from __future__ import annotations

import json
import warnings
from dataclasses import dataclass, field
from typing import Any, Mapping, Sequence

import numpy as np
import pandas as pd
import xarray as xr

from ..config import ConfigError, ConfigWarning, load_config
from ..config.schema import MAX_TRIALS
from ..engine.progress import Progress
from ..engine.simulate import run_scenarios
from .floors import Floor, parse_floor
from .levers import Space, lever_space, scenario_toml, short_levers
from .optimise_words import OBJECTIVES, PAIRED, board_sentence, difference_text, interval_text
from .results import at_month, meets_target, per_replication, select_scenario, start_date, target_month, target_variable
from .statistics import late_quantile, mean_ci

PLAN = "plan"


@dataclass
class OptimiseResult:
    """What :func:`optimise` found.

    ``candidates``: every candidate tried (one row each, best first: meets the floor, then objective),
    columns ``levers`` (text), ``objective``, ``floor met`` (share of futures), ``meets floor``;
    ``finalists``: the best few re-run against the plan, with the paired differences (winner − plan) and
    their 95 % intervals; ``winner``: the recommended overrides (None when the plan is kept or nothing
    meets the floor); ``statement``: the board sentence; ``scenario``: the ``[[scenarios]]`` TOML entry.
    """

    config_name: str
    objective: str
    floor: Floor | None
    levers: tuple[str, ...]
    trials: int
    replications: int
    final_replications: int
    seed: int
    candidates: pd.DataFrame
    finalists: pd.DataFrame
    plan: dict[str, float]
    winner: dict[str, Any] | None
    outcome: str  # "recommend", "keep plan" or "no candidate meets the floor"
    statement: str
    scenario: str | None
    details: dict[str, Any] = field(default_factory=dict)

    def to_record(self) -> dict[str, Any]:
        """Everything as plain JSON-ready values (what ``simshare optimise`` writes to ``optimise.json``,
        and the report reads)."""
        def rows(df: pd.DataFrame) -> list[dict]:
            if df is None or df.empty:
                return []
            out = df.reset_index().drop(columns=["overrides"], errors="ignore")
            return json.loads(out.to_json(orient="records"))

        return {"kind": "simshare optimise", "config_name": self.config_name, "objective": self.objective,
                "floor": None if self.floor is None else str(self.floor), "levers": list(self.levers),
                "trials": self.trials, "replications": self.replications,
                "final_replications": self.final_replications, "seed": self.seed, "plan": self.plan,
                "candidates": rows(self.candidates), "finalists": rows(self.finalists), "winner": self.winner,
                "outcome": self.outcome, "statement": self.statement, "scenario": self.scenario,
                "details": self.details}


def objective_values(ds: xr.Dataset, objective: str) -> np.ndarray:
    """Per replication, what the objective summarises: the reviews' NPV (£), or 1/0 for the savings target
    met at the target month (the run-rate the target is compared with, to the pound)."""
    if objective == "npv":
        name = "npv_services" if "npv_services" in ds else "npv"
        return per_replication(ds[name], name)
    target = float(ds.attrs["savings_target"])
    tm = target_month(ds)
    name = target_variable(ds)
    rate = ds[name].isel(time=-1, drop=True) if tm is None else at_month(ds[name], tm)
    return meets_target(per_replication(rate, name), target).astype(float)


def objective_of(ds: xr.Dataset, objective: str) -> float:
    """The objective of a single-scenario dataset: P50 of the reviews' NPV, or P(target met)."""
    x = objective_values(ds, objective)
    return float(np.median(x)) if objective == "npv" else float(np.mean(x))


def _check(cfg: Any, objective: str, trials: int, replications: int, final_replications: int, finalists: int) -> None:
    errors = []
    if objective not in OBJECTIVES:
        errors.append(f"--objective: must be one of {', '.join(OBJECTIVES)}, got {objective!r}")
    elif objective == "p_target" and cfg.programme.savings_target is None:
        errors.append("--objective p_target: the config has no programme.savings_target to meet")
    for name, value, low, high in (("--trials", trials, 1, MAX_TRIALS), ("-n", replications, 2, 1_000_000),
                                   ("--final-replications", final_replications, 2, 1_000_000),
                                   ("--finalists", finalists, 1, 50)):
        if isinstance(value, bool) or not isinstance(value, (int, np.integer)) or not low <= value <= high:
            errors.append(f"{name}: must be a whole number from {low} to {high:,}, got {value!r}")
    if errors:
        raise ConfigError(errors)


def optimise(config: Any, levers: Sequence[str] | None = None, ranges: Mapping[str, Sequence[float]] | None = None,
             objective: str | None = None, floor: str | Floor | None = None, trials: int | None = None,
             replications: int = 50, final_replications: int = 200, finalists: int = 3, seed: int = 1,
             workers: int = 1, progress: bool | Progress = False,
             overrides: Mapping[str, Any] | None = None) -> OptimiseResult:
    """Search ``levers`` within ``ranges`` for the best ``objective`` under ``floor`` (see the module docstring).

    ``config``: a TOML path, a table or a Config; its ``[optimise]`` table gives defaults for ``levers``,
    ``ranges``, ``objective``, ``floor`` and ``trials``. ``objective``: ``"npv"`` (P50 of the reviews'
    NPV, £) or ``"p_target"``. ``floor``: text such as ``"unsafe_months<=3@P90"``
    (:mod:`simshare.analysis.floors`) or None. Each candidate runs ``replications`` futures; the best
    ``finalists`` are re-run with ``final_replications`` beside the plan. Runs
    ``(trials + 1) × replications + (finalists + 1) × final_replications`` replications in all, counted
    by one progress bar (the final round's scenarios run together, so each of its replications counts
    once). Raises ConfigError naming the problem (unknown lever, empty range, a floor that does not
    parse, ``p_target`` without a target); ImportError when optuna is not installed.
    """
    cfg = load_config(config, overrides)
    spec = cfg.optimise
    objective = objective or (spec.objective if spec else "npv")
    trials = trials if trials is not None else (spec.trials if spec else 40)
    _check(cfg, objective, trials, replications, final_replications, finalists)
    floor_text = floor if floor is not None else (spec.floor if spec else None)
    try:
        the_floor = floor_text if isinstance(floor_text, Floor) or floor_text is None else parse_floor(floor_text)
    except ValueError as err:
        raise ConfigError([str(err)]) from None
    space = lever_space(cfg, levers, ranges)
    base_raw = {k: v for k, v in cfg.raw.items() if k not in ("scenarios", "optimise")}
    plan = _candidate(base_raw, {})
    # the engine counts a replication of several scenarios run together once: the final round is one count
    total = (trials + 1) * replications + final_replications
    bar = progress if isinstance(progress, Progress) else Progress(total, "optimise", enabled=bool(progress))
    if isinstance(progress, Progress):
        bar.extend(bar.done + total)
    try:
        return _search(cfg.programme.name, plan, space, objective, the_floor, trials, replications, final_replications,
                       finalists, seed, workers, bar)
    finally:
        if not isinstance(progress, Progress):
            bar.close()


def _candidate(plan: Any, levers: Mapping[str, Any]) -> Any:
    """The plan (a Config or its tables) with a candidate's levers; business-case warnings were said once,
    when the config was loaded."""
    with warnings.catch_warnings():
        warnings.simplefilter("ignore", ConfigWarning)
        return load_config(getattr(plan, "raw", plan), levers or None)


def _evaluate(configs: Mapping[str, Any], n: int, seed: int, workers: int, bar: Progress) -> xr.Dataset:
    return run_scenarios(configs, n, seed, workers=workers, progress=bar)


def _search(name: str, plan: Any, space: Space, objective: str, floor: Floor | None, trials: int, n: int,
            n_final: int, finalists: int, seed: int, workers: int, bar: Progress) -> OptimiseResult:
    import optuna  # an optional extra: pip install simshare[optimise]

    optuna.logging.set_verbosity(optuna.logging.WARNING)
    plan_ds = _evaluate({PLAN: plan}, n, seed, workers, bar)
    plan_row = {"objective": objective_of(plan_ds, objective),
                "floor met": floor.share_met(plan_ds) if floor else 1.0}
    sampler = optuna.samplers.TPESampler(seed=seed)  # the floor's shortfall is each trial's constraint
    study = optuna.create_study(direction="maximize", sampler=sampler)
    study.enqueue_trial(space.plan_params(plan), skip_if_exists=True)
    seen: dict[str, dict[str, Any]] = {}
    for _ in range(trials):
        trial = study.ask()
        levers = space.suggest(trial)
        key = repr(sorted(levers.items()))
        if key in seen:
            row = seen[key]
            bar.update(n)  # the same candidate again: its figures are known (same random numbers)
        else:
            ds = _evaluate({"candidate": _candidate(plan, levers)}, n, seed, workers, bar)
            shortfall = floor.shortfall(ds) if floor else 0.0
            row = seen[key] = {"levers": levers, "objective": objective_of(ds, objective),
                               "floor met": floor.share_met(ds) if floor else 1.0, "shortfall": shortfall}
        trial.set_constraint("floor", float(row["shortfall"]))  # feasible when ≤ 0
        study.tell(trial, row["objective"])
    rows = sorted(seen.values(), key=lambda r: (r["shortfall"] > 1e-12, -r["objective"]))
    candidates = pd.DataFrame({"levers": [short_levers(r["levers"]) for r in rows],
                               "objective": [r["objective"] for r in rows],
                               "floor met": [r["floor met"] for r in rows],
                               "meets floor": [r["shortfall"] <= 1e-12 for r in rows]})
    candidates.index = pd.RangeIndex(1, len(rows) + 1, name="rank")
    candidates.attrs["overrides"] = [r["levers"] for r in rows]
    feasible = [r for r in rows if r["shortfall"] <= 1e-12]
    common = dict(ranges={p: list(r) for p, r in space.ranges.items() if r is not None},
                  config_name=name, objective=objective, floor=floor, levers=space.levers, trials=trials,
                  replications=n, final_replications=n_final, seed=seed, candidates=candidates, plan=plan_row)
    if not feasible:
        common.pop("ranges")
        statement = (f"No plan tried meets the floor ({floor.sentence()}): {len(rows)} candidates were tried and the "
                     f"best met it in {max(r['floor met'] for r in rows):.0%} of futures; the floor or the levers "
                     "need rethinking.").replace("%", " %")
        return OptimiseResult(**common, finalists=pd.DataFrame(), winner=None, outcome="no candidate meets the floor",
                              statement=statement, scenario=None)
    return _confirm(plan, feasible[:finalists], objective, floor, n_final, seed, workers, bar, common)


def _confirm(plan: Any, best: list[dict], objective: str, floor: Floor | None, n: int, seed: int, workers: int,
             bar: Progress, common: dict) -> OptimiseResult:
    """Re-run the plan and the best candidates together; paired differences against the plan."""
    configs = {PLAN: plan}
    for i, row in enumerate(best, 1):
        configs[f"candidate {i}"] = _candidate(plan, row["levers"])
    ds = _evaluate(configs, n, seed, workers, bar)
    plan_ds = select_scenario(ds, PLAN)
    plan_obj = objective_values(plan_ds, objective)
    plan_done = np.asarray(plan_ds["programme_complete_month"].values, dtype=float)
    plan_floor = floor.holds(plan_ds) if floor else True
    table = []
    for i, row in enumerate(best, 1):
        d = select_scenario(ds, f"candidate {i}")
        values = objective_values(d, objective)
        diff = values - plan_obj
        mean, low, high = mean_ci(diff)
        done = np.asarray(d["programme_complete_month"].values, dtype=float)
        table.append({
            "candidate": i, "levers": short_levers(row["levers"]),
            "objective": objective_of(d, objective), "plan objective": objective_of(plan_ds, objective),
            "difference": mean, "low": low, "high": high,
            "median NPV difference": float(np.median(objective_values(d, "npv")) - np.median(objective_values(plan_ds, "npv"))),
            "P80 finish difference": late_quantile(done, 0.8) - late_quantile(plan_done, 0.8),
            "floor met": floor.share_met(d) if floor else 1.0,
            "meets floor": floor.holds(d) if floor else True,
            "overrides": row["levers"],
        })
    finals = pd.DataFrame(table).set_index("candidate")
    ok = finals[finals["meets floor"]]
    winner_row = None if ok.empty else ok.sort_values("objective", ascending=False).iloc[0]
    significant = winner_row is not None and winner_row["low"] > 0
    start = start_date(ds)
    details = {"plan meets floor": plan_floor, "start": start.isoformat(), "significant": bool(significant),
               "ranges": common.pop("ranges")}
    if winner_row is None and plan_floor:
        outcome, winner = "keep plan", None
        statement = ("Keep the plan: none of the best candidates still met the floor with more replications"
                     + (f" ({floor.sentence()}); the plan does." if floor else "."))
    elif winner_row is None:
        outcome, winner = "no candidate meets the floor", None
        statement = (f"No plan tried meets the floor ({floor.sentence()}) with more replications, the config's own "
                     "included: no recommendation; the floor or the levers need rethinking.")
    elif plan_floor and not significant:
        outcome, winner = "keep plan", None
        statement = (f"Keep the plan: no candidate tried beats it significantly (the best one's mean paired "
                     f"difference in {PAIRED[objective]} is {difference_text(winner_row, objective)}, 95 % interval "
                     f"{interval_text(winner_row, objective)})" + (f", and the plan already meets the floor ({floor.sentence()})."
                                                                 if floor else "."))
    else:
        outcome, winner = "recommend", dict(winner_row["overrides"])
        statement = board_sentence(winner, plan, winner_row, floor, plan_floor, objective)
    scenario = None if winner is None else scenario_toml(winner, "optimised", statement)
    return OptimiseResult(**common, finalists=finals, winner=winner, outcome=outcome, statement=statement,
                          scenario=scenario, details=details)


__all__ = ["optimise", "OptimiseResult", "objective_of", "objective_values", "PLAN"]
