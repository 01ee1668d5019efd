"""The joint committee (docs/model.md, stage 3): a calendar of meetings that approve business cases.

Meetings are at months ``committee_first_month + k × committee_interval_months``.  A case
ready at time t goes to the first meeting at or after t (a case ready at the very moment
of a meeting is considered at it).  A meeting considers ready cases in phasing order, at
most ``approvals_per_meeting`` of them; each is approved with ``approval_probability``;
a case sent back is reworked for ``rework_months`` and is then ready again, for a later
meeting than the one that sent it back.
"""

from __future__ import annotations

import bisect
import math
from typing import Callable, Mapping

import numpy as np
import simpy

from ..config.values import ProgrammeValues
from ..distributions import Sampler
from ..seeds import stream
from .clock import call_later

#: a case ready within this many months after a meeting's time counts as ready at it
#: (durations that add up to a meeting month in decimal may miss it by rounding)
MEETING_TOLERANCE = 1e-7
#: SimPy priority of a meeting: after every ordinary event (priority 1) of its instant
MEETING_PRIORITY = 2


class Committee:
    """The joint committee: takes ready cases, holds meetings, and reports each meeting's approvals.

    ``phase`` maps a service index to its place in the phasing order.  After each meeting
    (and once the next one is scheduled) ``decided(approved, when)`` is called with the
    services approved at it, in phasing order, and the meeting's month.  Decisions and
    rework durations come from the replication's ``committee`` streams of ``ss``.
    """

    def __init__(self, env: simpy.Environment, p: ProgrammeValues, phase: Mapping[int, int],
                 ss: np.random.SeedSequence, decided: Callable[[list[int], float], None]):
        self.env = env
        self.first = p.committee_first_month
        self.interval = p.committee_interval_months
        self.cap = math.inf if p.approvals_per_meeting is None else int(p.approvals_per_meeting)
        self.approval_probability = p.approval_probability
        self.rework_months = p.rework_months
        self.phase = phase
        self.ss = ss
        self.decided = decided
        self.waiting: list[tuple[int, int, int]] = []  # (phase, service, first meeting it may go to)
        self.considered: dict[int, int] = {}           # meeting index -> cases considered
        self.pending: set[int] = set()                 # meeting indices scheduled, not yet held
        self._decisions: Sampler | None = None         # made when the committee first decides
        self._reworks: Callable[[], float] | None = None
        self.closed = False                            # the partnership dissolved: no more meetings

    def close(self) -> None:
        """The partnership has dissolved: cases waiting or reworked are never considered."""
        self.closed = True
        self.waiting.clear()

    def meeting_time(self, k: int) -> float:
        """Month of meeting ``k`` (k = 0, 1, ...)."""
        return self.first + k * self.interval

    def submit(self, s: int, sent_back_at: int = -1) -> None:
        """Service ``s``'s case is ready: it waits for the first meeting at or after now (and,
        when meeting ``sent_back_at`` sent it back, a later one, even with no rework time)."""
        if self.closed:
            return
        k = max(0, math.ceil((self.env.now - self.first - MEETING_TOLERANCE) / self.interval), sent_back_at + 1)
        bisect.insort(self.waiting, (self.phase[s], s, k))
        self._schedule(k)

    # ------------------------------------------------------------------ meetings

    def _schedule(self, k: int) -> None:
        if k in self.pending:
            return
        self.pending.add(k)
        call_later(self.env, max(0.0, self.meeting_time(k) - self.env.now), lambda _ev, k=k: self._meet(k),
                   MEETING_PRIORITY)

    def _meet(self, k: int) -> None:
        """Meeting k considers ready cases in phasing order, up to the cap; the rest wait."""
        self.pending.discard(k)
        if self.closed:
            return
        when = self.meeting_time(k)
        used = self.considered.get(k, 0)
        approved: list[int] = []
        for case in [c for c in self.waiting if c[2] <= k]:
            if used >= self.cap:
                break
            self.waiting.remove(case)
            s = case[1]
            used += 1
            if self._decide() < self.approval_probability:
                approved.append(s)
            else:
                call_later(self.env, self._rework(), lambda _ev, s=s, k=k: self.submit(s, sent_back_at=k))
        self.considered[k] = used
        if self.waiting:
            self._schedule(min(max(c[2], k + 1) for c in self.waiting))
        self.decided(approved, when)

    def _decide(self) -> float:
        if self._decisions is None:
            self._decisions = Sampler("uniform", {"min": 0.0, "max": 1.0}, stream(self.ss, "committee", "approval"))
        return self._decisions()

    def _rework(self) -> float:
        if self._reworks is None:
            self._reworks = self.rework_months.sampler(lambda: stream(self.ss, "committee", "rework"))
        return self._reworks()
