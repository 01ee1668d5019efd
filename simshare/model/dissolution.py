"""Dissolution (docs/model.md): the hazard that the partnership ends, from its first go-live.

The partnership dissolves at hazard ``dissolution_annual`` a year, counted from the first service's
go-live: the time to dissolution is exponential with mean 12 / ``dissolution_annual`` months, drawn
from the replication's own ``dissolution`` stream (one standard exponential, divided by the hazard,
so that a higher hazard dissolves every future sooner: common random numbers). When it dissolves,
``stop`` is called (reviews and implementations stop); ``unwind_months`` later, ``separate`` (the
live services are separate again). :class:`~simshare.model.programme.Programme` says what each does.
"""

from __future__ import annotations

import math
from typing import Callable

import numpy as np
import simpy

from ..config.values import ProgrammeValues
from ..seeds import stream
from .clock import call_later


class Dissolution:
    """The partnership's end: ``month`` it dissolved (NaN until then) and whether it has unwound."""

    def __init__(self, env: simpy.Environment, p: ProgrammeValues, ss: np.random.SeedSequence,
                 stop: Callable[[], None], separate: Callable[[], None]):
        self.env = env
        self.hazard = p.dissolution_annual / 12.0   # per month
        self.unwind_months = p.unwind_months
        self.ss = ss
        self.stop, self.separate = stop, separate
        self.month = math.nan
        self.armed = False
        self.dissolved = False
        self.unwound = False

    def arm(self) -> None:
        """The first go-live: the hazard starts (once)."""
        if self.armed or self.hazard <= 0.0:
            return
        self.armed = True
        delay = float(stream(self.ss, "dissolution").standard_exponential()) / self.hazard
        call_later(self.env, delay, self._dissolve)

    def _dissolve(self, _ev) -> None:
        self.dissolved = True
        self.month = self.env.now
        self.stop()
        call_later(self.env, self.unwind_months, self._unwind)

    def _unwind(self, _ev) -> None:
        self.unwound = True
        self.separate()


__all__ = ["Dissolution"]
