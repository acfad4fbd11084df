"""Whether a saved citation still matches its article: "ok", "changed" or "removed".

A saved answer keeps each citation's quote. When the documents change after
the answer was given (a file edited and ingested again keeps its doc_id but
not its text; a removed document is gone), the span may no longer hold the
quote. Callers always show the stored quote, with its state, so a citation
never points at text it did not quote.
"""

from __future__ import annotations

from collections.abc import Iterable, Mapping
from typing import TYPE_CHECKING, Protocol

from qa.citations import quote_matches

if TYPE_CHECKING:
    from qa.answer import Citation
    from qa.conversation import Turn

OK, CHANGED, REMOVED = "ok", "changed", "removed"


class Texts(Protocol):
    """What the states are read from: a `qa.library.Library`, or anything with its `exists` and `texts`."""

    def exists(self) -> bool: ...

    def texts(self, doc_ids: list[str]) -> dict[str, str]: ...


def state_of(citation: Citation, texts: Mapping[str, str]) -> str:
    """The citation's state against `texts` ({doc_id: current stored text}).

    >>> from qa.answer import Citation
    >>> c = Citation(1, "d:0:x", "d", "a.txt", "A", 4, 7, "two")
    >>> state_of(c, {"d": "One two three"}), state_of(c, {"d": "One TWO three"}), state_of(c, {})
    ('ok', 'changed', 'removed')
    """
    text = texts.get(citation.doc_id)
    if text is None:
        return REMOVED
    return OK if quote_matches(text, citation.start, citation.end, citation.quote) else CHANGED


def _current_texts(doc_ids: Iterable[str], library: Texts) -> dict[str, str]:
    wanted = sorted(set(doc_ids))
    if not wanted or not library.exists():  # no index at all: every cited document is gone
        return {}
    return library.texts(wanted)


def citation_state(citation: Citation, library: Texts) -> str:
    """"ok" when the cited document's current text holds the quote at its span, "changed" when the document
    is there but the span does not hold the quote, "removed" when the document is gone."""
    return state_of(citation, _current_texts([citation.doc_id], library))


def citation_states(turns: Iterable[Turn], library: Texts) -> dict[tuple[int, int], str]:
    """Every citation's state, keyed by (turn index from 0, citation n); one read of the texts for all of them."""
    cited = [(i, c) for i, turn in enumerate(turns) if turn.answer for c in turn.answer.citations]
    texts = _current_texts((c.doc_id for _, c in cited), library)
    return {(i, c.n): state_of(c, texts) for i, c in cited}
