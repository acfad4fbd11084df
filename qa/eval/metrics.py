"""Pure scoring functions: every metric of `qa eval`, with no model behind it.

The support checker enters only as a `check(claim, evidence_texts) -> bool`
callable, so each function is table-tested with a toy checker.

Definitions (per question, then overall):
- answer correctness: every `expected` item occurs in the answer text
  (case, punctuation and number formats normalised, whole words only);
- abstention: precision = share of abstentions that were on unanswerable
  questions; recall = share of unanswerable questions abstained on;
  false refusals = share of answerable questions abstained on;
- ALCE citation recall (Gao et al. 2023): a sentence counts when the union of
  its cited passages supports it; citation precision: a citation counts when
  the union supports the sentence and the citation either supports it alone
  or is needed (without it, the others do not);
- evidence recall: share of gold quotes overlapped by a citation span of the
  same source; citation exactness: share of citations whose quote equals the
  stored text at [start, end); retrieval recall@k and MRR of the gold quotes
  among the retrieved passages; latency percentiles.
"""

from __future__ import annotations

import math
import re
import unicodedata
from collections.abc import Callable, Sequence
from dataclasses import asdict, dataclass, field

from qa.answer import Answer
from qa.eval.questions import Expected, Question, resolve_source

Check = Callable[[str, list[str]], bool]
Span = tuple[str, int, int]  # (source, start, end)

_MARKERS = re.compile(r"\[\d+(?:\s*[,;]\s*\d+)*\]")
_THOUSANDS = re.compile(r"(?<=\d),(?=\d{3}\b)")
_APOSTROPHES = re.compile(r"(?<=\w)['’`](?=\w)")
_PUNCT = re.compile(r"[^\w.]+|(?<!\d)\.|\.(?!\d)")


# Answer correctness ------------------------------------------------------------


def normalise(text: str) -> str:
    """Lower case, no punctuation or citation markers, one number format, single spaces.

    >>> normalise("Around 7,000 Iranian fighters [1][2].")
    'around 7000 iranian fighters'
    >>> normalise("Shi’ite shrine; al-Bahra said 2.5 million")
    'shiite shrine al bahra said 2.5 million'
    """
    text = unicodedata.normalize("NFKC", _MARKERS.sub(" ", text)).lower()
    text = _THOUSANDS.sub("", text)
    text = _APOSTROPHES.sub("", text)
    return " ".join(_PUNCT.sub(" ", text).split())


def contains(answer: str, item: str) -> bool:
    """True when `item` occurs in `answer` as whole words, after normalising both.

    >>> contains("At least 300 fighters", "300"), contains("At least 3000 fighters", "300")
    (True, False)
    """
    needle = normalise(item)
    return bool(needle) and f" {needle} " in f" {normalise(answer)} "


def missing_expected(answer: str, expected: Sequence[Expected]) -> list[Expected]:
    """The expected items the answer lacks; a tuple item is met by any of its alternatives.

    >>> missing_expected("Seven were killed.", [("seven", "7"), "children"])
    ['children']
    """
    out = []
    for item in expected:
        options = (item,) if isinstance(item, str) else item
        if not any(contains(answer, o) for o in options):
            out.append(item)
    return out


def abstention_scores(outcomes: Sequence[tuple[bool, bool]]) -> dict[str, float | None]:
    """Precision, recall and false-refusal rate from (answerable, abstained) pairs.

    >>> abstention_scores([(False, True), (False, False), (True, True), (True, False)])
    {'abstention_precision': 0.5, 'abstention_recall': 0.5, 'false_refusal_rate': 0.5}
    """
    abstained = [a for a, ab in outcomes if ab]
    unanswerable = [ab for a, ab in outcomes if not a]
    answerable = [ab for a, ab in outcomes if a]
    return {
        "abstention_precision": _share(sum(not a for a in abstained), len(abstained)),
        "abstention_recall": _share(sum(unanswerable), len(unanswerable)),
        "false_refusal_rate": _share(sum(answerable), len(answerable)),
    }


