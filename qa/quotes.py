"""Quoted statements and their attribution, which news splits across sentences.

'"The line was cut twice." "Nobody came," said an engineer.' holds one
speaker for two sentences; a sentence splitter separates the first quote from
the words that say who spoke. When a question asks who said something, a bare
quote is shown together with the neighbouring sentence that attributes it.
"""

from __future__ import annotations

import re

from qa.lexical import words

_OPENING = "\"“‘'"
_ATTRIBUTION_VERBS = (
    "said says say told tells added adds according warned warns explained explains insisted insists "
    "argued argues claimed claims stated states noted notes wrote writes asked asks replied replies "
    "announced announces admitted admits suggested suggests commented comments continued continues"
).split()
_SPEECH_WORDS = set(_ATTRIBUTION_VERBS) | {"say", "tell", "quote", "quoted", "describe", "described", "call", "called"}
_QUOTED = re.compile(r"[\"“][^\"”]*[\"”]|‘[^’]*’")
_VERB = "|".join(_ATTRIBUTION_VERBS)
_AUXILIARY = r"(?:is|was|are|were|be|been|has|had|have|will|would|could|should|may|might|can|not)\b"
_BACK = rf"(?:he|she|they|it|the(?:\s+(?!{_AUXILIARY})[\w'-]+){{1,3}})"  # named earlier: "he", "the senior official"
_REFERS_BACK = re.compile(rf"^\W*{_BACK}\s+(?:{_VERB})\b|\b(?:{_VERB})\s+{_BACK}\W*$", re.I)


def outside_quotes(text: str) -> str:
    """The text with its quoted stretches removed.

    >>> outside_quotes('"We won," said the coach.')
    '  said the coach.'
    """
    return _QUOTED.sub(" ", text)


def is_bare_quote(text: str) -> bool:
    """True when the sentence is a quotation that does not say who spoke.

    >>> is_bare_quote('"Nobody came to help us."'), is_bare_quote('"Nobody came," said an engineer.')
    (True, False)
    """
    text = text.strip()
    return bool(text) and text[0] in _OPENING and not has_attribution(text)


def has_attribution(text: str) -> bool:
    """True when the words outside quotation marks attribute speech ("said an engineer", "she told ...").

    >>> has_attribution('"Nobody came," said an engineer.'), has_attribution('He said nothing was wrong.')
    (True, True)
    """
    return any(w in _ATTRIBUTION_VERBS for w in words(outside_quotes(text)))


def asks_about_speech(question: str) -> bool:
    """True when a question is about who said something, or what someone said.

    >>> asks_about_speech("Who said the bridge was unsafe?"), asks_about_speech("How long is the bridge?")
    (True, False)
    """
    return bool(_SPEECH_WORDS & set(words(question)))


def refers_back(text: str) -> bool:
    """True when the sentence names its speaker only by a pronoun or a definite description ("he said",
    "the source said"), so who spoke is in an earlier sentence.

    >>> refers_back('"We are ready," the source said.'), refers_back('He added that talks would resume.')
    (True, True)
    >>> refers_back('"We are ready," said Anna Berg, a spokeswoman.'), refers_back('The talks resumed.')
    (False, False)
    """
    return bool(_REFERS_BACK.search(" ".join(outside_quotes(text).split())))


def attribution_for(texts: list[str], i: int) -> int | None:
    """Index of the sentence that attributes texts[i]. For a bare quote: the next one if it is itself an
    attributed quote or starts with the attribution, else the previous one if it attributes speech. For a
    sentence whose speaker is "he" or "the source": the previous one if it attributes speech (it names them).

    >>> attribution_for(['"Cut twice."', '"Nobody came," said an engineer.'], 0)
    1
    >>> attribution_for(['The mayor said on Monday:', '"We will rebuild."'], 1)
    0
    >>> attribution_for(['A senior source said the roads were shut.', '"They are shut," the source said.'], 1)
    0
    """
    if not is_bare_quote(texts[i]):
        return i - 1 if i > 0 and refers_back(texts[i]) and has_attribution(texts[i - 1]) else None
    if i + 1 < len(texts) and has_attribution(texts[i + 1]) and texts[i + 1].lstrip()[:1] in _OPENING:
        return i + 1
    if i > 0 and has_attribution(texts[i - 1]):
        return i - 1
    return None
