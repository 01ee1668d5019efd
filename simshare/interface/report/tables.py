"""The report's tables as HTML: the summary, the chance of the target, the status quo, the scenarios
and the points of a sweep."""

from __future__ import annotations

import json
import math
from typing import Mapping

import numpy as np
import xarray as xr

from ...analysis.blocks import mean_over
from ...analysis.results import (attr, format_money, has_joint_management, lowest_resilience, month_label,
                                 scenario_names, select_scenario, start_date, swept_dims, target_month,
                                 unsafe_service_months)
from ...analysis.statistics import late_quantile
from ...analysis.summary import (cell_text, dissolution_probability, partners_ahead_probability, row_label, summarise,
                                 target_probability, target_sentence)
from ...config import STATUS_QUO
from .markup import esc, split_cell

_ROW_LABELS = {
    "NPV": "Net present value (NPV)",
    "Run-rate at end": "Savings run-rate at the end",
    "Net savings at end": "Net savings to the end (joint management included)",
    "Reviews complete": "All business cases approved",
    "Programme complete": "Programme complete (last service live)",
    "Payback": "Payback (costs recovered)",
    "Payback (reviews)": "Payback of the reviews (their costs recovered)",
    "Each council's NPV": "Each council's net present value (its share of savings less its share of costs)",
    "Lowest resilience": "Lowest resilience in any month (share of services operating safely)",
    "Service-months unsafe": "Service-months not operating safely (how long: the months each service is not "
                             "operating safely, added up over the council's services)",
}


