"""``simshare validate CONFIG...``: check configs; exit 0 when all are valid, 2 with the errors."""

from __future__ import annotations

import argparse
import sys

from ...config import ConfigError, load_config
from .options import EXIT_BAD_INPUT


def add_parser(sub: argparse._SubParsersAction) -> None:
    p = sub.add_parser("validate", help="check configs; exit 0 when all are valid, 2 with the errors")
    p.add_argument("configs", nargs="+", metavar="CONFIG")
    p.set_defaults(func=command)


def command(args: argparse.Namespace) -> int:
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
