"""``simshare summary RESULTS``: print the board table of a results file."""

from __future__ import annotations

import argparse
from pathlib import Path

import xarray as xr

from ...analysis.summary import format_summary
from ...analysis.results import NotResults, check_results
from .options import BadInput


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("summary", help="print the board table of a results file")
    p.add_argument("results", metavar="RESULTS", help="results.nc (or the folder holding it)")
    p.add_argument("--scenario", help="which scenario to summarise (default: the first)")
    p.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
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
        try:
            check_results(ds, path)
        except NotResults as err:
            raise BadInput(str(err)) from None
        try:
            print(format_summary(ds, scenario=args.scenario))
        except ValueError as err:
            raise BadInput(str(err)) from None
    return 0
