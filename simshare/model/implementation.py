"""The implementation queue (docs/model.md, stage 4): support slots and front-line slots.

Every implementation needs one of ``support_capacity`` slots (ICT, HR and finance
capacity); a front-line service also needs one of ``frontline_limit`` slots.  Approved
services are granted slots in order of approval time, ties in phasing order.  A service
starts only when every slot it needs is free, and holds none while it waits, so a later
service that needs no front-line slot may start ahead of a front-line one. A service whose
precedence (``after``) is not yet met (a service it waits for is not live) is passed over, holding
no slot, until a later dispatch finds it met; it keeps its place in the queue.

The queue makes no SimPy events of its own: :meth:`ImplementationQueue.dispatch` starts
what can start at the moment it is called, through the ``start`` callback.  (A SimPy
resource grants a request by triggering an event that is processed later in the same
instant, behind events already due then; starting at once keeps an implementation's
start, its costs and its go-live event in the order the model defines.)
"""

from __future__ import annotations

import bisect
from typing import Callable


class ImplementationQueue:
    """Approved services waiting for implementation slots, and the slots free now.

    ``start(s, frontline)`` is called for each service granted its slots; the slots stay
    taken until :meth:`release`.
    """

    def __init__(self, support_capacity: int, frontline_limit: int, start: Callable[[int, bool], None],
                 waiting_for: Callable[[int], bool] | None = None):
        """``waiting_for(s)``: whether service ``s`` must still wait for others to go live (precedence)."""
        self.support_free = int(support_capacity)
        self.frontline_free = int(frontline_limit)
        self.start = start
        self.waiting_for = waiting_for
        self.queue: list[tuple[float, int, int, bool]] = []  # (approval time, phase, service, front-line)

    def add(self, approved: float, phase: int, s: int, frontline: bool) -> None:
        """Service ``s``, approved at month ``approved``, joins the queue (it starts at the next dispatch)."""
        bisect.insort(self.queue, (approved, phase, s, frontline))

    def dispatch(self) -> None:
        """Start every queued service whose slots are all free and whose precedence is met, in queue order."""
        for item in list(self.queue):
            frontline = item[3]
            if self.waiting_for is not None and self.waiting_for(item[2]):
                continue
            if self.support_free > 0 and (not frontline or self.frontline_free > 0):
                self.queue.remove(item)
                self.support_free -= 1
                if frontline:
                    self.frontline_free -= 1
                self.start(item[2], frontline)

    def release(self, frontline: bool) -> None:
        """A finished implementation frees its slots (queued services start at the next dispatch)."""
        self.support_free += 1
        if frontline:
            self.frontline_free += 1

    @property
    def waiting(self) -> list[int]:
        """Services queued, in the order they will be granted slots."""
        return [item[2] for item in self.queue]
