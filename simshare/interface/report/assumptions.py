"""The assumptions in words: the main settings of a config as a short table."""

from __future__ import annotations

import tomllib
from typing import Any, Mapping

from ...analysis.results import format_money
from .markup import esc

_PROGRAMME_KEYS = {
    "start": "Programme start",
    "horizon_months": "Simulated period (months)",
    "review_teams": "Concurrent reviews (review teams)",
    "support_capacity": "Concurrent implementations (ICT/HR/finance capacity)",
    "frontline_limit": "Front-line services in implementation at once",
    "committee_interval_months": "Joint committee every (months)",
    "approvals_per_meeting": "Business cases per committee meeting",
    "approval_probability": "Chance a business case is approved first time",
    "rework_months": "Rework of a case sent back (months)",
    "team_turnover_annual": "Review team turnover (a year)",
    "change_turnover_multiplier": "Turnover multiplier during change",
    "shared_turnover_multiplier": "Turnover multiplier once shared",
    "safe_staffing": "Safe staffing level",
    "discount_rate": "Discount rate (NPV)",
    "savings_target": "Savings target (£ a year)",
    "target_month": "Target month (from the start)",
    "dissolution_annual": "Chance a year that the partnership dissolves (from the first go-live)",
    "savings_retained": "Share of savings kept after a dissolution",
    "target_scope": "Target compared with (services: the reviews' run-rate; total: with joint management)",
    "cost_sharing": "Cost sharing between councils",
}


def _number(value: Any) -> str:
    if isinstance(value, bool):
        return "yes" if value else "no"
    if isinstance(value, (int, float)):
        v = float(value)
        if abs(v) >= 10_000:
            return f"{v:,.0f}"
        return f"{v:g}"
    return str(value)


def describe_value(value: Any) -> str:
    """A config value in words: ``0.13``; ``PERT 0.09–0.18, most likely 0.13``; ``3 (25 %), 4 (50 %)``."""
    if not isinstance(value, Mapping):
        if isinstance(value, list):
            return ", ".join(_number(v) for v in value) or "none"
        return _number(value)
    dist = str(value.get("dist", "")).lower()
    nested = {k: (describe_value(v) if isinstance(v, Mapping) else _number(v)) for k, v in value.items() if k != "dist"}
    if dist == "fixed":
        return nested.get("value", "?")
    if dist in ("pert", "triangular") and {"min", "mode", "max"} <= set(nested):
        return f"{dist.upper() if dist == 'pert' else dist} {nested['min']}–{nested['max']}, most likely {nested['mode']}"
    if dist == "uniform" and {"min", "max"} <= set(nested):
        return f"uniform {nested['min']}–{nested['max']}"
    if dist == "discrete" and isinstance(value.get("values"), list):
        weights = value.get("weights") or [1.0] * len(value["values"])
        total = float(sum(weights)) or 1.0
        return ", ".join(f"{_number(v)} ({100 * float(w) / total:.0f} %)" for v, w in zip(value["values"], weights))
    return f"{dist} " + ", ".join(f"{k} {v}" for k, v in nested.items())


def key_assumptions_html(config_text: str) -> str:
    """The main programme settings, councils and services of a config, as a short table (empty when the
    config cannot be read)."""
    try:
        raw = tomllib.loads(config_text) if config_text else {}
    except tomllib.TOMLDecodeError:
        return ""
    programme = raw.get("programme", {}) or {}
    def money(value: Any) -> str:
        return format_money(float(value)) if isinstance(value, (int, float)) else describe_value(value)

    def value(key: str) -> str:
        v = programme[key]
        if key == "savings_target":
            return money(v)
        if key == "cost_sharing" and isinstance(v, Mapping):
            return ", ".join(f"{council} {_number(share)}" for council, share in v.items())
        return describe_value(v)

    rows = [(label, value(key)) for key, label in _PROGRAMME_KEYS.items() if key in programme]
    jm = programme.get("joint_management")
    if isinstance(jm, Mapping) and "saving_per_year" in jm:
        rows.append(("Joint management saving (£ a year)", money(jm["saving_per_year"])))
    councils = [str(c.get("name", "?")) for c in raw.get("councils", []) if isinstance(c, Mapping)]
    services = [str(s.get("name", "?")) for s in raw.get("services", []) if isinstance(s, Mapping)]
    if councils:
        rows.append(("Councils", ", ".join(councils)))
    order = programme.get("order")
    if services:
        shared = services if order is None else [s for s in order]
        rows.append((f"Services in the programme ({len(shared)} of {len(services)})",
                     ", ".join(shared) if shared else "none"))
    for d in raw.get("drivers", []) or []:
        if isinstance(d, Mapping):
            targets = ", ".join(str(p) for p in d.get("applies_to", []) or [])
            rows.append((f"Common cause: {d.get('name', '?')}", f"× {describe_value(d.get('factor'))} on {targets}"))
    if not rows:
        return ""
    body = "".join(f"<tr><td>{esc(k)}</td><td class=\"wrap\">{esc(v)}</td></tr>" for k, v in rows)
    return (f"<table class=\"assumptions\" id=\"key-assumptions\"><thead><tr><th>Key assumption</th><th>Value</th>"
            f"</tr></thead><tbody>{body}</tbody></table>")


__all__ = ["describe_value", "key_assumptions_html"]
