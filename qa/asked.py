"""What type of answer a question asks for, and whether a text supplies one (named entities).

who / which official -> an agent (a person, organisation, nation or place named);
where -> a place; when / in which month -> a date or time; how many / how much
/ what profit -> a quantity; how long / how old / how big -> a measure
(`qa.measures`); what is the name of -> a proper name; why -> a reason (a cause or
purpose put as one: "because", "to avoid", "due to", "citing"). A text supplies the type when
it holds an entity of that type (or a proper noun, for names) that the question
does not already contain: an answer made of the question's own words ("the
general") is not a name. A question that asks who holds a role ("who is the
information commissioner", "the name of the spokeswoman") is not answered by
a sentence that mentions the role with no name to it and names someone else
("Mr Beith urged the commissioner to act"); one that asks "on what date" is
answered exactly by a day, not by a month alone.
"""

from __future__ import annotations

import re
from dataclasses import dataclass

from qa.counts import counted_noun, counts_asked
from qa.entities import same_entity
from qa.lexical import plain, words
from qa.measures import TIME_LABELS, gives_measure, without_times
from qa.nlp import parse
from qa.question import (
    VAGUE_QUANTITIES,
    answers_question,
    expected_kind,
    gives_day,
    matches_kind,
    measure_asked,
)

AGENT_LABELS = frozenset({"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC"})
PLACE_LABELS = frozenset({"GPE", "LOC", "FAC", "ORG"})
NAME_LABELS = frozenset({"PERSON", "ORG", "NORP", "GPE", "LOC", "FAC", "PRODUCT", "WORK_OF_ART", "EVENT", "LAW"})
QUANTITY_LABELS = frozenset({"CARDINAL", "MONEY", "PERCENT", "QUANTITY"})

# Nouns that make "the name of the ..." a person's name ("the name of the Russian general").
_PERSON_NOUNS = set(
    "person man woman boy girl child son daughter wife husband mother father brother sister general head "
    "leader chief minister president spokesman spokeswoman spokesperson commander officer official source "
    "director author actor actress singer player coach manager chairman chairwoman boss founder owner judge "
    "lawyer victim suspect soldier analyst economist writer artist winner captain presenter host editor "
    "executive governor mayor senator king queen prince princess envoy ambassador negotiator pilot driver "
    "doctor teacher student worker employee journalist reporter photographer witness politician lawmaker mp "
    "mep novelist poet musician rapper composer dancer comedian athlete footballer cricketer golfer boxer "
    "sprinter runner swimmer cyclist jockey striker midfielder defender goalkeeper batsman bowler referee "
    "umpire champion scientist researcher engineer designer architect commissioner secretary chancellor "
    "adviser advisor aide campaigner activist producer organiser organizer trainer agent inspector prosecutor "
    "detective premier deputy spokesman".split()
)
# Nouns after "which"/"what" that ask for an agent ("which official", "which company"): people's roles and
# the bodies that act.
_AGENT_NOUNS = _PERSON_NOUNS | set(
    "officials ministers people company companies firm firms group groups organisation organization "
    "organisations organizations party parties country countries nation nations team teams club clubs players "
    "leaders agency body union bank banks airline airlines channel network band rival rivals government "
    "governments side broadcaster newspaper paper court".split()
) | {  # roles and bodies that buy, sell, make, rule or speak: "which dealer", "which regulator"
    *"dealer dealers buyer buyers seller sellers bidder bidders trader traders investor investors broker brokers "
    "auctioneer collector retailer retailers supplier suppliers manufacturer manufacturers maker makers carrier "
    "carriers operator operators insurer insurers lender lenders publisher publishers studio studios label "
    "charity charities council councils ministry ministries department departments authority authorities "
    "regulator regulators watchdog institute university universities school schools hospital hospitals museum "
    "gallery affiliate affiliates faction factions militia militias rebel rebels candidate candidates".split()
}
_PLACE_NOUNS = set(
    "city cities town towns village villages country countries region regions province provinces state states "
    "place places area areas venue venues stadium district districts capital border island islands "
    # buildings and sites named like places ("which theatre", "at which airport")
    "theatre theatres theater theaters hotel hotels airport airports prison prisons church cathedral hall "
    "arena arenas station stations port ports harbour street streets road roads bridge building buildings "
    "circuit course ground grounds palace square".split()
)
# Nouns after "what"/"which" that ask for an amount ("what profit", "what share").
_QUANTITY_NOUNS = set(
    "profit profits loss losses price prices amount cost costs total sum figure fee fees salary value rate "
    "percentage share number revenue revenues sales turnover score size population age budget debt fine "
    "stake margin deficit surplus growth".split()
)
# "Which country", "which town": a place to be named, not described ("on a dirt road" does not say which town).
_NAMED_PLACE_NOUNS = set(
    "city cities town towns village villages country countries capital island islands state states province "
    "provinces".split()
)
# "Which country", "which party", "which club": bodies a nationality ("the Kurds") or a place name ("joined
# Chelsea") can answer. Other nouns after "which" (a role, a company, an airline) are answered by a name, never
# by a nationality ("a Danish operator") nor by a place named as where something is or comes from.
_PEOPLE_NOUNS = set(
    "country countries nation nations group groups party parties faction factions militia militias rebel rebels "
    "side sides team teams club clubs government governments council councils".split()
)
_VAGUE = VAGUE_QUANTITIES | {"many", "recent", "recently", "soon"}
_FRACTIONS = {"half", "third", "thirds", "quarter", "quarters", "double", "doubled", "twice", "tripled", "halved"}
# Prepositions that put a place after them ("near Albu Kamal", "on a dirt road").
_LOCATIVE = {"in", "at", "near", "on", "along", "across", "outside", "inside", "through", "via", "into", "beside",
             "around", "towards", "toward", "between", "within", "off", "over", "under"}
