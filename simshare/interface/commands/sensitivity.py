"""``simshare sensitivity CONFIG``: a tornado, Morris or Sobol study (:mod:`simshare.analysis.sensitivity`) of
the top parameters of a screening run, with rank correlations and optional switching values; writes
``DIR/sensitivity-<method>.nc``, ``.csv`` and ``.png`` (one set per method and output) and prints the tables."""

from __future__ import annotations

import argparse

import xarray as xr

from ...analysis.sensitivity.catalogue import check_variable, select_parameters
from ...analysis.sensitivity.designs import sobol_base_samples
from ...analysis.sensitivity.experiments import base_config
from ...analysis.sensitivity.screen import DEFAULT_TOP, SCREEN_REPLICATIONS
from ...analysis.sensitivity.studies import (DEFAULT_SIZE, output_stem, study, switching_criteria, switching_values,
                                             write_study)
from ...analysis.sensitivity.text import format_study, plan_text
from ...config import load_config
from ...engine.progress import Progress
from ..plots.sensitivity import sensitivity_chart
from .options import BadInput, choose_executor, engine_options, output_dir, overrides_from, positive_int


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("sensitivity", help="which uncertainties drive an output: tornado, Morris or Sobol",
                       conflict_handler="resolve")  # -n is redefined below: its default depends on the method
    p.add_argument("config", metavar="CONFIG")
    p.add_argument("--method", choices=("tornado", "morris", "sobol"), default="tornado")
    p.add_argument("--output-variable", "--for", dest="variable", default="npv", metavar="NAME",
                   help="output to explain: npv (default), programme_complete_month, reviews_complete_month, "
                        "savings_run_rate@target, cumulative_net@horizon, ...")
    choose = p.add_mutually_exclusive_group()
    choose.add_argument("--top", type=positive_int("--top"), metavar="K",
                        help=f"study the K parameters a screening run ranks highest (default {DEFAULT_TOP})")
    choose.add_argument("--parameters", nargs="+", metavar="PATH",
                        help="study these replication parameters (no screen; * patterns allowed)")
    p.add_argument("--screen-replications", type=positive_int("--screen-replications"), default=SCREEN_REPLICATIONS,
                   metavar="N", help=f"replications of the screening run (default {SCREEN_REPLICATIONS})")
    p.add_argument("--screen-from", metavar="RESULTS",
                   help="screen from the results of an earlier simshare run instead of a new screening run "
                        "(a run of this config and --seed is also the tornado's base)")
    p.add_argument("--switching", nargs="*", metavar="PATH",
                   help="also find switching values (P50 NPV = 0, P(target) = 50 %%) for these parameters")
    p.add_argument("--set", action="append", metavar="PATH=VALUE", help="override a parameter first")
    engine_options(p, DEFAULT_SIZE["tornado"])
    p.add_argument("-n", "--replications", type=positive_int("-n"), default=None, metavar="N",
                   help=f"size of the design: replications per setting for tornado (default {DEFAULT_SIZE['tornado']}) "
                        f"and switching values, trajectories for morris (default {DEFAULT_SIZE['morris']}), base "
                        f"samples for sobol (default {DEFAULT_SIZE['sobol']}; a power of 2, another number is "
                        "rounded up to one)")
    p.epilog = ("A screening run ranks every uncertain parameter by rank correlation with the output; the method "
                "then studies the top K (--top) or the --parameters you name. Sobol runs n × (K + 2) replications, "
                "Morris n × (K + 1), tornado 2 × K × n.")
    p.set_defaults(func=command)


def _results(args: argparse.Namespace) -> xr.Dataset:
    """The results file of --screen-from, opened; BadInput when it is not one."""
    if args.parameters:
        raise BadInput("--screen-from is for the screen: give it or --parameters, not both")
    try:
        return xr.open_dataset(args.screen_from)
    except (OSError, ValueError) as err:
        raise BadInput(f"--screen-from {args.screen_from}: not a results file that can be read ({err})") from None


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
    n = DEFAULT_SIZE[args.method] if args.replications is None else args.replications
    if args.method == "sobol":
        n, note = sobol_base_samples(n)
        if note:
            print(f"note: {note}")
    top = None if args.parameters else (args.top or DEFAULT_TOP)
    screen_run = _results(args) if args.screen_from else None
    screen_n = args.screen_replications if screen_run is None else int(screen_run.sizes["replication"])
    print(plan_text(args.method, paths, n, top, screen_n))
    with Progress(0, "sensitivity", enabled=not args.quiet) as bar:
        try:
            result = study(cfg, args.method, variable, args.parameters, n, args.seed, workers=args.workers,
                           executor=executor, scheduler=args.scheduler, chunk_size=args.chunk_size, progress=bar,
                           top=args.top, screen_replications=args.screen_replications, screen_run=screen_run)
        except ValueError as err:
            raise BadInput(f"--screen-from {args.screen_from}: {err}" if screen_run is not None else str(err)) from None
        switching = None
        if args.switching is not None:
            targets = switch_paths or [str(p) for p in result.result["parameter"].values[:3]]
            criteria = switching_criteria(cfg)
            print(f"switching values: {len(targets)} parameters × {len(criteria)} criteria")
            switching = switching_values(cfg, targets, n, args.seed, criteria, workers=args.workers,
                                         executor=executor, scheduler=args.scheduler, chunk_size=args.chunk_size)
    stem = output_stem(args.method, result.variable)
    files = write_study(result, switching, out, sensitivity_chart(result.result))  # before printing: a closed pipe loses nothing
    print()
    print(format_study(result, switching, stem=f"{stem}.csv") + "\n\nresults: " + ", ".join(files))
    return 0
