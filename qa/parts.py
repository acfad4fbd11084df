"""Questions that ask for more than one thing: two things at once ("How many ..., and which organisation
...?"), or what several articles each say ("What figures do the two reports give?").

A small model often answers the first part and stops, gives one figure where two were asked for, or quotes
one article where the question asks for each. The answer-type check (`qa.asked`) reads only the question's
first part, so each part is checked here: a part whose type the answer does not supply is missing, and the
assistant drafts it on its own evidence; likewise an answer to a question about several articles that cites
only one of them.
"""

from __future__ import annotations

import re

from qa.asked import QUANTITY_LABELS, TIME_LABELS, Asked, asked_type, supplies
from qa.lexical import words
from qa.nlp import parse

# ", and which ...", " and how many ...": a second question joined to the first. "Why" is left out: a
# reason is not a typed value ("what did he say and why" asks for one account).
_JOINED = re.compile(r",?\s+and\s+(?=(?:who|whom|whose|which|what|when|where|how)\b)", re.I)
# "both articles", "the two reports", "each story", "do the reports agree": a question about what several
# articles say. "Sources" are left out: in news they are people ("two security sources said").
_ACROSS = re.compile(
    r"\b(?:both|two|three|several|each|all|the|different) (?:of the )?(?:articles?|reports?|stories|story|documents?)"
    r"(?: (?:agree|differ|disagree|say|give|report|mention|name|describe))?\b",
    re.I,
)
_COUNTED = {"quantity": QUANTITY_LABELS, "money": frozenset({"MONEY"}), "time": TIME_LABELS,
            "measure": QUANTITY_LABELS | TIME_LABELS}


def question_parts(question: str) -> list[str]:
    """The questions a question joins with "and" (each as asked, without the "and"); one part when it joins none.

    >>> question_parts("How many jobs went, and which firm cut them?")
    ['How many jobs went', 'which firm cut them?']
    >>> question_parts("Who won the race and the cup?")
    ['Who won the race and the cup?']
    """
    parts = [p.strip() for p in _JOINED.split(question) if p.strip()]
    return parts if all(words(p) for p in parts) else [question]


def missing_parts(question: str, text: str, cited: str = "") -> list[tuple[str, Asked]]:
    """The parts of a two-part question whose type `text` (the supported answer) does not supply, with that type.

    Parts asking for the same kind of value ("how many ..., and how many ...") need as many different values:
    one figure does not answer both. `cited` (the quotes the answer cites) helps the tagger as in `supplies`.

    >>> missing_parts("How many jobs went, and which firm cut them?", "About 1,200 jobs went.")
    [('which firm cut them?', Asked(kind='agent', noun='firm', role=''))]
    >>> missing_parts("How many jobs went, and how many stayed?", "About 1,200 jobs went and 300 stayed.")
    []
    >>> missing_parts("How many jobs went, and how many stayed?", "About 1,200 jobs went.")
    [('how many stayed?', Asked(kind='quantity', noun='', role=''))]
    """
    parts = question_parts(question)
    if len(parts) < 2 or not text.strip():
        return []
    typed = [(part, asked) for part in parts if (asked := asked_type(part)) and asked.kind != "reason"]
    missing = []
    for kind in dict.fromkeys(asked.kind for _, asked in typed):
        group = [(part, asked) for part, asked in typed if asked.kind == kind]
        if kind in _COUNTED and len(group) > 1:
            # The answer covers the first parts it has values for; those after them are missing.
            missing.extend(group[_values(kind, text, question):])
        else:
            missing.extend((part, asked) for part, asked in group if not supplies(asked, text, question, True, cited))
    return [m for m in typed if m in missing]


def _values(kind: str, text: str, question: str) -> int:
    """How many different values of `kind` (amounts, sums of money, dates) `text` gives that `question` does not."""
    asked = set(words(question))
    return len({e.text.lower() for e in parse(text).ents if e.label_ in _COUNTED[kind] and not set(words(e.text)) <= asked})


def asks_each_article(question: str) -> bool:
    """True when the question asks what several articles say, or whether they agree.

    >>> asks_each_article("What figures do the two reports give for the crowd?"), asks_each_article("How big was the crowd?")
    (True, False)
    """
    return any(m.group(0).split()[0].lower() != "the" or _plural_with_verb(m.group(0)) for m in _ACROSS.finditer(question))


def _plural_with_verb(phrase: str) -> bool:
    """ "the reports agree", "the articles say": "the" counts only for several articles that are said to do something
    (not "the article", nor "the reports" alone)."""
    parts = phrase.lower().split()
    return len(parts) >= 3 and parts[1].endswith("s")