# Prepositions whose object is where something is, comes from or goes to, or whose it is ("north of Lima").
_PLACING = _LOCATIVE | {"from", "to", "of"}
# Amounts that are sums of money: "how much did it cost", "what profit".
_MONEY_NOUNS = set(
    "profit profits loss losses price prices cost costs fee fees salary revenue revenues sales turnover budget "
    "debt fine deficit surplus".split()
)
_MONEY_QUESTION = re.compile(
    r"\bhow much (?:money|cash)\b|\bhow much\b.*\b(?:cost|costs|pay|paid|spend|spent|save|saved|earn|earned|"
    r"raise|raised|charge|charged|worth|fined|invest|invested|lose|lost)\b"
)
_CURRENCY = re.compile(
    r"[£$€¥]|\b(?:pounds?|dollars?|euros?|yen|yuan|rupees?|roubles?|francs?|pence|cents?|bn|m)\b|\d(?:bn|m)\b", re.I
)
_REASON_QUESTION = re.compile(
    r"^why\b|\bfor what reasons?\b|\bwhat (?:is|was|were|are) the (?:main )?(?:reasons?|causes?)\b|"
    r"\bwhat (?:caused|prompted|drove|led to)\b"
)
# Words and phrases that put a cause, a motive or a purpose into words. English has a closed set of them;
# "after", "amid" and "following" are how news says what brought something on ("fell after the drought").
_REASON_PHRASES = re.compile(
    r"\b(?:because|due to|owing to|thanks to|as a result|result of|resulted from|in order to|so that|so as to|"
    r"in a bid to|in an effort to|in response to|in protest|for fear|led to|leads to|leading to|caused|causes|"
    r"blamed|blames|blaming|attributed to|reasons?|citing|cited|driven by|prompted|amid|following|"
    r"wanted|wants|hoped|hopes|sought|seeks|aimed|aims|intended|intends|feared|fears|worried|"
    r"(?:key|vital|crucial|essential|important|critical|strategic) (?:to|for))\b",
    re.I,
)
_NAME_PATTERNS = re.compile(
    r"\b(?:what|which) (?:is|was|are|were) (?:the )?names?\b|\bname of\b|\b(?:called|named)(?: what)?$", re.I
)


@dataclass(frozen=True)
class Asked:
    """The type of answer a question asks for: 'agent', 'place', 'time', 'quantity', 'money', 'measure', 'name',
    'person' (a person's name) or 'reason'; `noun` is the noun after "which"/"what" that asked for it ("dealer",
    "country"), or for a measure the adjective of "how long", "how big"; empty when there was none."""

    kind: str
    noun: str = ""
    # The person's role the question names as the one to be named ("who is the finance minister", "the name of
    # the spokeswoman", "which official"): an answer that mentions that role without a name to it names someone else.
    role: str = ""

    def describe(self) -> str:
        return {
            "agent": "a person or organisation",
            "place": "a place",
            "time": "a date or time",
            "quantity": "a number or amount",
            "money": "a sum of money",
            "measure": "a length of time, size or other measure",
            "name": "a name",
            "person": "a person's name",
            "reason": "a reason",
        }[self.kind]


