"""Pure metric functions: table-driven, no models."""

from __future__ import annotations

import pytest

from qa.answer import Answer, AnswerSentence, Citation
from qa.eval import metrics as m
from qa.eval.questions import GoldEvidence, Question


@pytest.mark.parametrize(
    ("answer", "item", "found"),
    [
        ("Around 7,000 fighters arrived.", "7000", True),
        ("Around 7000 fighters arrived.", "7,000", True),
        ("Around 17,000 fighters arrived.", "7,000", False),
        ("At least 300 fighters [1].", "300", True),
        ("They met on April 25.", "april 25", True),
        ("They met on April 250.", "April 25", False),
        ("Hadi al-Bahra said so.", "Bahra", True),
        ("Hadi al-Bahra said so.", "al-Bahra", True),
        ("the Damascus-Beirut highway", "Damascus Beirut", True),
        ("a Shi’ite shrine", "Shi'ite", True),
        ("The answer cites [1].", "1", False),  # markers are not answer text
        ("2.5 million people", "2.5 million", True),
        ("", "300", False),
    ],
)
def test_contains(answer, item, found):
    assert m.contains(answer, item) is found


@pytest.mark.parametrize(
    ("answer", "expected", "missing"),
    [
        ("Badr and Nujabaa.", ["Badr", "Nujabaa"], []),
        ("Badr only.", ["Badr", "Nujabaa"], ["Nujabaa"]),
        ("Seven died.", [("seven", "7")], []),
        ("7 died.", [("seven", "7")], []),
        ("Nine died.", [("seven", "7")], [("seven", "7")]),
    ],
)
def test_missing_expected(answer, expected, missing):
    assert m.missing_expected(answer, expected) == missing


def subset_check(claim: str, evidence: list[str]) -> bool:
    """Toy checker: every word of the claim occurs in the joined evidence."""
    return set(claim.split()) <= set(" ".join(evidence).split())


@pytest.mark.parametrize(
    ("claim", "cited", "recall", "precise"),
    [
        ("a b", ["a b"], True, [True]),
        ("a b", ["a b", "c"], True, [True, False]),  # c is irrelevant: the rest still supports
        ("a b", ["a", "b"], True, [True, True]),  # each needed for the union
        ("a b", ["a b", "a b"], True, [True, True]),  # each supports alone
        ("a b", ["a"], False, [False]),
        ("a b", ["a", "c"], False, [False, False]),  # union fails: no citation is precise (ALCE)
        ("a b", [], False, []),
    ],
)
def test_alce_sentence(claim, cited, recall, precise):
    assert m.alce_sentence(claim, cited, subset_check) == (recall, precise)


@pytest.mark.parametrize(
    ("outcomes", "precision", "recall", "false_refusals"),
    [
        ([(False, True), (False, True), (True, False)], 1.0, 1.0, 0.0),
        ([(False, False), (True, True)], 0.0, 0.0, 1.0),
        ([(True, False)], None, None, 0.0),
        ([(False, True), (True, True), (True, False), (True, False)], 0.5, 1.0, 1 / 3),
    ],
)
def test_abstention(outcomes, precision, recall, false_refusals):
    got = m.abstention_scores(outcomes)
    assert got["abstention_precision"] == precision
    assert got["abstention_recall"] == recall
    assert got["false_refusal_rate"] == pytest.approx(false_refusals)


@pytest.mark.parametrize(
    ("gold", "ranked", "rank"),
    [
        (("s", 10, 20), [("s", 0, 5), ("s", 15, 40)], 2),
        (("s", 10, 20), [("t", 10, 20)], None),
        (("s", 10, 20), [("s", 20, 30)], None),  # half-open: touching is not overlapping
        (("s", 10, 20), [("s", 0, 100)], 1),  # containing
        (("s", 10, 20), [], None),
    ],
)
def test_first_rank(gold, ranked, rank):
    assert m.first_rank(gold, ranked) == rank


@pytest.mark.parametrize(
    ("ranks", "k", "recall", "rr"),
    [([1, 2], 1, 0.5, 1.0), ([None, 3], 3, 0.5, 1 / 3), ([None], 5, 0.0, 0.0), ([2, 4], 6, 1.0, 0.5)],
)
def test_recall_and_rr(ranks, k, recall, rr):
    assert m.recall_at_k(ranks, k) == pytest.approx(recall)
    assert m.reciprocal_rank(ranks) == pytest.approx(rr)


