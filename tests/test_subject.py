"""The subject check on sentences written for these tests (none from an eval set)."""

from __future__ import annotations

import pytest

from qa.documents import Passage
from qa.subject import off_subject, on_subject, qualifiers, same_entity


@pytest.mark.parametrize(
    ("a", "b", "same"),
    [
        ("Spanish", "Spain", True),
        ("Norwegian", "Norway", True),
        ("Kenyan", "Kenya", True),
        ("Egyptian", "Egypt", True),
        ("Ukrainian", "Ukraine", True),
        ("Portugal's", "Portuguese", True),
        ("the European Commission", "European Commission", True),
        ("Austrian", "Australia", False),
        ("Iranian", "Iraq", False),
        ("Slovenia", "Slovakia", False),
        ("Niger", "Nigeria", False),
    ],
)
def test_same_entity(a, b, same):
    assert same_entity(a, b) is same


@pytest.mark.parametrize(
    ("question", "expected"),
    [
        ("What did the Danish prime minister promise?", [("Danish", "place", "minister")]),
        ("What did Kenya's president announce?", [("Kenya", "place", "president")]),
        ("How many stores did the firm close in 2011?", [("2011", "year", None)]),
        ("Why did the strike end?", []),
    ],
)
def test_qualifiers(question, expected):
    assert [(q.text, q.group, q.head) for q in qualifiers(question)] == expected


@pytest.mark.parametrize(
    ("question", "cited", "window", "off"),
    [
        # Another nationality on the same head noun.
        ("What did the Danish prime minister promise?", "The Swedish prime minister promised lower taxes.", "", True),
        # The asked nationality in the cited sentence, or in the window around it.
        ("What did the Danish prime minister promise?", "Denmark's prime minister promised lower taxes.", "", False),
        (
            "What did the Danish prime minister promise?",
            "She promised lower taxes.",
            "Denmark's prime minister spoke in Aarhus. She promised lower taxes.",
            False,
        ),
        # Nothing in the window says whose prime minister: not held against the answer.
        ("What did the Danish prime minister promise?", "The prime minister promised lower taxes.", "", False),
        # A different country on a different noun is no conflict.
        ("What did the Danish prime minister promise?", "The prime minister promised Swedish voters a bridge.", "", False),
        # Years.
        ("How many stores did the firm close in 2011?", "The firm closed 40 stores in 2012.", "", True),
        ("How many stores did the firm close in 2011?", "In 2011 the firm closed 40 stores.", "", False),
        ("How many stores did the firm close in 2011?", "The firm closed 40 stores.", "", False),
        # A clock time in news style is not a year.
        ("Who hosted the 2011 awards?", "Ann Dale hosted the show, shown at 2010 GMT.", "", False),
    ],
)
def test_off_subject(question, cited, window, off):
    assert (off_subject(question, cited, window or cited) is not None) is off


@pytest.mark.parametrize(
    ("question", "cited", "window", "off"),
    [
        # The question is about a named person; the cited sentence is about a party, and no sentence near it names her.
        ("What majority did Ann Kerr win in 2001?", "Labour won a majority of 167 in 2001.", "", True),
        # Named again by surname in the neighbouring sentence: on subject.
        (
            "What majority did Ann Kerr win in 2001?",
            "She won a majority of 5,000 in 2001.",
            "Kerr was first elected in 2001. She won a majority of 5,000 in 2001.",
            False,
        ),
        # Organisations are left to the qualifier check: news names them loosely.
        ("When did Parliament pass the water bill?", "MPs passed the water bill in June.", "", False),
        # A person named only in a scene-setting sentence before the question is not required.
        ("Ann Kerr won in 2001. Which party came second?", "The Greens came second.", "", False),
        # A name's word counts only written as a name: "prize" in "prize purse" is not the Orange Prize.
        ("How much is the Orange Prize for fiction worth?", "The winner will get a prize purse of $50,000.", "", True),
        ("How much is the Orange Prize for fiction worth?", "The Orange is worth $50,000.", "", False),
        # "worth" after the name is not a noun it modifies (the tagger can read it as one).
        ("How much is the new Orange Prize worth?", "The winner will get a prize purse of $50,000.", "", True),
        # A title is not a name: "Mr Hale" is not named by any sentence with a "Mr" in it.
        ("What did Mr Hale tell reporters about the strike?", "Mr Dunn said the strike would go on.", "", True),
        ("What did Mr Hale tell reporters about the strike?", "He said the strike would go on.", "Mr Hale spoke. He said the strike would go on.", False),
        # A name's common nouns say which of its kind it is: another committee of the Commons is not this one.
        (
            "What did the Commons health committee say about the rail plan?",
            "Ann Dale, who chairs the Commons transport committee, criticised the plan.",
            "",
            True,
        ),
        (
            "What did the Commons health committee say about the rail plan?",
            "The Commons health committee criticised the plan.",
            "",
            False,
        ),
        # A possessive or a closing apostrophe is not part of the name.
        ("Where did Sir Tom Jones' portrait sell?", "The Jones portrait sold in London.", "", False),
    ],
)
def test_named_subject_must_be_near_the_citation(question, cited, window, off):
    assert (off_subject(question, cited, window or cited) is not None) is off


