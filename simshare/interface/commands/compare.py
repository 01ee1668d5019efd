"""``simshare compare CONFIG``: run the base and its scenarios with :func:`simshare.compare`, write
``DIR/compare.nc``, ``DIR/compare.csv`` (each scenario's own figures) and ``DIR/compare-differences.csv``
(the paired differences), and print both."""

from __future__ import annotations

import argparse

from ...analysis.compare import compare, differences_for_csv, paired_differences, scenario_configs, scenario_figures
from ...analysis.compare_text import format_comparison
from ...config import ConfigError, load_config
from ...engine.store import StoreError
from .options import BadInput, choose_executor, engine_options, output_dir, overrides_from, write_csv

#: the files compare writes in its output folder (and no others)
FILES = ("compare.nc", "compare.csv", "compare-differences.csv")


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("compare", help="compare the base with the config's scenarios under common random numbers")
    p.add_argument("config", metavar="CONFIG")
    p.add_argument("--scenario", action="append", metavar="NAME", help="compare only these scenarios (repeatable)")
    p.add_argument("--baseline", action="store_true", help="add the status quo (no programme)")
    p.add_argument("--set", action="append", metavar="PATH=VALUE", help="override a parameter of every scenario")
    engine_options(p, 500)
    p.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    overrides = overrides_from(args.set)
    cfg = load_config(args.config, overrides)
    if not cfg.scenarios and not args.baseline and not args.scenario:
        raise BadInput(f"{args.config} has no [[scenarios]] to compare: add [[scenarios]] tables (a name and a "
                       "set of dotted-path overrides, e.g. set = {\"programme.review_teams\" = 3}) or use "
                       "--baseline to compare with the status quo")
    try:
        scenario_configs(cfg, args.scenario, args.baseline)  # check names before any file is written
    except ConfigError as err:
        raise BadInput(f"--scenario: {'; '.join(err.errors)}") from None
    executor = choose_executor(args)
    out = output_dir(args, args.config)
    path, own, diffs = (out / name for name in FILES)
    try:
        ds = compare(args.config, args.scenario, args.baseline, replications=args.replications, seed=args.seed,
                     workers=args.workers, executor=executor, chunk_size=args.chunk_size, scheduler=args.scheduler,
                     progress=not args.quiet, output=path, overrides=overrides)
    except StoreError as err:
        raise BadInput(str(err)) from None
    table, figures = paired_differences(ds), scenario_figures(ds)
    write_csv(figures, own)
    write_csv(differences_for_csv(table), diffs)
    print(format_comparison(ds, table, figures))
    print(f"results: {path}, {own} and {diffs} ({args.replications} replications)")
    print(f"one scenario's full table: simshare summary {path} --scenario NAME")
    return 0
