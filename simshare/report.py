"""The board report: one self-contained HTML page from a results dataset (``simshare report``).

The page needs nothing but a browser: the figures are embedded as PNG images (base64 ``data:``
URIs), the styles are inline, there is no script, no web font and no link to anything outside the
file. It holds, in order: a headline sentence in plain words, the summary table (P10/P50/P80/P90 and
mean with their Monte Carlo error), the comparison with the status quo or between scenarios when the
results hold them, every figure of :func:`simshare.plots.figures_for` with one line on how to read
it, the assumptions (the config as simulated) and the provenance (seed, version, dates, replications,
sampling) with the command that reproduces the run.

    from simshare.report import write_report
    write_report(ds, "results/chiltern_south_bucks/report.html")
"""

from __future__ import annotations

import argparse
import base64
import datetime as dt
import html
import io
import json
import math
import os
from pathlib import Path
from typing import Any, Mapping

import numpy as np
import xarray as xr

from . import __version__
from .analysis.convergence import _as_later_than_all, _sample_quantile
from .analysis.summary import (
    RESILIENCE_PREFIX,
    _attr,
    _cell,
    start_date,
    format_money,
    month_label,
    select_scenario,
    summarise,
    target_month,
    target_probability,
)

__all__ = ["write_report", "render_report", "headline", "command", "CAPTIONS", "describe_value"]

STATUS_QUO = "status quo"

#: One line on how to read each figure of :func:`simshare.plots.figures_for`, by name.
CAPTIONS: dict[str, str] = {
    "savings_run_rate": (
        "Recurring savings in force each month, £ a year. The dark line is the median simulated future; the "
        "bands hold the middle half and the middle 80 % of futures. Where the bands pass above the red dot, "
        "the savings target is met by the target date."
    ),
    "cumulative_net": (
        "Savings accrued less programme costs to date. Where the bands sit above the black £0 line the "
        "programme has paid back what it cost; the spread at the right is the range of outcomes by the end."
    ),
    "completion": (
        "Read across from 50 % or 80 % to a curve and down to the date: by then half, or four in five, of "
        "the simulated futures have all business cases approved (orange) or every service live (blue). A "
        "curve that ends below 100 % has futures that do not finish within the simulated period."
    ),
    "milestones": (
        "One row per service, in the order the programme takes them: the orange bar spans the dates by which "
        "its business case is approved and the blue bar the dates it goes live, in eight futures out of ten; "
        "the dots are the medians. Long blue bars are where the queue for implementation builds up."
    ),
    "resilience": (
        "The budget-weighted share of each council's services with enough staff to operate safely. Dips show "
        "the strain of change; the grey lines, where shown, are the same councils with no programme."
    ),
    "vacancy": (
        "The share of each council's posts that are vacant (agency-covered posts count as vacant). Compare the "
        "blue band with the grey status quo, where shown, to see whether sharing eases recruitment pressure."
    ),
    "scenarios": (
        "One point per scenario: higher means more value (median NPV, with its P10–P90 whisker), further left "
        "means the programme is finished sooner in four futures out of five. The best choices sit up and to "
        "the left."
    ),
    "sweep_npv": (
        "The median NPV at each combination of the swept settings, all under the same random numbers: "
        "brighter cells are worth more."
    ),
    "sweep_completion": (
        "The date by which the programme is complete in four futures out of five (P80) at each combination "
        "of the swept settings: brighter cells finish sooner."
    ),
}

_ROW_LABELS = {
    "npv": "Net present value (NPV)",
    "savings_run_rate@horizon": "Savings run-rate at the end",
    "cumulative_net@horizon": "Net savings to the end",
    "reviews_complete_month": "All business cases approved",
    "programme_complete_month": "Programme complete (last service live)",
    "payback_month": "Payback (costs recovered)",
}