@pytest.mark.parametrize(
    ("values", "p", "want"),
    [([1, 2, 3, 4, 5], 50, 3.0), ([1, 2, 3, 4], 50, 2.5), ([1, 2, 3, 4, 5], 95, 4.8), ([7], 95, 7.0), ([], 50, None)],
)
def test_percentile(values, p, want):
    assert m.percentile(values, p) == (pytest.approx(want) if want is not None else None)


@pytest.mark.parametrize(
    ("labels", "predictions", "want"),
    [
        ([True, False], [True, False], 1.0),
        ([True, True, True, False], [True, True, True, True], 0.5),  # always-yes is 0.5, whatever the balance
        ([True, False, False, False], [True, False, False, True], (1 + 2 / 3) / 2),
    ],
)
def test_balanced_accuracy(labels, predictions, want):
    assert m.balanced_accuracy(labels, predictions) == pytest.approx(want)


@pytest.mark.parametrize(
    ("items", "error"),
    [
        (["nonsense=1"], "unknown metric 'nonsense'"),
        (["citation_recall"], "write metric=value"),
        (["citation_recall=high"], "is not a number"),
        (["latency_p95_ms=1000"], "lower-is-better"),
    ],
)
def test_parse_fail_under_rejects(items, error):
    with pytest.raises(ValueError, match=error):
        m.parse_fail_under(items)


def test_shortfalls_name_the_metric():
    floors = m.parse_fail_under(["citation-exactness=1", "answer_correctness=0.5"])
    assert m.shortfalls({"citation_exactness": 0.98, "answer_correctness": 0.5}, floors) == [
        "citation_exactness = 0.980 is below 1"
    ]


# score_answer on hand-built answers ------------------------------------------------

TEXT = "Intro. At least 300 fighters crossed on Sunday. Seven people were killed. The end."
TEXTS = {"seeds/a.txt": TEXT}


def span(quote: str) -> tuple[int, int]:
    at = TEXT.index(quote)
    return at, at + len(quote)


def cite(n: int, quote: str, start: int | None = None) -> Citation:
    s, e = span(quote)
    if start is not None:
        s, e = start, start + len(quote)
    return Citation(n, f"a:{n}:h", "a", "seeds/a.txt", "", s, e, quote)


def answer(text, sentences, citations, abstained=False, retrieved=(), total_ms=1000.0) -> Answer:
    return Answer(
        question="q",
        text=text,
        sentences=sentences,
        citations=citations,
        abstained=abstained,
        model="fake",
        timings={"total_ms": total_ms},
        retrieved=[{"source": s, "start": a, "end": b} for s, a, b in retrieved],
    )


Q300 = Question("q1", "How many fighters?", True, ("300",), (GoldEvidence("a.txt", "At least 300 fighters"),))
QNONE = Question("q2", "Population?", False)


def test_score_right_answer_with_exact_citation():
    c = cite(1, "At least 300 fighters crossed on Sunday.")
    a = answer("At least 300 fighters crossed [1].", [AnswerSentence("At least 300 fighters crossed.", [1], True, 1.0)], [c],
               retrieved=[("seeds/a.txt", 0, 6), ("seeds/a.txt", c.start, c.end)])  # fmt: skip
    s = m.score_answer(Q300, a, TEXTS, subset_check_stems, k=6)
    assert s.correct and not s.missing
    assert (s.citations, s.exact_citations) == (1, 1)
    assert (s.evidence_total, s.evidence_covered) == (1, 1)
    assert s.retrieval_ranks == [2]
    assert s.citation_recall == 1.0 and s.citation_precision == 1.0


def subset_check_stems(claim: str, evidence: list[str]) -> bool:
    strip = lambda t: {w.strip(".,").lower() for w in t.split()}  # noqa: E731
    return strip(claim) <= strip(" ".join(evidence))


def test_score_inexact_quote_and_uncited_gold():
    shifted = cite(1, "Seven people were killed.", start=TEXT.index("Seven") + 1)  # span one character off
    a = answer("Seven people were killed [1].", [AnswerSentence("Seven people were killed.", [1], True, 1.0)], [shifted])
    s = m.score_answer(Q300, a, TEXTS, subset_check_stems, k=6)
    assert not s.correct and s.missing == ["300"]
    assert s.exact_citations == 0 and "quote is not the stored text" in s.inexact[0]
    assert s.evidence_covered == 0 and s.uncited_evidence == ["At least 300 fighters"]
    assert s.retrieval_ranks == [None]
    # ALCE uses the stored text at the span, not the answer's own quote: it shifted, so unsupported.
    assert s.citation_recall == 0.0


