"""Two-part questions, on questions and answers written for these tests (none from an eval set)."""

from __future__ import annotations

import pytest

from qa.parts import asks_each_article, missing_parts, question_parts


@pytest.mark.parametrize(
    ("question", "parts"),
    [
        ("How many jobs went, and which firm cut them?", ["How many jobs went", "which firm cut them?"]),
        ("Who won the race and when was it run?", ["Who won the race", "when was it run?"]),
        ("Which novel won and who wrote it?", ["Which novel won", "who wrote it?"]),
        ("Who won the race and the cup?", ["Who won the race and the cup?"]),
        ("What did the mayor say and why?", ["What did the mayor say and why?"]),
        ("Where do farmers and fishermen sell their catch?", ["Where do farmers and fishermen sell their catch?"]),
    ],
)
def test_question_parts(question, parts):
    assert question_parts(question) == parts


@pytest.mark.parametrize(
    ("question", "answer", "missing"),
    [
        # Different kinds: each part's own type must be there.
        ("How many jobs went, and which firm cut them?", "Brakewell cut 1,200 jobs.", []),
        ("How many jobs went, and which firm cut them?", "About 1,200 jobs went.", ["which firm cut them?"]),
        ("Who won the race and when was it run?", "Ana Silva won it on 4 May.", []),
        ("Who won the race and when was it run?", "Ana Silva won the race.", ["when was it run?"]),
        # The same kind twice: one figure does not answer both.
        ("How much did the bridge cost, and how much did the tunnel cost?", "The bridge cost £40m.", ["how much did the tunnel cost?"]),
        ("How much did the bridge cost, and how much did the tunnel cost?", "The bridge cost £40m and the tunnel £90m.", []),
        # A figure the question already gives is not an answer.
        ("How many of the 300 workers left, and how many stayed?", "Of the 300 workers, 120 left.", ["how many stayed?"]),
        # One-part questions, and an empty answer, have nothing missing here (other checks see to them).
        ("How many jobs went?", "Many jobs went.", []),
        ("How many jobs went, and which firm cut them?", "", []),
    ],
)
def test_missing_parts(question, answer, missing):
    assert [part for part, _ in missing_parts(question, answer)] == missing


@pytest.mark.parametrize(
    ("question", "across"),
    [
        ("What figures do the two reports give for the crowd?", True),
        ("Which minister do both articles quote?", True),
        ("Do the reports agree on the death toll?", True),
        ("What does each article say about the fire?", True),
        ("What did two security sources say about the convoy?", False),
        ("What did the report say about the fire?", False),
        ("According to the article, how big was the crowd?", False),
        ("Who were the sources for the story?", False),
        ("How did sales compare with last year?", False),
    ],
)
def test_asks_each_article(question, across):
    assert asks_each_article(question) is across
