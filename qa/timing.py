"""Per-stage timings for one answer, recorded by one helper.

>>> clock = Stopwatch(["retrieve", "generate"])
>>> with clock.stage("retrieve"):
...     pass
>>> sorted(clock.finish())
['generate_ms', 'retrieve_ms', 'total_ms']
"""

from __future__ import annotations

import time
from collections.abc import Iterable, Iterator
from contextlib import contextmanager


class Stopwatch:
    """Milliseconds spent in each named stage (summed when a stage runs twice), plus the total."""

    def __init__(self, stages: Iterable[str] = ()) -> None:
        self._started = time.perf_counter()
        self.ms: dict[str, float] = {f"{name}_ms": 0.0 for name in stages}

    @contextmanager
    def stage(self, name: str) -> Iterator[None]:
        started = time.perf_counter()
        try:
            yield
        finally:
            key = f"{name}_ms"
            self.ms[key] = round(self.ms.get(key, 0.0) + (time.perf_counter() - started) * 1000, 1)

    def mark(self, name: str) -> None:
        """Record the time since the stopwatch was made as `<name>_ms` (e.g. when evidence was ready)."""
        self.ms[f"{name}_ms"] = round((time.perf_counter() - self._started) * 1000, 1)

    def timed(self, name: str, fn):
        """`fn`, with the time spent in its calls added to stage `name`."""

        def wrapper(*args, **kwargs):
            with self.stage(name):
                return fn(*args, **kwargs)

        return wrapper

    def finish(self) -> dict[str, float]:
        """The stage timings and `total_ms`, measured from when the stopwatch was made."""
        return {**self.ms, "total_ms": round((time.perf_counter() - self._started) * 1000, 1)}
