"""Abstention gates, one table each: what every named gate refuses and what it lets through."""

from __future__ import annotations

import pytest

from qa.answer import Answer, AnswerSentence
from qa.gates import AFTER_GENERATION, ALL_GATES, BEFORE_GENERATION, Case, first_refusal
from qa.retrieve import Retrieval


def _case(question="How many fighters crossed?", evidence=True, best=0.6, unknown=(), sentences=None, judge=None):
    retrieval = Retrieval(passages=[], evidence=["e"] if evidence else [], best_similarity=best)
    answer = None
    if sentences is not None:
        answer = Answer(question, "", [AnswerSentence(t, [1] if ok else [], ok, 1.0) for t, ok in sentences], [], False, "m", {})
    return Case(question, retrieval, 0.2, set(unknown), answer, judge)


def test_gates_are_named_and_ordered():
    assert [g.name for g in BEFORE_GENERATION] == ["premise", "relevance_floor"]
    assert [g.name for g in AFTER_GENERATION] == [
        "no_supported_sentence", "contradicted", "answer_type", "subject", "judge_undecided", "judge",
    ]
    assert len({g.name for g in ALL_GATES}) == len(ALL_GATES)


@pytest.mark.parametrize(
    ("case", "expected"),
    [
        (_case(unknown={"3000"}), ("premise", "No document mentions the number 3000, which the question takes as given.")),
        (_case(unknown={"3000"}, best=0.0), ("premise", None)),  # the first gate to refuse names it
        (_case(best=0.1), ("relevance_floor", "Nothing in the documents is close to this question.")),
        (_case(evidence=False), ("relevance_floor", None)),
        (_case(), None),
    ],
)
def test_before_generation(case, expected):
    refusal = first_refusal(BEFORE_GENERATION, case)
    if expected is None:
        assert refusal is None
    else:
        assert refusal[0] == expected[0]
        assert expected[1] is None or refusal[1] == expected[1]


@pytest.mark.parametrize(
    ("sentences", "judge", "gate"),
    [
        ([], None, "no_supported_sentence"),
        ([("Purple elephants.", False)], None, "no_supported_sentence"),
        ([("Fighters used a dirt road.", True)], None, "answer_type"),  # "how many" with no quantity
        ([("At least 300 fighters crossed.", True)], lambda q, a: (False, ""), "judge"),
        ([("At least 300 fighters crossed.", True)], lambda q, a: (None, "no reply"), "judge_undecided"),
        ([("At least 300 fighters crossed.", True)], lambda q, a: (True, ""), None),
        ([("Hundreds of fighters crossed.", True), ("Purple.", False)], None, None),
    ],
)
def test_after_generation(sentences, judge, gate):
    refusal = first_refusal(AFTER_GENERATION, _case(sentences=sentences, judge=judge))
    assert (refusal[0] if refusal else None) == gate


def test_no_supported_sentence_says_whether_the_model_gave_anything():
    assert "found no answer" in first_refusal(AFTER_GENERATION, _case(sentences=[]))[1]
    assert "No sentence" in first_refusal(AFTER_GENERATION, _case(sentences=[("x", False)]))[1]


def test_judge_sees_only_the_supported_text():
    seen = []
    first_refusal(AFTER_GENERATION, _case(sentences=[("300 crossed.", True), ("Purple.", False)],
                                          judge=lambda q, a: seen.append((q, a)) or (True, "")))  # fmt: skip
    assert seen == [("How many fighters crossed?", "300 crossed.")]  # asked once, for both judge gates


def test_an_undecided_judge_fails_closed_and_says_why():
    gate, reason = first_refusal(AFTER_GENERATION, _case(sentences=[("300 crossed.", True)],
                                                         judge=lambda q, a: (None, "the model did not answer")))  # fmt: skip
    assert gate == "judge_undecided" and "the model did not answer" in reason


def _cited_case(question: str, passage_text: str, cited: str, answer_text: str) -> Case:
    """A case whose one supported sentence cites `cited`, a sentence of a one-passage document."""
    from qa.answer import Citation
    from qa.documents import Passage
    from qa.split import sentence_spans

    spans = tuple(sentence_spans(passage_text, 0, len(passage_text)))
    passage = Passage("d:0000:x", "d", "d.txt", "", 0, len(passage_text), passage_text, spans)
    start = passage_text.index(cited)
    citation = Citation(1, passage.passage_id, "d", "d.txt", "", start, start + len(cited), cited)
    retrieval = Retrieval(passages=[(passage, 1.0)], evidence=[], best_similarity=0.6)
    answer = Answer(question, answer_text, [AnswerSentence(answer_text, [1], True, 1.0)], [citation], False, "m", {})
    return Case(question, retrieval, 0.2, set(), answer, None)