def asked_type(question: str) -> Asked | None:
    """The answer type the question asks for, or None when it does not ask for a typed answer.

    >>> [getattr(asked_type(q), "kind", None) for q in (
    ...     "Who leads the coalition?", "Where did they cross?", "When did it fall?",
    ...     "What profit did BA make?", "What is the name of the ship?", "Why did they leave?",
    ...     "How did they leave?")]
    ['agent', 'place', 'time', 'money', 'name', 'reason', None]
    """
    q = " ".join(words(question))
    if _NAME_PATTERNS.search(q):
        return Asked("person", role=role_asked(question)) if _names_a_person(question) else Asked("name")
    if _REASON_QUESTION.search(q):
        return Asked("reason")
    kind = expected_kind(question)
    if kind == "number":
        return Asked("money") if _MONEY_QUESTION.search(q) else Asked("quantity")
    if kind == "time":
        return Asked("time")
    if kind == "measure":
        return Asked("measure", measure_asked(question))
    first = q.split(" ", 1)[0] if q else ""
    if first in {"who", "whom", "whose"} or re.search(r"\bwho (?:is|was|were|are|said|says)\b", q):
        return Asked("agent", role=role_asked(question))
    if first == "where" or re.search(r"\bwhere (?:did|does|do|is|was|were|are|will)\b", q):
        return Asked("place")
    nouns = re.findall(r"\b(which|what) ([a-z'-]+)(?: ([a-z'-]+))?", q)
    # "what is the population of ...", "what was the price ...": the noun after the copula.
    nouns += [("what", noun, "") for noun in re.findall(r"\bwhat (?:is|was|are|were) (?:the |its |their )?([a-z'-]+)", q)]
    nouns += [(wh, noun, "") for wh, noun in _wh_heads(question)]
    for wh, first_word, second_word in nouns:
        for noun in (first_word, second_word):  # "which company", "which Brazilian official"
            single = noun[:-1] if noun.endswith("s") and noun[:-1] in _QUANTITY_NOUNS else noun  # "what figures"
            if single in _QUANTITY_NOUNS and wh == "what":
                return Asked("money") if single in _MONEY_NOUNS else Asked("quantity")
            if noun in _PLACE_NOUNS:
                return Asked("place", noun)
            if noun in _AGENT_NOUNS:
                return Asked("agent", noun, role=noun if noun in _PERSON_NOUNS else "")
    return None


def _wh_heads(question: str) -> list[tuple[str, str]]:
    """("which", noun) for each noun a "which"/"what" determines, however many words stand between them:
    "which local education authority" -> authority, "what annual pre-tax profit" -> profit.

    >>> _wh_heads("In which north London concert hall did the choir sing?")
    [('which', 'hall')]
    """
    # The run of modifiers and nouns straight after the wh-word, not the parse's head: the small tagger often
    # parses "In which concert hall did ..." with "which" as a pronoun and "hall" as the verb's subject.
    doc = parse(question)
    heads = [(token.lower_, _last_noun(doc[token.i + 1 :])) for token in doc if token.lower_ in {"which", "what"}]
    return [(wh, noun) for wh, noun in heads if noun]


def _last_noun(tokens, also: frozenset[str] = frozenset()) -> str:
    """The last common noun of the run of adjectives and nouns (and `also`'s parts of speech) `tokens` open with:
    the head of "local education authority", "north London concert hall"."""
    noun = ""
    tokens = list(tokens)
    for i, token in enumerate(tokens):
        if token.pos_ not in {"ADJ", "NOUN", "PROPN", *also} and token.text != "-":
            break
        after = tokens[i + 1] if i + 1 < len(tokens) else None
        if noun and token.lower_.endswith("ing") and (after is None or after.pos_ not in {"NOUN", "PROPN"}):
            # "the chief objecting to ...": a participle after the noun, which the tagger can read as one; an
            # "-ing" word before another noun is part of the name ("deputy planning director").
            break
        noun = token.lower_ if token.pos_ == "NOUN" else noun
    return noun


