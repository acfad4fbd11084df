"""Support checking: is each answer sentence true to the evidence it cites?

Three parts, in the order the pipeline uses them:
- a checker (`LexicalChecker` by default) gives a `Verdict` for a claim and evidence;
- `verify_sentence` checks a drafted sentence against its citations, moves a
  wrong citation to the evidence that does support it, and drops citations
  the sentence does not need;
- `LLMJudge` asks the model, yes or no, whether a supported answer answers
  the question at all (support cannot tell a true sentence about something else).

The default checker is offline and explainable. A sentence is supported only if
- every number in it occurs in the cited text ("7,000" = "7000" = "seven thousand");
- every name in it occurs in the cited text (a name in the question is not enough:
  a question can carry a false premise);
- it does not add a negation the best-matching cited sentence lacks, nor drop one
  that governs words the claim repeats ("no group had entered" -> "groups entered");
- it does not use a word whose opposite the cited text uses instead ("opening" for "close", "rose" for "fell");
- it does not add an absolute quantifier ("all", "only", "every") the cited text lacks;
- it says something beyond the question (a restated question is not an answer);
- its content words are covered by the cited text or the question, and it is
  semantically close to the cited text, together scoring at least `threshold`.

`SupportChecker` is a protocol: any object with `check()` (an NLI model, a
hosted judge) can replace the default.
"""

from __future__ import annotations

import dataclasses
import json
import logging
import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from itertools import combinations
from typing import TYPE_CHECKING, Protocol

import numpy as np

from qa import prompts
from qa.answer import AnswerSentence
from qa.attribution import strip_attribution
from qa.citations import Draft
from qa.errors import LLMUnavailable
from qa.lexical import NEGATIONS, content_stems, has_negation, name_keys, names, numbers, stem, words

if TYPE_CHECKING:
    from qa.llm import LLM
    from qa.retrieve import Evidence

log = logging.getLogger(__name__)


@dataclass(frozen=True)
class Verdict:
    supported: bool
    score: float
    reason: str


class SupportChecker(Protocol):
    name: str

    def check(self, claim: str, evidence: Sequence[str], question: str = "") -> Verdict: ...


def _word_forms(text: str) -> set[str]:
    """Lower-cased words of text, with hyphen/apostrophe parts and stems."""
    forms: set[str] = set()
    for w in words(text.replace("’", "'")):
        forms.add(w)
        for part in w.replace("'", "-").split("-"):
            if part:
                forms.add(part)
                forms.add(stem(part))
        forms.add(stem(w))
    return forms


_CAPITALISED_RUN = re.compile(r"[A-Z][\w’'-]*(?:\s+(?:of\s+|and\s+)?[A-Z][\w’'-]*)+")


def acronyms(text: str) -> set[str]:
    """Initials of each run of capitalised words, so "UAE" is found in "United Arab Emirates".

    >>> sorted(acronyms("talks between the United Arab Emirates and the Popular Mobilization Forces"))
    ['AE', 'MF', 'PM', 'PMF', 'UA', 'UAE']
    """
    out: set[str] = set()
    for run in _CAPITALISED_RUN.finditer(text):
        initials = "".join(w[0] for w in run.group(0).split() if w[0].isupper())
        for i in range(len(initials)):
            for j in range(i + 2, len(initials) + 1):
                out.add(initials[i:j])
    return out


def _name_found(name: str, forms: set[str]) -> bool:
    """A name is found when each of its parts occurs, allowing Iran/Iranian-style variants."""
    parts = [p for p in name.lower().replace("’", "'").replace("'", "-").split("-") if len(p) > 1]
    for part in parts:
        if part in forms or stem(part) in forms:
            continue
        if len(part) >= 4 and any(len(f) >= 4 and (f.startswith(part) or part.startswith(f)) for f in forms):
            continue
        if part in {"s"}:
            continue
        return False
    return True


def missing_numbers(claim: str, evidence: str) -> set[str]:
    """Numbers in the claim that the evidence does not state.

    >>> sorted(missing_numbers("About 7,000 fighters and 12 tanks", "Around 7000 fighters"))
    ['12']
    """
    return numbers(claim) - numbers(evidence)


def missing_names(claim: str, evidence: str) -> list[str]:
    """Names in the claim that the evidence does not contain.

    >>> missing_names("Bahra met General Smith.", "Hadi al-Bahra said so.")
    ['General', 'Smith']
    """
    forms = _word_forms(evidence)
    initials = acronyms(evidence)
    return [n for n in names(claim) if not _name_found(n, forms) and not (n.isupper() and n in initials)]


_NEGATION_SCOPE = 4  # words after a negation that it governs, roughly


