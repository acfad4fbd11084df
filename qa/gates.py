"""Abstention as an ordered list of named gates.

Each gate is a small function that looks at one question's `Case` and returns
the reason to refuse, or None to let the answer through. The pipeline runs
`BEFORE_GENERATION` right after retrieval (no model call is spent on a
question these refuse) and `AFTER_GENERATION` once the draft answer is
verified and assembled. The first gate that refuses names the abstention
(`Answer.abstain_gate`), so a report can count what each gate stops.
"""

from __future__ import annotations

import re
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from typing import TYPE_CHECKING, NamedTuple

from qa.asked import asked_type, supplies
from qa.nlp import parse
from qa.question import answers_question
from qa.subject import off_subject, window
from qa.verify import opposites_of, reversed_words

if TYPE_CHECKING:
    from qa.answer import Answer
    from qa.retrieve import Retrieval


@dataclass
class Case:
    """What the gates look at for one question."""

    question: str
    retrieval: Retrieval
    min_relevance: float
    unknown_numbers: set[str] = field(default_factory=set)  # numbers the question assumes, no document states
    answer: Answer | None = None  # the verified, assembled draft (after generation)
    # (question, answer text) -> (answers it: True/False, or None when undecided; why undecided). None: no judge.
    judge: Callable[[str, str], tuple[bool | None, str]] | None = None
    _judgement: tuple[bool | None, str] | None = field(default=None, repr=False)

    def judgement(self) -> tuple[bool | None, str]:
        """The judge's verdict on the supported answer, asked once and remembered."""
        if self._judgement is None:
            self._judgement = self.judge(self.question, self.answer.supported_text()) if self.judge else (True, "")
        return self._judgement


class Gate(NamedTuple):
    name: str
    refuses: Callable[[Case], str | None]


def premise(case: Case) -> str | None:
    """The question takes as given a number no document mentions ("Why did Iraq send 3,000 fighters?")."""
    if case.unknown_numbers:
        shown = ", ".join(sorted(case.unknown_numbers, key=float))
        return f"No document mentions the number {shown}, which the question takes as given."
    return None


def relevance_floor(case: Case) -> str | None:
    """Nothing retrieved is close enough to the question to be worth the model's time."""
    if not case.retrieval.evidence or case.retrieval.best_similarity < case.min_relevance:
        return "Nothing in the documents is close to this question."
    return None


def no_supported_sentence(case: Case) -> str | None:
    """The model gave nothing, or nothing it wrote survived the support check."""
    sentences = case.answer.sentences
    if any(s.supported for s in sentences):
        return None
    if not sentences:
        return "The model found no answer in the documents."
    return "No sentence of the draft answer was supported by the passages it cited."


# A question that opens with one of these asks whether something happened ("Did profits rise?"): "No, they
# fell" answers it. Any other question takes what it says as given.
_YES_NO = re.compile(r"^\s*(?:did|does|do|is|was|were|are|has|have|had|will|would|can|could|should)\b", re.I)


def contradicted(case: Case) -> str | None:
    """The question takes as given what the cited sentences say the opposite of, about the same thing: "Why
    did the museum close?" answered from "The museum reopened in May." The answer is about a premise that is
    false. "The dollar rose against the pound" does not turn round "Why did the pound fall?": what rose is
    another thing."""
    if _YES_NO.match(case.question):
        return None
    cited, _ = cited_window(case)
    if not reversed_words(case.question, cited, one_sided=True):
        return None
    asked, said = parse(case.question), parse(cited)
    for mine in asked:
        opposite = opposites_of(mine.lower_)
        for theirs in (t for t in said if opposite and t.lower_ in opposite):
            if _arguments(mine) & _arguments(theirs):
                return (f"The question says '{mine.text}' where the cited text says '{theirs.text}': its premise is not "
                        "what the documents say.")
    return None


_WHEN_OR_HOW_MUCH = {"DATE", "TIME", "CARDINAL", "PERCENT", "MONEY", "QUANTITY", "ORDINAL"}  # "fell in May", "by 5%"


