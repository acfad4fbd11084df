"""Question analysis: is it usable, what kind of answer does it ask for, what does it take as given.

Pure functions, shared by retrieval (which favours sentences of the asked-for
kind), the pipeline's gates and the retry for vague answers.
"""

from __future__ import annotations

import re

from qa.errors import BadQuestion
from qa.lexical import numbers, plain, words

_MONTHS = set(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday "
    "saturday sunday yesterday today tomorrow week weeks month months year years day days ago "
    "morning evening night decade century spring summer autumn fall winter".split()
)
_MONTH_NAME = r"(?:jan(?:uary)?|feb(?:ruary)?|mar(?:ch)?|apr(?:il)?|may|june?|july?|aug(?:ust)?|sept?(?:ember)?|oct(?:ober)?|nov(?:ember)?|dec(?:ember)?)"
# A day, not only a month or a year: "18 February", "Feb. 18th", "on Monday", "2005-02-18", "18/02/05".
_DAY = re.compile(
    rf"\b\d{{1,2}}(?:st|nd|rd|th)?\s+(?:of\s+)?{_MONTH_NAME}\b|\b{_MONTH_NAME}\.?\s+\d{{1,2}}(?:st|nd|rd|th)?\b|"
    r"\b(?:mon|tues|wednes|thurs|fri|satur|sun)day\b|\b(?:yesterday|today|tomorrow)\b|\b\d{4}-\d\d-\d\d\b|"
    r"\b\d{1,2}/\d{1,2}/\d{2,4}\b",
    re.I,
)
_ASKS_DAY = re.compile(r"\b(?:what|which) (?:date|day)\b", re.I)
# "When", or a wh-word before a unit of the calendar or the clock: "in which month", "at what time".
_ASKS_TIME = re.compile(r"^when\b|\b(?:what|which) (?:date|day|month|year|time|hour|season|decade|century)s?\b")
# "How long", "how old", "how far", "how big a stake": a measure, given as a number ("2 hours 23 minutes",
# "aged 55", "a 30% stake") or as a span of the calendar ("a decade", "for years").
_ASKS_MEASURE = re.compile(r"\bhow (long|old|far|big|large|tall|high|fast|heavy|deep|wide|close)\b")
# Words that give a span of time as a measure ("took a decade", "for weeks"); not "second", which is more
# often a place in a race than a span.
SPANS = set("seconds minute minutes hour hours day days week weeks month months year years decade decades century "
            "centuries".split())
VAGUE_QUANTITIES = {"dozens", "hundreds", "thousands", "millions", "several", "few"}
_COMPARISON = re.compile(
    r"\b(?:more|fewer|less|greater|higher|lower|over|under|above|below|at least|at most|than|exceed\w*)\s+[\d,.]+(?:\s+\w+illion|\s+thousand)?",
    re.I,
)


def check_question(question: object, max_chars: int) -> str:
    """The question, trimmed, or BadQuestion saying what is wrong with it.

    >>> check_question("  Who won?  ", 100)
    'Who won?'
    """
    if not isinstance(question, str) or not question.strip():
        raise BadQuestion("The question is empty. Type a question about your documents.")
    question = question.strip()
    if len(question) > max_chars:
        raise BadQuestion(
            f"The question is {len(question):,} characters long; the limit is {max_chars:,} "
            "(QA_MAX_QUESTION_CHARS). Ask something shorter."
        )
    return question


def expected_kind(question: str) -> str | None:
    """What kind of answer a question asks for, when its wording makes that plain.

    >>> expected_kind("How many fighters crossed?"), expected_kind("When did it fall?")
    ('number', 'time')
    >>> expected_kind("In which month did it fall?"), expected_kind("How long did the siege last?")
    ('time', 'measure')
    >>> expected_kind("Why did they cross?") is None
    True
    """
    q = " ".join(words(question))
    if any(p in q for p in ("how many", "how much", "what number", "what percentage", "what share")):
        return "number"
    if _ASKS_TIME.search(q):
        return "time"
    if _ASKS_MEASURE.search(q):
        return "measure"
    return None


def measure_asked(question: str) -> str:
    """The adjective of "how long", "how big" ...: what measure the question asks for; "" when none.

    >>> measure_asked("How long did the strike last?"), measure_asked("Who won?")
    ('long', '')
    """
    found = _ASKS_MEASURE.search(" ".join(words(question)))
    return found.group(1) if found else ""


def matches_kind(kind: str | None, text: str, question: str) -> bool:
    """True when text holds the kind of answer asked for: a number, a time, or a measure (a number or a span).

    >>> matches_kind("number", "At least 300 fighters", "How many?"), matches_kind("number", "hundreds", "")
    (True, False)
    >>> matches_kind("measure", "It took a decade.", "How long did it take?")
    True
    """
    if kind is None:
        return False
    if numbers(text) - numbers(question):
        return True
    if kind == "measure":
        return bool(SPANS & _month_words(text))
    return kind == "time" and bool(_MONTHS & _month_words(text))


def gives_day(question: str, text: str) -> bool:
    """True unless the question asks for a date or a day ("on what date", "which day") and `text` gives only a
    month or a year ("in February"), or no day the question does not already give.

    >>> gives_day("On what date did the talks end?", "They ended in February."), gives_day("On what date?", "On 18 February.")
    (False, True)
    >>> gives_day("When did the talks end?", "In February.")
    True
    """
    if not _ASKS_DAY.search(question):
        return True
    asked = {m.group(0).lower() for m in _DAY.finditer(question)}
    return any(m.group(0).lower() not in asked for m in _DAY.finditer(text))


def _month_words(text: str) -> set[str]:
    """The text's words, possessives cut ("February's" is "February")."""
    return {plain(w) for w in words(text)}


def answers_question(question: str, answer_text: str) -> bool:
    """False when the question asks for a number or a time and the answer gives none.

    >>> answers_question("How many crossed?", "Hundreds crossed."), answers_question("When did it fall?", "Rebels took it.")
    (True, False)
    """
    kind = expected_kind(question)
    if kind is None:
        return True
    has_number = bool(numbers(answer_text) - numbers(question)) or any(
        w in VAGUE_QUANTITIES for w in words(answer_text)
    )
    if kind == "number":
        return has_number
    return has_number or bool((SPANS if kind == "measure" else _MONTHS) & _month_words(answer_text))


def premise_numbers(question: str) -> set[str]:
    """Numbers the question states as fact, normalised.

    Numbers after a comparison ("more than 1,000") are bounds, not premises,
    and number words ("one of the groups") state none.

    >>> sorted(premise_numbers("Why did Iraq send 3,000 fighters, more than 1,000 of them Badr?"))
    ['3000']
    """
    return numbers(re.sub(r"[^\W\d_]+", " ", _COMPARISON.sub(" ", question)))
