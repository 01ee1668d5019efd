"""The one error a config can raise: every problem, each naming its key path."""

from __future__ import annotations

import re
from typing import Iterable

#: at most this many errors of one kind are shown; the rest are counted in one line
SHOWN_PER_KIND = 10

_INDEX = re.compile(r"\[\d+\]")
_VARIABLE = re.compile(r"['\"\d]")  # where a message's particulars (a quoted name, a number) begin


def error_kind(line: str) -> str:
    """What makes two error lines "the same kind": the key path with its list indices blanked, and the
    message up to its first quoted name or number (``programme.order[7]: unknown service 'X7'`` and
    ``programme.order[8]: unknown service 'X8'`` are one kind)."""
    path, sep, message = line.partition(": ")
    if not sep:
        path, message = "", line
    if "[" in path:
        path = _INDEX.sub("[…]", path)
    cut = _VARIABLE.search(message)
    return path + ": " + (message[:cut.start()] if cut else message)


def cap_errors(errors: list[str], shown: int = SHOWN_PER_KIND) -> list[str]:
    """The errors to show: the first ``shown`` of each kind, in order, each kind's overflow counted
    in one line after its last shown error ("… and 999,990 more like this")."""
    if len(errors) <= shown:
        return list(errors)
    kinds = [error_kind(e) for e in errors]
    total: dict[str, int] = {}
    for k in kinds:
        total[k] = total.get(k, 0) + 1
    seen: dict[str, int] = {}
    out = []
    for line, k in zip(errors, kinds):
        seen[k] = seen.get(k, 0) + 1
        if seen[k] <= shown:
            out.append(line)
        if seen[k] == shown and total[k] > shown:
            more = total[k] - shown
            path = line.partition(": ")[0] if ": " in line else line
            out.append(f"… and {more:,} more like this ({_INDEX.sub('[…]', path)})")
    return out


class ConfigError(ValueError):
    """A config (or an override of one) that cannot be used.

    ``errors`` lists one line per problem to show, at most SHOWN_PER_KIND of each kind (a million
    entries wrong in the same way give ten lines and a count); ``all_errors`` keeps every line."""

    def __init__(self, errors: Iterable[str], source: str | None = None):
        self.all_errors = list(errors)
        self.errors = cap_errors(self.all_errors)
        self.source = source
        head = f"{source}: " if source else ""
        super().__init__(head + "invalid config\n" + "\n".join(f"  {e}" for e in self.errors))



class ConfigWarning(UserWarning):
    """A config that is valid but probably not what its author meant (the command line prints it as one line)."""
