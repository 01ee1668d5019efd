"""The ``simshare`` command line. Bad input of any kind exits 2 with a message, never a traceback."""

from __future__ import annotations

import argparse
import os
import sys
from pathlib import Path
from typing import Any, Sequence

from .config import ConfigError, load_config, parse_assignment

EXIT_BAD_INPUT = 2


class BadInput(Exception):
    """A command line that cannot be carried out; the message says what and where."""


def _whole(name: str, minimum: int):
    """An argparse type: a whole number ≥ ``minimum``, refused with a message naming the option."""

    def parse(text: str) -> int:
        try:
            value = int(text)
        except ValueError:
            value = minimum - 1
        if value < minimum:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number ≥ {minimum}, got {text!r}")
        return value

    return parse


def _positive_int(name: str):
    return _whole(name, 1)


_seed = _whole("the seed", 0)


def overrides_from(assignments: list[str] | None) -> dict[str, Any]:
    """``--set PATH=VALUE`` options as a dict of overrides."""
    out: dict[str, Any] = {}
    for text in assignments or []:
        path, value = parse_assignment(text)
        out[path] = value
    return out


def output_dir(args: argparse.Namespace, cfg_path: str) -> Path:
    """The output folder (``-o`` or results/<config stem>/), created and checked writable."""
    out = Path(args.output) if args.output else Path("results") / Path(cfg_path).stem
    try:
        out.mkdir(parents=True, exist_ok=True)
        probe = out / ".simshare-write-test"
        probe.write_bytes(b"")
        probe.unlink()
    except OSError as err:
        raise BadInput(f"-o {out}: cannot write results there ({err.strerror or err})") from None
    return out


def choose_executor(args: argparse.Namespace) -> str:
    """The executor a command line asks for (or implies), checked against --scheduler."""
    if args.scheduler and args.executor not in (None, "dask"):
        raise BadInput(f"--scheduler needs --executor dask, got --executor {args.executor}")
    from .engine.simulate import default_executor

    return args.executor or default_executor(args.workers, args.scheduler)


def _validate(args: argparse.Namespace) -> int:
    status = 0
    for path in args.configs:
        try:
            cfg = load_config(path)
        except ConfigError as err:
            print(f"{path}: invalid", file=sys.stderr)
            for line in err.errors:
                print(f"  {line}", file=sys.stderr)
            status = EXIT_BAD_INPUT
            continue
        n = len(cfg.services)
        print(f"{path}: ok ({len(cfg.councils)} councils, {n} service{'s' * (n != 1)}, "
              f"{len(cfg.order)} in the programme, {cfg.programme.horizon_months} months)")
    return status


def _run(args: argparse.Namespace) -> int:
    import xarray as xr

    from .analysis.convergence import parse_precision
    from .analysis.summary import format_baseline, format_summary
    from .engine.simulate import Run, run_to_file, status_quo
    from .engine.store import StoreError

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
    scenarios = {"base": cfg}
    if args.baseline:
        scenarios["status quo"] = status_quo(cfg)
    run = Run(scenarios, args.seed, args.sampling)
    path = out / "results.nc"
    try:
        total = run_to_file(run, args.replications, path, workers=args.workers, executor=executor,
                            chunk_size=args.chunk_size, scheduler=args.scheduler, resume=args.resume,
                            progress=not args.quiet, precision=targets,
                            max_replications=args.max_replications or (20 * args.replications if targets else None))
    except StoreError as err:
        raise BadInput(str(err)) from None
    with xr.open_dataset(path) as ds:
        print(format_summary(ds))
        if args.baseline:
            print(format_baseline(ds))
        if args.report:
            from .report import write_report

            print(f"report: {write_report(ds, out / 'report.html')}")
    print(f"results: {path} ({total} replications)")
    return 0


def _summary(args: argparse.Namespace) -> int:
    import xarray as xr

    from .analysis.summary import format_summary

    path = Path(args.results)
    if path.is_dir():
        path = path / "results.nc"
    if not path.exists():
        raise BadInput(f"{args.results}: no such results file")
    try:
        ds = xr.open_dataset(path)
    except Exception:  # netCDF/HDF5/xarray raise many kinds; any of them means "not a results file"
        raise BadInput(f"{path}: not a simshare results file (not a netCDF file xarray can open)") from None
    with ds:
        if "npv" not in ds or "simshare_version" not in ds.attrs:
            raise BadInput(f"{path}: not a simshare results file (no npv variable or simshare attributes)")
        try:
            print(format_summary(ds, scenario=args.scenario))
        except ValueError as err:
            raise BadInput(str(err)) from None
    return 0


def _delegate(module: str):
    """A handler that lives in another module (imported only when its command runs)."""

    def handler(args: argparse.Namespace) -> int:
        import importlib

        return importlib.import_module(module).command(args)

    return handler


