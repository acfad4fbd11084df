"""Citations: parsing model replies, assembling answers, the exactness check."""

import pytest

from qa.citations import Draft, parse_reply, partial_answer_text, strip_markers


@pytest.mark.parametrize(
    "reply, n, expected",
    [
        ('{"sentences": [{"evidence": [1, 2], "text": "Seven died."}]}', 3, [Draft("Seven died.", (1, 2))]),
        ('{"sentences": [{"evidence": [4, 0, 2, 2], "text": "X."}]}', 3, [Draft("X.", (2,))]),
        ('{"sentences": []}', 3, []),
        ('{"sentences": [{"evidence": [1], "text": "A one. B two."}]}', 2, [Draft("A one.", (1,)), Draft("B two.", (1,))]),
        ('{"sentences": [{"evidence": [1], "text": "Seven died [2]."}]}', 2, [Draft("Seven died.", (1, 2))]),
        ('Sure! {"sentences": [{"evidence": [1], "text": "Y."}]} done', 1, [Draft("Y.", (1,))]),
        ("Iraq sent 300 fighters [1][3]. They crossed at night [2].", 3,
         [Draft("Iraq sent 300 fighters.", (1, 3)), Draft("They crossed at night.", (2,))]),
        ("Nothing cited here.", 3, [Draft("Nothing cited here.", ())]),
        ('{"sentences": [{"evidence": "2", "text": "Odd."}]}', 3, [Draft("Odd.", (2,))]),
        ('{"sentences": [{"evidence": [1], "text": ""}]}', 3, []),
        ("", 3, []),
    ],
)
def test_parse_reply(reply, n, expected):
    assert parse_reply(reply, n) == expected


def test_strip_markers():
    assert strip_markers("A [1], B [2; 3].") == ("A, B.", [1, 2, 3])


@pytest.mark.parametrize(
    "partial, visible",
    [
        ('{"sentences": [{"evidence": [1], "text": "At le', "At le"),
        ('{"sentences": [{"evidence": [1], "text": "A."}, {"evidence": [2], "text": "B', "A. B"),
        ('{"sentences": [{"evid', ""),
        ("Plain text [1] so far", "Plain text so far"),
        ('{"sentences": [{"evidence": [1], "text": "He said \\"yes\\""', 'He said "yes"'),
    ],
)
def test_partial_answer_text(partial, visible):
    assert partial_answer_text(partial) == visible


# Assembly and exactness ------------------------------------------------------------

from qa.answer import AnswerSentence  # noqa: E402
from qa.citations import assemble, quote_matches, require_exact  # noqa: E402
from qa.documents import Passage  # noqa: E402
from qa.errors import QAError  # noqa: E402
from qa.retrieve import Evidence  # noqa: E402

DOC = "Intro. At least 300 fighters crossed. Seven people were killed. Talks begin."
PASSAGE = Passage("d:0000:h", "d", "a.txt", "Title", 0, len(DOC), DOC, ())


def shown(*quotes):
    return [Evidence(n, PASSAGE, DOC.index(q), DOC.index(q) + len(q), q, 0.0) for n, q in enumerate(quotes, start=1)]


def test_assemble_renumbers_in_order_of_first_use_and_keeps_removed_sentences():
    evidence = shown("Intro.", "At least 300 fighters crossed.", "Talks begin.")
    sentences = [
        AnswerSentence("300 crossed.", [2], True, 1.0),
        AnswerSentence("Purple.", [], False, 0.0, "no support"),
        AnswerSentence("Talks begin, and 300 crossed.", [3, 2], True, 1.0),
    ]
    answer = assemble(sentences, evidence, question="q", model="m", timings={})
    assert answer.text == "300 crossed.[1] Talks begin, and 300 crossed.[2][1]"
    assert [(c.n, c.quote, c.doc_id, c.title) for c in answer.citations] == [
        (1, "At least 300 fighters crossed.", "d", "Title"),
        (2, "Talks begin.", "d", "Title"),
    ]
    assert answer.sentences[1] == sentences[1]  # kept, uncited
    assert not answer.abstained


def test_neighbouring_sentences_cited_together_are_one_quote_and_the_rest_stay_apart():
    evidence = shown("Intro.", "At least 300 fighters crossed.", "Seven people were killed.", "Talks begin.")
    sentences = [
        AnswerSentence("Seven died after 300 crossed.", [3, 2], True, 1.0),
        AnswerSentence("300 crossed; talks begin.", [2, 4], True, 1.0),
        AnswerSentence("Intro, 300, seven, talks.", [4, 1, 3, 2], True, 1.0),
    ]
    answer = assemble(sentences, evidence, question="q", model="m", timings={})
    quotes = [c.quote for c in answer.citations]
    assert quotes == [
        "At least 300 fighters crossed. Seven people were killed.",
        "At least 300 fighters crossed.",
        "Talks begin.",
        DOC,
    ]
    assert answer.text.endswith("talks begin.[2][3] Intro, 300, seven, talks.[4]")
    for c in answer.citations:
        assert quote_matches(DOC, c.start, c.end, c.quote)


def test_sentences_with_text_between_them_are_not_joined():
    doc = "Kim won. [Advert] She ran 10.2 s."
    passage = Passage("e:0000:h", "e", "b.txt", "", 0, len(doc), doc, ())
    evidence = [Evidence(n, passage, doc.index(q), doc.index(q) + len(q), q, 0.0) for n, q in enumerate(["Kim won.", "She ran 10.2 s."], 1)]
    answer = assemble([AnswerSentence("Kim ran 10.2 s.", [1, 2], True, 1.0)], evidence, question="q", model="m", timings={})
    assert [c.quote for c in answer.citations] == ["Kim won.", "She ran 10.2 s."]


@pytest.mark.parametrize(
    ("start", "end", "quote", "ok"),
    [(7, 37, "At least 300 fighters crossed.", True), (8, 38, "At least 300 fighters crossed.", False),
     (0, 0, "", True), (70, 99, "Talks begin.", False), (-1, 5, "Intro", False)],
)  # fmt: skip
def test_quote_matches(start, end, quote, ok):
    assert quote_matches(DOC, start, end, quote) is ok


def test_require_exact_names_the_passage_that_no_longer_matches():
    answer = assemble([AnswerSentence("300 crossed.", [1], True, 1.0)], shown("At least 300 fighters crossed."),
                      question="q", model="m", timings={})  # fmt: skip
    require_exact(answer.citations, {"d": DOC})
    with pytest.raises(QAError, match="d:0000:h no longer matches"):
        require_exact(answer.citations, {"d": DOC.replace("300", "400")})
