"""Pure word-level helpers shared by retrieval and verification.

>>> sorted(numbers("Around 7,000 fighters, seven of them"))
['7', '7000']
>>> sorted(numbers("Twenty-eight people, two million dollars"))
['2', '2000000', '28']
>>> sorted(content_stems("The fighters crossed the border"))
['border', 'cross', 'fighter']
>>> names("In Türkiye, Hadi al-Bahra said the U.S. would act.")
['Türkiye', 'Hadi', 'al-Bahra', 'U.S']
"""

from __future__ import annotations

import re
from functools import lru_cache

STOPWORDS = frozenset(
    """a about above after again against all also am an and any are around as at be because been before
    being below between both but by can could did do does doing down during each else few for from further
    had has have having he her here hers herself him himself his how i if in into is it its itself just
    least less let like many may me might more most much must my myself near nor of off on once only or
    other ought our ours ourselves out over own per said same say says she should since so some still such
    than that the their theirs them themselves then there these they this those though through to too
    under until up upon us very was we were what when where which while who whom whose why will with
    within would yet you your yours yourself yourselves according article articles document documents
    text source sources tell told""".split()
)

NEGATIONS = frozenset(
    "no not never none nobody nothing neither nor without cannot n't denied deny denies refused".split()
)

_NUMBER_WORDS = {
    "one": 1, "two": 2, "three": 3, "four": 4, "five": 5, "six": 6, "seven": 7, "eight": 8, "nine": 9,
    "ten": 10, "eleven": 11, "twelve": 12, "thirteen": 13, "fourteen": 14, "fifteen": 15, "sixteen": 16,
    "seventeen": 17, "eighteen": 18, "nineteen": 19, "twenty": 20, "thirty": 30, "forty": 40,
    "fifty": 50, "sixty": 60, "seventy": 70, "eighty": 80, "ninety": 90, "hundred": 100, "thousand": 1000,
    "dozen": 12,
}  # fmt: skip
_SCALES = {"thousand": 1_000, "million": 1_000_000, "billion": 1_000_000_000, "trillion": 1_000_000_000_000}

_WORD = re.compile(r"[^\W_]+(?:['’-][^\W_]+)*", re.UNICODE)
_NUMBER = re.compile(r"(?<![\w.])(\d{1,3}(?:,\d{3})+|\d+(?:\.\d+)?)(?:\s*(thousand|million|billion|trillion)\b)?", re.I)
_NAME = re.compile(r"\b[A-Z][\w’'-]*(?:\.[A-Z])*\b|\b[a-z]{1,3}-[A-Z][\w’'-]*")


@lru_cache(maxsize=1)
def stemmer():
    """The shared English Snowball stemmer (PyStemmer), built once."""
    import Stemmer

    return Stemmer.Stemmer("english")


def words(text: str) -> list[str]:
    """Lower-cased word tokens, keeping inner hyphens and apostrophes."""
    return [w.lower() for w in _WORD.findall(text)]


def plain(word: str) -> str:
    """A word without its possessive ending: "Steel's" is "Steel", "February's" is "February"."""
    return word[:-2] if word.endswith(("'s", "’s")) else word


def stem(word: str) -> str:
    return stemmer().stemWord(word.lower().replace("’", "'"))


def content_stems(text: str) -> set[str]:
    """Stems of the words that carry meaning (no stopwords, no numbers)."""
    return {stem(w) for w in words(text) if w not in STOPWORDS and not w.isdigit() and len(w) > 1}


def _format_number(value: float) -> str:
    return str(int(value)) if value == int(value) else f"{value:g}"


def numbers(text: str) -> set[str]:
    """Numbers in text, normalised: '7,000' -> '7000', '2 million' -> '2000000', 'seven' -> '7'."""
    found: set[str] = set()
    for digits, scale in _NUMBER.findall(text):
        value = float(digits.replace(",", ""))
        found.add(_format_number(value))
        if scale:
            found.add(_format_number(value * _SCALES[scale.lower()]))
    tokens = words(text)
    for i, w in enumerate(tokens):
        if (value := number_word(w)) is not None:
            found.add(str(value))
            if i + 1 < len(tokens) and tokens[i + 1] in _SCALES:
                found.add(str(value * _SCALES[tokens[i + 1]]))
    return found


def number_word(word: str) -> int | None:
    """The value of a number written as a word: "seven" -> 7, and the tens joined to a unit by a hyphen, as
    news writes a count that opens a sentence: "Twenty-eight" -> 28. None for any other word.

    >>> number_word("Twenty-eight"), number_word("ninety"), number_word("well-known")
    (28, 90, None)
    """
    word = word.lower()
    if word in _NUMBER_WORDS:
        return _NUMBER_WORDS[word]
    tens, _, unit = word.partition("-")
    if 20 <= _NUMBER_WORDS.get(tens, 0) <= 90 and 1 <= _NUMBER_WORDS.get(unit, 0) <= 9:
        return _NUMBER_WORDS[tens] + _NUMBER_WORDS[unit]
    return None


def names(text: str) -> list[str]:
    """Capitalised words that are not sentence-initial function words.

    Sentence-initial capitals are kept only when the word is not a stopword,
    so "The" is dropped but "Tehran" stays.
    """
    out = []
    for m in _NAME.finditer(text):
        token = m.group(0).rstrip(".")
        if token.lower() in STOPWORDS or token.lower() in NEGATIONS or number_word(token) is not None:
            continue
        out.append(token)
    return out


def name_keys(text: str) -> set[str]:
    """Lower-cased name tokens and their hyphen parts, for containment checks."""
    keys: set[str] = set()
    for name in names(text):
        lowered = name.lower().replace("’", "'")
        keys.add(lowered)
        keys.update(p for p in re.split(r"[-']", lowered) if len(p) > 2)
    return keys


def has_negation(text: str) -> bool:
    lowered = text.lower().replace("’", "'")
    return any(w in NEGATIONS for w in words(lowered)) or "n't" in lowered


# Month names and abbreviations -> month number.
MONTHS = {
    m: i
    for i, names in enumerate(
        [
            ("jan", "january"),
            ("feb", "february"),
            ("mar", "march"),
            ("apr", "april"),
            ("may",),
            ("jun", "june"),
            ("jul", "july"),
            ("aug", "august"),
            ("sep", "sept", "september"),
            ("oct", "october"),
            ("nov", "november"),
            ("dec", "december"),
        ],
        start=1,
    )
    for m in names
}