def negated_stems(text: str) -> set[str]:
    """Content stems of the few words right after each negation: what the text denies.

    >>> sorted(negated_stems("He said no group under its umbrella had entered Syria."))
    ['group', 'umbrella']
    """
    tokens = words(text.replace("’", "'"))
    out: set[str] = set()
    for i, w in enumerate(tokens):
        if w in NEGATIONS or w.endswith("n't"):
            out |= content_stems(" ".join(tokens[i + 1 : i + 1 + _NEGATION_SCOPE]))
    return out


_ABSOLUTES = frozenset("all every entire entirely only always whole".split())


def added_absolutes(claim: str, evidence: str) -> list[str]:
    """Absolute quantifiers in the claim that the evidence does not use: an over-claim.

    >>> added_absolutes("All of the fighters were Iraqi.", "The larger contingent is Iraqi.")
    ['all']
    """
    have = set(words(evidence))
    return sorted({w for w in words(claim) if w in _ABSOLUTES} - have)


# Words that say the opposite of each other, in their common forms: a claim that uses one where the cited text
# uses only the other turns it round ("is opening nine embassies" from "nine embassies will close"), often by
# repeating a question's false premise. Kept to pairs a faithful paraphrase does not swap ("won" for "beat" is
# fine, so winning and losing are not here).
_OPPOSITES = tuple(
    (frozenset(a.split()), frozenset(b.split()))
    for a, b in (
        ("open opens opened opening reopen reopens reopened reopening", "close closes closed closing closure shut shuts shutting"),
        ("rise rises rose risen rising", "fall falls fell fallen falling drop drops dropped dropping decline declines declined declining"),
        ("increase increases increased increasing", "decrease decreases decreased decreasing"),
        ("accept accepts accepted accepting approve approves approved approving", "reject rejects rejected rejecting"),
        ("allow allows allowed allowing", "ban bans banned banning"),
        ("succeed succeeds succeeded success successful", "fail fails failed failure"),
    )
)


def reversed_words(claim: str, evidence: str, one_sided: bool = False) -> list[tuple[str, str]]:
    """(claim's word, cited text's opposite word) where the claim says the opposite of the cited text: it uses a
    word the cited text lacks whose opposite the cited text uses. `one_sided`: leave out a pair of opposites
    the claim uses both words of (it says one thing of one sentence and the other of another).

    >>> reversed_words("Straw is opening nine embassies.", "Nine embassies will close, Straw said.")
    [('opening', 'close')]
    >>> reversed_words("Sales rose.", "Sales rose in May but fell in June.")
    []
    """
    said, cited = set(words(claim)), set(words(evidence))
    out = []
    for one, other in _OPPOSITES:
        for mine, theirs in ((one, other), (other, one)):
            if said & mine and not (one_sided and said & theirs) and not cited & mine and cited & theirs:
                out.append((sorted(said & mine)[0], sorted(cited & theirs)[0]))
    return out


def opposites_of(word: str) -> frozenset[str]:
    """The words that say the opposite of `word` ("close" -> open, opens, ...), empty when it has none listed.

    >>> sorted(opposites_of("fell"))
    ['rise', 'risen', 'rises', 'rising', 'rose']
    """
    word = word.lower()
    return frozenset().union(*(b if word in a else a for a, b in _OPPOSITES if word in a or word in b))


def _best_sentence(claim_stems: set[str], evidence: Sequence[str]) -> str:
    return max(evidence, key=lambda e: len(claim_stems & content_stems(e)), default="")