# Citations -------------------------------------------------------------------


@dataclass(frozen=True)
class SentenceScore:
    """ALCE verdicts for one presented answer sentence."""

    text: str
    citations: list[int]
    supported: bool  # the union of its citations supports it (citation recall)
    precise: list[bool]  # one per citation (citation precision)


def alce_sentence(text: str, cited: Sequence[str], check: Check) -> tuple[bool, list[bool]]:
    """(recall, precision per citation) for one sentence and the texts it cites.

    >>> words_in = lambda claim, ev: set(claim.split()) <= set(" ".join(ev).split())
    >>> alce_sentence("a b", ["a b", "c"], words_in)    # the second citation is not needed
    (True, [True, False])
    >>> alce_sentence("a b", ["a", "b"], words_in)      # both needed together
    (True, [True, True])
    >>> alce_sentence("a b", ["a"], words_in)           # unsupported: no citation is precise
    (False, [False])
    """
    if not cited:
        return False, []
    if not check(text, list(cited)):
        return False, [False] * len(cited)
    precise = []
    for i, passage in enumerate(cited):
        rest = [p for j, p in enumerate(cited) if j != i]
        alone = check(text, [passage])
        precise.append(alone or not rest or not check(text, rest))
    return True, precise


def find_span(text: str, quote: str) -> tuple[int, int] | None:
    """[start, end) of the first exact occurrence of quote in text."""
    at = text.find(quote)
    return None if at < 0 or not quote else (at, at + len(quote))


def overlaps(a: Span, b: Span) -> bool:
    """Same source and the half-open spans share at least one character.

    >>> overlaps(("s", 0, 10), ("s", 9, 20)), overlaps(("s", 0, 10), ("s", 10, 20)), overlaps(("s", 0, 5), ("t", 0, 5))
    (True, False, False)
    """
    return a[0] == b[0] and a[1] < b[2] and b[1] < a[2]


def first_rank(gold: Span, ranked: Sequence[Span]) -> int | None:
    """1-based rank of the first span that overlaps gold, or None."""
    return next((i for i, span in enumerate(ranked, start=1) if overlaps(gold, span)), None)


def recall_at_k(ranks: Sequence[int | None], k: int) -> float | None:
    """Share of gold items found within the top k.

    >>> recall_at_k([1, 3, None], 2), recall_at_k([], 5) is None
    (0.3333333333333333, True)
    """
    return _share(sum(r is not None and r <= k for r in ranks), len(ranks))


def reciprocal_rank(ranks: Sequence[int | None]) -> float:
    """1 / the best rank at which any gold item was found; 0 when none was.

    >>> reciprocal_rank([3, None, 2])
    0.5
    """
    found = [r for r in ranks if r is not None]
    return 1.0 / min(found) if found else 0.0


# Aggregates -----------------------------------------------------------------


def percentile(values: Sequence[float], p: float) -> float | None:
    """The p-th percentile (0-100) with linear interpolation, as numpy's default.

    >>> percentile([1, 2, 3, 4], 50), percentile([10], 95), percentile([], 50) is None
    (2.5, 10.0, True)
    """
    if not values:
        return None
    ordered = sorted(values)
    pos = (len(ordered) - 1) * p / 100
    lo, hi = math.floor(pos), math.ceil(pos)
    return float(ordered[lo] + (ordered[hi] - ordered[lo]) * (pos - lo))


def balanced_accuracy(labels: Sequence[bool], predictions: Sequence[bool]) -> float:
    """Mean of the true-positive and true-negative rates (a class with no items is skipped).

    >>> balanced_accuracy([True, True, False, False], [True, False, False, False])
    0.75
    """
    rates = []
    for cls in (True, False):
        idx = [i for i, y in enumerate(labels) if y is cls]
        if idx:
            rates.append(sum(predictions[i] is cls for i in idx) / len(idx))
    return sum(rates) / len(rates) if rates else 0.0


def _share(part: float, whole: int) -> float | None:
    return part / whole if whole else None


