"""``simshare optimise`` in words: the board sentence, the differences and their intervals, the printed report."""

from __future__ import annotations

import math
from typing import Any, Mapping

import pandas as pd

from .compare_text import signed_money
from .floors import Floor
from .levers import describe

#: objective -> what it is, in the board's words
OBJECTIVES = {"npv": "median (P50) NPV of the reviews", "p_target": "chance of meeting the savings target"}
#: objective -> what its per-future paired difference is of
PAIRED = {"npv": "the reviews' NPV", "p_target": "meeting the savings target"}


def difference_text(row: Mapping[str, Any], objective: str) -> str:
    """The mean paired difference (candidate − plan) in the objective: +£120k, or +12 pp."""
    return _amount(float(row["difference"]), objective)


def interval_text(row: Mapping[str, Any], objective: str) -> str:
    """Its 95 % interval: "−£40k to +£280k"."""
    return f"{_amount(float(row['low']), objective)} to {_amount(float(row['high']), objective)}"


def _amount(value: float, objective: str) -> str:
    if objective == "npv":
        return signed_money(value)
    if math.isnan(value):
        return "n/a"
    return f"{100 * value:+.0f} pp".replace("-", "−")


def _months(value: float) -> str:
    n = abs(round(value))
    return f"{n} month{'s' if n != 1 else ''}"


def finish_words(p80_difference: float) -> str:
    """"finishes 9 months earlier at P80" (programme complete, candidate − plan)."""
    if math.isnan(p80_difference):
        return "finishes after the horizon at P80, as the plan does"
    if math.isinf(p80_difference):
        return ("finishes within the horizon at P80 where the plan does not" if p80_difference < 0
                else "does not finish within the horizon at P80 where the plan does")
    if round(p80_difference) == 0:
        return "finishes in the same month at P80"
    return f"finishes {_months(p80_difference)} {'earlier' if p80_difference < 0 else 'later'} at P80"


def board_sentence(winner: Mapping[str, Any], plan: Any, row: Mapping[str, Any], floor: Floor | None,
                   plan_floor: bool, objective: str = "npv") -> str:
    """"Starting ICT and Revenues and Benefits first with three review teams finishes 9 months earlier at
    P80 and adds £0.8m to the median NPV, keeping every council's services safe in 9 futures out of 10"."""
    lead = describe(winner, plan) or "The recommended levers"
    npv = float(row["median NPV difference"])
    money = (f"adds {signed_money(npv).lstrip('+')} to the median NPV of the reviews" if npv > 0 else
             f"costs {signed_money(-npv).lstrip('+')} of the median NPV of the reviews" if npv < 0 else
             "leaves the median NPV of the reviews unchanged")
    text = f"{lead} {finish_words(float(row['P80 finish difference']))} and {money}"
    if objective == "p_target":
        text += f", and changes the chance of meeting the savings target by {_amount(float(row['difference']), objective)}"
    if floor is not None:
        text += f", {floor.sentence()}" + ("" if plan_floor else " (the plan does not)")
    return (text + f". Mean paired difference in {PAIRED[objective]}: {difference_text(row, objective)} "
            f"(95 % interval {interval_text(row, objective)}).")


def at_the_edge(winner: Mapping[str, Any], ranges: Mapping[str, Any]) -> str:
    """The winner's levers that sit at an end of their range: "programme.review_teams 6 (range 1–6)"."""
    out = []
    for path, value in winner.items():
        lever = path if path in ranges else ("services.*.earliest_start_month" if path.endswith("earliest_start_month")
                                             else path)
        if lever in ranges and not isinstance(value, list):
            low, high = ranges[lever]
            if value in (low, high) and low != high:
                out.append(f"{path} {value} (range {low:g}–{high:g})")
    return ", ".join(out)


def format_optimise(result: Any, top: int = 10) -> str:
    """The optimiser's result as plain text: what was searched, the best candidates, the re-run finalists
    against the plan, the outcome and, when there is one, the ready ``[[scenarios]]`` entry."""
    obj = result.objective
    money = obj == "npv"

    def value(v: float) -> str:
        return (signed_money(v).lstrip("+") if money else f"{100 * v:.0f} %")

    lines = [result.config_name,
             f"optimise: {', '.join(result.levers)}; objective: {OBJECTIVES[obj]}; floor: "
             f"{result.floor if result.floor else 'none'}",
             f"{result.trials} candidates × {result.replications} replications, seed {result.seed} (the same futures "
             f"for every candidate); best re-run with {result.final_replications} beside the plan.", "",
             f"The plan: {OBJECTIVES[obj]} {value(result.plan['objective'])}"
             + (f", floor met in {result.plan['floor met']:.0%} of futures".replace("%", " %") if result.floor else ""),
             "", f"Best candidates (of {len(result.candidates)} distinct):"]
    cands = result.candidates.head(top)
    width = max([len(t) for t in cands["levers"]] + [6])
    lines.append(f"  {'rank':>4}  {'levers':<{width}}  {'objective':>10}  {'floor met':>9}")
    for rank, r in cands.iterrows():
        mark = "" if r["meets floor"] else "  (misses floor)"
        lines.append(f"  {rank:>4}  {r['levers']:<{width}}  {value(r['objective']):>10}  "
                     f"{100 * r['floor met']:>7.0f} %{mark}")
    if isinstance(result.finalists, pd.DataFrame) and not result.finalists.empty:
        lines += ["", f"Re-run against the plan ({result.final_replications} replications, paired: candidate − plan):"]
        for i, r in result.finalists.iterrows():
            lines.append(f"  candidate {i}: {r['levers']}")
            lines.append(f"    {OBJECTIVES[obj]}: {value(r['objective'])} (plan {value(r['plan objective'])}); "
                         f"mean paired difference {difference_text(r, obj)}, 95 % interval {interval_text(r, obj)}")
            lines.append(f"    {finish_words(float(r['P80 finish difference']))}; floor met in "
                         f"{100 * r['floor met']:.0f} % of futures" + ("" if r["meets floor"] else " (misses floor)"))
    lines += ["", f"Outcome: {result.outcome}.", result.statement]
    edges = at_the_edge(result.winner or {}, result.details.get("ranges", {}))
    if edges:
        lines.append(f"At the edge of the range searched: {edges}; widen it with --range to see whether going "
                     "further still helps.")
    if result.scenario:
        lines += ["", "Paste into the config to compare it (simshare compare):", "", result.scenario.rstrip()]
    return "\n".join(lines) + "\n"


__all__ = ["PAIRED", "at_the_edge", "board_sentence", "difference_text", "interval_text", "finish_words", "format_optimise", "OBJECTIVES"]