_CSS = """
:root { color-scheme: light; }
* { box-sizing: border-box; }
body { margin: 0; background: #f4f5f7; color: #1d232b;
       font: 16px/1.5 system-ui, -apple-system, "Segoe UI", Roboto, "Helvetica Neue", Arial, sans-serif; }
main { max-width: 1040px; margin: 0 auto; padding: 28px 32px 48px; background: #ffffff; }
header .kicker { margin: 0; color: #5b6470; text-transform: uppercase; letter-spacing: .06em; font-size: 13px; }
h1 { margin: 4px 0 6px; font-size: 28px; line-height: 1.2; }
h2 { margin: 40px 0 10px; font-size: 21px; border-bottom: 2px solid #1f5a96; padding-bottom: 4px; }
h3 { margin: 0 0 8px; font-size: 17px; }
.meta { margin: 0; color: #5b6470; font-size: 14px; }
.headline { font-size: 21px; line-height: 1.45; margin: 22px 0 8px; padding: 16px 20px;
            background: #eaf1f8; border-left: 6px solid #1f5a96; }
.headline-more { margin: 6px 0 0; }
table { border-collapse: collapse; width: 100%; margin: 8px 0; font-size: 14px; }
th, td { padding: 6px 8px; border-bottom: 1px solid #dde1e6; text-align: right; vertical-align: top;
         white-space: nowrap; }
th:first-child, td:first-child { text-align: left; white-space: normal; }
thead th { background: #f0f2f5; font-weight: 600; }
tr.group td { font-weight: 600; background: #fafbfc; }
td .hw { display: block; color: #78818c; font-size: 12px; }
td.wrap, th.wrap { white-space: normal; text-align: left; }
table.assumptions td:first-child { width: 45%; }
table.assumptions th { text-align: left; }
details summary { cursor: pointer; color: #1f5a96; margin: 6px 0; }
.note { color: #5b6470; font-size: 13px; margin: 4px 0; }
.probability { font-weight: 600; }
figure { margin: 28px 0; padding: 0; }
figure img { display: block; max-width: 100%; height: auto; border: 1px solid #e3e6ea; }
figcaption { margin-top: 8px; color: #39414b; font-size: 14px; }
pre { background: #f6f8fa; border: 1px solid #e3e6ea; padding: 12px 14px; overflow-x: auto;
      font: 12.5px/1.45 ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace; }
dl { display: grid; grid-template-columns: max-content 1fr; gap: 4px 18px; margin: 8px 0; }
dt { color: #5b6470; }
dd { margin: 0; }
code { font: 13px ui-monospace, "SFMono-Regular", Menlo, Consolas, "Liberation Mono", monospace;
       background: #f0f2f5; padding: 1px 4px; }
@media print { body { background: #ffffff; } main { padding: 0; } figure { break-inside: avoid; } }
"""


# --------------------------------------------------------------------------- words


def _esc(text: Any) -> str:
    return html.escape(str(text), quote=True)


def _full_month(start: dt.date, months: float) -> str:
    label = month_label(start, months)
    return dt.datetime.strptime(label, "%b %Y").strftime("%B %Y")


def _late_quantile(x: np.ndarray, q: float) -> float:
    return _sample_quantile(_as_later_than_all(x), q)


def _swept(ds: xr.Dataset) -> list[str]:
    return [str(d) for d in ds.dims if d not in ("replication", "time", "council", "service", "parameter", "scenario")]


def _scenarios(ds: xr.Dataset) -> list[str]:
    return [str(s) for s in ds["scenario"].values] if "scenario" in ds.dims else []


def _chance(p: float, n: int) -> str:
    """'A 35 % chance', 'An 80 % chance', 'Less than a 1 % chance' (sentence start)."""
    pct = 100.0 * p
    if 0 < pct < 0.5:
        return "Less than a 1 % chance"
    if 99.5 <= pct < 100:
        return "A more than 99 % chance"
    whole = int(round(pct))
    article = "An" if whole in (8, 11, 18) or 80 <= whole <= 89 else "A"
    return f"{article} {whole} % chance"


def _years(months: float) -> str:
    years = months / 12.0
    return f"{years:g} years" if float(years).is_integer() else f"{months:g} months"