def _arguments(token) -> set[str]:
    """What a verb (or its noun) is said of: its subject and object, or what "the fall in"/"closure of" takes,
    with the words that name them ("the town museum" -> museum, town)."""
    heads = [c for c in token.children if c.dep_ in {"nsubj", "nsubjpass", "dobj"}]
    heads += [g for c in token.children if c.dep_ == "prep" and c.lower_ in {"of", "in"} for g in c.children if g.dep_ == "pobj"]
    if token.dep_ in {"relcl", "acl"} and token.head.pos_ in {"NOUN", "PROPN"}:
        heads.append(token.head)  # "the shares rising"
    return {
        t.lemma_.lower() for h in heads for t in [h, *h.children]
        if t.pos_ in {"NOUN", "PROPN"} and (t is h or t.dep_ in {"compound", "poss"}) and t.ent_type_ not in _WHEN_OR_HOW_MUCH
    }


def answer_type(case: Case) -> str | None:
    """The answer does not supply the type asked for: a name for "who", a place for "where",
    a date for "when", an amount for "how many"."""
    text = case.answer.supported_text()
    asked = asked_type(case.question)
    cited, _ = cited_window(case)
    if not answers_question(case.question, text) or not supplies(asked, text, case.question, context=cited):
        wanted = asked.describe() if asked else "what the question asks for"
        return f"The supported sentences do not give {wanted}."
    return None


def subject(case: Case) -> str | None:
    """The cited sentences are about someone or something else than the question's subject
    ("the German minister" for a question about the French one, another year)."""
    cited, around = cited_window(case)
    if reason := off_subject(case.question, cited, around):
        return reason
    return None


def cited_window(case: Case) -> tuple[str, str]:
    """(the quotes the supported sentences cite, those quotes with the sentences either side and titles)."""
    numbers = sorted({n for s in case.answer.sentences if s.supported for n in s.citations if n <= len(case.answer.citations)})
    if not numbers:
        return "", ""
    passages = {p.passage_id: p for p, _ in case.retrieval.passages}
    passages.update((e.passage.passage_id, e.passage) for e in case.retrieval.evidence)
    quotes, around = [], []
    for n in numbers:
        citation = case.answer.citation(n)
        quotes.append(citation.quote)
        passage = passages.get(citation.passage_id)
        spans = passage.sentence_texts() if passage else []
        at = next((i for i, (start, end, _) in enumerate(spans) if start <= citation.start < end), None)
        if at is None:
            around.extend([citation.title, citation.quote])
            continue
        # A quote of neighbouring sentences (citations.joined) ends in a later sentence than it starts.
        last = next((i for i, (start, end, _) in enumerate(spans) if start < citation.end <= end), at)
        around.append(window(citation.title, [text for _, _, text in spans], at, last))
    return " ".join(quotes), " ".join(t for t in around if t)


def judge_undecided(case: Case) -> str | None:
    """The yes/no check could not decide (no reply, or neither yes nor no): fail closed, never shown unchecked."""
    verdict, why = case.judgement()
    if verdict is None:
        return f"The check that the answer fits the question could not decide ({why}), so no answer is shown."
    return None


def judge(case: Case) -> str | None:
    """The model, asked yes or no, says the supported answer does not answer this question."""
    if case.judgement()[0] is False:
        return "The passages found are related but do not answer this exact question."
    return None


BEFORE_GENERATION: tuple[Gate, ...] = (
    Gate("premise", premise),
    Gate("relevance_floor", relevance_floor),
)
AFTER_GENERATION: tuple[Gate, ...] = (
    Gate("no_supported_sentence", no_supported_sentence),
    Gate("contradicted", contradicted),
    Gate("answer_type", answer_type),
    Gate("subject", subject),
    Gate("judge_undecided", judge_undecided),
    Gate("judge", judge),
)
ALL_GATES = BEFORE_GENERATION + AFTER_GENERATION


def first_refusal(gates: Sequence[Gate], case: Case) -> tuple[str, str] | None:
    """(gate name, reason) of the first gate that refuses, or None when all let the case through."""
    for gate in gates:
        if reason := gate.refuses(case):
            return gate.name, reason
    return None
