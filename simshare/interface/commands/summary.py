"""``simshare summary RESULTS``: print the board table of a results file: a run's, one scenario of a
comparison (``--scenario NAME``) or one point of a sweep (``--at PATH=VALUE``)."""

from __future__ import annotations

import argparse
from pathlib import Path

import xarray as xr

from ...analysis.results import NotResults, check_results, swept_dims
from ...analysis.summary import format_summary
from ...config import parse_value
from .options import BadInput


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("summary", help="print the board table of a results file")
    p.add_argument("results", metavar="RESULTS",
                   help="a results file (results.nc, compare.nc, sweep_*.nc) or the folder holding it")
    p.add_argument("--scenario", metavar="NAME", help="which scenario of a comparison (default: the first)")
    p.add_argument("--at", action="append", metavar="PATH=VALUE",
                   help="which point of a sweep: a value of each swept parameter (repeatable)")
    p.set_defaults(func=command)


def parse_at(assignments: list[str] | None) -> dict[str, object]:
    """``--at PATH=VALUE`` options as {path: value}, values read as TOML like ``--set`` values."""
    out: dict[str, object] = {}
    for text in assignments or []:
        path, sep, value = text.partition("=")
        if not sep or not path.strip() or not value.strip():
            raise BadInput(f"--at {text!r}: expected PATH=VALUE, e.g. --at programme.review_teams=2")
        if path.strip() in out:
            raise BadInput(f"--at {text!r}: {path.strip()} is given twice")
        out[path.strip()] = parse_value(value.strip())
    return out


def results_file(folder: Path, scenario: str | None, at: dict[str, object]) -> Path:
    """The results file of a folder a summary asks for: the sweep whose swept paths ``--at`` names, else
    ``compare.nc`` for a ``--scenario`` that ``results.nc`` lacks, else ``results.nc``."""
    if at:
        sweeps = sorted(folder.glob("sweep_*.nc"))
        for path in sweeps:
            try:
                with xr.open_dataset(path) as ds:
                    if set(swept_dims(ds)) == set(at):
                        return path
            except Exception:  # an unreadable file is not the one asked for
                continue
        listed = ", ".join(p.name for p in sweeps) or "none"
        raise BadInput(f"{folder}: no sweep over exactly {', '.join(at)} here (sweep files: {listed})")
    run, compared = folder / "results.nc", folder / "compare.nc"
    if scenario is not None and compared.exists():
        if not run.exists():
            return compared
        with xr.open_dataset(run) as ds:
            if "scenario" not in ds.dims or scenario not in [str(s) for s in ds["scenario"].values]:
                return compared
    return run


def command(args: argparse.Namespace) -> int:
    at = parse_at(args.at)
    path = Path(args.results)
    if path.is_dir():
        path = results_file(path, args.scenario, at)
    if not path.exists():
        if path == Path(args.results):
            raise BadInput(f"{args.results}: no such results file")
        others = sorted(p.name for p in path.parent.glob("*.nc"))
        hint = (f" (it holds {', '.join(others)}: name one, with --scenario NAME for a comparison or --at "
                "PATH=VALUE for a sweep)") if others else ""
        raise BadInput(f"{args.results}: no {path.name} in this folder{hint}")
    try:
        ds = xr.open_dataset(path)
    except Exception:  # netCDF/HDF5/xarray raise many kinds; any of them means "not a results file"
        raise BadInput(f"{path}: not a simshare results file (not a netCDF file xarray can open)") from None
    with ds:
        try:
            check_results(ds, path)
        except NotResults as err:
            raise BadInput(str(err)) from None
        try:
            print(format_summary(ds, scenario=args.scenario, at=at))
        except ValueError as err:
            raise BadInput(f"{path}: {err}") from None
    return 0