def headline(ds: xr.Dataset, scenario: str | None = None) -> str:
    """The report's opening sentence(s), in plain words: the chance of reaching the savings target by the
    target date, the P50 and P80 finish dates, and the spread of NPV."""
    if _swept(ds):
        dims = _swept(ds)
        points = int(np.prod([ds.sizes[d] for d in dims]))
        return (f"A sweep of {', '.join(dims)}: {points} settings, each simulated in "
                f"{int(ds.sizes.get('replication', 0)):,} futures under the same random numbers.")
    d = select_scenario(ds, scenario)
    start = start_date(ds)
    n = int(d.sizes.get("replication", 0))
    horizon = float(d["time"].values[-1]) if "time" in d.coords else float(_attr(ds, "horizon_months") or 0)
    end = _full_month(start, horizon)
    clauses: list[str] = []
    if "review_start" in d and not np.isfinite(np.asarray(d["review_start"].values, dtype=float)).any():
        return (f"No programme: in these {n:,} simulated futures the councils carry on as they are "
                f"(no service is reviewed or shared by {end}).")
    target = _attr(ds, "savings_target")
    prob = target_probability(ds, scenario=scenario)
    if prob is not None and target is not None:
        p = prob[0]
        tm = target_month(d)
        by = _full_month(start, horizon if tm is None else tm)
        money = f"{format_money(float(target))} a year"
        if p <= 0:
            clauses.append(f"None of the {n:,} simulated futures reaches {money} by {by}")
        elif p >= 1:
            clauses.append(f"Every one of the {n:,} simulated futures reaches {money} by {by}")
        else:
            clauses.append(f"{_chance(p, n)} of reaching {money} by {by}")
    if "programme_complete_month" in d:
        x = np.asarray(d["programme_complete_month"].values, dtype=float).ravel()
        in_programme = "live" not in d or bool(np.isfinite(np.asarray(d["live"].values, dtype=float)).any())
        if x.size and in_programme:
            p50, p80 = _late_quantile(x, 0.5), _late_quantile(x, 0.8)
            done = float(np.mean(np.isfinite(x)))
            if math.isfinite(p80):
                clauses.append(f"the programme finishes by {_full_month(start, p50)} in half of the simulated "
                               f"futures and by {_full_month(start, p80)} in four out of five")
            elif math.isfinite(p50):
                clauses.append(f"the programme finishes by {_full_month(start, p50)} in half of the simulated "
                               f"futures, but in more than one in five it is still unfinished when the simulation "
                               f"ends in {end}")
            elif done > 0:
                clauses.append(f"the programme finishes within the simulated period (by {end}) in only "
                               f"{100 * done:.0f} % of the simulated futures")
            else:
                clauses.append(f"the programme does not finish by {end} in any of the simulated futures")
    text = ""
    if clauses:
        first = clauses[0]
        text = first[0].upper() + first[1:] + "".join(f"; {c}" for c in clauses[1:]) + "."
    if "npv" in d:
        npv = np.asarray(d["npv"].values, dtype=float).ravel()
        npv = npv[np.isfinite(npv)]
        if npv.size:
            p10, p50, p90 = np.percentile(npv, [10, 50, 90])
            sentence = (f"Over the {_years(horizon)} simulated, the net present value is {format_money(p50)} in the "
                        f"median future, and between {format_money(p10)} and {format_money(p90)} in eight futures "
                        f"out of ten.")
            text = f"{text} {sentence}".strip()
    return text or f"{n:,} simulated futures."


# --------------------------------------------------------------------------- tables


def _split_cell(text: str) -> str:
    """'£11.5m ±£280k' -> value with the half-width on a second, quieter line."""
    if " ±" in text:
        value, hw = text.split(" ±", 1)
        return f"{_esc(value)}<span class=\"hw\">±{_esc(hw)}</span>"
    return _esc(text)


