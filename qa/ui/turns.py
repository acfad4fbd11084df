"""Questions from the chat and the /ask API take turns at the model in one shared WaitingLine.

Gradio lets every question straight into its handler (it sets no
concurrency limit of its own on them), so each one can show its place in the
line from the start, or be told at once that the line is full, instead of
waiting unseen in Gradio's queue. Waiting is a coroutine that polls the line:
no worker thread is held while a question waits, so a long line never takes
the server's threads from other users' pages. Only the question whose turn
it is runs, in a worker thread.

    async for item in in_turn(line, lambda: conversation.stream(question)):
        if isinstance(item, Waiting):
            show(f"{item.ahead} questions ahead of yours")
        else:
            ...  # the stream's own items

ModelBusy (from qa.errors) comes out of both when the line is full or the wait
passes its deadline; nothing of the work has run then.
"""

from __future__ import annotations

import asyncio
from collections.abc import AsyncIterator, Callable, Iterator
from dataclasses import dataclass
from typing import TypeVar

import anyio.to_thread

from qa.waiting_line import Ticket, WaitingLine

T = TypeVar("T")
POLL_S = 0.2  # how often a waiting question looks at the line: its place shows this late at most


@dataclass(frozen=True)
class Waiting:
    """A question's place in the line: `ahead` questions come before it."""

    ahead: int

    def message(self) -> str:
        """What the chat shows while the question waits.

        >>> Waiting(1).message(), Waiting(3).message()
        ('Waiting: 1 question ahead of yours …', 'Waiting: 3 questions ahead of yours …')
        """
        questions = "1 question" if self.ahead == 1 else f"{self.ahead} questions"
        return f"Waiting: {questions} ahead of yours …"


async def in_turn(line: WaitingLine, work: Callable[[], Iterator[T]]) -> AsyncIterator[Waiting | T]:
    """Yield Waiting each time the count ahead changes, then, once it is this question's turn, each item of
    `work()` (a blocking iterator, run in a worker thread); the line moves on when the work ends or is abandoned."""
    ticket = line.join()
    try:
        async for ahead in _places(line, ticket):
            yield Waiting(ahead)
        items = await anyio.to_thread.run_sync(work)
        done = object()
        try:
            # anyio finishes a started step before a cancellation lands, so the line is left only
            # once the model has handed back what it was writing.
            while (item := await anyio.to_thread.run_sync(next, items, done)) is not done:
                yield item
        finally:
            close = getattr(items, "close", None)
            if close:
                close()
    finally:
        line.leave(ticket)


async def call_in_turn(line: WaitingLine, fn: Callable[[], T]) -> T:
    """`fn()`, run in a worker thread once it is this call's turn in the line."""
    ticket = line.join()
    try:
        async for _ in _places(line, ticket):
            pass
        return await anyio.to_thread.run_sync(fn)
    finally:
        line.leave(ticket)


async def _places(line: WaitingLine, ticket: Ticket) -> AsyncIterator[int]:
    """The count ahead of `ticket` each time it changes, until its turn comes (ModelBusy past its deadline)."""
    shown = None
    while (ahead := line.ahead(ticket)) > 0:
        if ahead != shown:
            shown = ahead
            yield ahead
        await asyncio.sleep(POLL_S)
