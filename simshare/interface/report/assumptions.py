"""The assumptions in words: the main settings of a config as a short table."""

from __future__ import annotations

import datetime as dt
import tomllib
from typing import Any, Mapping, Sequence

from ...analysis.results import format_money, full_month
from .markup import esc

#: programme settings shown, with their label and how their values read: "%" (a share), "%/yr" (a rate a
#: year), "£", "£/yr", "months", "date" (the start), "month" (months from the start, shown as a calendar
#: month), "×" (a multiplier) or "" (as written)
_PROGRAMME_KEYS: dict[str, tuple[str, str]] = {
    "start": ("Programme start", "date"),
    "horizon_months": ("Simulated period", "months"),
    "review_teams": ("Concurrent reviews (review teams)", ""),
    "support_capacity": ("Concurrent implementations (ICT/HR/finance capacity)", ""),
    "frontline_limit": ("Front-line services in implementation at once", ""),
    "committee_interval_months": ("Joint committee meets every", "months"),
    "approvals_per_meeting": ("Business cases per committee meeting", ""),
    "approval_probability": ("Chance a business case is approved first time", "%"),
    "rework_months": ("Rework of a case sent back", "months"),
    "team_turnover_annual": ("Review team turnover", "%/yr"),
    "change_turnover_multiplier": ("Staff turnover during change", "×"),
    "shared_turnover_multiplier": ("Staff turnover once shared", "×"),
    "safe_staffing": ("Safe staffing level (share of required posts in post)", "%"),
    "discount_rate": ("Discount rate (NPV)", "%/yr"),
    "savings_target": ("Savings target", "£/yr"),
    "target_month": ("Savings target date", "month"),
    "dissolution_annual": ("Chance a year that the partnership dissolves (from the first go-live)", "%/yr"),
    "savings_retained": ("Share of savings kept after a dissolution", "%"),
    "target_scope": ("Target compared with (services: the reviews' run-rate; total: with joint management)", ""),
    "cost_sharing": ("Cost sharing between councils", ""),
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


def _percent(value: float) -> str:
    text = f"{100 * value:.2f}".rstrip("0").rstrip(".")
    return f"{text} %"


def human(value: Any, unit: str, start: dt.date | None = None) -> str:
    """A plain number in its unit, for a board: ``0.9`` as ``90 %``, ``0.035`` (``%/yr``) as ``3.5 % a
    year``, ``1240000`` (``£/yr``) as ``£1.24m a year``, ``48`` (``month``) as ``October 2016`` (with
    ``start``), ``1.2`` (``×``) as ``× 1.2``, ``2`` (``months``) as ``2 months``."""
    if isinstance(value, bool) or not isinstance(value, (int, float)):
        if unit == "date" and isinstance(value, (dt.date, str)):
            try:
                day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value)[:10])
                return day.strftime("%B %Y") if day.day == 1 else f"{day.day} {day.strftime('%B %Y')}"
            except ValueError:
                return str(value)
        return _number(value)
    v = float(value)
    if unit == "%":
        return _percent(v)
    if unit == "%/yr":
        return f"{_percent(v)} a year"
    if unit == "£":
        return format_money(v)
    if unit == "£/yr":
        return f"{format_money(v)} a year"
    if unit == "months":
        return f"{v:g} month" if v == 1 else f"{v:g} months"
    if unit == "month":
        if start is None:
            return f"month {v:g} from the start"
        return full_month(start, v)
    if unit == "×":
        return f"× {v:g}"
    return _number(value)


def _range(low: str, high: str) -> str:
    """``0.5–3 months`` rather than ``0.5 months–3 months``; ``× 1.1–1.6``."""
    for suffix in (" % a year", " %", " months", " month", " a year"):
        if low.endswith(suffix) and high.endswith(suffix):
            return f"{low[:-len(suffix)]}–{high}"
    if low.startswith("× ") and high.startswith("× "):
        return f"{low}–{high[2:]}"
    return f"{low}–{high}"


def unit_of(path: str) -> str:
    """How a setting's values read, from its dotted path (see :func:`human`): ``*_annual`` a rate a year,
    ``*_months`` months, probabilities and shares %, multipliers ×, budgets and salaries £ a year."""
    key = path.rsplit(".", 1)[-1]
    for name, (_, unit) in _PROGRAMME_KEYS.items():
        if key == name:
            return unit
    if key.endswith("_annual"):
        return "%/yr"
    if key.endswith("_months"):
        return "months"
    if any(word in key for word in ("probability", "fraction", "share", "retained", "disruption", "staffing")):
        return "%"
    if key.endswith("multiplier"):
        return "×"
    if key in ("budget", "salary", "saving_per_year") or key.endswith("_per_year"):
        return "£/yr"
    if key.endswith("cost"):
        return "£"
    return ""


