"""Is the amount a cited sentence gives the one the question asks for? The measure and the period.

Business news gives several figures side by side: "revenue nearly tripled
... profit rose 10%", "growth was 0.8% in the fourth quarter and 2.1% over the
year". A faithfully quoted figure of another measure, or of a part of the
period asked about, answers another question. Both checks refuse only on
evidence of a mismatch: a cited sentence that names another measure and not
the one asked for, or a part of a year that the question does not ask about.
"""

from __future__ import annotations

import re

from qa.asked import asked_type
from qa.nlp import parse
from qa.split import sentence_spans


def wrong_amount(question: str, cited: str) -> str | None:
    """Why the cited sentences give another amount than the one asked for, or None."""
    if not _asks_amount(question):
        return None
    return other_measure(question, cited) or other_period(question, cited)


def _asks_amount(question: str) -> bool:
    """True for "how much/many", "what profit" and "what was/were the ..." questions."""
    asked = asked_type(question)
    if asked is not None:
        return asked.kind in {"money", "quantity"}
    return bool(re.match(r"\s*what (?:is|was|are|were)\b", question, re.I))


# What a firm earns and what it sells are different sums that the same news story often gives side by side
# ("revenue nearly tripled ... profit rose 10%"). A loss answers a question about profit.
_MEASURES = {
    "profit": "profit", "earnings": "profit", "income": "profit", "loss": "profit", "earn": "profit",
    "revenue": "sales", "sale": "sales", "turnover": "sales",
}


def _measures(text: str) -> dict[str, str]:
    """{measure group: the word that names it} for the measures of a firm's results `text` speaks of."""
    found: dict[str, str] = {}
    for token in parse(text):
        lemma = token.lemma_.lower() or token.lower_
        if token.pos_ in {"NOUN", "VERB"} and (group := _MEASURES.get(lemma) or _MEASURES.get(token.lower_)):
            found.setdefault(group, token.lower_)
    return found


def other_measure(question: str, cited: str) -> str | None:
    """Why the cited sentences give another measure than the one asked for ("revenue" for "what profit"), or
    None. Only for questions that ask for an amount (`wrong_amount`).

    >>> other_measure("What profit did Acme make in 2003?", "Acme's revenue rose to $86m in 2003.")
    'The question asks for profit; the cited sentences give revenue.'
    >>> other_measure("What profit did Acme make in 2003?", "Revenue rose to $86m and profit to $9m.") is None
    True
    >>> other_measure("What profit did Acme make in 2003?", "Revenue rose to $86m. Acme's profit news was poor.")
    'The question asks for profit; the cited sentences give revenue.'
    """
    wanted = _measures(question)
    if len(wanted) != 1:
        return None
    # The sentences that state a figure are read one by one: a sentence cited for a name ("Neither Ask Jeeves
    # nor ... thrilled investors with their profit news") does not make another's revenue a profit.
    sentences = [cited[start:end] for start, end in sentence_spans(cited, 0, len(cited))]
    for sentence in [s for s in sentences if re.search(r"\d", s)] or [cited]:
        given = _measures(sentence)
        if given and not set(given) & set(wanted):
            word = next(iter(wanted.values()))
            return (f"The question asks for {'earnings' if word.startswith('earn') else word}; the cited sentences give "
                    f"{', '.join(given.values())}.")
    return None


# Parts of a year a figure can be given for.
_PART_OF_YEAR = re.compile(
    r"\b(?:(?:first|second|third|fourth|final|last|latest|previous) quarter|quarterly|(?:three|six|nine) months|"
    r"(?:first|second) half|half-year|half year|q[1-4])\b",
    re.I,
)
_WHOLE_YEAR = re.compile(
    r"\b(?:full[- ]year|whole (?:of )?(?:the )?year|whole of (?:19|20)\d\d|annual(?:ly)?|for the year|over the year|"
    r"(?:the year|(?:19|20)\d\d) as a whole)\b",
    re.I,
)
_A_YEAR = re.compile(r"\b(?:(?:19|20)\d\d|year|annual(?:ly)?)\b", re.I)


def other_period(question: str, cited: str) -> str | None:
    """Why the cited sentences give a part of a year's figure ("in the fourth quarter") and not the year's for a
    question about a year and no part of one ("over the whole of 2004", "in 2004"), or None.

    >>> other_period("By how much did Acme's sales grow in 2004?", "Sales grew 0.8% in the fourth quarter of 2004.")
    'The cited sentences give a figure for the fourth quarter; the question does not ask about part of a year.'
    >>> other_period("By how much did Acme's sales grow in the fourth quarter?", "Sales grew 0.8% in the fourth quarter.")
    """
    if _PART_OF_YEAR.search(question) or not _A_YEAR.search(question) or _WHOLE_YEAR.search(cited):
        return None  # a part asked about, no year asked about ("how many crossed?"), or the year's figure given
    if part := _PART_OF_YEAR.search(cited):
        return f"The cited sentences give a figure for the {part.group(0).lower()}; the question does not ask about part of a year."
    return None
