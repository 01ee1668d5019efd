"""The one error a config can raise: every problem, each naming its key path."""

from __future__ import annotations

import json
import re
from typing import Any, Iterable, Mapping

from .domains import MAX_NAME_LENGTH, shown

#: at most this many errors of one kind are shown; the rest are counted in one line
SHOWN_PER_KIND = 10

_INDEX = re.compile(r'\[(?:\d+|"(?:[^"\\]|\\.)*")\]')
#: the config's lists whose entries have names
NAMED_LISTS = ("councils", "services", "drivers", "scenarios")
_ENTRY = re.compile(r"\b(" + "|".join(NAMED_LISTS) + r")\[(\d+)\]")
_VARIABLE = re.compile(r"['\"\d]")  # where a message's particulars (a quoted name, a number) begin


def entry_label(raw: Mapping[str, Any], section: str, index: int) -> str:
    """How a message names entry ``index`` of a named list: ``services["Planning"]`` by its name, or
    ``services[2]`` when it has no proper name of its own (none, not text, empty, too long, with control
    characters or surrounding spaces, or shared with another entry)."""
    items = raw.get(section) if isinstance(raw, Mapping) else None
    if isinstance(items, list) and 0 <= index < len(items) and isinstance(items[index], Mapping):
        name = items[index].get("name")
        names = [it.get("name") for it in items if isinstance(it, Mapping)]
        proper = isinstance(name, str) and 0 < len(name) <= MAX_NAME_LENGTH and name.isprintable() \
            and name == name.strip()
        if proper and names.count(name) == 1:
            return f"{section}[{json.dumps(name, ensure_ascii=False)}]"
    return f"{section}[{index}]"


def name_entries(errors: Iterable[str], raw: Mapping[str, Any]) -> list[str]:
    """The error lines with every ``councils[i]``, ``services[i]``, ``drivers[i]`` and ``scenarios[i]``
    named by the entry's name (``services["Planning"].posts.Chiltern``), see :func:`entry_label`."""
    return [_ENTRY.sub(lambda m: entry_label(raw, m.group(1), int(m.group(2))), line) for line in errors]


def error_kind(line: str) -> str:
    """What makes two error lines "the same kind": the key path with its list indices (and entry names) blanked, and the
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


def _loose(loc: str) -> str:
    """A message's key path in dotted form: ``services["Planning"].posts.A`` -> ``services.Planning.posts.A``,
    other list indices dropped (``programme.order[3]`` -> ``programme.order``)."""
    loc = re.sub(r'\["((?:[^"\\]|\\.)*)"\]', lambda m: "." + json.loads(f'"{m.group(1)}"'), loc)
    return re.sub(r"\[\d+\]", "", loc)


def _covers(path: str, loc: str) -> bool:
    """Whether an override's dotted ``path`` (``*`` for any one name) and an error's key path ``loc``
    are the same key or one lies inside the other."""
    a, b = str(path).split("."), _loose(loc).split(".")
    n = min(len(a), len(b))
    return all(x == "*" or x == y for x, y in zip(a[:n], b[:n]))


def blame(line: str, overrides: Mapping[str, Any]) -> list[str]:
    """The override paths an error line comes from: those whose key it is about (or lies inside), else
    every override (a problem that only their combination brings)."""
    loc = line.partition(": ")[0]
    hits = [p for p in overrides if _covers(str(p), loc)]
    return hits or [str(p) for p in overrides]


class OverrideError(ConfigError):
    """A config that is valid as given but not with its overrides (``--set``, a scenario's or a sweep's
    values). ``blamed`` lists, per problem, the override paths it comes from and the message (without
    the key path when that is the override's own); ``overrides`` holds the overrides as given. Each line
    of ``errors`` starts with the override(s) to blame: ``programme.review_teams = -1: must be ...``."""

    def __init__(self, errors: Iterable[str], overrides: Mapping[str, Any]):
        self.overrides = {str(p): v for p, v in overrides.items()}
        self.blamed: list[tuple[list[str], str]] = []
        for line in errors:
            paths = blame(line, self.overrides)
            self.blamed.append((paths, _without_path(line, paths)))
        super().__init__([f"{self.assignments(paths, ' = ')}: {message}" for paths, message in self.blamed])
        self.args = ("invalid override (the config is valid without it)\n"
                     + "\n".join(f"  {e}" for e in self.errors),)

    def assignments(self, paths: list[str], equals: str = "=", prefix: str = "") -> str:
        """``path = value`` of each of ``paths`` (values as a message shows them), each after ``prefix``
        (``"--set "`` on the command line), joined by "and"."""
        return " and ".join(f"{prefix}{p}{equals}{shown(self.overrides[p])}" for p in paths)


def _without_path(line: str, paths: list[str]) -> str:
    """An error line without its key path when that path is the override's own (said already)."""
    loc, sep, message = line.partition(": ")
    own = sep and len(paths) == 1 and not re.search(r"\[\d+\]", loc) and _loose(loc) == paths[0]
    return message if own else line
