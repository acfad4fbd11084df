"""Is the cited evidence about the question's subject? Head-and-modifier matching over named entities.

A question narrows its subject with qualifiers: "the *French* finance
minister", "*Brazil's* president", "profit *in 2003*". A cited sentence that is
faithfully quoted can still be about someone else: "the *German* finance
minister said ...". The check is deliberately narrow, to refuse only on
evidence of a mismatch:

- a qualifier is satisfied when it appears anywhere in the window around the
  citation (the cited sentences, their neighbours, the article's title);
  nationalities match their countries ("French" ~ "France", "Iraqi" ~ "Iraq");
- a question that asks who holds a role ("who is the harbour master ...?",
  "the name of the spokeswoman") needs the role spoken of in that window;
- otherwise, the citation is off-subject when a *cited sentence* qualifies the
  same head noun with a different entity of the same kind ("German minister"
  for "French minister"), states a year when the question asks about
  another year, or gives another amount than the one asked for
  (`qa.amounts`: a firm's sales for its profit, a quarter's figure for the
  year's).

Qualifiers the window says nothing about are not held against the answer:
news refers back to people by name or pronoun, and a missing word is weaker
evidence than a conflicting one.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.amounts import wrong_amount
from qa.asked import mentions_role, role_asked
from qa.entities import normal_name, same_entity
from qa.nlp import parse

QUALIFIER_LABELS = frozenset({"NORP", "GPE", "ORG", "PERSON", "LOC", "FAC"})
# Kinds of qualifier that can stand in for each other: a nationality qualifies like its country.
_GROUP = {"NORP": "place", "GPE": "place", "LOC": "place", "FAC": "place", "ORG": "org", "PERSON": "person"}
_MODIFIER_DEPS = {"amod", "compound", "poss", "nmod", "npadvmod", "appos"}
# A year, not a clock time in news style ("at 2010 GMT").
_YEAR = re.compile(r"\b(1[89]\d\d|20\d\d)\b(?!\s*(?:GMT|BST|UTC|CET|EST|EDT|PST|hrs|hours|local time)\b)")
# One-word institutions every country has; news names them loosely ("MPs", "ministers", "officers").
_INSTITUTIONS = set(
    "parliament congress senate commons lords government cabinet treasury army navy police council court "
    "assembly ministry opposition".split()
)


@dataclass(frozen=True)
class Qualifier:
    """An entity the question narrows its subject with, and the noun it modifies (None for years)."""

    text: str
    group: str  # 'place', 'org', 'person' or 'year'
    head: str | None


def _noun_key(token) -> str:
    word = token.text.lower()
    return word[:-1] if word.endswith("s") and len(word) > 3 else word


def _modified_head(ent):
    """The noun an entity qualifies ("French" -> minister, "Brazil's" -> president, "of France" -> minister)."""
    root = ent.root
    if root.dep_ in _MODIFIER_DEPS and root.head.pos_ in {"NOUN", "PROPN"} and root.head not in ent:
        return root.head
    if root.dep_ == "pobj" and root.head.dep_ == "prep" and root.head.text.lower() in {"of", "from", "for"}:
        governor = root.head.head
        if governor.pos_ in {"NOUN", "PROPN"}:
            return governor
    return None


def qualifiers(question: str) -> list[Qualifier]:
    """The entity qualifiers of a question's noun phrases, and the years it asks about.

    >>> [(q.text, q.group, q.head) for q in qualifiers("What did the French finance minister say in 2015?")]
    [('French', 'place', 'minister'), ('2015', 'year', None)]
    """
    doc = parse(question)
    found: list[Qualifier] = []
    for ent in doc.ents:
        if ent.label_ in QUALIFIER_LABELS and (head := _modified_head(ent)) is not None:
            found.append(Qualifier(ent.text, _GROUP[ent.label_], _noun_key(head)))
        elif ent.label_ == "DATE":
            found.extend(Qualifier(year, "year", None) for year in _YEAR.findall(ent.text))
    return found


def _conflicts(qualifier: Qualifier, cited: str) -> list[str]:
    """Entities in the cited text that take this qualifier's place: same head noun, same kind, another name."""
    if qualifier.group == "year":
        years = set(_YEAR.findall(cited))
        return sorted(years) if years and qualifier.text not in years else []
    rivals = []
    for ent in parse(cited).ents:
        if _GROUP.get(ent.label_) != qualifier.group or same_entity(ent.text, qualifier.text):
            continue
        head = _modified_head(ent)
        if head is not None and _noun_key(head) == qualifier.head:
            doc = head.doc
            rivals.append(doc[ent.start : head.i + 1].text if head.i > ent.start else f"{ent.text} {head.text}")
    return rivals


