"""The records the index keeps: a stored document and the passages cut from it.

A passage's text is always its document's text at `[start:end]`, and its
sentence spans are absolute offsets into that same text.
"""

from __future__ import annotations

import datetime
from dataclasses import dataclass


@dataclass(frozen=True)
class Document:
    """A stored source document."""

    doc_id: str
    path: str
    source: str
    title: str
    sha256: str
    passages: int
    text: str = ""
    ingested_at: float | None = None  # seconds since the epoch
    duplicate_of: str = ""  # doc_id of the copy that answers for this one; "" when it answers itself

    def indexed_on(self) -> str:
        """When the document was indexed, as YYYY-MM-DD HH:MM local time ("" when unrecorded).

        >>> Document("d", "/a", "a", "", "s", 1).indexed_on()
        ''
        """
        if self.ingested_at is None:
            return ""
        return datetime.datetime.fromtimestamp(self.ingested_at).strftime("%Y-%m-%d %H:%M")


@dataclass(frozen=True)
class Passage:
    """A span of a stored document: `text == document.text[start:end]`."""

    passage_id: str
    doc_id: str
    source: str
    title: str
    start: int
    end: int
    text: str
    sentences: tuple[tuple[int, int], ...]  # absolute spans in the document

    def sentence_texts(self) -> list[tuple[int, int, str]]:
        """(start, end, text) of each sentence, cut from the passage's own text.

        >>> p = Passage("d:0000:x", "d", "a.txt", "", 10, 21, "One. Two.", ((10, 14), (15, 19)))
        >>> p.sentence_texts()
        [(10, 14, 'One.'), (15, 19, 'Two.')]
        """
        return [(s, e, self.text[s - self.start : e - self.start]) for s, e in self.sentences]
