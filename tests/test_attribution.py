"""Which article, from when, says what: labels come from document metadata; a model's own
"In 2015, AFP reported" is taken off before the support check only when it is true to that metadata."""

from types import SimpleNamespace

import pytest

from qa.answer import AnswerSentence
from qa.attribution import label, needs_labels, strip_attribution
from qa.citations import Draft, assemble
from qa.verify import LexicalChecker, verify_sentence


def evidence(n, doc_id, text, site=None, published=None, title="", start=0):
    return SimpleNamespace(n=n, passage_id=f"{doc_id}:0000:ab", doc_id=doc_id, source=f"news/{doc_id}.txt", title=title,
                           start=start, end=start + len(text), text=text, site=site, published=published,
                           author=None, url=None, page=None)  # fmt: skip


AFP = evidence(1, "afp", "About 300 fighters crossed into Syria on Sunday.", "AFP", "2015-03-02", "Fighters cross")
REUTERS = evidence(2, "reuters", "Around 7,000 fighters are now in Syria, officials say.", "Reuters", "2024-12-01")


@pytest.mark.parametrize(
    "written, kept",
    [
        ("In 2015, AFP reported that about 300 fighters crossed.", "About 300 fighters crossed."),
        ("In March 2015 AFP said about 300 fighters crossed.", "About 300 fighters crossed."),
        ("On 2 March 2015, AFP reported about 300 fighters crossed.", "About 300 fighters crossed."),
        ("According to AFP, about 300 fighters crossed.", "About 300 fighters crossed."),
        ("According to AFP (2 March 2015), 300 fighters crossed.", "300 fighters crossed."),
        ("AFP reported in 2015 that 300 fighters crossed.", "300 fighters crossed."),
        # Not the cited article's own date or publisher: left in the sentence, for the check to judge.
        ("In 2019, AFP reported that about 300 fighters crossed.", None),
        ("On 2 May 2015, AFP said 300 fighters crossed.", None),
        ("According to Reuters, about 300 fighters crossed.", None),
        ("In 2015, the Pentagon said 300 fighters crossed.", None),
        # Not an attribution at all.
        ("In Syria, about 300 fighters crossed.", None),
        ("About 300 fighters crossed in 2015.", None),
    ],
)
def test_a_leading_attribution_is_taken_off_only_when_it_is_the_metadata(written, kept):
    assert strip_attribution(written, [AFP]) == (kept or written)


def test_an_article_without_a_date_cannot_vouch_for_one():
    undated = evidence(1, "x", "About 300 fighters crossed.", "AFP", None)
    assert strip_attribution("In 2015, AFP reported that 300 crossed.", [undated]) == "In 2015, AFP reported that 300 crossed."
    assert strip_attribution("According to AFP, 300 crossed.", [undated]) == "300 crossed."


@pytest.mark.parametrize(
    "items, labelled",
    [
        ([AFP, REUTERS], True),
        ([AFP, AFP], False),  # one article
        ([AFP, evidence(3, "afp2", "x", "AFP", "2015-03-02")], False),  # same publisher, same day
        ([AFP, evidence(3, "afp3", "x", "AFP", "2015-03-09")], True),  # same publisher, other day
        ([evidence(1, "a", "x"), evidence(2, "b", "y")], False),  # nothing known about either
    ],
)
def test_labels_appear_when_cited_articles_differ_in_publisher_or_date(items, labelled):
    assert needs_labels(items) is labelled


def test_a_label_falls_back_to_the_title_then_the_file():
    assert label(AFP) == "AFP, 2015-03-02"
    assert label(evidence(1, "t", "x", None, "2024-01-01", "A very long headline about fighters crossing the border"))
    assert label(evidence(1, "t", "x", None, None, "")) == "t.txt"


def test_answers_citing_articles_of_different_dates_say_which_says_what():
    sentences = [
        AnswerSentence("About 300 fighters crossed.", [1], True, 1.0),
        AnswerSentence("Around 7,000 fighters are in Syria.", [2], True, 1.0),
    ]
    answer = assemble(sentences, [AFP, REUTERS], question="q", model="m", timings={})
    assert answer.text == "AFP, 2015-03-02: About 300 fighters crossed.[1] Reuters, 2024-12-01: Around 7,000 fighters are in Syria.[2]"
    assert answer.supported_text() == "About 300 fighters crossed. Around 7,000 fighters are in Syria."  # labels are not claims
    assert [(c.site, c.published) for c in answer.citations] == [("AFP", "2015-03-02"), ("Reuters", "2024-12-01")]


def test_an_answer_from_one_article_has_no_labels():
    answer = assemble([AnswerSentence("About 300 fighters crossed.", [1], True, 1.0)], [AFP, REUTERS],
                      question="q", model="m", timings={})  # fmt: skip
    assert answer.text == "About 300 fighters crossed.[1]"


def test_the_support_check_ignores_a_true_attribution_and_rejects_an_invented_one():
    checker = LexicalChecker()
    ok = verify_sentence(checker, Draft("In 2015, AFP reported that about 300 fighters crossed into Syria.", (1,)), [AFP], "q")
    assert ok.supported and ok.text == "About 300 fighters crossed into Syria."
    wrong = verify_sentence(checker, Draft("In 2019, AFP reported that about 300 fighters crossed into Syria.", (1,)), [AFP], "q")
    assert not wrong.supported and "2019" in wrong.reason
    other = verify_sentence(checker, Draft("According to Reuters, about 300 fighters crossed into Syria.", (1,)), [AFP], "q")
    assert not other.supported and "Reuters" in other.reason


def test_articles_that_state_different_figures_are_labelled_even_without_metadata():
    a = evidence(1, "a", "At least 300 fighters crossed late on Sunday.", title="Iraq sent hundreds of fighters to Syria")
    b = evidence(2, "b", "Around 7,000 fighters have arrived to defend Damascus.", title="Thousands of fighters in Syria")
    sentences = [AnswerSentence("At least 300 fighters crossed.", [1], True, 1.0),
                 AnswerSentence("Around 7,000 fighters have arrived.", [2], True, 1.0)]  # fmt: skip
    answer = assemble(sentences, [a, b], question="q", model="m", timings={})
    assert answer.text == ("“Iraq sent hundreds of fighters to Syria”: At least 300 fighters crossed.[1] "
                           "“Thousands of fighters in Syria”: Around 7,000 fighters have arrived.[2]")  # fmt: skip
    same = assemble([sentences[0], AnswerSentence("They crossed on a dirt road.", [2], True, 1.0)], [a, b],
                    question="q", model="m", timings={})  # fmt: skip
    assert same.text == "At least 300 fighters crossed.[1] They crossed on a dirt road.[2]"
