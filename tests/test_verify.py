"""The default support checker, without the embedding model (lexical rules only)."""

import pytest

from qa.question import answers_question, expected_kind
from qa.verify import LexicalChecker, missing_names, missing_numbers

EV_300 = (
    "At least 300 fighters, primarily from the Badr and Nujabaa groups, crossed late on Sunday using a dirt "
    "road to avoid the official border crossing, two Iraqi security sources said."
)
EV_PMF = (
    "The head of Iraq's Popular Mobilization Forces (Hashd al-Shaabi in Arabic) said no group under its "
    "umbrella had entered Syria, and that it does not operate outside Iraq."
)
EV_7000 = '"Around 7,000 Iranian and Iraqi fighters have arrived in Syria over the past few weeks."'

EV_LIBRARIES = "Four libraries will close in an effort to save money, the council said."

checker = LexicalChecker(embedder=None, threshold=0.5)


@pytest.mark.parametrize(
    "claim, evidence, question, supported",
    [
        ("At least 300 fighters crossed late on Sunday.", EV_300, "", True),
        ("At least 300 fighters crossed into Syria.", EV_300, "", False),  # Syria is not in this sentence
        ("At least 500 fighters crossed into Syria.", EV_300, "", False),  # swapped number
        ("The fighters were mainly from the Badr and Nujabaa groups.", EV_300, "", True),
        ("The fighters were mainly from the Badr and Hezbollah groups.", EV_300, "", False),  # wrong name
        ("They used a dirt road to avoid the official crossing.", EV_300, "", True),
        ("The PMF head said no group under its umbrella had entered Syria.", EV_PMF, "", True),
        ("The head of the Popular Mobilization Forces said its groups had entered Syria.", EV_PMF, "", False),
        ("Around 7000 Iranian and Iraqi fighters arrived in Syria.", EV_7000, "", True),  # number format
        ("Around 7,000 fighters arrived.", EV_300, "", False),  # right fact, wrong citation
        ("Fighters crossed.", EV_300, "How did fighters cross?", False),  # restates the question
        ("Anything at all.", "", "", False),  # cites nothing
        # A claim that says the opposite of the cited text, often the question's false premise repeated.
        ("The council is opening four libraries to save money.", EV_LIBRARIES, "Why is the council opening four libraries?", False),
        ("The council will close four libraries to save money.", EV_LIBRARIES, "Why is the council opening four libraries?", True),
        ("Fares rose in March.", "Fares fell in March after the strike.", "", False),
        ("Fares fell in March.", "Fares fell in March after the strike.", "", True),
        ("The board rejected the offer.", "The board approved the offer on Monday.", "", False),
        ("The pool reopened in May.", "The pool, shut in April, reopened in May.", "", True),  # both words are there
    ],
)
def test_checker_table(claim, evidence, question, supported):
    verdict = checker.check(claim, [evidence] if evidence else [], question)
    assert verdict.supported is supported, verdict.reason


def test_reason_names_the_missing_number():
    assert "500" in checker.check("500 fighters crossed.", [EV_300]).reason


def test_missing_helpers():
    assert missing_numbers("seven people", "7 people died") == set()
    assert missing_numbers("2 million people", "two million people") == set()
    assert missing_names("Hadi al-Bahra spoke.", "Syrian opposition leader Hadi al-Bahra said") == []
    assert missing_names("Iranian fighters", "Iran-backed fighters") == []
    assert missing_names("Soleimani said", "Araqchi said") == ["Soleimani"]


@pytest.mark.parametrize(
    "question, kind",
    [
        ("How many fighters crossed?", "number"),
        ("how much money was sent", "number"),
        ("When did the government lose Jisr al-Shughur?", "time"),
        ("On what date did it happen?", "time"),
        ("In which month did the siege begin?", "time"),
        ("How long did the siege last?", "measure"),
        ("How old is the mayor?", "measure"),
        ("Who said that?", None),
        ("Why did Iran object?", None),
    ],
)
def test_expected_kind(question, kind):
    assert expected_kind(question) == kind


@pytest.mark.parametrize(
    "question, answer, ok",
    [
        ("How many fighters crossed?", "At least 300 fighters crossed.", True),
        ("How many fighters crossed?", "Fighters crossed on a dirt road.", False),
        ("How many were killed?", "Seven people were killed.", True),
        ("When did it fall?", "It fell on April 25.", True),
        ("When did it fall?", "It fell last week.", True),
        ("When did it fall?", "Rebels took it.", False),
        ("Why did they cross?", "To defend a shrine.", True),
        ("How long did the siege last?", "It lasted a decade.", True),
        ("How long did the siege last?", "It ended in a truce.", False),
    ],
)
def test_answers_question(question, answer, ok):
    assert answers_question(question, answer) is ok


def _numbered(*texts):
    from qa.documents import Passage
    from qa.retrieve import Evidence

    text = " ".join(texts)
    passage = Passage("d:0000:x", "d", "d.txt", "", 0, len(text), text, ())
    out, at = [], 0
    for n, t in enumerate(texts, start=1):
        out.append(Evidence(n, passage, at, at + len(t), t, 1.0))
        at += len(t) + 1
    return out