class LexicalChecker:
    """Numbers, names, negation and content-word coverage, plus embedding similarity."""

    name = "lexical+embedding"

    def __init__(self, embedder=None, threshold: float = 0.5) -> None:
        self.embedder = embedder
        self.threshold = threshold

    def _similarity(self, claim: str, evidence: Sequence[str]) -> float | None:
        if self.embedder is None or not evidence:
            return None
        vectors = self.embedder.encode([claim, " ".join(evidence), *evidence])
        return float(np.max(vectors[1:] @ vectors[0]))

    def check(self, claim: str, evidence: Sequence[str], question: str = "") -> Verdict:
        if not evidence:
            return Verdict(False, 0.0, "cites nothing")
        joined = " ".join(evidence)
        if lost := missing_numbers(claim, joined):
            return Verdict(False, 0.0, f"number {', '.join(sorted(lost))} is not in the cited text")
        if lost_names := missing_names(claim, joined):
            return Verdict(False, 0.0, f"{', '.join(lost_names)} not in the cited text")
        claim_stems = content_stems(claim)
        best = _best_sentence(claim_stems, evidence)
        if has_negation(claim) and not has_negation(best):
            return Verdict(False, 0.0, "adds a negation the cited text lacks")
        if not has_negation(claim) and claim_stems & negated_stems(best):
            return Verdict(False, 0.0, "drops the cited text's negation")
        # The sentence that says most of what the claim says is read alone too: another cited sentence that
        # happens to use the claim's word ("18 new embassies have been opened") does not undo "will close".
        if turned := reversed_words(claim, joined) or reversed_words(claim, best, one_sided=True):
            mine, theirs = turned[0]
            return Verdict(False, 0.0, f"says '{mine}' where the cited text says '{theirs}'")
        if absolutes := added_absolutes(claim, joined):
            return Verdict(False, 0.0, f"over-claims: '{', '.join(absolutes)}' is not in the cited text")
        evidence_stems = content_stems(joined)
        question_stems = content_stems(question)
        novel = (claim_stems & evidence_stems) - question_stems
        novel_numbers = numbers(claim) - numbers(question)
        if not novel and not novel_numbers:
            return Verdict(False, 0.0, "adds nothing from the cited text beyond the question")
        covered = claim_stems & (evidence_stems | question_stems)
        coverage = len(covered) / len(claim_stems) if claim_stems else 1.0
        similarity = self._similarity(claim, evidence)
        score = coverage if similarity is None else 0.6 * coverage + 0.4 * max(similarity, 0.0)
        if score < self.threshold:
            uncovered = sorted(claim_stems - covered)
            return Verdict(False, score, f"weak support (score {score:.2f}; not in cited text: {', '.join(uncovered[:5])})")
        return Verdict(True, score, "supported")


# Citations of one sentence ------------------------------------------------------


def _best_support(
    checker: SupportChecker, claim: str, evidence: Sequence[Evidence], question: str
) -> tuple[list[int], Verdict] | None:
    """The evidence that best supports `claim`: one sentence if one does, else two together, else three
    sentences of one article.

    A sentence often joins what two evidence sentences say ("Jack Straw said
    ... £6m" from "... Jack Straw has announced." and "Mr Straw said ... £6m
    a year"), or an answer puts back the names a question gave it, which its
    article states in other sentences than the one with the answer. Pairs are
    tried only when no single sentence supports the claim, triples only when no
    pair does, and only sets that hold all of its numbers and names between them.
    Sentences of two articles join only when they name someone or something in
    common (`_same_story`): otherwise the claim stitches one article's answer onto
    another's subject (one magazine's list, another's "the iPod is at number one").
    """
    best: tuple[list[int], Verdict] | None = None
    for e in evidence:
        v = checker.check(claim, [e.text], question)
        if v.supported and (best is None or v.score > best[1].score):
            best = ([e.n], v)
    if best is not None:
        return best
    for size in (2, 3):
        for group in combinations(evidence, size):
            if len({e.doc_id for e in group}) > 1 and (size == 3 or not _same_story(*group)):
                continue
            texts = [e.text for e in group]
            joined = " ".join(texts)
            if missing_numbers(claim, joined) or missing_names(claim, joined):
                continue
            v = checker.check(claim, texts, question)
            if v.supported and (best is None or v.score > best[1].score):
                best = ([e.n for e in group], v)
        if best is not None:
            return best
    return best


def _same_story(first: Evidence, second: Evidence) -> bool:
    """True when two evidence sentences name someone or something in common ("Holmes", "Kelly Holmes")."""
    return bool(name_keys(first.text) & name_keys(second.text))


def verify_sentence(checker: SupportChecker, draft: Draft, evidence: Sequence[Evidence], question: str) -> AnswerSentence:
    """Check a drafted sentence against its citations; re-attribute or trim citations where that helps.

    A sentence no citation supports comes back with `supported=False`, no
    citations and the checker's reason.
    """
    by_n = {e.n: e for e in evidence}
    cites = list(draft.cites)
    # A leading "In 2015, AFP reported that" naming the cited articles' own date and publisher is shown
    # from their metadata instead (qa/attribution.py); anything else in it stays and is checked.
    draft = dataclasses.replace(draft, text=strip_attribution(draft.text, [by_n[n] for n in cites]))
    verdict = checker.check(draft.text, [by_n[n].text for n in cites], question) if cites else None
    reason = ""
    if verdict is None or not verdict.supported:
        # The model may cite the wrong number for a true sentence; look for the evidence that does support it.
        if best := _best_support(checker, draft.text, evidence, question):
            cites, verdict = best
            reason = "citation corrected: the model cited other evidence"
    if verdict is None or not verdict.supported:
        why = verdict.reason if verdict else "no citation"
        return AnswerSentence(draft.text, [], False, verdict.score if verdict else 0.0, why)
    # Drop citations the sentence does not need (ALCE citation precision).
    for n in list(cites):
        rest = [m for m in cites if m != n]
        if rest and checker.check(draft.text, [by_n[m].text for m in rest], question).supported:
            cites = rest
    return AnswerSentence(draft.text, cites, True, verdict.score, reason or verdict.reason)