def summary_table_html(ds: xr.Dataset, scenario: str | None = None) -> str:
    """The board table as HTML: P10/P50/P80/P90/mean of each outcome, each with its 95 % half-width."""
    table = summarise(ds, scenario=scenario)
    start = start_date(ds)
    tm = target_month(ds)
    stats = ["P10", "P50", "P80", "P90", "mean"]
    horizon = float(ds["time"].values[-1])
    rows = []
    group = False
    for row in table.index:
        if row.startswith(RESILIENCE_PREFIX):
            if not group:
                rows.append(f"<tr class=\"group\"><td colspan=\"{len(stats) + 1}\">Lowest resilience in any month "
                            "(share of services operating safely)</td></tr>")
                group = True
            label = "&nbsp;&nbsp;" + _esc(row[len(RESILIENCE_PREFIX) + 1:-1])
        elif row == "savings_run_rate@target" and tm is not None:
            label = _esc(f"Savings run-rate, {month_label(start, tm)} (target date)")
        elif row == "savings_run_rate@horizon":
            label = _esc(f"Savings run-rate, {month_label(start, horizon)} (end)")
        else:
            label = _esc(_ROW_LABELS.get(row, row))
        cells = "".join(
            f"<td>{_split_cell(_cell(row, float(table.at[row, s]), float(table.at[row, f'{s}_hw']), start, s))}</td>"
            for s in stats)
        rows.append(f"<tr><td>{label}</td>{cells}</tr>")
    head = "".join(f"<th scope=\"col\">{s}</th>" for s in stats)
    return (f"<table class=\"summary\" id=\"summary-table\"><thead><tr><th scope=\"col\">Outcome</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def _target_line(ds: xr.Dataset, scenario: str | None) -> str:
    prob = target_probability(ds, scenario=scenario)
    if prob is None:
        return ""
    p, hw = prob
    start = start_date(ds)
    tm = target_month(ds)
    by = month_label(start, tm if tm is not None else float(ds["time"].values[-1]))
    decimals = 0 if hw >= 0.01 else 1
    return (f"<p class=\"probability\">Chance of a savings run-rate of at least "
            f"{_esc(format_money(float(_attr(ds, 'savings_target'))))} a year by {_esc(by)}: "
            f"{100 * p:.{decimals}f} % ± {100 * hw:.{decimals}f} %</p>")


def baseline_table_html(ds: xr.Dataset, base: str | None = None) -> str:
    """Programme against the status quo (no programme, same random numbers), per council: lowest and
    average resilience and the agency premium to the end (means over futures). Empty without a status quo."""
    names = _scenarios(ds)
    if STATUS_QUO not in names:
        return ""
    base = base or next((n for n in names if n != STATUS_QUO), None)
    if base is None:
        return ""
    b, q = select_scenario(ds, base), select_scenario(ds, STATUS_QUO)
    rows = []
    for council in ds["council"].values:
        cells = []
        for d in (b, q):
            r = d["resilience"].sel(council=council)
            cells.append((float(r.min("time").mean()), float(r.mean(("time", "replication"))),
                          float(d["agency_cost"].sel(council=council).isel(time=-1).mean())
                          if "agency_cost" in d else math.nan))
        (bl, bm, ba), (ql, qm, qa) = cells
        rows.append(f"<tr><td>{_esc(council)}</td><td>{100 * bl:.1f} %</td><td>{100 * ql:.1f} %</td>"
                    f"<td>{100 * bm:.1f} %</td><td>{100 * qm:.1f} %</td>"
                    f"<td>{_esc(format_money(ba))}</td><td>{_esc(format_money(qa))}</td></tr>")
    return ("<table class=\"baseline\" id=\"baseline-table\"><thead>"
            "<tr><th rowspan=\"2\">Council</th><th colspan=\"2\">Lowest resilience</th>"
            "<th colspan=\"2\">Average resilience</th><th colspan=\"2\">Agency premium to the end</th></tr>"
            "<tr><th>programme</th><th>status quo</th><th>programme</th><th>status quo</th>"
            "<th>programme</th><th>status quo</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            "<p class=\"note\">Means over the simulated futures; the status quo is the same councils and workforce "
            "with no programme, under the same random numbers.</p>")


def scenario_table_html(ds: xr.Dataset) -> str:
    """One row per scenario: P50 NPV, P50 and P80 completion, chance of the target, what it changes."""
    names = _scenarios(ds)
    if len([n for n in names if n != STATUS_QUO]) < 2:
        return ""
    start = start_date(ds)
    try:
        definitions = json.loads(str(ds.attrs.get("scenario_definitions", "{}")))
    except ValueError:
        definitions = {}
    has_target = _attr(ds, "savings_target") is not None
    rows = []
    for name in names:
        d = select_scenario(ds, name)
        npv = np.asarray(d["npv"].values, dtype=float)
        done = np.asarray(d["programme_complete_month"].values, dtype=float)
        never = not np.isfinite(done).any()

        def month(q: float) -> str:
            if never:
                return "—"
            m = _late_quantile(done, q)
            return month_label(start, m) if math.isfinite(m) else "after the horizon"

        prob = target_probability(ds, scenario=name) if has_target else None
        what = definitions.get(name, {}) if isinstance(definitions, Mapping) else {}
        change = what.get("description") or ", ".join(f"{k} = {v}" for k, v in (what.get("set") or {}).items())
        cells = [format_money(float(np.nanmedian(npv))) if np.isfinite(npv).any() else "n/a", month(0.5), month(0.8)]
        if has_target:
            cells.append("—" if prob is None else f"{100 * prob[0]:.0f} %")
        rows.append(f"<tr><td>{_esc(name)}</td>" + "".join(f"<td>{_esc(c)}</td>" for c in cells)
                    + f"<td class=\"wrap\">{_esc(change)}</td></tr>")
    head = "<th>Scenario</th><th>P50 NPV</th><th>P50 complete</th><th>P80 complete</th>"
    if has_target:
        head += "<th>P(target)</th>"
    head += "<th class=\"wrap\">What it changes</th>"
    return (f"<table class=\"scenarios\" id=\"scenario-table\"><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table><p class=\"note\">Every scenario is simulated under the same "
            "random numbers (common random numbers), so the differences are the scenarios' own doing.</p>")


def sweep_table_html(ds: xr.Dataset) -> str:
    """One row per point of a sweep: P50 NPV, P80 completion and the chance of the target."""
    dims = _swept(ds)
    if not dims:
        return ""
    d0 = select_scenario(ds) if "scenario" in ds.dims else ds
    start = start_date(ds)
    has_target = _attr(ds, "savings_target") is not None
    stacked = d0.stack(point=dims)
    rows = []
    for i in range(stacked.sizes["point"]):
        d = stacked.isel(point=i)
        keys = [str(d[dim].values.item() if hasattr(d[dim].values, "item") else d[dim].values) for dim in dims]
        npv = np.asarray(d["npv"].values, dtype=float)
        done = np.asarray(d["programme_complete_month"].values, dtype=float)
        m = _late_quantile(done, 0.8)
        cells = keys + [format_money(float(np.nanmedian(npv))),
                        month_label(start, m) if math.isfinite(m) else "after the horizon"]
        if has_target:
            prob = target_probability(d.drop_vars(["point", *dims], errors="ignore"))
            cells.append("—" if prob is None else f"{100 * prob[0]:.0f} %")
        rows.append("<tr>" + "".join(f"<td>{_esc(c)}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{_esc(dim)}</th>" for dim in dims) + "<th>P50 NPV</th><th>P80 complete</th>"
    if has_target:
        head += "<th>P(target)</th>"
    return (f"<table class=\"sweep\" id=\"sweep-table\"><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


# --------------------------------------------------------------------------- figures


def _figure_title(fig: Any) -> str:
    title = fig.get_suptitle() if hasattr(fig, "get_suptitle") else ""
    if not title:
        title = next((ax.get_title(loc) for ax in fig.axes for loc in ("left", "center") if ax.get_title(loc)), "")
    return title


def _png(fig: Any, dpi: int) -> str:
    buffer = io.BytesIO()
    fig.savefig(buffer, format="png", dpi=dpi, facecolor="white", metadata={"Software": None})
    return base64.b64encode(buffer.getvalue()).decode("ascii")


def _caption(name: str, ds: xr.Dataset) -> str:
    text = CAPTIONS.get(name, "")
    if name in ("resilience", "vacancy") and STATUS_QUO not in _scenarios(ds):
        text = text.split(";")[0].split(". Compare")[0] + "."
        text = text.replace("..", ".")
    return text


# --------------------------------------------------------------------------- assumptions


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
    import tomllib

    try:
        raw = tomllib.loads(config_text) if config_text else {}
    except tomllib.TOMLDecodeError:
        return ""
    programme = raw.get("programme", {}) or {}
    def money(value: Any) -> str:
        return format_money(float(value)) if isinstance(value, (int, float)) else describe_value(value)

    rows = [(label, money(programme[key]) if key == "savings_target" else describe_value(programme[key]))
            for key, label in _PROGRAMME_KEYS.items() if key in programme]
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
    if not rows:
        return ""
    body = "".join(f"<tr><td>{_esc(k)}</td><td class=\"wrap\">{_esc(v)}</td></tr>" for k, v in rows)
    return (f"<table class=\"assumptions\" id=\"key-assumptions\"><thead><tr><th>Key assumption</th><th>Value</th>"
            f"</tr></thead><tbody>{body}</tbody></table>")


# --------------------------------------------------------------------------- the page


def _provenance(ds: xr.Dataset, source: str | None) -> str:
    n = int(ds.sizes.get("replication", 0))
    seed = _attr(ds, "seed")
    sampling = _attr(ds, "sampling") or "mc"
    start = start_date(ds)
    horizon = float(ds["time"].values[-1]) if "time" in ds.coords else float(_attr(ds, "horizon_months") or 0)
    items = [
        ("Programme", _attr(ds, "config_name") or "—"),
        ("Replications", f"{n:,}" + (f" per scenario ({len(_scenarios(ds))} scenarios)" if _scenarios(ds) else "")),
        ("Seed", seed if seed is not None else "—"),
        ("Sampling", {"mc": "mc (plain Monte Carlo)", "lhs": "lhs (Latin hypercube)",
                      "sobol": "sobol (scrambled Sobol)"}.get(str(sampling), str(sampling))),
        ("Simulated period", f"{month_label(start, 0)} to {month_label(start, horizon)} ({horizon:g} months)"),
        ("Results created", _attr(ds, "created") or "—"),
        ("simshare version (results)", _attr(ds, "simshare_version") or "—"),
        ("Report created", dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")),
        ("simshare version (report)", __version__),
    ]
    if _scenarios(ds):
        items.insert(2, ("Scenarios", ", ".join(_scenarios(ds))))
    if _swept(ds):
        items.insert(2, ("Swept", ", ".join(f"{d} = {', '.join(map(str, ds[d].values))}" for d in _swept(ds))))
    if source:
        items.append(("Results file", source))
    rows = "".join(f"<dt>{_esc(k)}</dt><dd>{_esc(v)}</dd>" for k, v in items)
    command = f"simshare run CONFIG -n {n} --seed {seed if seed is not None else 1}"
    if sampling not in (None, "mc", "given"):
        command += f" --sampling {sampling}"
    if _scenarios(ds) == ["base", STATUS_QUO]:
        command += " --baseline"
    return (f"<dl>{rows}</dl><p>To reproduce: save the assumptions above as <code>CONFIG</code> (a TOML file) and run "
            f"<code>{_esc(command)}</code>. Results are identical for the same config and seed, whatever the "
            "number of workers.</p>")


def render_report(ds: xr.Dataset, *, scenario: str | None = None, title: str | None = None,
                  source: str | None = None, dpi: int = 110) -> str:
    """The report as an HTML string (see :func:`write_report`)."""
    from .plots import figures_for

    if not isinstance(ds, xr.Dataset):
        raise ValueError(f"write_report: expected an xarray.Dataset of simshare results, got {type(ds).__name__}")
    if "npv" not in ds:
        raise ValueError("write_report: not a simshare results dataset (no npv variable)")
    name = str(_attr(ds, "config_name") or "simshare results")
    n = int(ds.sizes.get("replication", 0))
    seed = _attr(ds, "seed")
    created = str(_attr(ds, "created") or "")[:10]
    parts: list[str] = []
    parts.append("<header><p class=\"kicker\">simshare · programme risk report</p>"
                 f"<h1>{_esc(title or name)}</h1>"
                 f"<p class=\"meta\">{n:,} simulated futures{' per scenario' if _scenarios(ds) else ''} · seed "
                 f"{_esc(seed if seed is not None else '—')} · results of {_esc(created or 'unknown date')}</p></header>")
    chosen = scenario
    if chosen is None and _scenarios(ds):
        chosen = _scenarios(ds)[0]
    parts.append(f"<section id=\"headline\"><p class=\"headline\">{_esc(headline(ds, chosen))}</p></section>")

    parts.append("<section id=\"summary\"><h2>Summary</h2>")
    if _swept(ds):
        parts.append(sweep_table_html(ds))
        parts.append("<p class=\"note\">P50 NPV: the median future's net present value. P80 complete: the date by "
                     "which the programme is complete in four futures out of five.</p>")
    else:
        if chosen is not None and len([s for s in _scenarios(ds) if s != STATUS_QUO]) > 1:
            parts.append(f"<p class=\"note\">The headline, this table and the figures describe the scenario "
                         f"“{_esc(chosen)}”; the scenarios are compared with one another under Scenarios below.</p>")
        parts.append(summary_table_html(ds, scenario=chosen))
        parts.append(_target_line(ds, chosen))
        parts.append("<p class=\"note\">P10 … P90: the value that 10 %, 50 %, 80 %, 90 % of the simulated futures "
                     "stay at or below (for dates: by which they have happened). Under each value, ± is the "
                     "half-width of its 95 % confidence interval: Monte Carlo error, which more replications shrink. "
                     "Run-rate: recurring savings in force, £ a year. “after horizon”: later than the last simulated "
                     "month; “not reached”: some futures never get there, so there is no mean; ±∞: too few "
                     "replications to bound the figure, or its interval reaches past the horizon.</p>")
    parts.append("</section>")

    baseline = baseline_table_html(ds, chosen) if not _swept(ds) else ""
    if baseline:
        parts.append(f"<section id=\"status-quo\"><h2>Against the status quo</h2>{baseline}</section>")
    scen = scenario_table_html(ds) if not _swept(ds) else ""
    if scen:
        parts.append(f"<section id=\"scenarios\"><h2>Scenarios</h2>{scen}</section>")

    figures = figures_for(ds, chosen if chosen != STATUS_QUO else None)
    parts.append("<section id=\"figures\"><h2>Figures</h2>")
    for key, fig in figures.items():
        fig_title = _figure_title(fig) or key
        data = _png(fig, dpi)
        parts.append(f"<figure id=\"figure-{_esc(key)}\">"
                     f"<img src=\"data:image/png;base64,{data}\" alt=\"{_esc(fig_title)}\">"
                     f"<figcaption>{_esc(_caption(key, ds))}</figcaption></figure>")
    parts.append("</section>")

    config = str(ds.attrs.get("config", "") or "")
    parts.append("<section id=\"assumptions\"><h2>Assumptions</h2>")
    parts.append(key_assumptions_html(config))
    lines = config.count("\n") + 1 if config else 0
    parts.append("<p>The full config as simulated (TOML) is below. A number written as a distribution table is "
                 "uncertain: a value is drawn from it for each simulated future (or for each occurrence, for "
                 "durations). The sources of the defaults are in the comments of the original config file.</p>"
                 f"<details id=\"config-details\"><summary>Show the full config ({lines:,} lines)</summary>"
                 f"<pre id=\"config\">{_esc(config) if config else '(the results do not record their config)'}</pre>"
                 "</details>")
    try:
        definitions = json.loads(str(ds.attrs.get("scenario_definitions", "")))
    except ValueError:
        definitions = None
    if isinstance(definitions, Mapping) and definitions:
        items = "".join(
            f"<li><strong>{_esc(k)}</strong>: {_esc(v.get('description', ''))} "
            f"<code>{_esc(json.dumps(v.get('set', {}), ensure_ascii=False))}</code></li>"
            for k, v in definitions.items() if isinstance(v, Mapping))
        parts.append(f"<p>Scenarios:</p><ul>{items}</ul>")
    parts.append("</section>")
    parts.append(f"<section id=\"provenance\"><h2>Provenance</h2>{_provenance(ds, source)}</section>")

    body = "\n".join(p for p in parts if p)
    return ("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<meta name=\"generator\" content=\"simshare {_esc(__version__)}\">\n"
            f"<title>{_esc(title or name)} — simshare report</title>\n<style>{_CSS}</style>\n</head>\n"
            f"<body>\n<main>\n{body}\n</main>\n</body>\n</html>\n")


def write_report(ds: xr.Dataset, path: str | os.PathLike, *, scenario: str | None = None, title: str | None = None,
                 source: str | None = None, dpi: int = 110) -> Path:
    """Write the board report for ``ds`` to ``path`` (an .html file, or a folder: ``report.html`` in it) as one
    self-contained HTML page; return the path written. The file appears complete or not at all.

    ``scenario``: the scenario the headline, table and figures describe (default: the first stored);
    ``title``: the page title (default: the programme's name); ``source``: the results file, for the
    provenance; ``dpi``: resolution of the embedded figures.
    """
    path = Path(path)
    if path.is_dir():
        path = path / "report.html"
    text = render_report(ds, scenario=scenario, title=title, source=source, dpi=dpi)
    path.parent.mkdir(parents=True, exist_ok=True)
    tmp = path.with_name(f".{path.name}.tmp")
    try:
        tmp.write_text(text, encoding="utf-8")
        os.replace(tmp, path)
    finally:
        if tmp.exists():
            tmp.unlink()
    return path


# --------------------------------------------------------------------------- command line


def _results_path(text: str) -> Path:
    from .cli import BadInput

    path = Path(text)
    if path.is_dir():
        if (path / "results.nc").exists():
            return path / "results.nc"
        found = sorted(path.glob("*.nc"))
        if len(found) == 1:
            return found[0]
        if not found:
            raise BadInput(f"{text}: no results.nc in this folder")
        raise BadInput(f"{text}: no results.nc, and several .nc files ({', '.join(p.name for p in found)}): "
                       "name the one to report")
    if not path.exists():
        raise BadInput(f"{text}: no such results file")
    return path


def command(args: argparse.Namespace) -> int:
    """``simshare report RESULTS [-o FILE]``: write the report (default ``report.html`` beside the results)."""
    from .cli import BadInput

    path = _results_path(args.results)
    try:
        ds = xr.load_dataset(path)
    except Exception as err:  # netCDF/HDF5 raise many kinds; any of them means "not a results file"
        raise BadInput(f"{path}: not a simshare results file ({type(err).__name__}: {err})") from None
    if "npv" not in ds or "simshare_version" not in ds.attrs:
        raise BadInput(f"{path}: not a simshare results file (no npv variable or simshare attributes)")
    if getattr(args, "output", None):
        out = Path(args.output)
        if out.is_dir():
            out = out / "report.html"
    else:
        out = path.with_name("report.html" if path.name == "results.nc" else f"{path.stem}-report.html")
    if not out.parent.is_dir():
        raise BadInput(f"-o {out}: the folder {out.parent} does not exist")
    try:
        written = write_report(ds, out, scenario=getattr(args, "scenario", None), source=str(path))
    except OSError as err:
        raise BadInput(f"-o {out}: cannot write the report there ({err.strerror or err})") from None
    except ValueError as err:
        raise BadInput(f"{path}: {err}") from None
    print(f"report: {written}")
    return 0
