"""Cut a document into passages with exact spans and deterministic ids.

Ids are `doc_id:index:content-hash`: they serve as vector-store ids and
citation keys, so re-ingesting an unchanged document changes nothing.
"""

from __future__ import annotations

import bisect
import hashlib
from collections.abc import Callable

from qa.documents import Passage
from qa.ingest.clean import kept_blocks
from qa.split import passage_spans


def passage_id_for(doc_id: str, index: int, text: str) -> str:
    """Deterministic passage id: document, position and a content hash.

    >>> passage_id_for("abc", 3, "Hello.")
    'abc:0003:9b56d519'
    """
    return f"{doc_id}:{index:04d}:{hashlib.sha1(text.encode('utf-8')).hexdigest()[:8]}"


def build_passages(
    doc_id: str,
    source: str,
    title: str,
    text: str,
    max_chars: int,
    meta: dict | None = None,
    page_starts: tuple[int, ...] = (),
    hidden: Callable[[str], bool] | None = None,
) -> list[Passage]:
    """Cut a document's kept content into passages with exact spans.

    `meta` (published, author, site, url) is repeated on every passage. With
    `page_starts` (a PDF), passages are cut page by page, so each lies on
    one page and knows its number. Sentences for which `hidden` is true stay
    in the text but are no passage's sentences (see `qa.split.passage_spans`).
    """
    blocks = kept_blocks(text)
    groups = _by_page(blocks, page_starts) if page_starts else [(None, blocks)]
    spans = [(page, p) for page, group in groups for p in passage_spans(text, group, max_chars, hidden)]
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
            page=page,
            **(meta or {}),
        )
        for i, (page, p) in enumerate(spans)
    ]


def _by_page(blocks: list[tuple[int, int]], page_starts: tuple[int, ...]) -> list[tuple[int, list[tuple[int, int]]]]:
    """Blocks grouped by the page they start on: [(page number from 1, blocks)].

    >>> _by_page([(0, 5), (7, 9), (12, 20)], (0, 10))
    [(1, [(0, 5), (7, 9)]), (2, [(12, 20)])]
    """
    groups: dict[int, list[tuple[int, int]]] = {}
    for block in blocks:
        page = bisect.bisect_right(page_starts, block[0])
        groups.setdefault(page, []).append(block)
    return list(groups.items())
