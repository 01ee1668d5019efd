"""Progress and time to go for long commands.

One :class:`Progress` spans a whole command (a run, every scenario of a compare, every point of a
sweep or a sensitivity study, every candidate of an optimisation), so the user sees one count and
one estimate of the time left. On a terminal it is a tqdm bar; when stderr is not a terminal (a CI
log, a file, a pipe) it writes one plain line every ``interval`` seconds and one at the end, and no
carriage returns.
"""
from __future__ import annotations

import sys
import time
from typing import IO

from tqdm.auto import tqdm

#: seconds between two progress lines when stderr is not a terminal
LINE_INTERVAL = 5.0


def _duration(seconds: float) -> str:
    """``75.3`` -> ``"1 min 15 s"``; ``4000`` -> ``"1 h 7 min"``."""
    s = int(round(seconds))
    if s < 60:
        return f"{s} s"
    if s < 3600:
        return f"{s // 60} min {s % 60:02d} s"
    return f"{s // 3600} h {(s % 3600) // 60:02d} min"


class Progress:
    """A count of done units out of ``total`` with the time elapsed and an estimate of the time left.

    ``unit`` names what is counted ("rep", "candidate"); ``total`` may grow with :meth:`extend`
    (a precision target that doubles the replications, a search that adds a confirmation round).
    ``enabled=False`` makes every method a no-op, so callers need not test for it. Use it as a
    context manager or call :meth:`close`.
    """

    def __init__(self, total: int, desc: str, *, unit: str = "rep", enabled: bool = True,
                 stream: IO[str] | None = None, interval: float = LINE_INTERVAL) -> None:
        self.total = int(total)
        self.done = 0
        self.desc = desc
        self.unit = unit
        self.enabled = enabled
        self.stream = stream if stream is not None else sys.stderr
        self.interval = interval
        self.started = time.monotonic()
        self._last_line = self.started
        self.bar = None
        if enabled and _is_terminal(self.stream):
            self.bar = tqdm(total=self.total, unit=unit, desc=desc, smoothing=0.05, dynamic_ncols=True,
                            file=self.stream)

    def __enter__(self) -> "Progress":
        return self

    def __exit__(self, *exc: object) -> None:
        self.close()

    def extend(self, total: int) -> None:
        """Raise the total to ``total`` units (never lowers it)."""
        self.total = max(self.total, int(total))
        if self.bar is not None:
            self.bar.total = self.total
            self.bar.refresh()

    def update(self, n: int = 1) -> None:
        """Count ``n`` more units done."""
        self.done += n
        if not self.enabled:
            return
        if self.bar is not None:
            self.bar.update(n)
            return
        now = time.monotonic()
        if now - self._last_line >= self.interval:
            self._last_line = now
            self._write(self.line())

    def line(self) -> str:
        """``"replications: 400/1,600 (25 %), 12 s elapsed, about 36 s to go"``."""
        elapsed = time.monotonic() - self.started
        share = self.done / self.total if self.total else 1.0
        text = f"{self.desc}: {self.done:,}/{self.total:,} {self.unit}s ({100 * share:.0f} %), {_duration(elapsed)} elapsed"
        if 0 < self.done < self.total:
            text += f", about {_duration(elapsed * (self.total - self.done) / self.done)} to go"
        return text

    def close(self) -> None:
        """End the bar, or write the final line when not on a terminal (only if any work was counted)."""
        if not self.enabled:
            return
        self.enabled = False
        if self.bar is not None:
            self.bar.close()
        elif self.done:
            self._write(self.line())

    def _write(self, text: str) -> None:
        print(text, file=self.stream, flush=True)


def _is_terminal(stream: IO[str]) -> bool:
    try:
        return bool(stream.isatty())
    except (AttributeError, ValueError):
        return False


def as_progress(progress: "bool | Progress", total: int, desc: str = "replications") -> tuple[Progress, bool]:
    """The :class:`Progress` to count into and whether the caller owns it (and so must close it).

    ``progress`` is either a flag (a new bar of ``total`` units is made when True) or a bar that an
    outer command made and keeps (its total is raised to cover ``total`` more units).
    """
    if isinstance(progress, Progress):
        progress.extend(progress.done + total)
        return progress, False
    return Progress(total, desc, enabled=bool(progress)), True


__all__ = ["Progress", "as_progress", "LINE_INTERVAL"]
