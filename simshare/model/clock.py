"""A light way to have SimPy call a function at a later time.

Most of the model's events are plain "at time t, do this" calls (a holder leaves, a
campaign ends, a cover starts).  A full ``simpy.Timeout`` checks its arguments and
carries a value nobody reads; this event carries only what ``Environment.step`` uses,
and is pushed on the environment's queue exactly as ``Environment.schedule`` would.
"""

from __future__ import annotations

from heapq import heappush
from typing import Callable

import simpy
from simpy.core import NORMAL


class Call:
    """An already-triggered event whose only job is to run its callbacks when its time comes."""

    __slots__ = ("callbacks", "_ok", "_value", "_defused")

    def __init__(self, fn: Callable[["Call"], None]):
        self.callbacks = [fn]
        self._ok = True
        self._value = None


def call_later(env: simpy.Environment, delay: float, fn: Callable[[Call], None], priority: int = NORMAL) -> None:
    """Run ``fn`` ``delay`` months from now, after the events already due at that instant."""
    heappush(env._queue, (env._now + delay, priority, next(env._eid), Call(fn)))