def quoted_instead(
    drafts: Sequence[Draft], evidence: Sequence[Evidence], question: str, fits: Callable[[str], bool]
) -> list[AnswerSentence]:
    """When no drafted sentence is supported, an evidence sentence a draft cited, word for word, as the
    answer's one sentence; [] when there is none.

    A small model often puts the question's own words back into its answer ("Ken Mayland said job growth
    in early 2005 was moderate") where the sentence it cites says "he said" or gives no year, and the
    support check turns the draft down though that sentence answers. The sentence stands in for the
    draft only when it holds every number and name of the draft that the question does not (what the
    draft adds, it took from there), shares a word of what the draft adds, and `fits` the question (the
    asked-for type); the best-ranked such sentence is taken. It then faces every later gate (the answer's
    type, the question's subject, the yes/no check) as a drafted answer does.

    >>> from types import SimpleNamespace as E
    >>> shown = [E(n=1, text='"Growth is moderate," said Ken Mayland.'), E(n=2, text="Aleppo was shelled again.")]
    >>> q = "Which economist said growth in 2005 was moderate?"
    >>> [s.text for s in quoted_instead([Draft("Ken Mayland said growth in 2005 was moderate.", (1,))], shown, q, bool)]
    ['"Growth is moderate," said Ken Mayland.']
    >>> quoted_instead([Draft("Ken Mayland said growth was 3% in 2005.", (1,))], shown, q, bool)  # 3% is nowhere
    []
    """
    by_n = {e.n: e for e in evidence}
    asked_stems = content_stems(question)

    def holds(draft: Draft, text: str) -> bool:
        with_question = f"{text} {question}"
        return (
            not missing_numbers(draft.text, with_question)
            and not missing_names(draft.text, with_question)
            and bool((content_stems(draft.text) - asked_stems) & content_stems(text))
        )

    for n in sorted({n for draft in drafts for n in draft.cites}):  # best-ranked first
        text = by_n[n].text
        if any(holds(draft, text) for draft in drafts if n in draft.cites) and fits(text):
            return [AnswerSentence(text, [n], True, 1.0, "quoted: the drafted wording was not supported by it")]
    return []


# Does the answer answer the question? ----------------------------------------------

VERDICT_SCHEMA = {
    "type": "object",
    "properties": {"verdict": {"type": "string", "enum": ["yes", "no"]}},
    "required": ["verdict"],
}


def parse_verdict(reply: str) -> bool | None:
    """True for yes, False for no, None when the reply says neither.

    >>> parse_verdict('{"verdict": "no"}'), parse_verdict("Yes."), parse_verdict("maybe")
    (False, True, None)
    """
    try:
        value = str(json.loads(reply).get("verdict", "")).lower()
    except (ValueError, AttributeError):
        value = reply.strip().lower()
    if value.startswith("yes"):
        return True
    if value.startswith("no"):
        return False
    return None


def ask_yes_no(llm: LLM, prompt, what: str, **fields) -> tuple[bool | None, str]:
    """The model's yes or no to a verdict prompt (system and user sections, `fields` filled in).

    (True or False, "") when it answered; (None, what went wrong) when it did
    not answer or said neither, which every caller treats as not yes.
    """
    messages = [
        {"role": "system", "content": prompt.render("system")},
        {"role": "user", "content": prompt.render("user", **fields)},
    ]
    try:
        if hasattr(llm, "choose"):  # the local model scores yes against no after the reply's opening
            reply = llm.choose(messages, '{"verdict": "', ("yes", "no"))
        else:
            reply = llm.chat(messages, schema=VERDICT_SCHEMA)
    except LLMUnavailable as exc:
        log.warning("%s could not run: %s", what, exc)
        return None, f"the model did not answer: {exc}"
    verdict = parse_verdict(reply)
    if verdict is None:
        return None, f"its reply was neither yes nor no: {reply.strip()[:80]!r}"
    return verdict, ""


class LLMJudge:
    """Asks the LLM whether an answer gives what the question asks for, answering yes or no."""

    def __init__(self, llm: LLM) -> None:
        self.llm = llm
        self.prompt = prompts.load("judge")

    def decide(self, question: str, answer: str) -> tuple[bool | None, str]:
        """(True for yes, False for no, None when it could not decide; what went wrong when None).

        It fails closed: a caller treats None as "not shown as an answer", never as yes.
        """
        return ask_yes_no(self.llm, self.prompt, "The relevance check", question=question, answer=answer)