def _engine_options(p: argparse.ArgumentParser, replications: int) -> None:
    """Options every command that runs replications shares."""
    p.add_argument("-n", "--replications", type=_positive_int("-n"), default=replications, metavar="N",
                   help=f"replications (default {replications})")
    p.add_argument("--seed", type=_seed, default=1, help="random seed (default 1)")
    p.add_argument("--workers", type=_positive_int("--workers"), default=1, metavar="W",
                   help="parallel workers (default 1)")
    p.add_argument("--executor", choices=("serial", "processes", "dask"),
                   help="serial, processes (default when --workers > 1) or dask")
    p.add_argument("--scheduler", metavar="ADDRESS", help="join a running Dask scheduler (implies --executor dask)")
    p.add_argument("--chunk-size", type=_positive_int("--chunk-size"), metavar="K",
                   help="replications per task (does not change the results)")
    p.add_argument("-o", "--output", metavar="DIR", help="output folder (default results/<config name>/)")
    p.add_argument("-q", "--quiet", action="store_true", help="no progress bar")


def build_parser() -> argparse.ArgumentParser:
    from . import __version__

    parser = argparse.ArgumentParser(prog="simshare",
                                     description="Monte Carlo risk simulation of shared-service programmes.")
    parser.add_argument("--version", action="version", version=f"simshare {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")

    p = sub.add_parser("validate", help="check configs; exit 0 when all are valid, 2 with the errors")
    p.add_argument("configs", nargs="+", metavar="CONFIG")
    p.set_defaults(func=_validate)

    p = sub.add_parser("run", help="run the Monte Carlo and print the board summary")
    p.add_argument("config", metavar="CONFIG")
    _engine_options(p, 1000)
    p.add_argument("--sampling", choices=("mc", "lhs", "sobol"), default="mc",
                   help="replication-parameter sampling: mc (default), lhs, sobol")
    p.add_argument("--set", action="append", metavar="PATH=VALUE",
                   help="override a parameter, e.g. programme.review_teams=3 (repeatable)")
    p.add_argument("--baseline", action="store_true", help="add the status quo (no programme) under the same random numbers")
    p.add_argument("--precision", metavar="SPEC",
                   help="add replications until reached, e.g. programme_complete_month:P80=1")
    p.add_argument("--max-replications", type=_positive_int("--max-replications"), metavar="N",
                   help="ceiling for --precision (default 20 × -n)")
    p.add_argument("--resume", action="store_true", help="continue an interrupted run in the output folder")
    p.add_argument("--report", action="store_true", help="also write the board report, report.html")
    p.set_defaults(func=_run)

    p = sub.add_parser("compare", help="compare the base with the config's scenarios under common random numbers")
    p.add_argument("config", metavar="CONFIG")
    p.add_argument("--scenario", action="append", metavar="NAME", help="compare only these scenarios (repeatable)")
    p.add_argument("--baseline", action="store_true", help="add the status quo (no programme)")
    p.add_argument("--set", action="append", metavar="PATH=VALUE", help="override a parameter of every scenario")
    _engine_options(p, 500)
    p.set_defaults(func=_delegate("simshare.analysis.compare"))

    p = sub.add_parser("sweep", help="full-factorial sweep of parameters under common random numbers")
    p.add_argument("config", metavar="CONFIG")
    p.add_argument("--set", action="append", required=True, metavar="PATH=V1,V2,...",
                   help="a swept parameter and its values (repeatable: one dimension each)")
    _engine_options(p, 200)
    p.set_defaults(func=_delegate("simshare.analysis.sweep"))

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
    _engine_options(p, 200)
    p.epilog = ("-n means replications per setting for tornado and switching values, trajectories for morris, "
                "and base samples for sobol (which runs n × (parameters + 2) replications: choose a power of 2 "
                "and a subset with --parameters)")
    p.set_defaults(func=_delegate("simshare.analysis.sensitivity"))

    p = sub.add_parser("report", help="write the board report (one self-contained HTML page)")
    p.add_argument("results", metavar="RESULTS", help="results.nc (or the folder holding it)")
    p.add_argument("-o", "--output", metavar="FILE", help="report file (default: report.html beside the results)")
    p.set_defaults(func=_delegate("simshare.report"))

    p = sub.add_parser("summary", help="print the board table of a results file")
    p.add_argument("results", metavar="RESULTS", help="results.nc (or the folder holding it)")
    p.add_argument("--scenario", help="which scenario to summarise (default: the first)")
    p.set_defaults(func=_summary)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as err:
        print(str(err), file=sys.stderr)
        return EXIT_BAD_INPUT
    except BadInput as err:
        print(f"simshare {args.command}: {err}", file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted: run again with --resume to continue", file=sys.stderr)
        return 130
    except BrokenPipeError:
        os.dup2(os.open(os.devnull, os.O_WRONLY), sys.stdout.fileno())
        return 1


if __name__ == "__main__":
    sys.exit(main())