def role_asked(question: str) -> str:
    """The person's role a question asks to be named: the noun of "who is the ...", "the name of the ...".

    >>> role_asked("Who is the deputy finance minister who resigned?"), role_asked("What is the name of the ship's captain?")
    ('minister', 'captain')
    """
    doc = parse(question)
    for token in doc:
        opens = token.lower_ == "who" and token.i + 1 < len(doc) and doc[token.i + 1].lemma_ == "be"
        if opens or token.lower_ == "of" and token.head.lower_ in {"name", "names"}:
            noun = _last_noun(doc[token.i + (2 if opens else 1) :], frozenset({"DET", "PART"}))
            if noun and (opens or noun in _PERSON_NOUNS):  # "who is the harbour master": whatever the noun
                return noun
    return ""


def mentions_role(text: str, role: str) -> bool:
    """True when `text` speaks of the role at all: the noun in any number ("spokesmen", "ministers"), or the verb
    it is the doer of ("won" for winner, "owns" for owner, "hosted" for host).

    >>> mentions_role("Ann Lee won the award.", "winner"), mentions_role("A spokesman for the firm spoke.", "spokeswoman")
    (True, False)
    """
    for token in parse(text):
        if token.pos_ not in {"NOUN", "VERB", "PROPN"}:
            continue
        lemma = token.lemma_.lower()
        if role in {token.lower_, lemma}:
            return True
        stem = lemma[:-1] if lemma.endswith("e") else lemma  # "write" -> "writ" for writer
        if token.pos_ == "VERB" and len(stem) >= 3 and role.startswith(stem) and role[len(stem) :] in {"er", "ner", "or"}:
            return True
    return False


def names_the_role(text: str, role: str) -> bool:
    """False when `text` mentions the person's role asked about only as someone other than the one it names
    ("Mr Beith urged the commissioner to act" does not say who the commissioner is); True when a name stands
    with it ("commissioner Richard Thomas", "Richard Thomas, the commissioner", "The commissioner is Ann Lee")
    or the role is not mentioned at all.

    >>> names_the_role("Ann Lee, the new commissioner, spoke.", "commissioner")
    True
    >>> names_the_role("Tom Reed urged the commissioner to act.", "commissioner")
    False
    """
    doc = parse(text)
    mentions = [t for t in doc if t.pos_ == "NOUN" and role in {t.lower_, t.lemma_.lower()}]

    def named(tree) -> bool:
        return any(t.pos_ == "PROPN" for t in tree)

    def linked(t) -> bool:
        head = t.head
        if head.pos_ == "PROPN" and t.dep_ in {"compound", "appos", "nmod", "amod"}:
            return True  # "commissioner Ann Lee", "Ann Lee, the commissioner"
        if any(c.dep_ == "appos" and named(c.subtree) for c in t.children):
            return True  # "the commissioner, Ann Lee,"
        if _named_before(t):
            return True  # "Rob Lee - the band's former manager", which the tagger parses as one noun phrase
        if head.lemma_ == "be":  # "Ann Lee is the commissioner", "the commissioner is Ann Lee"
            other = [c for c in head.children if c is not t and c.dep_ in {"nsubj", "attr"}]
            if any(named(c.subtree) for c in other) or head.dep_ == "relcl" and head.head.pos_ == "PROPN":
                return True
        return False

    return not mentions or any(linked(t) for t in mentions)


# What sets a name off from the phrase that says who the person is: "Rob Lee - the band's manager", "Rob Lee, the manager".
_APPOSITION_MARKS = {"-", "–", "—", "--", ","}


def _named_before(role) -> bool:
    """True when a person's name, then a dash or a comma, then the role's own phrase (its article, its owner's
    name, its adjectives) come straight before the role noun: "Rob Lee - the band's former manager". A place
    before the comma does not name the role ("In Leeds, the manager said").

    >>> from qa.nlp import parse
    >>> [_named_before(t) for t in parse("Rob Lee - Ann Cole's former head of press") if t.lower_ == "head"]
    [True]
    >>> [_named_before(t) for t in parse("In Leeds, the head of press said so.") if t.lower_ == "head"]
    [False]
    """
    doc = role.doc
    i = role.i - 1
    while i >= 0 and doc[i].pos_ in {"DET", "ADJ", "NOUN", "PART", "PROPN"}:
        i -= 1  # the role's phrase: "the", "former", "press", "Ann Cole's"
    if i < 1 or doc[i].text not in _APPOSITION_MARKS:
        return False
    name = doc[i - 1]
    return name.pos_ == "PROPN" and name.ent_type_ in {"PERSON", ""}


