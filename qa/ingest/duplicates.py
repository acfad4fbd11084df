"""Exact and near-duplicate documents, found at ingest so copies do not crowd the evidence.

News collections hold the same story twice: re-published under another file
name, or with a changed headline or a sentence added. Each document gets a
sketch: the smallest hashes of its word 5-grams (a bottom-k MinHash), which
estimates how much of the text two documents share. Two documents whose
sketches agree on at least `NEAR` of their shingles are copies of one story.

Written here rather than taken from a library because it is forty lines over
hashlib and needs to live in Chroma metadata as a short list of integers.
"""

from __future__ import annotations

import hashlib
import json
import re
from collections import defaultdict
from dataclasses import dataclass, field

SKETCH_SIZE = 64
SHINGLE_WORDS = 5
NEAR = 0.8  # estimated Jaccard similarity of word 5-grams; reworded copies of a story score about 0.9
_MIN_SHARED = 8  # sketch values two documents must share before they are compared at all

_WORD = re.compile(r"\w+")


def sketch(text: str) -> list[int]:
    """The SKETCH_SIZE smallest 64-bit hashes of the text's word 5-grams (case and punctuation ignored).

    >>> sketch("One two three four five six.") == sketch("one, two; three four five SIX")
    True
    """
    words = _WORD.findall(text.lower())
    if len(words) < SHINGLE_WORDS:
        words = words + [""] * (SHINGLE_WORDS - len(words))
    hashes = {
        int.from_bytes(hashlib.blake2b(" ".join(words[i : i + SHINGLE_WORDS]).encode(), digest_size=8).digest(), "big")
        for i in range(len(words) - SHINGLE_WORDS + 1)
    }
    return sorted(hashes)[:SKETCH_SIZE]


def similarity(a: list[int], b: list[int]) -> float:
    """Estimated Jaccard similarity of the shingle sets two sketches came from (bottom-k estimator).

    >>> similarity([1, 2, 3, 4], [1, 2, 3, 4]), similarity([1, 2], [3, 4])
    (1.0, 0.0)
    """
    if not a or not b:
        return 0.0
    k = min(SKETCH_SIZE, len(set(a) | set(b)))
    union_bottom = sorted(set(a) | set(b))[:k]
    both = set(a) & set(b)
    return sum(1 for h in union_bottom if h in both) / len(union_bottom)


def encode(values: list[int]) -> str:
    """A sketch as a string for Chroma metadata (64-bit integers do not fit its int type)."""
    return json.dumps([format(v, "x") for v in values])


def decode(stored: str | None) -> list[int]:
    if not stored:
        return []
    try:
        return [int(v, 16) for v in json.loads(stored)]
    except (ValueError, TypeError):
        return []


@dataclass
class DuplicateFinder:
    """Known documents' sketches, searched for a copy of a new one."""

    _sketches: dict[str, list[int]] = field(default_factory=dict)
    _by_value: dict[int, set[str]] = field(default_factory=lambda: defaultdict(set))

    def add(self, doc_id: str, values: list[int]) -> None:
        self.discard(doc_id)
        self._sketches[doc_id] = values
        for v in values:
            self._by_value[v].add(doc_id)

    def discard(self, doc_id: str) -> None:
        for v in self._sketches.pop(doc_id, []):
            self._by_value[v].discard(doc_id)

    def copies_of(self, values: list[int], exclude: str = "") -> list[str]:
        """Ids of known documents that are copies of a document with this sketch, most similar first."""
        shared: dict[str, int] = defaultdict(int)
        for v in values:
            for doc_id in self._by_value.get(v, ()):
                shared[doc_id] += 1
        minimum = min(_MIN_SHARED, max(1, len(values) // 2))
        scored = [
            (similarity(values, self._sketches[d]), d)
            for d, n in shared.items()
            if n >= minimum and d != exclude
        ]
        return [d for s, d in sorted(scored, reverse=True) if s >= NEAR]
