"""What a figure counts against what a "how many" question counts, on sentences written for these tests."""

from __future__ import annotations

import pytest

from qa.asked import asked_type, supplies
from qa.counts import counted_noun, counts_asked


@pytest.mark.parametrize(
    ("question", "noun"),
    [
        ("How many Oscar nominations did the film get?", "nomination"),
        ("How many grain ships docked at Tartus in May?", "ship"),
        ("How many Iranian and Iraqi fighters reached the capital?", "fighter"),
        # Nothing particular counted: no noun, a general noun, or a part of a count the question gives.
        ("How many were killed in the blast?", ""),
        ("How many people were hurt in the crash?", ""),
        ("How many times has she won the race?", ""),
        ("How many of the 300 workers lost their jobs?", ""),
        ("What did the mayor say about the bridge?", ""),
    ],
)
def test_the_noun_a_question_counts(question, noun):
    assert counted_noun(question) == noun


@pytest.mark.parametrize(
    ("question", "text", "counts"),
    [
        # Another thing counted beside the one asked about.
        ("How many Oscar nominations did the film get?", "The film took three awards on the night.", False),
        ("How many kiosks are in the village network?", "More than 9,000 villagers and 2,000 pupils will benefit.", False),
        ("How many goals did the striker score this season?", "The striker has played 30 matches this season.", False),
        # The thing asked about, however the figure is put.
        ("How many Oscar nominations did the film get?", "The film leads the field with 11 nominations.", True),
        ("How many kiosks are in the village network?", "The 12 kiosks run on solar power.", True),
        ("How many kiosks are in the village network?", "Nine of the kiosks opened in March.", True),
        # A figure alone, or of a general noun, may count it.
        ("How many goals did the striker score this season?", "He has scored 19 this season.", True),
        ("How many kiosks are in the village network?", "At least 12 of them run on solar power.", True),
        ("How many passengers were hurt in the crash?", "Twelve people were hurt in the crash.", True),
        # A figure counts something else, and another counts the thing asked about.
        ("How many grain ships docked in May?", "The port took 300 lorries and 40 ships in May.", True),
        # Nothing to tell: no particular noun asked about, or no figure given; a date, a sum or a share is no count.
        ("How many were killed in the blast?", "Seven soldiers were killed.", None),
        ("How many kiosks are in the village network?", "The network cost $200,000 in 2004.", None),
        ("How many kiosks are in the village network?", "Most kiosks are in the hills.", None),
    ],
)
def test_whether_a_text_counts_what_the_question_counts(question, text, counts):
    assert counts_asked(question, text) is counts


def test_an_exact_answer_to_how_many_counts_the_thing_asked_about():
    """The check the second try uses (`exact`): a count of another thing is not one; the answer-type gate
    (not exact) still takes it, so a synonym the check cannot see ("soldiers" for "troops") is never refused."""
    question = "How many Oscar nominations did the film get?"
    asked = asked_type(question)
    assert not supplies(asked, "The film took three awards on the night.", question, exact=True)
    assert supplies(asked, "The film took three awards on the night.", question)
    assert supplies(asked, "The film leads the field with 11 nominations.", question, exact=True)
