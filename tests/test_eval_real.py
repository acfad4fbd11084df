"""A small real evaluation: six dev questions through the real assistant (local LLM).

Measured (2026-11-22, 2 cores): all six right in every run (the dev set in
order, in reverse, after other questions, and in the full 46-question eval):
4/4 answered with gold evidence cited, 2/2 abstained, citation recall 1.0,
gold ranks 2, 1, 1, 1. The floors are those measured values, so any regression
fails. Citation recall is graded by the LLM's entailment prompt
(`EntailmentGrader`), not by the checker that filtered the sentences.
About a minute on two cores.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.eval import run
from qa.eval.questions import load_questions
from qa.eval.grader import EntailmentGrader
from qa.testing import assert_abstains, assert_cited

DATA = Path(__file__).resolve().parent / "data"
IDS = ["dev-01", "dev-05", "dev-07", "dev-09", "dev-11", "dev-12"]


@pytest.fixture(scope="module")
def small_eval(assistant, library):
    questions = [q for q in load_questions(DATA / "questions.jsonl") if q.id in IDS]
    texts = run.stored_texts(library)
    grader = EntailmentGrader(assistant.llm)
    result = run.evaluate("qa", assistant.ask, questions, texts, grader, assistant.settings.top_k,
                          disk=run.disk_texts(library))  # fmt: skip
    return questions, texts, result


@pytest.mark.integration
@pytest.mark.timeout(900)  # a guard against a hung model, not a speed test (about 2 min on an idle 2-core machine)
def test_small_eval_meets_floors(small_eval):
    _, _, result = small_eval
    m = result.metrics
    table = "\n".join(f"{s.id}: {'right' if s.correct else 'WRONG'} {s.answer}" for s in result.scores)
    assert m["errors"] == 0, table
    assert m["citation_exactness"] == 1.0 and m["citation_exactness_disk"] == 1.0, table
    assert m["answer_correctness"] == 1.0, table
    assert m["abstention_recall"] == 1.0, table
    assert m["false_refusal_rate"] == 0.0, table
    assert m["citation_recall"] == 1.0, table
    assert m["evidence_recall"] == 1.0, table
    assert m["retrieval_recall_at_k"] == 1.0, table


@pytest.mark.integration
def test_pytest_helpers_on_real_answers(small_eval, assistant):
    questions, texts, result = small_eval
    answers = {q.id: a for q, a in zip(questions, result.answers)}
    q = next(q for q in questions if q.id == "dev-01")  # the README's headline question
    assert_cited(
        answers["dev-01"],
        evidence=[{"source": e.source, "quote": e.quote} for e in q.evidence],
        expected=list(q.expected),
        texts=texts,
        checker=assistant.checker,
    )
    assert_abstains(answers["dev-12"])
