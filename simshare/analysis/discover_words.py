"""Scenario discovery in the board's words: what an outcome is, what each input is, and the sentences.

"Reviews complete in February 2017 or later in 71 % of the futures where Chiltern's staff turnover is
above 15 % a year and the “ICT maturity” factor is above ×1.3; those futures hold 64 % of all the futures
where it happens (40 % of all futures)."
"""

from __future__ import annotations

import datetime as dt
import math
from typing import Any, Mapping

import pandas as pd

from .expressions import Outcome
from .results import format_money, full_month

#: result variable -> (subject, verb when it is a month)
_MONTH_SUBJECTS = {
    "reviews_complete_month": "the reviews complete",
    "programme_complete_month": "the programme completes",
    "payback_month": "the reviews pay back",
    "dissolved_month": "the partnership dissolves",
}
_MONEY_SUBJECTS = {"npv": "the NPV", "npv_services": "the reviews' NPV"}
#: the last part of a parameter path -> what it is
_KEYS = {
    "turnover_annual": "staff turnover", "recruitment_months": "time to recruit",
    "recruitment_failure": "share of recruitment campaigns that fail", "review_months": "review",
    "implementation_months": "implementation", "consultation_months": "consultation",
    "savings_fraction": "saving (share of budget)", "realisation": "share of its business case delivered",
    "approval_probability": "chance a case is approved", "support_capacity": "implementation slots",
    "review_teams": "review teams", "team_turnover_annual": "review team turnover",
    "change_turnover_multiplier": "turnover multiplier during change", "one_off_cost": "one-off cost",
    "redundancy_cost": "redundancy cost", "dissolution_annual": "yearly chance the partnership dissolves",
    "agency_cover": "agency cover", "initial_vacancy_rate": "vacancy rate at the start",
    "vacancy_hold_months": "vacancy hold", "pay_harmonisation": "pay harmonisation",
    "implementation_disruption": "disruption while implementing", "approval_months": "own approval",
}
#: keys whose values are shares, shown as %
_SHARES = ("fraction", "realisation", "probability", "failure", "cover", "rate", "harmonisation", "disruption",
           "retained", "staffing")
_OPS = {">": "after the start of", ">=": "in {} or later", "<": "before", "<=": "by the start of"}


def _possessive(name: str) -> str:
    return f"{name}'" if name.endswith("s") else f"{name}'s"


def parameter_label(path: str) -> str:
    """``councils.Chiltern.turnover_annual`` → "Chiltern's staff turnover"; ``drivers.ICT maturity`` →
    "the “ICT maturity” factor"; ``services.ICT.review_months.mean`` → "ICT's review (its mean)"."""
    parts = path.split(".")
    if parts[0] == "drivers":  # a risk driver's factor (it multiplies the parameters it names)
        return f"the “{'.'.join(parts[1:])}” factor"
    suffix = ""
    if len(parts) >= 3 and parts[-1] in ("mean", "sd", "min", "mode", "max", "value", "lambda"):
        suffix, parts = f" (its {parts[-1]})", parts[:-1]
    if parts[0] == "programme":
        key = parts[-1]
        return f"the programme's {_KEYS.get(key, key.replace('_', ' '))}{suffix}"
    if parts[0] == "services" and len(parts) >= 4 and parts[-2] in ("budget", "posts", "specialists"):
        return f"{_possessive(parts[1])} {parts[-2]} in {parts[-1]}{suffix}"
    owner, key = ".".join(parts[1:-1]), parts[-1]
    return f"{_possessive(owner)} {_KEYS.get(key, key.replace('_', ' '))}{suffix}"


def value_text(path: str, value: float, units: str) -> str:
    """An input's value in its units: 15 % a year, 7.5 months, £23.0k, 1.3."""
    key = path.split(".")[-1] if path.split(".")[-1] not in ("mean", "sd", "min", "mode", "max", "value") \
        else path.split(".")[-2]
    if path.startswith("drivers.") and path.count(".") >= 1 and units == "1":
        return f"×{value:.3g}"
    if units == "1/yr":
        return f"{100 * value:.0f} % a year" if abs(value) >= 0.1 else f"{100 * value:.1f} % a year"
    if units == "months":
        return f"{value:.1f} months"
    if units.startswith("£"):
        return format_money(value) + ("/month" if units == "£/month" else "/yr" if units == "£/yr" else "")
    if units == "slots":
        return f"{value:.0f}"
    if any(key.endswith(s) for s in _SHARES):
        return f"{100 * value:.0f} %"
    return f"{value:.3g}"


def outcome_words(outcome: Outcome, start: dt.date | None) -> str:
    """The outcome as a clause: "the reviews complete in February 2017 or later"; the expression itself
    (quoted) when it is not a single comparison of a known variable with a number."""
    simple = outcome.simple()
    text = outcome.text
    if outcome.text.replace(" ", "") == "dissolved_month==dissolved_month":
        return "the partnership dissolves within the horizon"
    if simple is None:
        return f"“{text}” holds"
    var, op, number = simple
    if var in _MONTH_SUBJECTS and start is not None and op in _OPS:
        month = full_month(start, number)
        where = _OPS[op].format(month) if "{}" in _OPS[op] else f"{_OPS[op]} {month}"
        return f"{_MONTH_SUBJECTS[var]} {where}"
    if var in _MONEY_SUBJECTS and op in ("<", "<=", ">", ">="):
        word = {"<": "is below", "<=": "is at most", ">": "is above", ">=": "is at least"}[op]
        return f"{_MONEY_SUBJECTS[var]} {word} {format_money(number)}"
    return f"“{text}” holds"


def _bound(r: Mapping[str, Any]) -> str:
    path, units = str(r["parameter"]), str(r["units"])
    low, high = float(r["low"]), float(r["high"])
    if not math.isnan(low) and not math.isnan(high):
        return f"is between {value_text(path, low, units)} and {value_text(path, high, units)}"
    if not math.isnan(low):
        return f"is above {value_text(path, low, units)}"
    return f"is below {value_text(path, high, units)}"


def restriction_sentence(r: Mapping[str, Any], start: dt.date | None = None) -> str:
    """One plain sentence per box restriction: "Chiltern's staff turnover is above 15 % a year (across all
    the futures it runs from 9 % to 18 % a year)."."""
    path, units = str(r["parameter"]), str(r["units"])
    label = parameter_label(path)
    return (f"{label[0].upper() + label[1:]} {_bound(r)} (across all the futures it runs from "
            f"{value_text(path, float(r['min']), units)} to {value_text(path, float(r['max']), units)}).")


def summary_sentence(outcome: Outcome, restrictions: pd.DataFrame, coverage: float, density: float,
                     base_rate: float, start: dt.date | None) -> str:
    """The headline: where the outcome is concentrated, how dense it is there and what share it holds."""
    what = outcome_words(outcome, start)
    what = what[0].upper() + what[1:]
    if restrictions.empty:
        return (f"{what} in {_pct(base_rate)} of all futures; no group of futures stands out "
                "(no input narrows it down).")
    where = " and ".join(f"{parameter_label(str(r['parameter']))} {_bound(r)}" for _, r in restrictions.iterrows())
    return (f"{what} in {_pct(density)} of the futures where {where}; those futures hold {_pct(coverage)} of all "
            f"the futures where it happens ({_pct(base_rate)} of all futures).")


def _pct(share: float) -> str:
    return f"{100 * share:.0f} %"


__all__ = ["parameter_label", "value_text", "outcome_words", "restriction_sentence", "summary_sentence"]
