"""qa.testing: assert_cited / assert_abstains and their failure messages."""

from __future__ import annotations

import pytest

from qa.answer import Answer, AnswerSentence, Citation
from qa.testing import CitationAssertionError, assert_abstains, assert_cited
from qa.verify import LexicalChecker

TEXT = "Intro line. At least 300 fighters crossed late on Sunday. Seven people were killed."
TEXTS = {"seeds/a.txt": TEXT}


def cite(n, quote, shift=0):
    at = TEXT.index(quote) + shift
    return Citation(n, f"a:{n}:h", "a", "seeds/a.txt", "", at, at + len(quote), quote)


def make(sentences, citations, abstained=False):
    text = " ".join(s.text + "".join(f"[{n}]" for n in s.citations) for s in sentences if s.supported)
    return Answer("How many fighters crossed?", text or "The documents do not say.", sentences, citations, abstained,
                  "fake", {"total_ms": 1.0}, abstain_reason="nothing relevant" if abstained else "")  # fmt: skip


GOOD = make([AnswerSentence("At least 300 fighters crossed late on Sunday.", [1], True, 1.0)],
            [cite(1, "At least 300 fighters crossed late on Sunday.")])  # fmt: skip


def test_good_answer_passes_every_check():
    assert_cited(GOOD, evidence=["At least 300 fighters"], expected=["300"], texts=TEXTS, checker=LexicalChecker())
    assert_cited(GOOD, evidence=[{"source": "a.txt", "quote": "300 fighters"}], expected=[["three hundred", "300"]])


@pytest.mark.parametrize(
    ("kwargs", "message"),
    [
        ({"expected": ["7,000"]}, "expected text missing: “7,000”"),
        ({"evidence": ["Seven people were killed"]}, "gold evidence not cited: no citation covers “Seven people were killed”"),
        ({"evidence": [{"source": "b.txt", "quote": "300 fighters"}]}, "from b.txt"),
    ],
)
def test_failures_say_why(kwargs, message):
    with pytest.raises(CitationAssertionError) as info:
        assert_cited(GOOD, texts=TEXTS, **kwargs)
    assert message in str(info.value)
    assert "[1] seeds/a.txt" in str(info.value)  # the citation is shown


def test_quote_not_verbatim():
    shifted = make([AnswerSentence("Seven people were killed.", [1], True, 1.0)], [cite(1, "Seven people were killed.", shift=2)])
    with pytest.raises(CitationAssertionError, match="citation \\[1\\] quote not verbatim"):
        assert_cited(shifted, texts=TEXTS)


def test_unsupported_sentence_is_named():
    wrong = make([AnswerSentence("Nine people were killed.", [1], True, 1.0)], [cite(1, "Seven people were killed.")])
    with pytest.raises(CitationAssertionError) as info:
        assert_cited(wrong, checker=LexicalChecker())
    assert "unsupported sentence: “Nine people were killed.” [1] — number 9 is not in the cited text" in str(info.value)


def test_abstentions():
    refused = make([], [], abstained=True)
    assert_abstains(refused)
    with pytest.raises(CitationAssertionError, match="expected an abstention, but it answered"):
        assert_abstains(GOOD)
    with pytest.raises(CitationAssertionError, match="expected an answer, but it abstained \\(nothing relevant\\)"):
        assert_cited(refused, expected=["300"])


def test_a_citation_of_text_the_model_was_not_shown_is_named():
    import dataclasses

    first, second = "At least 300 fighters crossed late on Sunday.", "Seven people were killed."
    shown = [{"passage_id": "a:1:h", "start": TEXT.index(q), "end": TEXT.index(q) + len(q)} for q in (first, second)]
    joined = make([AnswerSentence("Seven died after 300 crossed.", [1], True, 1.0)], [cite(1, f"{first} {second}")])
    joined = dataclasses.replace(joined, evidence=shown)
    assert_cited(joined, texts=TEXTS)  # two shown neighbours cited as one quote
    wider = dataclasses.replace(joined, citations=[cite(1, f"Intro line. {first}")])
    with pytest.raises(CitationAssertionError, match="citation \\[1\\] cites seeds/a.txt\\[0:57\\], which the model was not shown"):
        assert_cited(wider, texts=TEXTS)
