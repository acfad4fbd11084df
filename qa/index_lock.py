"""One writer at a time on an embedded index: the writers' lock file in its folder.

Two processes writing to one embedded Chroma folder at once would lose each
other's vectors (each keeps the vector index in memory and writes its copy
back). So every change (ingest, upload, remove, re-index, rebuild) holds
`<index_dir>/.qa-writer.lock`, and so does every change to the files kept
beside Chroma: uploads/, the saved web pages in web/, and the BM25 cache under
lexical/ when a rebuild sets a damaged index aside. A second writer waits for
the lock, saying who holds it, and gives up with IndexBusy after
`index_lock_timeout_s`. Readers (questions, `qa docs`, `qa status`) never
take it. (Readers do write one thing, the BM25 cache; each revision goes into
a folder of its own, renamed into place whole, so they need no lock.)

The lock is the operating system's (flock): a writer that dies, even by
SIGKILL, releases it with its process, so there is never a stale lock to
delete. The file records the holder's pid, for the waiting message, and which
process held it last, so a long-lived process (`qa chat`) can tell that
another one wrote since its own last write and reload the index first.

A Chroma server (`chroma_url`) serialises writes itself, and writers on other
machines could not see a lock file here, so with a server none is taken (see
`Library._writing`).
"""

from __future__ import annotations

import json
import logging
import os
import uuid
from collections.abc import Iterator
from contextlib import contextmanager
from pathlib import Path

from qa.errors import IndexBusy, StoreUnavailable

log = logging.getLogger(__name__)

LOCK_FILE = ".qa-writer.lock"
# Tells this process's turns from another's, even when a pid is reused.
_PROCESS = f"{os.getpid()}-{uuid.uuid4().hex[:12]}"


class IndexLock:
    """The writers' lock of one index folder; held again by the same thread, it just nests.

    >>> IndexLock(Path("/srv/index"), timeout_s=30).path.name
    '.qa-writer.lock'
    """

    def __init__(self, index_dir: Path, timeout_s: float) -> None:
        from filelock import FileLock

        self.index_dir = Path(index_dir)
        self.path = self.index_dir / LOCK_FILE
        self.timeout_s = timeout_s
        self._what = "ingest"
        self._previous: dict = {}
        # One object per index in a process: threads of the process take turns too (thread_local).
        self._lock = FileLock(self.path, timeout=timeout_s, preserve_lock_file=True, on_acquired=self._record)

    @contextmanager
    def hold(self, what: str = "ingest") -> Iterator[bool]:
        """Hold the lock for the block, waiting for another writer at most `timeout_s`.

        Yields True when another process may have written since this one last
        held the lock (its changes are on disk, not in this process's memory);
        a nested hold yields False. Raises IndexBusy when the wait runs out.
        """
        from filelock import Timeout

        if self._lock.is_locked:  # this thread already holds it
            with self._lock:
                yield False
            return
        self._what = what
        try:
            try:
                self._lock.acquire(blocking=False)
            except Timeout:
                holder = self.holder()
                log.warning(
                    "Waiting for another %s of %s (pid %s) to finish; giving up after %g s (QA_INDEX_LOCK_TIMEOUT_S)...",
                    holder.get("what", "change"), self.index_dir, holder.get("pid", "unknown"), self.timeout_s,
                )
                self._lock.acquire(timeout=self.timeout_s)
        except Timeout:
            holder = self.holder()
            raise IndexBusy(
                f"Another {holder.get('what', 'change')} of {self.index_dir} (pid {holder.get('pid', 'unknown')}) "
                f"is still running after {self.timeout_s:g} s of waiting. Try again when it has finished, or wait "
                "longer with QA_INDEX_LOCK_TIMEOUT_S."
            ) from None
        except OSError as exc:
            raise StoreUnavailable(
                f"Could not take the writers' lock {self.path}: {exc.strerror or exc}. "
                "Is the index folder (QA_INDEX_DIR) a folder you can write to?"
            ) from None
        try:
            yield self._previous.get("process") != _PROCESS
        finally:
            self._lock.release()

    def holder(self) -> dict:
        """What the lock file says of its last holder: {"pid", "what", "process"}; {} when unreadable."""
        try:
            return _parse(self.path.read_bytes())
        except OSError:
            return {}

    def _record(self, fd: int) -> None:
        """Called by filelock once the lock is ours: remember the last holder, then name this one."""
        self._previous = _parse(os.pread(fd, 4096, 0))
        record = json.dumps({"pid": os.getpid(), "what": self._what, "process": _PROCESS}).encode()
        os.ftruncate(fd, 0)
        os.pwrite(fd, record, 0)


def _parse(raw: bytes) -> dict:
    """The holder record written by `_record`; {} for an empty or foreign file.

    >>> _parse(b'{"pid": 7, "what": "ingest", "process": "7-ab"}')["pid"]
    7
    >>> _parse(b"garbage")
    {}
    """
    try:
        record = json.loads(raw.decode("utf-8") or "{}")
    except ValueError:
        return {}
    return record if isinstance(record, dict) else {}
