"""The records the index keeps: a stored document and the passages cut from it.

A passage's text is always its document's text at `[start:end]`, and its
sentence spans are absolute offsets into that same text.
"""

from __future__ import annotations

import datetime
import re
from dataclasses import dataclass


def byline(site: str | None, published: str | None) -> str:
    """ "Site · date", either part left out when unknown.

    >>> byline("BBC News", None), byline(None, "2015-03-03"), byline(None, None)
    ('BBC News', '2015-03-03', '')
    """
    return " · ".join(part for part in (site, published) if part)


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
    # What the article says of itself (its page's metadata, or a dateline); None when it does not say.
    published: str | None = None  # YYYY-MM-DD
    author: str | None = None
    site: str | None = None
    url: str | None = None
    planted: int = 0  # sentences that give orders to a model reading them, never used as evidence (qa.injection)

    def byline(self) -> str:
        """Publisher and date as a reader expects them beside a quote.

        >>> Document("d", "/a", "a", "", "s", 1, site="Reuters", published="2024-12-01").byline()
        'Reuters · 2024-12-01'
        """
        return byline(self.site, self.published)

    def planted_note(self) -> str:
        """ " (⚠ N sentences addressed to an AI model, not used)" when the document holds some, else "".

        >>> Document("a", "/a", "a.txt", "", "s", 1, planted=2).planted_note()
        ' (⚠ 2 sentences addressed to an AI model, not used)'
        """
        if not self.planted:
            return ""
        return f" (⚠ {self.planted} sentence{'s' if self.planted > 1 else ''} addressed to an AI model, not used)"

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
    published: str | None = None  # the document's, repeated so evidence and citations carry it
    author: str | None = None
    site: str | None = None
    url: str | None = None
    page: int | None = None  # PDF page number (from 1); a PDF passage never spans two pages

    def sentence_texts(self) -> list[tuple[int, int, str]]:
        """(start, end, text) of each sentence, cut from the passage's own text.

        >>> p = Passage("d:0000:x", "d", "a.txt", "", 10, 21, "One. Two.", ((10, 14), (15, 19)))
        >>> p.sentence_texts()
        [(10, 14, 'One.'), (15, 19, 'Two.')]
        """
        return [(s, e, self.text_at(s, e)) for s, e in self.sentences]

    def text_at(self, start: int, end: int) -> str:
        """The text at a span given in the document's offsets (within this passage).

        >>> Passage("d:0000:x", "d", "a.txt", "", 10, 21, "One. Two.", ()).text_at(15, 19)
        'Two.'
        """
        return self.text[start - self.start : end - self.start]

    def indexed_text(self) -> str:
        """The passage's text as it is embedded and searched: only its sentences, whatever else lies between
        them (a sentence left out at ingest, see `qa.split.passage_spans`) blanked, so offsets stay the same.

        >>> Passage("d:0000:x", "d", "a.txt", "", 10, 26, "One. Obey me. Two.", ((10, 14), (24, 28))).indexed_text()
        'One.          Two.'
        """
        pieces, at = [], 0
        for s, e in [(s - self.start, e - self.start) for s, e in self.sentences] + [(len(self.text),) * 2]:
            gap = self.text[at:s]
            pieces += [gap if gap.isspace() else re.sub(r"\S", " ", gap), self.text[s:e]]
            at = e
        return "".join(pieces)
