"""Does a text give the measure a "how long", "how old" or "how big" question asks for?

Each measure is given its own way, and a figure of another kind does not give it:
- a length of time is a figure with its unit ("2hrs 23mins", "14 months", "a decade") or a clock reading
  ("2:23:10"); not a year ("in 2002") nor an age ("the 29-year-old");
- an age is a figure that is not a year ("aged 54", "the 29-year-old", "Ann Lee, 54,");
- a size, a distance, a speed is a figure outside any date ("a 33% stake", "300km"), not "a stake in 2004".
"""

from __future__ import annotations

import re

from qa.lexical import numbers, words
from qa.nlp import parse
from qa.question import SPANS

_UNIT = r"(?:hrs?|hours?|mins?|minutes?|days?|weeks?|months?|yrs?|years?|decades?|century|centuries)"
_COUNT = r"(?:\d[\d,.]*|a|an|one|two|three|four|five|six|seven|eight|nine|ten|eleven|twelve|\w+teen|twenty|thirty|" \
         r"forty|fifty|sixty|seventy|eighty|ninety|hundred)"
# A second is a span only after a figure or in the plural: "a second term", "one second place" are not.
_SECONDS = rf"\d[\d,.]*\s*-?\s*(?:secs?|seconds?)|{_COUNT}\s*-?\s*seconds"
# "2hrs", "14 months", "a two-year", "an hour"; not "29-year-old", which is an age. "2:23:10" is a time taken.
_DURATION = re.compile(rf"\b(?:{_COUNT}\s*-?\s*{_UNIT}|{_SECONDS})\b(?!-old)|\b\d{{1,2}}:\d\d(?::\d\d)?\b", re.I)
_YEAR = re.compile(r"^(?:1[89]|20)\d\d$")
TIME_LABELS = frozenset({"DATE", "TIME"})


def without_times(text: str, doc=None) -> str:
    """`text` with the tagger's dates and times blanked out, each character kept in place so that offsets still
    hold: the figures left are amounts, not years or periods ("in 1991, ten years on").

    >>> without_times("In 1991, ten years on, he sold 40 records.").split()
    ['In', ',', 'on,', 'he', 'sold', '40', 'records.']
    """
    doc = doc if doc is not None else parse(text)
    out = list(text)
    for ent in doc.ents:
        if ent.label_ in TIME_LABELS:
            out[ent.start_char : ent.end_char] = " " * (ent.end_char - ent.start_char)
    return "".join(out)


def gives_measure(measure: str, text: str, question: str, exact: bool = False) -> bool:
    """True when `text` gives the measure asked for ("long", "old", "big", ... from "how long"), beyond the
    figures the question holds. Unless `exact`, a length of time may be vague ("for years", "hours").

    >>> gives_measure("long", "She won in 2hrs 23mins.", "How long did it take?")
    True
    >>> gives_measure("long", "The 29-year-old was second in 2002.", "How long did it take?")
    False
    >>> gives_measure("long", "He won a second term.", "How long?"), gives_measure("long", "It lasted 10 seconds.", "How long?")
    (False, True)
    >>> gives_measure("big", "It bought a stake in 2004.", "How big a stake?"), gives_measure("big", "A 33% stake.", "How big a stake?")
    (False, True)
    """
    asked = numbers(question)
    if measure == "long":
        if any(m.group(0).lower() not in question.lower() for m in _DURATION.finditer(text)):
            return True
        return not exact and bool(SPANS & set(words(text)))
    if measure == "old":
        return any(not _YEAR.match(n) for n in numbers(text) - asked)
    # The tagger's tokens, not `without_times`: they split "a two-metre wall" so that "two" reads as a figure.
    figures = " ".join(t.text for t in parse(text) if t.ent_type_ not in TIME_LABELS)
    return bool(numbers(figures) - asked)