def _mean(values: Sequence[float | None]) -> float | None:
    present = [v for v in values if v is not None]
    return sum(present) / len(present) if present else None


# One question ---------------------------------------------------------------


@dataclass
class QuestionScore:
    """Every per-question measurement; `summarise` turns a list of them into the overall metrics."""

    id: str
    question: str
    answerable: bool
    answer: str
    abstained: bool
    correct: bool  # answerable: all expected present and not abstained; unanswerable: abstained
    missing: list = field(default_factory=list)
    sentences: list[SentenceScore] = field(default_factory=list)
    citation_recall: float | None = None
    citation_precision: float | None = None
    citations: int = 0
    exact_citations: int = 0
    inexact: list[str] = field(default_factory=list)
    disk_citations: int = 0  # citations whose source file could be read again from disk
    disk_exact: int = 0  # ... and whose quote is that file's text at [start, end)
    evidence_total: int = 0
    evidence_covered: int = 0
    uncited_evidence: list[str] = field(default_factory=list)
    retrieval_ranks: list[int | None] = field(default_factory=list)
    shown_covered: int = 0  # gold quotes overlapped by the evidence the model was shown
    latency_ms: float = 0.0
    error: str = ""
    abstain_gate: str = ""  # which named gate refused, when the answer is an abstention
    draft_right: bool | None = None  # refused with a supported draft: would that draft have been right?

    def to_dict(self) -> dict:
        return asdict(self)


class StoredTexts(dict):
    """{source: stored text}, knowing which copy answers for each duplicate document ({source: source})."""

    canonical: dict[str, str] = {}


def gold_spans(question: Question, texts: dict[str, str]) -> list[Span]:
    """Where each gold quote lies in the stored texts; ValueError names one that cannot be found.

    Gold evidence in a duplicate document is looked for in the copy that
    answers for it, since only that copy is searched and cited.
    """
    spans = []
    canonical = getattr(texts, "canonical", {})
    for ev in question.evidence:
        source = resolve_source(ev.source, list(texts))
        if source in canonical and ev.quote in texts[canonical[source]]:
            source = canonical[source]
        found = find_span(texts[source], ev.quote) if source else None
        if found is None:
            raise ValueError(f"{question.id}: gold quote {ev.quote[:60]!r} not found in {ev.source}")
        spans.append((source, *found))
    return spans


def _draft_right(question: Question, answer: Answer) -> bool | None:
    """For an answer a gate refused after generation: would its supported draft have been right?"""
    draft = answer.supported_text() if answer.abstained else ""
    if not draft:
        return None
    return question.answerable and not missing_expected(draft, question.expected)


