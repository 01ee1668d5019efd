"""``simshare run CONFIG``: run the Monte Carlo with :func:`simshare.simulate`, write
``DIR/results.nc`` and print the board summary (and the status quo, and the report when asked)."""

from __future__ import annotations

import argparse
import sys
import warnings

from ...analysis.precision import PrecisionWarning, parse_precision, precision_shortfall
from ...analysis.run import simulate
from ...analysis.summary import format_baseline, format_summary
from ...config import load_config
from ...engine.progress import Progress
from ...engine.store import StoreError
from ..report import write_report
from .options import BadInput, choose_executor, engine_options, output_dir, overrides_from, positive_int


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("run", help="run the Monte Carlo and print the board summary")
    p.add_argument("config", metavar="CONFIG")
    engine_options(p, 1000)
    p.add_argument("--sampling", choices=("mc", "lhs", "sobol"), default="mc",
                   help="replication-parameter sampling: mc (default), lhs, sobol")
    p.add_argument("--set", action="append", metavar="PATH=VALUE",
                   help="override a parameter, e.g. programme.review_teams=3 (repeatable)")
    p.add_argument("--baseline", action="store_true", help="add the status quo (no programme) under the same random numbers")
    p.add_argument("--precision", metavar="SPEC",
                   help="add replications until reached, e.g. programme_complete_month:P80=1")
    p.add_argument("--max-replications", type=positive_int("--max-replications"), metavar="N",
                   help="ceiling for --precision (default 20 × -n)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run in the output folder")
    p.add_argument("--report", action="store_true", help="also write the board report, report.html")
    p.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    cfg = load_config(args.config, overrides_from(args.set))
    executor = choose_executor(args)
    targets = None
    if args.precision:
        try:
            targets = parse_precision(args.precision, councils=cfg.council_names)
        except ValueError as err:
            raise BadInput(str(err)) from None
        if args.sampling != "mc":
            raise BadInput("--precision adds replications as it goes, which needs --sampling mc")
    if args.max_replications is not None and args.max_replications < args.replications:
        raise BadInput(f"--max-replications ({args.max_replications}) must be at least -n ({args.replications})")
    out = output_dir(args, args.config)
    path = out / "results.nc"
    what = "run with the status quo" if args.baseline else "run"
    with warnings.catch_warnings(), Progress(args.replications, what, unit="replication",
                                             enabled=not args.quiet) as bar:
        warnings.simplefilter("ignore", PrecisionWarning)  # said below, in the command line's words
        try:
            ds = simulate(cfg, args.replications, args.seed, workers=args.workers, executor=executor,
                          chunk_size=args.chunk_size, sampling=args.sampling, scheduler=args.scheduler,
                          baseline=args.baseline, output=path, resume=args.resume, progress=bar,
                          precision=targets, max_replications=args.max_replications)
        except StoreError as err:
            raise BadInput(str(err)) from None
    with ds:
        shortfall = precision_shortfall(ds)
        if shortfall is not None:
            print(f"simshare run: warning: {shortfall}", file=sys.stderr)
        print(format_summary(ds))
        if args.baseline:
            print(format_baseline(ds))
        if args.report:
            print(f"report: {write_report(ds, out / 'report.html')}")
        total = ds.sizes["replication"]
    print(f"results: {path} ({total} replications)")
    return 0