def _names_a_person(question: str) -> bool:
    """True when the name asked for is a person's: the noun after "name of" is a person's role.

    >>> _names_a_person("What is the name of the Russian general who was dismissed?")
    True
    >>> _names_a_person("What is the name of the virus spread by e-mail?")
    False
    """
    for token in parse(question):
        if token.lower_ == "of" and token.head.lower_ in {"name", "names"}:
            heads = [child.lower_ for child in token.children if child.dep_ == "pobj"]
            return any(w in _PERSON_NOUNS or w.endswith("s") and w[:-1] in _PERSON_NOUNS for w in heads)
    return False


def _in_question(text: str, label: str, question_words: set[str], nationalities: list[str]) -> bool:
    """True when every word of `text` is in the question (possessives ignored: "Steel's" is "Steel"), or it is a
    place (entity `label`) that is the country of a nationality the question names ("Syria" for "the Syrian
    leader"): it tells nothing new.

    >>> _in_question("Syria", "GPE", {"the", "syrian", "leader"}, ["Syrian"]), _in_question("Turkey", "GPE", {"syrian"}, ["Syrian"])
    (True, False)
    """
    if all(plain(w) in question_words for w in words(text)):
        return True
    return label in PLACE_LABELS and any(same_entity(text, n) for n in nationalities)


def supplies(asked: Asked | None, text: str, question: str, exact: bool = False, context: str = "") -> bool:
    """True when `text` holds the asked-for type of answer, beyond what the question itself names.

    A vague amount or time ("hundreds", "last week") counts unless `exact`, and
    so does an amount of something else than the question asks for ("took four
    awards" for "how many nominations", revenue for "what profit").
    `context` (the cited sentences) is tagged too, and its entities count where
    their words are in `text`: a tagger reads "Idlib province" alone as an
    adjective and a noun, and "It is in Idlib province." as a place.

    >>> supplies(asked_type("Who leads the coalition?"), "Hadi al-Bahra leads it.", "Who leads the coalition?")
    True
    >>> supplies(asked_type("What is the name of the general?"), "The general led it.", "What is the name of the general?")
    False
    """
    if asked is None:
        return True
    if not text.strip():
        return False
    if asked.kind == "reason":
        return gives_reason(text)
    if asked.role and not names_the_role(text, asked.role):
        return False
    if asked.kind == "time" and exact and not gives_day(question, text):
        return False  # "on what date": "in February" is not a date
    if asked.kind == "measure":
        fraction = asked.noun != "long" and bool(_FRACTIONS & set(words(text)))  # "bought half of it"
        return fraction or gives_measure(asked.noun, text, question, exact)
    if asked.kind in {"quantity", "money"} and exact and _another_amount(question, text):
        return False  # "how many nominations": "took four awards"; "what profit": "revenue rose to $86m"
    question_words = {plain(w) for w in words(question)}
    nationalities = [e.text for e in parse(question).ents if e.label_ == "NORP"]
    doc = parse(text)
    labels = {
        "agent": AGENT_LABELS,
        "place": PLACE_LABELS,
        "name": NAME_LABELS,
        "person": frozenset({"PERSON"}),
        "quantity": QUANTITY_LABELS,
        "money": frozenset({"MONEY"}),
        "time": TIME_LABELS,
    }[asked.kind]
    in_text = set(words(text))
    context_doc = parse(context) if context.strip() else None
    entities = list(doc.ents) + [e for e in (context_doc.ents if context_doc else []) if set(words(e.text)) <= in_text]
    for ent in entities:
        restated = _in_question(ent.text, ent.label_, question_words, nationalities)
        if ent.label_ in labels and not restated and _fits_noun(asked, ent.label_, ent.root):
            if not (exact and _VAGUE & set(words(ent.text))):
                return True
    if asked.kind == "money":
        return bool(_CURRENCY.search(text) and matches_kind("number", text, question)) or (
            not exact and answers_question(question, text) and bool(_CURRENCY.search(text))
        )
    if asked.kind == "quantity":
        figures = beyond_dates(question, text, doc)
        if matches_kind("number", figures, question) or _FRACTIONS & set(words(text)):
            return True
        return not exact and answers_question(question, figures)  # "hundreds of"
    if asked.kind == "time":
        return matches_kind("time", text, question) or (not exact and answers_question(question, text))
    # A proper noun the tagger did not classify still names something (for a person's name, one the tagger
    # did not call a place or an organisation, nor an acronym: "Moscow" is not the general's name).
    context_names = [t for t in (context_doc or []) if t.text.lower() in in_text]
    if any(
        t.pos_ == "PROPN" and t.text[:1].isupper()
        and not _in_question(t.text, t.ent_type_, question_words, nationalities)
        and (asked.kind != "person" or t.ent_type_ in {"", "PERSON"} and not t.text.isupper())
        and (asked.kind != "place" or t.ent_type_ not in {"PERSON", "NORP"})  # a person's name is not a place
        and _fits_noun(asked, t.ent_type_, t)
        for t in [*doc, *context_names]
    ):
        return True
    if asked.kind == "place" and asked.noun not in _NAMED_PLACE_NOUNS:
        # "on a dirt road", "at the border crossing": a place described rather than named.
        return any(
            t.dep_ == "pobj" and t.head.text.lower() in _LOCATIVE and t.pos_ in {"NOUN", "PROPN"}
            and t.text.lower() not in question_words
            for t in doc
        )
    return False


