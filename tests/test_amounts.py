"""The amount a cited sentence gives against the one asked for, on sentences written for these tests."""

from __future__ import annotations

import pytest

from qa.subject import off_subject


@pytest.mark.parametrize(
    ("question", "cited", "off"),
    [
        # A quarter's figure is not the year's.
        ("By how much did the bakery chain's sales grow in 2004?", "Sales grew 0.8% in the fourth quarter of 2004.", True),
        ("How many passengers did the airline carry last year?", "It carried 2m passengers in the three months to December.", True),
        # The part asked about, or the year's figure given beside the part: nothing against it.
        ("By how much did the bakery chain's sales grow in the fourth quarter?", "Sales grew 0.8% in the fourth quarter.", False),
        ("How many passengers did the airline carry last year?", "It carried 9m passengers over the year, 2m of them in the final quarter.", False),
        ("How much did the bakery chain's profits rise in 2004?", "Annual profits rose 8%, with a strong fourth quarter.", False),
        # No year asked about: a figure for some months answers "how many".
        ("How many fighters crossed the border?", "About 300 fighters crossed in the past three months.", False),
        # Not asking for an amount.
        ("Why did the bakery chain's sales grow in 2004?", "Sales grew in the first half because bread prices fell.", False),
    ],
)
def test_a_figure_for_part_of_a_year_does_not_answer_a_question_about_the_year(question, cited, off):
    assert (off_subject(question, cited, cited) is not None) is off


@pytest.mark.parametrize(
    ("question", "text", "exact"),
    [
        ("What profit did the bakery chain make in 2004?", "The chain's revenue rose to $86m in 2004.", False),
        ("What profit did the bakery chain make in 2004?", "The chain made a profit of $17m in 2004.", True),
        ("By how much did the bakery chain's sales grow in 2004?", "Sales grew 0.8% in the fourth quarter of 2004.", False),
        ("By how much did the bakery chain's sales grow in 2004?", "Sales grew 2.3% over the year.", True),
    ],
)
def test_an_amount_of_another_measure_or_period_is_not_an_exact_answer(question, text, exact):
    """The second try for an amount (`Assistant._retry_typed`) looks for one of the measure and period asked
    for; the answer-type gate, which is not exact, leaves the refusal to the subject check."""
    from qa.asked import asked_type, supplies

    assert supplies(asked_type(question), text, question, exact=True) is exact
    assert supplies(asked_type(question), text, question)
