"""``simshare discover RESULTS --for "EXPR"``: which futures lead to an outcome, with
:func:`simshare.discover`; prints the chosen box (coverage, density, one sentence per restriction) and
writes ``discover.json`` and the peeling trade-off chart ``discover.png`` beside the results."""

from __future__ import annotations

import argparse
import json
import math
import os
from pathlib import Path

from ...analysis.discover import DiscoverError, DiscoverResult, discover
from ...analysis.discover_words import parameter_label, value_text
from ...analysis.expressions import ExpressionError
from ..plots.decisions import peeling_tradeoff
from .options import BadInput


def _share(text: str) -> float:
    try:
        value = float(text)
    except ValueError:
        value = math.nan
    if not 0.0 < value <= 1.0:
        raise argparse.ArgumentTypeError(f"--min-density must be a share above 0 and at most 1, got {text!r}")
    return value


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("discover", help="which inputs lead to an outcome (scenario discovery, PRIM)")
    p.add_argument("results", metavar="RESULTS", help="a results file (results.nc or compare.nc)")
    p.add_argument("--for", dest="expression", required=True, metavar="EXPR",
                   help='the outcome, e.g. "programme_complete_month > 60" or "npv_services < 0"')
    p.add_argument("--scenario", metavar="NAME", help="which stored scenario (default the first)")
    p.add_argument("--min-density", type=_share, default=0.8, metavar="D",
                   help="the least density of the box chosen (default 0.8)")
    p.add_argument("-o", "--output", metavar="DIR", help="where to write discover.json and discover.png "
                                                         "(default the results file's folder)")
    p.set_defaults(func=command)


def format_discovery(result: DiscoverResult) -> str:
    """The chosen box as plain text: the outcome, coverage and density, the restrictions, the sentences."""
    lines = [f"discover: {result.expression} ({result.cases} of {result.replications} futures, "
             f"{result.base_rate:.0%})".replace("%", " %"),
             f"chosen box: coverage {result.coverage:.0%}, density {result.density:.0%}, "
             f"{result.mass:.0%} of all futures".replace("%", " %"), ""]
    if not result.restrictions.empty:
        lines.append("restrictions:")
        for _, r in result.restrictions.iterrows():
            low = "" if math.isnan(r["low"]) else value_text(r["parameter"], r["low"], r["units"])
            high = "" if math.isnan(r["high"]) else value_text(r["parameter"], r["high"], r["units"])
            lines.append(f"  {r['parameter']} ({parameter_label(r['parameter'])}): "
                         f"{low or '…'} to {high or '…'}, quasi-p {r['qp']:.2g}")
        lines.append("")
    lines += result.sentences
    return "\n".join(lines) + "\n"


def command(args: argparse.Namespace) -> int:
    results = Path(args.results)
    if not results.is_file():
        raise BadInput(f"no such results file: {results}")
    try:
        result = discover(results, args.expression, scenario=args.scenario, min_density=args.min_density)
    except (ExpressionError, DiscoverError) as err:
        raise BadInput(str(err)) from None
    except ImportError as err:
        raise BadInput(f"discover needs EMA Workbench ({err}): pip install 'simshare[discover]'") from None
    out = Path(args.output) if args.output else results.parent
    try:
        out.mkdir(parents=True, exist_ok=True)
        tmp = out / "discover.json.tmp"
        tmp.write_text(json.dumps(result.to_record(), indent=1, ensure_ascii=False, default=str), encoding="utf-8")
        os.replace(tmp, out / "discover.json")
        fig = peeling_tradeoff(result)
        fig.savefig(out / "discover.tmp.png", dpi=110)
        os.replace(out / "discover.tmp.png", out / "discover.png")
    except OSError as err:
        raise BadInput(f"-o {out}: cannot write there ({err.strerror or err})") from None
    print(format_discovery(result))
    print(f"results: {out / 'discover.json'} and {out / 'discover.png'}")
    return 0
