"""The board report's page: figures embedded as PNG, the sections in order, the provenance, the file.

The page needs nothing but a browser: the figures are embedded as PNG images (base64 ``data:``
URIs), the styles are inline, there is no script, no web font and no link to anything outside the
file.
"""

from __future__ import annotations

import base64
import datetime as dt
import io
import json
import os
from pathlib import Path
from typing import Any, Mapping

import xarray as xr

from ...version import __version__
from ...analysis.results import (attr, has_joint_management, month_label, scenario_names, start_date, swept_dims,
                                 target_variable)
from ...config import STATUS_QUO
from ..plots import figures_for
from .assumptions import key_assumptions_html
from .decisions import decisions_html
from .headline import headline
from .implications import end_rate_note, reproduce_command, status_quo_paragraph, sweep_axes
from .markup import esc
from .tables import (baseline_table_html, dissolution_line_html, scenario_table_html, summary_table_html, sweep_table_html,
                     target_line_html)

#: One line on how to read each figure of :func:`simshare.interface.plots.figures_for`, by name.
CAPTIONS: dict[str, str] = {
    "savings_run_rate": (
        "Recurring savings in force each month, £ a year. The dark line is the median simulated future; the "
        "bands hold the middle half and the middle 80 % of futures. Where the bands pass above the red dot, "
        "the savings target is met by the target date."
    ),
    "service_savings_run_rate": (
        "The service reviews' own savings in force each month, £ a year, joint management left out: the figure "
        "the savings target is compared with. The dark line is the median simulated future; the bands hold the "
        "middle half and the middle 80 % of futures. Where the bands pass above the red dot, the target is met by "
        "the target date."
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
    "councils": (
        "Each partner council's net present value: its share of the savings less its share of the costs, split "
        "by the programme's cost sharing. The bar spans P10–P90 of the simulated futures, the dot is the median; "
        "where a council's bar crosses £0 it comes out behind in some futures. Where shown, the lines on the "
        "right are each council's cumulative net savings over time (median and P10–P90)."
    ),
    "resilience": (
        "The budget-weighted share of each council's services with enough staff to operate safely. The blue band "
        "holds the middle 80 % of futures in each month; the orange panel beside it shows how low each future "
        "goes at its lowest month, on the same scale. A dip lasts a month or two and comes at different times in "
        "different futures, so most futures can dip well below the monthly band: the table's lowest resilience "
        "is the orange panel's. Service-months unsafe say how long: the months each service is not operating "
        "safely, added up over the council's services. The grey lines, where shown, are the same councils with "
        "no programme."
    ),
    "vacancy": (
        "The share of each council's posts that are vacant (agency-covered posts count as vacant), each line "
        "smoothed over a year to show the trend rather than month-to-month noise. Compare the blue band with the "
        "grey status quo, where shown, to see whether sharing eases recruitment pressure."
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
    if name == "savings_run_rate" and has_joint_management(ds):
        text = text.replace("Recurring savings in force each month, £ a year.",
                            "All recurring savings in force each month, £ a year, joint management included.")
        if target_variable(ds) != "savings_run_rate":
            text = text.split(" Where the bands")[0] + " The savings target is compared with the reviews' own " \
                "run-rate, shown above."
    if name in ("resilience", "vacancy") and STATUS_QUO not in scenario_names(ds):
        text = text.split(" The grey lines")[0].split(" Compare the")[0]
    return text


def _provenance(ds: xr.Dataset, source: str | None) -> str:
    n = int(ds.sizes.get("replication", 0))
    seed = attr(ds, "seed")
    sampling = attr(ds, "sampling") or "mc"
    start = start_date(ds)
    horizon = float(ds["time"].values[-1]) if "time" in ds.coords else float(attr(ds, "horizon_months") or 0)
    items = [
        ("Programme", attr(ds, "config_name") or "—"),
        ("Replications", f"{n:,}" + (f" per scenario ({len(scenario_names(ds))} scenarios)" if scenario_names(ds) else "")),
        ("Seed", seed if seed is not None else "—"),
        ("Sampling", {"mc": "mc (plain Monte Carlo)", "lhs": "lhs (Latin hypercube)",
                      "sobol": "sobol (scrambled Sobol)"}.get(str(sampling), str(sampling))),
        ("Simulated period", f"{month_label(start, 0)} to {month_label(start, horizon)} ({horizon:g} months)"),
        ("Results created", attr(ds, "created") or "—"),
        ("simshare version (results)", attr(ds, "simshare_version") or "—"),
        ("Report created", dt.datetime.now(dt.timezone.utc).isoformat(timespec="seconds")),
        ("simshare version (report)", __version__),
    ]
    if scenario_names(ds):
        items.insert(2, ("Scenarios", ", ".join(scenario_names(ds))))
    if swept_dims(ds):
        items.insert(2, ("Swept", ", ".join(f"{d} = {', '.join(map(str, ds[d].values))}" for d in swept_dims(ds))))
    if source:
        items.append(("Results file", source))
    rows = "".join(f"<dt>{esc(k)}</dt><dd>{esc(v)}</dd>" for k, v in items)
    first = " (the sweep's first point: the sweep sets the swept values itself)" if swept_dims(ds) else ""
    return (f"<dl>{rows}</dl><p id=\"reproduce\">To reproduce: save the full config above{first} as <code>CONFIG</code> "
            "(a TOML file; it already holds any <code>--set</code> given to the run) and run "
            f"<code>{esc(reproduce_command(ds))}</code>. Results are identical for the same config and seed, "
            "whatever the number of workers.</p>")


def render_report(ds: xr.Dataset, *, scenario: str | None = None, title: str | None = None,
                  source: str | None = None, dpi: int = 110) -> str:
    """The report as an HTML string (see :func:`write_report`)."""
    if not isinstance(ds, xr.Dataset):
        raise ValueError(f"write_report: expected an xarray.Dataset of simshare results, got {type(ds).__name__}")
    if "npv" not in ds:
        raise ValueError("write_report: not a simshare results dataset (no npv variable)")
    name = str(attr(ds, "config_name") or "simshare results")
    n = int(ds.sizes.get("replication", 0))
    seed = attr(ds, "seed")
    created = str(attr(ds, "created") or "")[:10]
    parts: list[str] = []
    parts.append("<header><p class=\"kicker\">simshare · programme risk report</p>"
                 f"<h1>{esc(title or name)}</h1>"
                 f"<p class=\"meta\">{n:,} simulated futures{' per scenario' if scenario_names(ds) else ''} · seed "
                 f"{esc(seed if seed is not None else '—')} · results of {esc(created or 'unknown date')}</p></header>")
    chosen = scenario
    if chosen is None and scenario_names(ds):
        chosen = scenario_names(ds)[0]
    parts.append(f"<section id=\"headline\"><p class=\"headline\">{esc(headline(ds, chosen))}</p></section>")

    parts.append("<section id=\"summary\"><h2>Summary</h2>")
    if swept_dims(ds):
        parts.append(sweep_table_html(ds))
        parts.append("<p class=\"note\">P50 NPV: the median future's net present value. P80 complete: the date by "
                     "which the programme is complete in four futures out of five.</p>")
    else:
        if chosen is not None and len([s for s in scenario_names(ds) if s != STATUS_QUO]) > 1:
            parts.append(f"<p class=\"note\">The headline, this table and the figures describe the scenario "
                         f"“{esc(chosen)}”; the scenarios are compared with one another under Scenarios below.</p>")
        parts.append(summary_table_html(ds, scenario=chosen))
        parts.append(target_line_html(ds, chosen))
        parts.append(end_rate_note(ds, chosen))
        parts.append(dissolution_line_html(ds, chosen))
        parts.append("<p class=\"note\">P10 … P90: the value that 10 %, 50 %, 80 %, 90 % of the simulated futures "
                     "stay at or below (for dates: by which they have happened). Under each value, ± is the "
                     "half-width of its 95 % confidence interval: Monte Carlo error, which more replications shrink. "
                     "Run-rate: recurring savings in force, £ a year. “after horizon”: later than the last simulated "
                     "month; “not reached”: some futures never get there, so there is no mean; ±∞: too few "
                     "replications to bound the figure, or its interval reaches past the horizon.</p>")
    parts.append("</section>")

    baseline = baseline_table_html(ds, chosen) if not swept_dims(ds) else ""
    if baseline:
        parts.append(f"<section id=\"status-quo\"><h2>Against the status quo</h2>"
                     f"{status_quo_paragraph(ds, chosen)}{baseline}</section>")
    scen = scenario_table_html(ds) if not swept_dims(ds) else ""
    if scen:
        parts.append(f"<section id=\"scenarios\"><h2>Scenarios</h2>{scen}</section>")
    parts.append(decisions_html(ds, source, lambda fig: _png(fig, dpi)))  # optimise.json, discover.json beside

    figures = figures_for(ds, chosen if chosen != STATUS_QUO else None)
    parts.append("<section id=\"figures\"><h2>Figures</h2>")
    for key, fig in figures.items():
        fig_title = _figure_title(fig) or key
        data = _png(fig, dpi)
        parts.append(f"<figure id=\"figure-{esc(key)}\">"
                     f"<img src=\"data:image/png;base64,{data}\" alt=\"{esc(fig_title)}\">"
                     f"<figcaption>{esc(_caption(key, ds))}</figcaption></figure>")
    parts.append("</section>")

    config = str(ds.attrs.get("config", "") or "")
    parts.append("<section id=\"assumptions\"><h2>Assumptions</h2>")
    swept = sweep_axes(ds) if swept_dims(ds) else None
    parts.append(key_assumptions_html(config, swept))
    if swept:
        parts.append("<p class=\"note\">A sweep: the settings marked “swept” take each of the values listed, one "
                     "point of the sweep each; the full config below is the first point's.</p>")
    lines = config.count("\n") + 1 if config else 0
    parts.append("<p>The full config as simulated (TOML) is below. A number written as a distribution table is "
                 "uncertain: a value is drawn from it for each simulated future (or for each occurrence, for "
                 "durations). The sources of the defaults are in the comments of the original config file.</p>"
                 f"<details id=\"config-details\"><summary>Show the full config ({lines:,} lines)</summary>"
                 f"<pre id=\"config\">{esc(config) if config else '(the results do not record their config)'}</pre>"
                 "</details>")
    try:
        definitions = json.loads(str(ds.attrs.get("scenario_definitions", "")))
    except ValueError:
        definitions = None
    if isinstance(definitions, Mapping) and definitions:
        items = "".join(
            f"<li><strong>{esc(k)}</strong>: {esc(v.get('description', ''))} "
            f"<code>{esc(json.dumps(v.get('set', {}), ensure_ascii=False))}</code></li>"
            for k, v in definitions.items() if isinstance(v, Mapping))
        parts.append(f"<p>Scenarios:</p><ul>{items}</ul>")
    parts.append("</section>")
    parts.append(f"<section id=\"provenance\"><h2>Provenance</h2>{_provenance(ds, source)}</section>")

    body = "\n".join(p for p in parts if p)
    return ("<!DOCTYPE html>\n<html lang=\"en-GB\">\n<head>\n<meta charset=\"utf-8\">\n"
            "<meta name=\"viewport\" content=\"width=device-width, initial-scale=1\">\n"
            f"<meta name=\"generator\" content=\"simshare {esc(__version__)}\">\n"
            f"<title>{esc(title or name)} — simshare report</title>\n<style>{_CSS}</style>\n</head>\n"
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


__all__ = ["CAPTIONS", "render_report", "write_report"]