def score_answer(
    question: Question, answer: Answer, texts: dict[str, str], check: Check, k: int, disk: dict[str, str] | None = None
) -> QuestionScore:
    """Score one Answer against its Question; `texts` maps each stored source to its full text.

    `disk`, when given, maps sources to their text read again from the files
    on disk, so exactness is also checked against the originals, not only
    against what the index stored.
    """
    presented = [s for s in answer.sentences if s.supported] if not answer.abstained else []
    missing = [] if not question.answerable else (
        list(question.expected) if answer.abstained else missing_expected(answer.text, question.expected)
    )
    if question.answerable and not answer.abstained and question.extra.get("attributed"):
        # A question whose articles disagree: each sentence must say which article (and when) states it.
        if not presented or not all(s.attribution for s in presented):
            missing.append("which article says what")
    correct = answer.abstained if not question.answerable else (not answer.abstained and not missing)
    score = QuestionScore(
        id=question.id,
        question=question.question,
        answerable=question.answerable,
        answer=answer.text,
        abstained=answer.abstained,
        correct=correct,
        missing=missing,
        latency_ms=float(answer.timings.get("total_ms", 0.0)),
        abstain_gate=answer.abstain_gate if answer.abstained else "",
        draft_right=_draft_right(question, answer),
    )

    by_n = {c.n: c for c in answer.citations}
    stored = {c.n: texts.get(c.source, "")[c.start : c.end] for c in answer.citations}
    for c in answer.citations:
        score.citations += 1
        if c.source in texts and stored[c.n] == c.quote and c.end > c.start:
            score.exact_citations += 1
        else:
            score.inexact.append(f"[{c.n}] {c.source} [{c.start}:{c.end}] quote is not the stored text there")
        if disk is not None and c.source in disk:
            score.disk_citations += 1
            if disk[c.source][c.start : c.end] == c.quote and c.end > c.start:
                score.disk_exact += 1
            else:
                score.inexact.append(f"[{c.n}] {c.source} [{c.start}:{c.end}] quote is not the file's text there")

    recall, precise = [], []
    for s in presented:
        cited = [stored.get(n) or (by_n[n].quote if n in by_n else "") for n in s.citations]
        supported, per_citation = alce_sentence(s.text, cited, check)
        score.sentences.append(SentenceScore(s.text, list(s.citations), supported, per_citation))
        recall.append(1.0 if supported else 0.0)
        precise.extend(per_citation)
    score.citation_recall = _mean(recall)
    score.citation_precision = _share(sum(precise), len(precise))

    gold = gold_spans(question, texts)
    cited_spans = [(c.source, c.start, c.end) for c in answer.citations]
    retrieved = [(r["source"], r["start"], r["end"]) for r in answer.retrieved[:k]]
    shown = [(e["source"], e["start"], e["end"]) for e in answer.evidence]
    score.evidence_total = len(gold)
    for ev, span in zip(question.evidence, gold):
        if any(overlaps(span, c) for c in cited_spans):
            score.evidence_covered += 1
        else:
            score.uncited_evidence.append(ev.quote)
        score.retrieval_ranks.append(first_rank(span, retrieved))
        score.shown_covered += any(overlaps(span, e) for e in shown)
    return score


# Overall ------------------------------------------------------------------------

# name -> (description, higher is better)
METRICS: dict[str, tuple[str, bool]] = {
    "answer_accuracy": ("all questions answered right (unanswerable: abstained)", True),
    "answer_correctness": ("answerable questions whose answer has every expected item", True),
    "abstention_precision": ("abstentions that were on unanswerable questions", True),
    "abstention_recall": ("unanswerable questions abstained on", True),
    "false_refusal_rate": ("answerable questions wrongly refused", False),
    "citation_recall": ("ALCE: sentences supported by the union of their citations", True),
    "citation_precision": ("ALCE: citations that support or are needed", True),
    "evidence_recall": ("gold quotes overlapped by a citation span", True),
    "citation_exactness": ("citations whose quote is the stored text at [start,end)", True),
    "citation_exactness_disk": ("citations whose quote is the source file's text at [start,end), read again from disk", True),
    "retrieval_recall_at_k": ("gold quotes overlapped by a retrieved passage in the top k", True),
    "retrieval_mrr": ("mean reciprocal rank of the first retrieved passage holding gold evidence", True),
    "evidence_shown_recall": ("gold quotes overlapped by the evidence shown to the model", True),
    "latency_p50_ms": ("median time per question", False),
    "latency_p95_ms": ("95th-percentile time per question", False),
    "checker_balanced_accuracy": ("support checker on the labelled pairs", True),
}


