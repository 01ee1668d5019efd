"""``simshare report RESULTS [-o FILE]``: write the board report (:func:`~simshare.interface.report.write_report`),
by default ``report.html`` beside the results."""

from __future__ import annotations

import argparse
from pathlib import Path

import xarray as xr

from ..report import write_report
from ...analysis.results import NotResults, check_results
from .options import BadInput


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("report", help="write the board report (one self-contained HTML page)")
    p.add_argument("results", metavar="RESULTS", help="results.nc (or the folder holding it)")
    p.add_argument("-o", "--output", metavar="FILE", help="report file (default: report.html beside the results)")
    p.set_defaults(func=command)


def results_path(text: str) -> Path:
    """The results file a RESULTS argument names: the file, or the folder's results.nc (or its only .nc file)."""
    path = Path(text)
    if path.is_dir():
        if (path / "results.nc").exists():
            return path / "results.nc"
        found = sorted(path.glob("*.nc"))
        if len(found) == 1:
            return found[0]
        if not found:
            raise BadInput(f"{text}: no results.nc in this folder")
        raise BadInput(f"{text}: no results.nc, and several .nc files ({', '.join(p.name for p in found)}): "
                       "name the one to report")
    if not path.exists():
        raise BadInput(f"{text}: no such results file")
    return path


def command(args: argparse.Namespace) -> int:
    path = results_path(args.results)
    try:
        ds = xr.open_dataset(path)  # lazily: the report reads it in bounded blocks (analysis/blocks.py)
    except Exception as err:  # netCDF/HDF5 raise many kinds; any of them means "not a results file"
        raise BadInput(f"{path}: not a simshare results file ({type(err).__name__}: {err})") from None
    with ds:
        return _write(args, ds, path)


def _write(args: argparse.Namespace, ds: xr.Dataset, path: Path) -> int:
    try:
        check_results(ds, path)
    except NotResults as err:
        raise BadInput(str(err)) from None
    if getattr(args, "output", None):
        out = Path(args.output)
        if out.is_dir():
            out = out / "report.html"
    else:
        out = path.with_name("report.html" if path.name == "results.nc" else f"{path.stem}-report.html")
    if not out.parent.is_dir():
        raise BadInput(f"-o {out}: the folder {out.parent} does not exist")
    try:
        written = write_report(ds, out, scenario=getattr(args, "scenario", None), source=str(path))
    except OSError as err:
        raise BadInput(f"-o {out}: cannot write the report there ({err.strerror or err})") from None
    except ValueError as err:
        raise BadInput(f"{path}: {err}") from None
    print(f"report: {written}")
    return 0
