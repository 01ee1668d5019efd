"""What the commands share: the bad-input error and exit code, argument types, the engine options,
the output folder and atomic CSV files."""

from __future__ import annotations

import argparse
import os
from pathlib import Path
from typing import Any, Callable

import pandas as pd

from ...config import ConfigError, parse_assignment
from ...engine.simulate import MAX_REPLICATIONS, MAX_SEED, MAX_WORKERS, default_executor

EXIT_BAD_INPUT = 2


class BadInput(Exception):
    """A command line that cannot be carried out; the message says what and where."""


def whole(name: str, minimum: int, maximum: int = MAX_REPLICATIONS) -> Callable[[str], int]:
    """An argparse type: a whole number from ``minimum`` to ``maximum``, refused with a message naming the option."""

    def parse(text: str) -> int:
        try:
            value = int(text.replace("_", "")) if len(text) <= 40 else minimum - 1
        except ValueError:
            value = minimum - 1
        if not minimum <= value <= maximum:
            raise argparse.ArgumentTypeError(f"{name} must be a whole number from {minimum} to {maximum:,}, "
                                             f"got {text[:40]!r}")
        return value

    return parse


def positive_int(name: str, maximum: int = MAX_REPLICATIONS) -> Callable[[str], int]:
    """An argparse type: a whole number from 1 to ``maximum`` (default: the most replications)."""
    return whole(name, 1, maximum)


seed_type = whole("the seed", 0, MAX_SEED)


def overrides_from(assignments: list[str] | None) -> dict[str, Any]:
    """``--set PATH=VALUE`` options as a dict of overrides."""
    out: dict[str, Any] = {}
    for text in assignments or []:
        try:
            path, value = parse_assignment(text)
        except ConfigError as err:
            raise BadInput("; ".join(err.errors)) from None
        out[path] = value
    return out


def output_dir(args: argparse.Namespace, cfg_path: str) -> Path:
    """The output folder (``-o`` or results/<config stem>/), created and checked writable."""
    if args.output is not None and not args.output.strip():
        raise BadInput("-o: an empty folder name; give a folder, or leave -o out for results/<config name>/")
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
    return args.executor or default_executor(args.workers, args.scheduler)


def engine_options(p: argparse.ArgumentParser, replications: int) -> None:
    """Options every command that runs replications shares."""
    p.add_argument("-n", "--replications", type=positive_int("-n"), default=replications, metavar="N",
                   help=f"replications (default {replications})")
    p.add_argument("--seed", type=seed_type, default=1, help="random seed (default 1)")
    p.add_argument("--workers", type=positive_int("--workers", MAX_WORKERS), default=1, metavar="W",
                   help="parallel workers (default 1)")
    p.add_argument("--executor", choices=("serial", "processes", "dask"),
                   help="serial, processes (default when --workers > 1) or dask")
    p.add_argument("--scheduler", metavar="ADDRESS", help="join a running Dask scheduler (implies --executor dask)")
    p.add_argument("--chunk-size", type=positive_int("--chunk-size"), metavar="K",
                   help="replications per task (does not change the results)")
    p.add_argument("-o", "--output", metavar="DIR", help="output folder (default results/<config name>/)")
    p.add_argument("-q", "--quiet", action="store_true",
                   help="no progress (a bar on a terminal, a line every 5 s otherwise)")


def write_csv(table: pd.DataFrame, path: Path) -> None:
    """Write a table as CSV via a temporary file renamed into place (no half-written file)."""
    tmp = path.with_name(path.name + ".tmp")
    table.to_csv(tmp)
    os.replace(tmp, path)


__all__ = ["EXIT_BAD_INPUT", "BadInput", "whole", "positive_int", "seed_type", "overrides_from", "output_dir",
           "choose_executor", "engine_options", "write_csv"]
