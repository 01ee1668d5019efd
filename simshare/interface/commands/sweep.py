"""``simshare sweep CONFIG --set PATH=V1,V2,...``: run the full factorial with :func:`simshare.sweep`,
write ``DIR/sweep_PATHS.nc`` and ``DIR/sweep_PATHS.csv`` (named by the swept paths, so that a sweep of
other parameters keeps its own files) and print a row per point."""

from __future__ import annotations

import argparse

from ...analysis.sweep import csv_table, output_stem, parse_sweep, sweep, sweep_configs, sweep_summary
from ...analysis.sweep_text import format_sweep
from ...config import ConfigError, load_config
from .options import BadInput, choose_executor, engine_options, output_dir, write_csv


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sweep", help="full-factorial sweep of parameters under common random numbers")
    p.add_argument("config", metavar="CONFIG")
    p.add_argument("--set", action="append", required=True, metavar="PATH=V1,V2,...",
                   help="a swept parameter and its values (repeatable: one dimension each)")
    engine_options(p, 200)
    p.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    try:
        axes = parse_sweep(args.set)
    except ValueError as err:
        raise BadInput(str(err)) from None
    cfg = load_config(args.config)
    try:
        sweep_configs(cfg, axes)  # every path and value checked before anything is written
    except ConfigError as err:
        raise BadInput("--set " + "\n  --set ".join(err.errors)) from None
    executor = choose_executor(args)
    out = output_dir(args, args.config)
    stem = output_stem(list(axes))
    path, csv = out / f"{stem}.nc", out / f"{stem}.csv"
    ds = sweep(cfg, axes, replications=args.replications, seed=args.seed, workers=args.workers, executor=executor,
               chunk_size=args.chunk_size, scheduler=args.scheduler, progress=not args.quiet, output=path)
    table = sweep_summary(ds)
    write_csv(csv_table(ds, table), csv)
    print(format_sweep(ds, table))
    print(f"results: {path} and {csv} ({len(table)} points × {args.replications} replications)")
    return 0