def summary_table_html(ds: xr.Dataset, scenario: str | None = None) -> str:
    """The board table as HTML: P10/P50/P80/P90/mean of each outcome, each with its 95 % half-width; the
    reviews, joint management and total apart, and each council's NPV, under group headings."""
    table = summarise(ds, scenario=scenario)
    start = start_date(ds)
    stats = ["P10", "P50", "P80", "P90", "mean"]
    horizon = float(ds["time"].values[-1])
    rows = []
    current = None
    for row in table.index:
        heading, label = row_label(ds, row)
        if heading is not None and heading != current:
            text = _ROW_LABELS.get(heading, heading)
            if text.startswith("Run-rate "):
                text = "Savings run-rate, " + text[len("Run-rate "):] + (" (target date)" if "@target" in row else "")
            rows.append(f"<tr class=\"group\"><td colspan=\"{len(stats) + 1}\">{esc(text)}</td></tr>")
        current = heading
        if heading is not None:
            label = "&nbsp;&nbsp;" + esc(label)
        elif row.endswith("@target"):
            label = esc(f"Savings run-rate, {label[len('Run-rate '):]} (target date)")
        elif row == "savings_run_rate@horizon":
            label = esc(f"Savings run-rate, {month_label(start, horizon)} (end)")
        else:
            label = esc(_ROW_LABELS.get(label, label))
        cells = "".join(
            f"<td>{split_cell(cell_text(row, float(table.at[row, s]), float(table.at[row, f'{s}_hw']), start, s))}</td>"
            for s in stats)
        rows.append(f"<tr><td>{label}</td>{cells}</tr>")
    head = "".join(f"<th scope=\"col\">{s}</th>" for s in stats)
    return (f"<table class=\"summary\" id=\"summary-table\"><thead><tr><th scope=\"col\">Outcome</th>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


def target_line_html(ds: xr.Dataset, scenario: str | None) -> str:
    """The chance of the savings target by the target date, and of every partner's NPV above £0, each ±
    its half-width; empty without either."""
    lines = []
    prob = target_probability(ds, scenario=scenario)
    if prob is not None:
        p, hw = prob
        start = start_date(ds)
        tm = target_month(ds)
        by = month_label(start, tm if tm is not None else float(ds["time"].values[-1]))
        decimals = 0 if hw >= 0.01 else 1
        lines.append(f"<p class=\"probability\">Chance that {esc(target_sentence(ds))} is at least "
                     f"{esc(format_money(float(attr(ds, 'savings_target'))))} a year by {esc(by)}: "
                     f"{100 * p:.{decimals}f} % ± {100 * hw:.{decimals}f} %</p>")
    ahead = partners_ahead_probability(ds, scenario=scenario)
    if ahead is not None:
        p, hw = ahead
        decimals = 0 if hw >= 0.01 else 1
        lines.append(f"<p class=\"probability\">Chance that every partner comes out ahead (each council's NPV "
                     f"above £0): {100 * p:.{decimals}f} % ± {100 * hw:.{decimals}f} %</p>")
    return "".join(lines)


def dissolution_line_html(ds: xr.Dataset, scenario: str | None) -> str:
    """The chance that the partnership has dissolved by the end, ± its half-width, and the P50 month it
    dissolves in the futures where it does; empty when it cannot dissolve."""
    gone = dissolution_probability(ds, scenario=scenario)
    if gone is None:
        return ""
    p, hw = gone
    start = start_date(ds)
    end = month_label(start, float(ds["time"].values[-1]))
    decimals = 0 if hw >= 0.01 else 1
    text = (f"Chance that the partnership has dissolved by {esc(end)}: "
            f"{100 * p:.{decimals}f} % ± {100 * hw:.{decimals}f} %")
    months = np.asarray(select_scenario(ds, scenario)["dissolved_month"].values, dtype=float)
    months = months[np.isfinite(months)]
    if months.size:
        text += f" (when it does, the median month is {esc(month_label(start, float(np.median(months))))})"
    return f"<p class=\"probability\" id=\"dissolution\">{text}. After it, savings fall to the share retained and each council runs its services alone again.</p>"


def baseline_table_html(ds: xr.Dataset, base: str | None = None) -> str:
    """Programme against the status quo (no programme, same random numbers), per council: lowest and
    average resilience, service-months not operating safely and the agency premium to the end (means over
    futures), read in bounded blocks. Empty without a status quo."""
    names = scenario_names(ds)
    if STATUS_QUO not in names:
        return ""
    base = base or next((n for n in names if n != STATUS_QUO), None)
    if base is None:
        return ""
    b, q = select_scenario(ds, base), select_scenario(ds, STATUS_QUO)
    figures = []
    for d in (b, q):
        agency = (d["agency_cost"].isel(time=-1, drop=True).transpose("replication", "council")
                  if "agency_cost" in d else None)
        figures.append((np.mean(lowest_resilience(d), axis=0), mean_over(d["resilience"], keep="council"),
                        np.mean(unsafe_service_months(d), axis=0),
                        np.asarray(agency.mean("replication").values, dtype=float) if agency is not None
                        else np.full(ds.sizes["council"], math.nan)))
    rows = []
    for i, council in enumerate(ds["council"].values):
        (bl, bm, bu, ba), (ql, qm, qu, qa) = ([float(x[i]) for x in f] for f in figures)
        rows.append(f"<tr><td>{esc(council)}</td><td>{100 * bl:.1f} %</td><td>{100 * ql:.1f} %</td>"
                    f"<td>{100 * bm:.1f} %</td><td>{100 * qm:.1f} %</td><td>{bu:,.0f}</td><td>{qu:,.0f}</td>"
                    f"<td>{esc(format_money(ba))}</td><td>{esc(format_money(qa))}</td></tr>")
    return ("<table class=\"baseline\" id=\"baseline-table\"><thead>"
            "<tr><th rowspan=\"2\">Council</th><th colspan=\"2\">Lowest resilience</th>"
            "<th colspan=\"2\">Average resilience</th><th colspan=\"2\">Service-months unsafe</th>"
            "<th colspan=\"2\">Agency premium to the end</th></tr>"
            "<tr><th>programme</th><th>status quo</th><th>programme</th><th>status quo</th>"
            "<th>programme</th><th>status quo</th><th>programme</th><th>status quo</th></tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>"
            "<p class=\"note\">Means over the simulated futures; the status quo is the same councils and workforce "
            "with no programme, under the same random numbers. Service-months unsafe: the months each of the "
            "council's services is not operating safely, added up over its services.</p>")


def scenario_table_html(ds: xr.Dataset) -> str:
    """One row per scenario: P50 NPV (the reviews' and the total, with joint management in the results), P50 and
    P80 completion, chance of the target, what it changes."""
    names = scenario_names(ds)
    if len([n for n in names if n != STATUS_QUO]) < 2:
        return ""
    start = start_date(ds)
    try:
        definitions = json.loads(str(ds.attrs.get("scenario_definitions", "{}")))
    except ValueError:
        definitions = {}
    has_target = attr(ds, "savings_target") is not None
    apart = has_joint_management(ds)
    rows = []
    for name in names:
        d = select_scenario(ds, name)
        npv = np.asarray(d["npv"].values, dtype=float)
        reviews = np.asarray(d["npv_services"].values, dtype=float) if apart else npv
        done = np.asarray(d["programme_complete_month"].values, dtype=float)
        never = not np.isfinite(done).any()

        def month(q: float) -> str:
            if never:
                return "—"
            m = late_quantile(done, q)
            return month_label(start, m) if math.isfinite(m) else "after the horizon"

        prob = target_probability(ds, scenario=name) if has_target else None
        what = definitions.get(name, {}) if isinstance(definitions, Mapping) else {}
        change = what.get("description") or ", ".join(f"{k} = {v}" for k, v in (what.get("set") or {}).items())
        cells = [format_money(float(np.nanmedian(x))) if np.isfinite(x).any() else "n/a"
                 for x in ((reviews, npv) if apart else (npv,))] + [month(0.5), month(0.8)]
        if has_target:
            cells.append("—" if prob is None else f"{100 * prob[0]:.0f} %")
        rows.append(f"<tr><td>{esc(name)}</td>" + "".join(f"<td>{esc(c)}</td>" for c in cells)
                    + f"<td class=\"wrap\">{esc(change)}</td></tr>")
    head = "<th>Scenario</th>" + ("<th>P50 NPV, reviews</th><th>P50 NPV, total</th>" if apart else "<th>P50 NPV</th>")
    head += "<th>P50 complete</th><th>P80 complete</th>"
    if has_target:
        head += "<th>P(target)</th>"
    head += "<th class=\"wrap\">What it changes</th>"
    return (f"<table class=\"scenarios\" id=\"scenario-table\"><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table><p class=\"note\">Every scenario is simulated under the same "
            "random numbers (common random numbers), so the differences are the scenarios' own doing.</p>")


def sweep_table_html(ds: xr.Dataset) -> str:
    """One row per point of a sweep: P50 NPV, P80 completion and the chance of the target."""
    dims = swept_dims(ds)
    if not dims:
        return ""
    d0 = select_scenario(ds) if "scenario" in ds.dims else ds
    start = start_date(ds)
    has_target = attr(ds, "savings_target") is not None
    stacked = d0.stack(point=dims)
    rows = []
    for i in range(stacked.sizes["point"]):
        d = stacked.isel(point=i)
        keys = [str(d[dim].values.item() if hasattr(d[dim].values, "item") else d[dim].values) for dim in dims]
        npv = np.asarray(d["npv"].values, dtype=float)
        done = np.asarray(d["programme_complete_month"].values, dtype=float)
        m = late_quantile(done, 0.8)
        cells = keys + [format_money(float(np.nanmedian(npv))),
                        month_label(start, m) if math.isfinite(m) else "after the horizon"]
        if has_target:
            prob = target_probability(d.drop_vars(["point", *dims], errors="ignore"))
            cells.append("—" if prob is None else f"{100 * prob[0]:.0f} %")
        rows.append("<tr>" + "".join(f"<td>{esc(c)}</td>" for c in cells) + "</tr>")
    head = "".join(f"<th>{esc(dim)}</th>" for dim in dims) + "<th>P50 NPV</th><th>P80 complete</th>"
    if has_target:
        head += "<th>P(target)</th>"
    return (f"<table class=\"sweep\" id=\"sweep-table\"><thead><tr>{head}</tr></thead>"
            f"<tbody>{''.join(rows)}</tbody></table>")


__all__ = ["summary_table_html", "target_line_html", "dissolution_line_html", "baseline_table_html",
           "scenario_table_html", "sweep_table_html"]
