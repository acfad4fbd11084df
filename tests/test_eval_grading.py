"""Independent grading: ALCE citation support graded by the LLM's entailment prompt, not by the
checker that filtered the answer; a grader that says no, or cannot decide, lowers the scores."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.errors import LLMUnavailable
from qa.eval import run
from qa.eval.grader import EntailmentGrader
from qa.eval.report import grading_line
from qa.llm import FakeLLM
from tests.test_eval_run import EchoLLM

DATA = Path(__file__).resolve().parent / "data"


class GradedEcho(EchoLLM):
    """EchoLLM whose replies to the grading prompt are scripted; the relevance judge still says yes."""

    def __init__(self, grade: str | Exception):
        self.grade = grade
        self.graded = 0

    def chat(self, messages, schema=None, on_token=None):
        if messages[0]["content"].startswith("You grade"):
            self.graded += 1
            if isinstance(self.grade, Exception):
                raise self.grade
            return self.grade
        return super().chat(messages, schema, on_token)


def _eval(settings, embedder, assistant, grade, capsys, grader="llm"):
    from qa.assistant import Assistant

    llm = GradedEcho(grade)
    echo = Assistant(settings, llm=llm, embedder=embedder, store=assistant.store)
    code = run.main(settings, questions=DATA / "questions.jsonl", limit=3, json_out=True, assistant=echo, grader=grader)
    out = capsys.readouterr()
    assert code == 0, out.err
    return json.loads(out.out), out.err, llm


@pytest.mark.integration
@pytest.mark.parametrize(("grade", "recall"), [('{"verdict": "yes"}', 1.0), ('{"verdict": "no"}', 0.0)])
def test_the_grader_decides_citation_recall(settings, embedder, assistant, capsys, grade, recall):
    result, _, llm = _eval(settings, embedder, assistant, grade, capsys)
    assert llm.graded > 0
    assert result["systems"]["qa"]["metrics"]["citation_recall"] == recall
    assert result["meta"]["grader"] == "llm-entailment" and result["meta"]["self_graded"] is False


@pytest.mark.integration
@pytest.mark.parametrize("grade", ["perhaps", '{"verdict": "maybe"}', LLMUnavailable("the model server is down")])
def test_a_grader_that_cannot_decide_counts_as_unsupported_and_is_reported(settings, embedder, assistant, capsys, grade):
    result, err, llm = _eval(settings, embedder, assistant, grade, capsys)
    assert result["systems"]["qa"]["metrics"]["citation_recall"] == 0.0
    assert result["meta"]["grader_undecided"] == llm.graded > 0
    assert "could not decide" in err


@pytest.mark.integration
def test_self_grading_is_named(settings, embedder, assistant, capsys):
    result, _, llm = _eval(settings, embedder, assistant, '{"verdict": "no"}', capsys, grader="checker")
    assert llm.graded == 0  # the filter's own checker graded, not the LLM
    assert result["meta"]["self_graded"] is True and result["meta"]["grader"] == result["meta"]["checker"]
    assert "self-graded" in grading_line(result["meta"])


def test_unknown_grader_is_refused(settings):
    with pytest.raises(Exception, match="--grader 'nli'"):
        run.load_grader("nli", None, None, settings)


def test_grader_asks_once_per_claim_and_evidence():
    llm = FakeLLM(['{"verdict": "yes"}', '{"verdict": "no"}'])
    grader = EntailmentGrader(llm)
    assert grader.check("A rose.", ["A rose 5%."]).supported
    assert grader.check("A rose.", ["A rose 5%."]).supported  # cached: the second reply is not used
    assert not grader.check("B fell.", ["A rose 5%."]).supported
