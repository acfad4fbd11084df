"""Turns at the model, first come first served, in a bounded line where no place is held for ever.

The model answers one question at a time. Every question, from the chat or
the /ask API, takes a `Ticket`; the ticket at the front has the model, and
every other one knows how many are ahead of it, so a page can say "2
questions ahead of yours". The line is bounded twice over:

- at most `size` tickets wait behind the front one; one more is refused at
  once with `ModelBusy`;
- a ticket still waiting `timeout_s` after it joined leaves the line and is
  refused with `ModelBusy`, so nobody waits without end. The front ticket has no
  deadline: its question is being answered, and the model's own timeout
  bounds that.

>>> line = WaitingLine(size=1, timeout_s=60)
>>> first, second = line.join(), line.join()
>>> line.ahead(first), line.ahead(second)
(0, 1)
>>> line.join()
Traceback (most recent call last):
...
qa.errors.ModelBusy: The assistant is busy: 1 question is already waiting for it. Try again in a minute.
>>> line.leave(first)
>>> line.ahead(second)
0
"""

from __future__ import annotations

import itertools
import threading
import time
from collections.abc import Callable
from dataclasses import dataclass

from qa.errors import ModelBusy


@dataclass(eq=False)
class Ticket:
    """One question's place in a WaitingLine."""

    number: int
    deadline: float  # on the line's clock; past it, a ticket that is still waiting is refused
    expired: bool = False


class WaitingLine:
    """A first-come, first-served line of tickets for one shared model; safe to use from many threads."""

    def __init__(self, size: int, timeout_s: float, clock: Callable[[], float] = time.monotonic) -> None:
        self.size = size
        self.timeout_s = timeout_s
        self._clock = clock
        self._tickets: list[Ticket] = []  # the front one has the model
        self._numbers = itertools.count(1)
        self._changed = threading.Condition()

    @classmethod
    def from_settings(cls, settings) -> WaitingLine:
        return cls(settings.queue_size, settings.queue_timeout_s)

    def __len__(self) -> int:
        """Tickets in the line, the front one included."""
        with self._changed:
            return len(self._tickets)

    def join(self) -> Ticket:
        """A ticket at the back of the line; ModelBusy when `size` tickets already wait behind the front one."""
        with self._changed:
            self._drop_expired()
            waiting = max(len(self._tickets) - 1, 0)
            if waiting >= self.size and self._tickets:
                questions = "1 question is" if waiting == 1 else f"{waiting} questions are"
                raise ModelBusy(f"{ModelBusy.PREFIX}: {questions} already waiting for it. Try again in a minute.")
            ticket = Ticket(next(self._numbers), self._clock() + self.timeout_s)
            self._tickets.append(ticket)
            self._changed.notify_all()
            return ticket

    def ahead(self, ticket: Ticket) -> int:
        """How many tickets are ahead of this one; 0 means its turn has come.

        ModelBusy once the ticket has waited past its deadline (it has then left
        the line). ValueError for a ticket that already left of its own accord.
        """
        with self._changed:
            return self._ahead(ticket)

    def wait(self, ticket: Ticket, timeout_s: float | None = None) -> int:
        """Block until the count ahead of this ticket changes, its deadline passes or `timeout_s` runs out;
        return `ahead(ticket)` (which raises ModelBusy past the deadline)."""
        with self._changed:
            before = self._ahead(ticket)
            if before == 0:
                return 0
            # The count can also change when a ticket ahead expires: wake by the first deadline up to this one.
            limit = min(t.deadline for t in self._tickets[1 : before + 1]) - self._clock()
            if timeout_s is not None:
                limit = min(limit, timeout_s)
            self._changed.wait_for(lambda: ticket.expired or self._place(ticket) != before, timeout=max(limit, 0.0))
            return self._ahead(ticket)

    def leave(self, ticket: Ticket) -> None:
        """Give up the ticket's place (or the model, if it was at the front). Leaving twice is harmless."""
        with self._changed:
            if ticket in self._tickets:
                self._tickets.remove(ticket)
                self._changed.notify_all()

    # Under the lock ---------------------------------------------------------------

    def _ahead(self, ticket: Ticket) -> int:
        self._drop_expired()
        if ticket.expired:
            raise ModelBusy(
                f"{ModelBusy.PREFIX}: your question waited {self.timeout_s:g} s without getting a turn. "
                "Try again in a minute."
            )
        place = self._place(ticket)
        if place < 0:
            raise ValueError(f"ticket {ticket.number} has left the line")
        return place

    def _place(self, ticket: Ticket) -> int:
        try:
            return self._tickets.index(ticket)
        except ValueError:
            return -1

    def _drop_expired(self) -> None:
        # Any caller clears out waiting tickets past their deadline, so a ticket whose owner stopped
        # asking (a closed page) cannot keep the ones behind it waiting.
        now = self._clock()
        expired = [t for t in self._tickets[1:] if t.deadline <= now]
        for t in expired:
            t.expired = True
            self._tickets.remove(t)
        if expired:
            self._changed.notify_all()