def describe_value(value: Any, unit: str = "", start: dt.date | None = None) -> str:
    """A config value in words, in its ``unit`` (see :func:`human`): ``90 %``; ``PERT 9 %–18 %, most likely
    13 %``; ``3 (25 %), 4 (50 %)``."""
    if not isinstance(value, Mapping):
        if isinstance(value, list):
            return ", ".join(human(v, unit, start) for v in value) or "none"
        return human(value, unit, start)
    dist = str(value.get("dist", "")).lower()
    nested = {k: (describe_value(v, unit, start) if isinstance(v, Mapping) else
                  human(v, "" if k in ("sd_log", "weights", "rho") else unit, start))
              for k, v in value.items() if k not in ("dist", "values", "weights")}
    if dist == "fixed":
        return nested.get("value", "?")
    if dist in ("pert", "triangular") and {"min", "mode", "max"} <= set(nested):
        return f"{dist.upper() if dist == 'pert' else dist} {_range(nested['min'], nested['max'])}, most likely {nested['mode']}"
    if dist == "uniform" and {"min", "max"} <= set(nested):
        return f"uniform {_range(nested['min'], nested['max'])}"
    if dist == "discrete" and isinstance(value.get("values"), list):
        weights = value.get("weights") or [1.0] * len(value["values"])
        total = float(sum(weights)) or 1.0
        return ", ".join(f"{human(v, unit, start)} ({100 * float(w) / total:.0f} %)"
                         for v, w in zip(value["values"], weights))
    return f"{dist} " + ", ".join(f"{k} {v}" for k, v in nested.items())


def key_assumptions_html(config_text: str, swept: Mapping[str, Sequence[Any]] | None = None) -> str:
    """The main programme settings, councils and services of a config, as a short table in a board's units
    (%, £, months and calendar months; empty when the config cannot be read). ``swept`` ({dotted path:
    values}) marks the settings a sweep varies: they show every swept value, not the config's own."""
    try:
        raw = tomllib.loads(config_text) if config_text else {}
    except tomllib.TOMLDecodeError:
        return ""
    programme = raw.get("programme", {}) or {}
    swept = dict(swept or {})
    try:
        start = human_start(programme.get("start"))
    except ValueError:
        start = None

    def value(key: str, unit: str) -> str:
        path = f"programme.{key}"
        if path in swept:
            return "swept: " + ", ".join(describe_value(v, unit, start) for v in swept.pop(path))
        v = programme[key]
        if key == "cost_sharing" and isinstance(v, Mapping):
            return ", ".join(f"{council} {_percent(float(share))}" for council, share in v.items())
        text = describe_value(v, unit, start)
        if key == "horizon_months" and start is not None and isinstance(v, (int, float)):
            text += f" (to {full_month(start, float(v))})"
        if key == "target_month" and isinstance(v, (int, float)):
            text += f" ({v:g} months from the start)"
        return text

    rows = [(label, value(key, unit)) for key, (label, unit) in _PROGRAMME_KEYS.items()
            if key in programme or f"programme.{key}" in swept]
    jm = programme.get("joint_management")
    if isinstance(jm, Mapping) and "saving_per_year" in jm:
        rows.append(("Joint management saving", describe_value(jm["saving_per_year"], "£/yr", start)))
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
            rows.append((f"Common cause: {d.get('name', '?')}",
                         f"× {describe_value(d.get('factor'))} on {targets}"))
    for path, values in swept.items():  # swept settings outside the table above
        rows.append((f"{path}", "swept: " + ", ".join(describe_value(v, unit_of(path), start) for v in values)))
    if not rows:
        return ""
    body = "".join(f"<tr><td>{esc(k)}</td><td class=\"wrap\">{esc(v)}</td></tr>" for k, v in rows)
    return (f"<table class=\"assumptions\" id=\"key-assumptions\"><thead><tr><th>Key assumption</th><th>Value</th>"
            f"</tr></thead><tbody>{body}</tbody></table>")


def human_start(value: Any) -> dt.date | None:
    """The programme start of a config (a TOML date or an ISO text), or None; ValueError for a bad text."""
    if value is None:
        return None
    if isinstance(value, dt.date):
        return value
    return dt.date.fromisoformat(str(value)[:10])


__all__ = ["human", "unit_of", "describe_value", "key_assumptions_html", "human_start"]
