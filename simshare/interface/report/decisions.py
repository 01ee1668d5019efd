"""The report's decision sections: the best phasing and pace (``simshare optimise``) and which futures go
wrong (``simshare discover``), when their records (``optimise.json``, ``discover.json``) lie beside the
results file and belong to the same programme."""

from __future__ import annotations

import json
import math
from pathlib import Path
from typing import Any, Callable, Mapping

import xarray as xr

from ...analysis.compare_text import signed_money
from ...analysis.discover_words import parameter_label, value_text
from ...analysis.optimise_words import OBJECTIVES, at_the_edge, finish_words
from ...analysis.results import attr, format_money
from ..plots.decisions import candidates_chart, peeling_tradeoff
from .markup import esc

RECORDS = {"optimise": "optimise.json", "discover": "discover.json"}


def decision_records(ds: xr.Dataset, source: str | None) -> dict[str, Mapping[str, Any]]:
    """The optimise and discover records beside ``source`` that belong to the same programme as ``ds``."""
    if not source:
        return {}
    name = attr(ds, "config_name")
    out = {}
    for kind, filename in RECORDS.items():
        path = Path(source).parent / filename
        try:
            record = json.loads(path.read_text(encoding="utf-8"))
        except (OSError, ValueError):
            continue
        owner = record.get("config_name") if kind == "optimise" else record.get("details", {}).get("config_name")
        if isinstance(record, dict) and record.get("kind") == f"simshare {kind}" and (owner is None or owner == name):
            out[kind] = record
    return out


def _figure(fig: Any, png: Callable[[Any], str], key: str, caption: str) -> str:
    return (f"<figure id=\"figure-{esc(key)}\"><img src=\"data:image/png;base64,{png(fig)}\" alt=\"{esc(caption)}\">"
            f"<figcaption>{esc(caption)}</figcaption></figure>")


def _value(v: float, objective: str) -> str:
    if v is None or (isinstance(v, float) and math.isnan(v)):
        return "n/a"
    return format_money(float(v)) if objective == "npv" else f"{100 * float(v):.0f} %"


def _diff(v: float | None, objective: str) -> str:
    if v is None:
        return "n/a"
    return signed_money(float(v)) if objective == "npv" else f"{100 * float(v):+.0f} pp".replace("-", "−")


def optimise_html(rec: Mapping[str, Any], png: Callable[[Any], str]) -> str:
    """The optimiser's section: the sentence, the finalists against the plan, the best candidates, the
    ready scenario entry and the chart of candidates."""
    obj = rec["objective"]
    parts = ["<section id=\"optimise\"><h2>Best phasing and pace</h2>",
             f"<p class=\"headline\">{esc(rec['statement'])}</p>",
             f"<p class=\"note\">Searched {esc(', '.join(rec['levers']))} for the best {esc(OBJECTIVES[obj])}"
             f"{' under the floor ' + esc(rec['floor']) if rec.get('floor') else ''}: {rec['trials']} candidates × "
             f"{rec['replications']} replications, every one under the same simulated futures; the best were run "
             f"again with {rec['final_replications']} replications beside the plan and compared future by future.</p>"]
    if rec["finalists"]:
        rows = "".join(
            f"<tr><td>{esc(f['levers'])}</td><td>{esc(_value(f['objective'], obj))}</td>"
            f"<td>{esc(_diff(f['difference'], obj))} ({esc(_diff(f['low'], obj))} to {esc(_diff(f['high'], obj))})</td>"
            f"<td>{esc(finish_words(float('nan') if f['P80 finish difference'] is None else f['P80 finish difference']))}</td>"
            f"<td>{100 * float(f['floor met']):.0f} %</td></tr>" for f in rec["finalists"])
        parts.append("<table><thead><tr><th>candidate</th><th>objective</th><th>mean paired difference (95 % interval)"
                     "</th><th>finish</th><th>floor met</th></tr></thead>"
                     f"<tbody>{rows}</tbody></table>")
    rows = "".join(f"<tr><td>{esc(c['levers'])}</td><td>{esc(_value(c['objective'], obj))}</td>"
                   f"<td>{100 * float(c['floor met']):.0f} %</td></tr>" for c in rec["candidates"][:10])
    parts.append(f"<p>The plan: {esc(_value(rec['plan']['objective'], obj))}; the best candidates tried:</p>"
                 "<table><thead><tr><th>levers</th><th>objective</th><th>floor met</th></tr></thead>"
                 f"<tbody>{rows}</tbody></table>")
    edges = at_the_edge(rec.get("winner") or {}, rec.get("details", {}).get("ranges", {}))
    if edges:
        parts.append(f"<p class=\"note\">At the edge of the range searched: {esc(edges)}; a wider range may do "
                     "better still.</p>")
    if rec.get("scenario"):
        parts.append(f"<p>To compare it in the config:</p><pre>{esc(rec['scenario'])}</pre>")
    parts.append(_figure(candidates_chart(rec), png, "optimise", "Each candidate's objective against the share of "
                                                                "futures meeting the floor; the plan is the diamond."))
    parts.append("</section>")
    return "".join(parts)


def discover_html(rec: Mapping[str, Any], png: Callable[[Any], str]) -> str:
    """The scenario-discovery section: the sentences, the box's coverage and density, its restrictions and
    the peeling trade-off."""
    items = "".join(f"<li>{esc(s)}</li>" for s in rec["sentences"][1:])
    parts = ["<section id=\"discover\"><h2>Which futures go wrong</h2>",
             f"<p class=\"headline\">{esc(rec['sentences'][0])}</p>"]
    if items:
        parts.append(f"<ul>{items}</ul>")
    parts.append(f"<p class=\"note\">Outcome <code>{esc(rec['expression'])}</code>: {rec['cases']} of "
                 f"{rec['replications']} futures. The box found by PRIM (scenario discovery) holds "
                 f"{100 * rec['coverage']:.0f} % of them (coverage), and {100 * rec['density']:.0f} % of the futures "
                 "in it have the outcome (density).</p>")
    if rec["restrictions"]:
        rows = "".join(
            f"<tr><td>{esc(parameter_label(r['parameter']))}</td>"
            f"<td>{esc('' if r['low'] is None else value_text(r['parameter'], r['low'], r['units']))}</td>"
            f"<td>{esc('' if r['high'] is None else value_text(r['parameter'], r['high'], r['units']))}</td></tr>"
            for r in rec["restrictions"])
        parts.append("<table><thead><tr><th>input</th><th>above</th><th>below</th></tr></thead>"
                     f"<tbody>{rows}</tbody></table>")
    parts.append(_figure(peeling_tradeoff(rec), png, "discover", "The peeling trade-off: coverage against density "
                                                                 "for each box PRIM tried; the chosen box is circled."))
    parts.append("</section>")
    return "".join(parts)


def decisions_html(ds: xr.Dataset, source: str | None, png: Callable[[Any], str]) -> str:
    """Both sections, each when its record is present ("" when neither is); ``png`` embeds a figure."""
    records = decision_records(ds, source)
    return "".join([optimise_html(records["optimise"], png) if "optimise" in records else "",
                    discover_html(records["discover"], png) if "discover" in records else ""])


__all__ = ["decisions_html", "decision_records", "optimise_html", "discover_html"]
