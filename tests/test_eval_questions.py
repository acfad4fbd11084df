"""Question files: validation with line numbers, and gold quotes that really are in the seeds."""

from __future__ import annotations

import json
from pathlib import Path

import pytest

from qa.eval.questions import BadQuestionFile, check_evidence, load_questions, parse_lines

ROOT = Path(__file__).resolve().parent.parent
DATA = ROOT / "tests" / "data"
SEEDS = {p.name: p.read_text(encoding="utf-8") for p in (ROOT / "seeds").glob("*.txt")}

GOOD = {"id": "a", "question": "How many?", "answerable": True, "expected": ["300"],
        "evidence": [{"source": "f.txt", "quote": "300"}]}  # fmt: skip


def line(**changes) -> str:
    record = {**GOOD, **changes}
    return json.dumps({k: v for k, v in record.items() if v is not ...})


@pytest.mark.parametrize(
    ("lines", "message"),
    [
        ([line(), "{not json"], "line 2: not valid JSON"),
        ([line(answerable=...)], 'line 1: missing "answerable"'),
        ([line(answerable="yes")], 'line 1: "answerable" must be true or false'),
        ([line(question="  ")], 'line 1: "question" must be a non-empty string'),
        ([line(id=7)], 'line 1: "id" must be a non-empty string'),
        ([line(), "", line()], "line 3: id 'a' repeats line 1"),
        ([line(expected="300")], '"expected" must be a list'),
        ([line(expected=[3])], 'each "expected" item'),
        ([line(expected=[])], "needs at least one"),
        ([line(evidence=[{"source": "f.txt"}])], 'needs string "source" and "quote"'),
        ([line(answerable=False)], "unanswerable question must have empty"),
        (["[1, 2]"], "expected a JSON object"),
        (["", "  "], "has no questions"),
    ],
)
def test_bad_records_name_their_line(lines, message):
    with pytest.raises(BadQuestionFile, match=message.replace("(", r"\(")):
        parse_lines(lines, "q.jsonl")


def test_alternatives_and_extra_fields():
    [q] = parse_lines([line(expected=[["seven", "7"], "children"], kind="number")])
    assert q.expected == (("seven", "7"), "children")
    assert q.extra == {"kind": "number"} and q.line == 1


def test_missing_file_says_what_to_do(tmp_path):
    with pytest.raises(BadQuestionFile, match="--questions FILE"):
        load_questions(tmp_path / "nope.jsonl")


def test_check_evidence_reports_missing_source_and_quote():
    qs = parse_lines([
        line(id="a", evidence=[{"source": "other.txt", "quote": "x"}]),
        line(id="b", evidence=[{"source": "f.txt", "quote": "not there"}]),
        line(id="c", evidence=[{"source": "f.txt", "quote": "300 men"}]),
    ])  # fmt: skip
    problems = check_evidence(qs, {"docs/f.txt": "300 men"})
    assert len(problems) == 2
    assert "'other.txt' is not in the index" in problems[0]
    assert "not an exact substring of docs/f.txt" in problems[1]


@pytest.mark.parametrize("name", ["questions.jsonl", "dev.jsonl", "heldout.jsonl"])
def test_every_gold_quote_is_in_its_seed_file(name):
    questions = load_questions(DATA / name)
    for q in questions:
        for ev in q.evidence:
            assert ev.source in SEEDS, f"{q.id}: unknown seed file {ev.source}"
            assert ev.quote in SEEDS[ev.source], f"{q.id}: quote not verbatim in {ev.source}: {ev.quote!r}"


def test_question_set_covers_the_kinds_and_the_dev_set():
    questions = load_questions(DATA / "questions.jsonl")
    dev = load_questions(DATA / "dev.jsonl")
    assert len(questions) >= 40
    by_id = {q.id: q for q in questions}
    for d in dev:
        assert by_id[d.id].question == d.question and by_id[d.id].expected == d.expected
    kinds = {q.extra.get("kind") for q in questions}
    assert {"fact", "number", "date", "multi", "false_premise", "unanswerable", "disagreement"} <= kinds
    multi = [q for q in questions if q.extra.get("kind") == "multi"]
    assert all(len({e.source for e in q.evidence}) == 2 for q in multi), "multi questions need both articles"


def test_support_pairs_quote_the_seeds():
    pairs = [json.loads(x) for x in (DATA / "support_pairs.jsonl").read_text(encoding="utf-8").splitlines() if x.strip()]
    assert len(pairs) >= 60
    for p in pairs:
        for ev in p["evidence"]:
            assert ev["text"] in SEEDS[ev["source"]], f"{p['id']}: evidence not verbatim"


def test_held_out_questions_are_new():
    """The held-out set (scored when an issue is done, never tuned on) shares no question with the project's set."""
    held_out = load_questions(DATA / "heldout.jsonl")
    asked = {q.question.lower() for q in load_questions(DATA / "questions.jsonl")}
    assert len(held_out) >= 15 and not {q.question.lower() for q in held_out} & asked
    assert sum(not q.answerable for q in held_out) >= 4
