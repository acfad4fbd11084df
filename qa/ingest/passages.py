"""Cut a document into passages with exact spans and deterministic ids.

Ids are `doc_id:index:content-hash`: they serve as vector-store ids and
citation keys, so re-ingesting an unchanged document changes nothing.
"""

from __future__ import annotations

import hashlib

from qa.documents import Passage
from qa.ingest.clean import kept_blocks
from qa.split import passage_spans


def passage_id_for(doc_id: str, index: int, text: str) -> str:
    """Deterministic passage id: document, position and a content hash.

    >>> passage_id_for("abc", 3, "Hello.")
    'abc:0003:9b56d519'
    """
    return f"{doc_id}:{index:04d}:{hashlib.sha1(text.encode('utf-8')).hexdigest()[:8]}"


def build_passages(doc_id: str, source: str, title: str, text: str, max_chars: int) -> list[Passage]:
    """Cut a document's kept content into passages with exact spans."""
    spans = passage_spans(text, kept_blocks(text), max_chars)
    return [
        Passage(
            passage_id=passage_id_for(doc_id, i, text[p.start : p.end]),
            doc_id=doc_id,
            source=source,
            title=title,
            start=p.start,
            end=p.end,
            text=text[p.start : p.end],
            sentences=p.sentences,
        )
        for i, p in enumerate(spans)
    ]
