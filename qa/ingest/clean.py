"""Find scrape noise in article text without changing the text.

Cleaning never rewrites the source: it returns the spans worth keeping, so every
passage cut from them still maps exactly onto the stored text
(`text[start:end]`). What counts as noise, from real news scrapes:

- a photo caption printed twice, the second copy glued to a credit
  ("...Idlib, Syria" then "...Idlib, SyriaReuters"): the second copy goes;
- trailers such as "AFP contributed to this report." or "Reporting by ...";
- a paragraph repeated verbatim later in the same article.

>>> text = "Cap, Syria\\nCap, SyriaReuters\\n\\nBody one.\\n\\nAFP contributed to this report."
>>> [text[s:e] for s, e in kept_blocks(text)]
['Cap, Syria', 'Body one.']
"""

from __future__ import annotations

import re
from collections.abc import Iterator

# A credit glued to a repeated caption: a few capitalised words, no sentence inside.
_CREDIT = re.compile(r"^[\s(|/-]*[A-Z][\w.&'/ -]{0,40}\)?$")
_MAX_CREDIT_WORDS = 5

_TRAILERS = [
    re.compile(p, re.IGNORECASE)
    for p in (
        r"^[\w.,&' -]{1,80}\bcontributed (?:to )?(?:this |the )?(?:report|reporting|story|article)\b.{0,80}$",
        r"^(?:additional )?(?:reporting|writing|editing) by\b.{0,200}$",
        r"^\(?(?:reporting|writing|editing) by\b.{0,200}\)?$",
        r"^(?:click here|read more|related:|advertisement|share this article)\b.{0,120}$",
    )
]


def line_spans(text: str) -> Iterator[tuple[int, int]]:
    """Yield (start, end) of each non-blank line, whitespace trimmed.

    >>> list(line_spans("  a b \\n\\nc"))
    [(2, 5), (8, 9)]
    """
    pos = 0
    for line in text.splitlines(keepends=True):
        stripped = line.strip()
        if stripped:
            start = pos + line.index(stripped)
            yield start, start + len(stripped)
        pos += len(line)


def is_glued_duplicate(previous: str, line: str) -> bool:
    """True when `line` repeats `previous` with at most a short credit glued on.

    >>> is_glued_duplicate("Fighters in Idlib, Syria", "Fighters in Idlib, SyriaReuters")
    True
    >>> is_glued_duplicate("Fighters in Idlib", "Fighters in Idlib were killed on Monday.")
    False
    """
    if not previous or not line.startswith(previous):
        return False
    rest = line[len(previous) :]
    if not rest.strip():
        return True
    return bool(_CREDIT.match(rest)) and len(rest.split()) <= _MAX_CREDIT_WORDS


def is_trailer(line: str) -> bool:
    """True for boilerplate lines such as "AFP contributed to this report.".

    >>> is_trailer("AFP contributed to this report.")
    True
    >>> is_trailer("Iran contributed troops to the offensive.")
    False
    """
    return any(p.match(line) for p in _TRAILERS)


def kept_blocks(text: str) -> list[tuple[int, int]]:
    """Spans of `text` (one per line/paragraph) that are article content, in order."""
    kept: list[tuple[int, int]] = []
    seen: set[str] = set()
    previous = ""
    for start, end in line_spans(text):
        line = text[start:end]
        noise = is_glued_duplicate(previous, line) or is_trailer(line)
        # Short repeated lines ("Share", "Photo") are left alone; a repeated paragraph is not.
        noise = noise or (len(line) > 80 and line in seen)
        if not noise:
            kept.append((start, end))
            seen.add(line)
        previous = line
    return kept


def title_of(text: str, max_chars: int = 100) -> str:
    """A display title: the first content line, cut at a word boundary.

    >>> title_of("Iraq sent hundreds of fighters to Syria.\\nMore.", max_chars=20)
    'Iraq sent hundreds…'
    """
    blocks = kept_blocks(text)
    if not blocks:
        return ""
    first = text[blocks[0][0] : blocks[0][1]].lstrip("# ").strip()
    if len(first) <= max_chars:
        return first
    cut = first[:max_chars].rsplit(" ", 1)[0].rstrip(",;:")
    return cut + "…"