# What a count of time counts: "how many years" is answered by "for ten years", which the tagger reads as a date.
_TIME_UNITS = frozenset("year month week day night hour minute second decade century season term".split())


def beyond_dates(question: str, text: str, doc=None) -> str:
    """`text` with its dates and times blanked out, unless the question counts a unit of time: a year or a
    period ("in 1991, ten years after his death") is not a count of records nor an amount of cocoa.

    >>> beyond_dates("How many records did he sell?", "In 1991, ten years on, he sold more.").split()
    ['In', ',', 'on,', 'he', 'sold', 'more.']
    >>> beyond_dates("How many years did he serve?", "He served ten years.")
    'He served ten years.'
    """
    if counted_noun(question) in _TIME_UNITS:
        return text
    return without_times(text, doc)


def _another_amount(question: str, text: str) -> bool:
    """True when `text`'s figures count another thing than the question counts (`qa.counts`), or give another
    measure or period than it asks for (`qa.amounts`)."""
    from qa.amounts import wrong_amount  # it reads the question's type through this module

    return counts_asked(question, text) is False or wrong_amount(question, text) is not None


def _fits_noun(asked: Asked, label: str, token) -> bool:
    """False where the question's noun rules the entity out: "which analyst", "which company" is answered by a
    name, not by a nationality nor by a place named as where someone is or comes from ("arrived from
    Polynesia"); a name the tagger called a place still counts where it acts ("Helen Okafor chairs"). A
    nationality or a place can answer "which country", "which party", "which club" (`_PEOPLE_NOUNS`).

    >>> from qa.nlp import parse
    >>> doc = parse("Analysts in Dublin praised Davy Stockbrokers.")
    >>> [_fits_noun(Asked("agent", "analyst"), t.ent_type_, t) for t in doc if t.pos_ == "PROPN"]
    [False, True, True]
    """
    if asked.kind != "agent" or not asked.noun or asked.noun in _PEOPLE_NOUNS:
        return True
    if label == "NORP":
        return False
    if label in {"GPE", "LOC", "FAC"}:
        while token.dep_ in {"compound", "flat", "appos"} and token.head is not token:
            token = token.head
        return not (token.dep_ == "pobj" and token.head.lower_ in _PLACING)
    return True


def gives_reason(text: str) -> bool:
    """True when `text` puts a cause or a purpose into words: a causal phrase ("because", "due to",
    "citing", "after the storm"), or an infinitive of purpose ("closed the road to let crews work").

    >>> gives_reason("They crossed in small groups to avoid airstrikes."), gives_reason("They crossed in small groups.")
    (True, False)
    """
    if _REASON_PHRASES.search(text):
        return True
    doc = parse(text)
    for token in doc:
        # "after" the event that brought it on; "since" and "as" only as conjunctions ("as demand fell"),
        # not before a date ("since 2010") or a role ("as chairman").
        if token.dep_ == "mark" and token.lower_ in {"after", "since", "as"} or (
            token.lower_ == "after" and token.dep_ == "prep" and token.head.pos_ in {"VERB", "AUX"}
        ):
            return True
        # "to" + verb hanging off another verb as an adverbial clause: a purpose ("to avoid", "to cut costs").
        if token.lower_ == "to" and token.dep_ == "aux" and token.head.dep_ == "advcl":
            return True
    return False