def named_subjects(question: str) -> list[str]:
    """People and organisations the question is about, named in its last sentence (earlier sentences
    set the scene): the answer's sentences must be about them.

    Left to the qualifier check: names that modify another noun ("the 1974
    Guildford bombings"), and organisations that are only the owner of the
    thing asked about ("BBC Sport's tool") or sit in a prepositional phrase
    ("section 404 of the Sarbanes-Oxley Act").

    >>> named_subjects("Ann Kerr won in 2001. What majority did Tom Reed win for the Labour Party?")
    ['Tom Reed']
    """
    sentences = list(parse(question).sents)
    last = sentences[-1] if sentences else []
    return [
        ent.text
        for ent in [*getattr(last, "ents", []), *_mistyped_names(last)]
        if (ent.label_ in {"PERSON", ""} or (ent.label_ == "ORG" and not _incidental_org(ent))) and not _modifies_noun(ent)
    ]


_NAME_TYPES = {"PERSON", "ORG", "GPE", "NORP", "LOC", "FAC", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW"}


def _mistyped_names(sentence) -> list:
    """Runs of two or more capitalised proper nouns the tagger read as another kind of entity ("Jon Thoday's"
    read as a date): a full name all the same. Runs it left untyped ("Prime Minister") are titles more often
    than names, and stay out.

    >>> [s.text for s in _mistyped_names(next(parse("Where will Jon Thoday's new musical open?").sents))]
    ['Jon Thoday']
    """
    runs, start = [], None
    tokens = list(sentence) if sentence else []
    for i, token in enumerate([*tokens, None]):
        is_name = (
            token is not None and token.pos_ == "PROPN" and token.text[:1].isupper() and token.ent_type_ not in _NAME_TYPES
            and token.i > sentence.start
        )
        if is_name and start is None:
            start = i
        elif not is_name and start is not None:
            if i - start >= 2 and any(t.ent_type_ for t in tokens[start:i]):
                runs.append(tokens[start].doc[tokens[start].i : tokens[i - 1].i + 1])
            start = None
    return runs


def counted_names(question: str) -> list[str]:
    """Names that say which things a "how many" or "how much" question counts ("How many *Bafta* nominations",
    "how much *Microsoft* stock"), whatever the tagger made of them: a count of other nominations is no answer.

    >>> counted_names("How many Bafta nominations did the film get?"), counted_names("How many New York firefighters were hurt?")
    (['Bafta'], ['New York'])
    >>> counted_names("Which Premiership club did he join?")
    []
    """
    doc = parse(question)
    found = []
    for token in doc:
        if token.lower_ in {"many", "much"} and token.i > 0 and doc[token.i - 1].lower_ == "how" and token.head.pos_ == "NOUN":
            names = [
                t for t in token.head.subtree
                if t.pos_ == "PROPN" and t.dep_ == "compound" and t.text[:1].isupper() and t.i < token.head.i
            ]
            if names:
                found.append(doc[names[0].i : names[-1].i + 1].text)
    return found


def _incidental_org(ent) -> bool:
    if normal_name(ent.text) in _INSTITUTIONS:
        return True
    doc = ent.doc
    before = doc[ent.start - 1] if ent.start > 0 else None
    if before is not None and before.pos_ == "DET" and ent.start > 1:
        before = doc[ent.start - 2]
    possessive = ent.end < len(doc) and doc[ent.end].text in {"'s", "’s"} or ent.text.endswith(("'s", "’s"))
    return possessive or (before is not None and before.pos_ == "ADP")


def _modifies_noun(ent) -> bool:
    """True when the name modifies a noun inside a noun phrase ("the 1974 Guildford pub bombings"):
    a determiner, number, adjective or possessive pronoun before it, a noun after it (past "and"-joined names)."""
    doc = ent.doc
    if ent.start == 0 or doc[ent.start - 1].pos_ not in {"DET", "NUM", "ADJ", "PRON"}:
        return False
    for token in doc[ent.end :]:
        if token.ent_iob_ in {"B", "I"} or token.pos_ in {"CCONJ", "PROPN"} or token.text in {",", "'s", "’s"}:
            if token.text in {"'s", "’s"}:
                return False  # a possessive names whose thing it is: "Ann Kerr's majority" is about her
            continue
        # "How much is the new Orange Prize worth?": the tagger can read "worth" as a noun the name modifies.
        return token.pos_ == "NOUN" and token.lower_ != "worth"
    return False


# Titles before a name: every window with a "Mr" in it would otherwise name "Mr Leibovich".
_HONORIFICS = {"mr", "mrs", "ms", "miss", "dr", "sir", "dame", "lord", "lady", "prof", "professor", "rev", "st"}


_PLAIN = {"the", "and", "for", "of"}  # words of a name that say nothing about which one it is


def _name_in(name: str, text: str) -> bool:
    """Any distinctive word of a name in the text, written as a name (people are named again by surname,
    firms by one word): capitalised as in the name, so "prize purse" does not name the Booker Prize, and
    never a title alone ("Mr"); or an acronym the text spells out ("SEC": "Securities and Exchange Commission").
    The common nouns of a name before its last word must be there too: they say which of its kind it is.

    >>> _name_in("the Commons health committee", "The Commons transport committee met.")
    False
    >>> _name_in("the Booker Prize", "The prize purse is $150,000."), _name_in("Booker Prize", "The Booker was won by ...")
    (False, True)
    >>> _name_in("Mr Leibovich", "Mr Uribe spoke."), _name_in("Ruth Kelly's", "Ms Kelly said no.")
    (False, True)
    """
    from qa.verify import acronyms

    name, text = name.replace("’", "'"), text.replace("’", "'")
    parts = [
        w for w in (w.strip("'") for w in re.findall(r"[\w'-]+", re.sub(r"'s\b", "", name)))
        if len(w) >= 2 and w[0].isupper() and w.lower() not in _HONORIFICS
    ]
    # "the Commons science and technology committee" is not the Commons work and pensions committee.
    kinds = [w for w in re.findall(r"(?<![\w'-])[a-z]{3,}(?![\w'-])", name) if w not in _PLAIN][:-1]
    if not all(re.search(rf"\b{w}s?\b", text, re.I) for w in kinds):
        return False
    if any(re.search(rf"(?<![\w-]){re.escape(p)}(?![\w-])", text) for p in parts):
        return True
    return any(p.isupper() and p in acronyms(text) for p in parts) or not parts


def off_subject(question: str, cited: str, window: str) -> str | None:
    """Why the cited text is about another subject than the question's, or None when nothing says so.

    cited: the cited sentences; window: cited sentences, their neighbours and the title.

    >>> off_subject("What did the French finance minister say?", "The German finance minister said no.", "")
    'The question asks about French finance minister; the cited text is about German finance minister.'
    >>> off_subject("What did the French finance minister say?", "The minister said no.", "France's minister spoke.")
    """
    for name in named_subjects(question):
        if not _name_in(name, window or cited):
            return f"The cited sentences and those around them do not mention {name}, whom the question is about."
    for name in counted_names(question):
        if not _name_in(name, window or cited):
            return f"The cited sentences and those around them do not mention {name}, which the question counts."
    if (role := role_asked(question)) and not mentions_role(window or cited, role):
        # "Who is the spokeswoman who ...?": a name from sentences that never speak of a spokeswoman is someone
        # else's, however well it is quoted.
        return f"The cited sentences and those around them do not mention the {role} the question asks to be named."
    for qualifier in qualifiers(question):
        if _mentions(window or cited, qualifier) or _mentions(cited, qualifier):
            continue
        if rivals := _conflicts(qualifier, cited):
            asked = f"{qualifier.text} {_head_phrase(question, qualifier)}".strip()
            return f"The question asks about {asked}; the cited text is about {', '.join(rivals)}."
    return wrong_amount(question, cited)


_REFERS_BACK = re.compile(r"\b(?:he|she|his|her)\b", re.I)


def window_start(sentences: list[str], first: int, back: int = 3) -> int:
    """Where the window around the cited sentences `sentences[first:]` starts: the sentence before them, or
    further back while the cited sentence, and each before it, speaks of someone as "he" or "she" (up to
    `back` more):
    "Mr Leibovich said. He added .... By 2019 poverty could fall, he said." is about Mr Leibovich.

    >>> window_start(["Ann Lee spoke.", "She added more.", "Rain fell.", "It was late, she said."], 3)
    2
    >>> window_start(["Ann Lee spoke.", "She added more.", "It was late, she said."], 2)
    0
    """
    start = first
    while start > 0 and first - start <= back and _REFERS_BACK.search(sentences[start]):
        start -= 1
    return min(start, max(0, first - 1))


def window(title: str, sentences: list[str], first: int, last: int) -> str:
    """What the subject check reads around the cited sentences `sentences[first : last + 1]`: the title, the
    sentence before them (or further back, `window_start`), the cited ones and the sentence after.

    >>> window("Regatta", ["Ann Lee won.", "She trained.", "Rain fell.", "Tom Reed lost."], 1, 1)
    'Regatta Ann Lee won. She trained. Rain fell.'
    """
    return " ".join(t for t in [title, *sentences[window_start(sentences, first) : max(first, last) + 2]] if t)


def on_subject(question: str, passages) -> set[str]:
    """The sentences of `passages` that are about the question's subject: those whose window (the sentence,
    the sentences either side of it in its passage, the title) `off_subject` finds nothing against, judged
    as a citation of that sentence alone would be.

    >>> from qa.documents import Passage
    >>> text = "Ann Lee spoke. She won in 2001. Tom Reed lost."
    >>> p = Passage("d:0:x", "d", "a.txt", "Results", 0, len(text), text, ((0, 14), (15, 31), (32, 46)))
    >>> sorted(on_subject("When did Ann Lee win?", [p]))
    ['Ann Lee spoke.', 'She won in 2001.']
    """
    kept = set()
    for passage in passages:
        texts = [t for _, _, t in passage.sentence_texts()]
        for i, text in enumerate(texts):
            if off_subject(question, text, window(passage.title, texts, i, i)) is None:
                kept.add(text)
    return kept


def _mentions(text: str, qualifier: Qualifier) -> bool:
    if qualifier.group == "year":
        return qualifier.text in _YEAR.findall(text)
    if same_entity(qualifier.text, text) and re.search(rf"\b{re.escape(normal_name(qualifier.text))}\b", normal_name(text)):
        return True
    return any(same_entity(ent.text, qualifier.text) for ent in parse(text).ents) or any(
        same_entity(token.text, qualifier.text) for token in parse(text) if token.pos_ in {"PROPN", "ADJ"}
    )


def _head_phrase(question: str, qualifier: Qualifier) -> str:
    """The words from the qualifier up to its head noun in the question ("finance minister")."""
    if qualifier.head is None:
        return ""
    match = re.search(rf"{re.escape(qualifier.text)}\s+((?:\w+\s+){{0,2}}?{re.escape(qualifier.head)}\w*)", question)
    return match.group(1) if match else qualifier.head