@pytest.mark.parametrize(
    ("question", "cited", "window", "off"),
    [
        # A name from sentences that never speak of a spokeswoman is someone else's.
        (
            "What is the name of the port's spokeswoman who announced the closure?",
            "Tom Reed said the port would reopen on Monday.",
            "Gales closed the port. Tom Reed said the port would reopen on Monday. Ferries were cancelled.",
            True,
        ),
        # The role in the sentence before the one with the name: on subject.
        (
            "Who is the harbour master who closed the port?",
            "Ann Dale shut the port at noon.",
            "The harbour master acted after the gales. Ann Dale shut the port at noon.",
            False,
        ),
        # The role in another number ("spokesmen" for spokesman).
        ("Who is the spokesman who denied the report?", "Ann Dale denied it.", "Two spokesmen spoke. Ann Dale denied it.", False),
        # A role its holder is named for by the verb: "won" for winner, "wrote" for writer.
        ("Who was the winner of the 2003 poetry prize?", "Ann Dale won the 2003 poetry prize.", "", False),
        ("Who is the writer of the play about the miners?", "Tom Reed wrote the play about the miners.", "", False),
        # Another role is not the one asked about.
        ("Who is the spokeswoman who denied the report?", "Tom Reed, the chairman, denied it.", "", True),
        # Questions that name no role are not held to one.
        ("Who denied the report?", "Tom Reed denied it.", "", False),
    ],
)
def test_role_asked_for_must_be_near_the_citation(question, cited, window, off):
    assert (off_subject(question, cited, window or cited) is not None) is off


def _passage(title: str, *sentences: str) -> Passage:
    text, spans = "", []
    for sentence in sentences:
        start = len(text) + (1 if text else 0)
        text = f"{text} {sentence}" if text else sentence
        spans.append((start, start + len(sentence)))
    return Passage(f"{title}:0:x", title, f"{title}.txt", title, 0, len(text), text, tuple(spans))


def test_the_sentences_about_the_subject_are_those_near_its_name_role_or_title():
    lee = _passage("Regatta", "Ann Lee won the single sculls.", "She had trained for a year.", "Rain fell all day.", "Tom Reed won the pairs.")
    ministers = [_passage("Talks", "The German finance minister said no."), _passage("Deal", "The French finance minister agreed.")]
    assert on_subject("How long did Ann Lee train?", [lee]) == {"Ann Lee won the single sculls.", "She had trained for a year."}
    # A sentence qualified by a rival ("German" for "French") is off subject; one the window says nothing against is on.
    assert on_subject("What did the French finance minister say?", ministers) == {"The French finance minister agreed."}
    # The title counts as near every sentence of its article.
    titled = _passage("Ann Lee's year", "Rain fell all day.", "The club had a new boat.")
    assert on_subject("How long did Ann Lee train?", [titled]) == {"Rain fell all day.", "The club had a new boat."}
    # "He" carries the name back along a run of sentences that speak of him, and no further.
    talk = _passage("Talk", "Tom Reed spoke first.", "He praised the crews.", "The port will reopen, he said.", "Rain fell.", "Ferries sailed, he said.")
    assert on_subject("What did Tom Reed say about the port?", [talk]) == {
        "Tom Reed spoke first.", "He praised the crews.", "The port will reopen, he said.",
    }
    # The role asked to be named must be spoken of near the sentence.
    port = _passage("Port", "The harbour master acted early.", "Ann Dale shut the port.", "Ferries sailed again.", "Tom Reed praised the crews.")
    assert on_subject("Who is the harbour master who shut the port?", [port]) == {
        "The harbour master acted early.", "Ann Dale shut the port.",
    }


@pytest.mark.parametrize(
    ("question", "cited", "off"),
    [
        # A firm's sales are not its profit, nor the other way round.
        ("How much profit did the bakery chain make last year?", "The chain's sales rose 8% to £1.2bn last year.", True),
        ("What were the chain's sales in the first half?", "Pre-tax profit rose to £40m in the first half.", True),
        ("How much did the bakery chain earn last year?", "Turnover reached £1.2bn.", True),
        # The sentence with the figure decides: another cited for a name does not make sales a profit.
        (
            "How much profit did the bakery chain make last year?",
            "Sales rose to £1.2bn last year. Crumb & Co's profit news pleased no one.",
            True,
        ),
        # A loss answers a question about profit; turnover is sales by another name.
        ("How much profit did the bakery chain make last year?", "The chain made a loss of £3m last year.", False),
        ("What were the chain's sales in the first half?", "Turnover climbed to £600m in the first half.", False),
        # Both named, or neither asked for as an amount: nothing to hold against the sentence.
        ("How much did the chain's profits rise?", "Profits rose 10% as sales grew.", False),
        ("What profit and sales did the chain report?", "Sales rose 8%.", False),
        ("How many shops does the chain have?", "Sales rose at its 300 shops.", False),
        ("Why did the chain's profits fall?", "Sales slumped in Scotland.", False),
    ],
)
def test_the_amount_asked_for_is_not_answered_by_another_measure(question, cited, off):
    assert (off_subject(question, cited, cited) is not None) is off


@pytest.mark.parametrize(
    ("question", "cited", "window", "off"),
    [
        # The name of what is counted must be near the count: another award's nominations are no answer.
        ("How many Grammy nominations did the band receive?", "The band has 11 nominations in this year's Brit race.", "", True),
        (
            "How many Grammy nominations did the band receive?",
            "The band received six nominations.",
            "Grammy hopes are high. The band received six nominations.",
            False,
        ),
        ("How many Labour MPs voted against the bill?", "Some 40 Conservative MPs voted against it.", "", True),
        # A name that sorts the answer rather than what is counted is not required ("which Premiership club").
        ("Which Premiership club did the striker join?", "The striker joined Chelsea in May.", "", False),
    ],
)
def test_the_name_of_what_is_counted_must_be_near_the_count(question, cited, window, off):
    assert (off_subject(question, cited, window or cited) is not None) is off