@pytest.mark.parametrize(
    ("claim", "cites", "expected"),
    [
        # One sentence names the minister, the next gives the sum: together they support the claim.
        ("Ann Kerr said closing the embassies would save £4m a year.", [1], [1, 2]),
        # A single sentence that supports it is preferred to a pair.
        ("Ms Kerr said the move would save £4m a year.", [3], [2]),
        # No pair holds 7m: unsupported.
        ("Ann Kerr said the move would save £7m a year.", [1], []),
    ],
)
def test_a_claim_joining_two_evidence_sentences_cites_both(claim, cites, expected):
    from qa.citations import Draft
    from qa.verify import verify_sentence

    evidence = _numbered(
        "Nine embassies will close, Foreign Secretary Ann Kerr has announced.",
        "Ms Kerr said the move would save £4m a year.",
        "The rebate was secured in 1984.",
    )
    result = verify_sentence(LexicalChecker(), Draft(claim, cites), evidence, "How much would closing the embassies save?")
    assert result.citations == expected and result.supported is bool(expected)


def _from_articles(*pairs):
    """Evidence numbered in order, each (document id, sentence); one passage per document."""
    from qa.documents import Passage
    from qa.retrieve import Evidence

    out = []
    for n, (doc, text) in enumerate(pairs, start=1):
        out.append(Evidence(n, Passage(f"{doc}:0000:x", doc, f"{doc}.txt", "", 0, len(text), text, ()), 0, len(text), text, 1.0))
    return out


def test_an_answer_that_puts_back_the_questions_names_cites_the_sentences_of_its_article_that_give_them():
    from qa.citations import Draft
    from qa.verify import verify_sentence

    question = "Which reporter did Tom Hale's angry text about the Green Party leaflet go to by mistake?"
    claim = "Tom Hale's angry text about the Green Party leaflet went by mistake to reporter Ruth Ames."
    sentences = [
        "Former spin doctor Tom Hale is at the centre of a row over an angry text message.",
        "The text was sent by mistake to reporter Ruth Ames.",
        "The programme had asked about his part in the Green Party leaflet campaign.",
    ]
    one_article = _from_articles(*(("a", s) for s in sentences))
    result = verify_sentence(LexicalChecker(), Draft(claim, [2]), one_article, question)
    assert result.supported and result.citations == [1, 2, 3]
    # The same three sentences from two articles do not join: names from another article do not support it.
    two_articles = _from_articles(("a", sentences[0]), ("a", sentences[1]), ("b", sentences[2]))
    assert not verify_sentence(LexicalChecker(), Draft(claim, [2]), two_articles, question).supported


def test_a_word_another_cited_sentence_happens_to_use_does_not_undo_the_opposite_in_the_one_the_claim_restates():
    from qa.citations import Draft
    from qa.verify import verify_sentence

    question = "Why is mayor Ann Kerr opening six new libraries in Ely and Hale?"
    claim = "Ann Kerr is opening six new libraries in Ely and Hale to save money."
    article = _from_articles(
        ("a", "Six branch libraries will close to save money, mayor Ann Kerr has announced."),
        ("a", "Branches in Ely and Hale are among those affected."),
        ("a", "Since 2010 three new libraries have been opened."),
    )
    result = verify_sentence(LexicalChecker(), Draft(claim, [1]), article, question)
    assert not result.supported


def test_a_claim_that_uses_both_words_of_an_opposite_pair_is_not_reversed():
    from qa.citations import Draft
    from qa.verify import verify_sentence

    evidence = _from_articles(("a", "Bakery sales rose sharply in May."), ("a", "Bakery sales fell sharply in June."))
    result = verify_sentence(LexicalChecker(), Draft("Bakery sales rose sharply in May and fell in June.", [1, 2]), evidence, "")
    assert result.supported and result.citations == [1, 2]


def _two_articles(first: str, second: str):
    from qa.documents import Passage
    from qa.retrieve import Evidence

    return [
        Evidence(n, Passage(f"{doc}:0000:x", doc, f"{doc}.txt", "", 0, len(text), text, ()), 0, len(text), text, 1.0)
        for n, (doc, text) in enumerate([("a", first), ("b", second)], start=1)
    ]


@pytest.mark.parametrize(
    ("first", "second", "claim", "expected"),
    [
        # The same runner in two articles: one gives her race, the other her nationality.
        ("Rita Moss won the race in Oslo.", "Moss, a Kenyan, set a record last year.", "Kenyan Rita Moss won the race in Oslo.", [1, 2]),
        # Two magazines' lists: one magazine's name joined to the other's choice is not what either says.
        ("Gadget Weekly put the Zune at number five.", "Tech Monthly named the Walkman its gadget of the year.",
         "Gadget Weekly named the Walkman its gadget of the year.", []),
    ],
)
def test_sentences_of_two_articles_support_a_claim_together_only_about_one_subject(first, second, claim, expected):
    from qa.citations import Draft
    from qa.verify import verify_sentence

    result = verify_sentence(LexicalChecker(), Draft(claim, [1]), _two_articles(first, second), "Which gadget came first?")
    assert result.citations == expected and result.supported is bool(expected)
