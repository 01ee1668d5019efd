"""``simshare optimise CONFIG``: the best phasing and pace under a resilience floor, with
:func:`simshare.optimise`; prints the best candidates, the finalists against the plan, the board
sentence and a ready ``[[scenarios]]`` entry, and writes ``DIR/optimise.csv`` and ``DIR/optimise.json``."""

from __future__ import annotations

import argparse
import json
import os
from pathlib import Path

from ...analysis.floors import EXAMPLES
from ...analysis.levers import DEFAULT_LEVERS
from ...analysis.optimise import optimise
from ...analysis.optimise_words import format_optimise
from ...config.schema import LEVERS
from ...engine.simulate import MAX_WORKERS
from .options import BadInput, output_dir, overrides_from, positive_int, seed_type, write_csv


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("optimise", help="best phasing and pace under a resilience floor")
    p.add_argument("config", metavar="CONFIG")
    p.add_argument("--levers", nargs="+", metavar="PATH",
                   help=f"levers to search (default the config's [optimise] levers, else {' '.join(DEFAULT_LEVERS)}); "
                        f"one of {', '.join(LEVERS)}")
    p.add_argument("--range", action="append", metavar="PATH=LOW:HIGH",
                   help="a lever's range, e.g. programme.review_teams=2:5 (repeatable; default [optimise] ranges)")
    p.add_argument("--objective", choices=("npv", "p_target"),
                   help="npv: P50 of the reviews' NPV (default); p_target: P(savings target met)")
    p.add_argument("--floor", metavar="SPEC", help=f"resilience floor, e.g. {EXAMPLES}")
    p.add_argument("--trials", type=positive_int("--trials", 10_000), metavar="K",
                   help="candidates to try (default the config's [optimise] trials, else 40)")
    p.add_argument("-n", "--replications", type=whole_at_least_two("-n"), default=50, metavar="N",
                   help="replications per candidate (default 50)")
    p.add_argument("--final-replications", type=whole_at_least_two("--final-replications"), default=200,
                   metavar="N", help="replications of the best few and the plan, re-run together (default 200)")
    p.add_argument("--finalists", type=positive_int("--finalists", 50), default=3, metavar="K",
                   help="how many of the best to re-run (default 3)")
    p.add_argument("--seed", type=seed_type, default=1, help="random seed (default 1)")
    p.add_argument("--workers", type=positive_int("--workers", MAX_WORKERS), default=1, metavar="W",
                   help="parallel workers (default 1)")
    p.add_argument("--set", action="append", metavar="PATH=VALUE", help="override a parameter first")
    p.add_argument("-o", "--output", metavar="DIR", help="output folder (default results/<config name>/)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")
    p.set_defaults(func=command)


def whole_at_least_two(name: str):
    """An argparse type: a whole number from 2 (a paired interval needs two futures)."""
    parse_positive = positive_int(name)

    def parse(text: str) -> int:
        value = parse_positive(text)
        if value < 2:
            raise argparse.ArgumentTypeError(f"{name} must be at least 2 (an interval needs two futures), got {text!r}")
        return value

    return parse


def parse_ranges(texts: list[str] | None) -> dict[str, list[float]]:
    """``PATH=LOW:HIGH`` options as ranges; BadInput naming the option for any other form."""
    out: dict[str, list[float]] = {}
    for text in texts or []:
        path, sep, span = text.partition("=")
        low, colon, high = span.partition(":")
        try:
            values = [float(low), float(high)]
        except ValueError:
            values = None
        if not sep or not colon or not path.strip() or values is None:
            raise BadInput(f"--range {text!r}: expected PATH=LOW:HIGH, e.g. programme.review_teams=2:5")
        out[path.strip()] = [int(v) if v.is_integer() else v for v in values]
    return out


def command(args: argparse.Namespace) -> int:
    ranges = parse_ranges(args.range)
    overrides = overrides_from(args.set)
    out = output_dir(args, args.config)
    try:
        result = optimise(args.config, levers=args.levers, ranges=ranges, objective=args.objective, floor=args.floor,
                          trials=args.trials, replications=args.replications,
                          final_replications=args.final_replications, finalists=args.finalists, seed=args.seed,
                          workers=args.workers, progress=not args.quiet, overrides=overrides)
    except ImportError as err:
        raise BadInput(f"optimise needs optuna ({err}): pip install 'simshare[optimise]'") from None
    write_csv(result.candidates, out / "optimise.csv")
    _write_json(result.to_record(), out / "optimise.json")
    print(format_optimise(result))
    print(f"results: {out / 'optimise.csv'} and {out / 'optimise.json'}")
    return 0


def _write_json(record: dict, path: Path) -> None:
    tmp = path.with_name(path.name + ".tmp")
    tmp.write_text(json.dumps(record, indent=1, ensure_ascii=False, default=str), encoding="utf-8")
    os.replace(tmp, path)