@pytest.mark.parametrize(
    ("question", "passage", "cited", "answer", "gate"),
    [
        # The cited sentence is about another country's minister: off-subject.
        (
            "What did the Dutch foreign minister call the plan?",
            "The talks ran late. The Belgian foreign minister called the plan reckless. Others agreed.",
            "The Belgian foreign minister called the plan reckless.",
            "He called it reckless.",
            "subject",
        ),
        # The asked country is named in the neighbouring sentence: on subject.
        (
            "What did the Dutch foreign minister call the plan?",
            "The Netherlands' foreign minister Anna Smit spoke first. She called the plan reckless.",
            "She called the plan reckless.",
            "She called it reckless.",
            None,
        ),
        # A year other than the one asked about.
        (
            "How many cars did the firm sell in 2001?",
            "The firm sold 40,000 cars in 2002. It plans more.",
            "The firm sold 40,000 cars in 2002.",
            "It sold 40,000 cars.",
            "subject",
        ),
        # "What is the name of" answered without a name.
        (
            "What is the name of the pilot who landed the plane?",
            "The pilot, a former air force officer, landed the plane safely.",
            "The pilot, a former air force officer, landed the plane safely.",
            "A former air force officer landed the plane.",
            "answer_type",
        ),
        (
            "Who landed the plane?",
            "Captain Maria Lopes landed the plane safely.",
            "Captain Maria Lopes landed the plane safely.",
            "Captain Maria Lopes landed it.",
            None,
        ),
    ],
)
def test_answer_type_and_subject(question, passage, cited, answer, gate):
    refusal = first_refusal(AFTER_GENERATION, _cited_case(question, passage, cited, answer))
    assert (refusal[0] if refusal else None) == gate


@pytest.mark.parametrize(
    ("question", "passage", "cited", "answer", "gate"),
    [
        # The question takes as given what the cited sentence says the opposite of.
        (
            "Why did the town museum close in May?",
            "The town museum reopened in May after repairs. Visitors queued.",
            "The town museum reopened in May after repairs.",
            "The town museum reopened in May after repairs.",
            "contradicted",
        ),
        (
            "Why did the bakery's profits rise by 20% last year?",
            "The bakery's profits fell by 20% last year as flour prices soared.",
            "The bakery's profits fell by 20% last year as flour prices soared.",
            "Profits fell by 20% as flour prices soared.",
            "contradicted",
        ),
        # What rose is another thing than what the question says fell.
        (
            "Why did the pound fall against the dollar in May?",
            "The dollar rose in May because American interest rates went up.",
            "The dollar rose in May because American interest rates went up.",
            "The dollar rose because American interest rates went up.",
            None,
        ),
        # Asked whether it happened: "no, the opposite" answers it.
        (
            "Did the bakery's profits rise last year?",
            "The bakery's profits fell by 20% last year as flour prices soared.",
            "The bakery's profits fell by 20% last year as flour prices soared.",
            "No: the bakery's profits fell by 20% last year.",
            None,
        ),
        # The cited text says both: nothing turned round.
        (
            "Why did the bakery's profits rise by 20% last year?",
            "Profits rose by 20% last year because bread sales grew, though cake sales fell.",
            "Profits rose by 20% last year because bread sales grew, though cake sales fell.",
            "Profits rose by 20% because bread sales grew, though cake sales fell.",
            None,
        ),
        # The question says both too ("fall after ... rose").
        (
            "Why did the shares fall after profits rose?",
            "The shares fell because investors had expected more.",
            "The shares fell because investors had expected more.",
            "The shares fell because investors had expected more.",
            None,
        ),
    ],
)
def test_a_premise_the_cited_text_turns_round(question, passage, cited, answer, gate):
    refusal = first_refusal(AFTER_GENERATION, _cited_case(question, passage, cited, answer))
    assert (refusal[0] if refusal else None) == gate