def summarise(scores: Sequence[QuestionScore], k: int) -> dict[str, float | None]:
    """Overall metrics: shares pooled over the items they count, ALCE averaged per answer (as ALCE does)."""
    answerable = [s for s in scores if s.answerable]
    ranks = [r for s in scores for r in s.retrieval_ranks]
    with_gold = [s for s in scores if s.retrieval_ranks]
    out: dict[str, float | None] = {
        "questions": len(scores),
        "errors": sum(bool(s.error) for s in scores),
        "answer_accuracy": _share(sum(s.correct for s in scores), len(scores)),
        "answer_correctness": _share(sum(s.correct for s in answerable), len(answerable)),
        **abstention_scores([(s.answerable, s.abstained) for s in scores]),
        "citation_recall": _mean([s.citation_recall for s in scores]),
        "citation_precision": _mean([s.citation_precision for s in scores]),
        "evidence_recall": _share(sum(s.evidence_covered for s in scores), sum(s.evidence_total for s in scores)),
        "citation_exactness": _share(sum(s.exact_citations for s in scores), sum(s.citations for s in scores)),
        "citation_exactness_disk": _share(sum(s.disk_exact for s in scores), sum(s.disk_citations for s in scores)),
        "retrieval_recall_at_k": recall_at_k(ranks, k),
        "retrieval_mrr": _mean([reciprocal_rank(s.retrieval_ranks) for s in with_gold]),
        "evidence_shown_recall": _share(sum(s.shown_covered for s in scores), sum(s.evidence_total for s in scores)),
        "latency_p50_ms": percentile([s.latency_ms for s in scores], 50),
        "latency_p95_ms": percentile([s.latency_ms for s in scores], 95),
        "k": k,
    }
    return out


def gate_counts(scores: Sequence[QuestionScore]) -> dict[str, dict[str, int]]:
    """What each abstention gate stopped: {gate: {"right": on unanswerable, "wrong": on answerable,
    "right_drafts": answerable refusals whose supported draft held the expected answer}}.

    >>> s = [QuestionScore("a", "q", False, "", True, True, abstain_gate="premise"),
    ...      QuestionScore("b", "q", True, "", True, False, abstain_gate="judge", draft_right=True),
    ...      QuestionScore("c", "q", True, "x", False, True)]
    >>> gate_counts(s)
    {'judge': {'right': 0, 'wrong': 1, 'right_drafts': 1}, 'premise': {'right': 1, 'wrong': 0, 'right_drafts': 0}}
    """
    counts: dict[str, dict[str, int]] = {}
    for s in scores:
        if s.abstained:
            gate = counts.setdefault(s.abstain_gate or "(unnamed)", {"right": 0, "wrong": 0, "right_drafts": 0})
            gate["wrong" if s.answerable else "right"] += 1
            gate["right_drafts"] += bool(s.draft_right)
    return dict(sorted(counts.items()))


# Thresholds -----------------------------------------------------------------------


def parse_fail_under(items: Sequence[str]) -> dict[str, float]:
    """`metric=value` strings to a dict; ValueError names an unknown metric or a bad value.

    >>> parse_fail_under(["citation_exactness=1.0", "answer_correctness=0.7"])
    {'citation_exactness': 1.0, 'answer_correctness': 0.7}
    """
    out = {}
    for item in items:
        name, sep, value = item.partition("=")
        name = name.strip().replace("-", "_")
        if not sep:
            raise ValueError(f"--fail-under {item!r}: write metric=value, e.g. citation_exactness=1.0")
        if name not in METRICS:
            raise ValueError(f"--fail-under: unknown metric {name!r}; choose from {', '.join(METRICS)}")
        if not METRICS[name][1]:
            raise ValueError(f"--fail-under: {name} is lower-is-better; a floor on it means nothing")
        try:
            out[name] = float(value)
        except ValueError:
            raise ValueError(f"--fail-under {item!r}: {value!r} is not a number") from None
    return out


def shortfalls(metrics: dict[str, float | None], floors: dict[str, float]) -> list[str]:
    """One message per metric below its floor (a metric with no value counts as below).

    >>> shortfalls({"citation_recall": 0.8, "evidence_recall": None}, {"citation_recall": 0.9, "evidence_recall": 0.5})
    ['citation_recall = 0.800 is below 0.9', 'evidence_recall has no value (nothing to measure) and needs 0.5']
    """
    out = []
    for name, floor in floors.items():
        value = metrics.get(name)
        if value is None:
            out.append(f"{name} has no value (nothing to measure) and needs {floor:g}")
        elif value < floor - 1e-12:
            out.append(f"{name} = {value:.3f} is below {floor:g}")
    return out
