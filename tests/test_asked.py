"""The answer-type check on questions and answers written for these tests (none from an eval set)."""

from __future__ import annotations

import pytest

from qa.asked import asked_type, supplies


@pytest.mark.parametrize(
    ("question", "kind"),
    [
        ("Who chairs the water board?", "agent"),
        ("Whose plan did the council adopt?", "agent"),
        ("Which airline cancelled the most flights?", "agent"),
        ("Which Canadian company bought the mine?", "agent"),
        ("Where did the tanker run aground?", "place"),
        ("In which city will the final be played?", "place"),
        ("When did the bridge reopen?", "time"),
        ("In what year was the museum founded?", "time"),
        ("How many jobs will the plant create?", "quantity"),
        ("How much did the stadium cost?", "money"),
        ("How much money will the council save?", "money"),
        ("What profit did the brewer report?", "money"),
        ("How much rain fell in March?", "quantity"),
        ("What is the population of the island?", "quantity"),
        ("What was the price of the painting?", "money"),
        ("What share of the vote did the party win?", "quantity"),
        ("What is the name of the ship's captain?", "name"),
        ("What was the new drug called?", "name"),
        ("Why did the council delay the vote?", None),
        ("What did the mayor say about the strike?", None),
        ("How did the thieves enter the bank?", None),
    ],
)
def test_asked_type(question, kind):
    asked = asked_type(question)
    assert (asked.kind if asked else None) == kind


@pytest.mark.parametrize(
    ("question", "answer", "ok"),
    [
        ("Who chairs the water board?", "Helen Okafor chairs the board.", True),
        ("Who chairs the water board?", "The board's chair is its longest-serving member.", False),
        ("Which airline cancelled the most flights?", "Ryanair cancelled 400 flights.", True),
        ("Where did the tanker run aground?", "It ran aground off Cornwall.", True),
        ("Where did the tanker run aground?", "It ran aground on a sandbank.", True),
        ("Where did the tanker run aground?", "The crew was rescued.", False),
        ("When did the bridge reopen?", "It reopened on 3 March.", True),
        ("When did the bridge reopen?", "It reopened after repairs.", False),
        ("How many jobs will the plant create?", "It will create 1,200 jobs.", True),
        ("How many jobs will the plant create?", "It will create two thousand jobs.", True),
        ("How many jobs will the plant create?", "It will create many new jobs.", False),
        ("How much did the stadium cost?", "It cost £43m.", True),
        ("How much did the stadium cost?", "It cost 43 million euros.", True),
        ("How much will the recall cost the firm?", "The firm will replace 14 million cables.", False),
        ("What share of the vote did the party win?", "It won a third of the vote.", True),
        ("What is the name of the ship's captain?", "The captain, a veteran sailor, stayed aboard.", False),
        ("What is the name of the ship's captain?", "Captain Ivo Marsh stayed aboard.", True),
        # Words the question already holds are not an answer.
        ("Who did Helen Okafor replace?", "Helen Okafor replaced the chair.", False),
        ("Why did the council delay the vote?", "It wanted more time.", True),
        ("Who chairs the water board?", "", False),
    ],
)
def test_supplies(question, answer, ok):
    assert supplies(asked_type(question), answer, question) is ok


def test_a_fragment_is_tagged_in_the_sentence_it_cites():
    question = "Which province did the storm hit hardest?"
    cited = "The storm hit Idlib province hardest, officials in Damascus said."
    assert supplies(asked_type(question), "Idlib province", question, context=cited)
    # The context's entities count only where their words are in the answer.
    assert not supplies(asked_type(question), "The north", question, context=cited)
