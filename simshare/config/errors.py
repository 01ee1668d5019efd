"""The one error a config can raise: every problem, each naming its key path."""

from __future__ import annotations

from typing import Iterable


class ConfigError(ValueError):
    """A config (or an override of one) that cannot be used. ``errors`` lists one line per problem."""

    def __init__(self, errors: Iterable[str], source: str | None = None):
        self.errors = list(errors)
        self.source = source
        head = f"{source}: " if source else ""
        super().__init__(head + "invalid config\n" + "\n".join(f"  {e}" for e in self.errors))



class ConfigWarning(UserWarning):
    """A config that is valid but probably not what its author meant (the command line prints it as one line)."""
