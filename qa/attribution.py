"""Which article, from when, says what: attributions taken from document metadata, never from the model.

When an answer cites more than one article and they differ in publisher or
date, or state different figures (300 fighters in one, 7,000 in the other),
each sentence is shown after its articles' publisher and date ("AFP,
2015-03-02: ...", or the title when the article does not say), so a 2015
report and a 2024 one are not read as one fact.
The assembler writes that label from the stored metadata, outside the sentence
the support check reads. A model that writes its own "In 2015, AFP reported
that ..." has the phrase taken off before the check when, and only when,
every year and name in it belongs to the articles the sentence cites; an
invented date or publisher stays in the sentence and fails the check.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import Protocol

from qa.lexical import MONTHS, name_keys, numbers


class Dated(Protocol):
    """What a label is made from: a citation or an evidence item."""

    doc_id: str
    source: str
    title: str
    site: str | None
    published: str | None


def label(item: Dated) -> str:
    """The article as a reader names it: publisher (or title, or file) and date.

    >>> from types import SimpleNamespace as D
    >>> label(D(doc_id="a", source="news/afp.txt", title="Fighters cross", site="AFP", published="2015-03-02"))
    'AFP, 2015-03-02'
    >>> label(D(doc_id="a", source="news/afp.txt", title="Fighters cross the border", site=None, published=None))
    '“Fighters cross the border”'
    """
    name = item.site or (f"“{_short(item.title)}”" if item.title else item.source.rsplit("/", 1)[-1])
    return ", ".join(part for part in (name, item.published) if part)


def _short(title: str, limit: int = 48) -> str:
    return title if len(title) <= limit else title[: limit - 1].rsplit(" ", 1)[0] + "…"


def needs_labels(cited: Sequence[Dated]) -> bool:
    """True when the cited articles are more than one and differ in publisher or date (one known at least).

    >>> from types import SimpleNamespace as D
    >>> a = D(doc_id="a", site="AFP", published="2015-03-02")
    >>> b = D(doc_id="b", site="Reuters", published="2024-12-01")
    >>> needs_labels([a, b]), needs_labels([a, a]), needs_labels([a, D(doc_id="c", site="AFP", published="2015-03-02")])
    (True, False, False)
    """
    docs = {c.doc_id: (getattr(c, "site", None), getattr(c, "published", None)) for c in cited}
    known = {meta for meta in docs.values() if any(meta)}
    return len(docs) > 1 and len(set(docs.values())) > 1 and bool(known)


def different_figures(sentences: Sequence[tuple[str, set[str]]]) -> bool:
    """True when sentences citing different articles state different numbers: (text, cited doc ids) pairs.

    >>> different_figures([("About 300 crossed.", {"afp"}), ("Around 7,000 arrived.", {"reuters"})])
    True
    >>> different_figures([("About 300 crossed.", {"afp"}), ("They came from Iraq.", {"reuters"})])
    False
    >>> different_figures([("300 crossed.", {"afp"}), ("300 crossed at night.", {"reuters"})])
    False
    """
    by_doc: dict[str, set[str]] = {}
    for text, docs in sentences:
        if len(docs) == 1 and (found := numbers(text)):
            by_doc.setdefault(next(iter(docs)), set()).update(found)
    return len(by_doc) > 1 and len({frozenset(v) for v in by_doc.values()}) > 1


def sentence_label(cited: Sequence[Dated]) -> str:
    """The label of the articles one sentence cites, each once, in citation order."""
    seen: list[str] = []
    for c in cited:
        if (name := label(c)) not in seen:
            seen.append(name)
    return "; ".join(seen)


# A model's own attribution at the start of a sentence: "In 2015, AFP reported that", "According to
# Reuters (1 December 2024),", "On 2 March 2015 AFP said", "Reuters reported in 2024 that".
_VERB = r"(?:reported|said|says|wrote|stated|reports|noted)"
_LEADS = [
    re.compile(rf"^(?:In|On|As of)\s+(?P<when>[^,]{{3,30}}?),?\s+(?P<who>[^,]{{2,50}}?)\s+{_VERB}(?:\s+that)?[,:]?\s+"),
    re.compile(r"^According to\s+(?P<who>[^,(]{2,50}?)(?:\s*\((?P<when>[^)]{3,30})\)|\s+(?:in|on)\s+(?P<when2>[^,]{3,30}?))?,\s+"),
    re.compile(rf"^(?P<who>[^,]{{2,50}}?)\s+{_VERB}\s+(?:in|on)\s+(?P<when>[^,]{{3,30}}?)(?:\s+that)?[,:]?\s+"),
]


def strip_attribution(text: str, cited: Sequence[Dated]) -> str:
    """`text` without a leading "In 2015, AFP reported that" when its dates and names are the cited articles' own.

    >>> from types import SimpleNamespace as D
    >>> afp = [D(doc_id="a", source="afp.txt", title="Syria", site="AFP", published="2015-03-02")]
    >>> strip_attribution("In 2015, AFP reported that about 300 fighters crossed.", afp)
    'About 300 fighters crossed.'
    >>> strip_attribution("In 2019, AFP reported that about 300 fighters crossed.", afp)
    'In 2019, AFP reported that about 300 fighters crossed.'
    >>> strip_attribution("On 2 May 2015, AFP said 300 fighters crossed.", afp)
    'On 2 May 2015, AFP said 300 fighters crossed.'
    >>> strip_attribution("According to AFP (2 March 2015), 300 fighters crossed.", afp)
    '300 fighters crossed.'
    >>> strip_attribution("According to Reuters, about 300 fighters crossed.", afp)
    'According to Reuters, about 300 fighters crossed.'
    """
    for lead in _LEADS:
        match = lead.match(text)
        if not match or not match.end() < len(text):
            continue
        when = " ".join(filter(None, (match.groupdict().get("when"), match.groupdict().get("when2"))))
        if _is_metadata(match["who"], when, cited):
            rest = text[match.end() :]
            return rest[:1].upper() + rest[1:]
    return text


def _is_metadata(who: str, when: str, cited: Sequence[Dated]) -> bool:
    """Whether every name in `who` and every number in `when` belong to one of the cited articles' metadata."""
    for c in cited:
        published = c.published or ""
        own_numbers = numbers(published.replace("-", " ")) | {str(int(p)) for p in published.split("-") if p.isdigit()}
        own_names = name_keys(" ".join(filter(None, (c.site, c.title, c.source.replace("/", " ").replace("_", " ")))))
        said_names = name_keys(who) - {"the", "agency", "news"}
        said_numbers = numbers(when) | {str(MONTHS[m]) for m in re.findall(r"[a-z]+", when.lower()) if m in MONTHS}
        if not said_names and not said_numbers:
            continue
        if said_names <= own_names and said_numbers <= own_numbers and (not said_numbers or published):
            return True
    return False