def test_score_abstention():
    a = answer("The documents do not say.", [], [], abstained=True)
    right = m.score_answer(QNONE, a, TEXTS, subset_check, k=6)
    wrong = m.score_answer(Q300, a, TEXTS, subset_check, k=6)
    assert right.correct and not wrong.correct
    assert right.citation_recall is None and wrong.missing == ["300"]
    overall = m.summarise([right, wrong], k=6)
    assert overall["answer_accuracy"] == 0.5
    assert overall["abstention_precision"] == 0.5
    assert overall["abstention_recall"] == 1.0
    assert overall["false_refusal_rate"] == 1.0
    assert overall["citation_exactness"] is None  # no citations to measure


def test_gold_quote_missing_from_source_is_an_error():
    bad = Question("q3", "?", True, ("x",), (GoldEvidence("a.txt", "not in the text"),))
    with pytest.raises(ValueError, match="q3: gold quote"):
        m.gold_spans(bad, TEXTS)


def test_summarise_latency_and_pooling():
    c = cite(1, "At least 300 fighters crossed on Sunday.")
    good = answer("At least 300 [1].", [AnswerSentence("At least 300 fighters crossed.", [1], True, 1.0)], [c], total_ms=1000)
    slow = answer("The documents do not say.", [], [], abstained=True, total_ms=9000)
    scores = [m.score_answer(Q300, good, TEXTS, subset_check_stems, 6), m.score_answer(QNONE, slow, TEXTS, subset_check, 6)]
    overall = m.summarise(scores, k=6)
    assert overall["latency_p50_ms"] == 5000.0
    assert overall["citation_exactness"] == 1.0
    assert overall["evidence_recall"] == 1.0
    assert overall["answer_accuracy"] == 1.0


def test_exactness_is_also_checked_against_the_file_on_disk():
    c = cite(1, "At least 300 fighters crossed on Sunday.")
    a = answer("At least 300 fighters crossed [1].", [AnswerSentence("At least 300 fighters crossed.", [1], True, 1.0)], [c])
    same = m.score_answer(Q300, a, TEXTS, subset_check_stems, k=6, disk=dict(TEXTS))
    assert (same.disk_citations, same.disk_exact) == (1, 1)
    moved = {"seeds/a.txt": "XX" + TEXTS["seeds/a.txt"]}  # the file now differs from what was stored
    drift = m.score_answer(Q300, a, TEXTS, subset_check_stems, k=6, disk=moved)
    assert (drift.exact_citations, drift.disk_citations, drift.disk_exact) == (1, 1, 0)
    assert "not the file's text" in drift.inexact[-1]
    assert m.summarise([same, drift], 6)["citation_exactness_disk"] == 0.5
    assert m.summarise([m.score_answer(Q300, a, TEXTS, subset_check_stems, k=6)], 6)["citation_exactness_disk"] is None


def test_a_question_whose_articles_disagree_needs_each_sentence_attributed():
    from qa.answer import Answer, AnswerSentence, Citation
    from qa.eval.metrics import score_answer
    from qa.eval.questions import parse_question

    q = parse_question({"id": "t", "question": "What figures do they give?", "answerable": True,
                        "expected": ["300", "7,000"], "attributed": True})  # fmt: skip
    texts = {"a.txt": "At least 300 fighters crossed.", "b.txt": "Around 7,000 fighters arrived."}
    cites = [Citation(1, "a:0:x", "a", "a.txt", "A", 0, 30, texts["a.txt"]),
             Citation(2, "b:0:y", "b", "b.txt", "B", 0, 30, texts["b.txt"])]  # fmt: skip

    def answer(attribution: str) -> Answer:
        sentences = [AnswerSentence("At least 300 fighters crossed.", [1], True, 1.0, attribution=attribution),
                     AnswerSentence("Around 7,000 fighters arrived.", [2], True, 1.0, attribution=attribution)]  # fmt: skip
        text = " ".join(f"{attribution + ': ' if attribution else ''}{s.text}[{s.citations[0]}]" for s in sentences)
        return Answer(question=q.question, text=text, sentences=sentences, citations=cites, abstained=False,
                      model="m", timings={})  # fmt: skip

    def check(claim, evidence, question=""):
        return True

    assert score_answer(q, answer("“A”"), texts, check, k=6).correct
    unlabelled = score_answer(q, answer(""), texts, check, k=6)
    assert not unlabelled.correct and unlabelled.missing == ["which article says what"]
