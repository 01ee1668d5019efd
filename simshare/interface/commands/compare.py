"""``simshare compare CONFIG``: run the base and its scenarios with :func:`simshare.compare`, write
``DIR/compare.nc`` and ``DIR/compare.csv`` and print the paired differences."""

from __future__ import annotations

import argparse

from ...analysis.compare import compare, format_comparison, paired_differences, scenario_configs
from ...config import ConfigError, load_config
from ...engine.store import StoreError
from .options import BadInput, choose_executor, engine_options, output_dir, overrides_from, write_csv


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
    path = out / "compare.nc"
    try:
        ds = compare(args.config, args.scenario, args.baseline, replications=args.replications, seed=args.seed,
                     workers=args.workers, executor=executor, chunk_size=args.chunk_size, scheduler=args.scheduler,
                     progress=not args.quiet, output=path, overrides=overrides)
    except StoreError as err:
        raise BadInput(str(err)) from None
    table = paired_differences(ds)
    write_csv(table, out / "compare.csv")
    print(format_comparison(ds, table))
    print(f"results: {path} and {out / 'compare.csv'} ({args.replications} replications)")
    return 0
