"""Check each answer sentence against the evidence it cites.

The default checker is offline and explainable. A sentence is supported only if
- every number in it occurs in the cited text ("7,000" = "7000" = "seven thousand");
- every name in it occurs in the cited text (a name in the question is not enough:
  a question can carry a false premise);
- it does not add a negation the best-matching cited sentence lacks, nor drop one
  that governs words the claim repeats ("no group had entered" -> "groups entered");
- it does not add an absolute quantifier ("all", "only", "every") the cited text lacks;
- it says something beyond the question (a restated question is not an answer);
- its content words are covered by the cited text or the question, and it is
  semantically close to the cited text, together scoring at least `threshold`.

`SupportChecker` is a protocol: any object with `check()` (an NLI model, a
hosted judge) can replace the default.
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from dataclasses import dataclass
from typing import Protocol

import numpy as np

from qa.lexical import NEGATIONS, content_stems, has_negation, names, numbers, stem, words


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


_MONTHS = set(
    "january february march april may june july august september october november december "
    "jan feb mar apr jun jul aug sep sept oct nov dec monday tuesday wednesday thursday friday "
    "saturday sunday yesterday today tomorrow week weeks month months year years day days ago "
    "morning evening night decade century spring summer autumn fall winter".split()
)


def expected_kind(question: str) -> str | None:
    """What kind of answer a question asks for, when its wording makes that plain.

    >>> expected_kind("How many fighters crossed?"), expected_kind("When did it fall?")
    ('number', 'time')
    >>> expected_kind("Why did they cross?") is None
    True
    """
    q = " ".join(words(question))
    if any(p in q for p in ("how many", "how much", "what number", "what percentage", "what share")):
        return "number"
    if q.startswith("when ") or any(p in q for p in ("what date", "what year", "which year", "what day", "what month", "on what date", "in what year")):
        return "time"
    return None


def matches_kind(kind: str | None, text: str, question: str) -> bool:
    """True when text holds the kind of answer asked for: a number, or a time.

    >>> matches_kind("number", "At least 300 fighters", "How many?"), matches_kind("number", "hundreds", "")
    (True, False)
    """
    if kind is None:
        return False
    if numbers(text) - numbers(question):
        return True
    return kind == "time" and bool(_MONTHS & set(words(text)))


def answers_question(question: str, answer_text: str) -> bool:
    """False when the question asks for a number or a time and the answer gives none."""
    kind = expected_kind(question)
    if kind is None:
        return True
    has_number = bool(numbers(answer_text) - numbers(question)) or any(
        w in {"dozens", "hundreds", "thousands", "millions", "several", "few"} for w in words(answer_text)
    )
    if kind == "number":
        return has_number
    return has_number or bool(_MONTHS & set(words(answer_text)))
