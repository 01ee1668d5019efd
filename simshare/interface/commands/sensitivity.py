"""``simshare sensitivity CONFIG``: a tornado, Morris or Sobol study (:mod:`simshare.analysis.sensitivity`),
with rank correlations and optional switching values; writes ``DIR/sensitivity.nc`` and
``DIR/sensitivity.csv`` and prints the tables."""

from __future__ import annotations

import argparse

from ...analysis.sensitivity.catalogue import check_variable, select_parameters
from ...analysis.sensitivity.experiments import base_config
from ...analysis.sensitivity.studies import study, switching_criteria, switching_values, write_study
from ...analysis.sensitivity.text import format_study, plan_text
from ...config import load_config
from .options import BadInput, choose_executor, engine_options, output_dir, overrides_from


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sensitivity", help="which uncertainties drive an output: tornado, Morris or Sobol")
    p.add_argument("config", metavar="CONFIG")
    p.add_argument("--method", choices=("tornado", "morris", "sobol"), default="tornado")
    p.add_argument("--output-variable", "--for", dest="variable", default="npv", metavar="NAME",
                   help="output to explain: npv (default), programme_complete_month, reviews_complete_month, "
                        "savings_run_rate@target, cumulative_net@horizon, ...")
    p.add_argument("--parameters", nargs="+", metavar="PATH", help="only these replication parameters (default: all)")
    p.add_argument("--switching", nargs="*", metavar="PATH",
                   help="also find switching values (P50 NPV = 0, P(target) = 50 %%) for these parameters")
    p.add_argument("--set", action="append", metavar="PATH=VALUE", help="override a parameter first")
    engine_options(p, 200)
    p.epilog = ("-n means replications per setting for tornado and switching values, trajectories for morris, "
                "and base samples for sobol (which runs n × (parameters + 2) replications: choose a power of 2 "
                "and a subset with --parameters)")
    p.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
    cfg = base_config(load_config(args.config, overrides_from(args.set)))
    try:
        variable = check_variable(cfg, args.variable)
        paths = select_parameters(cfg, args.parameters)
        switch_paths = select_parameters(cfg, args.switching) if args.switching else args.switching
    except ValueError as err:
        raise BadInput(str(err)) from None
    if not paths:
        raise BadInput(f"{args.config}: no uncertain replication parameters to study (give some keys as "
                       "distribution tables)")
    executor = choose_executor(args)
    out = output_dir(args, args.config)
    n = args.replications
    print(plan_text(args.method, paths, n))
    result = study(cfg, args.method, variable, paths, n, args.seed, workers=args.workers, executor=executor,
                   scheduler=args.scheduler, chunk_size=args.chunk_size, progress=not args.quiet)
    switching = None
    if args.switching is not None:
        targets = switch_paths or [str(p) for p in result.result["parameter"].values[:3]]
        criteria = switching_criteria(cfg)
        print(f"switching values: {len(targets)} parameters × {len(criteria)} criteria")
        switching = switching_values(cfg, targets, n, args.seed, criteria, workers=args.workers, executor=executor,
                                     scheduler=args.scheduler, chunk_size=args.chunk_size)
    nc, csv = write_study(result, switching, out)  # written before printing: a closed pipe loses nothing
    print()
    print(format_study(result, switching) + f"\n\nresults: {nc}, {csv}")
    return 0
