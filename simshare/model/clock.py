"""A light way to have SimPy call a function at a later time, through its public API.

Most of the model's events are plain "at time t, do this" calls (a holder leaves, a
campaign ends, a cover starts, a committee meets).  :class:`Call` is an event that is
born triggered, like :class:`simpy.Timeout`, but carries no value and can be scheduled
at any priority: :func:`call_later` hands it to ``Environment.schedule``, so it is
visible to anything that hooks ``schedule`` and keeps SimPy's ordering (time, then
priority, then the order of scheduling).
"""

from __future__ import annotations

from typing import Callable

import simpy
from simpy.core import NORMAL
from simpy.events import Event

__all__ = ["NORMAL", "Call", "call_later"]


class Call(Event):
    """An already-triggered event whose only job is to run one callback when its time comes.

    Like :class:`simpy.Timeout`, it has succeeded, with value ``None``, from the moment it
    is made (what ``Environment.step`` checks once the callbacks have run); unlike it, it
    does not schedule itself, so the caller chooses the priority, and it keeps no reference to
    its environment.  Once it has run (SimPy sets its ``callbacks`` to None), its owner may give
    it new callbacks and schedule it again (a post group's leaving call is re-armed for the
    group's next leaver).  ``subject`` and ``tag`` are for the callback to read: what the
    call is about (a post group, a vacancy) and that subject's version when it was scheduled
    (so that a superseded call can be ignored).
    """

    _ok = True
    _value = None

    def __init__(self, fn: Callable[[Event], None], subject: object = None, tag: int = 0):
        self.callbacks = [fn]
        self.subject = subject
        self.tag = tag


def call_later(env: simpy.Environment, delay: float, fn: Callable[[Event], None], priority: int = NORMAL) -> None:
    """Run ``fn(event)`` ``delay`` months from now (``delay`` ≥ 0).

    Among events due at the same instant, those of lower ``priority`` come first
    (SimPy's ``URGENT`` 0, ``NORMAL`` 1), then those scheduled earlier.
    """
    env.schedule(Call(fn), priority, delay)
