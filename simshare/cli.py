"""The ``simshare`` command line. Bad input of any kind exits 2 with a message, never a traceback."""

from __future__ import annotations

import argparse
import sys
from typing import Sequence

from .config import ConfigError, load_config

EXIT_BAD_INPUT = 2


class _Parser(argparse.ArgumentParser):
    """argparse, with usage errors on stderr and exit code 2 (its default) kept."""


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
        print(f"{path}: ok ({len(cfg.councils)} councils, {len(cfg.services)} services, "
              f"{len(cfg.order)} in the programme, {cfg.programme.horizon_months} months)")
    return status


def build_parser() -> argparse.ArgumentParser:
    parser = _Parser(prog="simshare", description="Monte Carlo risk simulation of shared-service programmes.")
    parser.add_argument("--version", action="version", version=f"simshare {__import__('simshare').__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    p = sub.add_parser("validate", help="check configs; exit 0 when all are valid, 2 with the errors")
    p.add_argument("configs", nargs="+", metavar="CONFIG")
    p.set_defaults(func=_validate)
    return parser


def main(argv: Sequence[str] | None = None) -> int:
    parser = build_parser()
    args = parser.parse_args(argv)
    try:
        return args.func(args)
    except ConfigError as err:
        print(str(err), file=sys.stderr)
        return EXIT_BAD_INPUT
    except KeyboardInterrupt:
        print("interrupted", file=sys.stderr)
        return 130


if __name__ == "__main__":
    sys.exit(main())
