"""Which documents a question may be answered from: a date range and a list of sources.

`ask(..., since="2024", until="2024-06", sources=["Reuters"])` narrows
retrieval to the documents whose publication date lies in the range and that
one of `sources` names. A document without a known date is outside any date
range: "since 2024" means "known to be from 2024 or later".
"""

from __future__ import annotations

import calendar
import re
from collections.abc import Iterable, Sequence
from dataclasses import dataclass
from datetime import date

from qa.documents import Document
from qa.errors import BadQuestion

_PARTIAL_DATE = re.compile(r"^(\d{4})(?:-(\d{1,2})(?:-(\d{1,2}))?)?$")


def day(value: str | date | None, last: bool = False) -> str | None:
    """An ISO day for a date given as a date, "YYYY", "YYYY-MM" or "YYYY-MM-DD"; a partial date
    means its first day, or with `last` its last day. Raises BadQuestion for anything else.

    >>> day("2024"), day("2024-02", last=True), day(date(2015, 3, 2)), day(""), day(None)
    ('2024-01-01', '2024-02-29', '2015-03-02', None, None)
    """
    if value is None or (isinstance(value, str) and not value.strip()):
        return None
    if isinstance(value, date):
        return value.isoformat()
    match = _PARTIAL_DATE.match(value.strip())
    try:
        if not match:
            raise ValueError(value)
        year, month, dom = int(match[1]), int(match[2] or (12 if last else 1)), match[3]
        if dom is None:
            dom = calendar.monthrange(year, month)[1] if last else 1
        return date(year, month, int(dom)).isoformat()
    except ValueError:
        raise BadQuestion(f"{value!r} is not a date. Give it as YYYY, YYYY-MM or YYYY-MM-DD.") from None


def _known_day(value: str | None) -> str | None:
    """A stored publication date as an ISO day, None when unknown or unreadable."""
    try:
        return day(value)
    except BadQuestion:
        return None


@dataclass(frozen=True)
class Scope:
    """A date range (inclusive ISO days, None for open) and the sources named; empty means everything."""

    since: str | None = None
    until: str | None = None
    sources: tuple[str, ...] = ()

    @classmethod
    def of(
        cls, since: str | date | None = None, until: str | date | None = None, sources: Iterable[str] | None = None
    ) -> Scope:
        """The scope asked for; raises BadQuestion for a date that is not one, or a range that ends before it starts.

        >>> Scope.of("2024", "2024").until
        '2024-12-31'
        """
        first, last = day(since), day(until, last=True)
        if first and last and first > last:
            raise BadQuestion(f"The date range ends ({last}) before it starts ({first}). Swap the two dates.")
        names = tuple(s.strip() for s in (sources or []) if s and s.strip())
        return cls(first, last, names)

    def __bool__(self) -> bool:
        return bool(self.since or self.until or self.sources)

    def admits(self, doc: Document) -> bool:
        """Whether `doc` is inside the date range and named by one of the sources (when any are given).

        A source names a document by its id, file or link, path, title or publisher (case aside).
        """
        if self.since or self.until:
            published = _known_day(doc.published)
            if published is None or (self.since and published < self.since) or (self.until and published > self.until):
                return False
        if self.sources:
            names = {str(v).casefold() for v in (doc.doc_id, doc.source, doc.path, doc.url, doc.title, doc.site) if v}
            if not any(s.casefold() in names for s in self.sources):
                return False
        return True

    def doc_ids(self, documents: Sequence[Document]) -> set[str]:
        """The documents retrieval may use: those admitted, and for an admitted copy the document that answers for it."""
        ids: set[str] = set()
        for doc in documents:
            if self.admits(doc):
                ids.add(doc.duplicate_of or doc.doc_id)
        return ids

    def describe(self) -> str:
        """How the scope reads in a message.

        >>> Scope.of("2024", None, ["Reuters"]).describe()
        'published from 2024-01-01, from Reuters'
        """
        parts = []
        if self.since and self.until:
            parts.append(f"published between {self.since} and {self.until}")
        elif self.since:
            parts.append(f"published from {self.since}")
        elif self.until:
            parts.append(f"published up to {self.until}")
        if self.sources:
            parts.append("from " + ", ".join(self.sources))
        return ", ".join(parts)
