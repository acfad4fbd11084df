"""What a figure counts: "how many nominations" is not answered by "took four awards".

A "how many" question names what it counts ("How many Bafta nominations ...?"),
and news gives several counts side by side ("four awards ... 14 nominations",
"14 telecentres ... 13,000 rural inhabitants"). A figure counts the noun it
modifies ("four awards") or the noun after "of" ("14 of the telecentres"); a
figure that stands alone ("killed seven") or counts a general noun
("seven people") may count anything.
"""

from __future__ import annotations

from qa.nlp import parse

# Nouns too general to tell one count from another: "how many people" is answered by "seven passengers",
# "seven people" answers "how many civilians".
_GENERAL = set(
    "people person persons one ones time times thing things item items other others more unit units case cases "
    "number numbers total figure figures member members individual individuals".split()
)
# Entities that hold a number without counting a thing: a date, a sum of money, a share, an age.
_NOT_COUNTS = {"DATE", "TIME", "MONEY", "PERCENT", "ORDINAL", "QUANTITY"}


def counted_noun(question: str) -> str:
    """The lemma of what a "how many" question counts, or "" when it names nothing particular.

    >>> counted_noun("How many Bafta nominations does The Aviator have?"), counted_noun("How many were killed?")
    ('nomination', '')
    """
    doc = parse(question)
    for token in doc:
        if token.lower_ == "many" and token.i > 0 and doc[token.i - 1].lower_ == "how":
            if any(c.dep_ == "prep" for c in token.children):
                return ""  # "how many of the 7,000 fighters": a part of a count the question gives
            noun = token.head
            if noun.pos_ in {"NOUN", "PROPN"} and noun.i > token.i:
                lemma = _lemma(noun)
                return "" if lemma in _GENERAL else lemma
            return ""
    return ""


def counts_asked(question: str, text: str) -> bool | None:
    """Whether `text` gives a count of what the question counts: True when a figure counts it (or may: a
    figure alone, or of a general noun), False when every figure counts something else, None when the
    question names nothing particular to count or `text` gives no figure.

    >>> counts_asked("How many Bafta nominations does it have?", "It took four awards in all.")
    False
    >>> counts_asked("How many Bafta nominations does it have?", "It leads the field with 14 nominations.")
    True
    """
    asked = counted_noun(question)
    if not asked:
        return None
    figures = [t for t in parse(text) if t.like_num and t.ent_type_ not in _NOT_COUNTS]
    if not figures:
        return None
    return any(not counted or _same(counted, asked) for counted in map(_counts, figures))


def _counts(figure) -> str:
    """The lemma of the noun a figure counts; "" when it stands alone or counts a general noun."""
    while figure.dep_ in {"compound", "quantmod"} and figure.head.like_num:  # "13,000" in "more than 13,000"
        figure = figure.head
    if figure.dep_ == "nummod" and figure.head.pos_ in {"NOUN", "PROPN"}:
        noun = figure.head
    else:
        of = next((c for c in figure.children if c.dep_ == "prep" and c.lower_ == "of"), None)
        noun = next((c for c in of.children if c.dep_ == "pobj"), None) if of is not None else None
    if noun is None or noun.pos_ not in {"NOUN", "PROPN"}:
        return ""  # "40 of them": what "them" stands for is in another sentence
    lemma = _lemma(noun)
    return "" if lemma in _GENERAL else lemma


def _lemma(token) -> str:
    return (token.lemma_ or token.text).lower()


def _same(a: str, b: str) -> bool:
    """The same noun, or one written two ways ("telecentre", "telecentres" where the tagger gave no lemma)."""
    return a.rstrip("s") == b.rstrip("s")
