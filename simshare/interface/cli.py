"""The ``simshare`` command line: the parser and ``main``. Each command lives in its own module under
:mod:`simshare.interface.commands`. Bad input of any kind exits 2 with a message, never a traceback."""

from __future__ import annotations

import argparse
import os
import sys
import warnings
from typing import Sequence

from ..config import ConfigError, ConfigWarning, OverrideError
from ..engine.executors import ExecutorError
from ..engine.store import StoreError
from ..model.replication import EventBudgetExceeded
from ..version import __version__
from .commands import compare, discover, optimise, report, run, sensitivity, summary, sweep, validate
from .commands.options import EXIT_BAD_INPUT, BadInput


def build_parser() -> argparse.ArgumentParser:
    """The parser of every command, in the order ``simshare --help`` lists them."""
    parser = argparse.ArgumentParser(prog="simshare",
                                     description="Monte Carlo risk simulation of shared-service programmes.")
    parser.add_argument("--version", action="version", version=f"simshare {__version__}")
    sub = parser.add_subparsers(dest="command", required=True, metavar="COMMAND")
    for module in (validate, run, compare, sweep, sensitivity, optimise, discover, report, summary):
        module.add_parser(sub)
    return parser


def show_warning(message: Warning | str, category: type[Warning], filename: str, lineno: int, file=None,
                 line: str | None = None) -> None:
    """Warnings on the command line as one plain line (``simshare: warning: ...``), not Python's
    ``file:line: Category`` form: they are meant for the user, not for a developer. A config's warning
    is said once, however often the config is loaded again (the status quo, the report, each scenario),
    with or without the file's name in front."""
    text = str(message)
    head, sep, rest = text.partition(": ")
    key = rest if sep and head.endswith(".toml") else text  # the same warning, said of the file or not
    if key in _SAID:
        return
    _SAID.add(key)
    print(f"simshare: warning: {text}", file=sys.stderr if file is None else file)


#: the config warnings said so far in this command (without the file name in front)
_SAID: set[str] = set()


def main(argv: Sequence[str] | None = None) -> int:
    """Run a command line (default ``sys.argv[1:]``); return the exit status: 0, 1 for a closed pipe,
    2 for bad input, 130 when interrupted. A config warning is printed once, as one line."""
    parser = build_parser()
    args = parser.parse_args(argv)
    _SAID.clear()
    with warnings.catch_warnings():
        warnings.simplefilter("once", ConfigWarning)
        warnings.showwarning = show_warning
        return _command(args)


def _command(args: argparse.Namespace) -> int:
    try:
        return args.func(args)
    except OverrideError as err:  # the config file is sound: the --set values are to blame
        said: dict[str, list[str]] = {}  # each --set once, with everything it brings
        for paths, message in err.blamed:
            said.setdefault(err.assignments(paths, prefix="--set "), []).append(message)
        if len(said) == 1 and len(next(iter(said.values()))) == 1:
            (where, (message,)), = said.items()
            print(f"simshare {args.command}: {where}: {message}", file=sys.stderr)
        elif len(said) == 1:
            (where, messages), = said.items()
            print(f"simshare {args.command}: {where}:", *(f"  {m}" for m in messages), sep="\n", file=sys.stderr)
        else:
            print(f"simshare {args.command}: invalid --set (the config is valid without it)", file=sys.stderr)
            for where, messages in said.items():
                print(f"  {where}: " + "; ".join(messages), file=sys.stderr)
        return EXIT_BAD_INPUT
    except ConfigError as err:
        print(str(err), file=sys.stderr)
        return EXIT_BAD_INPUT
    except (BadInput, StoreError, ExecutorError, EventBudgetExceeded) as err:
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
