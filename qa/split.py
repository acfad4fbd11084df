"""Split kept text blocks into sentences and passages, keeping exact offsets.

Sentences come from pysbd (rule-based, handles "U.S." and quotes). pysbd's own
char spans drift on repeated text, so each segment is located again in the
source from a moving cursor: offsets are exact by construction.

>>> text = "Dr. Smith came. He left at 5 p.m. today."
>>> [text[s:e] for s, e in sentence_spans(text, 0, len(text))]
['Dr. Smith came.', 'He left at 5 p.m. today.']
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from functools import lru_cache

Span = tuple[int, int]


@lru_cache(maxsize=1)
def _segmenter():
    import pysbd

    return pysbd.Segmenter(language="en", clean=False)


def _sentences(block: str) -> list[str]:
    """pysbd's sentences of `block`, without the pass of `Segmenter.segment` that maps them back onto the
    text with one compiled regex per sentence (a third of its time): they are located here instead."""
    return _segmenter().processor(block).process() if block else []


def sentence_spans(text: str, start: int, end: int) -> list[Span]:
    """Sentences of text[start:end] as absolute (start, end) spans, trimmed."""
    block = text[start:end]
    spans = _located(block, _sentences(block))
    if spans is None:  # pysbd's processing changed a sentence; its own mapping restores the original
        spans = _located(block, _segmenter().segment(block), exact=False)
    return _merge_fragments(text, [(start + s, start + e) for s, e in spans])


def _located(block: str, segments: list[str], exact: bool = True) -> list[Span] | None:
    """Each segment's span in `block`, searched from the end of the previous one.

    A segment not found gives None when `exact`, otherwise the rest of the block.
    """
    spans: list[Span] = []
    cursor = 0
    for segment in segments:
        piece = segment.strip()
        if not piece:
            continue
        found = block.find(piece, cursor)
        if found < 0:
            if exact:
                return None
            spans.append((cursor, len(block)))
            break
        spans.append((found, found + len(piece)))
        cursor = found + len(piece)
    return spans


def _merge_fragments(text: str, spans: list[Span]) -> list[Span]:
    """Glue sentence fragments with no letters or digits onto the previous sentence."""
    merged: list[Span] = []
    for s, e in spans:
        if merged and not any(ch.isalnum() for ch in text[s:e]):
            merged[-1] = (merged[-1][0], e)
        else:
            merged.append((s, e))
    return merged


@dataclass(frozen=True)
class PassageSpan:
    """A passage: consecutive sentences of one document, never crossing removed noise."""

    start: int
    end: int
    sentences: tuple[Span, ...] = field(default_factory=tuple)


def passage_spans(
    text: str, blocks: list[Span], max_chars: int, hidden: Callable[[str], bool] | None = None
) -> list[PassageSpan]:
    """Group sentences of consecutive kept blocks into passages of about max_chars.

    A passage never spans a gap where noise was removed, so text[start:end]
    holds only kept content. A single sentence longer than max_chars is its
    own passage. A sentence for which `hidden` is true stays in the text but
    is not one of a passage's sentences and takes no room in it, so the other
    sentences are grouped as they would be without it.

    >>> text = "A one. B two.\\n\\nC three."
    >>> [text[p.start:p.end] for p in passage_spans(text, [(0, 13), (15, 23)], 100)]
    ['A one. B two.\\n\\nC three.']
    >>> [p.sentences for p in passage_spans(text, [(0, 13), (15, 23)], 100, hidden=lambda s: s.startswith("B"))]
    [((0, 6), (15, 23))]
    """
    passages: list[PassageSpan] = []
    current: list[Span] = []
    previous_end = None
    skipped = 0  # characters of hidden sentences (and the space before each) inside the current passage
    edge = 0  # the end of the last hidden one

    def flush() -> None:
        nonlocal skipped
        if current:
            passages.append(PassageSpan(current[0][0], current[-1][1], tuple(current)))
            current.clear()
        skipped = 0

    for b_start, b_end in blocks:
        contiguous = previous_end is not None and not text[previous_end:b_start].strip()
        if not contiguous:
            flush()
        for s, e in sentence_spans(text, b_start, b_end):
            if hidden is not None and hidden(text[s:e]):
                if current:
                    skipped += e - max(current[-1][1], edge)
                    edge = e
                continue
            if current and e - current[0][0] - skipped > max_chars:
                flush()
            current.append((s, e))
        previous_end = b_end
    flush()
    return passages
