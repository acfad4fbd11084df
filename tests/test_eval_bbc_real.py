"""Six BBC questions through the real assistant, over the 206 vendored BBC articles (the rest are distractors).

They exercise what the rules were generalised for: a claim joining two
evidence sentences (bbc-06, bbc-22, bbc-26), an amount of money asked for and
a count given (bbc-34), a question about a named person that the articles do not answer
(bbc-36), and a "which countries" question answered with a number of
countries (bbc-33). Measured (2026-11-22, 2 cores): over these 200 articles
five of the six are right; bbc-36 is answered with "David Miliband won a safe
Labour seat in 2001", which is about him but gives no majority (over the whole
2,225-article corpus it is refused). The floors are those values: the five
must stay right. About 2 minutes on two cores, with indexing.
"""

from __future__ import annotations

from pathlib import Path

import pytest

from qa.eval import run
from qa.eval.grader import EntailmentGrader
from qa.eval.questions import load_questions

DATA = Path(__file__).resolve().parent / "data"
IDS = ["bbc-06", "bbc-22", "bbc-26", "bbc-33", "bbc-34", "bbc-36"]
KNOWN_MISS = {"bbc-36"}


@pytest.mark.integration
@pytest.mark.timeout(900)  # a guard against a hung model, not a speed test
def test_bbc_questions_through_the_model(bbc_assistant, bbc_library):
    questions = [q for q in load_questions(DATA / "bbc_questions.jsonl") if q.id in IDS]
    assert [q.id for q in questions] == IDS
    texts = run.stored_texts(bbc_library)
    result = run.evaluate("qa", bbc_assistant.ask, questions, texts, EntailmentGrader(bbc_assistant.llm),
                          bbc_assistant.settings.top_k, disk=run.disk_texts(bbc_library))  # fmt: skip
    m = result.metrics
    table = "\n".join(f"{s.id}: {'right' if s.correct else 'WRONG'} {s.answer} ({s.abstain_gate})" for s in result.scores)
    assert m["errors"] == 0, table
    assert m["citation_exactness"] == 1.0 and m["citation_exactness_disk"] == 1.0, table
    assert [s.id for s in result.scores if not s.correct and s.id not in KNOWN_MISS] == [], table
    assert m["citation_recall"] == 1.0, table
